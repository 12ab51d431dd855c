"""The sequence API, as Invopop's sequence_v1: numbered series and the entries they give out.

    GET /sequence/v1/series                                200 {list}
    GET /sequence/v1/series/{id}                           200 SequenceSeries
    PUT /sequence/v1/series/{id}                           200 SequenceSeries
    GET /sequence/v1/series/{series_id}/entries            200 {list, limit, cursor}
    GET /sequence/v1/series/{series_id}/entries/{id}       200 SequenceEntry
    PUT /sequence/v1/series/{series_id}/entries/{id}       200 SequenceEntry

Both PUTs create idempotently with the client's UUID, as the reference says: repeating one
answers the object it made, unchanged (the body is not compared). The reference has no
POST. A series or entry of another workspace, and an id that is not a UUID, are 404s.
Series are the ones sequence.enumerate numbers from, so a workflow and the API share them.

And POST /silo/v1/gobl/sign, which is here because the workspace's signing key is (the silo
app sits below providers): the silo's other GOBL operations are in silo/api_views.py.
"""

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from invopop_console import api
from invopop_console import openapi as api_doc
from invopop_console.accounts.access import get_owned
from silo import serializers as silo_serializers

from . import openapi, serializers
from .models import SequenceEntry, Series
from .sequence import reserve

# --- Series


@extend_schema(operation_id="list_series", responses={200: openapi.SERIES_LIST})
@api_view(["GET"])
def all_series(request):
    """SequenceSeriesCollection: every series of the workspace, by name (no pages: the
    reference has none, and a workspace has a handful of series)."""
    found = series_of(request.workspace)
    return Response({"list": [serializers.series_json(series) for series in found]})


@extend_schema(methods=["GET"], responses={200: openapi.SERIES})
@extend_schema(methods=["PUT"], request=openapi.SERIES_IN, responses={200: openapi.SERIES})
@api_view(["GET", "PUT"])
def one_series(request, series_id):
    pk = api.parse_id(series_id)
    if request.method == "PUT":
        return create_series(request, pk)
    series = get_owned(series_of(request.workspace), request.workspace, what="series", pk=pk)
    return Response(serializers.series_json(series))


def create_series(request, pk):
    """PUT: a new series with the client's UUID. A name the workspace already uses is a 409;
    an id of another workspace's series is a 404, as if it did not exist."""
    wanted = serializers.series_request(api.json_body(request))
    existing = series_of(request.workspace).filter(pk=pk).first()
    if existing is not None:
        return Response(serializers.series_json(existing))
    if Series.objects.filter(pk=pk).exists():
        raise api.not_found("series")
    if Series.objects.filter(workspace=request.workspace, name=wanted.name).exists():
        raise name_taken()
    try:
        with transaction.atomic():
            Series.objects.create(id=pk, workspace=request.workspace, **wanted.values())
    except IntegrityError:
        return repeat_of_create(request, pk)
    series = get_owned(series_of(request.workspace), request.workspace, what="series", pk=pk)
    return Response(serializers.series_json(series))


def repeat_of_create(request, pk):
    """A concurrent PUT made the series first: the same id is a repeat, else a clash."""
    existing = series_of(request.workspace).filter(pk=pk).first()
    if existing is not None:
        return Response(serializers.series_json(existing))
    if Series.objects.filter(pk=pk).exists():
        raise api.not_found("series")
    raise name_taken()


def name_taken() -> api.ApiError:
    return api.conflict(
        "The workspace has a series of that name", {"/name": "is used by another series"}
    )


def series_of(workspace):
    """The workspace's series, each with the id of its last entry."""
    last = SequenceEntry.objects.filter(series=OuterRef("pk")).order_by("-number")
    return Series.objects.filter(workspace=workspace).annotate(
        last_entry_id=Subquery(last.values("public_id")[:1])
    )


# --- Entries


@extend_schema(
    operation_id="list_series_entries",
    parameters=[api_doc.CURSOR, api_doc.LIMIT],
    responses={200: openapi.ENTRY_LIST},
)
@api_view(["GET"])
def series_entries(request, series_id):
    """SequenceEntryCollection, highest number first; `cursor` (and `next_cursor`, as in the
    other APIs) fetches the next page with ?cursor=, `limit` is 1 to 100 (default 20). The
    numbers order the entries, so they are the keyset (api.paginate's is a UUID pk)."""
    series = get_owned(
        series_of(request.workspace), request.workspace, what="series", pk=api.parse_id(series_id)
    )
    limit = api.page_limit(request)
    rows = entry_page(series, request.query_params.get("cursor"), limit)
    next_cursor = serializers.number_cursor(rows[limit - 1].number) if len(rows) > limit else ""
    listed = [serializers.entry_json(entry, series) for entry in rows[:limit]]
    return Response(
        {"list": listed, "limit": limit, "cursor": next_cursor, "next_cursor": next_cursor}
    )


