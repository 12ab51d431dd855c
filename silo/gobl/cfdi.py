"""Mexico's CFDI add-on (mx-cfdi-v4): the codes the SAT's CFDI 4.0 reads from an invoice, and
the MX regime's own moves of the codes it once kept elsewhere.

GOBL v0.502.0 moved the add-on out of its core into invopop/gobl.mx.cfdi; v0.502.1 approves
the key (addons/external.go) and a GOBL with the module imported registers it. Written from
that module's v0.61.0, the one built against GOBL v0.502.1 (July 2026): the invoice's type
(I, or E with relation 01 for a credit note) and payment method (PUE when paid, else PPD),
the payment means of instructions and advances, codes given as identities moved to `ext`, a
six-digit product code completed to eight, an invoice without an issue time issued now, and a
global (B2C) invoice without a customer.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

V4 = "mx-cfdi-v4"
DOC_TYPE, REL_TYPE = "mx-cfdi-doc-type", "mx-cfdi-rel-type"
PAYMENT_METHOD, ISSUE_PLACE = "mx-cfdi-payment-method", "mx-cfdi-issue-place"
PROD_SERV, POST_CODE = "mx-cfdi-prod-serv", "mx-cfdi-post-code"
EXTENSIONS = (
    f"{DOC_TYPE} {REL_TYPE} {PAYMENT_METHOD} mx-cfdi-payment-means",
    f"{ISSUE_PLACE} mx-cfdi-fiscal-regime mx-cfdi-use {PROD_SERV} mx-cfdi-tax-type "
    "mx-cfdi-global-period mx-cfdi-global-month mx-cfdi-global-year",
)
# Codes that were once a party's or an item's identities (keys), now their `ext`.
MIGRATED = ("mx-cfdi-prod-serv", "mx-cfdi-fiscal-regime", "mx-cfdi-use")
SIX_DIGITS = re.compile(r"^\d{6}$")
TIME_ZONE = ZoneInfo("America/Mexico_City")

# SAT's c_FormaPago, by GOBL's payment means key.
PAYMENT_MEANS = {
    "cash": "01",
    "cheque": "02",
    "credit-transfer": "03",
    "card": "04",
    "online+wallet": "05",
    "online": "06",
    "other+grocery-vouchers": "08",
    "other+in-kind": "12",
    "other+subrogation": "13",
    "other+consignment": "14",
    "other+debt-relief": "15",
    "netting": "17",
    "other+novation": "23",
    "other+merger": "24",
    "other+remission": "25",
    "other+expiration": "26",
    "other+satisfy-creditor": "27",
    "card+debit": "28",
    "other+debit": "28",
    "other+services": "29",
    "other+advance": "30",
    "other+intermediary": "31",
}


def finish_invoice(doc: dict, tags: list, addons: list, codes: dict) -> None:
    """What the MX regime and, with it, the add-on do to a calculated invoice: `codes` are
    its `tax.ext` as they will be, which the scenarios' codes replace."""
    move_post_codes(doc, codes)
    if V4 not in addons:
        return
    if not doc.get("issue_time"):
        now = datetime.now(TIME_ZONE)
        doc["issue_date"], doc["issue_time"] = now.date().isoformat(), now.strftime("%H:%M:%S")
    if "global" in tags:
        doc.pop("customer", None)
    kind = doc.get("type")
    if kind == "standard":
        codes[DOC_TYPE] = "I"
    elif kind == "credit-note":
        codes |= {DOC_TYPE: "E", REL_TYPE: "01"}
    if kind in ("standard", "credit-note"):
        codes[PAYMENT_METHOD] = "PUE" if is_paid(doc) else "PPD"


def is_paid(doc: dict) -> bool:
    totals = doc.get("totals") if isinstance(doc.get("totals"), dict) else {}
    due = totals.get("due")
    return isinstance(due, str) and due.strip("0.-") == ""


def move_post_codes(doc: dict, codes: dict) -> None:
    """The MX regime's migration (regimes/mx/org_invoice.go): the place of issue is the
    supplier's post code (its old extension, else its first address's), the customer's old
    post code extension becomes its first address's code."""
    supplier, customer = party(doc, "supplier"), party(doc, "customer")
    if ISSUE_PLACE not in codes and supplier is not None:
        addresses = [a for a in supplier.get("addresses") or [] if isinstance(a, dict)]
        first = addresses[0].get("code") if addresses else ""
        code = party_ext(supplier).get(POST_CODE) or first
        if code:
            codes[ISSUE_PLACE] = code
    if customer is not None and party_ext(customer).get(POST_CODE):
        addresses = customer.get("addresses") or [{}]
        if isinstance(addresses[0], dict):
            addresses[0]["code"] = party_ext(customer)[POST_CODE]
            customer["addresses"] = addresses
    for found in (supplier, customer):
        if found is not None and POST_CODE in party_ext(found):
            found["ext"] = {k: v for k, v in found["ext"].items() if k != POST_CODE}


def party(doc: dict, role: str) -> dict | None:
    found = doc.get(role)
    return found if isinstance(found, dict) else None


def party_ext(found: dict) -> dict:
    return found["ext"] if isinstance(found.get("ext"), dict) else {}


def move_identities(holder: dict) -> None:
    """A party's or an item's CFDI codes given as identities (key and code) go to `ext`."""
    identities = holder.get("identities")
    if not isinstance(identities, list):
        return
    kept = []
    for identity in identities:
        if isinstance(identity, dict) and identity.get("key") in MIGRATED:
            holder["ext"] = party_ext(holder) | {identity["key"]: identity.get("code")}
        elif identity is not None:
            kept.append(identity)
    if kept:
        holder["identities"] = kept
    else:
        del holder["identities"]


def normalize_item(item: dict) -> None:
    move_identities(item)
    code = party_ext(item).get(PROD_SERV)
    if isinstance(code, str) and SIX_DIGITS.match(code):
        item["ext"] = item["ext"] | {PROD_SERV: code + "00"}
