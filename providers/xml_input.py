"""Reading an incoming XML document safely, and naming its elements by XPath.

Shared by ubl.import and cii.import (providers/ubl/parse.py, providers/cii/parse.py). The XML
comes from a counterpart we do not trust: no DTD is loaded, no entity is expanded, nothing is
fetched from the network and no tree grows past libxml2's default limits, so an XXE attempt
or a billion-laughs document is refused instead of expanded. A document with a DOCTYPE is
refused outright: neither UBL nor CII has one, and refusing it is simpler to reason about
than which of its entities would have been harmless.
"""

from decimal import Decimal, InvalidOperation

from lxml import etree

MAX_BYTES = 20 * 1024 * 1024  # an e-invoice is kilobytes; its attachments a few megabytes
MAX_DIGITS = 18  # before the decimal point: a quintillion, in any currency
MAX_DECIMALS = 12  # after it: prices per unit of a base quantity go a few places further


class NotXML(Exception):
    """The bytes are no XML document we accept: the message says why."""


def parse_xml(content: bytes):
    if not content or not content.strip():
        raise NotXML("the file is empty")
    if len(content) > MAX_BYTES:
        raise NotXML(f"the file is over {MAX_BYTES // (1024 * 1024)} MB")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise NotXML(f"not well-formed XML: {exc.msg}") from None
    if root is None:
        raise NotXML("not an XML document")
    if root.getroottree().docinfo.doctype:
        raise NotXML("a DOCTYPE (DTD) is not accepted in an e-invoice")
    return root


class Reader:
    """Values read out of one document, with each problem named by the XPath of its element
    (namespace prefixes as the standard writes them: /Invoice/cac:InvoiceLine[2]/cbc:ID)."""

    def __init__(self, root, prefixes: dict[str, str]):
        self.root = root
        self.prefixes = prefixes  # prefix -> namespace
        self.names = {ns: prefix for prefix, ns in prefixes.items()}
        self.problems: list[tuple[str, str]] = []

    def all(self, element, path: str) -> list:
        return element.findall(path, self.prefixes) if element is not None else []

    def one(self, element, path: str):
        return element.find(path, self.prefixes) if element is not None else None

    def text(self, element, path: str = "") -> str:
        found = self.one(element, path) if path else element
        if found is None or found.text is None:
            return ""
        return found.text.replace("\ufffd", "").strip()

    def fields(self, element, paths: dict[str, str]) -> dict:
        """{key: text} of the paths that have text, in the order given: GOBL omits empty
        members."""
        found = {key: self.text(element, path) for key, path in paths.items()}
        return {key: value for key, value in found.items() if value}

    def attr(self, element, path: str, name: str) -> str:
        found = self.one(element, path) if path else element
        return (found.get(name) or "").strip() if found is not None else ""

    def number(self, element, path: str = "") -> str:
        """A decimal as GOBL writes it (the text's own precision), or "" with a problem."""
        found = self.one(element, path) if path else element
        value = self.text(found) if found is not None else ""
        if not value:
            return ""
        try:
            number = Decimal(value.replace(" ", ""))
        except InvalidOperation:
            self.problem(found, f"{value!r} is not a number")
            return ""
        if not number.is_finite():
            self.problem(found, f"{value!r} is not a number")
            return ""
        if number.adjusted() > MAX_DIGITS or number.as_tuple().exponent < -MAX_DECIMALS:
            # 1e999999 is a number, but a million digits of one are no amount.
            self.problem(found, f"{value!r} is out of range for an amount")
            return ""
        return str(number) if number.as_tuple().exponent <= 0 else format(number, "f")

    def problem(self, element, message: str) -> None:
        self.problems.append((self.xpath(element), message))

    def xpath(self, element) -> str:
        if element is None:
            return "/"
        steps = []
        while element is not None:
            steps.append(self.step(element))
            element = element.getparent()
        return "/" + "/".join(reversed(steps))

    def step(self, element) -> str:
        qname = etree.QName(element)
        prefix = self.names.get(qname.namespace)
        name = f"{prefix}:{qname.localname}" if prefix else qname.localname
        parent = element.getparent()
        if parent is None:
            return name
        same = [sibling for sibling in parent if sibling.tag == element.tag]
        return f"{name}[{same.index(element) + 1}]" if len(same) > 1 else name
