"""The silo API's shapes, as Invopop's: what a client may send and what it gets back.

Input serializers check types strictly (a number is not a key) and ignore unknown fields;
their errors become 422s keyed by JSON pointer (see invopop_console.api.pointers).
"""

import base64
import binascii
import hashlib
import re
import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .gobl import build_envelope
from .models import SiloEntry, SiloFile

ENVELOPE_SCHEMA = "https://gobl.org/draft-0/envelope"
INVOICE_SCHEMA = "https://gobl.org/draft-0/bill/invoice"
GOBL_PREFIX = "https://gobl.org/"
ENVELOPE_RE = re.compile(r"^https://gobl\.org/draft-\d+/envelope$")
JSON_TYPE = "application/json"
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
PATCH_OPS = {"add", "remove", "replace", "move", "copy", "test"}
STATE_KEY = RegexValidator(r"^[a-z][a-z0-9-]*$", "must match ^[a-z][a-z0-9-]*$")


class Text(serializers.CharField):
    """A CharField that takes only strings: 5 or true is a type error, not "5" or "True"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Boolean(serializers.BooleanField):
    """A BooleanField that takes only true and false: 0, "yes" or "true" is a type error, as
    the schema says, not a boolean that DRF guessed."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


# --- GOBL data


def is_envelope(data: dict) -> bool:
    schema = data.get("$schema")
    return isinstance(schema, str) and bool(ENVELOPE_RE.match(schema))


def gobl_problems(data) -> dict[str, str]:
    """What makes `data` neither a GOBL envelope nor a GOBL document, keyed by JSON pointer
    relative to `data`; empty when it is one."""
    return checked_envelope(data)[1]


def checked_envelope(data, head_uuid=None) -> tuple[dict | None, dict[str, str]]:
    """(as_envelope(data, head_uuid), {}) when gobl_problems(data) finds none, else (None, the
    problems): one build where the two would make two (~0.3 ms of a job created with data
    through the API, bench/api.py)."""
    if not isinstance(data, dict):
        return None, {"": "must be an object: a GOBL envelope or document"}
    schema = data.get("$schema")
    if not isinstance(schema, str) or not schema.startswith(GOBL_PREFIX):
        return None, {"/$schema": f"must be a GOBL schema URL starting with {GOBL_PREFIX}"}
    problems = envelope_problems(data) if is_envelope(data) else {}
    problems = problems or line_problems(data)
    if problems:
        return None, problems
    built, found = build_envelope(data, head_uuid=head_uuid)
    if found:
        return None, {problem.path: problem.message for problem in found}
    if is_envelope(data) and has_sigs(data):
        return as_envelope(data, head_uuid or uuid.uuid4()), {}  # kept as it came
    return built, {}


def envelope_problems(envelope: dict) -> dict[str, str]:
    if "head" in envelope and not isinstance(envelope["head"], dict):
        return {"/head": "must be an object"}
    if "sigs" in envelope and not isinstance(envelope["sigs"], list):
        return {"/sigs": "must be a list"}
    doc = envelope.get("doc")
    if not isinstance(doc, dict):
        return {"/doc": "must be an object: the GOBL document"}
    schema = doc.get("$schema")
    if not isinstance(schema, str) or not schema.startswith(GOBL_PREFIX) or is_envelope(doc):
        return {"/doc/$schema": f"must be a document schema URL starting with {GOBL_PREFIX}"}
    return {}


def result_problems(data) -> dict[str, str]:
    """What makes the outcome of a patch not a GOBL envelope any more."""
    if not isinstance(data, dict):
        return {"": "must stay an object: a GOBL envelope"}
    if not is_envelope(data):
        return {"/$schema": f"must stay the envelope schema, {ENVELOPE_SCHEMA}"}
    return envelope_problems(data) or line_problems(data)


def line_problems(data: dict) -> dict[str, str]:
    """A document of more than DOCUMENT_MAX_LINES lines, at its lines' pointer: building,
    signing, printing and showing it would hold a worker and the page for minutes."""
    doc, where = (data.get("doc"), "/doc/lines") if is_envelope(data) else (data, "/lines")
    lines = doc.get("lines") if isinstance(doc, dict) else None
    limit = settings.DOCUMENT_MAX_LINES
    if isinstance(lines, list) and len(lines) > limit:
        return {where: f"a document has at most {limit:,} lines; this one has {len(lines):,}"}
    return {}


