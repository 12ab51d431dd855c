"""Tax identities (a party's `tax_id`) as GOBL normalizes them: by the rules of the
identity's own country, whatever the document's regime.

Every country's code loses its separators, its lower case and the country prefix that VIES
forms carry; a few countries then complete it, so that the code a client typed and the one
their authority expects are the same document (and the same digest).
"""

import re

from stdnum import luhn
from stdnum.ar import cuit
from stdnum.at import uid as at_uid
from stdnum.be import vat as be_vat
from stdnum.br import cnpj, cpf
from stdnum.ch import uid
from stdnum.co import nit
from stdnum.de import vat as de_vat
from stdnum.dk import cvr
from stdnum.es import nif
from stdnum.fi import alv
from stdnum.fr import tva
from stdnum.gb import vat as gb_vat
from stdnum.gr import vat as gr_vat
from stdnum.ie import vat as ie_vat
from stdnum.in_ import gstin
from stdnum.nl import btw
from stdnum.no import mva
from stdnum.pl import nip
from stdnum.pt import nif as pt_nif
from stdnum.se import vat as se_vat

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
    if not SIREN.match(code) or luhn.calc_check_digit(code[:8]) != code[8]:
        return code
    return f"{(int(code) * 100 + 12) % 97:02d}{code}"


def norwegian(code: str) -> str:
    """A Norwegian VAT number is the organisation number followed by MVA."""
    return code if code.endswith("MVA") else code + "MVA"


def swiss(code: str) -> str:
    return SWISS_SUFFIX.sub("", code)


COMPLETIONS = {"ES": spanish, "FR": french, "NO": norwegian, "CH": swiss}


# --- Check digits: GOBL's `GOBL-<CC>-TAX-IDENTITY-01` rules
#
# python-stdnum holds the check-digit algorithms of each country's tax numbers, maintained
# against the authorities' specifications and tested on real numbers: we call it rather than
# keep twenty algorithms of our own. Where GOBL's rule differs, GOBL's wins (a document it
# accepts is never refused here), and the difference is said beside the country. Codes reach
# these checks normalized (normalize_tax_ids), as GOBL validates them: a code that is not is
# refused, as GOBL does, although python-stdnum would clean it first.

COMPACT = re.compile(r"^[A-Z0-9]+$")
ITALIAN = re.compile(r"^\d{11}$")
# GOBL checks a Mexican RFC's shape only: python-stdnum also checks its date and check digit.
MEXICAN = re.compile(r"^[A-ZÑ&]{3,4}[0-9]{6}[A-Z0-9]{3}$")
# Singapore publishes no check digit for its UEN and GST numbers; GOBL checks their shapes
# (python-stdnum's sg.uen has no GST numbers of foreign companies, M...).
SINGAPORE_UEN = re.compile(r"^((19|20)\d{7}[A-Z]|\d{8}[A-Z]|[TS]\d{2}[A-Z]{2}\d{4}[A-Z])$")
SINGAPORE_GST = re.compile(r"^M[A-Z0-9]\d{7}[A-Z]$")
FRENCH_VAT = re.compile(r"^[A-Z\d]{2}\d{9}$")
LA_POSTE = "356000000"  # a SIREN whose VAT key GOBL does not check


def brazilian(code: str) -> bool:
    return cnpj.is_valid(code) if len(code) == 14 else cpf.is_valid(code)


def swiss_uid(code: str) -> bool:
    return uid.is_valid(f"CH{code}")  # normalized, a UID has lost its "CH": E123456789


def french_vat(code: str) -> bool:
    """GOBL does not check the key of a VAT code whose key has letters (issued to public
    bodies) nor La Poste's; python-stdnum checks the first and refuses the second."""
    if not FRENCH_VAT.match(code):
        return False
    if not code[:2].isdigit() or code[2:] == LA_POSTE:
        return True
    return tva.is_valid(code)


def italian(code: str) -> bool:
    """GOBL checks the Luhn digit only; python-stdnum's it.iva also refuses province office
    codes outside 001-100 (and a few others) that GOBL accepts."""
    return bool(ITALIAN.match(code)) and luhn.is_valid(code)


# By the code of GOBL's namespace (GOBL-GR checks Greek codes, country EL).
TAX_CODE_CHECKS = {
    "AR": cuit.is_valid,
    "AT": at_uid.is_valid,
    "BE": be_vat.is_valid,
    "BR": brazilian,
    "CH": swiss_uid,
    "CO": nit.is_valid,
    "DE": de_vat.is_valid,
    "DK": cvr.is_valid,
    "ES": nif.is_valid,
    "FI": alv.is_valid,
    "FR": french_vat,
    "GR": gr_vat.is_valid,
    "IE": ie_vat.is_valid,
    "IN": gstin.is_valid,
    "IT": italian,
    "MX": lambda code: bool(MEXICAN.match(code)),
    "NL": btw.is_valid,
    "NO": mva.is_valid,
    "PL": nip.is_valid,
    "PT": pt_nif.is_valid,
    "SE": se_vat.is_valid,
    "SG": lambda code: bool(SINGAPORE_UEN.match(code) or SINGAPORE_GST.match(code)),
}


def valid_tax_code(country: str, code: str) -> bool:
    """Whether a normalized tax code passes its country's check (a country without one
    passes)."""
    check = TAX_CODE_CHECKS.get(country)
    if check is None:
        return True
    if country != "MX" and not COMPACT.match(code):
        return False
    return bool(check(code))


def valid_uk_vat(code: str) -> bool:
    """GOBL-GB-TAX-IDENTITY-03: a commercial number's mod 97 (or 97-55) check, a
    government department's or health authority's range."""
    return gb_vat.is_valid(code)
