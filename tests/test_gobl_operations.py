"""The document operations on the silo: build, correct, replicate and sign, through
/silo/v1/gobl/... (nothing stored) and through POST /silo/v1/entries with `previous_id`."""

import uuid

import pytest
from django.urls import reverse
from engine_helpers import run, start, state, step, trace, workflow

from jobs.models import Job
from providers.sign import verify
from silo.gobl import build_envelope
from silo.gobl.corrections import correct, options_schema, replicate
from silo.models import SiloEntry

pytestmark = pytest.mark.django_db

ENVELOPE = "https://gobl.org/draft-0/envelope"
INVOICE = "https://gobl.org/draft-0/bill/invoice"
LINE = {
    "quantity": "2",
    "item": {"name": "Development services", "price": "100.00"},
    "taxes": [{"cat": "VAT", "rate": "general"}],
}


def invoice(country="ES", tax_code="B98602642", **fields) -> dict:
    doc = {
        "$schema": INVOICE,
        "uuid": "0190a63b-8e5a-7c3d-9f0e-3b2a1c4d5e6f",
        "series": "SAMPLE",
        "code": "001",
        "issue_date": "2024-01-01",
        "supplier": {"name": "Provide One", "tax_id": {"country": country, "code": tax_code}},
        "customer": {"name": "Sample Consumer", "tax_id": {"country": "ES", "code": "54387763P"}},
        "lines": [LINE],
        **fields,
    }
    return {name: value for name, value in doc.items() if value is not None}


def tbai_invoice() -> dict:
    """A Basque invoice TicketBAI takes: its region, and the general note its rules ask for."""
    return invoice(
        **{
            "$addons": ["es-tbai-v1"],
            "tax": {"ext": {"es-tbai-region": "BI"}},
            "notes": [{"key": "general", "text": "Development services"}],
        }
    )


def issued(doc=None, **head) -> dict:
    envelope, problems = build_envelope(doc or invoice())
    assert problems == []
    envelope["head"].update(head)
    return envelope


def post(client, operation, body):
    return client.post(f"/silo/v1/gobl/{operation}", body, format="json")


def fields(response) -> dict:
    assert response.status_code == 422, response.json()
    return response.json()["fields"]


# --- Correcting


def test_a_spanish_invoice_corrected_to_a_credit_note_has_its_preceding_filled():
    original = issued()
    corrected, problems = correct(original, {"type": "credit-note", "reason": "Refund"})
    assert problems == []
    doc = corrected["doc"]
    assert doc["type"] == "credit-note"
    assert doc["preceding"] == [
        {
            "uuid": original["doc"]["uuid"],
            "type": "standard",
            "series": "SAMPLE",
            "code": "001",
            "issue_date": "2024-01-01",
            "reason": "Refund",
        }
    ]
    assert "code" not in doc and doc["uuid"] != original["doc"]["uuid"]
    assert doc["totals"] == original["doc"]["totals"]  # built afresh, to the same sums


def test_a_verifactu_credit_note_gets_its_doc_type_and_the_preceding_taxes():
    original = issued(invoice(**{"$addons": ["es-verifactu-v1"]}))
    options = {"type": "credit-note", "ext": {"es-verifactu-doc-type": "R4"}}
    corrected, problems = correct(original, options)
    assert problems == []
    doc = corrected["doc"]
    assert doc["tax"]["ext"]["es-verifactu-doc-type"] == "R4"  # moved to the invoice
    assert doc["tax"]["ext"]["es-verifactu-correction-type"] == "I"
    assert "ext" not in doc["preceding"][0]
    assert doc["preceding"][0]["tax"] == original["doc"]["totals"]["taxes"]  # copy_tax


def test_a_ticketbai_correction_requires_its_correction_code():
    original = issued(tbai_invoice())
    _, problems = correct(original, {"type": "credit-note"})
    assert [(p.path, p.message) for p in problems] == [
        ("/options/ext/es-tbai-correction", "is required: the preceding document's correction code")
    ]
    corrected, problems = correct(
        original, {"type": "credit-note", "ext": {"es-tbai-correction": "R2"}}
    )
    assert problems == []
    assert corrected["doc"]["preceding"][0]["ext"] == {"es-tbai-correction": "R2"}


