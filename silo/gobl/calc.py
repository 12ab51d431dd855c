"""Calculation of a bill/invoice, as GOBL's `bill` package does it.

Lines first (quantity × price, then line discounts and charges), then the document's
discounts and charges over the sum of the lines, then the taxes (taxes.py), then totals,
rounded to the currency at the very end. The rounding rule "precise" (GOBL's default, once
called "sum-then-round") keeps two decimals more than the currency until then; "currency"
(once "round-then-sum") rounds every line amount first.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import amounts as num
from .addons import normalize_line_combos, prepare_invoice, prepare_line
from .problems import Problems
from .regimes import KNOWN_CURRENCIES, Regime, currency_decimals
from .taxes import (
    CURRENCY,
    EXTRA_PLACES,
    PRECISE,
    TaxableLine,
    parse_combos,
    recalculated,
    tax_totals,
    totals_json,
)

ROUNDING_NAMES = {
    PRECISE: PRECISE,
    CURRENCY: CURRENCY,
    "sum-then-round": PRECISE,
    "round-then-sum": CURRENCY,
}


class Invoice:
    """One calculation: the document (changed in place) and what it needs along the way."""

    def __init__(self, doc: dict, regime: Regime, problems: Problems):
        self.doc = doc
        self.regime = regime
        self.problems = problems
        self.places = 2
        self.rounding = PRECISE
        self.includes = ""
        self.date = ""
        self.priced = True
        self.combos: dict = {}  # parse_combos()'s, by what each combo says
        addons = doc.get("$addons")
        self.addons = (
            tuple(a for a in addons if isinstance(a, str)) if isinstance(addons, list) else ()
        )

    @property
    def zero(self) -> Decimal:
        return num.rescale(Decimal(0), self.places)

    def round_rule(self, amount: Decimal) -> Decimal:
        """GOBL's ApplyRoundingRule: to the currency under "currency", at least to it else."""
        if self.rounding == CURRENCY:
            return num.rescale(amount, self.places)
        return num.rescale_up(amount, self.places)


def calculate_invoice(doc: dict, regime: Regime, problems: Problems, priced=True) -> bool:
    """Fill in `doc`'s defaults, line sums and totals; what cannot be worked out is a problem.
    False when the lines could not even be looked at (without a date there are no rates).

    Orders and deliveries are calculated the same way (GOBL's one `calculate` for all its
    bills), but need no price (`priced=False`): without a priced line they have no totals."""
    invoice = Invoice(doc, regime, problems)
    invoice.priced = priced
    set_defaults(invoice)
    if problems or is_bypassed(doc):
        return False
    calculate_preceding(invoice)
    taxable = calculate_lines(invoice)
    line_sum = invoice.zero
    for line in taxable:
        line_sum = num.accumulate(line_sum, line.total)
    discounts = calculate_adjustments(invoice, "discounts", line_sum)
    charges = calculate_adjustments(invoice, "charges", line_sum)
    if problems:
        return True
    taxable += [TaxableLine(-amount, combos) for amount, combos in discounts]
    taxable += [TaxableLine(amount, combos) for amount, combos in charges]
    set_totals(invoice, line_sum, discounts, charges, taxable)
    return True


def is_bypassed(doc: dict) -> bool:
    """GOBL's "bypass" tag: the figures are the client's, kept as given (a document imported
    from elsewhere, whose totals must not move); only the defaults are filled in."""
    tags = doc.get("$tags")
    return isinstance(tags, list) and "bypass" in tags


# --- Defaults


def set_defaults(invoice: Invoice) -> None:
    doc, problems = invoice.doc, invoice.problems
    doc.setdefault("type", "standard")
    if not doc.get("currency"):
        doc["currency"] = invoice.regime.currency
    if not doc["currency"]:
        problems.add("/currency", "is required: the supplier's country has no tax regime")
    elif doc["currency"] not in KNOWN_CURRENCIES:
        problems.add("/currency", f"{doc['currency']!r} is not a known currency code")
    invoice.places = currency_decimals(doc["currency"])
    invoice.rounding = invoice.regime.rounding
    if not doc.get("issue_date"):
        doc["issue_date"] = today_in(invoice.regime.time_zone)
    for name in ("issue_date", "value_date", "op_date"):
        check_date(doc, name, problems)
    # The rates in force on the value date when there is one, as GOBL does.
    invoice.date = str(doc.get("value_date") or doc["issue_date"])
    if invoice.addons:
        prepare_invoice(doc, invoice.addons)
    tax = doc.get("tax") if isinstance(doc.get("tax"), dict) else {}
    if tax.get("rounding"):
        rounding = ROUNDING_NAMES.get(tax["rounding"])
        if rounding is None:
            problems.add("/tax/rounding", "must be precise or currency")
        else:
            tax["rounding"] = invoice.rounding = rounding
    invoice.includes = tax.get("prices_include") or ""


