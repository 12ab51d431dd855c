"""Finland: the gov-fi.* actions against the Finvoice operator simulator
(providers/finvoice/sandbox.py) on a free port, through the real engine: a party's account
waiting until its services are in force, Finvoice 3.0 sent with the operator's answers,
received documents swept into silo entries and imported as GOBL invoices, and Invopop's
fi__finvoice-* templates."""

import copy
import json
import threading

import pytest
import requests
from conftest import shared_path
from engine_helpers import built, entry, run, start_on, step, trace, workflow
from lxml import etree

from jobs.models import Job, JobStatus
from jobs.services import create_job
from providers import registry
from providers.finvoice import document, sandbox
from silo.models import SiloEntry
from workflows.definition import errors, walk
from workflows.models import Trigger, TriggerKind, Workflow

pytestmark = pytest.mark.django_db
SUPPLIER_OVT = "003726174164"
CUSTOMER_OVT = "003711223349"  # a Finvoice receiver of the simulated network
PARTY = {
    "$schema": "https://gobl.org/draft-0/org/party",
    "name": "Aurora Ohjelmistot Oy",
    "tax_id": {"country": "FI", "code": "26174164"},
    "addresses": [
        {
            "num": "12",
            "street": "Mannerheimintie",
            "locality": "Helsinki",
            "code": "00100",
            "country": "FI",
        }
    ],
}
INVOICE = {
    "$schema": "https://gobl.org/draft-0/bill/invoice",
    "$addons": ["fi-finvoice-v3"],
    "type": "standard",
    "series": "SAMPLE",
    "issue_date": "2026-08-01",
    "currency": "EUR",
    "supplier": {
        **{k: v for k, v in PARTY.items() if k != "$schema"},
        "inboxes": [{"key": "peppol", "scheme": "0216", "code": SUPPLIER_OVT}],
    },
    "customer": {
        "name": "Pohjola Rakennus Oy",
        "tax_id": {"country": "FI", "code": "11223349"},
        "inboxes": [{"key": "peppol", "scheme": "0216", "code": CUSTOMER_OVT}],
        "addresses": [
            {
                "num": "8",
                "street": "Hämeenkatu",
                "locality": "Tampere",
                "code": "33100",
                "country": "FI",
            }
        ],
    },
    "lines": [
        {
            "quantity": "10",
            "item": {"name": "Software development services", "price": "85.00"},
            "taxes": [{"cat": "VAT", "percent": "25.5%"}],
        }
    ],
    "payment": {
        "instructions": {
            "key": "credit-transfer",
            "ref": "RF1310023",
            "credit_transfer": [{"iban": "FI2112345600000785", "bic": "NDEAFIHH"}],
        },
        "terms": {"due_dates": [{"date": "2026-08-15", "percent": "100%"}]},
    },
}


def envelope(doc: dict) -> dict:
    return built({"$schema": "https://gobl.org/draft-0/envelope", "doc": copy.deepcopy(doc)})


def invoice(**changes) -> dict:
    doc = copy.deepcopy(INVOICE)
    doc.update(changes)
    return doc


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]