def test_a_portuguese_invoice_is_corrected_with_a_debit_note():
    original = issued(invoice("PT", "545259045", series="FT", code="310"))
    corrected, problems = correct(original, {"type": "debit-note", "series": "ND"})
    assert problems == []
    doc = corrected["doc"]
    assert (doc["type"], doc["series"]) == ("debit-note", "ND")
    assert doc["preceding"][0]["series"] == "FT" and doc["preceding"][0]["code"] == "310"


def test_a_regime_that_allows_only_credit_notes_refuses_a_corrective_invoice():
    original = issued(invoice("DE", "111111125"))
    _, problems = correct(original, {"type": "corrective"})
    assert [(p.path, p.message) for p in problems] == [
        ("/options/type", "'corrective' is not a correction this regime allows: one of credit-note")
    ]


def test_an_invoice_without_a_code_cannot_be_corrected():
    _, problems = correct(issued(invoice(code=None)), {"type": "credit-note"})
    assert problems[0].path == "/data/doc/code"


def test_a_regime_needing_a_stamp_takes_it_from_the_header():
    original = issued(invoice("MX", "EKU9003173C9"), stamps=[{"prv": "sat-uuid", "val": "abc"}])
    corrected, problems = correct(original, {"type": "credit-note"})
    assert corrected["doc"]["preceding"][0]["stamps"] == [{"prv": "sat-uuid", "val": "abc"}]
    _, problems = correct(issued(invoice("MX", "EKU9003173C9")), {"type": "credit-note"})
    assert problems[0].path == "/options/stamps"


def test_the_options_schema_lists_the_regimes_types_and_the_addons_extensions():
    schema = options_schema(issued(tbai_invoice()))
    options = schema["$defs"]["bill.CorrectionOptions"]
    types = [choice["const"] for choice in options["properties"]["type"]["oneOf"]]
    assert types == ["credit-note", "corrective", "debit-note"]
    assert options["properties"]["series"]["default"] == "SAMPLE"
    codes = options["properties"]["ext"]["properties"]["es-tbai-correction"]["oneOf"]
    assert [code["const"] for code in codes] == ["R1", "R2", "R3", "R4", "R5"]
    assert schema["$id"].endswith("?tax_regime=es")


# --- Replicating


def test_replicate_clears_what_gobl_clears():
    original = issued(
        invoice(issue_time="10:00:00", op_date="2023-12-30"), stamps=[{"prv": "x", "val": "y"}]
    )
    original["sigs"] = ["a.b.c"]
    copy, problems = replicate(original)
    assert problems == []
    doc = copy["doc"]
    assert doc["uuid"] != original["doc"]["uuid"]
    assert "code" not in doc and "issue_time" not in doc and "op_date" not in doc
    assert doc["issue_date"] != "2024-01-01"  # today's, as a new draft
    assert doc["series"] == "SAMPLE" and doc["lines"][0]["item"] == LINE["item"]
    assert "sigs" not in copy and "stamps" not in copy["head"]


# --- Through the API


def test_build_answers_the_calculated_object_or_its_envelope(api):
    doc = invoice()
    answer = post(api, "build", {"data": doc}).json()["data"]
    assert answer["$schema"] == INVOICE and answer["totals"]["payable"] == "242.00"
    answer = post(api, "build", {"data": doc, "envelop": True}).json()["data"]
    assert answer["$schema"] == ENVELOPE and answer["head"]["dig"]


def test_build_names_the_problems_by_pointer(api):
    bad = invoice(lines=[{**LINE, "quantity": "many"}])
    assert "/data/lines/0/quantity" in fields(post(api, "build", {"data": bad}))


def test_correct_answers_the_credit_note(api):
    response = post(api, "correct", {"data": issued(), "options": {"type": "credit-note"}})
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["doc"]["preceding"][0]["code"] == "001"


def test_correct_with_show_options_answers_the_options_schema(api):
    response = post(api, "correct", {"data": issued(), "show_options": True})
    schema = response.json()["data"]
    assert schema["$ref"] == "#/$defs/bill.CorrectionOptions"


def test_correct_refuses_a_type_the_regime_does_not_allow(api):
    body = {"data": issued(invoice("DE", "111111125")), "options": {"type": "corrective"}}
    assert list(fields(post(api, "correct", body))) == ["/options/type"]


def test_correct_refuses_a_bare_document(api):
    body = {"data": invoice(), "options": {"type": "credit-note"}}
    assert list(fields(post(api, "correct", body))) == ["/data"]


