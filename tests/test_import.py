"""ubl.import through the engine: the entry's XML file becomes its GOBL invoice; bad XML is a
KO with a clear message, never a crash or a hang."""

import pytest
from conftest import shared_path
from engine_helpers import entry, run, start_on, step, trace

from providers.imports import xml_file
from providers.ubl.parse import parse
from silo.models import SiloFile
from silo.services import attach_file

UBL = "reference/formats/gobl.ubl/test/data/parse"
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&xxe;</Invoice>"""
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]><Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'>&lol9;</Invoice>"
)


def with_xml(workspace, content: bytes, name="incoming.xml"):
    silo_entry = entry(workspace)
    attach_file(silo_entry, name=name, content=content, mime="application/xml", category="format")
    return silo_entry


@pytest.mark.django_db
def test_a_workflow_imports_the_entrys_ubl_and_keeps_the_xml(workspace):
    xml = shared_path(UBL, "en16931/ubl-example1.xml").read_bytes()
    silo_entry = with_xml(workspace, xml)
    job = run(start_on(silo_entry, [step("ubl.import")]))
    assert job.status == "OK", trace(job)
    silo_entry.refresh_from_db()
    doc = silo_entry.data["doc"]
    assert (doc["code"], doc["supplier"]["name"], len(doc["lines"])) == (
        "12115118",
        "De Koksmaat",
        20,
    )
    assert doc["totals"]["payable"]
    [kept] = SiloFile.objects.filter(entry=silo_entry)
    with kept.file.open("rb") as stream:
        assert stream.read() == xml


@pytest.mark.parametrize(
    "content, said",
    [
        (b"%PDF-1.7 not xml", "not well-formed XML"),
        (b"", "the file is empty"),
        (b"<Order xmlns='urn:x'/>", "not a UBL 2.1 Invoice or CreditNote"),
        (XXE, "DOCTYPE"),
        (LAUGHS, "DOCTYPE|amplification"),  # libxml2 may refuse it first
    ],
    ids=["not-xml", "empty", "wrong-root", "xxe", "billion-laughs"],
)
def test_bad_xml_is_a_problem_at_the_root(content, said):
    doc, problems = parse(content)
    assert doc is None
    [(path, message)] = problems
    assert path.startswith("/") and any(part in message for part in said.split("|"))


def test_an_unparsable_value_names_its_xpath():
    xml = (
        b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2' "
        b"xmlns:cbc='urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2' "
        b"xmlns:cac='urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2'>"
        b"<cbc:IssueDate>9 May</cbc:IssueDate>"
        b"<cac:InvoiceLine><cbc:InvoicedQuantity>1</cbc:InvoicedQuantity></cac:InvoiceLine>"
        b"<cac:InvoiceLine><cbc:InvoicedQuantity>two</cbc:InvoicedQuantity>"
        b"<cac:Price><cbc:PriceAmount>1</cbc:PriceAmount></cac:Price></cac:InvoiceLine>"
        b"</Invoice>"
    )
    _, problems = parse(xml)
    assert problems == [
        ("/Invoice/cbc:IssueDate", "'9 May' is not a date (YYYY-MM-DD)"),
        ("/Invoice/cac:InvoiceLine[2]/cbc:InvoicedQuantity", "'two' is not a number"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("content", [b"not xml", XXE, LAUGHS], ids=["not-xml", "xxe", "laughs"])
def test_a_workflow_on_bad_xml_ends_ko_with_the_reason(workspace, content):
    silo_entry = with_xml(workspace, content)
    before = silo_entry.data
    job = run(start_on(silo_entry, [step("ubl.import")]))
    assert job.status == "KO", trace(job)
    intent = job.intents.get()
    event = intent.events.last()
    assert event.code == "invalid-xml" and "incoming.xml: /" in event.message
    silo_entry.refresh_from_db()
    assert silo_entry.data == before


@pytest.mark.django_db
def test_a_workflow_on_an_entry_without_xml_ends_ko(workspace):
    job = run(start_on(entry(workspace), [step("ubl.import")]))
    assert job.status == "KO"
    assert job.intents.get().events.last().code == "no-xml-file"


@pytest.mark.django_db
def test_the_newest_format_xml_file_is_the_one_imported(workspace):
    silo_entry = with_xml(workspace, b"<a/>", name="old.xml")
    attach_file(silo_entry, name="note.txt", content=b"x", mime="text/plain", category="format")
    attach_file(
        silo_entry, name="new.xml", content=b"<b/>", mime="text/xml", category="format", key="n"
    )
    assert xml_file(silo_entry).name == "new.xml"
