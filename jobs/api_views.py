"""The transform API's jobs, shaped like Invopop's: create, fetch, list, wait for and poke.

POST and PUT answer 202 with the job, also when they return a job that a retry (same id or
same key, same request) finds; a different request for that id or key is a 409. Ids in the
body that the workspace does not have (its own or another's) are a 422 on their field; a job
of another workspace in the path is a 404, as an unknown one.
"""

import logging
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from redis.exceptions import RedisError
from rest_framework import status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.response import Response

from invopop_console import api, openapi, rows
from invopop_console.accounts.access import get_owned, owned_or_none
from invopop_console.parsers import JSONParser
from silo.models import SiloEntry, SiloEntryVersion, SiloFile
from workflows.models import Workflow

from . import queue, serializers
from .models import Intent, IntentEvent, Job
from .serializers import JobRequest
from .services import JobError, create_job, poke

log = logging.getLogger(__name__)
MAX_WAIT = 60

WAIT = OpenApiParameter(
    "wait",
    int,
    description=f"Seconds to hold the answer until the job completes: 0 (the default) to "
    f"{MAX_WAIT}, a longer wait counts as {MAX_WAIT}",
)
ACCEPTED = {
    202: OpenApiResponse(
        serializers.TransformJob,
        description="The new job, or the one that the same request made before "
        "(then with the header Idempotent-Replayed: true)",
    ),
    409: OpenApiResponse(description="The id or key belongs to a different request"),
    422: OpenApiResponse(description="Invalid fields, by JSON pointer"),
}


def jobs_of(workspace):
    """The workspace's jobs with what their JSON shows, in a constant number of queries."""
    files = SiloFile.objects.filter(job_id__isnull=False)
    return (
        Job.objects.filter(workspace=workspace)
        .select_related("silo_entry")
        .prefetch_related(
            Prefetch("intents", Intent.objects.prefetch_related("events")),
            Prefetch("silo_entry__files", files, to_attr="job_files"),
        )
    )


@dataclass(frozen=True)
class JobParts:
    """What a job's JSON shows besides the job: its intents, each with its events, and its
    entry's files that jobs attached."""

    intents: list[tuple[Intent, list[IntentEvent]]]
    files: list[SiloFile]


def one_job(workspace, pk) -> tuple[Job, JobParts]:
    """The job `pk` of the workspace (a 404 otherwise) with its entry and JobParts: what
    jobs_of() gives of one job, in plain SQL (rows.py). Every synchronous job creation loads
    its job again once it completed: the ORM's four queries were 40 % of the web process's
    CPU for it (bench/api.py)."""
    job = get_owned(Job, workspace, what="job", pk=pk)
    job.silo_entry = rows.get(SiloEntry, job.silo_entry_id) if job.silo_entry_id else None
    intents = sorted(rows.children(Intent, "job", [job.pk]), key=lambda i: i.created_at)
    events: dict = {intent.pk: [] for intent in intents}
    for event in sorted(rows.children(IntentEvent, "intent", list(events)), key=_index):
        events[event.intent_id].append(event)
    files = []
    if job.silo_entry_id:
        files = rows.children(SiloFile, "entry", [job.silo_entry_id])
        files = sorted((f for f in files if f.job_id), key=lambda f: f.created_at)
    return job, JobParts([(intent, events[intent.pk]) for intent in intents], files)


def _index(event) -> int:
    return event.index


def one_job_json(request, pk) -> dict:
    job, parts = one_job(request.workspace, pk)
    return serializers.job_json(job, request, parts=parts)


# --- Views


@extend_schema(
    methods=["GET"],
    operation_id="transform_jobs_list",
    description="Jobs of the workspace, newest first.",
    parameters=openapi.PAGE,
    responses={200: serializers.TransformJobCollection},
)
@extend_schema(
    methods=["POST"],
    operation_id="transform_jobs_create",
    description="Start a job on a silo entry, on new data or on args alone.",
    parameters=[WAIT],
    request=serializers.TransformJobCreate,
    responses=ACCEPTED,
)
@api_view(["GET", "POST"])
@parser_classes([JSONParser])
def jobs(request):
    if request.method == "POST":
        return _create(request)
    return Response(_page(request))


