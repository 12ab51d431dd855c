"""The console's per-type lists: filters read from the URL and keyset pages, newest first.

Every filter combination is answered from an index of SiloEntry.Meta.indexes: the type alone
and with a state or a folder walk (workspace, doc_type, [state|folder], created_at, id) from
the cursor on; text is a prefix of the case-folded code or counterpart, or of the key, each
with an index of its own, searched after a short walk in keyset order (see rows()). There is
no COUNT: at a million entries it alone would take longer than the page.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, Q, QuerySet
from django.db.models.lookups import StartsWith

from invopop_console import api

# The sidebar's sections: URL word -> (GOBL document type, title, one document).
KINDS = {
    "invoices": ("bill/invoice", "Invoices", "invoice"),
    "parties": ("org/party", "Parties", "party"),
    "payments": ("bill/payment", "Payments", "payment"),
    "orders": ("bill/order", "Orders", "order"),
    "deliveries": ("bill/delivery", "Deliveries", "delivery"),
}
PAGE_SIZE = 50
PROBE = 2000  # entries searched in keyset order before the text indexes are (see rows())
# What a row of the list shows; `data` (the whole envelope) stays in the database.
LIST_FIELDS = ("id", "key", "folder", "doc_type", "state", "snippet", "created_at")


class Prefix(StartsWith):
    """`startswith` that SQLite answers from a plain index. SQLite's LIKE ignores case, so it
    may only use an index declared NOCASE; the range [prefix, successor) of the same strings
    may use any. PostgreSQL keeps LIKE 'abc%', which its varchar_pattern_ops indexes serve
    whatever the database's collation."""

    def as_sqlite(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"({lhs} >= %s AND {lhs} < %s)", [*params, self.rhs, successor(self.rhs)]


def successor(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`."""
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:  # surrogates are not characters: skip them
        last = 0xE000
    if last > 0x10FFFF:
        return successor(prefix[:-1]) if len(prefix) > 1 else "\U0010ffff"
    return prefix[:-1] + chr(last)


@dataclass(frozen=True)
class Filters:
    state: str = ""
    folder: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, params) -> "Filters":
        return cls(
            state=params.get("state", "").strip()[:40],
            folder=params.get("folder", "").strip()[:100],
            q=params.get("q", "").strip()[:255],
        )

    @property
    def active(self) -> bool:
        return bool(self.state or self.folder or self.q)

    def apply(self, entries: QuerySet) -> QuerySet:
        """The state and folder filters; the text filter is text() (see rows())."""
        if self.state:
            entries = entries.filter(state=self.state)
        if self.folder:
            entries = entries.filter(folder=self.folder)
        return entries

    def text(self, workspace, doc_type: str) -> "Text | None":
        return Text(workspace, doc_type, self.q) if self.q else None


@dataclass(frozen=True)
class Text:
    """Code or counterpart (case-insensitive), or key (as typed), starting with `text`."""

    workspace: object
    doc_type: str
    text: str

    @property
    def q(self) -> Q:
        """The filter, for the database. Each side of the OR repeats the workspace and type:
        SQLite plans every side on its own, and needs them there to use each side's index."""
        folded = self.text.casefold()
        of_type = Q(workspace=self.workspace, doc_type=self.doc_type)
        return (
            (of_type & Q(Prefix(F("search_code"), folded)))
            | (of_type & Q(Prefix(F("search_counterpart"), folded)))
            | (Q(workspace=self.workspace) & Q(Prefix(F("key"), self.text)))
        )

    def matches(self, search_code: str, search_counterpart: str, key: str) -> bool:
        """The same filter, for an entry's columns already read (see rows())."""
        folded = self.text.casefold()
        return (
            search_code.startswith(folded)
            or search_counterpart.startswith(folded)
            or key.startswith(self.text)
        )


# --- Keyset pages by (created_at, id), with the API's opaque cursors.


@dataclass
class Page:
    entries: list = field(default_factory=list)
    newer: str = ""  # cursor of the page before this one, "" on the first page
    older: str = ""  # cursor of the page after this one, "" on the last page


def position(cursor: str) -> tuple[datetime, str] | None:
    """The (created_at, id) a cursor points at, or None for a cursor we did not give out."""
    if not cursor:
        return None
    try:
        return api.decode_cursor(cursor)
    except api.ApiError:
        return None


def older_than(created: datetime, pk: str) -> Q:
    # created_at <= created on its own lets the index start at the cursor; the OR alone
    # would make the database walk every newer entry first.
    return Q(created_at__lte=created) & (Q(created_at__lt=created) | Q(pk__lt=pk))


def newer_than(created: datetime, pk: str) -> Q:
    return Q(created_at__gte=created) & (Q(created_at__gt=created) | Q(pk__gt=pk))


def keyset_page(entries: QuerySet, *, after=None, before=None, text=None, size=None) -> Page:
    """The page older than the `after` cursor, newer than the `before` cursor, or the first;
    `text` is the text filter, kept apart from `entries` (see rows())."""
    size = size or PAGE_SIZE
    start = position(before)
    if start is not None:
        oldest_first = entries.filter(newer_than(*start))
        found = rows(oldest_first, ("created_at", "pk"), size + 1, text)
        if found:
            more = len(found) > size
            found = found[:size][::-1]
            newer = api.encode_cursor(found[0]) if more else ""
            return Page(found, newer=newer, older=api.encode_cursor(found[-1]))
        # Nothing newer any more: the first page.
    start = position(after)
    newest_first = entries if start is None else entries.filter(older_than(*start))
    found = rows(newest_first, ("-created_at", "-pk"), size + 1, text)
    more = len(found) > size
    found = found[:size]
    newer = (api.encode_cursor(found[0]) if found else after) if start is not None else ""
    older = api.encode_cursor(found[-1]) if more else ""
    return Page(found, newer=newer, older=older)


def rows(entries: QuerySet, order: tuple, limit: int, text: "Text | None") -> list:
    """The first `limit` entries in `order`, matching `text` when there is one.

    The text indexes find the matches of a precise text at once, but for a broad one (a
    code's series, say) they find most of the entries, which the database then sorts. So
    the latest PROBE entries are read first in keyset order, only the columns searched, and
    matched here: when they hold a page of matches, those are the page; otherwise the
    database searches its text indexes."""
    ordered = entries.order_by(*order)
    if text is None:
        return list(ordered[:limit])
    latest = ordered.values_list("pk", "search_code", "search_counterpart", "key")[:PROBE]
    found = [pk for pk, *columns in latest if text.matches(*columns)][:limit]
    if len(found) == limit:
        return list(ordered.filter(pk__in=found))
    return list(ordered.filter(text.q)[:limit])