def today_in(time_zone: str) -> str:
    try:
        return datetime.datetime.now(ZoneInfo(time_zone)).date().isoformat()
    except ZoneInfoNotFoundError:  # a system without a time zone database
        return datetime.datetime.now(datetime.UTC).date().isoformat()


def check_date(doc: dict, name: str, problems: Problems) -> None:
    value = doc.get(name)
    if value is None:
        return
    try:
        datetime.date.fromisoformat(value if isinstance(value, str) and len(value) == 10 else "")
    except ValueError:
        problems.add(f"/{name}", "must be a date such as 2024-01-31")


# --- Preceding documents


def calculate_preceding(invoice: Invoice) -> None:
    """The tax totals given for a preceding document (a corrected invoice) get their amounts
    and sums, in that document's currency, as GOBL calculates them."""
    preceding = invoice.doc.get("preceding")
    for index, ref in enumerate(preceding if isinstance(preceding, list) else []):
        if not isinstance(ref, dict) or not isinstance(ref.get("tax"), dict):
            continue
        currency = ref.get("currency") or invoice.doc["currency"]
        problems = invoice.problems.at(f"/preceding/{index}/tax")
        tax = recalculated(ref["tax"], currency_decimals(currency), problems)
        if tax is not None:
            ref["tax"] = tax


# --- Lines


def calculate_lines(invoice: Invoice) -> list[TaxableLine]:
    lines = invoice.doc.get("lines")
    if lines is None:
        return []
    if not isinstance(lines, list):
        invoice.problems.add("/lines", "must be a list")
        return []
    taxable = []
    for index, line in enumerate(lines):
        problems = invoice.problems.at(f"/lines/{index}")
        if not isinstance(line, dict):
            problems.add("", "must be an object")
            continue
        line["i"] = index + 1
        if invoice.addons:
            prepare_line(line, invoice.addons)
        total = calculate_line(invoice, line, problems)
        combos = parse_combos(
            line.get("taxes"),
            invoice.regime,
            invoice.date,
            problems.at("/taxes"),
            invoice.addons,
            invoice.combos,
        )
        if invoice.addons:
            normalize_line_combos(line, combos, invoice.addons)
        if "taxes" in line:
            line["taxes"] = [c.as_json() for c in combos]
        if total is not None:
            taxable.append(TaxableLine(total, combos))
    return taxable


def calculate_line(invoice: Invoice, line: dict, problems: Problems) -> Decimal | None:
    """The line's total before taxes; None when its item has no price."""
    quantity = amount_field(line, "quantity", problems, required=True)
    item = line.get("item")
    if not isinstance(item, dict):
        problems.add("/item", "is required")
        return None
    if not isinstance(item.get("name"), str) or not item["name"].strip():
        problems.add("/item/name", "is required")
    if line.get("breakdown"):
        breakdown_price(invoice, line, problems.at("/breakdown"))
    price = amount_field(item, "price", problems.at("/item"))
    if quantity is not None and price is None:
        line["quantity"] = num.text(quantity)  # an amount, as GOBL prints it: "1", not 1
    if quantity is None or price is None:
        return None
    if price < 0:  # GOBL keeps prices positive: the quantity carries the sign
        price, quantity = -price, -quantity
    price = price_in_currency(invoice, item, price, problems.at("/item"))
    if price is None:
        return None
    item["price"], line["quantity"] = num.text(price), num.text(quantity)
    line_sum, total = priced(invoice, line, price, quantity, problems)
    round_line(line, line_sum, total, num.scale(price))
    return total


def price_in_currency(invoice: Invoice, item: dict, price, problems) -> Decimal | None:
    """The item's price in the document's currency, as GOBL's calculateLineItemPrice: an
    item priced in another currency takes its alternative price in the document's, else the
    document's exchange rate; the price it was given becomes its alternative price."""
    currency, own = invoice.doc["currency"], item.get("currency")
    price = num.rescale_up(price, currency_decimals(own or currency))
    if not own or own == currency:
        return price
    converted = alternative_price(item, currency, problems)
    if converted is None:
        rate = exchange_rate(invoice, own, currency)
        if rate is None:
            problems.add("/currency", f"no exchange rate found from {own!r} to {currency!r}")
            return None
        converted = num.rescale(num.mul(price, rate), invoice.places)
    item["currency"] = currency
    item["alt_prices"] = [{"currency": own, "value": num.text(price)}]
    return converted


