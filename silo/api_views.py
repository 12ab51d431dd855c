"""The silo API, shaped like Invopop's /silo/v1: entries, their files and their states.

Everything is scoped to the token's workspace: another workspace's entry is as unknown as
one that does not exist (404). Errors are the API's `{key, message, fields}`.
"""

import mimetypes
import posixpath
import uuid

import jsonpatch
import jsonpointer
from django.db import IntegrityError, transaction
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, parser_classes
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from invopop_console import api, json_input, openapi
from invopop_console.accounts.access import get_owned
from invopop_console.parsers import JSONParser

from . import services
from .gobl import corrections
from .models import SiloEntry
from .serializers import (
    JSON_PATCH,
    MERGE_PATCH,
    EntryCollectionSerializer,
    EntryCreateSerializer,
    EntrySerializer,
    EntryUpdateSerializer,
    FileCollectionSerializer,
    FileCreateSerializer,
    FileSerializer,
    FileUploadSerializer,
    GoblBuildSerializer,
    GoblCorrectSerializer,
    GoblDataSerializer,
    GoblSerializer,
    StateCollectionSerializer,
    StateCreateSerializer,
    StateSerializer,
    as_envelope,
    checked_envelope,
    gobl_problems,
    has_sigs,
    is_envelope,
    made_from,
    operation_problems,
    result_problems,
)

SIGNED = "The entry is signed: its data cannot change"
PATCH_ERRORS = (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError)
CONFLICT = OpenApiResponse(description="The id or key belongs to a different request")
WITH_DATA = OpenApiParameter(
    "data", bool, description="Include the envelope (`data`) in the entry: data=true."
)


# --- Helpers


def workspace_entries(request):
    return SiloEntry.objects.filter(workspace=request.workspace)


