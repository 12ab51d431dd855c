"""cii.pdf.embed and cii.pdf.import: the CII inside a PDF, as Factur-X and ZUGFeRD 2.x carry it.

Neither action has a config in Invopop's templates (de-zugferd, cb-zugferd, fr-pa-receive):
their inputs are the entry's files.

- `cii.pdf.embed` takes the entry's latest `format/pdf` file (a `pdf` step's) and its latest
  `format/cii` file (a `cii.generate` step's), in whichever order the steps ran, and replaces
  the PDF with a PDF/A-3 that carries the XML: the `factur-x` package attaches it as
  `factur-x.xml` with its AFRelationship and writes the XMP metadata (pdfaid part 3, the fx:
  extension schema, fx:ConformanceLevel); we add the sRGB OutputIntent it leaves out. The
  PDF replaces the plain one (same category and key) so that a later step that sends "the
  PDF" sends the e-invoice. A missing file is a KO naming the step that makes it.
- `cii.pdf.import` reads the XML out of the entry's latest PDF (any category: the one a
  counterpart sent) and keeps it as the entry's `format/cii` file, named as it was in the PDF.
  It does not make GOBL of it: `cii.import` does that, reading the same file.

The level is read from the XML's guideline (BT-24), not from the step that wrote it, so a CII
made elsewhere embeds as well. Only the Factur-X / ZUGFeRD levels (and plain EN 16931, whose
guideline is the EN 16931 level's) embed; XRechnung CII would be ZUGFeRD's XRECHNUNG profile
(`xrechnung.xml`), which the `factur-x` package does not write: a KO says so rather than
mislabel it. ZUGFeRD 2.0's `zugferd-invoice.xml` name is not written either: since 2.1
ZUGFeRD uses `factur-x.xml` and the Factur-X XMP schema, and our guidelines are 2.1's.

AFRelationship: `Data` for MINIMUM and BASIC WL, which are not invoices on their own;
`Alternative` from BASIC up, where the XML is the invoice as much as the PDF is (ZUGFeRD's
recommendation; Factur-X allows both).

PDF/A-3b conformance is declared, not proven: veraPDF is not installed here, and the `pdf`
step's standard fonts (Helvetica, not embedded) are what a validator would reject first.
"""

import io

from lxml import etree

from ..base import NewFile, StepContext, ko, ok
from ..registry import provider
from . import profiles

EMBEDDED_NAME = "factur-x.xml"
# The guideline (BT-24) of each Factur-X / ZUGFeRD level, and the level's name in factur-x.
LEVEL_OF = {guideline: level for level, guideline in profiles.LEVELS.items()}
TITLE = {"minimum": "MINIMUM", "basicwl": "BASIC WL", "basic": "BASIC", "en16931": "EN 16931"}
GUIDELINE = (
    "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}ExchangedDocumentContext/"
    "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"
    "GuidelineSpecifiedDocumentContextParameter/"
    "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}ID"
)


class Refused(Exception):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


@provider(
    "cii.pdf.embed",
    name="Embed FacturX/ZUGFeRD",
    category="Formats",
    summary="Put the entry's CII into its PDF as a Factur-X / ZUGFeRD PDF/A-3.",
    icon="file",
    timeout=60.0,
)
def embed(context: StepContext):
    if context.entry is None:
        return ko("there is no silo entry whose PDF to use", "no-document")
    pdf_file = latest(context.entry, category="format", key="pdf")
    if pdf_file is None:
        return ko("the entry has no PDF: run a pdf step first", "no-pdf")
    cii_file = latest(context.entry, category="format", key="cii")
    if cii_file is None:
        return ko("the entry has no CII file: run a cii.generate step first", "no-cii")
    xml = read(cii_file)
    try:
        level = level_of(xml)
        pdf = with_output_intent(readable(read(pdf_file)))
    except Refused as exc:
        return ko(str(exc), exc.code)
    import facturx  # its pypdf and XSDs only when a step embeds

    try:
        content = facturx.generate_from_binary(
            pdf,
            xml,
            flavor="factur-x",
            level=level,
            check_xsd=True,
            afrelationship="data" if level in ("minimum", "basicwl") else "alternative",
        )
    except Exception as exc:  # the package raises bare Exceptions for an XSD failure
        return ko(f"{cii_file.name} cannot be embedded: {exc}", "invalid-cii")
    title = f"Factur-X / ZUGFeRD {TITLE.get(level, level.upper())}"
    facturx_pdf = NewFile(
        name=pdf_file.name,
        content=content,
        mime="application/pdf",
        category="format",
        key="pdf",
        desc=f"{title} · PDF/A-3 with {EMBEDDED_NAME}",
    )
    return ok(message=f"{pdf_file.name}, {title}", files=[facturx_pdf])