def alternative_price(item: dict, currency: str, problems: Problems) -> Decimal | None:
    alt_prices = item.get("alt_prices")
    for index, alt in enumerate(alt_prices if isinstance(alt_prices, list) else []):
        if isinstance(alt, dict) and alt.get("currency") == currency:
            value = amount_field(alt, "value", problems.at(f"/alt_prices/{index}"), required=True)
            return None if value is None else num.rescale_up(value, currency_decimals(currency))
    return None


def exchange_rate(invoice: Invoice, source: str, target: str) -> Decimal | None:
    """The document's rate from one currency to another (GOBL uses no inverse rates)."""
    rates = invoice.doc.get("exchange_rates")
    for index, rate in enumerate(rates if isinstance(rates, list) else []):
        if isinstance(rate, dict) and (rate.get("from"), rate.get("to")) == (source, target):
            problems = invoice.problems.at(f"/exchange_rates/{index}")
            return amount_field(rate, "amount", problems, required=True)
    return None


def priced(invoice: Invoice, line: dict, price, quantity, problems) -> tuple[Decimal, Decimal]:
    """The sum and total of a line or sub-line, unrounded; its discounts and charges set."""
    if invoice.rounding == PRECISE:
        price = num.rescale_up(price, invoice.places + EXTRA_PLACES)
    line_sum = invoice.round_rule(num.mul(price, quantity))
    total = line_sum
    for index, discount in line_adjustments(line, "discounts", problems):
        total = num.sub(
            total, line_adjustment(invoice, discount, line_sum, quantity, problems, index)
        )
    for index, charge in line_adjustments(line, "charges", problems):
        total = num.add(
            total, line_adjustment(invoice, charge, line_sum, quantity, problems, index)
        )
    return line_sum, total


def line_adjustments(line: dict, name: str, problems: Problems):
    """The line's discounts (or charges), without the empty ones GOBL drops."""
    entries = line.get(name)
    if entries is None:
        return []
    if not isinstance(entries, list):
        problems.add(f"/{name}", "must be a list")
        return []
    kept = [e for e in entries if not is_empty_adjustment(e)]
    if kept:
        line[name] = kept
    else:
        del line[name]
    return [(f"/{name}/{i}", e) for i, e in enumerate(kept)]


def is_empty_adjustment(entry) -> bool:
    if not isinstance(entry, dict) or entry.get("percent") or entry.get("rate"):
        return False
    try:
        return not num.parse(entry.get("amount", "0"))
    except num.AmountError:
        return False


def line_adjustment(invoice: Invoice, entry, line_sum, quantity, problems, path) -> Decimal:
    """The amount of a line discount or charge, set on it: a percent of the line's sum (or of
    its own base), a rate per unit (charges), or an amount as given."""
    problems = problems.at(path)
    if not isinstance(entry, dict):
        problems.add("", "must be an object")
        return invoice.zero
    percent = percent_field(entry, "percent", problems)
    if percent:
        amount = num.percent_of(percent, adjustment_base(invoice, entry, line_sum, problems))
    elif entry.get("rate") is not None:
        rate = amount_field(entry, "rate", problems)
        if rate is None:
            return invoice.zero
        count = amount_field(entry, "quantity", problems) if "quantity" in entry else quantity
        amount = num.mul(rate, count if count is not None else quantity)
    else:
        amount = amount_field(entry, "amount", problems, required=True)
        if amount is None:
            return invoice.zero
    amount = num.rescale_up(amount, invoice.places)
    entry["amount"] = amount  # a Decimal until the line is rounded
    return amount


def adjustment_base(invoice: Invoice, entry: dict, line_sum, problems) -> Decimal:
    base = amount_field(entry, "base", problems) if "base" in entry else None
    if base is None:
        return line_sum
    entry["base"] = num.text(num.rescale_up(base, invoice.places))
    return invoice.round_rule(num.rescale_up(base, invoice.places + EXTRA_PLACES))


def round_line(line: dict, line_sum: Decimal, total: Decimal, places: int) -> None:
    """A line's figures with no more decimals than its price (GOBL's line.round())."""
    line["sum"], line["total"] = line_sum, total
    round_figures(line, places)


