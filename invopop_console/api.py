"""What every API endpoint shares: the error format, parsers, the body limit, reading
bodies and path ids, pagination.

Every error is JSON `{key, message, fields}`; `fields` maps JSON pointers into the request
body (or `/<param>` for query parameters) to what is wrong there. Nothing a client sends
may produce a 500: the handler below turns every exception DRF knows into one of these.
"""

import base64
import binascii
import re
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from . import json_input
from .pointers import pointer

KEYS = {
    400: "invalid-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid",
    429: "too-many-requests",
    503: "unavailable",
}
# The paths whose errors are JSON (the console's pages answer HTML).
API_PREFIXES = ("transform", "silo", "sequence", "utils", "hooks", "api", "gov-es")
RETRY_AFTER_SECONDS = 5  # what a restart of the database usually takes


class ApiError(exceptions.APIException):
    """An error with the API's shape; `fields` maps JSON pointers to messages."""

    def __init__(self, message: str, *, status_code=422, key=None, fields=None):
        super().__init__(message)
        self.status_code = status_code
        self.key = key or KEYS.get(status_code, "error")
        self.message = message
        self.fields = fields or {}


def invalid(fields: dict[str, str], message="The request has invalid fields") -> ApiError:
    return ApiError(message, status_code=422, fields=fields)


class NotFound(Http404):
    """No such object, or another workspace's (never told apart). An Http404, so that the
    same lookup serves both sides: the API answers it in its error format, "No such <what>",
    and a console page as its 404 page."""

    def __init__(self, what="object"):
        super().__init__(f"No such {what}")


def not_found(what="object") -> NotFound:
    return NotFound(what)


def conflict(message: str, fields=None) -> ApiError:
    return ApiError(message, status_code=409, fields=fields)


def error_body(key: str, message: str, fields=None) -> dict:
    return {"key": key, "message": message, "fields": fields or {}}


def exception_handler(exc, context):
    if isinstance(exc, ApiError):
        return Response(
            error_body(exc.key, exc.message, exc.fields),
            status=exc.status_code,
            headers=_auth_header(exc, context),
        )
    if isinstance(exc, NotFound):
        return Response(error_body("not-found", str(exc)), status=404)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return Response(error_body("not-found", "Not found"), status=404)
    if isinstance(exc, exceptions.ParseError):
        return Response(
            error_body("invalid-json", f"The body is not valid JSON: {exc.detail}"), status=400
        )
    if isinstance(exc, RecursionError):  # JSON nested deeper than the parser can follow
        return Response(error_body("invalid-json", "The body is nested too deeply"), status=400)
    if isinstance(exc, exceptions.ValidationError):
        fields = pointers(exc.detail)
        return Response(error_body("invalid", "The request has invalid fields", fields), status=422)
    if isinstance(exc, RequestDataTooBig):
        return too_large_response()
    from rest_framework.views import exception_handler as drf_handler  # imports settings

    response = drf_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django report it
    detail = getattr(exc, "detail", str(exc))
    message = detail if isinstance(detail, str) else str(detail)
    response.data = error_body(KEYS.get(response.status_code, "error"), message)
    return response


def _auth_header(exc, context) -> dict:
    return {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}


def pointers(detail, prefix="") -> dict[str, str]:
    """DRF's nested error detail as {JSON pointer: message}."""
    if isinstance(detail, dict):
        found = {}
        for key, value in detail.items():
            part = "" if key == "non_field_errors" else "/" + str(key)
            found.update(pointers(value, prefix + part))
        return found
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return {prefix or "/": " ".join(str(item) for item in detail)}
        found = {}
        for index, item in enumerate(detail):
            if item:
                found.update(pointers(item, f"{prefix}/{index}"))
        return found
    return {prefix or "/": str(detail)}


def too_large_response() -> JsonResponse:
    limit = settings.API_MAX_BODY_BYTES
    return JsonResponse(
        error_body("too-large", f"The body is larger than the limit of {limit} bytes"),
        status=413,
    )


