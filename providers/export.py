"""file.export: the invoice as CSV or JSON lines in a folder, for ERPs and accounting tools
that import files (a shared or synced folder) rather than answer HTTP.

One row per line item, with the document's code, dates, parties and totals repeated on each,
so that every row stands alone in a spreadsheet. Amounts stay the decimal strings of the GOBL
document: no float rounding on the way.

Files are written only under settings.EXPORT_ROOT (a folder that leads out of it, by `..`,
an absolute path or a symbolic link, is refused) and atomically: a temporary file in the same
folder, renamed over the final name, so that an importer watching the folder never reads half
a file, and a re-run after a crash simply writes it again.
"""

import csv
import io
import json
import os
import re
import tempfile
from pathlib import Path

from django.conf import settings

from silo import snippets

from . import templating
from .base import StepContext, ko, ok
from .email import attachments_of
from .registry import provider

FORMATS = {"csv": "csv", "jsonl": "jsonl"}  # format → file extension
UNSAFE_NAME = re.compile(r"[^\w.@+-]+")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_COLUMNS = {"supplier_name", "customer_name", "item_name", "notes"}
COLUMNS = [
    "code",
    "type",
    "issue_date",
    "currency",
    "supplier_name",
    "supplier_tax_id",
    "customer_name",
    "customer_tax_id",
    "line",
    "item_name",
    "quantity",
    "unit",
    "price",
    "line_sum",
    "line_total",
    "line_taxes",
    "sum",
    "tax",
    "total_with_tax",
    "payable",
]

SCHEMA = {
    "type": "object",
    "properties": {
        "format": {"title": "Format", "enum": list(FORMATS), "default": "csv"},
        "directory": {
            "type": "string",
            "title": "Folder",
            "default": "",
            "examples": ["invoices/{{.supplier.tax_id.code}}"],
            "description": "Under the console's export folder (EXPORT_ROOT); templates work.",
        },
        "filename": {
            "type": "string",
            "title": "File name",
            "default": "{{.full_code}}",
            "description": "Without extension; the entry's id when the template gives nothing.",
        },
        "delimiter": {"title": "CSV delimiter", "enum": [",", ";", "\t"], "default": ","},
        "header": {"type": "boolean", "title": "CSV header row", "default": True},
        "overwrite": {
            "type": "boolean",
            "title": "Overwrite",
            "default": True,
            "description": "Replace a file of the same name; otherwise such a file is a KO.",
        },
        "attach": {
            "type": "array",
            "title": "Copy files",
            "items": {"type": "string"},
            "description": "Files of the entry (pdf…) written next to the export.",
        },
    },
}


@provider(
    "file.export",
    name="Export to a folder",
    category="ERP",
    summary="Write the invoice as CSV or JSON lines, one row per line, into a folder.",
    icon="file",
    config_schema=SCHEMA,
)
def export_file(context: StepContext):
    if context.entry is None:
        return ko("the job has no silo entry", "no-entry")
    config = context.config
    values = templating.values(context)
    root = Path(settings.EXPORT_ROOT).resolve()
    folder = inside(root, templating.render(config.get("directory", ""), values, context.args))
    if folder is None:
        return ko("the folder is outside the export folder", "path-outside-root")
    extension = FORMATS[config.get("format") or "csv"]
    stem = safe_name(
        templating.render(config.get("filename", "{{.full_code}}"), values, context.args)
    )
    target = folder / f"{stem or context.entry.id}.{extension}"
    if target.exists() and not config.get("overwrite", True):
        return ko(f"{target.relative_to(root)} exists", "file-exists")
    try:
        copies = attachments_of(context.entry, config.get("attach") or [])
    except LookupError as exc:
        return ko(str(exc), "attachment-missing")
    rows = invoice_rows(context.doc)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(target, render_rows(rows, extension, config))
    for name, content, _ in copies:
        write_atomically(folder / (safe_name(name) or "file"), content)
    where = str(target.relative_to(root))
    return ok(message=f"{len(rows)} rows in {where}", args={"export_path": where})


# --- Where


def inside(root: Path, directory: str) -> Path | None:
    """root/directory with every link and `..` resolved, or None when that leads out of root."""
    found = (root / directory.strip()).resolve()
    return found if found == root or found.is_relative_to(root) else None


def safe_name(name: str) -> str:
    """A name that is one plain file name: no folders, no hidden files ("INV/1" → "INV-1")."""
    return UNSAFE_NAME.sub("-", name).strip(".-")


def write_atomically(target: Path, content: bytes) -> None:
    # In the target's folder, as os.replace() is atomic only within one file system; hidden,
    # so that importers that watch the folder skip it.
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the export from the importer
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- What


def invoice_rows(doc: dict) -> list[dict]:
    """One row per line, with the document's fields; one row for an invoice without lines."""
    totals = _object(doc.get("totals"))
    document = {
        "code": snippets.full_code(doc),
        "type": doc.get("type", ""),
        "issue_date": doc.get("issue_date", ""),
        "currency": doc.get("currency", ""),
        "supplier_name": _object(doc.get("supplier")).get("name", ""),
        "supplier_tax_id": tax_id(doc.get("supplier")),
        "customer_name": _object(doc.get("customer")).get("name", ""),
        "customer_tax_id": tax_id(doc.get("customer")),
        "sum": totals.get("sum", ""),
        "tax": totals.get("tax", ""),
        "total_with_tax": totals.get("total_with_tax", ""),
        "payable": totals.get("payable", ""),
    }
    lines = [line for line in doc.get("lines") or [] if isinstance(line, dict)]
    if not lines:
        return [{column: document.get(column, "") for column in COLUMNS}]
    return [
        {column: {**document, **line_fields(line, i)}.get(column, "") for column in COLUMNS}
        for i, line in enumerate(lines, 1)
    ]


def line_fields(line: dict, number: int) -> dict:
    item = _object(line.get("item"))
    return {
        "line": line.get("i", number),
        "item_name": item.get("name", ""),
        "quantity": line.get("quantity", ""),
        "unit": item.get("unit", ""),
        "price": item.get("price", ""),
        "line_sum": line.get("sum", ""),
        "line_total": line.get("total", ""),
        "line_taxes": " ".join(_tax(t) for t in line.get("taxes") or [] if isinstance(t, dict)),
    }


def tax_id(party) -> str:
    found = _object(_object(party).get("tax_id"))
    return f"{found.get('country', '')}{found.get('code', '')}"


def render_rows(rows: list[dict], extension: str, config: dict) -> bytes:
    if extension == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
    text = io.StringIO()
    writer = csv.DictWriter(text, COLUMNS, delimiter=config.get("delimiter") or ",")
    if config.get("header", True):
        writer.writeheader()
    writer.writerows({k: _cell(k, v) for k, v in row.items()} for row in rows)
    return text.getvalue().encode()


def _cell(column: str, value):
    """Names that a spreadsheet would run as a formula ("=HYPERLINK(…)") are quoted with an
    apostrophe; amounts are left alone (a credit note's "-10.00" is a number)."""
    if column in TEXT_COLUMNS and isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _tax(tax: dict) -> str:
    parts = [tax.get("cat", ""), tax.get("rate", ""), tax.get("percent", "")]
    return ":".join(str(p) for p in parts if p)


def _object(value) -> dict:
    return value if isinstance(value, dict) else {}