def operation_problems(operations) -> dict[str, str]:
    """What makes `operations` not a list of RFC 6902 operations, by JSON pointer."""
    if not isinstance(operations, list):
        return {"": "must be a list of JSON patch operations"}
    for index, operation in enumerate(operations):
        problem = _operation_problem(operation)
        if problem:
            member, message = problem
            return {f"/{index}{member}": message}
    return {}


def _operation_problem(operation) -> tuple[str, str] | None:
    if not isinstance(operation, dict):
        return "", "must be an object"
    name = operation.get("op")
    if not isinstance(name, str) or name not in PATCH_OPS:
        return "/op", "must be one of " + ", ".join(sorted(PATCH_OPS))
    if not isinstance(operation.get("path"), str):
        return "/path", "must be a JSON pointer"
    if name in ("move", "copy") and not isinstance(operation.get("from"), str):
        return "/from", "must be a JSON pointer"
    if name in ("add", "replace", "test") and "value" not in operation:
        return "/value", "is required"
    return None


def as_envelope(data: dict, head_uuid) -> dict:
    """`data` as a built envelope, as Invopop stores what it is given: a bare document wrapped
    into one, an invoice calculated (line sums, taxes, totals), the header's uuid (else
    `head_uuid`) and digest set. A signed envelope is kept exactly as it came: its signatures
    cover it."""
    if not (is_envelope(data) and has_sigs(data)):
        built, _ = build_envelope(data, head_uuid=head_uuid)
        return built
    head = data.get("head") or {}
    if head.get("uuid"):
        return data
    return {**data, "head": {**head, "uuid": str(head_uuid)}}


def made_from(data: dict, stored, head_uuid=None) -> bool:
    """Would as_envelope(data) have stored `stored`? The header's uuid (else `head_uuid`) and
    the issue date an invoice got by default are taken from `stored`, so that a retry on
    another day is still the same request rather than a conflict."""
    if not isinstance(stored, dict):
        return False
    head = stored.get("head") if isinstance(stored.get("head"), dict) else {}
    head_uuid = head.get("uuid") or head_uuid
    if head_uuid is None:
        return False
    return as_envelope(dated_like(data, stored), head_uuid) == stored


def dated_like(data: dict, stored: dict) -> dict:
    """`data` with the issue date of `stored`'s document when it is an invoice without one
    (building gives it today's)."""
    doc = data.get("doc") if is_envelope(data) else data
    stored_doc = stored.get("doc")
    if not isinstance(doc, dict) or doc.get("$schema") != INVOICE_SCHEMA or doc.get("issue_date"):
        return data
    if not isinstance(stored_doc, dict) or "issue_date" not in stored_doc:
        return data
    dated = {**doc, "issue_date": stored_doc["issue_date"]}
    return {**data, "doc": dated} if is_envelope(data) else dated


def has_sigs(envelope: dict) -> bool:
    return bool(envelope.get("sigs"))


def problem_error(problems: dict[str, str]) -> serializers.ValidationError:
    """gobl_problems() as a field's error: the pointers go on after the field's own."""
    if "" in problems:
        return serializers.ValidationError(problems[""])
    return serializers.ValidationError({p.removeprefix("/"): m for p, m in problems.items()})


class GoblData(serializers.JSONField):
    """A GOBL envelope or document; errors name the field or a pointer inside it."""

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        problems = gobl_problems(data)
        if problems:
            raise problem_error(problems)
        return data


def not_signing(value):
    if value:
        raise serializers.ValidationError(
            "signing is done by a workflow's silo.close step, not on upload"
        )
    return value


# --- Requests


