"""Every add-on of GOBL's reference (../shared/reference/gobl/addons/), held to what we build:
its extensions are in our table (silo/gobl/addons.py EXTENSIONS), what it requires comes with
it, each of its scenarios gives its codes to an invoice it matches, and a plain invoice of its
country gets the codes GOBL v0.502.1's normalizers give (written from their Go code and tests).
"""

import json

import pytest
from conftest import SHARED, shared_path

from silo.gobl import build_document
from silo.gobl.addons import CLIENTS, EXTENSIONS, REQUIRES, WORKED_OUT

ADDONS = ("reference", "gobl", "addons")
# A supplier's and a customer's tax code in each country, from GOBL's examples.
TAX_CODES = {
    "AR": ("30712345671", "30987654321"),
    "CO": ("9014514812", "9014514805"),
    "DE": ("111111125", "282741168"),
    "EL": ("177472438", "841442160"),
    "ES": ("B98602642", "54387763P"),
    "FR": ("44732829320", "39356000000"),
    "IT": ("12345678903", "13029381004"),
    "PL": ("9876543210", "1111111111"),
}
COUNTRY = {"eu": "DE", "gr": "EL"}  # an add-on's country where its key does not say it


def addon_names() -> list[str]:
    root = SHARED.joinpath(*ADDONS)
    if not root.exists():
        return ["(../shared is absent)"]
    return sorted(path.stem for path in root.glob("*.json"))


def definition(name: str) -> dict:
    return json.loads(shared_path(*ADDONS, name + ".json").read_text())


def invoice_scenarios(name: str) -> list[dict]:
    sets = definition(name).get("scenarios") or []
    return [s for found in sets if found["schema"] == "bill/invoice" for s in found["list"]]


def scenario_cases() -> list[str]:
    if not SHARED.joinpath(*ADDONS).exists():
        return ["(../shared is absent)#0"]
    return [
        f"{name}#{index}" for name in addon_names() for index in range(len(invoice_scenarios(name)))
    ]


def invoice(addon: str, kind: str = "standard", tags=()) -> dict:
    """A plain invoice of the add-on's country: goods and a discounted service at the general
    rate, to a customer of the same country, paid by credit transfer."""
    country = COUNTRY.get(addon[:2], addon[:2].upper())
    supplier, customer = TAX_CODES[country]
    vat = {"cat": "VAT", "key": "standard", "rate": "general"}
    doc = {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "$addons": [addon],
        "$tags": list(tags),
        "type": kind,
        "series": "A",
        "code": "1",
        "issue_date": "2025-06-02",
        "supplier": {"name": "Supplier", "tax_id": {"country": country, "code": supplier}},
        "customer": {"name": "Customer", "tax_id": {"country": country, "code": customer}},
        "lines": [
            {
                "quantity": "2",
                "item": {"name": "Goods", "key": "goods", "price": "50.00"},
                "taxes": [dict(vat)],
            },
            {
                "quantity": "1",
                "item": {"name": "Service", "key": "services", "price": "100.00"},
                "discounts": [{"key": "sample", "percent": "10%"}],
                "taxes": [dict(vat)],
            },
        ],
        "payment": {"instructions": {"key": "credit-transfer"}},
    }
    if kind != "standard":
        doc["preceding"] = [{"series": "A", "code": "0", "issue_date": "2025-05-02"}]
    return doc


@pytest.mark.parametrize("name", addon_names())
def test_we_know_each_extension_an_add_on_defines(name):
    defined = {e["key"] for e in definition(name).get("extensions") or []}
    assert name in EXTENSIONS, f"{name} is not in our table of add-ons"
    assert WORKED_OUT[name] | CLIENTS[name] == defined
    assert not WORKED_OUT[name] & CLIENTS[name]


@pytest.mark.parametrize("name", addon_names())
def test_an_add_on_comes_with_those_it_requires(name):
    assert REQUIRES.get(name, ()) == tuple(definition(name).get("requires") or ())


@pytest.mark.parametrize("case", scenario_cases())
def test_each_scenario_gives_its_codes_to_an_invoice_it_matches(case):
    name, _, index = case.partition("#")
    scenarios = invoice_scenarios(name)
    scenario = scenarios[int(index)]
    kind = (scenario.get("type") or ["standard"])[0]
    tags = scenario.get("tags") or []
    expected: dict = {}
    for other in scenarios:  # every one that matches, in order: a later code wins
        if (kind in (other.get("type") or [kind])) and set(other.get("tags") or ()) <= set(tags):
            expected |= other.get("ext") or {}  # pl-favat-v2's `codes` never reached a document
    doc, problems = build_document(invoice(name, kind, tags))
    codes = doc.get("tax", {}).get("ext", {})
    assert {key: codes.get(key) for key in expected} == expected


