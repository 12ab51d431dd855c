"""The parties of an invoice (supplier, customer, and those of ordering, delivery and
payment) as GOBL normalizes them: their inboxes, what EN 16931 adds to them and to the items
sold, Italy's ways (codici fiscali, five-digit postal codes, the supplier's fiscal regime,
receipts' items as services), Chorus Pro's schemes, the kind of a foreign customer's identity
for Spain's agencies, the customer's VAT status for Argentina's ARCA and a Colombian party's
fiscal responsibility for DIAN.
"""

import re

from . import cfdi, ctc
from .addons import EU_MEMBERS

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
PEPPOL_CODE = re.compile(r"^(\d{4}):(.+)$")  # "0208:0735585741": an ICD scheme, then the code
PEPPOL_ENDPOINT = "iso6523-actorid-upis"
EN16931 = "eu-en16931-v2017"
NOT_CODE = re.compile(r"[^A-Z0-9Ñ&]+")


def normalize_parties(doc: dict, invoice: bool = True) -> None:
    """What the regime and add-ons do to parties and items: by their type wherever they sit,
    then (`invoice`) to an invoice's supplier and customer."""
    addons = doc.get("$addons") if isinstance(doc.get("$addons"), list) else []
    for party in parties(doc):
        inboxes = [i for i in party.get("inboxes") or [] if isinstance(i, dict)]
        for inbox in inboxes:
            normalize_inbox(inbox)
        if EN16931 in addons:
            add_peppol_endpoint(party, inboxes)
            for identity in identities(party):
                if isinstance(identity, dict):
                    iso_scheme(identity)
        if "fr-choruspro-v1" in addons:
            choruspro_scheme(party)
        if doc.get("$regime") == "IT":
            move_fiscal_code(party)
        if cfdi.V4 in addons:
            cfdi.move_identities(party)
        if any(flow in addons for flow in ctc.FLOWS):
            ctc.normalize_party(party, addons)
        if "it-sdi-v1" in addons:
            for address in party.get("addresses") or []:
                if isinstance(address, dict):
                    pad_italian_postal_code(address)
    for item in items(doc) if cfdi.V4 in addons else []:
        cfdi.normalize_item(item)
    for item in items(doc) if EN16931 in addons or "it-ticket-v1" in addons else []:
        if EN16931 in addons and not item.get("unit"):
            item["unit"] = "one"  # EN 16931 requires a unit (BR-23)
        if "it-ticket-v1" in addons:
            ext = item.get("ext") if isinstance(item.get("ext"), dict) else {}
            item["ext"] = {"it-ticket-product": "services"} | ext  # unless it says goods
    if invoice:
        invoice_parties(doc, addons)


def invoice_parties(doc: dict, addons: list) -> None:
    """GOBL's add-ons' normalizers of an invoice that reach into its parties."""
    supplier = doc.get("supplier")
    if "it-sdi-v1" in addons and isinstance(supplier, dict):
        italian_supplier(supplier)
    if "co-dian-v2" in addons:
        for role in ("supplier", "customer"):
            if isinstance(doc.get(role), dict):
                colombian_responsibility(doc[role])
    customer = doc.get("customer")
    for addon in addons:
        if addon in SPANISH_IDENTITY_TYPES and isinstance(customer, dict):
            spanish_identity_type(customer, SPANISH_IDENTITY_TYPES[addon])


# The parties of a document besides supplier and customer: an order's, a delivery's, a
# payment's (an invoice has none of these members).
OTHER_ROLES = ("buyer", "seller", "despatcher", "receiver", "courier", "payee")


def parties(doc: dict) -> list[dict]:
    found = [doc.get(role) for role in ("supplier", "customer", *OTHER_ROLES)]
    for holder, names in (
        ("ordering", ("seller", "buyer")),
        ("delivery", ("receiver",)),
        ("payment", ("payee",)),
    ):
        parent = doc.get(holder)
        if isinstance(parent, dict):
            found += [parent.get(name) for name in names]
    return [p for p in found if isinstance(p, dict)]