@extend_schema(
    methods=["GET"],
    operation_id="transform_jobs_fetch",
    parameters=[WAIT],
    responses={200: serializers.TransformJob, 404: OpenApiResponse(description="No such job")},
)
@extend_schema(
    methods=["PUT"],
    operation_id="transform_jobs_put",
    description="Start a job with the client's id.",
    parameters=[WAIT],
    request=serializers.TransformJobCreate,
    responses=ACCEPTED,
)
@api_view(["GET", "PUT"])
@parser_classes([JSONParser])
def job(request, id):
    if request.method == "PUT":
        return _create(request, job_id=id)
    seconds = wait_seconds(request)
    if seconds:
        wait_for(get_owned(Job, request.workspace, what="job", pk=id), seconds)
    return Response(one_job_json(request, id))


@extend_schema(
    operation_id="transform_jobs_fetch_by_key",
    responses={200: serializers.TransformJob, 404: OpenApiResponse(description="No such job")},
)
@api_view(["GET"])
def job_by_key(request, key):
    job = get_owned(jobs_of(request.workspace), request.workspace, what="job", key=key)
    return Response(serializers.job_json(job, request))


@extend_schema(
    operation_id="transform_jobs_poke",
    request=serializers.TransformPoke,
    responses={
        202: serializers.TransformIntent,
        404: OpenApiResponse(description="No such intent"),
        409: OpenApiResponse(description="The step is not waiting for a poke"),
    },
)
@api_view(["POST"])
@parser_classes([JSONParser])
def intents(request):
    """Poke a step that waits (QUEUED), named by the intent's id or by its job and ref."""
    wanted = serializers.poke_request(request.data)
    try:
        intent = poke(
            request.workspace,
            intent_id=wanted.intent_id,
            job_id=wanted.job_id,
            ref=wanted.ref,
            code=wanted.code,
            message=wanted.message,
            args=wanted.args,
        )
    except JobError as exc:
        fields = {exc.field: str(exc)} if exc.field else None
        raise api.ApiError(str(exc), status_code=exc.status, fields=fields) from None
    intent = Intent.objects.prefetch_related("events").get(pk=intent.pk)
    return Response(serializers.intent_json(intent), status=status.HTTP_202_ACCEPTED)


# --- Creating jobs


def _create(request, job_id=None) -> Response:
    seconds = wait_seconds(request)
    wanted = serializers.job_request(request.data)
    job = _earlier_job(request.workspace, wanted, job_id)
    replayed = job is not None
    if job is None:
        job, replayed = _start(request.workspace, wanted, job_id)
    if replayed or wait_for(job, seconds):
        body = one_job_json(request, job.pk)
    else:
        # The job as this request made it (no step has run as far as it knows): loading it
        # again, with its intents and files, was a third of the web's CPU per created job.
        body = serializers.job_json(job, request, new=True)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return Response(body, status=status.HTTP_202_ACCEPTED, headers=headers)


def _earlier_job(workspace, wanted: JobRequest, job_id) -> Job | None:
    """The job that an earlier identical request (same id, or same key) created; a 409 when
    that request was a different one."""
    if job_id is not None:
        job = Job.objects.filter(pk=job_id).first()
        if job is not None and job.workspace_id != workspace.id:
            raise api.not_found("job")
        if job is not None:
            return _same_request(job, wanted)
    if wanted.key:
        job = Job.objects.filter(workspace=workspace, key=wanted.key).first()
        if job is not None and job_id is not None:
            raise api.conflict(
                "The key belongs to another job", {"/key": f"is the key of job {job.id}"}
            )
        if job is not None:
            return _same_request(job, wanted)
    return None


def _same_request(job: Job, wanted: JobRequest) -> Job:
    different = _differences(job, wanted)
    if different:
        raise api.conflict(
            f"Job {job.id} exists, created by a different request",
            {field: "differs from the existing job's" for field in different},
        )
    return job


