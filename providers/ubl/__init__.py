"""ubl.generate: the entry's invoice as a UBL 2.1 Invoice or CreditNote (EN 16931), attached as
the file `format/ubl`.

The config is Invopop's: `doc_type` (`bis-invoice-v3` for Peppol BIS Billing 3.0,
`xrechnung-invoice-v2` for XRechnung), `validate_ubl`, `attach_invoice_pdf` and `private`, plus
our `duplicate`. A document whose totals are missing is built first (silo.gobl), without
changing the entry: the UBL is a rendering of the document, as the PDF is.
"""

import re

from silo.gobl import build_document
from silo.snippets import full_code

from ..base import NewFile, StepContext, ko, ok
from ..registry import provider
from . import checks
from .codes import DOC_TYPES
from .document import Attachment, Unsupported, to_ubl

INVOICE = "https://gobl.org/draft-0/bill/invoice"
MAX_LISTED = 10  # problems named in a KO's message
UNSAFE_NAME = re.compile(r"[^\w.\-]+")

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "doc_type": {
            "type": "string",
            "title": "Document type",
            "default": "bis-invoice-v3",
            "examples": list(DOC_TYPES),
            "description": "bis-invoice-v3: Peppol BIS Billing 3.0. "
            "xrechnung-invoice-v2: XRechnung (Germany).",
        },
        "validate_ubl": {
            "type": "boolean",
            "title": "Validate",
            "default": True,
            "description": "Check the EN 16931 rules (required terms, sums) and go KO on a "
            "problem instead of attaching the file.",
        },
        "attach_invoice_pdf": {
            "type": "boolean",
            "title": "Embed the PDF",
            "default": False,
            "description": "Embed the entry's PDF (an earlier pdf step's) in the UBL document.",
        },
        "private": {
            "type": "boolean",
            "title": "Private",
            "default": False,
            "description": "Invopop's: the file has no public link. Files here never have one.",
        },
        "duplicate": {
            "type": "boolean",
            "title": "Keep earlier UBL files",
            "default": False,
            "description": "Add a new file instead of replacing the entry's earlier one.",
        },
    },
}


@provider(
    "ubl.generate",
    name="Generate UBL document",
    category="Formats",
    summary="Convert the invoice to UBL 2.1 (Peppol BIS Billing 3.0, XRechnung) and attach it.",
    icon="code",
    config_schema=CONFIG_SCHEMA,
    timeout=60.0,
)
def generate(context: StepContext):
    doc = context.doc
    if context.entry is None or doc.get("$schema") != INVOICE:
        return ko("there is no invoice to convert", "no-document")
    doc_type = DOC_TYPES.get(context.config.get("doc_type") or "bis-invoice-v3")
    if doc_type is None:
        known = ", ".join(DOC_TYPES)
        name = context.config.get("doc_type")
        return ko(f"doc_type {name!r} is not one we generate ({known})", "unsupported-doc-type")
    doc, problem = built(doc)
    if problem:
        return ko(problem, "invalid-document")
    attachment = None
    if context.config.get("attach_invoice_pdf"):
        attachment = invoice_pdf(context.entry)
        if attachment is None:
            return ko("there is no PDF to embed: run a pdf step first", "no-pdf")
    try:
        content = to_ubl(doc, doc_type, attachment)
    except Unsupported as exc:
        return ko(str(exc), exc.code)
    if context.config.get("validate_ubl", True):
        found = checks.problems(content, doc_type)
        if found:
            return ko(listed(found), "invalid-ubl")
    ubl = xml_file(context, doc, "ubl", doc_type.title, content)
    return ok(message=f"{ubl.name}, {doc_type.title}", files=[ubl])


def xml_file(context: StepContext, doc: dict, key: str, title: str, content: bytes) -> NewFile:
    """A generated e-invoice as the entry's `format` file `key`, named after the document's
    code; it replaces the earlier one unless the step's config says `duplicate`."""
    return NewFile(
        name=f"{UNSAFE_NAME.sub('-', full_code(doc)).strip('-.') or 'document'}.xml",
        content=content,
        mime="application/xml",
        category="format",
        key=key,
        desc=title,
        replace=not context.config.get("duplicate", False),
    )


def built(doc: dict) -> tuple[dict, str]:
    """The invoice with its totals: as it is when it has them, else built."""
    if isinstance(doc.get("totals"), dict) and "payable" in doc["totals"]:
        return doc, ""
    found, problems = build_document(doc)
    if problems:
        return found, listed([f"{p.path or '/'}: {p.message}" for p in problems])
    return found, ""


def invoice_pdf(entry) -> Attachment | None:
    pdf = entry.files.filter(category="format", key="pdf").order_by("-created_at").first()
    if pdf is None:
        return None
    with pdf.file.open("rb") as stream:
        return Attachment(pdf.name, pdf.mime or "application/pdf", stream.read())


def listed(problems: list[str]) -> str:
    shown = "; ".join(problems[:MAX_LISTED])
    more = len(problems) - MAX_LISTED
    return f"{shown}; and {more} more" if more > 0 else shown
