"""Entries created from partial data are built, as Invopop does (issue 7, gobl.build): line
sums, taxes, totals and the header's digest; what cannot be built is refused with every
problem by path, and nothing is stored. A signed envelope is kept exactly as it came."""

import json
import uuid

import pytest
from engine_helpers import built, state, workflow

from jobs.models import Job
from silo.gobl import calc, digest
from silo.models import SiloEntry
from workflows.models import Trigger, TriggerKind

pytestmark = pytest.mark.django_db

ENTRIES = "/silo/v1/entries"
JOBS = "/transform/v1/jobs"
ENVELOPE = "https://gobl.org/draft-0/envelope"
BASE = "https://gobl.org/draft-0/"
SUPPLIER = {"name": "Provide One S.L.", "tax_id": {"country": "ES", "code": "B98602642"}}


def partial_invoice(**fields) -> dict:
    """What a client sends: no sums, no taxes worked out, no totals."""
    return {
        "$schema": BASE + "bill/invoice",
        "series": "SAMPLE",
        "code": "001",
        "issue_date": "2026-01-15",
        "supplier": SUPPLIER,
        "customer": {"name": "Sample Consumer"},
        "lines": [
            {
                "quantity": "20",
                "item": {"name": "Development services", "price": "90.00"},
                "taxes": [{"cat": "VAT", "rate": "standard"}],
            },
            {
                "quantity": "2",
                "item": {"name": "Travel", "price": "55.50"},
                "taxes": [{"cat": "VAT", "rate": "reduced"}],
            },
        ],
        **fields,
    }


BAD_LINES = partial_invoice(
    lines=[
        {
            "quantity": "abc",
            "item": {"name": "Development services", "price": "90.00"},
            "taxes": [{"cat": "VAT", "rate": "galactic"}],
        },
        {"quantity": "1", "item": {"name": "", "price": "ten"}},
    ]
)
BAD_LINE_PROBLEMS = {
    "/data/lines/0/quantity",
    "/data/lines/0/taxes/0/rate",
    "/data/lines/1/item/name",
    "/data/lines/1/item/price",
}


def assert_built(envelope: dict) -> None:
    """Figures worked out as GOBL does: 20 × 90.00 at 21 % and 2 × 55.50 at 10 %."""
    doc = envelope["doc"]
    assert doc["$regime"] == "ES" and doc["currency"] == "EUR" and doc["type"] == "standard"
    assert [(line["i"], line["sum"], line["total"]) for line in doc["lines"]] == [
        (1, "1800.00", "1800.00"),
        (2, "111.00", "111.00"),
    ]
    assert doc["lines"][0]["taxes"] == [
        {"cat": "VAT", "key": "standard", "rate": "general", "percent": "21.0%"}
    ]
    totals = doc["totals"]
    assert (totals["sum"], totals["total"], totals["tax"]) == ("1911.00", "1911.00", "389.10")
    assert (totals["total_with_tax"], totals["payable"]) == ("2300.10", "2300.10")
    assert [rate["amount"] for rate in totals["taxes"]["categories"][0]["rates"]] == [
        "378.00",
        "11.10",
    ]
    assert envelope["head"]["dig"] == digest(doc)


def assert_problems(response, pointers: set[str]) -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["key"] == "invalid"
    assert set(body["fields"]) == pointers, body["fields"]


@pytest.fixture
def flow(workspace):
    return workflow(workspace, [state("done")])


# --- The silo API


def test_a_partial_invoice_posted_to_the_silo_is_stored_built(api):
    response = api.post(ENTRIES, {"data": partial_invoice()}, format="json")

    assert response.status_code == 200, response.content
    entry = SiloEntry.objects.get(pk=response.json()["id"])
    assert_built(entry.data)
    assert entry.data["head"]["uuid"] == str(entry.id)
    assert entry.versions.get().data == entry.data
    assert response.json()["digest"] == entry.data["head"]["dig"]


def test_a_partial_envelope_is_built_and_keeps_its_header(api):
    head = {"uuid": str(uuid.uuid4()), "tags": ["export"], "dig": {"alg": "sha256", "val": "x"}}
    sent = {"$schema": ENVELOPE, "head": head, "doc": partial_invoice()}

    body = api.post(ENTRIES, {"data": sent}, format="json").json()

    stored = SiloEntry.objects.get(pk=body["id"]).data
    assert_built(stored)
    assert (stored["head"]["uuid"], stored["head"]["tags"]) == (head["uuid"], ["export"])
    assert stored["head"]["dig"] != head["dig"]  # the digest of the document as built


