# ruff: noqa: E501 -- the messages are kept whole, as GOBL prints them
"""Mexico's CFDI add-on (mx-cfdi-v4, silo/gobl/cfdi.py), which GOBL v0.502.1 approves but keeps
in its own module, invopop/gobl.mx.cfdi.

That repository's conversion fixtures (test/data/convert/in/*.json) are envelopes GOBL built
with the module, at the version built against GOBL v0.502.1. Read from a local copy of the
repository (MX_CFDI_REPO, else the fetch mirror), each is stripped of what the build works
out (the add-on's codes, sums and totals) and must build here back to GOBL's document and
digest; without the copy they skip, saying so. The tests after them need nothing."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from silo.gobl import build_document, build_envelope

REPO = Path(os.environ.get("MX_CFDI_REPO", "/work/.mirror/invopop+gobl.mx.cfdi/repo"))
VERSION = "v0.61.0"  # built against GOBL v0.502.1 (its go.mod: 0.501.1-0.20260702…)
FIXTURES = "test/data/convert/in/"
WORKED_OUT = ("mx-cfdi-doc-type", "mx-cfdi-rel-type", "mx-cfdi-payment-method")


def git(*args: str) -> str:
    found = subprocess.run(["git", "--git-dir", str(REPO), *args], capture_output=True, text=True)
    return found.stdout if found.returncode == 0 else ""


def fixture_names() -> list[str]:
    if not REPO.exists() or shutil.which("git") is None:
        return [f"({REPO} is absent)"]
    names = [Path(n).name for n in git("ls-tree", "--name-only", VERSION, FIXTURES).split()]
    return names or [f"({REPO} has no fixtures at {VERSION})"]


def stripped(doc: dict) -> dict:
    """The document as a client would send it: no totals, sums or worked-out codes."""
    doc = json.loads(json.dumps(doc))
    doc.pop("totals", None)
    ext = (doc.get("tax") or {}).get("ext") or {}
    for key in WORKED_OUT:
        ext.pop(key, None)
    for line in doc.get("lines") or []:
        line.pop("sum", None)
        line.pop("total", None)
    payment = doc.get("payment") or {}
    for record in [payment.get("instructions") or {}, *(payment.get("advances") or [])]:
        if record.get("key"):  # else the client gave the code
            (record.get("ext") or {}).pop("mx-cfdi-payment-means", None)
    return doc


@pytest.mark.parametrize("name", fixture_names())
def test_each_fixture_of_the_module_builds_back_to_gobls_document(name):
    if name.startswith("("):
        pytest.skip(f"{name}: the mx-cfdi module's fixtures cannot be compared")
    expected = json.loads(git("show", f"{VERSION}:{FIXTURES}{name}"))
    given = expected["doc"] if expected.get("sigs") else stripped(expected["doc"])  # signed: kept
    envelope, problems = build_envelope({**expected, "doc": given})
    assert problems == []
    assert envelope["doc"] == expected["doc"]
    assert envelope["head"]["dig"] == expected["head"]["dig"]


# --- What the add-on does, case by case

SUPPLIER = {
    "name": "ESCUELA KEMPER URGATE",
    "tax_id": {"country": "MX", "code": "EKU9003173C9"},
    "addresses": [{"code": "26015"}],
    "ext": {"mx-cfdi-fiscal-regime": "601"},
}
CUSTOMER = {
    "name": "UNIVERSIDAD ROBOTICA ESPAÑOLA",
    "tax_id": {"country": "MX", "code": "URE180429TM6"},
    "addresses": [{"code": "65000"}],
    "identities": [{"key": "mx-cfdi-use", "code": "G01"}],  # as written before extensions
    "ext": {"mx-cfdi-fiscal-regime": "601"},
}


def mexican(**fields) -> dict:
    line = {
        "quantity": "2",
        "item": {"name": "Cigarros", "price": "100.00", "ext": {"mx-cfdi-prod-serv": "502115"}},
        "taxes": [{"cat": "VAT", "rate": "general"}],
    }
    return {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "$addons": ["mx-cfdi-v4"],
        "series": "LMC",
        "code": "0010",
        "issue_date": "2023-05-29",
        "issue_time": "12:00:00",
        "currency": "MXN",
        "supplier": SUPPLIER,
        "customer": CUSTOMER,
        "lines": [line],
    } | fields


def built(doc: dict) -> dict:
    result, problems = build_document(doc)
    assert [p for p in problems if not p.message.startswith("[GOBL-")] == []
    return result


def test_an_unpaid_invoice_is_an_income_to_be_paid_later_issued_at_the_suppliers_post_code():
    doc = built(mexican())
    assert doc["tax"]["ext"] == {
        "mx-cfdi-doc-type": "I",
        "mx-cfdi-payment-method": "PPD",
        "mx-cfdi-issue-place": "26015",
    }


def test_codes_given_as_identities_move_to_ext_and_a_six_digit_product_code_is_completed():
    doc = built(mexican())
    assert "identities" not in doc["customer"]
    assert doc["customer"]["ext"] == {"mx-cfdi-fiscal-regime": "601", "mx-cfdi-use": "G01"}
    assert doc["lines"][0]["item"]["ext"] == {"mx-cfdi-prod-serv": "50211500"}


def test_a_paid_credit_note_is_an_expense_related_to_its_invoice_paid_at_once():
    payment = {"advances": [{"key": "card", "description": "Pago", "percent": "100%"}]}
    preceding = [{"uuid": "0195ce71-dc9c-72c8-bf2c-9890a4a9f0a2", "code": "0009"}]
    doc = built(mexican(type="credit-note", payment=payment, preceding=preceding))
    assert doc["tax"]["ext"] == {
        "mx-cfdi-doc-type": "E",
        "mx-cfdi-rel-type": "01",
        "mx-cfdi-payment-method": "PUE",
        "mx-cfdi-issue-place": "26015",
    }
    assert doc["payment"]["advances"][0]["ext"] == {"mx-cfdi-payment-means": "04"}


def test_a_global_invoice_has_no_customer_and_one_without_issue_time_is_issued_now():
    doc = mexican(**{"$tags": ["global"]})
    del doc["issue_time"]
    result = built(doc)
    assert "customer" not in result
    assert result["issue_time"] and result["issue_date"] >= "2026-01-01"


def test_without_the_addon_the_regime_still_takes_the_place_of_issue_from_the_supplier():
    doc = built(mexican(**{"$addons": []}))
    assert doc["tax"]["ext"] == {"mx-cfdi-issue-place": "26015"}
    assert doc["customer"]["identities"] == CUSTOMER["identities"]


# --- Its rules (GOBL-MX-CFDI-*), as the module reports them


def rule_faults(doc: dict) -> dict[str, str]:
    _, problems = build_document(doc)
    return {p.path: p.message for p in problems if p.message.startswith("[GOBL-MX-CFDI")}


def test_a_complete_cfdi_invoice_gets_no_fault():
    assert rule_faults(mexican()) == {}


def test_a_mexican_customer_needs_an_address_and_items_an_eight_digit_code():
    customer = {k: v for k, v in CUSTOMER.items() if k != "addresses"}
    doc = mexican(customer=customer)
    doc["lines"][0]["item"]["ext"] = {"mx-cfdi-prod-serv": "5021150"}
    assert rule_faults(doc) == {
        "/customer/addresses": "[GOBL-MX-CFDI-BILL-INVOICE-11] Mexican customer must have at least one address",
        "/lines/0/item/ext": "[GOBL-MX-CFDI-BILL-INVOICE-15] product/service code must have 8 digits",
    }


def test_document_discounts_and_a_preceding_invoice_without_its_sat_uuid_are_refused():
    doc = mexican(type="credit-note", preceding=[{"code": "0009"}])
    doc["discounts"] = [{"percent": "10%", "reason": "Promoción"}]
    assert rule_faults(doc) == {
        "/discounts": "[GOBL-MX-CFDI-BILL-INVOICE-25] document level discounts are not supported, use line discounts instead",
        "/preceding/0/stamps": "[GOBL-MX-CFDI-BILL-INVOICE-17] preceding row is missing 'sat-uuid' stamp",
    }
    doc["preceding"][0]["stamps"] = [
        {"prv": "sat-uuid", "val": "0195ce71-dc9c-72c8-bf2c-9890a4a9f0a2"}
    ]
    del doc["discounts"]
    assert rule_faults(doc) == {}


def test_a_global_invoice_needs_its_period_and_payment():
    found = rule_faults(mexican(**{"$tags": ["global"]}))
    assert found["/tax/ext"].startswith("[GOBL-MX-CFDI-BILL-INVOICE-02] global invoices require")
    assert (
        found["/payment"]
        == "[GOBL-MX-CFDI-BILL-INVOICE-04] payment is required for global invoices"
    )
