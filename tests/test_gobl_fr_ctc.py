# ruff: noqa: E501 -- codes kept whole
"""France's CTC add-ons for flows 2 and 10 (fr-ctc-flow2-v1, fr-ctc-flow10-v1, silo/gobl/ctc.py),
which GOBL v0.502.1 approves but keeps in its own module, invopop/gobl.fr.ctc.

The module's flow 2 and flow 10 examples (examples/*.yaml with GOBL's output in examples/out/) are read
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
FLOW2, FLOW10 = "fr-ctc-flow2-v1", "fr-ctc-flow10-v1"


def git(*args: str) -> str:
    found = subprocess.run(["git", "--git-dir", str(REPO), *args], capture_output=True, text=True)
    return found.stdout if found.returncode == 0 else ""


def example_names() -> list[str]:
    if not REPO.exists() or shutil.which("git") is None:
        return [f"({REPO} is absent)"]
    listed = git("ls-tree", "--name-only", VERSION, "examples/").split()
    names = [Path(n).name for n in listed if n.endswith(".yaml")]
    texts = {n: git("show", f"{VERSION}:examples/{n}") for n in names}
    built_here = [n for n, text in texts.items() if FLOW2 in text or FLOW10 in text]
    return built_here or [f"({REPO} has no flow 2 or 10 examples at {VERSION})"]


def without_endpoints(doc: dict) -> dict:
    for role in ("supplier", "customer"):
        if isinstance(doc.get(role), dict):
            doc[role].pop("endpoints", None)
    return doc


@pytest.mark.parametrize("name", example_names())
def test_each_flow2_and_flow10_example_of_the_module_builds_to_gobls_document(name):
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