def test_an_invoice_with_bad_lines_is_refused_with_every_problem_by_path(api):
    response = api.post(ENTRIES, {"data": BAD_LINES}, format="json")

    assert_problems(response, BAD_LINE_PROBLEMS)
    fields = response.json()["fields"]
    assert fields["/data/lines/0/quantity"] == "'abc' is not a number"
    assert "galactic" in fields["/data/lines/0/taxes/0/rate"]
    assert not SiloEntry.objects.exists()


def test_problems_inside_an_envelope_point_into_its_doc(api):
    sent = {"$schema": ENVELOPE, "doc": BAD_LINES}

    response = api.put(f"{ENTRIES}/{uuid.uuid4()}", {"data": sent}, format="json")

    assert_problems(response, {p.replace("/data/", "/data/doc/") for p in BAD_LINE_PROBLEMS})
    assert not SiloEntry.objects.exists()


def test_an_invoice_without_a_tax_regime_is_refused_on_the_suppliers_country(api):
    doc = partial_invoice(supplier={"name": "Provide One S.L."})

    response = api.post(ENTRIES, {"data": doc}, format="json")

    assert_problems(response, {"/data/supplier/tax_id/country"})
    assert not SiloEntry.objects.exists()


def test_a_signed_envelope_is_stored_byte_for_byte(api):
    doc = partial_invoice()  # not built: recalculating would break the signatures
    signed = {
        "$schema": ENVELOPE,
        "head": {"uuid": str(uuid.uuid4()), "dig": digest(doc)},
        "doc": doc,
        "sigs": ["eyJhbGciOiJFUzI1NiJ9.e30.c2ln"],
    }

    body = api.post(ENTRIES, {"data": signed}, format="json").json()

    entry = SiloEntry.objects.get(pk=body["id"])
    assert entry.signed
    assert entry.data == signed  # (jsonb keeps no key order: equal as JSON values)
    assert body["digest"] == digest(doc)


def test_a_signed_envelope_whose_digest_is_not_its_documents_is_refused(api):
    signed = {
        "$schema": ENVELOPE,
        "head": {"uuid": str(uuid.uuid4()), "dig": {"alg": "sha256", "val": "as signed"}},
        "doc": partial_invoice(),
        "sigs": ["eyJhbGciOiJFUzI1NiJ9.e30.c2ln"],
    }

    response = api.post(ENTRIES, {"data": signed}, format="json")

    assert_problems(response, {"/data"})  # GOBL-ENVELOPE-11, on the envelope itself
    assert "GOBL-ENVELOPE-11" in response.json()["fields"]["/data"]
    assert not SiloEntry.objects.exists()


def test_a_signed_envelope_with_problems_is_refused_all_the_same(api):
    signed = {"$schema": ENVELOPE, "doc": BAD_LINES, "sigs": ["eyJhbGciOiJFUzI1NiJ9.e30.c2ln"]}

    response = api.post(ENTRIES, {"data": signed}, format="json")

    assert_problems(response, {p.replace("/data/", "/data/doc/") for p in BAD_LINE_PROBLEMS})


def test_a_signed_envelope_of_a_kind_we_do_not_check_is_stored_as_an_unsigned_one_is(api):
    message = {"$schema": BASE + "note/message", "content": "Hello"}
    signed = {"$schema": ENVELOPE, "head": {"uuid": str(uuid.uuid4())}, "doc": message}
    signed["sigs"] = ["eyJhbGciOiJFUzI1NiJ9.e30.c2ln"]

    unsigned = api.post(ENTRIES, {"data": message}, format="json")
    response = api.post(ENTRIES, {"data": signed}, format="json")

    assert (unsigned.status_code, response.status_code) == (200, 200), response.content
    assert SiloEntry.objects.get(pk=response.json()["id"]).data == signed


@pytest.mark.parametrize(
    ("doc", "pointers"),
    [
        (
            {"$schema": BASE + "org/party", "name": "Acme", "emails": [{"addr": "nope"}]},
            {"/data/emails/0/addr"},
        ),
        (
            {"$schema": BASE + "bill/payment", "supplier": SUPPLIER, "lines": [{}]},
            {"/data/methods", "/data/lines/0/amount"},  # GOBL makes it a receipt
        ),
        (
            {
                "$schema": BASE + "bill/order",
                "supplier": SUPPLIER,
                "issue_date": "15/01/2026",
                "lines": [{"quantity": "1"}],
            },
            {"/data/issue_date", "/data/lines/0/item"},
        ),
        (
            {"$schema": BASE + "bill/delivery", "type": "note", "currency": "euro"},
            # GOBL calculates nothing in an unknown currency, so its rules (lines required)
            # do not speak
            {"/data/supplier", "/data/currency"},
        ),
    ],
    ids=["party", "payment", "order", "delivery"],
)
def test_other_kinds_with_schema_violations_are_refused_by_path(api, doc, pointers):
    assert_problems(api.post(ENTRIES, {"data": doc}, format="json"), pointers)
    assert not SiloEntry.objects.exists()


