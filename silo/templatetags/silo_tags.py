"""How silo data reads in the console: state colours, amounts, addresses."""

from decimal import Decimal, InvalidOperation

from django import template

from silo import snippets

register = template.Library()


@register.filter
def full_code(doc) -> str:
    """The document's series and code, by the one rule (silo.snippets.full_code)."""
    return snippets.full_code(doc) if isinstance(doc, dict) else ""


# The one place that says which colour a silo state's chip is; unknown states are grey.
STATE_COLOURS = {
    "processing": "yellow",
    "sent": "blue",
    "received": "blue",
    "registered": "green",
    "completed": "green",
    "error": "red",
}
# Steps and jobs: the engine's statuses, in the same palette.
STATUS_COLOURS = {"OK": "green", "KO": "red", "ERR": "yellow", "RUN": "blue", "TIMEOUT": "red"}


@register.filter
def state_colour(state) -> str:
    return STATE_COLOURS.get(str(state or "").lower(), "")


@register.filter
def status_colour(status) -> str:
    return STATUS_COLOURS.get(str(status or ""), "")


@register.filter
def money(amount) -> str:
    """'1210.00' -> '1,210.00': GOBL amounts are decimal strings that carry their precision,
    kept as they are."""
    if amount in (None, ""):
        return ""
    try:
        return f"{Decimal(str(amount)):,}"
    except (InvalidOperation, ValueError):
        return str(amount)


@register.filter
def address(found) -> str:
    """A GOBL org.Address on one line: street and number, then code, locality, region,
    country."""
    if not isinstance(found, dict):
        return ""
    street = " ".join(str(found[k]) for k in ("street", "num") if found.get(k))
    parts = [street, found.get("street_extra"), found.get("po_box")]
    parts.append(" ".join(str(found[k]) for k in ("code", "locality") if found.get(k)))
    parts += [found.get("region"), found.get("country")]
    return ", ".join(str(part) for part in parts if part)


@register.filter
def tax_id(found) -> str:
    if not isinstance(found, dict):
        return ""
    return " ".join(str(found[k]) for k in ("country", "code") if found.get(k))
