"""Peppol: the peppol.* actions against the network simulator (providers/peppol/sandbox.py)
on a free port, through the real engine: SMP lookups, registration with its approval wait,
AS4 delivery with the access point's receipts and ebMS errors, and received documents that
become silo entries and start a workflow."""

import copy
import gzip
import json
import threading

import pytest
import requests
from conftest import shared_path
from engine_helpers import built, entry, run, start_on, step, trace, workflow
from lxml import etree

from jobs.models import JobStatus
from jobs.services import create_job, poke
from providers import registry
from providers.peppol import as4, inbox, sandbox, smp
from providers.peppol import identifiers as ids
from providers.peppol.actions import approval_wait
from silo.models import SiloEntry, SiloFile
from workflows.definition import errors, walk
from workflows.models import Trigger, TriggerKind, Workflow

pytestmark = pytest.mark.django_db
SUPPLIER_ID = "9920:esb98602642"
CUSTOMER_ID = "0208:0403019261"  # one of the simulator's network participants
PARTY = {
    "$schema": "https://gobl.org/draft-0/org/party",
    "name": "Provide One S.L.",
    "tax_id": {"country": "ES", "code": "B98602642"},
    "addresses": [
        {"street": "Calle Pradillo", "num": "42", "locality": "Madrid", "code": "28002", "country": "ES"}
    ],
    "emails": [{"addr": "billing@provideone.example"}],
}
INVOICE = {
    "$schema": "https://gobl.org/draft-0/bill/invoice",
    "$addons": ["eu-en16931-v2017"],
    "type": "standard",
    "series": "INV",
    "issue_date": "2026-03-02",
    "currency": "EUR",
    "tax": {"rounding": "currency"},
    "supplier": {
        **{k: v for k, v in PARTY.items() if k != "$schema"},
        "inboxes": [{"key": "peppol", "scheme": "9920", "code": "ESB98602642"}],
    },
    "customer": {
        "name": "Benelux Trading NV",
        "tax_id": {"country": "BE", "code": "0403019261"},
        "addresses": [{"street": "Meir", "num": "12", "locality": "Antwerpen", "code": "2000", "country": "BE"}],
        "inboxes": [{"key": "peppol", "scheme": "0208", "code": "0403019261"}],
    },
    "lines": [
        {
            "quantity": "12",
            "item": {"name": "Consulting hours", "price": "95.00", "unit": "h"},
            "taxes": [{"cat": "VAT", "rate": "general"}],
        }
    ],
    "payment": {"terms": {"detail": "Transfer within 30 days"}},
}


def envelope(doc: dict) -> dict:
    return built({"$schema": "https://gobl.org/draft-0/envelope", "doc": copy.deepcopy(doc)})


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]


