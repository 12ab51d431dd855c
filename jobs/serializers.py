"""The transform API's JSON: reading job and poke requests, writing jobs and intents.

Requests are read with api.Fields, so that a wrong type is an error and every problem is
reported by its JSON pointer.
"""

import uuid
from dataclasses import dataclass

from rest_framework import serializers as drf

from invopop_console import api
from providers.base import Status
from silo.serializers import checked_envelope, is_envelope, made_from

from .models import JobStatus

SCHEMA_MAX_LENGTH = 200  # SiloEntry.doc_schema


# --- Requests


@dataclass(frozen=True)
class JobRequest:
    """What a client asks for when it creates a job (POST or PUT /transform/v1/jobs)."""

    workflow_id: uuid.UUID
    silo_entry_id: uuid.UUID | None
    data: dict | None
    args: dict
    key: str
    tags: list
    envelope: dict | None = None  # what the silo stores of `data`: built, with a new uuid


def job_request(body) -> JobRequest:
    fields = api.Fields(body)
    data = fields.object("data")
    built, problems = _document(data)
    request = JobRequest(
        workflow_id=fields.uuid("workflow_id", required=True),
        silo_entry_id=fields.uuid("silo_entry_id"),
        data=data,
        args=fields.string_map("args"),
        key=fields.string("key", max_length=255),
        tags=fields.string_list("tags"),
        envelope=built,
    )
    fields.problems.update(problems)
    fields.problems.update(_subject_problems(fields.body))
    fields.check()
    return request


def _subject_problems(body: dict) -> dict:
    """A job runs on an entry (given by id, or as data) or on args alone."""
    has = {name: body.get(name) not in (None, {}) for name in ("silo_entry_id", "data", "args")}
    if has["silo_entry_id"] and has["data"]:
        return {"/data": "give silo_entry_id or data, not both"}
    if not any(has.values()):
        return {"/silo_entry_id": "a job needs silo_entry_id, data or args"}
    return {}


def _document(data: dict | None) -> tuple[dict | None, dict]:
    """(the envelope the silo stores, {}) for a GOBL envelope or document that the silo can
    store, by the silo API's own rules; (None, its problems) otherwise. A bare document is
    wrapped in a new envelope."""
    if data is None:
        return None, {}
    built, problems = checked_envelope(data, uuid.uuid4())
    if problems:
        return None, {"/data" + where: message for where, message in problems.items()}
    schema = data["doc"]["$schema"] if is_envelope(data) else data["$schema"]
    if len(schema) > SCHEMA_MAX_LENGTH:
        where = "/data/doc/$schema" if is_envelope(data) else "/data/$schema"
        return None, {where: f"must be at most {SCHEMA_MAX_LENGTH} characters"}
    return built, {}


def same_document(stored: dict, data: dict) -> bool:
    """Whether an entry's stored envelope is what `envelope(data)` made of the same data
    (the head's uuid aside, which a bare document gets new)."""
    return made_from(data, stored)


@dataclass(frozen=True)
class PokeRequest:
    """POST /transform/v1/jobs/intents: wake a waiting step."""

    intent_id: uuid.UUID | None
    job_id: uuid.UUID | None
    ref: str
    code: str
    message: str
    args: dict


def poke_request(body) -> PokeRequest:
    fields = api.Fields(body)
    status = fields.string("status")
    if status not in ("", "POKE"):
        fields.problems["/status"] = 'must be "POKE"'
    request = PokeRequest(
        intent_id=fields.uuid("id"),
        job_id=fields.uuid("job_id"),
        ref=fields.string("ref"),
        code=fields.string("code", max_length=100),  # IntentEvent.code
        message=fields.string("message"),
        args=fields.string_map("args"),
    )
    if not fields.problems and not (request.intent_id or (request.job_id and request.ref)):
        fields.problems["/id"] = "name the intent by id, or by job_id and ref"
    fields.check()
    return request


# --- Responses


def event_json(event) -> dict:
    return {
        "index": event.index,
        "status": event.status,
        "code": event.code,
        "message": event.message,
        "args": event.args,
        "at": api.iso(event.at),
    }


def intent_json(intent, events=None) -> dict:
    """`events`: the intent's, when not prefetched."""
    events = intent.events.all() if events is None else events
    return {
        "id": str(intent.id),
        "step_id": intent.step_id,
        "name": intent.name,
        "provider": intent.provider,
        "completed": intent.completed,
        "created_at": api.iso(intent.created_at),
        "updated_at": api.iso(intent.updated_at),
        "events": [event_json(event) for event in events],
    }


