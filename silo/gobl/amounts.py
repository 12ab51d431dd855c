"""Decimal amounts and percentages that behave as GOBL's `num` package.

A GOBL amount is an integer with a number of decimal places (its *scale*). The scale is part
of the value: "90.00" and "90" print differently, and most operations keep the scale of their
left operand, rounding the right one to it (half away from zero). Python's Decimal carries its
exponent the same way, so an amount here is simply a Decimal and these helpers pick the scale
as GOBL would. No floats anywhere: numbers in JSON are read through their text.
"""

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from functools import lru_cache

# Enough digits that no intermediate product or quotient is ever rounded by the context:
# only the explicit rescaling below rounds, as GOBL's integer arithmetic does.
CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)


class AmountError(ValueError):
    pass


def parse(value) -> Decimal:
    """An amount from JSON: a string such as "-12.50" or a number (never via float)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise AmountError('must be a number or a string such as "12.50"')
    text = repr(value) if isinstance(value, float) else str(value)
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        raise AmountError(f"{text!r} is not a number") from None
    if not amount.is_finite() or "e" in text.lower():
        raise AmountError(f"{text!r} is not a plain decimal number")
    return amount


def parse_percent(value) -> Decimal:
    """A percentage as a factor: "21.0%" is 0.210 (two more decimals than written), "0.21"
    is 0.21, as GOBL reads them."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise AmountError('must be a percentage such as "21%"')
    return percent_from_text(repr(value) if isinstance(value, float) else str(value))


# Percentages are few and a Decimal cannot change: reading each text once was 4% of a long
# invoice's build, printing each once 6% (issue 16). Bounded: the texts are the clients'.
@lru_cache(maxsize=1024)
def percent_from_text(text: str) -> Decimal:
    text = text.strip()
    if not text.endswith("%"):
        return parse(text)
    number = parse(text[:-1])
    return div(rescale(number, scale(number) + 2), Decimal(100))


def scale(amount: Decimal) -> int:
    # Read from the text when it is plain: as_tuple() builds a named tuple of every digit, and
    # this runs some twenty times a line (a fifth of a long invoice's build).
    text = str(amount)
    point = text.find(".")
    if point >= 0 and "E" not in text:
        return len(text) - point - 1
    return max(0, -amount.as_tuple().exponent)


# The quantum of each scale, built once: building it on every call was three fifths of
# rescale(), itself a tenth of a build (issue 16); CONTEXT.quantize() is the same operation
# without the keyword argument, a third of what remains.
QUANTA = tuple(Decimal(1).scaleb(-places) for places in range(40))


def rescale(amount: Decimal, places: int) -> Decimal:
    if 0 <= places < 40:
        return CONTEXT.quantize(amount, QUANTA[places])
    return CONTEXT.quantize(amount, Decimal(1).scaleb(-places))


def rescale_up(amount: Decimal, places: int) -> Decimal:
    return rescale(amount, places) if places > scale(amount) else amount


def rescale_down(amount: Decimal, places: int) -> Decimal:
    return rescale(amount, places) if places < scale(amount) else amount


def match(amount: Decimal, other: Decimal) -> Decimal:
    """`amount` with at least the decimals of `other` (GOBL's MatchPrecision)."""
    return rescale_up(amount, scale(other))


def add(a: Decimal, b: Decimal) -> Decimal:
    return CONTEXT.add(a, rescale(b, scale(a)))


def sub(a: Decimal, b: Decimal) -> Decimal:
    return CONTEXT.subtract(a, rescale(b, scale(a)))


def accumulate(total: Decimal, amount: Decimal) -> Decimal:
    """A running sum that widens to keep every decimal of what it adds: add(match(total,
    amount), amount), with each scale read once (two reads instead of three, one call
    instead of five: a tenth of a one-line invoice's calculation, issue 15)."""
    places, added = scale(total), scale(amount)
    if added > places:
        total, places = rescale(total, added), added
    return CONTEXT.add(total, rescale(amount, places))


def mul(a: Decimal, b: Decimal) -> Decimal:
    return rescale(CONTEXT.multiply(a, b), scale(a))


def div(a: Decimal, b: Decimal) -> Decimal:
    if not b:
        return rescale(Decimal(0), scale(a))
    return rescale(CONTEXT.divide(a, b), scale(a))


def percent_of(percent: Decimal, amount: Decimal) -> Decimal:
    return mul(amount, percent)


def percent_removed(percent: Decimal, amount: Decimal) -> Decimal:
    """`amount` without the percentage it already includes (GOBL's Remove)."""
    return div(amount, add(percent, Decimal(1)))


def text(amount: Decimal) -> str:
    """GOBL's print of an amount: all its decimals, no exponent, no "-0"."""
    printed = format(amount, "f")
    return printed[1:] if printed.startswith("-") and not amount else printed


def percent_text(percent: Decimal) -> str:
    """GOBL's print of a percentage: 0.210 is "21.0%", 0.19 is "19%", 0.055 is "5.5%"."""
    return printed_percent(str(percent))  # str(): a Decimal's exact text, scale included


@lru_cache(maxsize=1024)
def printed_percent(printed: str) -> str:
    percent = Decimal(printed)
    places = max(scale(percent) - 2, 0)
    return text(rescale(CONTEXT.multiply(percent, Decimal(100)), places)) + "%"
