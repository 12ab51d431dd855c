"""Tax identities (a party's `tax_id`) as GOBL normalizes them: by the rules of the
identity's own country, whatever the document's regime.

Every country's code loses its separators, its lower case and the country prefix that VIES
forms carry; a few countries then complete it, so that the code a client typed and the one
their authority expects are the same document (and the same digest).
"""

import re

NOT_CODE = re.compile(r"[^A-Z0-9Ñ&]+")  # what GOBL strips from a code (it keeps Ñ and &)
# Prefixes that also name the country in codes of Great Britain: Northern Ireland, and the
# rest of the UK since Brexit.
PREFIXES = {c: (c, "XI", "XU") for c in ("GB", "XI", "XU")} | {
    "EL": ("EL", "GR"),  # Greece's tax code, and its ISO code typed by mistake
    "GR": ("GR", "GR"),
}
SWISS_SUFFIX = re.compile(r"(MWST|TVA|IVA)$")  # "CHE-123.456.789 MWST"
SIREN = re.compile(r"^\d{9}$")


def normalize_tax_ids(doc: dict, roles=("supplier", "customer")) -> None:
    for role in roles:
        party = doc.get(role)
        if isinstance(party, dict):
            normalize_tax_id(party.get("tax_id"))


def normalize_tax_id(tax_id) -> None:
    """A tax identity (a party's `tax_id`, or a tax/identity document), in place."""
    if isinstance(tax_id, dict) and isinstance(tax_id.get("code"), str):
        country = str(tax_id.get("country") or "").upper()
        tax_id["code"] = normalized_code(tax_id["code"], country)
        if country == "GR":
            tax_id["country"] = "EL"  # Greece's tax country, always


def normalized_code(code: str, country: str) -> str:
    code = NOT_CODE.sub("", code.upper())
    for prefix in PREFIXES.get(country, (country,)):
        if prefix:
            code = code.removeprefix(prefix)
    complete = COMPLETIONS.get(country)
    return complete(code) if complete and code else code


def spanish(code: str) -> str:
    """A Spanish NIF that starts with a digit has nine characters: leading zeros dropped by
    a spreadsheet come back."""
    return code.zfill(9) if code[0].isdigit() else code


def french(code: str) -> str:
    """A French SIREN (9 digits whose last is their Luhn check) is the company, its VAT code
    is the SIREN after two check digits: GOBL turns one into the other."""
    if not SIREN.match(code) or luhn_digit(code[:8]) != code[8]:
        return code
    return f"{(int(code) * 100 + 12) % 97:02d}{code}"


def luhn_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)


def norwegian(code: str) -> str:
    """A Norwegian VAT number is the organisation number followed by MVA."""
    return code if code.endswith("MVA") else code + "MVA"


def swiss(code: str) -> str:
    return SWISS_SUFFIX.sub("", code)


COMPLETIONS = {"ES": spanish, "FR": french, "NO": norwegian, "CH": swiss}