def file_json(silo_file, request) -> dict:
    link = f"/silo/v1/entries/{silo_file.entry_id}/files/{silo_file.id}"
    return {
        "id": str(silo_file.id),
        "key": silo_file.key,
        "category": silo_file.category,
        "name": silo_file.name,
        "desc": silo_file.desc,
        "mime": silo_file.mime,
        "size": silo_file.size,
        "hash": silo_file.sha256,
        "url": request.build_absolute_uri(link),
    }


def job_json(job, request, new: bool = False, parts=None) -> dict:
    """A job as TransformJob. Expects the job loaded by jobs.api_views.jobs_of (prefetched
    intents with their events, and the entry's files that jobs attached as `job_files`), or
    with its `parts` (jobs.api_views.JobParts), or `new`: a job just created, with neither."""
    entry = job.silo_entry
    if parts is not None:
        intents = [intent_json(intent, events) for intent, events in parts.intents]
        files = [file_json(f, request) for f in parts.files]
    else:
        intents = [] if new else [intent_json(intent) for intent in job.intents.all()]
        files = [] if new or entry is None else [file_json(f, request) for f in entry.job_files]
    return {
        "id": str(job.id),
        "key": job.key,
        "workflow_id": str(job.workflow_id),
        "silo_entry_id": str(job.silo_entry_id) if job.silo_entry_id else None,
        "status": job.status,
        "args": job.args,
        "tags": job.tags,
        "faults": job.faults,
        "created_at": api.iso(job.created_at),
        "updated_at": api.iso(job.updated_at),
        "completed_at": api.iso(job.completed_at),
        "intents": intents,
        "envelope": entry.data if entry else None,
        "attachments": files,
    }


# --- The OpenAPI document's shapes (drf-spectacular), named as in Invopop's


class TransformEvent(drf.Serializer):
    index = drf.IntegerField()
    status = drf.ChoiceField(Status.choices)
    code = drf.CharField()
    message = drf.CharField()
    args = drf.DictField(child=drf.CharField())
    at = drf.DateTimeField()


class TransformIntent(drf.Serializer):
    id = drf.UUIDField()
    step_id = drf.CharField()
    name = drf.CharField()
    provider = drf.CharField()
    completed = drf.BooleanField()
    created_at = drf.DateTimeField()
    updated_at = drf.DateTimeField()
    events = TransformEvent(many=True)


class TransformFault(drf.Serializer):
    provider = drf.CharField()
    code = drf.CharField()
    message = drf.CharField()


class TransformFile(drf.Serializer):
    id = drf.UUIDField()
    key = drf.CharField()
    category = drf.CharField()
    name = drf.CharField()
    desc = drf.CharField()
    mime = drf.CharField()
    size = drf.IntegerField()
    hash = drf.CharField(help_text="SHA-256 of the content")
    url = drf.URLField()


class TransformJob(drf.Serializer):
    id = drf.UUIDField()
    key = drf.CharField()
    workflow_id = drf.UUIDField()
    silo_entry_id = drf.UUIDField(allow_null=True)
    status = drf.ChoiceField(JobStatus.choices)
    args = drf.DictField(child=drf.CharField())
    tags = drf.ListField(child=drf.CharField())
    faults = TransformFault(many=True)
    created_at = drf.DateTimeField()
    updated_at = drf.DateTimeField()
    completed_at = drf.DateTimeField(allow_null=True)
    intents = TransformIntent(many=True)
    envelope = drf.JSONField(allow_null=True, help_text="The entry's current GOBL envelope")
    attachments = TransformFile(many=True, help_text="The entry's files that jobs attached")


class TransformJobCollection(drf.Serializer):
    list = TransformJob(many=True)
    limit = drf.IntegerField()
    next_cursor = drf.CharField(help_text="Empty on the last page")
    cursor = drf.CharField(required=False, help_text="The cursor asked for")
    created_at = drf.CharField(required=False, help_text="The created_at asked for")


class TransformJobCreate(drf.Serializer):
    workflow_id = drf.UUIDField()
    silo_entry_id = drf.UUIDField(required=False)
    data = drf.JSONField(required=False, help_text="A GOBL envelope or document")
    args = drf.DictField(child=drf.CharField(), required=False)
    key = drf.CharField(required=False, max_length=255)
    tags = drf.ListField(child=drf.CharField(), required=False)


class TransformPoke(drf.Serializer):
    id = drf.UUIDField(required=False, help_text="The intent's id")
    job_id = drf.UUIDField(required=False)
    ref = drf.CharField(required=False, help_text="With job_id, instead of id")
    status = drf.ChoiceField(["POKE"], required=False)
    code = drf.CharField(required=False, max_length=100)
    message = drf.CharField(required=False)
    args = drf.DictField(child=drf.CharField(), required=False)