@provider(
    "cii.pdf.import",
    name="Import Factur-X PDF",
    category="Formats",
    summary="Read the CII out of the entry's Factur-X / ZUGFeRD PDF and keep it as a file.",
    icon="file",
    timeout=60.0,
)
def import_xml(context: StepContext):
    if context.entry is None:
        return ko("there is no silo entry whose PDF to read", "no-document")
    pdf_file = latest(context.entry, mime="application/pdf")
    if pdf_file is None:
        return ko("the entry has no PDF file to read the XML from", "no-pdf")
    try:
        name, xml = xml_in(readable(read(pdf_file)))
    except Refused as exc:
        return ko(f"{pdf_file.name}: {exc}", exc.code)
    cii = NewFile(
        name=name,
        content=xml,
        mime="application/xml",
        category="format",
        key="cii",
        desc=f"from {pdf_file.name}",
    )
    return ok(message=f"{name} from {pdf_file.name}", files=[cii])


# --- Files


def latest(entry, **match):
    return entry.files.filter(**match).order_by("-created_at").first()


def read(silo_file) -> bytes:
    with silo_file.file.open("rb") as stream:
        return stream.read()


# --- PDF


def readable(content: bytes) -> bytes:
    """The bytes, when they are a PDF we can open and is not encrypted; else Refused."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not content.lstrip()[:5] == b"%PDF-":
        raise Refused("the file is not a PDF", "not-a-pdf")
    try:
        reader = PdfReader(io.BytesIO(content))
        encrypted = reader.is_encrypted
        pages = len(reader.pages) if not encrypted else 1
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise Refused(f"the PDF cannot be read: {exc}", "unreadable-pdf") from None
    if encrypted:
        # A Factur-X PDF may not be encrypted (PDF/A forbids it), and we would not decrypt it.
        raise Refused("the PDF is encrypted", "encrypted-pdf")
    if not pages:
        raise Refused("the PDF has no pages", "unreadable-pdf")
    return content


def with_output_intent(content: bytes) -> bytes:
    """The PDF with an sRGB OutputIntent (PDF/A requires one for device colours), unless it has
    one. The ICC profile is lcms's sRGB, made by Pillow rather than shipped as a file."""
    from PIL import ImageCms
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        StreamObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=io.BytesIO(content))
    if "/OutputIntents" in writer._root_object:
        return content
    icc = StreamObject()
    icc.set_data(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    icc.update({NameObject("/N"): NumberObject(3)})
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB"),
            NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/DestOutputProfile"): writer._add_object(icc.flate_encode()),
        }
    )
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def xml_in(content: bytes) -> tuple[str, bytes]:
    """(name, XML) of the Factur-X / ZUGFeRD / XRechnung XML the PDF carries; else Refused."""
    import facturx

    try:
        # No XSD check here: a PDF whose XML breaks its schema still carries the invoice, and
        # cii.import names what is wrong with it.
        name, xml = facturx.get_xml_from_pdf(content, check_xsd=False)
    except Exception as exc:  # pypdf's errors on a damaged attachment tree
        raise Refused(f"its attachments cannot be read: {exc}", "unreadable-pdf") from None
    if not name or not xml:
        raise Refused("the PDF carries no Factur-X, ZUGFeRD or XRechnung XML", "no-xml")
    return name, xml


# --- CII


def level_of(xml: bytes) -> str:
    """The Factur-X level (factur-x's name for it) of the CII's guideline; else Refused."""
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise Refused(f"the CII file is not XML: {exc.msg}", "invalid-cii") from None
    guideline = (root.findtext(GUIDELINE) or "").strip()
    level = LEVEL_OF.get(guideline)
    if level is None:
        raise Refused(
            f"the CII's guideline {guideline!r} is no Factur-X / ZUGFeRD level (MINIMUM … "
            "EXTENDED): generate it with a facturx-v1 or zugferd-v2 doc_type "
            "(XRechnung in a PDF is not done yet)",
            "not-facturx",
        )
    return level
