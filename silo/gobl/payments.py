"""Calculation of a bill/payment, as GOBL's bill/payment.go and payment_line.go do it.

A payment is not priced like an invoice: each line is an amount paid against a document
(whose payable and tax totals the line may carry), the payment's `total` is the sum of its
lines (a refund counts against it), and its methods say how that total was paid. A line with
both the document's taxes and its payable gets its share of those taxes: their bases scaled
by amount ÷ payable.
"""

from decimal import Decimal

from . import amounts as num
from .calc import amount_field, check_date, percent_field, today_in
from .problems import Problems
from .regimes import KNOWN_CURRENCIES, Regime, currency_decimals
from .taxes import recalculated


class Payment:
    def __init__(self, doc: dict, regime: Regime, problems: Problems):
        self.doc = doc
        self.regime = regime
        self.problems = problems
        self.places = 2


def calculate_payment(doc: dict, regime: Regime, problems: Problems) -> None:
    payment = Payment(doc, regime, problems)
    if not doc.get("type"):
        doc["type"] = "receipt"
    if not doc.get("issue_date"):
        doc["issue_date"] = today_in(regime.time_zone)
    check_date(doc, "issue_date", problems)
    if not doc.get("currency"):
        doc["currency"] = regime.currency
    if not doc["currency"]:
        problems.add("/currency", "is required: the supplier's country has no tax regime")
        return
    if doc["currency"] not in KNOWN_CURRENCIES:
        problems.add("/currency", f"{doc['currency']!r} is not a known currency code")
        return
    payment.places = currency_decimals(doc["currency"])
    total = lines_total(payment)
    if total is not None:
        doc["total"] = num.text(total)
    calculate_methods(payment)


def lines_total(payment: Payment) -> Decimal | None:
    lines = payment.doc.get("lines")
    total = None
    for index, line in enumerate(lines if isinstance(lines, list) else []):
        if not isinstance(line, dict):
            continue
        line["i"] = index + 1
        problems = payment.problems.at(f"/lines/{index}")
        amount = amount_field(line, "amount", problems, required=True)
        if amount is None:
            continue
        calculate_line(payment, line, amount, problems)
        if line.get("refund") is True:
            amount = -amount
        total = amount if total is None else num.add(total, amount)
    return total


def calculate_line(payment: Payment, line: dict, amount: Decimal, problems: Problems) -> None:
    """The line's payable (the document's, in the payment's currency), its due, and its share
    of the document's taxes."""
    document, share = line.get("document"), None
    if isinstance(document, dict):
        rate = None
        if document.get("currency"):
            # GOBL asks for a rate whenever the document names its currency, even the
            # payment's own (it finds none from a currency to itself): a document in the
            # payment's currency leaves `currency` out.
            rate = exchange_rate(payment, document["currency"], problems)
            if rate is None:
                return
        share = document_taxes(payment, document, rate, problems.at("/document"))
        payable = amount_field(document, "payable", problems.at("/document"))
        if payable is not None:
            if rate is not None:
                payable = num.rescale(num.mul(payable, rate), payment.places)
            line["payable"] = num.text(payable)
    payable = amount_field(line, "payable", problems)
    if payable is None:
        if isinstance(line.get("tax"), dict):
            line["tax"] = recalculated(line["tax"], payment.places, problems.at("/tax"))
        return
    if share is not None:
        factor = num.div(num.rescale(amount, num.scale(amount) + 2), payable)
        line["tax"] = scaled(share, factor, payment.places, problems.at("/tax"))
    elif isinstance(line.get("tax"), dict):
        line["tax"] = recalculated(line["tax"], payment.places, problems.at("/tax"))
    due = payable
    advances = amount_field(line, "advances", problems)
    if advances is not None:
        due = num.sub(due, advances)
    line["due"] = num.text(num.sub(due, amount))


def exchange_rate(payment: Payment, source: str, problems: Problems) -> Decimal | None:
    target = payment.doc["currency"]
    rates = payment.doc.get("exchange_rates")
    if source != target:
        for rate in rates if isinstance(rates, list) else []:
            if isinstance(rate, dict) and (rate.get("from"), rate.get("to")) == (source, target):
                return amount_field(rate, "amount", payment.problems.at("/exchange_rates"))
    problems.add("/document/currency", f"missing exchange rate from {source} to {target}")
    return None


def document_taxes(payment: Payment, document: dict, rate, problems: Problems) -> dict | None:
    """The document's tax totals recalculated in the payment's currency (GOBL's
    DocumentRef.Calculate), and a copy of them in that currency for the line's share."""
    if not isinstance(document.get("tax"), dict):
        return None
    tax = recalculated(document["tax"], payment.places, problems.at("/tax"))
    if tax is None:
        return None
    document["tax"] = tax
    share = num_copy(tax)
    if rate is not None:
        for rate_total in rates_of(share):
            base = num.parse(rate_total["base"])
            rate_total["base"] = num.text(num.rescale(num.mul(base, rate), payment.places))
        share = recalculated(share, payment.places, problems)
    return share


def scaled(tax: dict, factor: Decimal, places: int, problems: Problems) -> dict | None:
    """Tax totals with every base multiplied by `factor` (keeping its decimals), then
    recalculated: GOBL's Total.Scale."""
    tax = num_copy(tax)
    if factor:
        for rate_total in rates_of(tax):
            rate_total["base"] = num.text(num.mul(num.parse(rate_total["base"]), factor))
    return recalculated(tax, places, problems)


def rates_of(tax: dict):
    for category in tax.get("categories") or []:
        yield from category.get("rates") or []


def num_copy(tax: dict) -> dict:
    return {
        **tax,
        "categories": [
            {**c, "rates": [dict(r) for r in c.get("rates") or []]}
            for c in tax.get("categories") or []
        ],
    }


def calculate_methods(payment: Payment) -> None:
    """Methods given by percent of the total get their amount; a single method without an
    amount or a currency of its own is the whole total."""
    methods = payment.doc.get("methods")
    if not isinstance(methods, list):
        return
    total = num.parse(payment.doc["total"]) if "total" in payment.doc else None
    for index, method in enumerate(methods):
        if not isinstance(method, dict):
            continue
        percent = percent_field(method, "percent", payment.problems.at(f"/methods/{index}"))
        if percent is not None and total is not None:
            method["amount"] = num.text(num.percent_of(percent, total))
    if len(methods) == 1 and isinstance(methods[0], dict) and total is not None:
        method = methods[0]
        if not is_nonzero(method.get("amount")) and not method.get("currency"):
            method["amount"] = num.text(total)


def is_nonzero(value) -> bool:
    try:
        return value is not None and bool(num.parse(value))
    except num.AmountError:
        return True  # reported by the schema
