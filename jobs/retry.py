"""Retry from the failed step: a KO job goes on from the main step whose failure ended it.

The engine already knows how to pick a job up wherever its cursor points (jobs/engine.py), so a
retry only puts the job back the way the engine would have left it just before that step ran:
QUEUED, in the main phase, the cursor on the failed step, the args and faults that the steps
before it had produced. The dispatcher and the workers then run it like any other job.

What stays: every intent and event. The steps before the failed one keep their results; the
failed step's KO, and the rescue steps it set off, stay in the trace as history.

The failed step runs as a new intent rather than reopening the KO one: a reopened intent would
bring its old ERR and QUEUED events into the engine's give-up clock (a step retried a day later
would give up at once) and reuse the idempotency reference of an attempt that the outside world
already answered with a definitive no.
"""

from django.db import transaction
from django.utils import timezone

from workflows.definition import walk

from . import engine, live, queue
from .cursor import FAILED, cursor_of
from .models import Intent, Job, JobStatus


class RetryError(Exception):
    """The job cannot be retried (not KO, or no failed step to go back to)."""


def failed_intent(job: Job, intents=None) -> Intent | None:
    """The main-phase step whose failure ended the job: the last one that ended KO/TIMEOUT.
    `intents` (in the order they ran, events prefetched) saves a query when the caller has them.
    """
    if job.status != JobStatus.KO:
        return None
    main = main_step_ids(job.workflow_version.definition)
    if intents is None:
        intents = job.intents.order_by("created_at").prefetch_related("events")
    found = None
    for intent in intents:
        events = list(intent.events.all())
        if intent.step_id in main and events and events[-1].status in FAILED:
            found = intent
    return found


def main_step_ids(definition: dict) -> set[str]:
    return {step.get("id") for path, step in walk(definition) if path[0] == "steps"}


@transaction.atomic
def retry_from_failed_step(job_id) -> Job:
    job = Job.objects.select_for_update().select_related("workflow_version").get(pk=job_id)
    failed = failed_intent(job)
    if failed is None:
        raise RetryError("Only a KO job with a failed step can be retried.")
    definition = job.workflow_version.definition
    cursor = cursor_of(definition, failed.step_id, among=("steps",))
    if cursor is None:
        raise RetryError("The failed step is not in the job's workflow version.")
    earlier = (
        job.intents.filter(created_at__lt=failed.created_at)
        .exclude(step_id=failed.step_id)
        .order_by("created_at")
    )
    before = latest_runs(list(earlier.prefetch_related("events")), main_step_ids(definition))
    job.status = JobStatus.QUEUED
    job.phase = "main"
    job.cursor = cursor
    job.step_args = args_of(before)
    job.faults = faults_of(before)
    job.poke = None
    job.completed_at = None
    job.run_at = None
    job.lease_token = None
    job.lease_until = None
    job.dispatched_at = timezone.now()  # the dispatcher re-sends it should Redis lose this one
    job.save(
        update_fields=[
            *("status", "phase", "cursor", "step_args", "faults", "poke", "completed_at"),
            *("run_at", "lease_token", "lease_until", "dispatched_at", "updated_at"),
        ]
    )
    queue.wake_on_commit()
    transaction.on_commit(lambda: live.publish_job(job))
    return job


def latest_runs(intents, main: set[str]) -> list[Intent]:
    """The last run of each main step, in the order they ran: an earlier retry's KO run and
    the rescue steps that followed it are history, not results the job goes on from."""
    latest = {intent.step_id: intent for intent in intents if intent.step_id in main}
    return [intent for intent in intents if latest.get(intent.step_id) is intent]


def args_of(intents) -> dict:
    """The args that finished steps handed on, merged in the order they ran (what the job's
    step_args held when the first of the remaining steps started)."""
    args: dict = {}
    for intent in intents:
        events = list(intent.events.all())
        if intent.completed and events and events[-1].args:
            args.update(events[-1].args)
    return args


def faults_of(intents) -> list:
    """The faults of failures that the steps before handled (a KO block caught them)."""
    faults = []
    for intent in intents:
        events = list(intent.events.all())
        if events and events[-1].status in FAILED:
            faults.append(engine.fault(intent, events[-1]))
    return faults
