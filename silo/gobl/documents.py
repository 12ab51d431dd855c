"""The GOBL documents other than invoices, built as `gobl build` builds them.

Orders and deliveries are calculated as invoices are (GOBL has one calculation for its
bills), payments have their own (payments.py); a status gets its regime and its lines'
indexes; a party, a tax identity and a message are only normalized. Each then meets GOBL's
rules for its kind (the messages of the reference's `rules/bill.json`, `note.json`), the
ones our schema of the kind does not already say ("supplier is required").
"""

from decimal import Decimal

from . import amounts as num
from .calc import calculate_invoice, today_in
from .gobl_rules.predicates import objects as items
from .identities import normalize_tax_id, normalize_tax_ids
from .members import DOCUMENTS, MEMBERS, drop_unknown_members
from .payments import calculate_payment
from .problems import Problems
from .regimes import GLOBAL, Regime, currency_decimals, regime_for, regime_or_global
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
STATUS_TYPES = ("response", "update", "system")
STATUS_LINE_KEYS = (
    "issued", "acknowledged", "processing", "querying", "rejected", "accepted", "paid", "error",
    "other",
)  # fmt: skip
REASON_KEYS = (
    "none", "references", "legal", "unknown-receiver", "quality", "delivery", "prices",
    "quantity", "items", "payment-terms", "not-recognized", "finance-terms", "partial", "other",
)  # fmt: skip
ACTION_KEYS = (
    "none", "provide", "reissue", "credit-full", "credit-partial", "credit-amount", "other",
)  # fmt: skip


def is_other_document(doc: dict) -> bool:
    return doc.get("$schema") in BUILDERS


def build_other_document(doc: dict, problems: Problems) -> dict:
    """`doc`, of a kind in BUILDERS, as GOBL builds it; what it refuses is a problem."""
    schema = doc["$schema"]
    drop_unknown_members(doc)
    BUILDERS[schema](doc, problems)
    schema_problems(doc, problems)
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
    """An order or a delivery: priced lines are calculated as an invoice's; GOBL requires
    lines."""
    if not doc.get("type"):
        doc["type"] = DEFAULT_TYPES[doc["$schema"]]
    regime = with_regime(doc)
    calculate_invoice(doc, regime, problems, priced=False)
    normalize_tax_ids(doc, ROLES[doc["$schema"]])
    if not doc.get("lines"):
        problems.add("/lines", "lines are required")


def build_payment(doc: dict, problems: Problems) -> None:
    regime = with_regime(doc)
    calculate_payment(doc, regime, problems)
    normalize_tax_ids(doc, ROLES[PAYMENT])
    check_payment(doc, problems)


def check_payment(doc: dict, problems: Problems) -> None:
    """GOBL-BILL-PAYMENT and -PAYMENT-LINE rules."""
    methods = doc.get("methods")
    if not methods:
        problems.add("/methods", "at least one payment method is required")  # 03
    for index, method in enumerate(items(methods)):
        if not method.get("key"):
            problems.add(f"/methods/{index}/key", "payment method key is required")  # 09
    for index, line in enumerate(items(doc.get("lines"))):
        check_payment_line(line, problems.at(f"/lines/{index}"))
    if not problems:
        check_methods_sum(doc, problems)


def check_payment_line(line: dict, problems: Problems) -> None:
    figures = {}
    for name in ("payable", "advances", "amount", "due"):
        try:
            figures[name] = num.parse(line[name]) if line.get(name) is not None else None
        except num.AmountError:
            return  # reported by the calculation
    installment = line.get("installment")
    if isinstance(installment, int) and not 1 <= installment <= 999:
        problems.add("/installment", "installment must be between 1 and 999")  # 01
    positive = {"payable": "02", "amount": "04"}
    for name, value in figures.items():
        if value is None:
            continue
        if name in positive and value <= 0:
            problems.add(f"/{name}", f"{name} must be positive")
        elif name not in positive and value < 0:
            problems.add(f"/{name}", f"{name} must be zero or positive")  # 03, 05
    payable, advances = figures["payable"], figures["advances"]
    if payable is not None and advances is not None and advances > payable:
        problems.add("", "advances must not exceed payable")  # 11
    most = payable - (advances or 0) if payable is not None else None
    amount = figures["amount"]
    if most is not None and most >= 0 and amount is not None and amount > most:
        problems.add("", "amount must not exceed payable less advances")  # 12


def check_methods_sum(doc: dict, problems: Problems) -> None:
    """GOBL-BILL-PAYMENT-08: what the methods paid, in the payment's currency, is its total."""
    methods, currency = items(doc.get("methods")), doc.get("currency")
    if not methods or "total" not in doc:
        return
    places = currency_decimals(currency)
    paid = num.rescale(Decimal(0), places)
    for method in methods:
        amount = num.parse(method.get("amount") or "0")
        source = method.get("currency") or currency
        if source != currency:
            rate = exchange_rate(doc, source, currency)
            if rate is None:
                problems.add("", f"missing exchange rate from {source} to {currency}")
                return
            amount = num.rescale(num.mul(amount, rate), places)
        paid = num.add(paid, amount)
    if paid != num.parse(doc["total"]):
        problems.add("", "methods sum must match total")


def exchange_rate(doc: dict, source: str, target: str) -> Decimal | None:
    for rate in items(doc.get("exchange_rates")):
        if (rate.get("from"), rate.get("to")) == (source, target):
            return num.parse(rate.get("amount") or "0")
    return None


def build_status(doc: dict, problems: Problems) -> None:
    with_regime(doc)
    if not doc.get("issue_date"):
        doc["issue_date"] = today_in("UTC")  # GOBL's cal.Today(), whatever the regime
    normalize_tax_ids(doc, ROLES[STATUS])
    if doc.get("type") and doc["type"] not in STATUS_TYPES:
        problems.add("/type", "status type is not valid")  # 02
    lines = doc.get("lines")
    if not lines:
        problems.add("/lines", "status must have at least one line")  # 04
    for index, line in enumerate(lines if isinstance(lines, list) else []):
        if isinstance(line, dict):
            line["index"] = index + 1
            check_status_line(line, problems.at(f"/lines/{index}"))


def check_status_line(line: dict, problems: Problems) -> None:
    if not line.get("key"):
        problems.add("/key", "status line key is required")
    elif line["key"] not in STATUS_LINE_KEYS:
        problems.add("/key", "status line key is not valid")
    for name, keys, what in (
        ("reasons", REASON_KEYS, "reason"),
        ("actions", ACTION_KEYS, "action"),
    ):
        for index, entry in enumerate(items(line.get(name))):
            if not entry.get("key"):
                problems.add(f"/{name}/{index}/key", f"{what} key is required")
            elif entry["key"] not in keys:
                problems.add(f"/{name}/{index}/key", f"{what} key is not valid")


def build_party(doc: dict, problems: Problems) -> None:
    normalize_tax_id(doc.get("tax_id"))


def build_identity(doc: dict, problems: Problems) -> None:
    normalize_tax_id(doc)
    if not doc.get("country"):
        problems.add("/country", "tax id country code is always required")


def build_message(doc: dict, problems: Problems) -> None:
    if not doc.get("content"):
        problems.add("/content", "message content is required")


BUILDERS = {
    ORDER: build_bill,
    DELIVERY: build_bill,
    PAYMENT: build_payment,
    STATUS: build_status,
    PARTY: build_party,
    IDENTITY: build_identity,
    MESSAGE: build_message,
}
