"""Denmark: the gov-dk.* actions against the NemHandel network simulator
(providers/nemhandel/sandbox.py: the Peppol eDelivery simulator with Danish participants) on
a free port, through the real engine: the agreement signed, the participant published in the
SMP, the invoice converted and delivered by AS4 with its receipt, received documents
imported, and Invopop's dk__nemhandel-* templates."""

import copy
import json
import threading

import pytest
import requests
from conftest import shared_path
from engine_helpers import built, entry, run, start_on, step, trace
from lxml import etree

from jobs.models import Job, JobStatus
from jobs.services import create_job
from providers import registry, simulators
from providers.nemhandel import sandbox
from providers.nemhandel.inbox import NEMHANDEL
from providers.peppol import inbox
from silo.models import SiloEntry
from workflows.definition import errors, walk
from workflows.models import Trigger, TriggerKind, Workflow

pytestmark = pytest.mark.django_db
SUPPLIER_ID = "0184:16356700"
CUSTOMER_ID = "0184:12345674"  # one of the simulator's NemHandel participants
PARTY = {
    "$schema": "https://gobl.org/draft-0/org/party",
    "name": "Nordlys Software ApS",
    "tax_id": {"country": "DK", "code": "16356700"},
    "people": [{"name": {"given": "Mette", "surname": "Kristensen"}, "role": "Director"}],
    "addresses": [
        {
            "num": "24",
            "street": "Vesterbrogade",
            "locality": "København V",
            "code": "1620",
            "country": "DK",
        }
    ],
    "emails": [{"addr": "faktura@nordlys.dk"}],
}
INVOICE = {
    "$schema": "https://gobl.org/draft-0/bill/invoice",
    "$addons": ["dk-oioubl-v2"],
    "type": "standard",
    "series": "SAMPLE",
    "issue_date": "2026-08-01",
    "currency": "DKK",
    "supplier": {k: v for k, v in PARTY.items() if k not in ("$schema", "people")},
    "customer": {
        "name": "Havnens Byggemarked A/S",
        "tax_id": {"country": "DK", "code": "12345674"},
        "addresses": [
            {
                "num": "3",
                "street": "Havnegade",
                "locality": "Aarhus C",
                "code": "8000",
                "country": "DK",
            }
        ],
    },
    "lines": [
        {
            "quantity": 10,
            "item": {"name": "Consulting services", "price": "800.00", "unit": "h"},
            "taxes": [{"cat": "VAT", "rate": "standard"}],
        }
    ],
    # Peppol BIS (what is sent) requires a buyer or order reference (PEPPOL-EN16931-R003).
    "ordering": {"code": "PO-4711"},
    "payment": {"terms": {"due_dates": [{"date": "2026-08-31", "percent": "100%"}]}},
}


def envelope(doc: dict) -> dict:
    return built({"$schema": "https://gobl.org/draft-0/envelope", "doc": copy.deepcopy(doc)})


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]