@pytest.fixture
def network(settings):
    """(server, base URL) of the simulator serving in a thread, the providers pointed at it."""
    server = sandbox.make_server(0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    settings.PEPPOL_URL = base
    try:
        yield server, base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def script(base: str, *answers: dict) -> None:
    requests.post(f"{base}/sandbox/script", json=list(answers), timeout=5).raise_for_status()


def approve(base: str, approval_id: str, **decision) -> None:
    decision = decision or {"status": "approved"}
    requests.post(f"{base}/sandbox/approvals/{approval_id}", json=decision, timeout=5).raise_for_status()


def registered_party(workspace, base) -> SiloEntry:
    """The supplier, approved and published through the register steps."""
    party = entry(workspace, envelope(PARTY))
    job = run(start_on(party, [step("peppol.register.approval"), step("peppol.wait.approval")]), passes=2)
    party.refresh_from_db()
    approve(base, party.meta["peppol_approval_id"])
    job = run(job)
    assert job.status == "OK", trace(job)
    job = run(start_on(party, [step("peppol.register", {"doc_groups": ["ubl-invoice", "cii-invoice"]})]))
    assert job.status == "OK", trace(job)
    party.refresh_from_db()
    return party


def send_steps():
    return [
        step("sequence.enumerate", {"name": "PPL", "prefix": "PPL", "padding": 6, "start": 1}),
        step("silo.close"),
        step("ubl.generate", {"doc_type": "bis-invoice-v3", "validate_ubl": True}),
        step("peppol.send", name="send"),
    ]


def last_event(job, name):
    intent = job.intents.get(name=name)
    return intent.events.order_by("index").last()


# --- Identifiers


@pytest.mark.parametrize(
    "party, expected",
    [
        ({"inboxes": [{"key": "peppol", "scheme": "0208", "code": "0403019261"}]}, "0208:0403019261"),
        ({"tax_id": {"country": "ES", "code": "B98602642"}}, "9920:esb98602642"),
        ({"tax_id": {"country": "BE", "code": "0403019261"}}, "0208:0403019261"),
        ({"tax_id": {"country": "ZZ", "code": "1"}}, None),
        ({"name": "No ids"}, None),
    ],
)
def test_a_participant_comes_from_the_inbox_or_the_tax_id(party, expected):
    assert ids.participant_of(party) == expected


def test_approval_polls_back_off_from_seconds_to_an_hour():
    assert [approval_wait(w) for w in (None, 0, 40, 500, 10**6)] == [15, 15, 40, 500, 3600]


# --- Looking up (SMP)


def test_the_smp_answers_a_service_group_and_signed_metadata(network):
    _, base = network
    group = requests.get(f"{base}/smp/{smp.participant_path(CUSTOMER_ID)}", timeout=5)
    root = etree.fromstring(group.content)
    assert root.tag == f"{{{smp.SMP}}}ServiceGroup"
    assert root.findtext("id:ParticipantIdentifier", namespaces=smp.NS) == CUSTOMER_ID
    assert len(root.findall(".//smp:ServiceMetadataReference", smp.NS)) == 3
    found = smp.capability(CUSTOMER_ID, ids.INVOICE.identifier())
    endpoint = smp.as4_endpoint(found, ids.BILLING_PROCESS)
    assert endpoint.transport == "peppol-transport-as4-v2_0"
    assert endpoint.address == f"{base}/as4" and endpoint.certificate


def test_a_lookup_lists_the_customers_document_types(workspace, network):
    job = run(start_on(entry(workspace, envelope(INVOICE)), [step("peppol.lookup", {"party": "customer"})]))
    assert job.status == "OK", trace(job)
    assert sorted(job.step_args["peppol_document_types"]) == sorted(
        d.identifier() for d in ids.DOCUMENT_TYPES
    )


def test_an_unknown_participant_is_a_ko_not_found(workspace, network):
    doc = copy.deepcopy(INVOICE)
    doc["customer"]["inboxes"] = [{"key": "peppol", "scheme": "0208", "code": "0999999999"}]
    job = run(start_on(entry(workspace, envelope(doc)), [step("peppol.lookup", {"party": "customer"})]))
    assert job.status == "KO"
    assert job.faults[0]["code"] == "not-found"
    assert "receiver not found in the Peppol network" in job.faults[0]["message"]


@pytest.mark.parametrize(
    "change, code",
    [
        (lambda d: d["customer"].pop("inboxes"), "false"),
        (lambda d: d["supplier"].pop("inboxes"), "false"),
        (lambda d: d["customer"].update(inboxes=[{"key": "peppol", "scheme": "0208", "code": "1"}]), "false"),
        (lambda d: None, "true"),
    ],
    ids=["no-customer-inbox", "no-supplier-inbox", "receiver-unknown", "both"],
)
def test_has_inboxes_says_true_or_false(workspace, network, change, code):
    doc = copy.deepcopy(INVOICE)
    change(doc)
    job = run(start_on(entry(workspace, envelope(doc)), [step("peppol.has.inboxes", name="check")]))
    assert job.status == "OK", trace(job)
    assert last_event(job, "check").code == code


def test_without_peppol_url_the_steps_say_it_is_not_configured(workspace, settings):
    settings.PEPPOL_URL = ""
    job = run(start_on(entry(workspace, envelope(INVOICE)), [step("peppol.lookup")]))
    assert job.faults[0]["code"] == "not-configured"


def test_an_unreachable_smp_is_an_err_to_retry(workspace, settings):
    settings.PEPPOL_URL = "http://127.0.0.1:9"
    job = run(start_on(entry(workspace, envelope(INVOICE)), [step("peppol.lookup", name="lookup")]), passes=1)
    assert last_event(job, "lookup").status == "ERR"


# --- Registering


def test_registration_waits_queued_until_approved_then_publishes(workspace, network):
    server, base = network
    party = entry(workspace, envelope(PARTY))
    steps = [
        step("peppol.register.approval"),
        step("peppol.wait.approval", name="wait"),
        step("peppol.register", {"doc_groups": ["ubl-invoice"], "visibility": "smp+sml"}),
    ]
    job = run(start_on(party, steps), passes=3)
    assert job.status == JobStatus.QUEUED
    party.refresh_from_db()
    assert party.meta["peppol_approval"] == "pending"
    assert party.meta["peppol_approval_link"].startswith(f"{base}/register/")
    # Polled again, still pending: QUEUED again, no worker held in between.
    job = run(job, passes=2)
    assert job.status == JobStatus.QUEUED
    approve(base, party.meta["peppol_approval_id"])
    job = run(job)
    assert job.status == "OK", trace(job)
    party.refresh_from_db()
    assert party.meta["peppol_status"] == "registered"
    assert party.data["doc"]["inboxes"] == [{"key": "peppol", "scheme": "9920", "code": "ESB98602642"}]
    published = server.network.participants[SUPPLIER_ID]
    assert published["ours"] and published["sml"] and not published["directory"]
    assert set(published["documents"]) == {ids.INVOICE.identifier(), ids.CREDIT_NOTE.identifier()}
    assert smp.service_group(SUPPLIER_ID) is not None


def test_a_poke_wakes_the_approval_wait_at_once(workspace, network):
    _, base = network
    party = entry(workspace, envelope(PARTY))
    job = create_job(workflow(workspace, [step("peppol.register.approval"), step("peppol.wait.approval")],
                              schema="org/party"), entry=party)
    from jobs import engine

    for _ in range(3):
        engine.advance(job.id)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    party.refresh_from_db()
    approve(base, party.meta["peppol_approval_id"])
    poke(workspace, job_id=job.id, ref=f"peppol.approval:{party.meta['peppol_approval_id']}")
    engine.advance(job.id)
    job.refresh_from_db()
    assert job.status == "OK", trace(job)


def test_a_rejected_approval_is_a_ko_with_its_reason(workspace, network):
    _, base = network
    party = entry(workspace, envelope(PARTY))
    job = run(start_on(party, [step("peppol.register.approval"), step("peppol.wait.approval")]), passes=2)
    party.refresh_from_db()
    approve(base, party.meta["peppol_approval_id"], status="rejected", reason="ownership not proven")
    job = run(job)
    assert job.status == "KO"
    assert job.faults[0]["code"] == "rejected" and "ownership not proven" in job.faults[0]["message"]


def test_a_party_without_address_cannot_be_approved(workspace, network):
    party = {k: v for k, v in PARTY.items() if k != "addresses"}
    job = run(start_on(entry(workspace, envelope(party)), [step("peppol.register.approval")]))
    assert job.faults[0]["code"] == "invalid-party"
    assert "/doc/addresses" in job.faults[0]["message"]


def test_registering_without_approval_is_refused(workspace, network):
    job = run(start_on(entry(workspace, envelope(PARTY)), [step("peppol.register")]))
    assert job.faults[0]["code"] == "not-approved"


def test_a_participant_registered_twice_in_the_workspace_is_refused(workspace, network):
    _, base = network
    registered_party(workspace, base)
    with pytest.raises(AssertionError):
        registered_party(workspace, base)


def test_taking_over_a_participant_needs_its_migration_key(workspace, network):
    server, base = network
    belgian = {**PARTY, "tax_id": {"country": "BE", "code": "0403019261"}}
    steps = [step("peppol.register.approval"), step("peppol.wait.approval"), step("peppol.register")]

    def attempt(args):
        party = entry(workspace, envelope(belgian))
        job = run(start_on(party, steps, args=args), passes=2)
        party.refresh_from_db()
        approve(base, party.meta["peppol_approval_id"])
        return run(job)

    assert attempt({}).faults[0]["code"] == "already-registered"
    assert attempt({"peppol-migration-key": "WRONG"}).faults[0]["code"] == "invalid-migration-key"
    assert attempt({"peppol-migration-key": sandbox.MIGRATION_KEYS[CUSTOMER_ID]}).status == "OK"
    assert server.network.participants[CUSTOMER_ID]["ours"]


def test_unregistering_withdraws_the_participant(workspace, network):
    server, base = network
    party = registered_party(workspace, base)
    job = run(start_on(party, [step("peppol.unregister", name="unregister")]))
    assert job.status == "OK", trace(job)
    assert SUPPLIER_ID not in server.network.participants
    party.refresh_from_db()
    assert party.meta["peppol_status"] == "unregistered"
    again = run(start_on(party, [step("peppol.unregister", name="unregister")]))
    assert last_event(again, "unregister").code == "not-registered"
