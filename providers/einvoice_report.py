"""The validation report the console shows beside an e-invoice file (the entry's Files tab).

silo knows no provider (tests/test_layers.py), so it reaches this through the
FILE_REPORT setting, as the Configuration page reaches provider sections. report(content)
answers None for a file that is no CII or UBL invoice, else the findings, each with its
rule id (BR-CO-10, XSD, BR-DE-1…), message and location:

- CII: the XSD of its Factur-X level (read from the guideline, BT-24) or CII D16B, then the
  official EN 16931 CII Schematron (providers/cii/validation.py). A page view never waits on
  the network: rule files not in the cache yet are named in an information finding.
- UBL: the checks ubl.generate runs (providers/ubl/checks.py: EN 16931's mandatory fields
  and sums, Peppol's and XRechnung's by CustomizationID); there is no UBL Schematron here.
"""

from .cii import validation
from .cii.pdf import GUIDELINE, LEVEL_OF
from .cii.validation import Finding
from .ubl import checks
from .ubl.codes import DOC_TYPES, DocType
from .xml_input import NotXML, parse_xml

CII_ROOT = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice"
UBL_ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote",
}
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
UBL_CUSTOMIZATION = f"{{{CBC}}}CustomizationID"
EN16931_UBL = DocType("en16931", "EN 16931 (UBL)", "urn:cen.eu:en16931:2017", "")


def report(content: bytes) -> tuple[str, list[Finding]] | None:
    """(the syntax's title, its findings), or None when the file is no e-invoice."""
    try:
        root = parse_xml(content)
    except NotXML:
        return None
    if root.tag == CII_ROOT:
        return "CII", cii_findings(content, root)
    if root.tag in UBL_ROOTS:
        return "UBL", ubl_findings(content, root)
    return None


def cii_findings(content: bytes, root) -> list[Finding]:
    level = LEVEL_OF.get(root.findtext(GUIDELINE) or "")
    if level and level != "en16931":
        from facturx.facturx import FACTURX_LEVEL2xsd

        path = validation.facturx_file(FACTURX_LEVEL2xsd[level])
        return validation.xsd(content, path=path)  # EN 16931's rules are not the subsets'
    return validation.report(content, fetch=False)


def ubl_findings(content: bytes, root) -> list[Finding]:
    customization = (root.findtext(UBL_CUSTOMIZATION) or "").strip()
    known = (doc for doc in DOC_TYPES.values() if doc.customization_id == customization)
    try:
        problems = checks.problems(content, next(known, EN16931_UBL))
    except (ArithmeticError, ValueError) as exc:  # an amount that is no number
        return [Finding("UBL", f"the amounts cannot be checked: {exc}", "")]
    found = []
    for problem in problems:
        rule, _, message = problem.partition(": ")
        found.append(Finding(rule, message, "") if message else Finding("", problem, ""))
    return found
