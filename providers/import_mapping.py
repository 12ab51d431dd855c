"""What ubl.import and cii.import map alike: the GOBL side of an incoming e-invoice.

Both syntaxes carry the same EN 16931 semantics under other element names, and GOBL's two
parsers (invopop/gobl.ubl, invopop/gobl.cii) turn them into the same GOBL members: a tax
combo from a category code and a rate, a payment means code to a means key, a UN/ECE unit to
GOBL's unit, a guideline to the add-ons. The element names stay in each syntax's parse.py;
what a value becomes is here, once.
"""

import math
import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

from silo.gobl.regimes import TAX_COUNTRIES, regime_or_global

from .ubl.codes import UNITS

SCHEMA = "https://gobl.org/draft-0/bill/invoice"

# UNTDID 4461 payment means code → GOBL's means key.
MEANS = {
    "10": "cash", "20": "cheque", "30": "credit-transfer", "42": "debit-transfer",
    "48": "card", "49": "direct-debit", "58": "credit-transfer+sepa", "59": "direct-debit+sepa",
}  # fmt: skip
# GOBL's unit for a UN/ECE code: the first of its definitions with that code.
UNIT_BY_CODE = {code: unit for unit, code in reversed(UNITS.items())} | {
    "EA": "item",
    "H87": "piece",
    "C62": "one",
    "KWT": "kw",
    "KWH": "kwh",
    "K6": "kl",
}
EN16931 = "urn:cen.eu:en16931:2017"
NOT_ALPHANUMERIC = re.compile(r"[^A-Z0-9]+")


def unit(code: str) -> str:
    return UNIT_BY_CODE.get(code, code)


def tax_combo(scheme: str, category: str, percent: str, vatex: str = "") -> dict:
    """A tax combo as both parsers make it: the scheme (VAT) as category, the UNTDID 5305
    code and the exemption reason as extensions, and the rate unless it is a zero that only
    says "no rate" (a zero rate is a rate only for the zero-rated category Z)."""
    combo: dict = {"cat": scheme}
    if category:
        combo["ext"] = {"untdid-tax-category": category}
        if vatex:
            combo["ext"]["cef-vatex"] = vatex
    if percent and (not is_zero(percent) or category == "Z"):
        combo["percent"] = percent if percent.endswith("%") else f"{percent}%"
    return combo


def tax_notes(reasons) -> list[dict]:
    """Tax notes from the breakdown's exemption reasons (BT-120), one per tax scheme and
    category (a later one replaces an earlier, as GOBL's MergeNotes does): `reasons` yields
    (scheme, category code, reason text)."""
    notes: dict = {}
    for scheme, category, reason in reasons:
        if scheme and category and reason:
            ext = {"untdid-tax-category": category}
            notes[(scheme, category)] = {"cat": scheme, "text": reason, "ext": ext}
    return list(notes.values())


def per_base_quantity(price: str, base: str) -> str:
    """The price of one unit when it is given for `base` units (BT-149), at the precision
    both parsers keep: the price's own decimals plus one for each digit of the base."""
    if not price or not base or Decimal(base) == 0:
        return price
    places = max(0, -Decimal(price).as_tuple().exponent)
    whole = abs(int(Decimal(base)))
    places += math.ceil(math.log10(whole)) if whole > 1 else 0
    with localcontext(prec=64):  # the reader's amounts have 30 digits at most
        exact = Decimal(price) / Decimal(base)
        return str(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def instructions(code: str) -> dict:
    """The start of payment instructions from a UNTDID 4461 means code."""
    return {"key": MEANS.get(code, "any"), "ext": {"untdid-payment-means": code}}


def tax_identity(value: str, fallback_country: str) -> dict:
    """A VAT number as GOBL's tax.ParseIdentity reads it: the country from its first two
    letters when they are a tax country, else the party's address country."""
    code = NOT_ALPHANUMERIC.sub("", value.upper())
    if len(code) >= 3 and code[:2] in TAX_COUNTRIES:
        return {"country": code[:2], "code": code[2:]}
    return {"country": fallback_country, "code": value} if fallback_country else {"code": value}


def main_scheme(country: str) -> str:
    """The tax scheme a country's tax ID is of when it says none (GST in Singapore), as
    GOBL's tax.Identity.GetScheme answers: the regime's first category."""
    regime = regime_or_global(country) if country else None
    return regime.categories[0].code if regime is not None and regime.categories else "VAT"


def contact(party: dict, person: str, phone: str, email: str) -> None:
    if person:
        party["people"] = [{"name": {"given": person}}]
    if phone:
        party["telephones"] = [{"num": phone}]
    if email:
        party["emails"] = [{"addr": email}]


def inbox(scheme: str, code: str) -> list:
    """An electronic address (BT-34 / BT-49): EM is an e-mail, any other scheme a code."""
    if not code:
        return []
    if scheme == "EM":
        return [{"email": code}]
    return [{"scheme": scheme, "code": code}] if scheme else [{"code": code}]


def meta_key(name: str) -> str:
    key = re.sub(r"[^a-z0-9-+]", "", name.lower().replace(" ", "-")).strip("-+")
    return re.sub(r"[-+]{2,}", "-", key)


def is_zero(value: str) -> bool:
    return value.rstrip("%").strip("0.-") == ""


def put(target: dict, key: str, value) -> None:
    """Set key only when the value says something: GOBL omits empty members."""
    if value not in (None, "", [], {}):
        target[key] = value
