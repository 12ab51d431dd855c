"""What GOBL's add-ons and scenarios add to an invoice: the codes (`ext`) of its taxes, of
the document itself, its parties, notes, payment and items, the keys the formats' codes stand
for, and the regimes' legal notes (silo/gobl/addons.py, scenarios.py, parties.py)."""

import pytest
from test_gobl_build import fixture

from silo.gobl import build_document


def built(doc: dict) -> dict:
    """The document built, refused by nothing but GOBL's rules: these fixtures are the least
    invoice that shows a code, and the add-ons' rules ask more of a real one (a series,
    addresses, a document type); test_gobl_rules.py is where those rules are tested."""
    result, problems = build_document(doc)
    assert [p for p in problems if not p.message.startswith("[GOBL-")] == []
    return result


def italian(addon: str, *taxes: dict) -> list[dict]:
    """The taxes of each line of an Italian invoice with the add-on, once built."""
    doc = fixture("gb-it-minimal.json")["it"] | {"$addons": [addon]}
    doc["lines"] = [{**doc["lines"][0], "taxes": [combo]} for combo in taxes]
    return [line["taxes"][0] for line in built(doc)["lines"]]


def test_fatturapa_exemption_codes_decide_the_key_and_keys_get_a_code():
    assert italian(
        "it-sdi-v1",
        {"cat": "VAT", "rate": "exempt", "ext": {"it-sdi-nature": "N6.2"}},  # as once written
        {"cat": "VAT", "ext": {"it-sdi-exempt": "N1"}},
        {"cat": "VAT", "key": "export"},
        {"cat": "VAT", "country": "FR", "rate": "general"},
        {"cat": "VAT", "country": "GB", "rate": "general"},
    ) == [
        {"cat": "VAT", "key": "reverse-charge", "ext": {"it-sdi-exempt": "N6.2"}},
        {"cat": "VAT", "key": "zero", "percent": "0%", "ext": {"it-sdi-exempt": "N1"}},
        {"cat": "VAT", "key": "export", "ext": {"it-sdi-exempt": "N3.1"}},
        {
            "cat": "VAT",
            "country": "FR",
            "key": "standard",
            "rate": "general",
            "percent": "20%",
            "ext": {"it-sdi-exempt": "N7"},
        },
        {
            "cat": "VAT",
            "country": "GB",
            "key": "standard",
            "rate": "general",
            "percent": "20.0%",
            "ext": {"it-sdi-exempt": "N2.1"},
        },
    ]


def test_receipt_exemption_codes_decide_the_key():
    assert italian(
        "it-ticket-v1",
        {"cat": "VAT", "ext": {"it-ticket-exempt": "N3"}},
        {"cat": "VAT", "key": "exempt"},
        {"cat": "VAT", "rate": "general", "ext": {"it-ticket-exempt": "N4"}},  # the code wins
        {"cat": "VAT", "rate": "general"},
    ) == [
        {"cat": "VAT", "key": "export", "ext": {"it-ticket-exempt": "N3"}},
        {"cat": "VAT", "key": "exempt", "ext": {"it-ticket-exempt": "N4"}},
        {"cat": "VAT", "key": "exempt", "ext": {"it-ticket-exempt": "N4"}},
        {"cat": "VAT", "key": "standard", "rate": "general", "percent": "22.0%"},
    ]


def spanish(addon: str, *taxes: dict, item_key: str = "") -> list[dict]:
    doc = fixture("es-freelance.json") | {"$addons": [addon]}
    line = {"quantity": "1", "item": {"name": "Servicio", "price": "100.00"}}
    if item_key:
        line["item"]["key"] = item_key
    doc["lines"] = [{**line, "taxes": [combo]} for combo in taxes]
    return [line["taxes"][0].get("ext") for line in built(doc)["lines"]]