def codes_of(doc: dict) -> dict[str, dict]:
    """Every `ext` of the document but its totals' (copies of the combos'), by JSON pointer."""
    found = {}

    def walk(value, path):
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "ext" and isinstance(inner, dict):
                    found[path + "/ext"] = inner
                elif key != "totals":
                    walk(inner, f"{path}/{key}")
        elif isinstance(value, list):
            for i, inner in enumerate(value):
                walk(inner, f"{path}/{i}")

    walk(doc, "")
    return found


CHORUS_PRO = "fr-choruspro-framework"  # a supplier's invoice (A1) unless given
EN16931 = {
    "/tax/ext": {"untdid-document-type": "380"},
    "/lines/0/taxes/0/ext": {"untdid-tax-category": "S"},
    "/lines/1/discounts/0/ext": {"untdid-allowance": "67"},
    "/lines/1/taxes/0/ext": {"untdid-tax-category": "S"},
    "/payment/instructions/ext": {"untdid-payment-means": "30"},
}
# What GOBL gives the plain invoice of each add-on, read from each normalizer and scenario.
EXPECTED = {
    "ar-arca-v4": {
        "/tax/ext": {"ar-arca-doc-type": "1", "ar-arca-concept": "3"},  # goods and services
        "/customer/ext": {"ar-arca-vat-status": "1"},  # registered for VAT
        "/lines/0/taxes/0/ext": {"ar-arca-vat-rate": "5"},
        "/lines/1/taxes/0/ext": {"ar-arca-vat-rate": "5"},
    },
    "co-dian-v2": {
        "/supplier/ext": {"co-dian-fiscal-responsibility": "R-99-PN"},
        "/customer/ext": {"co-dian-fiscal-responsibility": "R-99-PN"},
    },
    "de-xrechnung-v3": EN16931,
    "de-zugferd-v2": EN16931,
    "es-facturae-v3": {
        "/tax/ext": {"es-facturae-doc-type": "FC", "es-facturae-invoice-class": "OO"},
    },
    "es-sii-v1": {
        "/tax/ext": {"es-sii-doc-type": "F1"},
        "/lines/0/taxes/0/ext": {"es-sii-regime": "01", "es-sii-product": "goods"},
        "/lines/1/taxes/0/ext": {"es-sii-regime": "01", "es-sii-product": "services"},
    },
    "es-tbai-v1": {
        "/lines/0/taxes/0/ext": {"es-tbai-regime": "01", "es-tbai-product": "goods"},
        "/lines/1/taxes/0/ext": {"es-tbai-regime": "01", "es-tbai-product": "services"},
    },
    "es-verifactu-v1": {
        "/tax/ext": {"es-verifactu-doc-type": "F1"},
        "/lines/0/taxes/0/ext": {"es-verifactu-regime": "01", "es-verifactu-op-class": "S1"},
        "/lines/1/taxes/0/ext": {"es-verifactu-regime": "01", "es-verifactu-op-class": "S1"},
    },
    "eu-en16931-v2017": EN16931,
    "fr-choruspro-v1": EN16931 | {"/tax/ext": {**EN16931["/tax/ext"], CHORUS_PRO: "A1"}},
    "fr-facturx-v1": EN16931,
    "gr-mydata-v1": {
        "/tax/ext": {"gr-mydata-invoice-type": "2.1"},
        "/lines/0/taxes/0/ext": {"gr-mydata-vat-rate": "1"},
        "/lines/1/taxes/0/ext": {"gr-mydata-vat-rate": "1"},
        "/payment/instructions/ext": {"gr-mydata-payment-means": "1"},
    },
    "it-sdi-v1": {
        "/tax/ext": {"it-sdi-format": "FPR12", "it-sdi-document-type": "TD01"},
        "/supplier/ext": {"it-sdi-fiscal-regime": "RF01"},
        "/payment/instructions/ext": {"it-sdi-payment-means": "MP05"},
    },
    "it-ticket-v1": {
        "/lines/0/item/ext": {"it-ticket-product": "services"},  # whatever the item's key
        "/lines/1/item/ext": {"it-ticket-product": "services"},
    },
    "pl-favat-v2": {},  # no longer registered by GOBL: nothing
    "pl-favat-v3": {
        "/tax/ext": {"pl-favat-invoice-type": "VAT"},
        "/lines/0/taxes/0/ext": {"pl-favat-tax-category": "1"},
        "/lines/1/taxes/0/ext": {"pl-favat-tax-category": "1"},
        "/payment/instructions/ext": {"pl-favat-payment-means": "6"},
    },
}


def test_every_add_on_of_the_reference_has_its_codes_written_down():
    shared_path(*ADDONS)  # skips, saying so, without ../shared
    assert sorted(EXPECTED) == addon_names()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_plain_invoice_of_the_add_ons_country_gets_the_codes_gobl_gives(name):
    doc, problems = build_document(invoice(name))
    assert codes_of(doc) == EXPECTED[name]
    # GOBL's rules for the add-on ask for more than a plain invoice has (addresses, notes…);
    # they are tests/test_gobl_rules.py's. Nothing else may be wrong with it.
    assert [(p.path, p.message) for p in problems if not p.message.startswith("[GOBL-")] == []