def _differences(job: Job, wanted: JobRequest) -> list[str]:
    """The fields (JSON pointers) in which the request differs from the job's own."""
    subject = "/data" if wanted.data is not None else "/silo_entry_id"
    same = {
        "/workflow_id": wanted.workflow_id == job.workflow_id,
        subject: _same_subject(job, wanted),
        "/args": wanted.args == job.args,
        "/tags": wanted.tags == job.tags,
        "/key": wanted.key == job.key,
    }
    return [field for field, equal in same.items() if not equal]


def _same_subject(job: Job, wanted: JobRequest) -> bool:
    """Same entry id; or, for data, the same document as the entry's first version."""
    if wanted.data is None:
        return wanted.silo_entry_id == job.silo_entry_id
    versions = SiloEntryVersion.objects.filter(entry_id=job.silo_entry_id, number=1)
    first = versions.values_list("data", flat=True).first()
    return first is not None and serializers.same_document(first, wanted.data)


def _start(workspace, wanted: JobRequest, job_id) -> tuple[Job, bool]:
    """A new job (and a new silo entry for `data`); (job, whether an earlier one is
    returned instead, when a concurrent identical request got there first)."""
    workflow, entry = _resolve(workspace, wanted)
    # A transaction only when an entry is made too: a job alone is one INSERT. It is given
    # up whole on any error, so no savepoints inside it (four statements of eleven).
    together = transaction.atomic() if wanted.data is not None else nullcontext()
    try:
        with together:
            if wanted.envelope is not None:
                entry = SiloEntry.create_with_version(workspace, wanted.envelope, savepoint=False)
            job = create_job(
                workflow,
                entry=entry,
                args=wanted.args,
                key=wanted.key,
                tags=wanted.tags,
                id=job_id,
                savepoint=False,
            )
    except JobError as exc:
        raise api.invalid({exc.field or "/": str(exc)}) from None
    except IntegrityError:
        earlier = _earlier_job(workspace, wanted, job_id)
        if earlier is None:
            raise
        return earlier, True
    return job, False


def _resolve(workspace, wanted: JobRequest):
    """The workflow and entry the request names, both of the workspace (422 otherwise)."""
    problems = {}
    workflow = owned_or_none(Workflow, workspace, pk=wanted.workflow_id)
    if workflow is None:
        problems["/workflow_id"] = "no such workflow"
    entry = None
    if wanted.silo_entry_id is not None:
        entry = owned_or_none(SiloEntry, workspace, pk=wanted.silo_entry_id)
        if entry is None:
            problems["/silo_entry_id"] = "no such silo entry"
    if problems:
        raise api.invalid(problems)
    return workflow, entry


# --- Listing jobs


def _page(request) -> dict:
    queryset = jobs_of(request.workspace)
    since = api.created_at_param(request)
    if since is not None:
        queryset = queryset.filter(created_at__lte=since)
    page = api.paginate(request, queryset, lambda job: serializers.job_json(job, request))
    for echoed in ("cursor", "created_at"):
        if request.query_params.get(echoed):
            page[echoed] = request.query_params[echoed]
    return page


def release_pooled_connection() -> None:
    """A connection of PostgreSQL's pool goes back to it while the request waits: waiting
    requests may be many more than the pool's connections."""
    if connection.settings_dict.get("OPTIONS", {}).get("pool") and not connection.in_atomic_block:
        connection.close()


def wait_seconds(request) -> int:
    """?wait, held to 0..MAX_WAIT seconds: a longer wait is a wait as long as allowed (Invopop's
    schema allows any integer), not an error."""
    seconds = api.whole_number(request, "wait") or 0
    return max(0, min(seconds, MAX_WAIT))


def wait_for(job: Job, seconds: int) -> bool:
    """Hold the request until the job completes (OK or KO) or `seconds` pass; whether it
    waited (the caller then loads the job again). Best effort: without Redis, no wait.
    Blocking this request's thread is fine: it is one of the web process's pool for requests
    that wait (invopop_console/wsgi_bridge.py)."""
    if not seconds or job.completed:
        return False
    release_pooled_connection()
    try:
        queue.wait_completed(job.pk, seconds)
    except (OSError, RedisError):
        log.warning("could not wait for job %s", job.pk, exc_info=True)
    return True