def entry_page(series: Series, cursor: str | None, limit: int) -> list:
    """The entries below the cursor's number, highest first, and one more if there is."""
    found = entries_of(series).order_by("-number")
    if cursor:
        found = found.filter(number__lt=serializers.cursor_number(cursor))
    return list(found[: limit + 1])


@extend_schema(methods=["GET"], responses={200: openapi.ENTRY})
@extend_schema(methods=["PUT"], request=openapi.ENTRY_IN, responses={200: openapi.ENTRY})
@api_view(["GET", "PUT"])
def series_entry(request, series_id, entry_id):
    series_pk, pk = api.parse_id(series_id), api.parse_id(entry_id)
    if request.method == "PUT":
        return create_entry(request, series_pk, pk)
    series = get_owned(series_of(request.workspace), request.workspace, what="series", pk=series_pk)
    return Response(serializers.entry_json(entry_of(series, pk), series))


def create_entry(request, series_pk, pk):
    """PUT: take the series' next number for a new entry with the client's UUID (through
    sequence.reserve, as workflows do, so the numbers stay consecutive across both)."""
    meta = serializers.entry_meta(api.json_body(request))
    try:
        with transaction.atomic():
            series = get_owned(
                Series.objects.select_for_update(), request.workspace, what="series", pk=series_pk
            )
            if not SequenceEntry.objects.filter(series=series, public_id=pk).exists():
                take_number(request.workspace, series, pk, meta)
    except IntegrityError:
        raise api.not_found("entry") from None  # the id is another series' entry
    return Response(serializers.entry_json(entry_of(series, pk), series))


def take_number(workspace, series: Series, pk, meta: dict) -> None:
    if SequenceEntry.objects.filter(public_id=pk).exists():
        raise api.not_found("entry")  # another series' entry, maybe another workspace's
    _, number, _ = reserve(workspace, series.name)
    SequenceEntry.objects.filter(series=series, number=number).update(public_id=pk, meta=meta)


def entries_of(series: Series):
    """The series' entries, each with the id of the one numbered before it."""
    previous = SequenceEntry.objects.filter(
        series=OuterRef("series"), number__lt=OuterRef("number")
    ).order_by("-number")
    return series.entries.annotate(previous_id=Subquery(previous.values("public_id")[:1]))


def entry_of(series: Series, pk) -> SequenceEntry:
    """The series' entry with the public id `pk` (the series is the workspace's)."""
    return get_owned(
        entries_of(series), series.workspace_id, via="series__workspace", what="entry", public_id=pk
    )


# --- Signing


@extend_schema(
    operation_id="silo_gobl_sign",
    description="Sign GOBL Envelopes or Objects: calculated, validated and signed with the "
    "workspace's key, as a workflow's silo.close signs (ES256 JWS of the header, the "
    "document's digest in it). An invoice needs its code first; a signed envelope is "
    "not signed again (422).",
    request=silo_serializers.GoblDataSerializer,
    responses={200: silo_serializers.GoblSerializer},
)
@api_view(["POST"])
def gobl_sign(request):
    from . import sign  # here: cryptography is 9 MB of a web process that may never sign

    data = validated_data(request.data)
    if silo_serializers.is_envelope(data) and silo_serializers.has_sigs(data):
        raise api.invalid({"/data/sigs": "the envelope is signed already"})
    envelope, problems = silo_serializers.checked_envelope(data)
    if problems:
        pointed = {"/data" + pointer: message for pointer, message in problems.items()}
        raise api.invalid(pointed, "The document is not valid")
    problem = sign.unsignable(envelope["doc"])
    if problem:  # built, so only its code can be missing
        where = "/data/doc/code" if silo_serializers.is_envelope(data) else "/data/code"
        raise api.invalid({where: problem}, "The document cannot be signed")
    return Response({"data": sign.seal(envelope, request.workspace)})


def validated_data(body) -> dict:
    serializer = silo_serializers.GoblDataSerializer(data=api.json_object(body))
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["data"]