def test_bad_json_gets_an_error_naming_the_field(api):
    assert list(fields(post(api, "correct", {"data": "an invoice"}))) == ["/data"]
    body = {"data": issued(), "options": {"type": 7}}
    assert fields(post(api, "correct", body)) == {"/options/type": "must be a string"}
    assert list(fields(post(api, "build", {"data": {}, "envelop": "yes"}))) == ["/envelop"]
    response = api.post("/silo/v1/gobl/sign", "{", content_type="application/json")
    assert response.status_code == 400


def test_replicate_answers_a_new_draft(api):
    response = post(api, "replicate", {"data": issued()})
    assert response.status_code == 200, response.json()
    assert "code" not in response.json()["data"]["doc"]


def test_sign_gives_a_verifiable_signature(api, workspace):
    response = post(api, "sign", {"data": invoice()})
    assert response.status_code == 200, response.json()
    envelope = response.json()["data"]
    assert envelope["sigs"] and verify(envelope, workspace)


def test_sign_refuses_an_invoice_without_a_code_and_a_signed_envelope(api):
    assert list(fields(post(api, "sign", {"data": invoice(code=None)}))) == ["/data/code"]
    signed = post(api, "sign", {"data": invoice()}).json()["data"]
    assert list(fields(post(api, "sign", {"data": signed}))) == ["/data/sigs"]


# --- Entries made from others


