"""The sequence API's JSON, as Invopop's sequence_v1: reading series and entry requests,
writing SequenceSeries and SequenceEntry.

Requests are read with api.json_body and api.Fields, so that a wrong type is an error and
every problem is named by its JSON pointer. What no model can store or no renderer can
write (NUL characters, infinite numbers, absurd nesting) is refused by
invopop_console.json_input, as every body is.
"""

import base64
import binascii
from dataclasses import asdict, dataclass

from invopop_console import api

from . import sequence

MAX_BIG_INT = 2**63 - 1  # PositiveBigIntegerField


def number_cursor(number: int) -> str:
    """An opaque cursor for the entries after (below) `number`."""
    return base64.urlsafe_b64encode(f"n{number}".encode()).decode().rstrip("=")


def cursor_number(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if raw.startswith("n") and raw[1:].isdigit():
            return int(raw[1:])
    except (ValueError, binascii.Error):  # UnicodeDecodeError is a ValueError
        pass
    raise api.invalid({"/cursor": "is not a cursor this API gave out"})


# --- Requests


@dataclass(frozen=True)
class SeriesRequest:
    """SequenceCreateSeries. `sig` is accepted and ignored: nothing here verifies it."""

    name: str
    code: str
    description: str
    prefix: str
    suffix: str
    padding: int
    start: int

    def values(self) -> dict:
        """The fields of a new Series."""
        return {**asdict(self), "next_number": self.start}


def series_request(body: dict) -> SeriesRequest:
    fields = api.Fields(body)
    name = fields.string("name", max_length=100, required=True)
    padding = fields.integer("padding", maximum=sequence.MAX_PADDING)
    start = fields.integer("start", maximum=MAX_BIG_INT)
    # The rules of series made by workflows (sequence.enumerate), one field at a time.
    fields.rule("name", lambda: sequence._check(name, {}))
    fields.rule("padding", lambda: sequence._check("-", {"padding": padding or 0}))
    fields.rule("start", lambda: sequence._check("-", {"start": start or 0}))
    request = SeriesRequest(
        name=name,
        code=fields.string("code", max_length=100),
        description=fields.string("description", max_length=10_000),
        prefix=fields.string("prefix", max_length=40),
        suffix=fields.string("suffix", max_length=40),
        padding=padding or 0,
        start=1 if start is None else start,
    )
    fields.string("sig", max_length=10_000)
    fields.check()
    return request


def entry_meta(body: dict) -> dict:
    """SequenceCreateEntry: its `meta` strings. `sig` is accepted and ignored."""
    fields = api.Fields(body)
    meta = fields.string_map("meta")
    fields.string("sig", max_length=10_000)
    fields.check()
    return meta


# --- Responses


def series_json(series) -> dict:
    """SequenceSeries. Expects `last_entry_id` annotated (providers.api_views.series_of)."""
    last_entry_id = getattr(series, "last_entry_id", None)
    return {
        "id": str(series.id),
        "name": series.name,
        "code": series.code,
        "description": series.description,
        "prefix": series.prefix,
        "suffix": series.suffix,
        "padding": series.padding,
        "last_index": series.last_number,
        "last_entry_id": str(last_entry_id) if last_entry_id else None,
        "created_at": api.iso(series.created_at),
        "updated_at": api.iso(series.updated_at),
    }


def entry_json(entry, series) -> dict:
    """SequenceEntry. Expects `previous_id` annotated (providers.api_views.entries_of).
    Entries never change: updated_at is created_at."""
    previous_id = getattr(entry, "previous_id", None)
    return {
        "id": str(entry.public_id),
        "series_id": str(series.id),
        "code": f"{series.prefix}{entry.code}{series.suffix}",
        "meta": entry.meta,
        "previous_id": str(previous_id) if previous_id else None,
        "sigs": [],
        "created_at": api.iso(entry.created_at),
        "updated_at": api.iso(entry.created_at),
    }