def flag(request, name: str) -> bool:
    raw = request.query_params.get(name, "").lower()
    if raw in ("", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise api.invalid({f"/{name}": "must be true or false"})


def validated(serializer_class, data) -> dict:
    check_json(data)
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def check_json(data, prefix="") -> None:
    """What json_input refuses, also in a multipart form's fields and in a console form's
    data (a JSON body was checked by the parser already)."""
    problems = json_input.problems(data, prefix)
    if problems:
        raise api.invalid(problems)


def pointed(problems: dict[str, str], prefix: str) -> dict[str, str]:
    return {(prefix + pointer) or "/": message for pointer, message in problems.items()}


def entry_context(request) -> dict:
    return {"request": request, "with_data": flag(request, "data")}


def entry_response(request, entry: SiloEntry, replayed=False) -> Response:
    """200 with the entry; a repeated create says so in a header, as jobs do (Invopop
    answers 200 to a create, new or not, so the status cannot)."""
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return Response(EntrySerializer(entry, context=entry_context(request)).data, headers=headers)


def media_type(request) -> str:
    return (request.content_type or "").split(";")[0].strip().lower()


# --- Entries


@extend_schema(
    methods=["GET"],
    operation_id="silo_entries_list",
    description="Entries of the workspace, newest first (or oldest first).",
    parameters=[
        OpenApiParameter("folder", str),
        *openapi.PAGE,
        OpenApiParameter(
            "ascending", bool, description="Oldest first; created_at is then the lower bound"
        ),
        WITH_DATA,
    ],
    responses={200: EntryCollectionSerializer},
)
@extend_schema(
    methods=["POST"],
    operation_id="silo_entries_create",
    description="Create an entry with a new id; a `key` already used answers with its entry "
    "when the request is the same (with Idempotent-Replayed: true), else 409.",
    request=EntryCreateSerializer,
    responses={200: EntrySerializer, 409: CONFLICT},
)
@api_view(["GET", "POST"])
def entries(request):
    if request.method == "POST":
        return create_entry(request, uuid.uuid4(), client_id=False)
    return list_entries(request)


@extend_schema(
    methods=["GET"],
    operation_id="silo_entries_fetch",
    parameters=[WITH_DATA],
    responses={200: EntrySerializer},
)
@extend_schema(
    methods=["PUT"],
    operation_id="silo_entries_put",
    description="Create an entry with the client's id; repeating the same request answers "
    "with the entry (with Idempotent-Replayed: true), a different one with 409.",
    request=EntryCreateSerializer,
    responses={200: EntrySerializer, 409: CONFLICT},
)
@extend_schema(
    methods=["PATCH"],
    operation_id="silo_entries_update",
    description="Change the folder or the data: a whole envelope or document, an RFC 7396 "
    "merge patch or RFC 6902 operations (by Content-Type, or by `content_type` in a JSON "
    "body). A signed entry's data cannot change (409).",
    request={
        "application/json": EntryUpdateSerializer,
        MERGE_PATCH: OpenApiTypes.OBJECT,
        JSON_PATCH: {"type": "array", "items": {"type": "object"}},
    },
    responses={
        200: EntrySerializer,
        409: OpenApiResponse(description="The entry is signed, or changed meanwhile"),
    },
)
@api_view(["GET", "PUT", "PATCH"])
def entry(request, entry_id):
    if request.method == "PUT":
        return create_entry(request, entry_id, client_id=True)
    found = get_owned(SiloEntry, request.workspace, what="entry", pk=entry_id)
    if request.method == "PATCH":
        return update_entry(request, found)
    return entry_response(request, found)


@extend_schema(
    operation_id="silo_entries_fetch_by_key",
    parameters=[WITH_DATA],
    responses={200: EntrySerializer},
)
@api_view(["GET"])
def entry_by_key(request, key):
    found = get_owned(SiloEntry, request.workspace, what="entry", key=key)
    return entry_response(request, found)


def list_entries(request) -> Response:
    """Newest first, or oldest first with ?ascending=true (as Invopop's: created_at is then
    the lower bound, not the upper one)."""
    ascending = flag(request, "ascending")
    queryset = workspace_entries(request).prefetch_related("files")
    params = request.query_params
    check_json({name: params.get(name) for name in ("folder", "created_at")})
    if params.get("folder"):
        queryset = queryset.filter(folder=params["folder"])
    bound = api.created_at_param(request)
    if bound is not None:
        queryset = queryset.filter(**{"created_at__gte" if ascending else "created_at__lte": bound})
    context = entry_context(request)
    page = api.paginate(
        request, queryset, lambda e: EntrySerializer(e, context=context).data, ascending=ascending
    )
    echoed = {name: params[name] for name in ("cursor", "folder", "created_at") if name in params}
    return Response({**page, **echoed})


# --- Creating, idempotently


def create_entry(request, entry_id, *, client_id: bool) -> Response:
    fields = validated(EntryCreateSerializer, request.data)
    if "previous_id" in fields:
        # An id in the body, as the jobs API's silo_entry_id: one that names no entry of the
        # workspace (another's included) is a field's problem, not a missing path.
        fields["previous"] = workspace_entries(request).filter(pk=fields["previous_id"]).first()
        if fields["previous"] is None:
            raise api.invalid({"/previous_id": "no such silo entry"})
    existing = existing_entry(request, entry_id, fields, client_id=client_id)
    if existing is not None:
        return entry_response(request, existing, replayed=True)
    if "previous" in fields:
        fields["data"] = made_from_previous(fields, entry_id)
    try:
        created = store_entry(request, entry_id, fields)
    except IntegrityError:  # a concurrent request stored this id or key first
        existing = existing_entry(request, entry_id, fields, client_id=client_id)
        if existing is None:
            raise api.conflict("The entry was created meanwhile by another request") from None
        return entry_response(request, existing, replayed=True)
    return entry_response(request, created)


def existing_entry(request, entry_id, fields: dict, *, client_id: bool) -> SiloEntry | None:
    """The entry this very request already created, or None when there is none; 409 when
    the id or key is taken by a different one."""
    if client_id:
        same_id = SiloEntry.objects.filter(pk=entry_id).first()
        if same_id is not None:
            if same_id.workspace_id != request.workspace.id:
                raise api.not_found("entry")
            return repeated(same_id, fields, "id")
    if not fields["key"]:
        return None
    same_key = workspace_entries(request).filter(key=fields["key"]).first()
    if same_key is None:
        return None
    if client_id:
        raise api.conflict(
            f"The key is used by entry {same_key.pk}", {"/key": "already used by another entry"}
        )
    return repeated(same_key, fields, "key")


def repeated(entry: SiloEntry, fields: dict, by: str) -> SiloEntry:
    if not same_request(entry, fields):
        where = {"/key": "already used by another entry"} if by == "key" else {}
        raise api.conflict(f"Entry {entry.pk} exists with this {by} and different contents", where)
    return entry


def same_request(entry: SiloEntry, fields: dict) -> bool:
    """Would `fields` have created `entry`? Its data is compared with the first version,
    so that changes made since (by jobs, say) do not turn a retry into a conflict. An entry
    made from a previous one is the same when made from the same one (its data has today's
    date and a new uuid: no retry would make it again byte for byte)."""
    if "previous" in fields:
        return entry.previous_id == fields["previous"].pk and fields["key"] == entry.key
    original = entry.versions.filter(number=1).values_list("data", flat=True).first()
    original = entry.data if original is None else original
    return (
        made_from(fields["data"], original, head_uuid=entry.pk)
        and fields["key"] == entry.key
        and fields["folder"] in ("", entry.folder)
    )


def store_entry(request, entry_id, fields: dict, user=None) -> SiloEntry:
    """Store a new entry; `user` is the console's person (API calls act as their token)."""
    envelope = as_envelope(fields["data"], entry_id)
    return SiloEntry.create_with_version(
        request.workspace,
        envelope,
        user=user,
        id=entry_id,
        key=fields["key"],
        folder=fields["folder"],
        signed=has_sigs(envelope),
        previous=fields.get("previous"),
    )


def made_from_previous(fields: dict, entry_id) -> dict:
    """The envelope that corrects the previous entry's invoice (with `correct`), or a copy of
    its document; its problems named after the request's fields: the options are its
    `correct`, the data the previous entry's, which the request names by `previous_id`."""
    try:
        return services.derived_envelope(fields["previous"].data, fields.get("correct"), entry_id)
    except services.DocumentRefused as refused:
        problems: dict[str, str] = {}
        for pointer, message in refused.problems.items():
            if pointer.startswith("/options"):
                problems["/correct" + pointer.removeprefix("/options")] = message
            else:
                where = pointer.removeprefix("/data") or "/"
                said = problems.get("/previous_id", "")
                problems["/previous_id"] = (
                    f"{said}; " * bool(said) + f"its document at {where} {message}"
                )
        message = "The new document cannot be made from the previous entry"
        raise api.invalid(problems, message) from None


# --- Changing


def update_entry(request, entry: SiloEntry) -> Response:
    body = request.data  # 415 here for a content type no parser takes
    kind = media_type(request)
    with transaction.atomic():
        if kind in (MERGE_PATCH, JSON_PATCH):
            check_json(body)
            change_data(entry, kind, body, prefix="")
        else:
            fields = validated(EntryUpdateSerializer, body)
            if "folder" in fields:
                services.set_folder(entry, fields["folder"])
            if fields.get("data") is not None:
                change_data(entry, fields["content_type"], fields["data"], prefix="/data")
    entry.refresh_from_db()
    return entry_response(request, entry)


def change_data(entry: SiloEntry, kind: str, data, *, prefix: str) -> None:
    """Apply `data` as `kind` says; `prefix` points at it in the request body.

    The outcome is computed here and checked before anything is written, then written as a
    whole envelope based on the version it came from: a change made meanwhile is a 409 to
    retry, never a patch applied to data the client did not see."""
    if entry.signed:
        raise api.conflict(SIGNED)
    envelope = outcome(entry, kind, data, prefix)
    problems = json_input.problems(envelope)
    if problems:  # patches that each nest a little deeper
        pointer, message = next(iter(problems.items()))
        raise api.invalid({prefix or "/": f"the result at {pointer} {message}"})
    signed = True if has_sigs(envelope) else None  # signatures added by the client
    try:
        services.change_data(entry, envelope=envelope, signed=signed, based_on=entry.version)
    except services.SignedEntry:
        raise api.conflict(SIGNED) from None
    except services.ChangeConflict:
        raise api.conflict("The entry changed meanwhile: fetch it and try again") from None


def outcome(entry: SiloEntry, kind: str, data, prefix: str) -> dict:
    if kind == MERGE_PATCH:
        if not isinstance(data, dict):
            raise api.invalid({prefix or "/": "a merge patch must be an object"})
        merged = services.merge_patch(entry.data, data)
        problems = result_problems(merged)
        if problems:  # a merge patch mirrors the envelope: its pointers say where
            raise api.invalid(pointed(problems, prefix), "The result is not a GOBL envelope")
        return merged
    if kind == JSON_PATCH:
        return patched(entry.data, data, prefix)
    problems = gobl_problems(data)
    if problems:
        raise api.invalid(pointed(problems, prefix))
    return replacement(entry, data)


def patched(data, operations, prefix: str) -> dict:
    problems = operation_problems(operations)
    if problems:
        raise api.invalid(pointed(problems, prefix))
    try:
        result = services.json_patch(data, operations)
    except PATCH_ERRORS:
        pointer, message = failing_operation(data, operations)
        fields = {(prefix + pointer) or "/": message}
        raise api.invalid(fields, "The patch does not apply") from None
    problems = result_problems(result)
    if problems:
        pointer, message = next(iter(problems.items()))
        fields = {prefix or "/": f"the result at {pointer or '/'} {message}"}
        raise api.invalid(fields, "The result is not a GOBL envelope")
    return result


def replacement(entry: SiloEntry, data: dict) -> dict:
    """The entry's new envelope, built: `data` when it is one, else the entry's with `data`
    as doc."""
    current = entry.data if isinstance(entry.data, dict) and is_envelope(entry.data) else {}
    head = current.get("head") if isinstance(current.get("head"), dict) else {}
    head_uuid = head.get("uuid") or entry.pk
    if is_envelope(data) or not current:
        return as_envelope(data, head_uuid)
    return as_envelope({**current, "doc": data}, head_uuid)  # built, with a new digest


def failing_operation(data, operations: list) -> tuple[str, str]:
    """The pointer (into the operations) and reason of the first operation that fails."""
    for index, operation in enumerate(operations):
        try:
            data = services.json_patch(data, [operation])
        except PATCH_ERRORS as exc:
            member, message = failing_member(data, operation, exc)
            return f"/{index}/{member}", message
    return "", "does not apply"


def failing_member(data, operation: dict, exc) -> tuple[str, str]:
    if isinstance(exc, jsonpatch.JsonPatchTestFailed) and resolves(data, operation["path"]):
        return "value", "differs from the value at the path"
    if operation["op"] in ("move", "copy") and not resolves(data, operation["from"]):
        return "from", "points at nothing"
    return "path", f"cannot be applied here ({str(exc)[:120]})"


def resolves(data, pointer: str) -> bool:
    try:
        jsonpointer.resolve_pointer(data, pointer)
    except (jsonpointer.JsonPointerException, TypeError):
        return False
    return True


# --- Files


class AnyAccept(BaseContentNegotiation):
    """Downloads answer with the file's own type whatever Accept says (errors are JSON)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def any_accept(view):
    view.content_negotiation_class = AnyAccept  # read by @api_view
    return view


@extend_schema(
    methods=["GET"],
    operation_id="silo_entry_files_list",
    responses={200: FileCollectionSerializer},
)
@extend_schema(
    methods=["POST"],
    operation_id="silo_entry_files_create",
    description="Attach a file: a multipart form with a `file` part, or JSON with the "
    "contents base64 encoded in `data`. A file of the same category and key (or name) "
    "is replaced.",
    request={
        "multipart/form-data": FileUploadSerializer,
        "application/json": FileCreateSerializer,
    },
    responses={200: FileSerializer},
)
@api_view(["GET", "POST"])
@parser_classes([JSONParser, MultiPartParser])
def entry_files(request, entry_id):
    found = get_owned(SiloEntry, request.workspace, what="entry", pk=entry_id)
    context = {"request": request}
    if request.method == "POST":
        stored = services.attach_file(found, **file_fields(request))
        return Response(FileSerializer(stored, context=context).data)  # 200, as Invopop
    files = FileSerializer(found.files.all(), many=True, context=context).data
    return Response({"list": files})


def file_fields(request) -> dict:
    """attach_file()'s arguments from a multipart form or a JSON body."""
    if media_type(request) == "multipart/form-data":
        fields = validated(FileUploadSerializer, request.data)
        upload = fields.pop("file")
        fields["name"] = fields["name"] or upload.name or ""
        fields["content"] = upload.read()
        fields["mime"] = fields["mime"] or upload.content_type or ""
    else:
        fields = validated(FileCreateSerializer, request.data)
        fields["content"] = fields.pop("data")
        fields.pop("sha256", None)
        fields.pop("size", None)
    fields["name"] = file_name(fields["name"])
    fields["mime"] = file_mime(fields["mime"], fields["name"])
    return fields


def file_name(name: str) -> str:
    """The last part of `name`, so that no name reaches outside the entry's folder."""
    name = posixpath.basename(name.replace("\\", "/")).strip()
    if name in ("", ".", "..") or json_input.problems(name):
        raise api.invalid({"/name": "must be a file name"})
    return name


def file_mime(mime: str, name: str) -> str:
    if mime and len(mime) <= 100 and "/" in mime and not json_input.problems(mime):
        return mime
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


@extend_schema(
    operation_id="silo_entry_files_download",
    description="The file's contents, with its own MIME type as Content-Type.",
    responses={(200, "*/*"): OpenApiTypes.BINARY},
)
@api_view(["GET"])
@any_accept
def entry_file(request, entry_id, file_id):
    found = get_owned(SiloEntry, request.workspace, what="entry", pk=entry_id)
    stored = found.files.filter(pk=file_id).first()
    if stored is None:
        raise api.not_found("file")
    try:
        contents = stored.file.open("rb")
    except (FileNotFoundError, ValueError):  # ValueError: a row with no contents at all
        raise api.not_found("file contents") from None
    return FileResponse(
        contents, as_attachment=True, filename=stored.name, content_type=stored.mime
    )


# --- States


@extend_schema(
    methods=["GET"],
    operation_id="silo_entry_states_list",
    responses={200: StateCollectionSerializer},
)
@extend_schema(
    methods=["POST"],
    operation_id="silo_entry_states_create",
    request=StateCreateSerializer,
    responses={200: StateSerializer},
)
@api_view(["GET", "POST"])
def entry_states(request, entry_id):
    found = get_owned(SiloEntry, request.workspace, what="entry", pk=entry_id)
    if request.method == "POST":
        return create_state(request, found)
    states = found.states.order_by("-created_at", "-pk")
    return Response({"list": StateSerializer(states, many=True).data})


def create_state(request, entry: SiloEntry) -> Response:
    fields = validated(StateCreateSerializer, request.data)
    state = services.set_state(
        entry,
        fields["key"],
        notes=fields["notes"],
        meta=fields["meta"],
        src="api-key",
        src_id=request.auth.id,
    )
    return Response(StateSerializer(state).data)  # 200, as Invopop


# --- GOBL operations on the data sent (Invopop's /silo/v1/gobl/...): nothing is stored


@extend_schema(
    operation_id="silo_gobl_build",
    description="Build GOBL Envelopes or Objects for validation purposes: calculated and "
    "validated, every problem by JSON pointer (422). An envelope is answered with an "
    "envelope; an object with the object, or an envelope with `envelop`.",
    request=GoblBuildSerializer,
    responses={200: GoblSerializer},
)
@api_view(["POST"])
def gobl_build(request):
    fields = validated(GoblBuildSerializer, request.data)
    envelope = built(fields["data"])
    wanted = fields["envelop"] or is_envelope(fields["data"])
    return Response({"data": envelope if wanted else envelope["doc"]})


def built(data: dict) -> dict:
    """`data` built as an envelope, or a 422 naming its problems."""
    envelope, problems = checked_envelope(data)
    if problems:
        raise api.invalid(pointed(problems, "/data"), "The document is not valid")
    return envelope


@extend_schema(
    operation_id="silo_gobl_correct",
    description="Correct or determine the correction options for a GOBL Envelope (not "
    "Object!): the credit note, debit note or corrective invoice of the envelope's invoice "
    "as the `options` say (GOBL's correction options: type, series, issue_date, reason, "
    "ext, stamps, copy_tax), or with `show_options` the JSON schema of those options for "
    "the invoice's regime and add-ons. Nothing is stored: POST /entries with `previous_id` "
    "and `correct` stores the correction as a new entry.",
    request=GoblCorrectSerializer,
    responses={200: GoblSerializer},
)
@api_view(["POST"])
def gobl_correct(request):
    fields = validated(GoblCorrectSerializer, request.data)
    if fields["show_options"]:
        return Response({"data": correction_options(fields["data"])})
    try:
        envelope = services.derived_envelope(fields["data"], fields["options"])
    except services.DocumentRefused as refused:
        raise api.invalid(refused.problems, "The invoice cannot be corrected so") from None
    return Response({"data": envelope})


def correction_options(data: dict) -> dict:
    if not is_envelope(data):
        raise api.invalid({"/data": "must be a GOBL envelope (not a bare document)"})
    doc = data.get("doc") if isinstance(data.get("doc"), dict) else {}
    if doc.get("$schema") != corrections.INVOICE:
        raise api.invalid({"/data/doc/$schema": "only invoices can be corrected"})
    return corrections.options_schema(data)


@extend_schema(
    operation_id="silo_gobl_replicate",
    description="Ours, not Invopop's: a new draft from a GOBL Envelope or Object, as GOBL's "
    "replicate makes it: the same document with a new uuid and without its code, dates, "
    "stamps and signatures (the series stays), built. Nothing is stored: POST /entries "
    "with `previous_id` stores a copy of an entry as a new one.",
    request=GoblDataSerializer,
    responses={200: GoblSerializer},
)
@api_view(["POST"])
def gobl_replicate(request):
    fields = validated(GoblDataSerializer, request.data)
    data = fields["data"]
    gobl = gobl_problems(data)  # a copy of what is no GOBL document would be no better
    if gobl:
        raise api.invalid(pointed(gobl, "/data"), "The document is not valid")
    try:
        envelope = services.derived_envelope(data)
    except services.DocumentRefused as refused:
        raise api.invalid(refused.problems, "The copy is not valid") from None
    return Response({"data": envelope})