def stored(client, **body) -> dict:
    response = client.post("/silo/v1/entries", {"data": issued(), **body}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_an_entry_is_corrected_into_a_new_entry_related_to_it(api):
    original = stored(api)
    body = {"previous_id": original["id"], "correct": {"type": "credit-note"}}
    response = api.post("/silo/v1/entries?data=true", body, format="json")
    assert response.status_code == 200, response.json()
    created = response.json()
    assert created["data"]["doc"]["type"] == "credit-note"
    assert created["data"]["head"]["uuid"] == created["id"]
    assert SiloEntry.objects.get(pk=created["id"]).previous_id == uuid.UUID(original["id"])


def test_an_entry_is_replicated_into_a_new_draft(api):
    original = stored(api)
    response = api.post(
        "/silo/v1/entries?data=true", {"previous_id": original["id"]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert "code" not in response.json()["data"]["doc"]


def test_a_correction_refused_names_the_requests_fields(api):
    original = stored(api)
    body = {"previous_id": original["id"], "correct": {"type": "proforma"}}
    assert list(fields(api.post("/silo/v1/entries", body, format="json"))) == ["/correct/type"]


def test_another_workspace_cannot_correct_an_entry_of_yours(api, other_api):
    original = stored(api)
    body = {"previous_id": original["id"], "correct": {"type": "credit-note"}}
    response = other_api.post("/silo/v1/entries", body, format="json")
    assert fields(response) == {"/previous_id": "no such silo entry"}  # an id in a body: 422
    assert other_api.get(f"/silo/v1/entries/{original['id']}").status_code == 404


def test_a_repeated_correction_with_the_same_key_answers_the_same_entry(api):
    original = stored(api)
    body = {"previous_id": original["id"], "correct": {"type": "credit-note"}, "key": "cn-1"}
    first = api.post("/silo/v1/entries", body, format="json").json()
    again = api.post("/silo/v1/entries", body, format="json")
    assert again.json()["id"] == first["id"]
    assert again.headers["Idempotent-Replayed"] == "true"


# --- The gobl.correct step


def correcting(**config) -> dict:
    return step("gobl.correct", {"type": "credit-note", **config}, name="correct")


def test_the_step_stores_the_credit_note_as_a_new_entry_linked_to_the_invoice(workspace):
    job = run(start(workspace, [correcting(reason="Refund", series="CN")], data=issued()))
    assert job.status == "OK", trace(job)
    invoice_entry = SiloEntry.objects.get(pk=job.silo_entry_id)
    credit_note = SiloEntry.objects.get(previous=invoice_entry)
    assert invoice_entry.meta["corrective_entry_id"] == str(credit_note.pk)
    assert invoice_entry.data["doc"]["type"] == "standard"  # the invoice stays as it was
    doc = credit_note.data["doc"]
    assert (doc["type"], doc["series"], doc["preceding"][0]["reason"]) == (
        "credit-note",
        "CN",
        "Refund",
    )
    assert credit_note.versions.get().job_id == job.id


def test_the_next_step_can_start_a_workflow_on_the_credit_note(workspace):
    issuing = workflow(workspace, [state("issued")])
    starter = step(
        "transform.job.create",
        {"workflow_id": str(issuing.id), "silo_entry_meta_key": "corrective_entry_id"},
        name="start",
    )
    job = run(start(workspace, [correcting(), starter], data=issued()))
    assert job.status == "OK", trace(job)
    credit_note = SiloEntry.objects.get(previous_id=job.silo_entry_id)
    assert Job.objects.get(workflow=issuing).silo_entry_id == credit_note.pk


def test_the_step_applies_its_changes_to_the_credit_note(workspace):
    changes = {"lines": [{**LINE, "quantity": "1"}]}
    job = run(start(workspace, [correcting(changes=changes)], data=issued()))
    assert job.status == "OK", trace(job)
    credit_note = SiloEntry.objects.get(previous_id=job.silo_entry_id)
    assert credit_note.data["doc"]["totals"]["payable"] == "121.00"


def test_a_correction_the_regime_refuses_ends_the_step_ko(workspace):
    job = run(
        start(workspace, [correcting(type="corrective")], data=issued(invoice("DE", "111111125")))
    )
    assert job.status == "KO"
    assert not SiloEntry.objects.filter(previous_id=job.silo_entry_id).exists()


# --- The console's entry page


@pytest.fixture
def as_owner(client, owner):
    client.force_login(owner)
    return client


def console_entry(workspace, data=None) -> SiloEntry:
    return SiloEntry.create_with_version(workspace, data or issued())


def test_the_entry_page_offers_correct_and_replicate(as_owner, workspace):
    entry = console_entry(workspace)
    page = as_owner.get(reverse("entry_detail", args=[workspace.slug, entry.id])).content.decode()
    assert "Correct…" in page and "Replicate" in page


def test_the_correct_form_offers_the_regimes_options(as_owner, workspace):
    data = issued(tbai_invoice())
    entry = console_entry(workspace, data)
    url = reverse("entry_correct", args=[workspace.slug, entry.id])
    page = as_owner.get(url).content.decode()
    assert 'value="corrective"' in page and 'name="ext:es-tbai-correction"' in page
    response = as_owner.post(url, {"type": "credit-note", "series": "CN"})
    assert response.status_code == 422
    assert "the preceding document&#x27;s correction code" in response.content.decode()


def test_correcting_in_the_console_makes_the_new_entry_and_shows_it(as_owner, workspace):
    entry = console_entry(workspace)
    url = reverse("entry_correct", args=[workspace.slug, entry.id])
    response = as_owner.post(url, {"type": "credit-note", "series": "CN", "reason": "Refund"})
    credit_note = SiloEntry.objects.get(previous=entry)
    assert response.status_code == 302
    assert response["Location"] == reverse("entry_detail", args=[workspace.slug, credit_note.id])
    assert credit_note.data["doc"]["preceding"][0]["reason"] == "Refund"
    assert credit_note.versions.get().user_id is not None


def test_correcting_through_htmx_redirects_the_page(as_owner, workspace):
    entry = console_entry(workspace)
    url = reverse("entry_correct", args=[workspace.slug, entry.id])
    response = as_owner.post(url, {"type": "credit-note"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"].endswith(
        f"/entries/{SiloEntry.objects.get(previous=entry).id}/"
    )


def test_replicating_in_the_console_makes_a_draft(as_owner, workspace):
    entry = console_entry(workspace)
    response = as_owner.post(reverse("entry_replicate", args=[workspace.slug, entry.id]))
    copy = SiloEntry.objects.get(previous=entry)
    assert response.status_code == 302 and "code" not in copy.data["doc"]


def test_another_workspace_cannot_correct_your_entry_in_the_console(
    client, outsider, other_workspace, workspace
):
    entry = console_entry(workspace)
    client.force_login(outsider)
    url = reverse("entry_correct", args=[other_workspace.slug, entry.id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"type": "credit-note"}).status_code == 404
    replicate_url = reverse("entry_replicate", args=[other_workspace.slug, entry.id])
    assert client.post(replicate_url).status_code == 404
    assert not SiloEntry.objects.filter(previous=entry).exists()