def round_figures(entry: dict, places: int) -> None:
    for name in ("sum", "total"):
        if isinstance(entry.get(name), Decimal):
            entry[name] = num.text(num.rescale_down(entry[name], places))
    for name in ("discounts", "charges"):
        for adjustment in entry.get(name) or []:
            if isinstance(adjustment, dict) and isinstance(adjustment.get("amount"), Decimal):
                adjustment["amount"] = num.text(num.rescale_down(adjustment["amount"], places))


def breakdown_price(invoice: Invoice, line: dict, problems: Problems) -> None:
    """A line with a breakdown is priced at the sum of its sub-lines' totals."""
    breakdown = line["breakdown"]
    if not isinstance(breakdown, list):
        problems.add("", "must be a list")
        return
    price, priced_any, places = invoice.zero, False, 0
    for index, sub_line in enumerate(breakdown):
        total = sub_line_total(invoice, sub_line, problems.at(f"/{index}"), index)
        if total is not None:
            priced_any = True
            price = num.accumulate(price, total)
            places = max(places, num.scale(num.parse(sub_line["item"]["price"])))
    if priced_any:
        line["item"]["price"] = num.text(num.rescale(price, places))
        line["item"]["currency"] = invoice.doc["currency"]
    for sub_line in breakdown:
        if isinstance(sub_line, dict):
            round_figures(sub_line, max(places, invoice.places))


def sub_line_total(invoice: Invoice, sub_line, problems: Problems, index: int) -> Decimal | None:
    if not isinstance(sub_line, dict):
        problems.add("", "must be an object")
        return None
    sub_line["i"] = index + 1
    quantity = amount_field(sub_line, "quantity", problems, required=True)
    item = sub_line.get("item")
    if not isinstance(item, dict):
        problems.add("/item", "is required")
        return None
    price = amount_field(item, "price", problems.at("/item"))
    if quantity is not None and price is None:
        sub_line["quantity"] = num.text(quantity)
    if quantity is None or price is None:
        return None
    price = price_in_currency(invoice, item, price, problems.at("/item"))
    if price is None:
        return None
    item["price"], sub_line["quantity"] = num.text(price), num.text(quantity)
    sub_line["sum"], sub_line["total"] = priced(invoice, sub_line, price, quantity, problems)
    return sub_line["total"]


# --- Document discounts and charges


def calculate_adjustments(invoice: Invoice, name: str, line_sum: Decimal) -> list:
    """The document's discounts (or charges): [(amount, combos)], amounts set on them."""
    entries = invoice.doc.get(name)
    if entries is None:
        return []
    if not isinstance(entries, list):
        invoice.problems.add(f"/{name}", "must be a list")
        return []
    found = []
    for index, entry in enumerate(entries):
        problems = invoice.problems.at(f"/{name}/{index}")
        if not isinstance(entry, dict):
            problems.add("", "must be an object")
            continue
        entry["i"] = index + 1
        amount = document_adjustment(invoice, entry, line_sum, problems)
        combos = parse_combos(
            entry.get("taxes"),
            invoice.regime,
            invoice.date,
            problems.at("/taxes"),
            invoice.addons,
            invoice.combos,
        )
        if "taxes" in entry:
            entry["taxes"] = [c.as_json() for c in combos]
        if amount is not None:
            entry["amount"] = num.text(num.rescale(amount, invoice.places))
            found.append((amount, combos))
    return found


def document_adjustment(invoice: Invoice, entry: dict, line_sum, problems) -> Decimal | None:
    percent = percent_field(entry, "percent", problems)
    if percent:
        base = line_sum
        if "base" in entry:
            given = amount_field(entry, "base", problems)
            if given is None:
                return None
            base = invoice.round_rule(num.rescale_up(given, invoice.places + EXTRA_PLACES))
        return invoice.round_rule(num.percent_of(percent, base))
    amount = amount_field(entry, "amount", problems, required=True)
    return None if amount is None else invoice.round_rule(amount)


# --- Totals


