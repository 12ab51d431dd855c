"""The few fields of a GOBL document that lists show, read once when the data changes."""

GOBL_SCHEMA_PREFIX = "https://gobl.org/draft-0/"


def doc_type(doc_schema: str) -> str:
    """'https://gobl.org/draft-0/bill/invoice' -> 'bill/invoice'."""
    return doc_schema.removeprefix(GOBL_SCHEMA_PREFIX)


def document(envelope: dict) -> dict:
    doc = envelope.get("doc") if isinstance(envelope, dict) else None
    return doc if isinstance(doc, dict) else {}


SEPARATORS = "-/_. "


def full_code(doc: dict) -> str:
    """The document's series and code as one code, the one rule for every page, file name,
    message and format: joined by "-", as GOBL's UBL and CII mappings do, unless the series
    ends with a separator of its own (a prefix "INV-" gives INV-00001, never INV--00001)."""
    series, code = str(doc.get("series") or ""), str(doc.get("code") or "")
    if not (series and code):
        return code or series
    if series.endswith(tuple(SEPARATORS)) or code.startswith(tuple(SEPARATORS)):
        return series + code
    return f"{series}-{code}"


def _party_name(party) -> str:
    return party.get("name", "") if isinstance(party, dict) else ""


CALCULATED_LINES = 1000  # above, a draft's totals wait for its build (a page must stay fast)
CALCULATED_KINDS = ("bill/invoice",)


def calculated(doc: dict) -> dict | None:
    """A draft invoice (lines, no totals yet) as a build would calculate it, for display only:
    lists and the entry's page show its totals and line sums instead of "—". None for a
    document that has its totals, or that cannot be calculated as it is."""
    lines = doc.get("lines")
    if doc.get("totals") or not isinstance(lines, list) or not lines:
        return None
    if doc_type(str(doc.get("$schema", ""))) not in CALCULATED_KINDS:
        return None
    if len(lines) > CALCULATED_LINES:
        return None
    from .gobl.envelope import build_document  # GOBL's rules: only for drafts that need them

    try:
        built, _ = build_document(doc)
    except Exception:  # a draft may hold anything: showing it must not fail on it
        return None
    return built if isinstance(built.get("totals"), dict) else None


def snippet(envelope: dict) -> dict:
    doc = document(envelope)
    totals = doc.get("totals") if isinstance(doc.get("totals"), dict) else {}
    estimated = False
    if not totals:
        built = calculated(doc)
        totals, estimated = (built["totals"], True) if built else ({}, False)
    found = {
        "code": full_code(doc),
        "type": doc.get("type", ""),
        "supplier": _party_name(doc.get("supplier")),
        "customer": _party_name(doc.get("customer")),
        "name": doc.get("name", "") if doc_type(doc.get("$schema", "")) == "org/party" else "",
        "currency": doc.get("currency", ""),
        "total": totals.get("payable") or totals.get("total_with_tax") or totals.get("total", ""),
        "issue_date": doc.get("issue_date", ""),
        "total_calculated": estimated,  # not the document's own: it is not built yet
    }
    return {key: value for key, value in found.items() if value}


def search_terms(found: dict) -> tuple[str, str]:
    """The code (a party's name) and counterpart of a snippet, case-folded, as the indexed
    columns that the lists' text search matches by prefix."""
    code = found.get("code") or found.get("name") or ""
    counterpart = found.get("customer") or found.get("supplier") or ""
    return code.casefold()[:255], counterpart.casefold()[:255]
