# ruff: noqa: E501 -- codes kept whole
"""France's CTC add-ons for flows 2, 6 and 10 (fr-ctc-flow2-v1, -flow6-v1, -flow10-v1,
silo/gobl/ctc.py), which GOBL v0.502.1 approves but keeps in its own module, invopop/gobl.fr.ctc.

The module's examples (invoices, payments, a status) (examples/*.yaml with GOBL's output in examples/out/) are read
from a local copy of that repository (FR_CTC_REPO, else the fetch mirror) and must build here
to GOBL's document; without the copy they skip, saying so. Its latest version, v0.0.3, was
built with a GOBL v0.403 pre-release whose parties had no `endpoints`: its examples still
write them the old way (`code`), which that GOBL dropped as unknown. So they are removed from
the input, and the Peppol endpoint EN 16931 derives in v0.502.1 from the SIREN inbox is left
out of the comparison (and so is the digest). The tests after them need nothing."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from test_gobl_conformance import as_gobl_reads_yaml

from silo.gobl import build_document, build_envelope

REPO = Path(os.environ.get("FR_CTC_REPO", "/work/.mirror/invopop+gobl.fr.ctc/repo"))
VERSION = "v0.0.3"
FLOW2, FLOW6, FLOW10 = "fr-ctc-flow2-v1", "fr-ctc-flow6-v1", "fr-ctc-flow10-v1"


def git(*args: str) -> str:
    found = subprocess.run(["git", "--git-dir", str(REPO), *args], capture_output=True, text=True)
    return found.stdout if found.returncode == 0 else ""


def example_names() -> list[str]:
    if not REPO.exists() or shutil.which("git") is None:
        return [f"({REPO} is absent)"]
    listed = git("ls-tree", "--name-only", VERSION, "examples/").split()
    names = [Path(n).name for n in listed if n.endswith(".yaml")]
    return names or [f"({REPO} has no examples at {VERSION})"]


def without_endpoints(doc: dict) -> dict:
    for role in ("supplier", "customer"):
        if isinstance(doc.get(role), dict):
            doc[role].pop("endpoints", None)
    return doc


@pytest.mark.parametrize("name", example_names())
def test_each_example_of_the_module_builds_to_gobls_document(name):
    if name.startswith("("):
        pytest.skip(f"{name}: the fr-ctc module's examples cannot be compared")
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the examples")
    given = as_gobl_reads_yaml(yaml.safe_load(git("show", f"{VERSION}:examples/{name}")))
    expected = json.loads(git("show", f"{VERSION}:examples/out/{Path(name).stem}.json"))
    envelope, problems = build_envelope(without_endpoints(given))
    assert problems == []
    assert without_endpoints(envelope["doc"]) == expected["doc"]


# --- What the add-on does, case by case


def french(**fields) -> dict:
    return {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "$addons": [FLOW2],
        "currency": "EUR",
        "issue_date": "2024-06-13",
        "series": "FAC",
        "code": "2024-00001",
        "supplier": {
            "name": "Fournisseur Example SARL",
            "tax_id": {"country": "FR", "code": "732829320"},
            "identities": [{"type": "SIRET", "code": "73282932000074"}],
            "inboxes": [{"scheme": "0225", "code": "732829320"}],
        },
        "customer": {"name": "Client SAS", "tax_id": {"country": "FR", "code": "356000000"}},
        "lines": [
            {
                "quantity": "1",
                "item": {"name": "Conseil", "price": "100.00"},
                "taxes": [{"cat": "VAT", "rate": "general"}],
            }
        ],
    } | fields


def built(doc: dict) -> dict:
    result, problems = build_document(doc)
    assert [p for p in problems if not p.message.startswith("[GOBL-")] == []
    return result


def test_an_invoice_gets_en16931_its_billing_mode_currency_rounding_and_the_payment_mentions():
    doc = built(french())
    assert doc["$addons"] == ["eu-en16931-v2017", FLOW2]
    assert doc["tax"]["rounding"] == "currency"
    assert doc["tax"]["ext"] == {"untdid-document-type": "380", "fr-ctc-billing-mode": "M1"}
    assert [n["ext"]["untdid-text-subject"] for n in doc["notes"]] == ["PMT", "PMD", "AAB"]


def test_french_parties_get_their_siren_as_legal_identity_and_a_siren_inbox_is_peppol():
    doc = built(french())
    supplier, customer = doc["supplier"], doc["customer"]
    assert supplier["identities"] == [
        {"type": "SIRET", "code": "73282932000074", "ext": {"iso-scheme-id": "0009"}},
        {"type": "SIREN", "code": "732829320", "scope": "legal", "ext": {"iso-scheme-id": "0002"}},
    ]
    assert customer["identities"] == [
        {"type": "SIREN", "code": "356000000", "scope": "legal", "ext": {"iso-scheme-id": "0002"}}
    ]
    assert supplier["inboxes"][0]["key"] == "peppol"


def test_a_self_billed_factored_credit_note_is_a_502_and_a_paid_invoice_is_billed_m2():
    preceding = [{"code": "2024-00000", "issue_date": "2024-06-01"}]
    doc = french(type="credit-note", preceding=preceding, **{"$tags": ["self-billed", "factoring"]})
    assert built(doc)["tax"]["ext"]["untdid-document-type"] == "502"
    paid = french(payment={"advances": [{"description": "Payé", "percent": "100%"}]})
    assert built(paid)["tax"]["ext"]["fr-ctc-billing-mode"] == "M2"


def test_mentions_already_given_are_not_repeated():
    notes = [
        {"key": "payment", "text": "Paiement à 30 jours.", "ext": {"untdid-text-subject": "PMT"}}
    ]
    doc = built(french(notes=notes))
    assert [n["text"] for n in doc["notes"]][0] == "Paiement à 30 jours."
    assert [n["ext"]["untdid-text-subject"] for n in doc["notes"]] == ["PMT", "PMD", "AAB"]


def test_a_b2c_sale_reported_in_flow10_gets_its_category_and_en16931s_tax_codes():
    doc = french(**{"$addons": [FLOW10]})
    del doc["customer"]
    result = built(doc)
    assert result["$addons"] == [FLOW10]  # flow 10 does not require EN 16931
    assert result["tax"]["ext"] == {
        "untdid-document-type": "380",
        "fr-ctc-flow10-b2c-category": "TNT1",
    }
    assert result["lines"][0]["taxes"][0]["ext"] == {"untdid-tax-category": "S"}
    assert "notes" not in result


def test_a_cross_border_sale_in_flow10_gives_the_eu_customer_its_vat_number_as_identity():
    customer = {"name": "Kunde GmbH", "tax_id": {"country": "DE", "code": "111111125"}}
    result = built(french(customer=customer, **{"$addons": [FLOW10]}))
    assert result["customer"]["identities"] == [
        {"code": "DE111111125", "scope": "legal", "ext": {"iso-scheme-id": "0223"}}
    ]
    assert result["tax"]["ext"]["fr-ctc-billing-mode"] == "M1"


PAYMENT = "https://gobl.org/draft-0/bill/payment"
STATUS = "https://gobl.org/draft-0/bill/status"
SELLER = {"name": "Vendeur SARL", "tax_id": {"country": "FR", "code": "732829320"}}
BUYER = {"name": "Acheteur SARL", "tax_id": {"country": "FR", "code": "356000000"}}


def test_a_payment_advice_in_flow6_is_status_211_sent_by_the_buyer():
    payment = {
        "$schema": PAYMENT,
        "$addons": [FLOW6],
        "type": "advice",
        "code": "P-1",
        "issue_date": "2026-04-16",
        "supplier": BUYER,  # an advice comes from the one who pays
        "customer": SELLER,
        "lines": [{"document": {"code": "2026-00042"}, "amount": "100.00"}],
        "methods": [{"key": "credit-transfer", "amount": "100.00"}],
        "ext": {"fr-ctc-flow6-condition": "RAP"},
    }
    result = built(payment)
    assert result["ext"] == {"fr-ctc-flow6-status": "211", "fr-ctc-flow6-condition": "RAP"}
    assert result["supplier"]["ext"] == {"fr-ctc-flow6-role": "BY"}
    assert result["customer"]["ext"] == {"fr-ctc-flow6-role": "SE"}


@pytest.mark.parametrize(
    ("given", "kind", "key", "code"),
    [
        ({"key": "rejected"}, "response", "rejected", "210"),
        ({"key": "rejected", "ext": {"fr-ctc-flow6-status": "207"}}, "response", "rejected", "207"),
        ({"ext": {"fr-ctc-flow6-status": "204"}}, "response", "processing", "204"),
        ({"key": "issued"}, "update", "issued", "200"),
    ],
)
def test_a_status_lines_cdv_code_follows_its_key_and_type(given, kind, key, code):
    status = {
        "$schema": STATUS,
        "$addons": [FLOW6],
        "code": "STA-1",
        "issue_date": "2026-04-16",
        "supplier": SELLER,
        "customer": BUYER,
        "lines": [given | {"doc": {"code": "2026-00042"}}],
    }
    result = built(status)
    line = result["lines"][0]
    assert (result["type"], line["key"], line["ext"]) == (kind, key, {"fr-ctc-flow6-status": code})
    assert result["customer"]["ext"] == {"fr-ctc-flow6-role": "BY"}


def test_a_rejections_reasons_and_actions_get_their_cdar_codes_or_keys_from_them():
    line = {
        "key": "rejected",
        "doc": {"code": "2026-00042"},
        "reasons": [
            {"key": "prices", "ext": {"fr-ctc-flow6-reason": "CALCUL_ERR"}},
            {"ext": {"fr-ctc-flow6-reason": "QTE_ERR"}},  # the key from the code
        ],
        "actions": [{"key": "credit-full"}],
    }
    status = {
        "$schema": STATUS,
        "$addons": [FLOW6],
        "type": "response",
        "code": "STA-2",
        "issue_date": "2026-04-16",
        "supplier": SELLER,
        "customer": BUYER,
        "lines": [line],
    }
    built_line = built(status)["lines"][0]
    assert [(r["key"], r["ext"]) for r in built_line["reasons"]] == [
        ("prices", {"fr-ctc-flow6-reason": "CALCUL_ERR", "fr-ctc-flow6-condition": "DIV"}),
        ("quantity", {"fr-ctc-flow6-reason": "QTE_ERR", "fr-ctc-flow6-condition": "DIV"}),
    ]
    assert built_line["actions"][0]["ext"] == {"fr-ctc-flow6-action": "CNF"}
    assert built_line["ext"] == {"fr-ctc-flow6-status": "210"}


# --- Flow 10's rules (GOBL-FR-CTC-FLOW10-*), as the module reports them


def rule_faults(doc: dict) -> dict[str, str]:
    _, problems = build_document(doc)
    return {p.path: p.message for p in problems if "FR-CTC" in p.message}


def test_a_b2c_sale_at_a_rate_france_does_not_have_is_refused_in_flow10():
    doc = french(**{"$addons": [FLOW10]})
    del doc["customer"]
    assert rule_faults(doc) == {}
    doc["lines"][0]["taxes"] = [{"cat": "VAT", "percent": "21%"}]
    found = rule_faults(doc)
    assert list(found) == [""]
    assert found[""].startswith("[GOBL-FR-CTC-FLOW10-BILL-INVOICE-07] invoice VAT line percent")


def test_a_customer_outside_the_eu_needs_a_legal_identity_of_an_allowed_scheme():
    customer = {"name": "Customer Inc", "tax_id": {"country": "US"}}
    found = rule_faults(french(customer=customer, **{"$addons": [FLOW10]}))
    assert found == {
        "/customer": "[GOBL-FR-CTC-FLOW10-BILL-INVOICE-17] invoice customer must declare a legal identity with an allowed ICD 6523 scheme (0002, 0223, 0227, 0228 or 0229) (G2.19)"
    }
    customer["identities"] = [
        {"code": "US-123", "scope": "legal", "ext": {"iso-scheme-id": "0227"}}
    ]
    assert rule_faults(french(customer=customer, **{"$addons": [FLOW10]})) == {}


def test_only_a_settled_receipt_is_reported_in_flow10():
    payment = {
        "$schema": PAYMENT,
        "$addons": [FLOW10],
        "type": "advice",
        "code": "P-2",
        "issue_date": "2026-04-16",
        "supplier": SELLER,
        "lines": [{"amount": "100.00"}],
        "methods": [{"key": "credit-transfer", "amount": "100.00"}],
    }
    assert rule_faults(payment) == {
        "/type": "[GOBL-FR-CTC-FLOW10-BILL-PAYMENT-01] payment type must be 'receipt' for Flow 10 reporting",
        "/value_date": "[GOBL-FR-CTC-FLOW10-BILL-PAYMENT-02] payment value_date (settlement date) is required",
    }