def test_verifactu_gives_each_vat_combo_its_regime_and_operation_class_or_exemption():
    assert spanish(
        "es-verifactu-v1",
        {"cat": "VAT", "rate": "general"},
        {"cat": "VAT", "rate": "general+eqs"},
        {"cat": "VAT", "key": "outside-scope"},
        {"cat": "VAT", "key": "export"},
        {"cat": "VAT", "ext": {"es-verifactu-exempt": "E6"}},  # a key from the code
        {"cat": "VAT", "country": "FR", "rate": "general"},
    ) == [
        {"es-verifactu-regime": "01", "es-verifactu-op-class": "S1"},
        {"es-verifactu-regime": "01", "es-verifactu-op-class": "S1"},
        {"es-verifactu-regime": "01", "es-verifactu-op-class": "N2"},
        {"es-verifactu-regime": "02", "es-verifactu-exempt": "E2"},
        {"es-verifactu-regime": "01", "es-verifactu-exempt": "E6"},
        {"es-verifactu-regime": "01", "es-verifactu-op-class": "N2"},
    ]


def test_a_verifactu_combo_given_with_its_surcharge_is_in_the_equivalence_regime():
    # As in GOBL, only a surcharge written in the combo counts: one that a rate brings is
    # known after the add-on has given the combo its regime.
    assert spanish(
        "es-verifactu-v1",
        {"cat": "VAT", "rate": "general", "percent": "21.0%", "surcharge": "5.2%"},
    ) == [{"es-verifactu-regime": "18", "es-verifactu-op-class": "S1"}]


def test_sii_reports_goods_or_services_and_why_no_vat_is_charged():
    assert spanish(
        "es-sii-v1",
        {"cat": "VAT", "rate": "general"},
        {"cat": "VAT", "key": "outside-scope"},
        {"cat": "VAT", "key": "intra-community"},
        item_key="services",
    ) == [
        {"es-sii-regime": "01", "es-sii-product": "services"},
        {"es-sii-regime": "01", "es-sii-outside-scope": "location", "es-sii-product": "services"},
        {"es-sii-regime": "01", "es-sii-exempt": "E5", "es-sii-product": "services"},
    ]


def test_ticketbai_says_why_no_vat_is_charged_and_assumes_services():
    assert spanish(
        "es-tbai-v1",
        {"cat": "VAT", "rate": "general"},
        {"cat": "VAT", "rate": "general+eqs"},
        {"cat": "VAT", "key": "reverse-charge"},
        {"cat": "VAT", "ext": {"es-tbai-exemption": "OT"}},  # a key from the code
        {"cat": "VAT", "country": "PT", "rate": "general"},
        {"cat": "IGIC", "rate": "general"},
    ) == [
        {"es-tbai-regime": "01", "es-tbai-product": "services"},
        {"es-tbai-regime": "51", "es-tbai-product": "services"},
        {"es-tbai-regime": "01", "es-tbai-exemption": "S2", "es-tbai-product": "services"},
        {"es-tbai-regime": "01", "es-tbai-exemption": "OT", "es-tbai-product": "services"},
        {"es-tbai-regime": "01", "es-tbai-exemption": "IE", "es-tbai-product": "services"},
        {"es-tbai-regime": "08", "es-tbai-exemption": "IE"},
    ]


def test_en16931_gives_each_tax_its_untdid_category_and_comes_with_the_formats_built_on_it():
    doc = fixture("es-freelance.json") | {"$addons": ["fr-facturx-v1"]}
    line = {"quantity": "1", "item": {"name": "Servicio", "price": "100.00"}}
    taxes = [
        {"cat": "VAT", "rate": "general"},
        {"cat": "VAT", "ext": {"untdid-tax-category": "AE"}},  # a key from the code
        {"cat": "IGIC", "rate": "general"},
    ]
    doc["lines"] = [{**line, "taxes": [combo]} for combo in taxes]
    doc = built(doc)
    assert doc["$addons"] == ["eu-en16931-v2017", "fr-facturx-v1"]
    assert [(t.get("key"), t["ext"]) for line in doc["lines"] for t in line["taxes"]] == [
        ("standard", {"untdid-tax-category": "S"}),
        ("reverse-charge", {"untdid-tax-category": "AE"}),
        ("standard", {"untdid-tax-category": "L"}),
    ]


