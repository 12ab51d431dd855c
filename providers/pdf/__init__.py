"""pdf: print the entry's document (an invoice, credit note, delivery note, order…) as a PDF
and attach it to the entry as the file `format/pdf`.

The config is Invopop's (locale, date_format, layout, logo_height) plus label, watermark and
duplicate. A job's args override it per run, with Invopop's `pdf-` names: `pdf-locale`,
`pdf-date-format`, `pdf-layout`, `pdf-logo-height`, `pdf-label`, `pdf-watermark`,
`pdf-duplicate`. Args arrive as strings, so they are read into the config's types and
checked against the same schema as the config.
"""

import re

from jsonschema import Draft202012Validator

from silo.snippets import full_code

from ..base import NewFile, StepContext, ko, ok
from ..registry import provider
from .formats import UnknownLocale
from .options import PAGE_SIZE_NAMES, Options, Unsupported

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "locale": {
            "type": "string",
            "title": "Locale",
            "default": "en",
            "examples": ["en", "es", "de", "fr", "it", "pt", "nl"],
            "pattern": "^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$",
            "description": "Language of the labels and the way numbers and dates are written.",
        },
        "date_format": {
            "type": "string",
            "title": "Date format",
            "examples": ["%Y-%m-%d", "%d/%m/%Y", "%d %B %Y"],
            "maxLength": 40,
            "description": "%Y year, %m month, %d day, %B month name. Empty: the locale's own.",
        },
        "layout": {"title": "Paper size", "enum": list(PAGE_SIZE_NAMES), "default": "A4"},
        "logo_height": {
            "type": "integer",
            "title": "Logo height",
            "minimum": 10,
            "maximum": 200,
            "default": 40,
            "description": "In pixels; the logo is the supplier's (its logos, inline data).",
        },
        "label": {
            "type": "string",
            "title": "Title",
            "maxLength": 80,
            "description": "Printed instead of the document type's title, such as Tax invoice.",
        },
        "watermark": {
            "type": "string",
            "title": "Watermark",
            "maxLength": 30,
            "examples": ["Draft", "Copy", "Paid"],
            "description": "Printed large and faint across every page.",
        },
        "duplicate": {
            "type": "boolean",
            "title": "Keep earlier PDFs",
            "default": False,
            "description": "Add a new PDF instead of replacing the entry's earlier one.",
        },
    },
}
_validator = Draft202012Validator(CONFIG_SCHEMA)
CONFIG_DEFAULTS = {
    key: schema["default"]
    for key, schema in CONFIG_SCHEMA["properties"].items()
    if "default" in schema
}

ARG_PREFIX = "pdf-"
TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off", ""}
UNSAFE_NAME = re.compile(r"[^\w.\-]+")


@provider(
    "pdf",
    name="Generate PDF",
    category="Documents",
    summary="Print the document as a PDF and attach it to the silo entry.",
    icon="printer",
    config_schema=CONFIG_SCHEMA,
    timeout=60.0,
)
def generate(context: StepContext):
    if context.entry is None or not context.doc:
        return ko("there is no document to print", "no-document")
    config, problem = resolve_config(context.config, context.args)
    if problem:
        return ko(problem, "invalid-config")
    options = Options(**{k: v for k, v in config.items() if k in Options.__dataclass_fields__})
    try:
        from .render import render  # reportlab on first use only: see options.py

        content = render(context.envelope, options)
    except Unsupported as exc:
        return ko(str(exc), exc.code)
    except UnknownLocale as exc:
        return ko(str(exc), "unknown-locale")
    name = file_name(context.doc)
    pdf = NewFile(
        name=name,
        content=content,
        mime="application/pdf",
        category="format",
        key="pdf",
        desc=f"{options.locale} · {options.layout}",
        replace=not config.get("duplicate", False),
    )
    return ok(message=f"{name}, {len(content) // 1024 + 1} KB", files=[pdf])


def resolve_config(config: dict, args: dict) -> tuple[dict, str]:
    """The step's config with the job's `pdf-…` args over it, and the first problem ("" when
    it is valid)."""
    merged = {**CONFIG_DEFAULTS, **{k: v for k, v in config.items() if v is not None}}
    for key, value in (args or {}).items():
        if not key.startswith(ARG_PREFIX):
            continue
        field = key.removeprefix(ARG_PREFIX).replace("-", "_")
        if field in CONFIG_SCHEMA["properties"]:
            merged[field] = typed(field, value)
    for error in _validator.iter_errors(merged):
        where = ".".join(str(p) for p in error.path) or "config"
        return merged, f"{where}: {error.message}"
    return merged, ""


def typed(field: str, value):
    """An arg (a string, or already the right type) as the config field's type; a value that
    does not read stays as it is, for the schema check to name."""
    kind = CONFIG_SCHEMA["properties"][field].get("type")
    if not isinstance(value, str):
        return value
    text = value.strip()
    if kind == "integer" and re.fullmatch(r"-?\d+", text):
        return int(text)
    if kind == "boolean" and text.lower() in TRUE | FALSE:
        return text.lower() in TRUE
    return value


def file_name(doc: dict) -> str:
    """`SAMPLE-001.pdf`: the document's series and code, safe as a file name."""
    code = UNSAFE_NAME.sub("-", full_code(doc)).strip("-.")
    return f"{code or 'document'}.pdf"
