"""The checks of `validate_ubl`: the EN 16931 rules a generated document can break, read back
from the XML itself (mandatory business terms, the BR-CO calculation rules, the Peppol and
XRechnung additions), each problem named by its rule.

These are our own checks, not the official Schematron (which needs XSLT 2.0) nor the XSD (the
schemas are not shipped with any runtime dependency); the tests validate the output against
the UBL 2.1 XSD as well.
"""

from decimal import Decimal

from lxml import etree

from .codes import DocType
from .document import CAC, CBC

NS = {"cbc": CBC, "cac": CAC}
TOLERANCE = Decimal("0.01")  # what the Peppol rules allow between a sum and its parts
# Sums that disagree come from GOBL's default "precise" rounding, which keeps decimals that
# EN 16931 rounds away per line and per rate.
ROUNDING_HINT = (
    'build the invoice with tax rounding "currency" (what the eu-en16931-v2017 addon sets) '
    "so that its amounts add up as EN 16931 adds them"
)


def problems(xml: bytes, doc_type: DocType) -> list[str]:
    root = etree.fromstring(xml)
    found = mandatory(root) + calculations(root)
    if doc_type.key.startswith("bis-"):
        found += peppol(root)
    if doc_type.xrechnung:
        found += xrechnung(root)
    return found


def text(root, path: str) -> str:
    return (root.findtext(path, namespaces=NS) or "").strip()


def number(root, path: str) -> Decimal:
    value = text(root, path)
    return Decimal(value) if value else Decimal("0")


def total(root, path: str) -> Decimal:
    return sum((Decimal(e.text) for e in root.findall(path, NS) if e.text), Decimal("0"))


def mandatory(root) -> list[str]:
    kind = etree.QName(root).localname
    required = {
        "BR-01": "cbc:CustomizationID",
        "BR-02": "cbc:ID",
        "BR-03": "cbc:IssueDate",
        "BR-04": f"cbc:{kind}TypeCode",
        "BR-05": "cbc:DocumentCurrencyCode",
        "BR-06": "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        "BR-07": "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        "BR-09": "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/"
        "cbc:IdentificationCode",
        "BR-11": "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/"
        "cbc:IdentificationCode",
        "BR-16": f"cac:{kind}Line",
    }
    found = missing(root, required)
    for line in root.findall(f"cac:{kind}Line", NS):
        if not text(line, "cac:Item/cbc:Name"):
            found.append(f"BR-25: line {text(line, 'cbc:ID')} has no item name")
    return found


def missing(root, required: dict) -> list[str]:
    return [
        f"{rule}: {path} is missing" for rule, path in required.items() if not present(root, path)
    ]


def present(root, path: str) -> bool:
    element = root.find(path, NS)
    return element is not None and (len(element) > 0 or bool((element.text or "").strip()))


def calculations(root) -> list[str]:
    kind = etree.QName(root).localname
    totals = root.find("cac:LegalMonetaryTotal", NS)
    if totals is None:
        return ["BR-12: cac:LegalMonetaryTotal is missing"]
    lines = total(root, f"cac:{kind}Line/cbc:LineExtensionAmount")
    allowances = total(root, "cac:AllowanceCharge[cbc:ChargeIndicator='false']/cbc:Amount")
    charges = total(root, "cac:AllowanceCharge[cbc:ChargeIndicator='true']/cbc:Amount")
    line_total = number(totals, "cbc:LineExtensionAmount")
    exclusive = number(totals, "cbc:TaxExclusiveAmount")
    inclusive = number(totals, "cbc:TaxInclusiveAmount")
    tax = total(root, "cac:TaxTotal/cbc:TaxAmount")
    subtotals = total(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount")
    payable = number(totals, "cbc:PayableAmount")
    expected = inclusive - number(totals, "cbc:PrepaidAmount")
    expected += number(totals, "cbc:PayableRoundingAmount")
    rules = [
        ("BR-CO-10", "sum of line amounts", line_total, lines),
        ("BR-CO-11", "sum of allowances", number(totals, "cbc:AllowanceTotalAmount"), allowances),
        ("BR-CO-12", "sum of charges", number(totals, "cbc:ChargeTotalAmount"), charges),
        ("BR-CO-13", "total without tax", exclusive, line_total - allowances + charges),
        ("BR-CO-14", "total tax", tax, subtotals),
        ("BR-CO-15", "total with tax", inclusive, exclusive + tax),
        ("BR-CO-16", "amount due", payable, expected),
    ]
    found = [
        f"{rule}: the {name} is {given}, its parts make {made}"
        for rule, name, given, made in rules
        if given != made
    ] + category_amounts(root)
    if found:
        found.append(ROUNDING_HINT)
    return found


def category_amounts(root) -> list[str]:
    """BR-S-09 and kin: each subtotal's tax is its base times its rate, within a cent."""
    found = []
    for subtotal in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS):
        rate = text(subtotal, "cac:TaxCategory/cbc:Percent")
        if not rate:
            continue
        base, tax = number(subtotal, "cbc:TaxableAmount"), number(subtotal, "cbc:TaxAmount")
        expected = (base * Decimal(rate) / 100).quantize(Decimal("0.01"))
        if abs(expected - tax) > TOLERANCE:
            category = text(subtotal, "cac:TaxCategory/cbc:ID")
            found.append(f"BR-CO-17: {category} {rate}% of {base} is {expected}, not {tax}")
    return found


def peppol(root) -> list[str]:
    found = []
    if not (text(root, "cbc:BuyerReference") or text(root, "cac:OrderReference/cbc:ID")):
        found.append("PEPPOL-EN16931-R003: a buyer reference or an order reference is required")
    for role, rule in (("Supplier", "R020"), ("Customer", "R010")):
        if not text(root, f"cac:Accounting{role}Party/cac:Party/cbc:EndpointID"):
            found.append(f"PEPPOL-EN16931-{rule}: the {role.lower()} has no electronic address")
    return found


def xrechnung(root) -> list[str]:
    seller = "cac:AccountingSupplierParty/cac:Party/"
    required = {
        "BR-DE-1": "cac:PaymentMeans",
        "BR-DE-2": seller + "cac:Contact",
        "BR-DE-3": seller + "cac:PostalAddress/cbc:CityName",
        "BR-DE-4": seller + "cac:PostalAddress/cbc:PostalZone",
        "BR-DE-5": seller + "cac:Contact/cbc:Name",
        "BR-DE-6": seller + "cac:Contact/cbc:Telephone",
        "BR-DE-7": seller + "cac:Contact/cbc:ElectronicMail",
        "BR-DE-15": "cbc:BuyerReference",
    }
    return missing(root, required)