@pytest.fixture
def operator(settings):
    """(server, base URL) of the simulator serving in a thread, the providers pointed at it."""
    server = sandbox.make_server(0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    settings.FINVOICE_URL = base
    try:
        yield server, base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def reception(workspace):
    """The Finland app's reception set up: a published sync and import workflow."""
    sync = workflow(workspace, [step("gov-fi.sync")], schema="org/party")
    imports = workflow(workspace, [step("gov-fi.import"), step("silo.folder", {"folder": "x"})])
    return sync, imports


def script(base: str, *answers: dict) -> None:
    requests.post(f"{base}/sandbox/script", json=list(answers), timeout=5).raise_for_status()


def activate(base: str, company_id: str) -> None:
    requests.post(f"{base}/sandbox/companies/{company_id}/activate", timeout=5).raise_for_status()


def company_of(server, business_id: str) -> dict:
    return next(c for c in server.operator.companies.values() if c["business_id"] == business_id)


def registered_party(workspace, operator, doc=PARTY) -> SiloEntry:
    server, base = operator
    party = entry(workspace, envelope(doc))
    job = run(start_on(party, [step("gov-fi.register")]), passes=2)
    assert job.status == JobStatus.QUEUED, (trace(job), job.faults)
    activate(base, company_of(server, doc["tax_id"]["code"])["id"])
    job = run(job)
    assert job.status == "OK", (trace(job), job.faults)
    party.refresh_from_db()
    return party


def send(workspace, doc=None) -> Job:
    steps = [
        step("sequence.enumerate", {"name": "Finvoice", "padding": 6, "start": 1}),
        step("silo.close"),
        step("gov-fi.send", name="send"),
    ]
    return run(start_on(entry(workspace, envelope(doc or INVOICE)), steps))


# --- Finvoice 3.0, both ways


def test_an_invoice_becomes_a_finvoice_payment_order_that_passes_the_checks():
    doc = envelope(invoice(code="000001"))["doc"]
    routing = document.Addresses(SUPPLIER_OVT, CUSTOMER_OVT, "SIMFIOP", "OP")
    root = etree.fromstring(document.to_finvoice(doc, routing, "m-1", _now()))
    assert document.problems(root) == []
    assert root.get("Version") == "3.0"
    assert root.findtext("SellerPartyDetails/SellerPartyIdentifier") == "2617416-4"
    assert root.findtext("InvoiceDetails/InvoiceTotalVatIncludedAmount") == "1066,75"
    epi = root.find("EpiDetails/EpiPaymentInstructionDetails")
    assert epi.findtext("EpiRemittanceInfoIdentifier") == "RF1310023"
    assert epi.find("EpiRemittanceInfoIdentifier").get("IdentificationSchemeName") == "ISO"
    assert epi.findtext("EpiDateOptionDate") == "20260815"


def test_a_credit_note_is_inv02_with_negative_amounts():
    doc = envelope(invoice(code="000002", type="credit-note", preceding=[_preceding()]))["doc"]
    routing = document.Addresses(SUPPLIER_OVT, CUSTOMER_OVT, "SIMFIOP", "OP")
    root = etree.fromstring(document.to_finvoice(doc, routing, "m-2", _now()))
    assert document.problems(root) == []
    assert root.findtext("InvoiceDetails/InvoiceTypeCode") == "INV02"
    assert root.findtext("InvoiceDetails/InvoiceTotalVatIncludedAmount") == "-1066,75"


def test_a_finvoice_reads_back_as_the_same_gobl_invoice():
    doc = envelope(invoice(code="000001"))["doc"]
    routing = document.Addresses(SUPPLIER_OVT, CUSTOMER_OVT, "SIMFIOP", "OP")
    back = document.to_gobl(etree.fromstring(document.to_finvoice(doc, routing, "m", _now())))
    rebuilt = envelope(back)["doc"]
    assert rebuilt["totals"] == doc["totals"]
    assert rebuilt["supplier"]["inboxes"] == doc["supplier"]["inboxes"]
    assert rebuilt["payment"]["instructions"] == doc["payment"]["instructions"]


@pytest.mark.parametrize(
    "path, value, expected",
    [
        ("InvoiceDetails/InvoiceNumber", None, "/Finvoice/InvoiceDetails/InvoiceNumber: required"),
        ("InvoiceDetails/InvoiceDate", "2026-08-01", "InvoiceDate: not a date"),
        ("InvoiceDetails/InvoiceTotalVatAmount", "lots", "InvoiceTotalVatAmount: not an amount"),
        ("InvoiceDetails/InvoiceTotalVatIncludedAmount", "1000,00", "is not 850.00 + 216.75"),
        ("SellerPartyDetails/SellerPartyIdentifier", "2617416-5", "no valid Business ID"),
        (
            "EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID",
            "FI2112345600000786",
            "no valid IBAN",
        ),
    ],
)
def test_the_checks_name_what_is_wrong(path, value, expected):
    doc = envelope(invoice(code="000001"))["doc"]
    routing = document.Addresses(SUPPLIER_OVT, CUSTOMER_OVT, "SIMFIOP", "OP")
    root = etree.fromstring(document.to_finvoice(doc, routing, "m", _now()))
    found = root.find(path)
    if value is None:
        found.getparent().remove(found)
    else:
        found.text = value
    assert any(expected in p for p in document.problems(root)), document.problems(root)


# --- Registering


def test_registration_waits_queued_until_the_services_are_in_force(workspace, operator, reception):
    party = registered_party(workspace, operator)
    assert party.meta["finvoice_status"] == "registered"
    assert party.meta["finvoice_address"] == SUPPLIER_OVT
    assert party.data["doc"]["inboxes"] == [
        {"key": "peppol", "scheme": "0216", "code": SUPPLIER_OVT}
    ]
    sync, _ = reception
    trigger = Trigger.objects.get(silo_entry=party, kind=TriggerKind.SCHEDULE)
    assert (trigger.workflow, trigger.interval) == (sync, 300)


def test_registration_needs_reception_configured(workspace, operator):
    job = run(start_on(entry(workspace, envelope(PARTY)), [step("gov-fi.register")]))
    assert job.faults[0]["code"] == "reception-not-configured"
    assert not operator[0].operator.companies


def test_a_business_id_failing_its_check_digit_is_named():
    """No such party reaches gov-fi.register: the silo builds every entry, and GOBL's rules
    refuse the Y-tunnus there, at its field."""
    from silo.gobl import build_envelope

    party = {**PARTY, "tax_id": {"country": "FI", "code": "26174165"}}
    _, problems = build_envelope({"$schema": "https://gobl.org/draft-0/envelope", "doc": party})
    assert [(p.path, p.message) for p in problems] == [
        ("/doc/tax_id/code", "[GOBL-FI-TAX-IDENTITY-01] invalid Finnish Y-tunnus tax identity code")
    ]


def test_without_finvoice_url_the_steps_say_it_is_not_configured(workspace, settings):
    settings.FINVOICE_URL = ""
    job = run(start_on(entry(workspace, envelope(INVOICE)), [step("gov-fi.send")]))
    assert job.faults[0]["code"] == "not-configured"


# --- Sending


def test_an_invoice_is_sent_as_finvoice_and_accepted(workspace, operator, reception):
    server, _ = operator
    registered_party(workspace, operator)
    job = send(workspace)
    assert job.status == "OK", (trace(job), job.faults)
    [sent] = server.operator.invoices
    assert (sent["receiver"], sent["channel"]) == (CUSTOMER_OVT, "finvoice")
    root = etree.fromstring(sent["_xml"])
    assert root.findtext("InvoiceDetails/InvoiceNumber") == "SAMPLE-000001"
    files = job.silo_entry.files.filter(key="finvoice")
    assert [(f.mime, f.category) for f in files] == [("application/xml", "format")]
    assert job.silo_entry.meta["finvoice_channel"] == "finvoice"


def test_a_resend_after_a_lost_answer_is_not_sent_twice(workspace, operator, reception):
    server, base = operator
    registered_party(workspace, operator)
    script(base, {"lose_answer": True})
    job = send(workspace)
    assert job.status == "OK", (trace(job), job.faults)
    assert [s for s in trace(job)[-1][1] if s != "RUN"] == ["ERR", "OK"]
    assert len(server.operator.invoices) == 1


def test_the_operator_answers_the_same_key_with_its_first_answer(operator):
    server, base = operator
    company = requests.post(
        f"{base}/api/companies", json={"business_id": "2617416-4", "name": "Aurora"}, timeout=5
    ).json()
    activate(base, company["id"])
    doc = envelope(invoice(code="000009"))["doc"]
    routing = document.Addresses(SUPPLIER_OVT, CUSTOMER_OVT, "SIMFIOP", "OP")
    xml = document.to_finvoice(doc, routing, "m-9", _now())
    headers = {"X-Company-Id": company["id"], "Idempotency-Key": "k-1"}
    first = requests.post(f"{base}/api/invoices", data=xml, headers=headers, timeout=5)
    again = requests.post(f"{base}/api/invoices", data=xml, headers=headers, timeout=5)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json() and len(server.operator.invoices) == 1


@pytest.mark.parametrize(
    "change, code",
    [
        ({"supplier": {**INVOICE["supplier"], "inboxes": []}}, "supplier-address-missing"),
        ({"payment": {"terms": INVOICE["payment"]["terms"]}}, "payment-account-missing"),
        ({"customer": {**INVOICE["customer"], "inboxes": []}}, "receiver-address-missing"),
    ],
)
def test_what_finvoice_needs_is_checked_before_sending(
    workspace, operator, reception, change, code
):
    registered_party(workspace, operator)
    doc = invoice(**change)
    doc["$addons"] = []  # the add-on would refuse it earlier, at the build
    job = send(workspace, doc)
    assert job.status == "KO"
    assert job.faults[0]["code"] == code
    assert job.faults[0]["message"].startswith("/doc/")
    assert not operator[0].operator.invoices


@pytest.mark.parametrize(
    "receiver, channel",
    [("003709876545", "email"), ("FI4950009420028730", "e-lasku"), ("003799999999", "paper")],
)
def test_a_receiver_that_gets_no_einvoice_is_refused_naming_its_channel(
    workspace, operator, reception, receiver, channel
):
    registered_party(workspace, operator)
    customer = {**INVOICE["customer"], "inboxes": [{"scheme": "0216", "code": receiver}]}
    job = send(workspace, invoice(customer=customer))
    assert job.faults[0]["code"] == "receiver-not-einvoice"
    assert channel in job.faults[0]["message"]


def test_an_unregistered_supplier_cannot_send(workspace, operator):
    job = send(workspace)
    assert job.faults[0]["code"] == "sender-not-registered"


def test_an_operator_rejection_is_a_ko_with_its_code_and_the_finvoice_kept(
    workspace, operator, reception
):
    _, base = operator
    registered_party(workspace, operator)
    script(base, {"reject": "duplicate-invoice", "detail": "number already used"})
    job = send(workspace)
    assert (job.status, job.faults[0]["code"]) == ("KO", "duplicate-invoice")
    assert job.silo_entry.files.filter(key="finvoice").exists()


def test_the_operator_refuses_a_malformed_finvoice_naming_the_element(operator):
    server, base = operator
    company = requests.post(
        f"{base}/api/companies", json={"business_id": "2617416-4", "name": "Aurora"}, timeout=5
    ).json()
    activate(base, company["id"])
    doc = envelope(invoice(code="000003"))["doc"]
    routing = document.Addresses(SUPPLIER_OVT, CUSTOMER_OVT, "SIMFIOP", "OP")
    root = etree.fromstring(document.to_finvoice(doc, routing, "m-3", _now()))
    root.remove(root.find("EpiDetails"))
    answer = requests.post(
        f"{base}/api/invoices",
        data=etree.tostring(root),
        headers={"X-Company-Id": company["id"]},
        timeout=5,
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid-finvoice"
    assert any("EpiDetails/EpiPartyDetails" in e for e in answer.json()["errors"])
    assert not server.operator.invoices


# --- Receiving


def deliver_to(base: str, receiver: str, code: str) -> None:
    doc = envelope(
        invoice(code=code, supplier={**INVOICE["customer"]}, customer={**INVOICE["supplier"]})
    )["doc"]
    doc["payment"]["instructions"]["credit_transfer"] = [
        {"iban": "FI2112345600000785", "bic": "NDEAFIHH"}
    ]
    routing = document.Addresses(CUSTOMER_OVT, receiver, "OP", "SIMFIOP")
    xml = document.to_finvoice(doc, routing, f"in-{code}", _now())
    answer = requests.post(
        f"{base}/sandbox/inbound", json={"receiver": receiver, "document": xml.decode()}, timeout=5
    )
    answer.raise_for_status()


def test_sync_starts_one_import_per_new_document_and_imports_it(workspace, operator, reception):
    _, base = operator
    party = registered_party(workspace, operator)
    deliver_to(base, SUPPLIER_OVT, "IN-1")
    deliver_to(base, SUPPLIER_OVT, "IN-2")
    sync_job = run(start_on(party, [step("gov-fi.sync")]))
    assert sync_job.status == "OK", (trace(sync_job), sync_job.faults)
    _, imports = reception
    started = Job.objects.filter(workflow=imports)
    assert started.count() == 2
    for job in started:
        job = run(job)
        assert job.status == "OK", (trace(job), job.faults)
        received = job.silo_entry
        received.refresh_from_db()
        assert received.data["doc"]["supplier"]["name"] == "Pohjola Rakennus Oy"
        assert received.data["doc"]["totals"]["payable"] == "1066.75"
        assert received.files.filter(key="finvoice", mime="application/xml").exists()
    again = run(start_on(party, [step("gov-fi.sync")]))
    assert again.status == "OK" and Job.objects.filter(workflow=imports).count() == 2


def test_a_received_document_that_is_no_finvoice_is_a_ko_naming_the_element(
    workspace, operator, reception
):
    server, _ = operator
    party = registered_party(workspace, operator)
    company = server.operator.companies[party.meta["finvoice_company_id"]]
    server.operator.receive(company, "003711223349", b"<Finvoice Version='3.0'/>", "bad-1")
    run(start_on(party, [step("gov-fi.sync")]))
    _, imports = reception
    job = run(Job.objects.get(workflow=imports))
    assert (job.status, job.faults[0]["code"]) == ("KO", "invalid-finvoice")
    assert "/Finvoice/MessageTransmissionDetails" in job.faults[0]["message"]


def test_sync_of_an_unregistered_party_is_refused(workspace, operator, reception):
    job = run(start_on(entry(workspace, envelope(PARTY)), [step("gov-fi.sync")]))
    assert job.faults[0]["code"] == "not-registered"


# --- Invopop's templates

TEMPLATES = [
    "fi__finvoice-register",
    "fi__finvoice-send-invoice",
    "fi__finvoice-sync",
    "fi__finvoice-import",
]


def published(workspace, name: str) -> Workflow:
    definition = json.loads(shared_path("reference/invopop/templates", f"{name}.json").read_text())
    missing = {s["provider"] for _, s in walk(definition)} - {
        p.key for p in registry.all_providers()
    }
    assert not missing
    flow = Workflow(workspace=workspace)
    flow.apply_definition(definition)
    flow.save()
    assert not errors(flow.problems())
    assert flow.publish().definition == definition
    return flow


@pytest.mark.parametrize("name", TEMPLATES)
def test_invopops_finvoice_templates_publish(workspace, name):
    published(workspace, name)


def test_the_templates_register_send_sync_and_import(workspace, operator):
    server, base = operator
    flows = {name: published(workspace, name) for name in TEMPLATES}
    party = entry(workspace, envelope({**PARTY, "emails": [{"addr": "laskutus@aurora.fi"}]}))
    job = run(create_job(flows["fi__finvoice-register"], entry=party), passes=3)
    party.refresh_from_db()
    assert (job.status, party.state) == (JobStatus.QUEUED, "processing")
    activate(base, company_of(server, "26174164")["id"])
    job = run(job)
    assert job.status == "OK", (trace(job), job.faults)
    party.refresh_from_db()
    assert party.state == "registered"

    sent = run(
        create_job(flows["fi__finvoice-send-invoice"], entry=entry(workspace, envelope(INVOICE)))
    )
    assert sent.status == "OK", (trace(sent), sent.faults)
    assert sent.silo_entry.state == "sent"

    deliver_to(base, SUPPLIER_OVT, "IN-7")
    swept = run(create_job(flows["fi__finvoice-sync"], entry=party))
    assert swept.status == "OK", (trace(swept), swept.faults)
    imported = run(Job.objects.get(workflow=flows["fi__finvoice-import"]))
    assert imported.status == "OK", (trace(imported), imported.faults)
    received = imported.silo_entry
    received.refresh_from_db()
    assert (received.state, received.folder) == ("registered", "expenses")


def test_the_send_template_marks_a_refusal_as_error(workspace, operator, reception):
    registered_party(workspace, operator)
    customer = {**INVOICE["customer"], "inboxes": [{"scheme": "0216", "code": "003709876545"}]}
    job = run(
        create_job(
            published(workspace, "fi__finvoice-send-invoice"),
            entry=entry(workspace, envelope(invoice(customer=customer))),
        )
    )
    assert (job.status, job.faults[0]["code"]) == ("KO", "receiver-not-einvoice")
    assert job.silo_entry.state == "error"


def _now():
    from datetime import UTC, datetime

    return datetime(2026, 8, 1, 9, 0, tzinfo=UTC)


def _preceding() -> dict:
    return {"series": "SAMPLE", "code": "000001", "issue_date": "2026-07-01"}


def test_make_run_starts_the_operator_simulator_and_points_the_workers_at_it():
    from providers import simulators

    found = simulators.get("finvoice")
    assert found is not None and found.setting == "FINVOICE_URL"
    assert found.endpoint(8793) == "http://127.0.0.1:8793"


def test_an_invoice_finvoice_cannot_carry_is_a_ko_naming_the_field(workspace, operator, reception):
    registered_party(workspace, operator)
    doc = invoice()
    doc["$addons"] = []  # the add-on would refuse it earlier, at the build
    doc["payment"]["instructions"].pop("ref")
    job = send(workspace, doc)
    assert (job.status, job.faults[0]["code"]) == ("KO", "invalid-invoice")
    assert job.faults[0]["message"].startswith("/doc/payment/instructions/ref")
    assert not operator[0].operator.invoices


def test_an_operator_outage_is_an_err_retried_after_its_retry_after(workspace, operator, reception):
    server, base = operator
    registered_party(workspace, operator)
    script(base, {"status": 503, "retry_after": 7})
    steps = [step("silo.close"), step("gov-fi.send", name="send")]
    job = run(start_on(entry(workspace, envelope(invoice(code="000005"))), steps), passes=1)
    failed = job.intents.get(name="send").events.order_by("index").last()
    assert (failed.status, failed.code) == ("ERR", "http-503")
    assert 6 <= (job.run_at - failed.at).total_seconds() <= 8
    job = run(job)
    assert job.status == "OK", (trace(job), job.faults)
    assert len(server.operator.invoices) == 1