def invoice_of(country: str, addon: str, *taxes: dict) -> list[dict]:
    """The ext of each line's first tax, an invoice of a supplier in `country` with `addon`."""
    line = {"quantity": "1", "item": {"name": "Service", "price": "100.00"}}
    doc = {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "$addons": [addon],
        "issue_date": "2025-01-15",
        "supplier": {"name": "Supplier", "tax_id": {"country": country}},
        "lines": [{**line, "taxes": [combo]} for combo in taxes],
    }
    return [line["taxes"][0].get("ext") for line in built(doc)["lines"]]


def test_ksef_gives_each_combo_its_tax_category():
    assert invoice_of(
        "PL",
        "pl-favat-v3",
        {"cat": "VAT", "key": "standard", "rate": "reduced"},
        {"cat": "VAT", "key": "export"},
        {"cat": "VAT", "country": "DE", "rate": "general"},
        {"cat": "VAT", "rate": "general"},  # no key yet when GOBL's add-on looks: no code
    ) == [
        {"pl-favat-tax-category": "2"},
        {"pl-favat-tax-category": "6.3"},
        {"pl-favat-tax-category": "8"},
        None,
    ]


def test_mydata_gives_each_vat_combo_its_rate_category_or_exemption():
    assert invoice_of(
        "EL",
        "gr-mydata-v1",
        {"cat": "VAT", "rate": "reduced+island"},
        {"cat": "VAT", "key": "intra-community"},
        {"cat": "VAT", "ext": {"gr-mydata-exemption": "28"}},  # an export, from its code
        {"cat": "VAT", "country": "DE", "rate": "general"},
    ) == [
        {"gr-mydata-vat-rate": "5"},
        {"gr-mydata-exemption": "14", "gr-mydata-vat-rate": "7"},
        {"gr-mydata-exemption": "28", "gr-mydata-vat-rate": "7"},
        {"gr-mydata-exemption": "30", "gr-mydata-vat-rate": "7"},
    ]


def test_arca_gives_each_combo_its_vat_rate_code():
    assert invoice_of(
        "AR",
        "ar-arca-v4",
        {"cat": "VAT", "rate": "increased"},
        {"cat": "VAT", "key": "zero"},
        {"cat": "VAT", "key": "exempt"},
    ) == [{"ar-arca-vat-rate": "6"}, {"ar-arca-vat-rate": "3"}, None]


def test_inboxes_keep_e_mail_addresses_urls_and_peppol_schemes_apart():
    doc = fixture("es-freelance.json")
    doc["customer"] = {
        "name": "Cliente",
        "inboxes": [
            {"key": "peppol", "code": "0208:0735585741"},
            {"code": "facturas@example.com"},
            {"code": "https://example.com/inbox"},
        ],
    }
    assert built(doc)["customer"]["inboxes"] == [
        {"key": "peppol", "scheme": "0208", "code": "0735585741"},
        {"email": "facturas@example.com"},
        {"url": "https://example.com/inbox"},
    ]
    doc["$addons"] = ["eu-en16931-v2017"]
    doc = built(doc)
    assert doc["customer"]["endpoints"] == [{"uri": "iso6523-actorid-upis::0208:0735585741"}]
    units = [line["item"]["unit"] for line in doc["lines"]]
    assert units == ["h", "one"]  # a unit kept; "one" where none was given (EN 16931 BR-23)


