"""The sequence API's JSON, as Invopop's sequence_v1: reading series and entry requests,
writing SequenceSeries and SequenceEntry.

Requests are read by hand so that a wrong type is an error (DRF would turn 12 into "12") and
every problem is named by its JSON pointer. What no model can store or no renderer can
write (NUL characters, infinite numbers, absurd nesting) is refused by
invopop_console.json_input, as every body is.
"""

import base64
import binascii
import uuid
from dataclasses import asdict, dataclass

from invopop_console import api, json_input
from invopop_console.pointers import pointer

from . import sequence

MAX_BIG_INT = 2**63 - 1  # PositiveBigIntegerField


def iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def parse_id(raw: str) -> uuid.UUID:
    """A path id as a UUID (any version, any spelling); anything else names nothing: 404."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise api.not_found() from None


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


# --- Bodies


def json_body(request) -> dict:
    """The request's JSON object, or a 422 saying what makes it unusable (the parser has
    refused what json_input does; a form-encoded body is checked here the same way)."""
    body = request.data
    if not isinstance(body, dict):
        raise api.invalid({"/": "the body must be a JSON object"})
    problems = json_input.problems(body)
    if problems:
        raise api.invalid(problems)
    return dict(body)


class Fields:
    """Reads the fields of a JSON object, collecting what is wrong by JSON pointer.
    A missing field and null read alike: as absent."""

    def __init__(self, body: dict):
        self.body = body
        self.problems: dict[str, str] = {}

    def check(self) -> None:
        if self.problems:
            raise api.invalid(self.problems)

    def _get(self, name, kind, what: str, required=False):
        value = self.body.get(name)
        if value is None:
            if required:
                self.problems[pointer(name)] = "is required"
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.problems[pointer(name)] = f"must be {what}"
            return None
        return value

    def string(self, name, max_length: int, required=False) -> str:
        value = self._get(name, str, "a string", required)
        if value is not None and len(value) > max_length:
            self.problems[pointer(name)] = f"must be at most {max_length} characters"
        return value or ""

    def integer(self, name, maximum=MAX_BIG_INT) -> int | None:
        value = self._get(name, int, "a whole number")
        if value is not None and value > maximum:
            self.problems[pointer(name)] = f"must be at most {maximum}"
        return value

    def string_map(self, name) -> dict:
        value = self._get(name, dict, "an object of strings") or {}
        for key, item in value.items():
            if not isinstance(item, str):
                self.problems[pointer(name, key)] = "must be a string"
        return value

    def rule(self, name, check) -> None:
        """Apply a check of providers.sequence (which raises ValueError) to one field."""
        if pointer(name) in self.problems:
            return
        try:
            check()
        except ValueError as exc:
            self.problems[pointer(name)] = str(exc)


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
    fields = Fields(body)
    name = fields.string("name", max_length=100, required=True)
    padding = fields.integer("padding", maximum=sequence.MAX_PADDING)
    start = fields.integer("start")
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
    fields = Fields(body)
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
        "created_at": iso(series.created_at),
        "updated_at": iso(series.updated_at),
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
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.created_at),
    }
