"""The code lists UBL needs from a GOBL invoice: document types and profiles, UNTDID codes
(1001 document types, 4461 payment means, 5305 tax categories), UN/ECE recommendation 20 units
and the Peppol EAS schemes of VAT numbers.

GOBL documents built with the eu-en16931-v2017 addon already carry most of these as `ext`
codes (`untdid-document-type`, `untdid-tax-category`, `untdid-payment-means`…); those win, and
the tables here fill in for documents built without the addon.
"""

from dataclasses import dataclass

from silo.gobl import addons


@dataclass(frozen=True)
class DocType:
    key: str
    title: str
    customization_id: str
    profile_id: str
    # XRechnung (BR-DE-*) requires the buyer reference and the seller's contact.
    xrechnung: bool = False


PEPPOL_BILLING = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
DOC_TYPES = {
    doc.key: doc
    for doc in (
        DocType(
            "bis-invoice-v3",
            "Peppol BIS Billing 3.0",
            "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
            PEPPOL_BILLING,
        ),
        # Invopop's name is from XRechnung's UBL 2 binding; the specification in force since
        # February 2024 is XRechnung 3.0, which is what receivers validate against.
        DocType(
            "xrechnung-invoice-v2",
            "XRechnung 3.0 (UBL)",
            "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
            PEPPOL_BILLING,
            xrechnung=True,
        ),
    )
}

# UNTDID 1001 by GOBL invoice type; `tax.ext.untdid-document-type` overrides.
TYPE_CODES = {
    "standard": "380",
    "credit-note": "381",
    "debit-note": "383",
    "corrective": "384",
}
SELF_BILLED = {"380": "389", "381": "261"}
# The codes Peppol BIS accepts for each root element (its UNCL1001 subsets).
CREDIT_NOTE_CODES = {"381", "396", "81", "83", "532", "261", "262"}
INVOICE_CODES = {
    "380", "383", "384", "386", "389", "393", "395", "326", "82", "80", "71", "102", "218",
    "219", "331", "382", "553", "575", "623", "780", "817", "870", "875", "876", "877",
}  # fmt: skip

# UNTDID 5305 by GOBL tax rate key, and for the Canaries' and Ceuta/Melilla's own taxes: the
# eu-en16931 add-on's tables (silo/gobl/addons.py), one list for both.
CATEGORY_BY_KEY = addons.VAT_CATEGORIES
CATEGORY_BY_TAX = addons.OTHER_CATEGORIES
# Categories with a 0 rate that must say why (BR-E-10, BR-AE-10, BR-IC-10, BR-G-10, BR-O-10).
EXEMPTION_TEXT = {
    "E": "Exempt from VAT",
    "AE": "Reverse charge",
    "K": "Intra-community supply",
    "G": "Export outside the EU",
    "O": "Not subject to VAT",
}
ZERO_RATED = {"Z", "E", "AE", "K", "G"}

# UNTDID 4461 by GOBL payment instructions key; `ext.untdid-payment-means` overrides.
PAYMENT_MEANS = {
    "any": "1",
    "cash": "10",
    "cheque": "20",
    "bank-draft": "21",
    "credit-transfer": "30",
    "debit-transfer": "31",
    "card": "48",
    "direct-debit": "49",
    "credit-transfer+sepa": "58",
    "direct-debit+sepa": "59",
    "promissory-note": "60",
    "online": "68",
    "netting": "97",
}

# UN/ECE recommendation 20 (and 21, the X… packaging codes) by GOBL unit. A unit that is
# already such a code passes as it is; one we cannot map is C62, "one".
UNITS = {
    "mg": "MGM", "cg": "CGM", "g": "GRM", "kg": "KGM", "t": "TNE",
    "mm": "MMT", "cm": "CMT", "dm": "DMT", "m": "MTR", "lm": "LM", "km": "KMT",
    "in": "INH", "ft": "FOT", "lft": "LF",
    "mm2": "MMK", "cm2": "CMK", "dm2": "DMK", "m2": "MTK", "ac": "ACR", "ha": "HAR",
    "mm3": "MMQ", "cm3": "CMQ", "dm3": "DMQ", "m3": "MTQ",
    "ml": "MLT", "cl": "CLT", "dl": "DLT", "l": "LTR",
    "w": "WTT", "kw": "KWT", "kwh": "KWH",
    "rate": "A9", "yr": "ANN", "mon": "MON", "wk": "WEE", "day": "DAY",
    "s": "SEC", "min": "MIN", "h": "HUR",
    "piece": "H87", "item": "H87", "pair": "PR", "dozen": "DZN", "assortment": "AS",
    "service": "E48", "job": "E51", "activity": "ACT", "trip": "E54", "group": "10",
    "outfit": "11", "kit": "KT", "basebox": "BB", "one": "C62", "set": "SET",
    "portion": "PTN", "lot": "LO", "unit": "C62",
    "pk": "XPK", "pkg": "XPK", "pkt": "XPA", "bag": "XBG", "box": "XBX", "bin": "XBI",
    "can": "XCA", "tub": "XTB", "case": "XCS", "tray": "XPU", "roll": "XRO",
    "carton": "XCT", "cylinder": "XCY", "barrel": "XBA", "jerrican": "XJC",
    "carboy": "XCO", "demijohn": "XDJ", "bottle": "XBO", "canister": "XCX",
    "bunch": "XBH", "bdl": "XBE", "pallet": "XPX", "reel": "XRL", "sack": "XSA",
    "sheet": "XST", "envelope": "XEN",
}  # fmt: skip
DEFAULT_UNIT = "C62"

# Peppol EAS schemes for a VAT number, by country: the endpoint of a party without an inbox.
VAT_SCHEMES = {
    "AD": "9922", "AL": "9923", "AT": "9914", "BA": "9924", "BE": "9925", "BG": "9926",
    "CH": "9927", "CY": "9928", "CZ": "9929", "DE": "9930", "EE": "9931", "ES": "9920",
    "FR": "9957", "GB": "9932", "GR": "9933", "HR": "9934", "HU": "9910", "IE": "9935",
    "IT": "9906", "LI": "9936", "LT": "9937", "LU": "9938", "LV": "9939", "MC": "9940",
    "ME": "9941", "MK": "9942", "MT": "9943", "NL": "9944", "PL": "9945", "PT": "9946",
    "RO": "9947", "RS": "9948", "SI": "9949", "SK": "9950", "SM": "9951", "TR": "9952",
    "VA": "9953", "US": "9959",
}  # fmt: skip
EMAIL_SCHEME = "EM"
# VAT numbers carry the country's VAT prefix, which for Greece is EL, not its ISO code.
VAT_PREFIXES = {"GR": "EL"}


def unit_code(unit) -> str:
    if not isinstance(unit, str) or not unit:
        return DEFAULT_UNIT
    if unit in UNITS:
        return UNITS[unit]
    return unit if unit.isupper() and 2 <= len(unit) <= 3 and unit.isalnum() else DEFAULT_UNIT


def vat_prefix(country: str) -> str:
    return VAT_PREFIXES.get(country, country)