@pytest.fixture
def network(settings):
    server = sandbox.make_server(0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    settings.NEMHANDEL_URL = base
    try:
        yield server, base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def sign(base: str, agreement_id: str, **decision) -> None:
    decision = decision or {"status": "approved"}
    requests.post(
        f"{base}/sandbox/approvals/{agreement_id}", json=decision, timeout=5
    ).raise_for_status()


def registered_party(workspace, base) -> SiloEntry:
    party = entry(workspace, envelope(PARTY))
    job = run(start_on(party, [step("gov-dk.sign"), step("gov-dk.wait.approval")]), passes=2)
    assert job.status == JobStatus.QUEUED, (trace(job), job.faults)
    party.refresh_from_db()
    sign(base, party.meta["nemhandel_agreement_id"])
    assert run(job).status == "OK"
    job = run(start_on(party, [step("gov-dk.register")]))
    assert job.status == "OK", (trace(job), job.faults)
    party.refresh_from_db()
    return party


def send_steps():
    return [
        step("sequence.enumerate", {"name": "NemHandel", "padding": 6, "start": 1}),
        step("silo.close"),
        step("gov-dk.convert"),
        step("gov-dk.send", name="send"),
    ]


# --- Registering


def test_the_agreement_waits_queued_until_signed_then_the_participant_is_published(
    workspace, network
):
    server, base = network
    party = registered_party(workspace, base)
    assert party.meta["nemhandel_participant_id"] == SUPPLIER_ID
    assert party.meta["nemhandel_agreement_link"].startswith(base)
    assert server.network.participants[SUPPLIER_ID]["ours"]


@pytest.mark.parametrize(
    "change, pointer",
    [
        ({"people": []}, "/doc/people/0/name"),
        ({"people": [{"name": {"given": "Mette"}}]}, "/doc/people/0/role"),
        ({"tax_id": {"country": "SE", "code": "556036079301"}}, "/doc/tax_id"),
    ],
)
def test_the_agreement_needs_a_danish_party_and_its_signer(workspace, network, change, pointer):
    party = entry(workspace, envelope({**PARTY, **change}))
    job = run(start_on(party, [step("gov-dk.sign")]))
    assert (job.status, job.faults[0]["code"]) == ("KO", "invalid-party")
    assert job.faults[0]["message"].startswith(pointer)


def test_a_declined_agreement_is_a_ko_with_its_reason(workspace, network):
    _, base = network
    party = entry(workspace, envelope(PARTY))
    job = run(start_on(party, [step("gov-dk.sign"), step("gov-dk.wait.approval")]), passes=2)
    party.refresh_from_db()
    sign(base, party.meta["nemhandel_agreement_id"], status="rejected", reason="not authorised")
    job = run(job)
    assert (job.status, job.faults[0]["code"]) == ("KO", "rejected")
    assert "not authorised" in job.faults[0]["message"]


def test_registering_without_a_signed_agreement_is_refused(workspace, network):
    job = run(start_on(entry(workspace, envelope(PARTY)), [step("gov-dk.register")]))
    assert job.faults[0]["code"] == "not-signed"


def test_unregistering_releases_the_participant(workspace, network):
    server, base = network
    party = registered_party(workspace, base)
    job = run(start_on(party, [step("gov-dk.unregister")]))
    assert job.status == "OK", trace(job)
    assert SUPPLIER_ID not in server.network.participants


def test_without_nemhandel_url_the_steps_say_it_is_not_configured(workspace, settings):
    settings.NEMHANDEL_URL = ""
    job = run(start_on(entry(workspace, envelope(PARTY)), [step("gov-dk.sign")]))
    assert job.faults[0]["code"] == "not-configured"


# --- Converting and sending


def test_convert_attaches_bis_ubl_with_the_cvr_endpoints(workspace):
    job = run(
        start_on(entry(workspace, envelope({**INVOICE, "code": "7"})), [step("gov-dk.convert")])
    )
    assert job.status == "OK", job.faults
    [file] = job.silo_entry.files.filter(key="nemhandel")
    assert file.mime == "application/xml"
    with file.file.open("rb") as stream:
        root = etree.fromstring(stream.read())
    endpoints = root.findall(".//{*}EndpointID")
    assert [(e.get("schemeID"), e.text) for e in endpoints] == [
        ("0184", "16356700"),
        ("0184", "12345674"),
    ]


def test_convert_names_what_breaks_the_rules(workspace):
    doc = {k: v for k, v in INVOICE.items() if k != "ordering"}
    job = run(start_on(entry(workspace, envelope({**doc, "code": "8"})), [step("gov-dk.convert")]))
    assert (job.status, job.faults[0]["code"]) == ("KO", "invalid-ubl")
    assert "PEPPOL-EN16931-R003" in job.faults[0]["message"]


def test_an_invoice_is_converted_and_delivered_with_a_receipt(workspace, network):
    server, base = network
    registered_party(workspace, base)
    job = run(start_on(entry(workspace, envelope(INVOICE)), send_steps()))
    assert job.status == "OK", (trace(job), job.faults)
    [delivered] = server.network.delivered
    assert (delivered["sender"], delivered["receiver"]) == (SUPPLIER_ID, CUSTOMER_ID)
    assert job.silo_entry.meta["nemhandel_status"] == "delivered"
    again = run(start_on(job.silo_entry, [step("gov-dk.send")]))
    assert (again.status, trace(again)[-1][1][-1]) == ("OK", "SKIP")
    assert len(server.network.delivered) == 1


def test_an_access_point_rejection_is_a_ko_with_its_ebms_code(workspace, network):
    _, base = network
    registered_party(workspace, base)
    requests.post(
        f"{base}/sandbox/script",
        json=[{"error": "EBMS:0004", "detail": "PEPPOL:NOT_SERVICED"}],
        timeout=5,
    ).raise_for_status()
    job = run(start_on(entry(workspace, envelope(INVOICE)), send_steps()))
    assert (job.status, job.faults[0]["code"]) == ("KO", "EBMS:0004")


def test_an_unknown_receiver_is_a_ko(workspace, network):
    _, base = network
    registered_party(workspace, base)
    customer = {**INVOICE["customer"], "tax_id": {"country": "DK", "code": "23456788"}}
    job = run(start_on(entry(workspace, envelope({**INVOICE, "customer": customer})), send_steps()))
    assert job.faults[0]["code"] == "receiver-not-found"


def test_an_unregistered_supplier_cannot_send(workspace, network):
    job = run(start_on(entry(workspace, envelope(INVOICE)), send_steps()))
    assert job.faults[0]["code"] == "sender-not-registered"


# --- Receiving


def _received_ubl() -> bytes:
    from providers.ubl.codes import DOC_TYPES
    from providers.ubl.document import to_ubl

    doc = envelope(
        {
            **INVOICE,
            "code": "IN-1",
            "supplier": INVOICE["customer"],
            "customer": INVOICE["supplier"],
        }
    )["doc"]
    doc["supplier"]["inboxes"] = [{"key": "peppol", "scheme": "0184", "code": "12345674"}]
    doc["customer"]["inboxes"] = [{"key": "peppol", "scheme": "0184", "code": "16356700"}]
    return to_ubl(doc, DOC_TYPES["bis-invoice-v3"])


def deliver_to_us(base: str) -> None:
    answer = requests.post(
        f"{base}/sandbox/inbound",
        json={
            "sender": CUSTOMER_ID,
            "receiver": SUPPLIER_ID,
            "document": _received_ubl().decode(),
            "country": "DK",
        },
        timeout=5,
    )
    answer.raise_for_status()


def test_a_received_document_becomes_an_entry_that_imports_as_gobl(
    workspace, network, django_capture_on_commit_callbacks
):
    _, base = network
    registered_party(workspace, base)
    deliver_to_us(base)
    with django_capture_on_commit_callbacks(execute=True):
        [received] = inbox.collect(NEMHANDEL)
    assert received.key.startswith("nemhandel:")
    job = run(start_on(received, [step("gov-dk.import")]))
    assert job.status == "OK", (trace(job), job.faults)
    received.refresh_from_db()
    assert received.data["doc"]["supplier"]["name"] == "Havnens Byggemarked A/S"
    assert received.files.filter(key="nemhandel").exists()


# --- Invopop's templates

TEMPLATES = [
    "dk__nemhandel-register",
    "dk__nemhandel-send-invoice",
    "dk__nemhandel-import",
    "dk__nemhandel-unregister",
]


def published(workspace, name: str) -> Workflow:
    definition = json.loads(shared_path("reference/invopop/templates", f"{name}.json").read_text())
    assert not {s["provider"] for _, s in walk(definition)} - {
        p.key for p in registry.all_providers()
    }
    flow = Workflow(workspace=workspace)
    flow.apply_definition(definition)
    flow.save()
    assert not errors(flow.problems())
    assert flow.publish().definition == definition
    return flow


@pytest.mark.parametrize("name", TEMPLATES)
def test_invopops_nemhandel_templates_publish(workspace, name):
    published(workspace, name)


def test_the_templates_register_send_import_and_unregister(
    workspace, network, django_capture_on_commit_callbacks
):
    server, base = network
    flows = {name: published(workspace, name) for name in TEMPLATES}
    party = entry(workspace, envelope(PARTY))
    job = run(create_job(flows["dk__nemhandel-register"], entry=party), passes=4)
    party.refresh_from_db()
    assert (job.status, party.state) == (JobStatus.QUEUED, "processing")
    sign(base, party.meta["nemhandel_agreement_id"])
    job = run(job)
    assert job.status == "OK", (trace(job), job.faults)
    party.refresh_from_db()
    assert party.state == "registered"

    sent = run(
        create_job(flows["dk__nemhandel-send-invoice"], entry=entry(workspace, envelope(INVOICE)))
    )
    assert sent.status == "OK", (trace(sent), sent.faults)
    assert sent.silo_entry.state == "sent"

    Trigger.objects.create(
        workspace=workspace,
        workflow=flows["dk__nemhandel-import"],
        kind=TriggerKind.DOCUMENT_RECEIVED,
    )
    deliver_to_us(base)
    with django_capture_on_commit_callbacks(execute=True):
        [received] = inbox.collect(NEMHANDEL)
    imported = run(Job.objects.get(silo_entry=received))
    assert imported.status == "OK", (trace(imported), imported.faults)
    received.refresh_from_db()
    assert received.state == "received"

    gone = run(create_job(flows["dk__nemhandel-unregister"], entry=party))
    assert gone.status == "OK", trace(gone)
    party.refresh_from_db()
    assert party.state == "void" and SUPPLIER_ID not in server.network.participants


def test_the_send_template_marks_a_rejection_as_error(workspace, network):
    _, base = network
    registered_party(workspace, base)
    requests.post(
        f"{base}/sandbox/script", json=[{"error": "EBMS:0004"}], timeout=5
    ).raise_for_status()
    job = run(
        create_job(
            published(workspace, "dk__nemhandel-send-invoice"),
            entry=entry(workspace, envelope(INVOICE)),
        )
    )
    assert (job.status, job.silo_entry.state) == ("KO", "error")


def test_make_run_starts_the_nemhandel_simulator_and_points_the_workers_at_it():
    found = simulators.get("nemhandel")
    assert found is not None and found.setting == "NEMHANDEL_URL"


def test_the_providers_callback_wakes_the_agreement_wait(client, workspace, network):
    from django.urls import reverse
    from engine_helpers import workflow

    from jobs import engine
    from providers.peppol import callbacks

    server, base = network
    party = entry(workspace, envelope(PARTY))
    steps = [step("gov-dk.sign"), step("gov-dk.wait.approval", name="wait")]
    job = create_job(workflow(workspace, steps, schema="org/party"), entry=party)
    for _ in range(3):
        engine.advance(job.id)
    job.refresh_from_db()
    party.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    [agreement] = server.network.approvals.values()
    assert agreement["callback"] == callbacks.url(party.pk)
    sign(base, party.meta["nemhandel_agreement_id"])
    path = reverse("peppol_approval_callback", args=[party.pk, callbacks.token(party.pk)])
    answer = client.post(path, {"id": agreement["id"]}, content_type="application/json")
    assert (answer.status_code, answer.json()) == (202, {"woken": 1})
    engine.advance(job.id)
    job.refresh_from_db()
    assert job.status == "OK", trace(job)
    assert dict(trace(job))["wait"][-3:] == ["POKE", "RUN", "OK"]
