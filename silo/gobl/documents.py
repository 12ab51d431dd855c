"""The GOBL documents other than invoices, built as `gobl build` builds them.

Orders and deliveries are calculated as invoices are (GOBL has one calculation for its
bills), payments have their own (payments.py); a status gets its regime and its lines'
indexes; a party, a tax identity and a message are only normalized. `$addons` is kept to
the add-ons GOBL registers, whose normalizers reach these documents by type, as in an
invoice: a payment method's or an order's payment means, EN 16931's adjustments and notes,
parties and items (scenarios.add_type_codes, parties.normalize_parties). A document that
could be built then meets GOBL's rules for its kind, as an invoice does (gobl_rules).
"""

from . import ctc, saft
from .addons import with_requirements
from .calc import calculate_invoice, today_in
from .gobl_rules import check_rules
from .identities import normalize_tax_id, normalize_tax_ids
from .members import DOCUMENTS, MEMBERS, drop_unknown_members
from .parties import normalize_parties
from .payments import calculate_payment
from .problems import Problems
from .regimes import GLOBAL, Regime, regime_for, regime_or_global
from .scenarios import add_type_codes
from .schemas import BASE, schema_problems

ORDER, DELIVERY, PAYMENT = BASE + "bill/order", BASE + "bill/delivery", BASE + "bill/payment"
STATUS, PARTY, IDENTITY = BASE + "bill/status", BASE + "org/party", BASE + "tax/identity"
MESSAGE = BASE + "note/message"
# The parties each kind has, whose tax identities GOBL normalizes.
ROLES = {
    ORDER: ("supplier", "customer", "buyer", "seller"),
    DELIVERY: ("supplier", "customer", "despatcher", "receiver", "courier"),
    PAYMENT: ("supplier", "customer", "payee", "payer"),
    STATUS: ("supplier", "customer"),
}
DEFAULT_TYPES = {ORDER: "purchase", DELIVERY: "advice"}
SAFT_KINDS = {PAYMENT: "payment", ORDER: "order", DELIVERY: "delivery"}


def is_other_document(doc: dict) -> bool:
    return doc.get("$schema") in BUILDERS


def build_other_document(doc: dict, problems: Problems) -> dict:
    """`doc`, of a kind in BUILDERS, as GOBL builds it; what it refuses is a problem."""
    schema = doc["$schema"]
    drop_unknown_members(doc)
    addons = doc.get("$addons")
    if isinstance(addons, list):
        doc["$addons"] = addons = with_requirements(addons)
        if schema in ROLES:  # the kinds that take add-ons
            add_type_codes(doc, addons)
            normalize_parties(doc, invoice=False)
    BUILDERS[schema](doc, problems)
    if saft.V1 in (addons or ()) and schema in SAFT_KINDS:
        saft.finish_other(doc, SAFT_KINDS[schema])
    if ctc.FLOW6 in (addons or ()) and schema in (PAYMENT, STATUS):
        ctc.finish_flow6(doc, "payment" if schema == PAYMENT else "status")
    schema_problems(doc, problems)
    # GOBL validates a document it could calculate. A payment it calculates even without a
    # line's amount (zero to it), and ours is whole by then (its lines indexed, its total
    # summed), so its rules speak beside our problems; a pointer keeps its first problem.
    if not problems or schema == PAYMENT:
        check_rules(doc, problems)
    kept = {k: v for k, v in doc.items() if v not in ([], {}, None)}
    # Printed in the order of GOBL's struct, as it prints them.
    order = ("$schema", *MEMBERS[DOCUMENTS[schema]])
    return {name: kept[name] for name in order if name in kept} | kept


def with_regime(doc: dict) -> Regime:
    """The document's regime (`$regime`, else its supplier's tax country), set on it; else
    the global one, with which GOBL still calculates a document that names its currency."""
    supplier = doc.get("supplier") if isinstance(doc.get("supplier"), dict) else {}
    tax_id = supplier.get("tax_id") if isinstance(supplier.get("tax_id"), dict) else {}
    country = doc.get("$regime") or tax_id.get("country")
    regime = regime_for(country)
    if regime is not None and regime.country:
        doc["$regime"] = regime.country
    return regime or regime_or_global(country) or GLOBAL


def build_bill(doc: dict, problems: Problems) -> None:
    """An order or a delivery: priced lines are calculated as an invoice's."""
    if not doc.get("type"):
        doc["type"] = DEFAULT_TYPES[doc["$schema"]]
    regime = with_regime(doc)
    calculate_invoice(doc, regime, problems, priced=False)
    normalize_tax_ids(doc, ROLES[doc["$schema"]])


def build_payment(doc: dict, problems: Problems) -> None:
    regime = with_regime(doc)
    calculate_payment(doc, regime, problems)
    normalize_tax_ids(doc, ROLES[PAYMENT])


def build_status(doc: dict, problems: Problems) -> None:
    with_regime(doc)
    if not doc.get("issue_date"):
        doc["issue_date"] = today_in("UTC")  # GOBL's cal.Today(), whatever the regime
    normalize_tax_ids(doc, ROLES[STATUS])
    lines = doc.get("lines")
    for index, line in enumerate(lines if isinstance(lines, list) else []):
        if isinstance(line, dict):
            line["index"] = index + 1


def build_party(doc: dict, problems: Problems) -> None:
    normalize_tax_id(doc.get("tax_id"))


def build_identity(doc: dict, problems: Problems) -> None:
    normalize_tax_id(doc)


def build_message(doc: dict, problems: Problems) -> None:
    pass  # nothing to calculate: GOBL's rules say what a message lacks


BUILDERS = {
    ORDER: build_bill,
    DELIVERY: build_bill,
    PAYMENT: build_payment,
    STATUS: build_status,
    PARTY: build_party,
    IDENTITY: build_identity,
    MESSAGE: build_message,
}