def test_an_italian_individuals_fiscal_code_is_an_identity_and_caps_have_five_digits():
    doc = fixture("gb-it-minimal.json")["it"] | {"$addons": ["it-sdi-v1"]}
    doc["customer"] = {
        "name": "Mario Rossi",
        "tax_id": {"country": "IT", "type": "individual", "code": "rss mra 80a01 h501u"},
        "addresses": [{"street": "Via Roma", "code": "100", "country": "IT"}],
    }
    customer = built(doc)["customer"]
    assert customer["tax_id"] == {"country": "IT"}
    assert customer["identities"] == [{"key": "it-fiscal-code", "code": "RSSMRA80A01H501U"}]
    assert customer["addresses"][0]["code"] == "00100"


@pytest.mark.parametrize(
    "addons, kind, tags, codes",
    [
        (["es-verifactu-v1"], "standard", [], {"es-verifactu-doc-type": "F1"}),
        (["es-verifactu-v1"], "standard", ["simplified"], {"es-verifactu-doc-type": "F2"}),
        (
            ["es-verifactu-v1"],
            "credit-note",
            [],
            {"es-verifactu-correction-type": "I", "es-verifactu-doc-type": "R1"},
        ),
        (
            ["es-sii-v1"],
            "standard",
            ["self-billed"],
            {"es-sii-third-party-issuer": "S", "es-sii-doc-type": "F1"},
        ),
        (["fr-facturx-v1"], "credit-note", [], {"untdid-document-type": "381"}),
        (
            ["it-sdi-v1"],
            "standard",
            ["freelance"],
            {"it-sdi-format": "FPR12", "it-sdi-document-type": "TD06"},
        ),
    ],
)
def test_add_ons_give_the_document_its_codes_from_its_type_and_tags(addons, kind, tags, codes):
    doc = fixture("es-freelance.json") | {"$addons": addons, "type": kind, "$tags": tags}
    if kind == "credit-note":
        doc["preceding"] = [{"code": "F-1", "issue_date": "2024-12-01"}]
    assert built(doc)["tax"]["ext"] == codes


def test_ticketbai_reports_to_the_province_of_the_suppliers_address():
    doc = fixture("es-freelance.json") | {"$addons": ["es-tbai-v1"], "$tags": ["simplified"]}
    doc["supplier"]["addresses"] = [{"locality": "Bilbao", "region": "Vizcaya", "country": "ES"}]
    assert built(doc)["tax"]["ext"] == {"es-tbai-region": "BI", "es-tbai-simplified": "S"}


def test_a_regime_adds_the_legal_note_of_a_tag_once():
    doc = fixture("es-freelance.json") | {"$tags": ["reverse-charge", "self-billed"]}
    notes = built(built(doc))["tax"]["notes"]  # built again: no second copy
    assert notes == [
        {
            "cat": "VAT",
            "key": "reverse-charge",
            "text": "Reverse Charge / Inversión del sujeto pasivo.",
        },
        {"key": "self-billed", "text": "Facturación por el destinatario."},
    ]
    doc["lines"] = [{**line, "taxes": [{"cat": "IRPF", "rate": "pro"}]} for line in doc["lines"]]
    assert [n["key"] for n in built(doc)["tax"]["notes"]] == ["self-billed"]  # no VAT here


def test_add_ons_code_the_means_of_payment():
    doc = fixture("us-sales-tax.json") | {"$addons": ["eu-en16931-v2017", "it-sdi-v1"]}
    doc["supplier"]["tax_id"] = {"country": "IT", "code": "12345670017"}
    doc["lines"] = fixture("gb-it-minimal.json")["it"]["lines"][:1]
    doc["payment"]["instructions"] = {"key": "credit-transfer+sepa"}
    doc["payment"]["advances"][0]["key"] = "card"
    payment = built(doc)["payment"]
    assert payment["instructions"]["ext"] == {
        "untdid-payment-means": "58",
        "it-sdi-payment-means": "MP05",  # SDI has no SEPA transfer: a credit transfer's code
    }
    assert payment["advances"][0]["ext"] == {"it-sdi-payment-means": "MP08"}  # EN 16931 none


