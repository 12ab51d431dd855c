"""Starting jobs and poking waiting steps: what the console, the API and providers call."""

import uuid

from django.db import connection, transaction
from django.utils import timezone

from invopop_console import rows
from providers.base import Status
from silo.models import SiloEntry
from workflows import versions
from workflows.models import Workflow, WorkflowVersion

from . import engine, live, queue
from .models import Intent, Job, JobStatus


class JobError(Exception):
    """The job cannot be created or poked; `field` names what is wrong (a JSON pointer)."""

    def __init__(self, message: str, field: str = "", status: int = 422):
        super().__init__(message)
        self.field = field
        self.status = status


def create_job(
    workflow: Workflow,
    *,
    entry: SiloEntry | None = None,
    args: dict | None = None,
    key: str = "",
    tags: list | None = None,
    version: WorkflowVersion | None = None,
    id=None,
    savepoint=True,
) -> Job:
    """A QUEUED job on the workflow's latest published version (or `version`), enqueued once
    the transaction commits; `id` is the client's own, when it chose one (API PUT). One
    INSERT: it needs no transaction of its own (a caller's is used, if any, with a savepoint
    unless `savepoint=False`: for a caller that gives its transaction up on any error)."""
    if entry is None and not args:
        raise JobError("a job needs a silo entry or args", "/silo_entry_id")
    if entry is not None and entry.workspace_id != workflow.workspace_id:
        raise JobError("no such silo entry", "/silo_entry_id", status=404)
    if workflow.disabled:
        raise JobError("the workflow is disabled", "/workflow_id")
    version = version or versions.latest(workflow)
    if version is None:
        raise JobError("the workflow has no published version", "/workflow_id")
    job = Job(
        id=id or uuid.uuid4(),
        workspace=workflow.workspace,
        workflow=workflow,
        workflow_version=version,
        silo_entry=entry,
        args=args or {},
        key=key,
        tags=tags or [],
        cursor=[["/steps", 0, False]],
        dispatched_at=timezone.now(),
    )
    if connection.in_atomic_block and savepoint:
        # A savepoint: a duplicate key leaves the caller's transaction usable.
        with transaction.atomic():
            rows.insert([job])  # plain SQL: see invopop_console/rows.py
    else:
        rows.insert([job])  # in autocommit: the INSERT commits by itself
    queue.wake_on_commit()
    return job


@transaction.atomic
def poke(workspace, *, intent_id=None, job_id=None, ref=None, code="", message="", args=None):
    """Wake the QUEUED step named by its intent id, or by its job and ref."""
    intents = Intent.objects.select_related("job").filter(job__workspace=workspace)
    if intent_id:
        intent = intents.filter(pk=intent_id).first()
    elif job_id and ref:
        intent = intents.filter(job_id=job_id, ref=ref).order_by("-created_at").first()
    else:
        raise JobError("name the intent by id, or by job_id and ref", "/id")
    if intent is None:
        raise JobError("no such intent", "/id", status=404)
    job = Job.objects.select_for_update().get(pk=intent.job_id)
    if intent.completed or job.status != JobStatus.QUEUED:
        raise JobError("the step is not waiting for a poke", "/id", status=409)
    event = engine.add_event(intent, Status.POKE, code, message, args)
    job.poke = {"code": code, "message": message, "args": args or {}}
    job.run_at = timezone.now()
    job.dispatched_at = timezone.now()
    job.save(update_fields=["poke", "run_at", "dispatched_at", "updated_at"])
    queue.wake_on_commit()
    transaction.on_commit(lambda: live.publish_event(job, intent, event))
    return intent