@extend_schema_field({"type": "object", "additionalProperties": True})
class JSONObject(serializers.JSONField):
    """A JSON object (null reads as absent)."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("must be an object")
        return super().to_internal_value(data)


class EntryCreateSerializer(serializers.Serializer):
    """SiloCreateEntry: the data, or the entry to make it from (`previous_id`): a copy of
    its document as a new draft, or, with `correct`, the document that corrects it."""

    data = GoblData(required=False)
    key = Text(max_length=255, required=False, allow_blank=True, default="")
    folder = Text(max_length=100, required=False, allow_blank=True, default="")
    sign = Boolean(required=False, validators=[not_signing])
    previous_id = serializers.UUIDField(
        required=False, help_text="The entry to copy (or to correct, with `correct`)."
    )
    correct = JSONObject(
        required=False,
        help_text="The correction options (GOBL's: type, series, reason, ext...) to correct "
        "the `previous_id` entry's invoice with.",
    )

    def validate(self, attrs):
        if "data" not in attrs and "previous_id" not in attrs:
            raise serializers.ValidationError({"data": "is required (or previous_id)"})
        if "data" in attrs and "previous_id" in attrs:
            raise serializers.ValidationError(
                {"previous_id": "is given with data: one or the other"}
            )
        if "correct" in attrs and "previous_id" not in attrs:
            raise serializers.ValidationError({"previous_id": "is required to correct an entry"})
        return attrs


class GoblBuildSerializer(serializers.Serializer):
    """SiloBuildGOBL."""

    data = JSONObject(help_text="GOBL Envelope or Object to calculate and validate.")
    envelop = Boolean(
        required=False,
        default=False,
        help_text="When true, a complete GOBL Envelope will be provided as opposed to the "
        "standalone object.",
    )


class GoblCorrectSerializer(serializers.Serializer):
    """SiloCorrectGOBL."""

    data = JSONObject(help_text="GOBL Envelope (not Object!) of the invoice to correct.")
    options = JSONObject(
        required=False,
        default=dict,
        help_text="JSON object containing the GOBL correction option data.",
    )
    show_options = Boolean(
        required=False,
        default=False,
        help_text="When true, the options schema for correction are provided in the response.",
    )


class GoblDataSerializer(serializers.Serializer):
    """SiloSignGOBL, and the request to replicate."""

    data = JSONObject(help_text="GOBL Envelope or Object.")


class GoblSerializer(serializers.Serializer):
    """SiloGOBL."""

    data = JSONObject(help_text="GOBL Envelope or Object response to the request.")


class EntryUpdateSerializer(serializers.Serializer):
    """SiloUpdateEntry: `data` is a whole envelope or document, or a patch per content_type."""

    data = serializers.JSONField(required=False, allow_null=True)
    folder = Text(max_length=100, required=False, allow_blank=True)
    content_type = serializers.ChoiceField(
        choices=[JSON_TYPE, MERGE_PATCH, JSON_PATCH], required=False, default=JSON_TYPE
    )
    sign = Boolean(required=False, validators=[not_signing])


class StateCreateSerializer(serializers.Serializer):
    """SiloCreateState."""

    key = Text(max_length=40, validators=[STATE_KEY])
    notes = Text(required=False, allow_blank=True, default="")
    meta = serializers.DictField(child=Text(allow_blank=True), required=False, default=dict)


class FileFieldsSerializer(serializers.Serializer):
    """The fields of a file but its contents, from a JSON body or a multipart form."""

    name = Text(max_length=255)
    category = Text(max_length=40, required=False, allow_blank=True, default="")
    key = Text(max_length=100, required=False, allow_blank=True, default="")
    desc = Text(max_length=255, required=False, allow_blank=True, default="")
    mime = Text(max_length=100, required=False, allow_blank=True, default="")


class FileCreateSerializer(FileFieldsSerializer):
    """The JSON form: the contents base64 encoded in `data`; sha256 and size, when given,
    must describe them. (Placeholders to upload to later are not supported.)"""

    data = Text(help_text="Base64 encoded contents")
    sha256 = Text(required=False, max_length=64)
    size = serializers.IntegerField(required=False, min_value=0)

    def validate_data(self, value):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError("must be base64 encoded") from None

    def validate(self, attrs):
        content = attrs["data"]
        if "size" in attrs and attrs["size"] != len(content):
            raise serializers.ValidationError({"size": "does not match the data's size"})
        sha256 = attrs.get("sha256")
        if sha256 and sha256.lower() != hashlib.sha256(content).hexdigest():
            raise serializers.ValidationError({"sha256": "does not match the data's hash"})
        return attrs


class FileUploadSerializer(FileFieldsSerializer):
    """The multipart form: the contents in the `file` part; name defaults to its name."""

    file = serializers.FileField()
    name = Text(max_length=255, required=False, allow_blank=True, default="")


# --- Responses


class FileSerializer(serializers.Serializer):
    """SiloFile."""

    id = serializers.UUIDField()
    entry_id = serializers.UUIDField()
    key = serializers.CharField()
    category = serializers.CharField()
    name = serializers.CharField()
    desc = serializers.CharField()
    mime = serializers.CharField()
    size = serializers.IntegerField()
    hash = serializers.CharField(source="sha256")
    stored = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_stored(self, obj: SiloFile) -> bool:
        return True

    def get_url(self, obj: SiloFile) -> str:
        path = reverse("api_silo_file", args=[obj.entry_id, obj.id])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class DigestSerializer(serializers.Serializer):
    alg = serializers.CharField()
    val = serializers.CharField()


class MetaSerializer(serializers.Serializer):
    entry_id = serializers.UUIDField()
    key = serializers.CharField()
    value = serializers.JSONField()


class EntrySerializer(serializers.Serializer):
    """SiloEntry; `data` only when the context asks for it (with_data)."""

    id = serializers.UUIDField()
    key = serializers.CharField()
    folder = serializers.CharField()
    doc_schema = serializers.CharField()
    env_schema = serializers.SerializerMethodField()
    state = serializers.CharField()
    faults = serializers.JSONField()
    signed = serializers.BooleanField()
    draft = serializers.SerializerMethodField()
    invalid = serializers.BooleanField()
    snippet = serializers.JSONField()
    tags = serializers.SerializerMethodField()
    digest = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField()
    meta = serializers.SerializerMethodField()
    attachments = FileSerializer(many=True, source="files.all")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    data = serializers.JSONField(required=False)

    def to_representation(self, instance):
        found = super().to_representation(instance)
        if not self.context.get("with_data"):
            found.pop("data")
        return found

    def get_env_schema(self, obj: SiloEntry) -> str:
        return _envelope(obj).get("$schema", "")

    def get_draft(self, obj: SiloEntry) -> bool:
        return not obj.signed

    def get_tags(self, obj: SiloEntry) -> list[str]:
        tags = _head(obj).get("tags")
        return tags if isinstance(tags, list) else []

    @extend_schema_field(DigestSerializer(allow_null=True))
    def get_digest(self, obj: SiloEntry):
        dig = _head(obj).get("dig")
        return dig if isinstance(dig, dict) else None

    def get_version(self, obj: SiloEntry) -> str:
        return str(obj.version)

    @extend_schema_field(MetaSerializer(many=True))
    def get_meta(self, obj: SiloEntry):
        meta = obj.meta if isinstance(obj.meta, dict) else {}
        return [
            {"entry_id": str(obj.id), "key": key, "value": value} for key, value in meta.items()
        ]


def _envelope(entry: SiloEntry) -> dict:
    return entry.data if isinstance(entry.data, dict) else {}


def _head(entry: SiloEntry) -> dict:
    head = _envelope(entry).get("head")
    return head if isinstance(head, dict) else {}


class EntryCollectionSerializer(serializers.Serializer):
    """SiloEntryCollection."""

    list = EntrySerializer(many=True)
    limit = serializers.IntegerField()
    cursor = serializers.CharField(required=False)
    next_cursor = serializers.CharField()
    folder = serializers.CharField(required=False)
    created_at = serializers.CharField(required=False)


class StateSerializer(serializers.Serializer):
    """SiloState."""

    id = serializers.UUIDField()
    key = serializers.CharField()
    notes = serializers.CharField()
    faults = serializers.JSONField()
    meta = serializers.DictField(child=serializers.CharField())
    src = serializers.CharField()
    src_id = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField()


class StateCollectionSerializer(serializers.Serializer):
    """SiloStateCollection."""

    list = StateSerializer(many=True)


class FileCollectionSerializer(serializers.Serializer):
    list = FileSerializer(many=True)
