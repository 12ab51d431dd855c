"""ubl.import and cii.import: an incoming e-invoice XML becomes the entry's GOBL invoice.

Invopop's names, with no config (its templates, peppol__receive and
fr__fr-pa-receive-invoice, run them with `"config": null` after `peppol.import`, whose next
blocks pick UBL or CII). Where the XML comes from: as in Invopop's import flows, the step
reads a file already attached to the entry — the one a network import (peppol.import) or an
upload put there — the newest with an XML mime (application/xml, text/xml, …+xml) or a
.xml name, preferring category `format`. The file stays on the entry as the original.

The XML is read safely (providers/xml_input.py), mapped by the syntax's pure parse()
(providers/ubl/parse.py, providers/cii/parse.py), then built and validated with our
calculator (silo.gobl.build_envelope): what cannot be mapped is a KO naming the element's
XPath; what GOBL refuses, one naming the JSON pointer. On OK the entry's data is replaced by
the built envelope (the entry's own head uuid kept).
"""

from silo.gobl import build_envelope

from .base import StepContext, ko, ok
from .registry import provider
from .ubl import listed


def xml_file(entry):
    """The entry's newest XML file, a `format` one first; None when it has none."""
    files = sorted(entry.files.all(), key=lambda f: (f.category == "format", f.created_at))
    return next((found for found in reversed(files) if found.is_xml), None)


def run_import(context: StepContext, parse, syntax: str):
    if context.entry is None:
        return ko("there is no silo entry to import into", "no-entry")
    found = xml_file(context.entry)
    if found is None:
        return ko(f"the entry has no XML file to import as {syntax}", "no-xml-file")
    with found.file.open("rb") as stream:
        content = stream.read()
    doc, problems = parse(content)
    if problems:
        shown = listed([f"{path}: {message}" for path, message in problems])
        return ko(f"{found.name}: {shown}", "invalid-xml" if doc is None else "unmapped")
    head = (context.envelope.get("head") or {}).get("uuid")
    envelope, build_problems = build_envelope(doc, head_uuid=head)
    if build_problems:
        shown = listed([f"{p.path or '/'}: {p.message}" for p in build_problems])
        return ko(f"{found.name} as GOBL: {shown}", "invalid-document")
    return ok(message=f"{found.name} imported from {syntax}", envelope=envelope)


@provider(
    "ubl.import",
    name="Import UBL document",
    category="Formats",
    summary="Convert the entry's incoming UBL XML (Invoice or CreditNote) into a GOBL invoice.",
    icon="code",
    timeout=60.0,
)
def import_ubl(context: StepContext):
    from .ubl.parse import parse

    return run_import(context, parse, "UBL")


@provider(
    "cii.import",
    name="Import CII document",
    category="Formats",
    summary="Convert the entry's incoming UN/CEFACT CII XML (EN 16931, Factur-X, ZUGFeRD, "
    "XRechnung) into a GOBL invoice.",
    icon="code",
    timeout=60.0,
)
def import_cii(context: StepContext):
    from .cii.parse import parse

    return run_import(context, parse, "CII")