def items(doc: dict) -> list[dict]:
    found = []
    for line in doc.get("lines") or []:
        if isinstance(line, dict):
            found.append(line.get("item"))
            for name in ("breakdown", "substituted"):
                found += [s.get("item") for s in line.get(name) or [] if isinstance(s, dict)]
    return [item for item in found if isinstance(item, dict)]


def normalize_inbox(inbox: dict) -> None:
    """An inbox's code that is an e-mail address or a URL moves to its own member; a Peppol
    code carries its scheme ("0208:…"), which moves to `scheme`."""
    code = inbox.get("code")
    if not isinstance(code, str):
        return
    if EMAIL.match(code):
        inbox["email"] = inbox.pop("code")
    elif URL.match(code):
        inbox["url"] = inbox.pop("code")
    elif inbox.get("key") == "peppol" and not inbox.get("scheme"):
        match = PEPPOL_CODE.match(code)
        if match:
            inbox["scheme"], inbox["code"] = match.groups()


def move_fiscal_code(party: dict) -> None:
    """An Italian individual's codice fiscale, once given as the tax id with type
    "individual", is an identity (it-fiscal-code): the tax id keeps only its country."""
    tax_id = party.get("tax_id")
    if not isinstance(tax_id, dict) or tax_id.get("country") != "IT":
        return
    if tax_id.get("type") != "individual":
        return
    code = NOT_CODE.sub("", str(tax_id.pop("code", "")).upper()).removeprefix("IT")
    del tax_id["type"]
    identities = [i for i in party.get("identities") or [] if i.get("key") != "it-fiscal-code"]
    party["identities"] = [*identities, {"key": "it-fiscal-code", "code": code}]


def pad_italian_postal_code(address: dict) -> None:
    """SDI wants an Italian CAP of five digits: 100 is 00100."""
    code = address.get("code")
    if address.get("country") == "IT" and isinstance(code, str) and code.isdigit():
        address["code"] = code.zfill(5)


# EN 16931's ISO 6523 scheme of an identity, by its key, else by its type.
ISO_SCHEMES_BY_KEY = {"gln": "0088", "gtin": "0160"}
ISO_SCHEMES_BY_TYPE = {"SIREN": "0002", "SIRET": "0009", "CVR": "0184"}


def iso_scheme(identity: dict) -> None:
    scheme = ISO_SCHEMES_BY_KEY.get(identity.get("key")) or ISO_SCHEMES_BY_TYPE.get(
        identity.get("type")
    )
    if scheme is not None:
        ext = identity.get("ext") if isinstance(identity.get("ext"), dict) else {}
        identity["ext"] = ext | {"iso-scheme-id": scheme}


# Spain's reporting add-ons: the extension with which they code a foreign customer's identity.
SPANISH_IDENTITY_TYPES = {
    "es-verifactu-v1": "es-verifactu-identity-type",
    "es-sii-v1": "es-sii-identity-type",
    "es-tbai-v1": "es-tbai-identity-type",
}
IDENTITY_TYPES = {"passport": "03", "foreign": "04", "resident": "05", "other": "06"}


def spanish_identity_type(customer: dict, ext_key: str) -> None:
    """A customer without a Spanish NIF is identified by its first identity, whose kind
    (passport, foreign or resident card, other) the agency wants as a code."""
    tax_id = customer.get("tax_id") if isinstance(customer.get("tax_id"), dict) else {}
    if tax_id.get("country") == "ES" and tax_id.get("code"):
        return
    found = identities(customer)
    first = found[0] if found and isinstance(found[0], dict) else {}
    code = IDENTITY_TYPES.get(first.get("key"))
    if code is not None:
        ext = first.get("ext") if isinstance(first.get("ext"), dict) else {}
        first["ext"] = ext | {ext_key: code}