def set_totals(invoice: Invoice, line_sum, discounts, charges, taxable) -> None:
    places, zero = invoice.places, invoice.zero
    given = invoice.doc.get("totals") if isinstance(invoice.doc.get("totals"), dict) else {}
    totals: dict = {"sum": line_sum}
    total = line_sum
    if discounts:
        totals["discount"] = sum_of((a for a, _ in discounts), zero)
        total = num.sub(total, totals["discount"])
    if charges:
        totals["charge"] = sum_of((a for a, _ in charges), zero)
        total = num.add(total, totals["charge"])
    if not taxable:
        if invoice.priced:
            invoice.problems.add("/lines", "an invoice needs a priced line, discount or charge")
        else:
            invoice.doc.pop("totals", None)
        return
    in_prices = [c for t in taxable for c in t.combos if c.cat == invoice.includes]
    if any(c.retained for c in in_prices):
        invoice.problems.add("/tax/prices_include", "cannot be a retained tax")
        return
    if any(c.informative for c in in_prices):
        invoice.problems.add("/tax/prices_include", "cannot be an informative tax")
        return
    taxes = tax_totals(taxable, places, invoice.rounding, invoice.includes)
    included = taxes.category(invoice.includes) if invoice.includes else None
    if included is not None:
        totals["tax_included"] = included.amount
        total = num.sub(total, included.amount)
    totals["total"] = total
    if taxes.categories:
        totals["taxes"] = taxes
    totals["tax"] = taxes.sum
    totals["total_with_tax"] = num.add(total, taxes.sum)
    payable = totals["total_with_tax"]
    if taxes.retained is not None:
        totals["retained_tax"] = taxes.retained
        payable = num.sub(payable, taxes.retained)
    totals["payable"] = payable
    rounded = {k: v if k == "taxes" else num.rescale(v, places) for k, v in totals.items()}
    add_rounding_and_advances(invoice, rounded, given, zero)
    invoice.doc["totals"] = totals_output(rounded, places)


def sum_of(values, zero: Decimal) -> Decimal:
    total = zero
    for value in values:
        total = num.accumulate(total, value)
    return total


def add_rounding_and_advances(invoice: Invoice, totals: dict, given: dict, zero) -> None:
    """The rounding adjustment a client gave (EN 16931 BT-114), advances and due dates."""
    problems = invoice.problems.at("/totals")
    if given.get("rounding") is not None:
        rounding = amount_field(given, "rounding", problems)
        if rounding is not None:
            # Kept with the decimals it was given, as GOBL keeps it; only the payable is
            # rounded to the currency.
            totals["rounding"] = rounding
            totals["payable"] = num.add(totals["payable"], rounding)
    payment = invoice.doc.get("payment")
    if not isinstance(payment, dict):
        return
    advances = payment_amounts(
        invoice, payment.get("advances"), totals["payable"], "/payment/advances"
    )
    if advances is not None:
        totals["advance"] = advances
        totals["due"] = num.sub(totals["payable"], advances)
    terms = payment.get("terms")
    if isinstance(terms, dict):
        payment_amounts(
            invoice, terms.get("due_dates"), totals["payable"], "/payment/terms/due_dates"
        )


def payment_amounts(invoice: Invoice, entries, payable: Decimal, path: str) -> Decimal | None:
    """Advances (or due dates) given by percent of the payable get their amount; their sum."""
    if not isinstance(entries, list) or not entries:
        return None
    total = invoice.zero
    for index, entry in enumerate(entries):
        problems = invoice.problems.at(f"{path}/{index}")
        if not isinstance(entry, dict):
            problems.add("", "must be an object")
            continue
        percent = percent_field(entry, "percent", problems)
        if percent is not None:
            amount = num.rescale(num.percent_of(percent, payable), invoice.places)
        else:
            amount = amount_field(entry, "amount", problems, required=True)
            if amount is None:
                continue
            amount = num.rescale(amount, invoice.places)
        entry["amount"] = num.text(amount)
        total = num.add(total, amount)
    return total


TOTALS_ORDER = (
    "sum", "discount", "charge", "tax_included", "total", "taxes", "tax", "total_with_tax",
    "retained_tax", "rounding", "payable", "advance", "due",
)  # fmt: skip


def totals_output(totals: dict, places: int) -> dict:
    out = {}
    for name in TOTALS_ORDER:
        if name == "taxes" and name in totals:
            out[name] = totals_json(totals[name], places)
        elif name in totals:
            out[name] = num.text(totals[name])
    return out


# --- Reading numbers


def amount_field(entry: dict, name: str, problems: Problems, required=False) -> Decimal | None:
    value = entry.get(name)
    if value is None:
        if required:
            problems.add(f"/{name}", "is required")
        return None
    try:
        return num.parse(value)
    except num.AmountError as exc:
        problems.add(f"/{name}", str(exc))
        return None


def percent_field(entry: dict, name: str, problems: Problems) -> Decimal | None:
    value = entry.get(name)
    if value in (None, ""):
        return None
    try:
        return num.parse_percent(value)
    except num.AmountError as exc:
        problems.add(f"/{name}", str(exc))
        return None