def test_a_valid_party_is_stored_as_sent_in_a_built_envelope(api):
    party = {"$schema": BASE + "org/party", "name": "Acme", "emails": [{"addr": "a@acme.es"}]}

    body = api.post(ENTRIES, {"data": party}, format="json").json()

    stored = SiloEntry.objects.get(pk=body["id"]).data
    assert stored["doc"] == party
    assert stored["head"]["dig"] == digest(party)


# --- Retries and replacements


def test_a_retry_the_next_day_of_an_undated_invoice_is_the_same_request(api, monkeypatch):
    entry_id = str(uuid.uuid4())
    undated = partial_invoice(issue_date=None)
    monkeypatch.setattr(calc, "today_in", lambda time_zone: "2026-01-15")
    first = api.put(f"{ENTRIES}/{entry_id}", {"data": undated}, format="json")
    monkeypatch.setattr(calc, "today_in", lambda time_zone: "2026-01-16")

    again = api.put(f"{ENTRIES}/{entry_id}", {"data": undated}, format="json")

    assert (first.status_code, again.status_code) == (200, 200), again.content
    assert again["Idempotent-Replayed"] == "true"
    assert SiloEntry.objects.get().data["doc"]["issue_date"] == "2026-01-15"


def test_a_document_put_in_place_of_the_entrys_is_built(api):
    created = api.post(ENTRIES, {"data": partial_invoice()}, format="json").json()
    head = SiloEntry.objects.get().data["head"]
    cheaper = partial_invoice(lines=[{"quantity": "1", "item": {"name": "Fix", "price": "10"}}])

    response = api.patch(f"{ENTRIES}/{created['id']}", {"data": cheaper}, format="json")

    assert response.status_code == 200, response.content
    stored = SiloEntry.objects.get().data
    assert stored == built(cheaper, head_uuid=head["uuid"])
    assert stored["doc"]["totals"]["payable"] == "10.00"
    assert stored["head"]["dig"] == digest(stored["doc"]) != head["dig"]


def test_a_document_put_in_place_with_problems_changes_nothing(api):
    created = api.post(ENTRIES, {"data": partial_invoice()}, format="json").json()
    before = SiloEntry.objects.get().data

    response = api.patch(f"{ENTRIES}/{created['id']}", {"data": BAD_LINES}, format="json")

    assert_problems(response, BAD_LINE_PROBLEMS)
    assert SiloEntry.objects.get().data == before


# --- The jobs API and inbound webhooks


def test_a_partial_invoice_in_a_job_request_is_stored_built(api, flow):
    response = api.post(
        JOBS, {"workflow_id": str(flow.id), "data": partial_invoice()}, format="json"
    )

    assert response.status_code == 202, response.content
    entry = SiloEntry.objects.get(pk=response.json()["silo_entry_id"])
    assert_built(entry.data)
    assert response.json()["envelope"] == entry.data


def test_a_job_request_with_bad_lines_is_refused_and_starts_nothing(api, flow):
    response = api.post(JOBS, {"workflow_id": str(flow.id), "data": BAD_LINES}, format="json")

    assert_problems(response, BAD_LINE_PROBLEMS)
    assert not SiloEntry.objects.exists() and not Job.objects.exists()


def test_a_webhook_stores_its_document_built_and_refuses_bad_lines(client, flow):
    hook = Trigger.objects.create(workspace=flow.workspace, workflow=flow, kind=TriggerKind.WEBHOOK)
    auth = {"Authorization": f"Bearer {hook.secret}"}

    def deliver(doc):
        body = json.dumps(doc).encode()
        return client.post(f"/hooks/{hook.id}", body, content_type="application/json", headers=auth)

    refused = deliver(BAD_LINES)
    accepted = deliver(partial_invoice())

    assert refused.status_code == 422
    assert set(refused.json()["fields"]) == {p.removeprefix("/data") for p in BAD_LINE_PROBLEMS}
    assert accepted.status_code == 202, accepted.content
    assert_built(SiloEntry.objects.get().data)