def choruspro_scheme(party: dict) -> None:
    """Chorus Pro's scheme of a party's identifier: a SIRET (1) for a French one, an EU
    (2) or other (3) VAT number for a foreign one; kept when given."""
    ext = party.get("ext") if isinstance(party.get("ext"), dict) else {}
    if ext.get("fr-choruspro-scheme"):
        return
    tax_id = party.get("tax_id") if isinstance(party.get("tax_id"), dict) else None
    if tax_id is not None and tax_id.get("country") != "FR":
        scheme = "2" if tax_id.get("country") in EU_MEMBERS else "3"
    elif any(isinstance(i, dict) and i.get("type") == "SIRET" for i in identities(party)):
        scheme = "1"
    else:
        return
    party["ext"] = ext | {"fr-choruspro-scheme": scheme}


def identities(party: dict) -> list:
    found = party.get("identities")
    return found if isinstance(found, list) else []


def italian_supplier(supplier: dict) -> None:
    """SDI's supplier is in the ordinary fiscal regime (RF01) unless it says otherwise, and
    an Italian supplier's telephone numbers lose the +39 that SDI does not want."""
    ext = supplier.get("ext") if isinstance(supplier.get("ext"), dict) else {}
    if not ext.get("it-sdi-fiscal-regime"):
        supplier["ext"] = ext | {"it-sdi-fiscal-regime": "RF01"}
    tax_id = supplier.get("tax_id") if isinstance(supplier.get("tax_id"), dict) else {}
    if tax_id.get("country") != "IT":
        return
    for phone in supplier.get("telephones") or []:
        if isinstance(phone, dict) and str(phone.get("num", "")).startswith("+39"):
            phone["num"] = phone["num"][3:]


def colombian_responsibility(party: dict) -> None:
    """DIAN wants a Colombian party's fiscal responsibility: "R-99-PN" (none of the others)
    unless one is given."""
    tax_id = party.get("tax_id") if isinstance(party.get("tax_id"), dict) else {}
    if tax_id.get("country") != "CO":
        return
    ext = party.get("ext") if isinstance(party.get("ext"), dict) else {}
    if not ext.get("co-dian-fiscal-responsibility"):
        party["ext"] = ext | {"co-dian-fiscal-responsibility": "R-99-PN"}


# ARCA's VAT status of a customer: the first code, unless the one given is among the others.
ARCA_STATUSES = {
    "none": ("5", "4", "7", "10", "15"),  # no tax id: a final consumer, by default
    "foreign": ("9", "8"),
    "AR": ("1", "6", "13", "16", "4", "7", "10", "15"),  # registered for VAT, by default
}


def arca_vat_status(customer: dict) -> None:
    tax_id = customer.get("tax_id")
    if not isinstance(tax_id, dict):
        codes = ARCA_STATUSES["none"]
    else:
        codes = ARCA_STATUSES["AR" if tax_id.get("country") == "AR" else "foreign"]
    ext = customer.get("ext") if isinstance(customer.get("ext"), dict) else {}
    if ext.get("ar-arca-vat-status") not in codes[1:]:
        customer["ext"] = ext | {"ar-arca-vat-status": codes[0]}


def add_peppol_endpoint(party: dict, inboxes: list[dict]) -> None:
    """EN 16931's endpoints model: a party's Peppol inbox is also given as an endpoint,
    unless the party has one already."""
    endpoints = party.get("endpoints") if isinstance(party.get("endpoints"), list) else []
    uris = [e.get("uri") for e in endpoints if isinstance(e, dict)]
    if any(isinstance(u, str) and u.startswith(PEPPOL_ENDPOINT + ":") for u in uris):
        return
    for inbox in inboxes:
        if inbox.get("key") == "peppol" and inbox.get("scheme") and inbox.get("code"):
            endpoint = {"uri": f"{PEPPOL_ENDPOINT}::{inbox['scheme']}:{inbox['code']}"}
            if inbox.get("label"):
                endpoint = {"label": inbox["label"]} | endpoint
            party["endpoints"] = [*endpoints, endpoint]
            return
