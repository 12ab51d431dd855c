"""Text templates with the document's fields and the job's args, written the way Invopop's
email templates are: `Invoice {{.full_code}} from {{.supplier_name}}`, `{{.faults}}`,
`{{args.reason}}`.

- `{{.name}}` is a value of the document (`{{.issue_date}}`, `{{.customer.name}}`, any path
  of dot-separated keys) or one of the conveniences of `values()`: full_code, supplier_name,
  customer_name, total, payable, faults, state, key, silo_entry_id, job_id, meta.
- `{{args.name}}` (or `{{.args.name}}`) is an arg of the job.

A name that finds nothing gives an empty string rather than failing the step: a template
written for invoices may be used on a document without, say, a customer. Go's template
language has much more (conditions, loops); only these lookups are supported.
"""

import json
import re

from silo import snippets

PLACEHOLDER = re.compile(r"\{\{\s*(\.?[A-Za-z_$][\w$-]*(?:\.[\w$-]+)*)\s*\}\}")


def render(template: str, values: dict, args: dict) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name.startswith(("args.", ".args.")):
            return text(lookup(args, name.split("args.", 1)[1]))
        if name.startswith("."):
            return text(lookup(values, name[1:]))
        return match.group(0)  # not a lookup we know: left for the reader to see

    return PLACEHOLDER.sub(replace, template)


def values(context) -> dict:
    """What `{{.name}}` can read in a step: the document's fields and a few conveniences."""
    doc = context.doc
    totals = doc.get("totals") if isinstance(doc.get("totals"), dict) else {}
    entry = context.entry
    return {
        **doc,
        "full_code": snippets.full_code(doc),
        "supplier_name": _name(doc.get("supplier")),
        "customer_name": _name(doc.get("customer")),
        "total": totals.get("total_with_tax") or totals.get("total", ""),
        "payable": totals.get("payable") or totals.get("total_with_tax", ""),
        "faults": context.faults,
        "state": entry.state if entry is not None else "",
        "key": entry.key if entry is not None else "",
        "silo_entry_id": str(entry.id) if entry is not None else "",
        "meta": entry.meta if entry is not None else {},
        "job_id": str(context.job.id) if context.job is not None else "",
    }


def lookup(data, path: str):
    for key in path.split("."):
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return None
    return data


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(_is_fault(item) for item in value):
        return "\n".join(_fault_line(fault) for fault in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _is_fault(item) -> bool:
    return isinstance(item, dict) and "message" in item and ("provider" in item or "code" in item)


def _fault_line(fault: dict) -> str:
    where = " ".join(str(fault[k]) for k in ("provider", "code") if fault.get(k))
    return f"{where}: {fault['message']}" if where else str(fault["message"])


def _name(party) -> str:
    return party.get("name", "") if isinstance(party, dict) else ""
