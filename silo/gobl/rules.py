"""A regime's own rules for invoices, checked once the invoice is calculated, as GOBL checks
them after `calculate`: what a country's tax authority refuses although the figures add up.

Written from GOBL's published rule sets (the reference's `rules/<regime>.json`), with GOBL's
messages, so that a client sees the same words from us as from `gobl build`; each check names
its GOBL fault code. Regimes without rules here have none beyond the schema's.
"""

from . import amounts as num
from .problems import Problems
from .regimes import Regime

PT_INVOICE_TYPES = ("standard", "credit-note", "debit-note", "proforma", "other")


def check_invoice(doc: dict, regime: Regime, problems: Problems) -> None:
    check = INVOICE_RULES.get(regime.country)
    if check is not None:
        check(doc, problems)


def portugal(doc: dict, problems: Problems) -> None:
    """GOBL-PT-BILL-INVOICE: Portugal's SAF-T has no negative lines (a refund is a credit
    note) and no document dated after the invoice it belongs to."""
    if doc.get("type") not in PT_INVOICE_TYPES:
        problems.add("/type", "invoice type is not valid for Portugal")  # 01
    if doc.get("type") in ("credit-note", "debit-note") and not doc.get("preceding"):
        problems.add("/preceding", "preceding is required for credit and debit notes")  # 02
    portuguese_supplier(doc.get("supplier"), problems)
    for index, line in enumerate(items(doc.get("lines"))):
        if negative(line.get("quantity")):
            problems.add(f"/lines/{index}/quantity", "line quantity must be zero or positive")
        item = line.get("item") if isinstance(line.get("item"), dict) else {}
        if negative(item.get("price")):
            problems.add(f"/lines/{index}/item/price", "item price must be zero or positive")
    totals = doc.get("totals") if isinstance(doc.get("totals"), dict) else {}
    if negative(totals.get("due")):
        problems.add("/totals/due", "due amount must be zero or positive")  # 07
    portuguese_dates(doc, problems)


def portuguese_supplier(supplier, problems: Problems) -> None:
    tax_id = supplier.get("tax_id") if isinstance(supplier, dict) else None
    if not tax_id:
        problems.add("/supplier/tax_id", "supplier tax ID is required")  # 03
    elif isinstance(tax_id, dict) and not tax_id.get("code"):
        problems.add("/supplier/tax_id/code", "supplier tax ID code is required")  # 04


def portuguese_dates(doc: dict, problems: Problems) -> None:
    issued = doc.get("issue_date")
    if not is_date(issued):
        return
    if after(doc.get("value_date"), issued):
        problems.add("", "value date must not be after issue date")  # 11
    if after(doc.get("op_date"), issued):
        problems.add("", "operation date must not be after issue date")  # 12
    if any(after(ref.get("issue_date"), issued) for ref in items(doc.get("preceding"))):
        message = "preceding document issue dates must not be after invoice issue date"
        problems.add("", message)  # 13
    payment = doc.get("payment") if isinstance(doc.get("payment"), dict) else {}
    if any(after(advance.get("date"), issued) for advance in items(payment.get("advances"))):
        problems.add("", "advance payment dates must not be after invoice issue date")  # 14
    terms = payment.get("terms") if isinstance(payment.get("terms"), dict) else {}
    if any(after(issued, due.get("date")) for due in items(terms.get("due_dates"))):
        problems.add("", "payment due dates must not be before invoice issue date")  # 15


def items(entries) -> list[dict]:
    """The objects of a list, skipping what the schema check reports as malformed."""
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def negative(value) -> bool:
    try:
        return value is not None and num.parse(value) < 0
    except num.AmountError:  # reported by the calculation
        return False


def is_date(value) -> bool:
    return isinstance(value, str) and len(value) == 10


def after(date, other) -> bool:
    """ISO dates compare as text; a date missing or malformed is no one's problem here."""
    return is_date(date) and is_date(other) and date > other


INVOICE_RULES = {"PT": portugal}