def test_add_ons_code_the_parties():
    doc = fixture("gb-it-minimal.json")["it"] | {"$addons": ["it-sdi-v1"]}
    doc["supplier"]["telephones"] = [{"num": "+39055123456"}]
    supplier = built(doc)["supplier"]
    assert supplier["ext"] == {"it-sdi-fiscal-regime": "RF01"}  # the ordinary regime
    assert supplier["telephones"] == [{"num": "055123456"}]  # SDI wants no +39

    doc = fixture("es-freelance.json") | {"$addons": ["fr-choruspro-v1"]}
    doc["customer"] = {"name": "Kunde", "tax_id": {"country": "DE", "code": "111111125"}}
    assert built(doc)["customer"]["ext"] == {"fr-choruspro-scheme": "2"}  # an EU VAT number


@pytest.mark.parametrize(
    "customer, status",
    [
        (None, "5"),  # no tax id: a final consumer
        ({"country": "AR", "code": "30714589840"}, "1"),
        ({"country": "UY", "code": "211234560018"}, "9"),
    ],
)
def test_arca_gives_the_customer_a_vat_status(customer, status):
    doc = {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "$addons": ["ar-arca-v4"],
        "issue_date": "2025-01-15",
        "supplier": {"name": "Proveedor", "tax_id": {"country": "AR", "code": "30714589840"}},
        "customer": {"name": "Cliente"} | ({"tax_id": customer} if customer else {}),
        "lines": [
            {
                "quantity": "1",
                "item": {"name": "Servicio", "price": "100.00"},
                "taxes": [{"cat": "VAT", "rate": "general"}],
            }
        ],
    }
    doc = built(doc)
    assert doc["customer"]["ext"] == {"ar-arca-vat-status": status}
    letter_a = status == "1"  # to a customer registered for VAT; B to the others
    assert doc["tax"]["ext"] == {
        "ar-arca-doc-type": "1" if letter_a else "6",
        "ar-arca-concept": "2",
    }


def test_chorus_pro_rounds_quantities_and_codes_the_framework():
    doc = fixture("es-freelance.json") | {"$addons": ["fr-choruspro-v1"]}
    doc["lines"][0]["quantity"] = "1.23456"
    doc = built(doc)
    assert doc["lines"][0]["quantity"] == "1.2346"  # four decimals at most, before the sums
    assert doc["tax"]["ext"]["fr-choruspro-framework"] == "A1"


def test_ksef_marks_self_billed_and_reverse_charged_invoices():
    doc = fixture("es-freelance.json") | {"$addons": ["pl-favat-v3"]}
    doc["$tags"] = ["self-billed", "reverse-charge"]
    ext = built(doc)["tax"]["ext"]
    assert (ext["pl-favat-self-billing"], ext["pl-favat-reverse-charge"]) == ("1", "1")


def test_en16931_codes_identities_and_notes():
    doc = fixture("es-freelance.json") | {"$addons": ["eu-en16931-v2017"]}
    doc["$tags"] = ["reverse-charge"]
    doc["customer"] = {
        "name": "Client",
        "identities": [{"type": "SIRET", "code": "35600000000048"}],
    }
    doc["notes"] = [{"key": "general", "text": "Merci"}]
    doc = built(doc)
    assert doc["customer"]["identities"][0]["ext"] == {"iso-scheme-id": "0009"}
    assert doc["notes"][0]["ext"] == {"untdid-text-subject": "AAI"}
    assert doc["tax"]["notes"][0]["ext"] == {"untdid-tax-category": "AE"}  # the regime's note


