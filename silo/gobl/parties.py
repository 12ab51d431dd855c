"""The parties of an invoice (supplier, customer, and those of ordering, delivery and
payment) as GOBL normalizes them: their inboxes, what EN 16931 adds to them and to the items
sold, and Italy's ways (codici fiscali, five-digit postal codes).
"""

import re

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
PEPPOL_CODE = re.compile(r"^(\d{4}):(.+)$")  # "0208:0735585741": an ICD scheme, then the code
PEPPOL_ENDPOINT = "iso6523-actorid-upis"
EN16931 = "eu-en16931-v2017"
NOT_CODE = re.compile(r"[^A-Z0-9Ñ&]+")


def normalize_parties(doc: dict) -> None:
    addons = doc.get("$addons") if isinstance(doc.get("$addons"), list) else []
    for party in parties(doc):
        inboxes = [i for i in party.get("inboxes") or [] if isinstance(i, dict)]
        for inbox in inboxes:
            normalize_inbox(inbox)
        if EN16931 in addons:
            add_peppol_endpoint(party, inboxes)
        if doc.get("$regime") == "IT":
            move_fiscal_code(party)
        if "it-sdi-v1" in addons:
            for address in party.get("addresses") or []:
                if isinstance(address, dict):
                    pad_italian_postal_code(address)
    if EN16931 in addons:
        for item in items(doc):
            if not item.get("unit"):
                item["unit"] = "one"  # EN 16931 requires a unit (BR-23)


def parties(doc: dict) -> list[dict]:
    found = [doc.get("supplier"), doc.get("customer")]
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