class BodyLimitMiddleware:
    """413 for a body over API_MAX_BODY_BYTES, judged by Content-Length before reading it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.API_MAX_BODY_BYTES:
            return too_large_response()
        return self.get_response(request)


class NulQueryMiddleware:
    """A query parameter with the NUL character is refused before any view reads it:
    PostgreSQL can neither store nor compare one, so a lookup by it would be a 500 (SQLite
    takes it, which is how one slipped through). 422 by pointer for the API, 400 for pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, values in request.GET.lists():
            if json_input.problems([name, *values]):  # in a query, only a NUL can be one
                return nul_response(request, name)
        return self.get_response(request)


def nul_response(request, name: str) -> HttpResponse:
    message = "must not contain the NUL character"
    if not is_api_path(request.path):
        return HttpResponse(
            f"The parameter {name!r} {message}", status=400, content_type="text/plain"
        )
    fields = {"/" + name.replace("\x00", ""): message}
    return JsonResponse(error_body("invalid", "The request has invalid fields", fields), status=422)


def is_api_path(path: str) -> bool:
    return path.strip("/").split("/")[0] in API_PREFIXES


class DatabaseUnavailableMiddleware:
    """503 with Retry-After, instead of a 500, while the database cannot be reached (it
    restarts, fails over, refuses connections): the client did nothing wrong and should try
    again. DRF leaves these exceptions to Django, so they are caught here for every view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        message = "The database is unavailable for a moment; try again"
        if is_api_path(request.path):
            response = JsonResponse(error_body("unavailable", message), status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


# --- Bodies and path ids.
# Read by hand rather than with DRF fields so that a wrong type is an error (DRF would turn
# 12 into "12") and every problem is named by its JSON pointer.


def json_body(request) -> dict:
    """The request's JSON object, or a 422 saying what makes it unusable (the parser has
    refused what json_input does; a form-encoded body is checked here the same way)."""
    return json_object(request.data)


def json_object(body) -> dict:
    """json_body() of a body already read (a console form's fields, too)."""
    if not isinstance(body, dict):
        raise invalid({"/": "the body must be a JSON object"})
    problems = json_input.problems(body)
    if problems:
        raise invalid(problems)
    return dict(body)


def parse_id(raw: str) -> uuid.UUID:
    """A path id as a UUID (any version, any spelling); anything else names nothing: 404."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise not_found() from None


class Fields:
    """Reads the fields of a JSON object, collecting what is wrong by JSON pointer; check()
    raises them as one 422. A missing field and null read alike: as absent."""

    MISSING = object()

    def __init__(self, body):
        if not isinstance(body, dict):
            raise invalid({"/": "the body must be a JSON object"})
        self.problems: dict[str, str] = {}
        self.body = body
        self.read: set[str] = set()

    def check(self) -> None:
        """Raise a 422 with the problems found, and what json_input refuses in the fields read
        (NUL characters: PostgreSQL cannot store, nor even compare them)."""
        read = {name: self.body[name] for name in self.read if name in self.body}
        problems = {**json_input.problems(read), **self.problems}
        if problems:
            raise invalid(problems)

    def _get(self, name, kind, what: str, required=False):
        self.read.add(name)
        value = self.body.get(name, self.MISSING)
        if value is self.MISSING or value is None:
            if required:
                self.problems[pointer(name)] = "is required"
            return None
        # True is an int to Python, never a number to JSON.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.problems[pointer(name)] = f"must be {what}"
            return None
        return value

    def uuid(self, name, required=False) -> uuid.UUID | None:
        value = self._get(name, str, "a UUID string", required)
        if value is None:
            return None
        try:
            return uuid.UUID(value)
        except ValueError:
            self.problems[pointer(name)] = "must be a UUID"
            return None

    def string(self, name, max_length: int | None = None, required=False) -> str:
        value = self._get(name, str, "a string", required)
        if value is not None and max_length is not None and len(value) > max_length:
            self.problems[pointer(name)] = f"must be at most {max_length} characters"
        return value or ""

    def integer(self, name, maximum: int | None = None) -> int | None:
        value = self._get(name, int, "a whole number")
        if value is not None and maximum is not None and value > maximum:
            self.problems[pointer(name)] = f"must be at most {maximum}"
        return value

    def object(self, name) -> dict | None:
        return self._get(name, dict, "an object")

    def string_map(self, name) -> dict:
        """An object whose values are all strings (args, meta)."""
        value = self._get(name, dict, "an object of strings") or {}
        for key, item in value.items():
            if not isinstance(item, str):
                self.problems[pointer(name, key)] = "must be a string"
        return value

    def string_list(self, name) -> list:
        value = self._get(name, list, "a list of strings") or []
        for index, item in enumerate(value):
            if not isinstance(item, str):
                self.problems[pointer(name, index)] = "must be a string"
        return value

    def rule(self, name, check) -> None:
        """Apply `check` (which raises ValueError) to a field read without problems."""
        if pointer(name) in self.problems:
            return
        try:
            check()
        except ValueError as exc:
            self.problems[pointer(name)] = str(exc)


def iso(moment) -> str | None:
    """A time as the API writes it: ISO 8601, "Z" for UTC."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None


# --- Keyset pagination: newest first, by (created_at, id), with an opaque cursor.

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
INTEGER = re.compile(r"-?[0-9]+\Z")


def page_limit(request) -> int:
    """?limit, as Invopop reads it: DEFAULT_LIMIT when absent or below 1 (Go's zero value),
    MAX_LIMIT at most. Clamped, not refused: Invopop's schema allows any integer."""
    limit = whole_number(request, "limit")
    if limit is None or limit < 1:
        return DEFAULT_LIMIT
    return min(limit, MAX_LIMIT)


def whole_number(request, name: str) -> int | None:
    """The integer query parameter `name`; None when absent, a 422 when it is no integer
    (an empty value included: `?limit=` is not a number)."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not INTEGER.match(raw):  # int() would take " 1" and "1_0"
        raise invalid({f"/{name}": "must be a whole number"})
    return int(raw)


def created_at_param(request) -> datetime | None:
    """?created_at: list what was created at or before this moment (ISO 8601, UTC if no zone)."""
    raw = request.query_params.get("created_at")
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)  # "" too is no date: a 422
    except ValueError:
        raise invalid({"/created_at": "must be an ISO 8601 date and time"}) from None
    return in_utc(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def in_utc(moment: datetime) -> datetime:
    """The moment in UTC. Python takes offsets up to ±23:59 and PostgreSQL only to ±15:59
    (a DataError, so a 500); past the calendar's ends it is the end itself, which lists the
    same rows as any moment beyond it would."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        edge = datetime.max if moment.year == datetime.max.year else datetime.min
        return edge.replace(tzinfo=UTC)


def encode_cursor(obj) -> str:
    raw = f"{obj.created_at.isoformat()}|{obj.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, pk = base64.urlsafe_b64decode(padded).decode().split("|", 1)
        moment = datetime.fromisoformat(created)
        if moment.tzinfo is None:
            raise ValueError("a cursor's time has its zone")
        return in_utc(moment), str(uuid.UUID(pk))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid({"/cursor": "is not a cursor this API gave out"}) from None


def paginate(request, queryset, serialize, ascending=False) -> dict:
    """{list, limit, next_cursor}: the page after `cursor`, newest first (oldest first when
    `ascending`; a cursor is then read in that order too)."""
    from django.db.models import Q

    limit = page_limit(request)
    queryset = queryset.order_by(*(("created_at", "pk") if ascending else ("-created_at", "-pk")))
    cursor = request.query_params.get("cursor")
    if cursor:
        created, pk = decode_cursor(cursor)
        beyond = "gt" if ascending else "lt"
        queryset = queryset.filter(
            Q(**{f"created_at__{beyond}": created}) | Q(created_at=created, **{f"pk__{beyond}": pk})
        )
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "list": [serialize(row) for row in rows],
        "limit": limit,
        "next_cursor": encode_cursor(rows[-1]) if more and rows else "",
    }


def created(data) -> Response:
    return Response(data, status=status.HTTP_201_CREATED)