def test_mydata_reports_a_charges_tax_type():
    doc = fixture("rounding.json") | {"$addons": ["gr-mydata-v1"]}
    doc["supplier"]["tax_id"] = {"country": "EL", "code": "094014201"}
    doc["lines"] = [{**line, "taxes": [{"cat": "VAT", "rate": "general"}]} for line in doc["lines"]]
    doc["charges"] = [
        {"key": "stamp-duty", "amount": "1.20"},
        {"amount": "0.50", "ext": {"gr-mydata-fee": "1"}},
    ]
    charges = built(doc)["charges"]
    assert [c["ext"]["gr-mydata-tax-type"] for c in charges] == ["4", "2"]


def test_receipts_items_are_services_and_foreign_customers_identities_coded():
    doc = fixture("gb-it-minimal.json")["it"] | {"$addons": ["it-ticket-v1"]}
    assert {line["item"]["ext"]["it-ticket-product"] for line in built(doc)["lines"]} == {
        "services"  # unless an item says goods
    }
    doc = fixture("es-freelance.json") | {"$addons": ["es-verifactu-v1"]}
    doc["customer"] = {"name": "Guest", "identities": [{"key": "passport", "code": "X1234567"}]}
    identity = built(doc)["customer"]["identities"][0]
    assert identity["ext"] == {"es-verifactu-identity-type": "03"}


def test_dian_gives_colombian_parties_a_fiscal_responsibility_unless_given():
    doc = invoice_with("CO", "co-dian-v2", customer={"country": "CO", "code": "9014514805"})
    doc["customer"]["ext"] = {"co-dian-fiscal-responsibility": "O-47"}
    doc = built(doc)
    assert doc["supplier"]["ext"] == {"co-dian-fiscal-responsibility": "R-99-PN"}
    assert doc["customer"]["ext"] == {"co-dian-fiscal-responsibility": "O-47"}

    doc = built(invoice_with("CO", "co-dian-v2", customer={"country": "ES"}))
    assert "ext" not in doc["customer"]  # not Colombian: nothing to say


def invoice_with(country: str, addon: str, customer: dict | None = None) -> dict:
    """An invoice of one service line from a supplier in `country`, with `addon`."""
    codes = {"CO": "9014514812", "IT": "12345670017", "ES": "B98602642"}
    doc = {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "$addons": [addon],
        "issue_date": "2025-01-15",
        "supplier": {"name": "Supplier", "tax_id": {"country": country, "code": codes[country]}},
        "lines": [
            {
                "quantity": "1",
                "item": {"name": "Service", "price": "122.00"},
                "taxes": [{"cat": "VAT", "rate": "general"}],
            }
        ],
    }
    if customer is not None:
        doc["customer"] = {"name": "Customer", "tax_id": customer}
    return doc


def test_en16931_codes_discounts_and_charges_by_key():
    doc = invoice_with("ES", "eu-en16931-v2017")
    doc["lines"][0]["discounts"] = [{"key": "sample", "percent": "10%"}]
    doc["lines"][0]["charges"] = [{"key": "handling", "amount": "1.00"}]
    vat = [{"cat": "VAT", "rate": "general"}]
    doc["discounts"] = [{"key": "early-completion", "percent": "2%", "taxes": vat}]
    doc["charges"] = [
        {"key": "delivery", "amount": "5.00", "taxes": vat},
        {"key": "other", "reason": "Gift wrap", "amount": "1.00", "taxes": vat},  # no code
    ]
    doc = built(doc)
    assert doc["lines"][0]["discounts"][0]["ext"] == {"untdid-allowance": "67"}
    assert doc["lines"][0]["charges"][0]["ext"] == {"untdid-charge": "HD"}
    assert doc["discounts"][0]["ext"] == {"untdid-allowance": "41"}
    assert [c.get("ext") for c in doc["charges"]] == [{"untdid-charge": "DL"}, None]


def test_a_refined_means_of_payment_takes_the_code_of_the_means_it_refines():
    doc = invoice_with("IT", "it-sdi-v1")
    doc["$addons"].append("eu-en16931-v2017")
    doc["payment"] = {"instructions": {"key": "direct-debit+sepa-b2b"}}
    # SDI has a code of its own for SEPA B2B; EN 16931 only that of a direct debit.
    assert built(doc)["payment"]["instructions"]["ext"] == {
        "untdid-payment-means": "49",
        "it-sdi-payment-means": "MP21",
    }


