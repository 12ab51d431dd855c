"""Portugal's SAF-T add-on (pt-saft-v1, silo/gobl/saft.py), which GOBL v0.502.1 approves but
keeps in its own module, invopop/gobl.pt.saft.

The module's examples (examples/*.yaml, with GOBL's output in examples/out/) are read from a
local copy of that repository when there is one (PT_SAFT_REPO, else the fetch mirror) at the
version built against GOBL v0.502.1, and must build here to GOBL's whole document and digest;
without the copy they skip, saying so. The tests after them need nothing."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from test_gobl_build import fixture
from test_gobl_conformance import as_gobl_reads_yaml

from silo.gobl import build_document, build_envelope

REPO = Path(os.environ.get("PT_SAFT_REPO", "/work/.mirror/invopop+gobl.pt.saft/repo"))
VERSION = "v0.0.1"  # built against GOBL v0.502.1 (its go.mod: 0.501.1-0.20260702…)


def git(*args: str) -> str:
    found = subprocess.run(["git", "--git-dir", str(REPO), *args], capture_output=True, text=True)
    return found.stdout if found.returncode == 0 else ""


def example_names() -> list[str]:
    if not REPO.exists() or shutil.which("git") is None:
        return [f"({REPO} is absent)"]
    listed = git("ls-tree", "--name-only", VERSION, "examples/").split()
    names = [Path(n).name for n in listed if n.endswith(".yaml")]
    return names or [f"({REPO} has no examples at {VERSION})"]


@pytest.mark.parametrize("name", example_names())
def test_each_example_of_the_module_builds_to_gobls_document(name):
    if name.startswith("("):
        pytest.skip(f"{name}: the pt-saft module's examples cannot be compared")
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the examples")
    given = as_gobl_reads_yaml(yaml.safe_load(git("show", f"{VERSION}:examples/{name}")))
    expected = json.loads(git("show", f"{VERSION}:examples/out/{Path(name).stem}.json"))
    envelope, problems = build_envelope(given)
    assert problems == []
    assert envelope["doc"] == expected["doc"]
    assert envelope["head"]["dig"] == expected["head"]["dig"]


# --- What the add-on does, case by case


SUPPLIER = {"name": "Atlântico Lda", "tax_id": {"country": "PT", "code": "545259045"}}


def portuguese(*taxes: dict, **fields) -> dict:
    doc = fixture("pt-azores.json") | {"type": "standard", "$addons": ["pt-saft-v1"]}
    doc.pop("preceding")
    doc["lines"] = [{**doc["lines"][0], "taxes": [combo]} for combo in taxes]
    return doc | fields


def built(doc: dict) -> dict:
    """Built, refused by nothing but GOBL's rules (the add-on's ask for a series format)."""
    result, problems = build_document(doc)
    assert [p for p in problems if not p.message.startswith("[GOBL-")] == []
    return result


def test_each_vat_combo_gets_its_saft_rate_and_exemption_codes():
    doc = built(
        portuguese(
            {"cat": "VAT", "rate": "general"},
            {"cat": "VAT", "rate": "intermediate"},
            {"cat": "VAT", "key": "exempt"},
            {"cat": "VAT", "key": "exempt", "ext": {"pt-saft-exemption": "M16"}},
            {"cat": "VAT", "key": "reverse-charge"},
            {"cat": "VAT", "rate": "exempt", "ext": {"pt-exemption-code": "M05"}},  # as before
            {"cat": "VAT", "country": "ES", "rate": "general"},
            {"cat": "VAT", "ext": {"pt-saft-tax-rate": "RED"}},
        )
    )
    taxes = [line["taxes"][0] for line in doc["lines"]]
    assert [(t.get("key"), t.get("rate")) for t in taxes] == [
        ("standard", "general"),
        ("standard", "intermediate"),
        ("exempt", None),
        ("intra-community", None),
        ("reverse-charge", None),
        ("export", None),
        ("standard", "general"),
        ("standard", "reduced"),
    ]
    assert [
        (t["ext"].get("pt-saft-tax-rate"), t["ext"].get("pt-saft-exemption")) for t in taxes
    ] == [
        ("NOR", None),
        ("INT", None),
        ("ISE", "M07"),
        ("ISE", "M16"),
        ("ISE", "M40"),
        ("ISE", "M05"),
        ("OUT", None),
        ("RED", None),
    ]
    assert "pt-exemption-code" not in taxes[5]["ext"]


def test_a_line_with_an_exemption_gets_its_legal_note_once():
    doc = built(portuguese({"cat": "VAT", "key": "export"}))
    assert doc["lines"][0]["notes"] == [
        {"key": "legal", "code": "M05", "src": "pt-saft-exemption", "text": "Artigo 14.º do CIVA"}
    ]
    again = built(doc)
    assert again["lines"][0]["notes"] == doc["lines"][0]["notes"]


def test_items_get_a_unit_and_a_product_type_by_it():
    doc = portuguese({"cat": "VAT", "rate": "general"}, {"cat": "VAT", "rate": "general"})
    doc["lines"][1]["item"] = doc["lines"][1]["item"] | {"unit": "kg"}
    items = [line["item"] for line in built(doc)["lines"]]
    assert [(i["unit"], i["ext"]) for i in items] == [
        ("one", {"pt-saft-product-type": "S"}),
        ("kg", {"pt-saft-product-type": "P"}),
    ]


@pytest.mark.parametrize(
    ("kind", "tags", "codes"),
    [
        ("standard", [], {"pt-saft-invoice-type": "FT"}),
        ("standard", ["simplified"], {"pt-saft-invoice-type": "FS"}),
        ("standard", ["invoice-receipt"], {"pt-saft-invoice-type": "FR"}),
        ("credit-note", [], {"pt-saft-invoice-type": "NC"}),
        ("debit-note", [], {"pt-saft-invoice-type": "ND"}),
        ("proforma", [], {"pt-saft-work-type": "PF"}),
    ],
)
def test_the_invoice_gets_its_saft_type_and_source(kind, tags, codes):
    doc = portuguese({"cat": "VAT", "rate": "general"}, type=kind, **{"$tags": tags})
    if kind in ("credit-note", "debit-note"):
        doc["preceding"] = [{"series": "FT A", "code": "1", "issue_date": "2025-03-01"}]
    result = built(doc)
    assert result["tax"]["ext"] == codes | {"pt-saft-source": "P"}
    assert result["value_date"] == result["issue_date"]


def test_an_invoice_paid_in_advance_is_an_invoice_receipt_whose_advance_is_dated():
    doc = portuguese({"cat": "VAT", "rate": "general"})
    doc["payment"] = {"advances": [{"key": "card", "description": "Paid", "percent": "100%"}]}
    result = built(doc)
    assert result["tax"]["ext"]["pt-saft-invoice-type"] == "FR"
    advance = result["payment"]["advances"][0]
    assert advance["date"] == doc["issue_date"]
    assert advance["ext"] == {"pt-saft-payment-means": "CC"}


def test_a_payment_an_order_and_a_returned_delivery_get_their_saft_types():
    line = {"quantity": "1", "item": {"name": "Caixa", "price": "10.00"}}
    base = {"$addons": ["pt-saft-v1"], "supplier": SUPPLIER, "issue_date": "2025-04-01"}
    payment = base | {
        "$schema": "https://gobl.org/draft-0/bill/payment",
        "$tags": ["vat-cash"],
        "lines": [{"document": {"code": "FT A/1"}, "amount": "10.00"}],
        "methods": [{"key": "cash", "amount": "10.00"}],
    }
    order = base | {"$schema": "https://gobl.org/draft-0/bill/order", "lines": [line]}
    delivery = base | {
        "$schema": "https://gobl.org/draft-0/bill/delivery",
        "$tags": ["return"],
        "type": "note",
        "lines": [line],
    }
    paid = build_document(payment)[0]
    assert paid["ext"] == {"pt-saft-source": "P", "pt-saft-payment-type": "RC"}
    assert paid["methods"][0]["ext"] == {"pt-saft-payment-means": "NU"}
    ordered = build_document(order)[0]
    assert ordered["tax"]["ext"] == {"pt-saft-work-type": "NE"}
    assert ordered["value_date"] == "2025-04-01"
    assert ordered["lines"][0]["item"]["ext"] == {"pt-saft-product-type": "S"}
    assert build_document(delivery)[0]["tax"]["ext"] == {"pt-saft-movement-type": "GD"}


def test_without_the_addon_a_portuguese_invoice_gets_no_saft_codes():
    doc = portuguese({"cat": "VAT", "key": "exempt"}, **{"$addons": []})
    text = json.dumps(built(doc))
    assert "pt-saft" not in text


def test_correcting_a_saft_invoice_needs_a_reason():
    from silo.gobl.corrections import correct

    invoice = portuguese({"cat": "VAT", "rate": "general"}, series="FT A", code="12")
    envelope, problems = build_envelope(invoice)
    assert problems == []
    _, problems = correct(envelope, {"type": "credit-note"})
    assert {p.path: p.message for p in problems} == {
        "/options/reason": "is required for a correction in this regime"
    }
    options = {"type": "credit-note", "reason": "Devolução", "series": "NC A"}
    corrected, problems = correct(envelope, options)
    assert problems == []
    assert corrected["doc"]["tax"]["ext"]["pt-saft-invoice-type"] == "NC"


# --- Its rules (GOBL-PT-SAFT-*), as the module reports them


def rule_faults(doc: dict) -> dict[str, str]:
    _, problems = build_document(doc)
    return {p.path: p.message for p in problems if p.message.startswith("[GOBL-PT-SAFT")}


def test_a_saft_invoice_as_the_module_wants_it_gets_no_fault():
    doc = portuguese({"cat": "VAT", "rate": "general"}, series="FT A", code="12")
    assert rule_faults(doc) == {}


def test_series_and_code_follow_the_document_type():
    found = rule_faults(portuguese({"cat": "VAT", "rate": "general"}, series="NC", code="A/1"))
    assert found == {
        "": "[GOBL-PT-SAFT-BILL-INVOICE-04] series format must be valid"
    }  # the code's rule only speaks once the series is right: both at the document
    found = rule_faults(portuguese({"cat": "VAT", "rate": "general"}, series="FT A", code="A1"))
    assert found == {"": "[GOBL-PT-SAFT-BILL-INVOICE-05] code format must be valid"}


def test_a_zero_quantity_and_a_second_preceding_document_are_refused():
    doc = portuguese({"cat": "VAT", "rate": "general"}, series="FT A", code="12")
    doc["lines"][0]["quantity"] = "0"  # the PT regime's rule allows it
    doc["preceding"] = [{"code": "FT A/1"}, {"code": "FT A/2"}]
    found = rule_faults(doc)
    assert found["/lines/0/quantity"] == "[GOBL-PT-SAFT-BILL-LINE-01] must be greater than 0"
    assert found["/preceding"] == "[GOBL-PT-SAFT-BILL-INVOICE-11] the length must be no more than 1"


def test_an_exempt_line_must_keep_its_cause_and_its_note():
    from silo.gobl.gobl_rules import check_rules
    from silo.gobl.problems import Problems

    doc = built(portuguese({"cat": "VAT", "key": "exempt"}, series="FT A", code="12"))
    doc = json.loads(json.dumps(doc))
    del doc["lines"][0]["taxes"][0]["ext"]["pt-saft-exemption"]
    problems = Problems()
    check_rules(doc, problems)
    found = {p.path: p.message for p in problems.found if "PT-SAFT" in p.message}
    exemption = "exemption is required when tax rate is exempt"
    assert found == {
        "/lines/0/taxes/0/ext": f"[GOBL-PT-SAFT-TAX-COMBO-02] {exemption}",
        "/lines/0": "[GOBL-PT-SAFT-BILL-LINE-05] exemption notes invalid",
    }
    del doc["totals"]["taxes"]["categories"][0]["rates"][0]["ext"]["pt-saft-exemption"]
    problems = Problems()
    check_rules(doc, problems)
    path = "/totals/taxes/categories/0/rates/0/ext"
    assert {p.path: p.message for p in problems.found}[path] == (
        f"[GOBL-PT-SAFT-TAX-RATETOTAL-02] {exemption}"
    )


def test_an_exemption_note_longer_than_60_bytes_is_refused_as_the_module_does():
    # is.Length counts bytes: M45's own legal text (60 characters, 64 bytes) is too long.
    doc = portuguese(
        {"cat": "VAT", "key": "outside-scope", "ext": {"pt-saft-exemption": "M45"}},
        series="FT A",
        code="12",
    )
    message = "[GOBL-PT-SAFT-ORG-NOTE-01] the length must be between 6 and 60"
    assert rule_faults(doc) == {"/lines/0/notes/0/text": message}


def test_payments_orders_and_deliveries_meet_the_modules_rules():
    base = {"$addons": ["pt-saft-v1"], "supplier": SUPPLIER, "issue_date": "2025-04-01"}
    line = {"quantity": "1", "item": {"name": "Caixa", "price": "10.00"}}
    payment = base | {
        "$schema": "https://gobl.org/draft-0/bill/payment",
        "series": "RC A",  # a receipt of the cash VAT scheme would be RC; this one is RG
        "code": "1",
        "lines": [{"document": {"code": "FT A/1"}, "amount": "10.00"}],
        "methods": [{"key": "cash", "amount": "10.00"}],
    }
    order = base | {
        "$schema": "https://gobl.org/draft-0/bill/order",
        "series": "NE A",
        "code": "1",
        "lines": [line],  # no VAT
    }
    delivery = base | {
        "$schema": "https://gobl.org/draft-0/bill/delivery",
        "type": "note",
        "series": "GR A",
        "code": "1",
        "lines": [line],
    }
    assert rule_faults(payment) == {
        "": "[GOBL-PT-SAFT-BILL-PAYMENT-01] series format must be valid",
        "/lines/0/document/issue_date": "[GOBL-PT-SAFT-BILL-PAYMENTLINE-02] cannot be blank",
        "/lines/0/tax": "[GOBL-PT-SAFT-BILL-PAYMENTLINE-03] cannot be blank",
    }
    assert rule_faults(order) == {
        "/lines/0": "[GOBL-PT-SAFT-BILL-ORDER-06] line taxes must include VAT category"
    }
    assert rule_faults(delivery) == {
        "/despatch_date": "[GOBL-PT-SAFT-BILL-DELIVERY-06] delivery despatch date is required"
    }
