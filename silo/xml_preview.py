"""The Files tab's preview of an XML file: its elements as a tree that folds (nested
<details>), every name, attribute and text escaped, and the validation report a provider
gives for an e-invoice (settings.FILE_REPORT, silo importing no provider).

The file comes from a counterpart as often as from us: it is parsed with the same refusals
as an import (no DTD, no entities, no network) and a file past PREVIEW_BYTES or
PREVIEW_ELEMENTS is shown as plain text, cut, rather than as thousands of nested elements.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.html import format_html, format_html_join
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe
from lxml import etree

PREVIEW_BYTES = 2 * 1024 * 1024
PREVIEW_ELEMENTS = 5_000
PLAIN_CHARS = 200_000
REPORT_SECONDS = 24 * 3600


@dataclass
class Preview:
    file: object  # the SiloFile
    tree: SafeString | None  # the folding tree, or None when shown as plain text
    plain: str  # pretty-printed text (cut) when the tree is too large, or why there is none
    syntax: str = ""  # "CII", "UBL" when the report is an e-invoice's
    findings: list | None = None  # the report's findings; None when the file is no e-invoice


def previews(files) -> list[Preview]:
    return [preview(found) for found in files if found.is_xml]


def preview(silo_file) -> Preview:
    if silo_file.size > PREVIEW_BYTES:
        return Preview(silo_file, None, f"Too large to preview ({silo_file.size} bytes).")
    try:
        with silo_file.file.open("rb") as stream:
            content = stream.read()
    except (FileNotFoundError, ValueError):
        return Preview(silo_file, None, "The file's contents are gone.")
    try:
        root = safe_parse(content)
    except etree.XMLSyntaxError as exc:
        return Preview(silo_file, None, f"Not well-formed XML: {exc.msg}")
    found = Preview(silo_file, None, "")
    if sum(1 for _ in root.iter()) > PREVIEW_ELEMENTS:
        found.plain = etree.tostring(root, pretty_print=True, encoding="unicode")[:PLAIN_CHARS]
    else:
        found.tree = element_html(root)
    reported = report(silo_file.sha256, content)
    if reported is not None:
        found.syntax, found.findings = reported
    return found


def report(sha256: str, content: bytes):
    """The provider's report, kept by the file's digest: the Schematron takes seconds on a
    long invoice, and a live entry page asks for its tab again on every event. A report
    that says its rules were unavailable is not kept: the next view may have them."""
    if not settings.FILE_REPORT:
        return None
    key = f"xml-report:{sha256}"
    found = cache.get(key, "missing")
    if found == "missing":
        found = import_string(settings.FILE_REPORT)(content)
        if found is None or all(finding.rule != "unavailable" for finding in found[1]):
            cache.set(key, found, REPORT_SECONDS)
    return found


def safe_parse(content: bytes):
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True
    )
    root = etree.fromstring(content, parser)
    if root.getroottree().docinfo.doctype:
        raise etree.XMLSyntaxError("a DOCTYPE is not previewed", None, 0, 0)
    return root


def element_html(element) -> SafeString:
    if not isinstance(element.tag, str):  # a comment or processing instruction
        return format_html('<div class="xml-leaf xml-comment">{}</div>', str(element))
    name = qualified(element)
    attributes = format_html_join(
        "",
        ' <span class="xml-attr">{}</span>="<span class="xml-value">{}</span>"',
        ((qualified(element, key), value) for key, value in element.attrib.items()),
    )
    text = (element.text or "").strip()
    children = list(element)
    if not children:
        return format_html(
            '<div class="xml-leaf">&lt;<span class="xml-tag">{}</span>{}&gt;'
            '<span class="xml-text">{}</span>&lt;/<span class="xml-tag">{}</span>&gt;</div>',
            name, attributes, text, name,
        )  # fmt: skip
    inner = mark_safe("".join(element_html(child) for child in children))  # noqa: S308 -- each part is format_html's
    return format_html(
        '<details class="xml-node" open><summary>&lt;<span class="xml-tag">{}</span>{}&gt;'
        '<span class="xml-text">{}</span></summary>{}<div class="xml-close">&lt;/'
        '<span class="xml-tag">{}</span>&gt;</div></details>',
        name, attributes, text, inner, name,
    )  # fmt: skip


def qualified(element, key: str | None = None) -> str:
    """prefix:local as the file writes it (the namespace's prefix in scope)."""
    qname = etree.QName(key if key is not None else element)
    if not qname.namespace:
        return qname.localname
    prefixes = {uri: prefix for prefix, uri in element.nsmap.items()}
    prefix = prefixes.get(qname.namespace)
    return f"{prefix}:{qname.localname}" if prefix else qname.localname