def test_a_receipts_prices_include_vat_and_its_lottery_code_is_cleaned():
    doc = invoice_with("IT", "it-ticket-v1")
    doc["tax"] = {"ext": {"it-ticket-lottery": "ab-12 cd.34"}}
    doc = built(doc)
    assert doc["tax"]["prices_include"] == "VAT"
    assert doc["tax"]["ext"]["it-ticket-lottery"] == "AB12CD34"
    assert (doc["totals"]["total"], doc["totals"]["tax"]) == ("100.00", "22.00")


# --- Payments, orders and deliveries: GOBL's add-ons normalize by type, wherever the type
# sits (pay.Record, pay.Instructions, bill.Discount, org.Item, org.Party)

SUPPLIER = {"name": "Acme", "tax_id": {"country": "ES", "code": "B98602642"}}


def payment(addons: list, *methods: dict) -> dict:
    return {
        "$schema": "https://gobl.org/draft-0/bill/payment",
        "$addons": addons,
        "code": "P-1",
        "supplier": SUPPLIER,
        "lines": [{"document": {"code": "F-1"}, "amount": "100.00"}],
        "methods": list(methods),
    }


def test_a_payments_methods_get_the_payment_means_code_of_each_addon():
    doc = payment(
        ["it-sdi-v1", "gr-mydata-v1", "eu-en16931-v2017", "typo-v1"],
        {"key": "credit-transfer", "amount": "60.00"},
        {"key": "card", "amount": "40.00"},
    )
    result = built(doc)
    assert result["$addons"] == ["it-sdi-v1", "gr-mydata-v1", "eu-en16931-v2017"]
    # EN 16931 codes payment instructions only, not records (pay.Record)
    assert [m.get("ext") for m in result["methods"]] == [
        {"it-sdi-payment-means": "MP05", "gr-mydata-payment-means": "1"},
        {"it-sdi-payment-means": "MP08", "gr-mydata-payment-means": "7"},
    ]


def test_an_order_gets_en16931_codes_on_its_payment_adjustments_items_and_taxes():
    line = {
        "quantity": "2",
        "item": {"name": "Box", "price": "10.00"},
        "discounts": [{"key": "sample", "percent": "10%"}],
        "taxes": [{"cat": "VAT", "rate": "general"}],
    }
    doc = {
        "$schema": "https://gobl.org/draft-0/bill/order",
        "$addons": ["eu-en16931-v2017"],
        "code": "O-1",
        "currency": "EUR",
        "supplier": SUPPLIER,
        "lines": [line],
        "payment": {"instructions": {"key": "credit-transfer+sepa"}},
        "notes": [{"key": "general", "text": "Thanks"}],
    }
    result = built(doc)
    assert result["payment"]["instructions"]["ext"] == {"untdid-payment-means": "58"}
    built_line = result["lines"][0]
    assert built_line["discounts"][0]["ext"] == {"untdid-allowance": "67"}
    assert built_line["item"]["unit"] == "one"
    assert built_line["taxes"][0]["ext"] == {"untdid-tax-category": "S"}
    assert result["notes"][0]["ext"] == {"untdid-text-subject": "AAI"}


def test_a_delivery_without_addons_gets_no_codes():
    doc = {
        "$schema": "https://gobl.org/draft-0/bill/delivery",
        "code": "D-1",
        "supplier": SUPPLIER,
        "lines": [
            {
                "quantity": "1",
                "item": {"name": "Box"},
                "discounts": [{"key": "sample", "percent": "1%"}],
            }
        ],
    }
    result = built(doc)
    assert "unit" not in result["lines"][0]["item"]
    assert "ext" not in result["lines"][0]["discounts"][0]
