"""What a step card says under the step's name: what this step is set to do.

Invopop's templates carry a `summary` written in a small markup, such as
``Set state to `processing`{.state .processing}``: backticks are code, and `{.state …}`
after them makes a state chip. The markup is rendered, never printed raw. A step without a
summary (our own, or one whose settings changed: editing.set_config drops the summary, as it
described the old settings) is described from its config: the recipient, the URL, the state.
Only when nothing is set does the provider's generic description show.
"""

import re

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from silo.snippets import full_code
from silo.templatetags.silo_tags import state_colour

MARKUP = re.compile(r"`([^`]*)`(?:\{([^}]*)\})?")
SHOWN_VALUES = 3  # settings named on a card, at most


def render(text: str) -> SafeString:
    """Invopop's summary markup as HTML: `code`, and `state`{.state .name} as a chip."""
    parts, last = [], 0
    for match in MARKUP.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(_marked(match.group(1), (match.group(2) or "").split()))
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))


def _marked(value: str, classes: list[str]) -> str:
    if ".state" in classes:
        return state_chip(value)
    return format_html("<code>{}</code>", value)


def state_chip(state: str) -> str:
    """The chip the silo's pages give the state, with its colour."""
    return format_html('<span class="chip state {}">{}</span>', state_colour(state), state)


def describe(step: dict, found) -> SafeString:
    """The card's line for `step` of provider `found` (None: an action not available here)."""
    if isinstance(step.get("summary"), str) and step["summary"].strip():
        return render(step["summary"])
    if found is None:
        return mark_safe("This action is not available here.")
    config = step.get("config") if isinstance(step.get("config"), dict) else {}
    special = DESCRIBERS.get(found.key)
    told = special(config) if special else ""
    return told or _settings(found.config_schema, config) or escape(found.summary)


def _state(config) -> str:
    state = config.get("state")
    return format_html("Set state to {}", state_chip(state)) if _text(state) else ""


def _folder(config) -> str:
    folder = config.get("folder")
    return format_html("Move to <code>{}</code>", folder) if _text(folder) else ""


def _webhook(config) -> str:
    url = config.get("callback_url") or config.get("url")
    return format_html("POST to <code>{}</code>", url) if _text(url) else ""


def _email(config) -> str:
    to = [_addresses(config.get(key)) for key in ("to", "cc", "bcc")]
    named = [", ".join(found) for found in to if found]
    for flag, who in (
        ("add_invoice_customer", "the customer"),
        ("add_invoice_supplier", "the supplier"),
        ("add_party", "the party"),
    ):
        if config.get(flag) is True:
            named.append(who)
    if not named:
        return ""
    return format_html("Email {}", "; ".join(named))


def _sequence(config) -> str:
    name = config.get("name")
    if not _text(name):
        return ""
    padding = config.get("padding") if isinstance(config.get("padding"), int) else 0
    start = config.get("start") if isinstance(config.get("start"), int) else 1
    prefix = config.get("prefix") if isinstance(config.get("prefix"), str) else ""
    example = full_code({"series": prefix, "code": str(start).zfill(padding)})
    return format_html("Series {} · codes like <code>{}</code>", name, example)


def _addresses(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    return [v for v in value if _text(v)] if isinstance(value, list) else []


def _settings(schema: dict, config: dict) -> str:
    """The first few settings that have a plain value, by their titles; never a secret."""
    properties = schema.get("properties") or {}
    shown = []
    for key, value in config.items():
        field = properties.get(key)
        if not isinstance(field, dict) or field.get("writeOnly") or field.get("x-secret-headers"):
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        if isinstance(value, str | int | float) and str(value).strip():
            shown.append((field.get("title") or key, str(value)))
        if len(shown) == SHOWN_VALUES:
            break
    return format_html_join(" · ", "{}: <code>{}</code>", shown)


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


DESCRIBERS = {
    "silo.state": _state,
    "silo.folder": _folder,
    "webhook": _webhook,
    "email.send": _email,
    "sequence.enumerate": _sequence,
}
