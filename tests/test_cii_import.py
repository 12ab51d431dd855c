"""cii.import: an incoming CII (alone or out of a Factur-X PDF) becomes the entry's GOBL
invoice through the engine; what cannot be mapped is a KO naming the XPath. The mapping
itself is checked against gobl.cii's fixtures in test_import_conformance.py."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import shared_path
from engine_helpers import entry, run, start, start_on, step, trace
from test_import import with_xml

from providers.cii import profiles
from providers.cii.document import to_cii
from providers.cii.parse import parse
from silo.gobl import build_document
from silo.models import SiloFile
from silo.services import attach_file

FIXTURES = Path(__file__).parent / "fixtures"
CII = "reference/formats/gobl.cii/test/data/parse"
HEAD = (
    '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
    'CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:'
    'ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:'
    'standard:UnqualifiedDataType:100">'
)


def invoice(addon="eu-en16931-v2017") -> dict:
    doc = json.loads((FIXTURES / "ubl" / "invoice-nl.json").read_text())
    doc, problems = build_document({**doc, "$addons": [addon]})
    assert problems == []
    return doc


def last_event(job):
    return job.intents.order_by("created_at").last().events.last()


def test_a_generated_cii_reads_back_as_the_same_invoice():
    doc = invoice()
    xml = to_cii(doc, profiles.find("en16931-v2017", []))
    parsed, problems = parse(xml)
    assert problems == []
    again, build_problems = build_document(parsed)
    assert build_problems == []
    assert again["code"] == f"{doc['series']}-{doc['code']}"  # BT-1 is one identifier
    for key in ("issue_date", "currency", "type", "totals"):
        assert again[key] == doc[key], key
    assert again["supplier"]["tax_id"] == doc["supplier"]["tax_id"]
    assert [line["item"]["name"] for line in again["lines"]] == [
        line["item"]["name"] for line in doc["lines"]
    ]


@pytest.mark.django_db
def test_a_workflow_imports_the_xml_out_of_a_factur_x_pdf(workspace):
    data = {"$schema": "https://gobl.org/draft-0/envelope", "doc": invoice("fr-facturx-v1")}
    steps = [step("pdf"), step("cii.generate", {"doc_type": "facturx-v1"}), step("cii.pdf.embed")]
    made = run(start(workspace, steps, data=data))
    assert made.status == "OK", trace(made)
    [pdf] = SiloFile.objects.filter(entry=made.silo_entry, key="pdf")
    with pdf.file.open("rb") as stream:
        received = stream.read()

    # What a counterpart sent: only the PDF, on an entry of its own.
    silo_entry = entry(workspace)
    attach_file(silo_entry, name="received.pdf", content=received, mime="application/pdf")
    job = run(start_on(silo_entry, [step("cii.pdf.import"), step("cii.import")]))
    assert job.status == "OK", trace(job)
    silo_entry.refresh_from_db()
    doc = silo_entry.data["doc"]
    assert doc["code"] == f"{data['doc']['series']}-{data['doc']['code']}"  # BT-1 is one ID
    assert doc["totals"]["payable"] == data["doc"]["totals"]["payable"]
    assert doc["$addons"] == ["eu-en16931-v2017"]  # Factur-X writes EN 16931's guideline
    names = sorted(f.name for f in SiloFile.objects.filter(entry=silo_entry))
    assert names == ["factur-x.xml", "received.pdf"]


@pytest.mark.django_db
def test_a_workflow_imports_an_xrechnung_cii_and_keeps_the_xml(workspace):
    xml = shared_path(CII, "invoice-test-04.xml").read_bytes()
    silo_entry = with_xml(workspace, xml)
    job = run(start_on(silo_entry, [step("cii.import")]))
    assert job.status == "OK", trace(job)
    silo_entry.refresh_from_db()
    doc = silo_entry.data["doc"]
    assert doc["$addons"] == ["eu-en16931-v2017", "de-xrechnung-v3"]
    assert (doc["code"], len(doc["lines"]), doc["totals"]["payable"]) == ("TEST-04", 2, "278.20")
    [kept] = SiloFile.objects.filter(entry=silo_entry)
    with kept.file.open("rb") as stream:
        assert stream.read() == xml


def test_an_unmappable_value_names_its_xpath():
    xml = (
        HEAD + "<rsm:ExchangedDocument><ram:ID>1</ram:ID><ram:TypeCode>380</ram:TypeCode>"
        '<ram:IssueDateTime><udt:DateTimeString format="102">9 May</udt:DateTimeString>'
        "</ram:IssueDateTime></rsm:ExchangedDocument><rsm:SupplyChainTradeTransaction>"
        "<ram:IncludedSupplyChainTradeLineItem/>"
        "<ram:IncludedSupplyChainTradeLineItem><ram:SpecifiedLineTradeAgreement>"
        "<ram:NetPriceProductTradePrice><ram:ChargeAmount>1</ram:ChargeAmount>"
        "</ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>"
        "<ram:SpecifiedLineTradeDelivery><ram:BilledQuantity>two</ram:BilledQuantity>"
        "</ram:SpecifiedLineTradeDelivery></ram:IncludedSupplyChainTradeLineItem>"
        "</rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"
    ).encode()
    _, problems = parse(xml)
    line = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/"
    assert problems == [
        (
            "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString",
            "'9 May' is not a date (CCYYMMDD, format 102)",
        ),
        (
            line + "ram:IncludedSupplyChainTradeLineItem[1]",
            "the line has no net price (ram:NetPriceProductTradePrice)",
        ),
        (
            line + "ram:IncludedSupplyChainTradeLineItem[2]/ram:SpecifiedLineTradeDelivery/"
            "ram:BilledQuantity",
            "'two' is not a number",
        ),
    ]


@pytest.mark.parametrize(
    "content, path, said",
    [
        (b"", "/", "the file is empty"),
        (b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>",
         "/{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice",
         "not a UN/CEFACT CrossIndustryInvoice"),
        (b"<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm='urn:un:unece:uncefact:data:"
         b"standard:CrossDomainAcknowledgementAndResponse:100'/>",
         "/rsm:CrossDomainAcknowledgementAndResponse", "CDAR status message"),
        (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + HEAD.encode() + b"&e;"
         b"</rsm:CrossIndustryInvoice>", "/", "DOCTYPE"),
    ],
    ids=["empty", "ubl", "cdar", "xxe"],
)  # fmt: skip
def test_what_is_no_cii_invoice_is_one_problem_at_the_root(content, path, said):
    doc, problems = parse(content)
    assert doc is None
    [(where, message)] = problems
    assert where == path and said in message


@pytest.mark.django_db
def test_a_workflow_on_a_ubl_file_ends_ko_naming_the_root(workspace):
    silo_entry = with_xml(workspace, b"<Invoice xmlns='urn:x'/>")
    before = silo_entry.data
    job = run(start_on(silo_entry, [step("cii.import")]))
    assert job.status == "KO", trace(job)
    event = last_event(job)
    assert event.code == "invalid-xml"
    assert "incoming.xml: /{urn:x}Invoice: not a UN/CEFACT CrossIndustryInvoice" in event.message
    silo_entry.refresh_from_db()
    assert silo_entry.data == before


@pytest.mark.django_db
def test_what_gobl_refuses_is_a_ko_naming_the_json_pointer(workspace):
    # A valid CII whose seller has no VAT number: GOBL needs the supplier's tax country.
    xml = to_cii(invoice(), profiles.find("en16931-v2017", []))
    xml = xml.replace(b'<ram:ID schemeID="VA">', b'<ram:ID schemeID="XX">')
    job = run(start_on(with_xml(workspace, xml), [step("cii.import")]))
    assert job.status == "KO", trace(job)
    event = last_event(job)
    assert event.code == "invalid-document" and "/supplier/tax_id" in event.message


@pytest.mark.parametrize("value", ["1e999999", "1e-999999", "12345678901234567890123"])
def test_a_number_out_of_range_is_a_problem_not_a_million_digits(value):
    xml = (
        HEAD + "<rsm:SupplyChainTradeTransaction><ram:IncludedSupplyChainTradeLineItem>"
        "<ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>"
        f"{value}</ram:ChargeAmount><ram:BasisQuantity>1e5</ram:BasisQuantity>"
        "</ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>"
        "</ram:IncludedSupplyChainTradeLineItem></rsm:SupplyChainTradeTransaction>"
        "</rsm:CrossIndustryInvoice>"
    ).encode()
    doc, problems = parse(xml)
    [(path, message)] = problems
    assert path.endswith("/ram:NetPriceProductTradePrice/ram:ChargeAmount")
    assert message == f"{value!r} is out of range for an amount"
    assert Decimal(doc["lines"][0]["item"]["price"]) == 0
