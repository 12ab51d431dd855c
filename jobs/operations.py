"""What a step may ask of the console beyond its entry: the operations behind
providers.base.StepContext (find_workflow, start_job, subscribe_schedule...), which the
engine gives every context. Here, at the top, because providers sit below jobs and workflows
and never import them; the providers keep their own KO codes, and get OperationRefused
where they used to catch JobError or TriggerError."""

import uuid
from datetime import timedelta

from django.utils import timezone

from providers.base import OperationRefused
from workflows.definition import walk
from workflows.models import Trigger, TriggerKind, Workflow
from workflows.triggers import TriggerError, interval_seconds

from . import services  # the module, not its names: services imports the engine, which imports us
from .models import Job


def find_workflow(workspace, workflow_id) -> Workflow | None:
    # The config's "format": "uuid" is not enforced, and meta holds anything: a string that
    # is no UUID finds nothing (instead of a ValidationError, retried as an ERR).
    try:
        pk = uuid.UUID(str(workflow_id))
    except ValueError:
        return None
    return Workflow.objects.filter(workspace=workspace, pk=pk).first()


def find_workflows_using(workspace, provider_key: str) -> list[Workflow]:
    """The workspace's published, enabled workflows whose latest version has a step of
    `provider_key`, oldest first: how an app finds the workflows set up for it."""
    found = []
    candidates = Workflow.objects.filter(workspace=workspace, disabled=False, version__gt=0)
    for workflow in candidates.order_by("created_at"):
        version = workflow.versions.order_by("-number").first()
        steps = walk(version.definition) if version is not None else ()
        if any(step.get("provider") == provider_key for _, step in steps):
            found.append(workflow)
    return found


def start_job(workspace, workflow: Workflow, *, entry, args: dict, key: str) -> Job:
    job = Job.objects.filter(workspace=workspace, key=key).first()
    if job is not None:
        return job
    try:
        return services.create_job(workflow, entry=entry, args=args, key=key)
    except services.JobError as exc:
        raise OperationRefused(str(exc)) from exc


def subscribe_schedule(workspace, workflow: Workflow, entry, interval, factor=None):
    """A schedule trigger bound to the entry."""
    try:
        seconds = interval_seconds(interval, factor)
    except TriggerError as exc:
        raise OperationRefused(str(exc)) from exc
    return Trigger.objects.update_or_create(
        workspace=workspace,
        workflow=workflow,
        kind=TriggerKind.SCHEDULE,
        silo_entry=entry,
        defaults={
            "interval": seconds,
            "enabled": True,
            "next_run_at": timezone.now() + timedelta(seconds=seconds),
        },
    )


def unsubscribe_schedule(entry, workflow_id="") -> int:
    found = Trigger.objects.filter(kind=TriggerKind.SCHEDULE, silo_entry=entry)
    if workflow_id:
        found = found.filter(workflow_id=workflow_id)
    removed, _ = found.delete()
    return removed
