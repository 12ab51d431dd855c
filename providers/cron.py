"""Periodic execution of a workflow on the entry: cron.subscribe and cron.unsubscribe, as in
Invopop's templates. A subscription is a schedule trigger bound to the entry."""

from .base import OperationRefused, StepContext, ko, ok, skip
from .registry import provider

# The longest interval of a schedule (workflows/triggers.py keeps to it too): ten years of
# seconds still fit Trigger.interval, and any date can hold the next run.
MAX_INTERVAL = 10 * 365 * 86400


@provider(
    "cron.subscribe",
    name="Subscribe to periodic execution",
    category="Core",
    summary="Run a workflow on this entry every so often, until unsubscribed.",
    icon="repeat",
    transactional=True,  # database work only: one transaction with its outcome
    config_schema={
        "type": "object",
        "properties": {
            "workflow_id": {
                "type": "string",
                "title": "Workflow",
                "description": "Empty: this job's workflow.",
            },
            "interval": {
                "title": "Every",
                "type": ["string", "integer"],
                "minimum": 60,
                "maximum": MAX_INTERVAL,
                "examples": ["hourly", "daily"],
                "default": "hourly",
                "description": "minutely, hourly, daily, weekly, or seconds (hourly when unset).",
            },
            "factor": {
                "type": "integer",
                "title": "Times",
                "minimum": 1,
                "maximum": MAX_INTERVAL // 60,
                "default": 1,
            },
        },
    },
)
def subscribe(context: StepContext):
    if context.entry is None:
        return ko("the job has no silo entry", "no-entry")
    workflow = context.find_workflow(context.config.get("workflow_id") or context.job.workflow_id)
    if workflow is None:
        return ko("no such workflow in this workspace", "workflow-not-found")
    interval = context.config.get("interval") or "hourly"
    try:
        trigger, made = context.subscribe_schedule(workflow, interval, context.config.get("factor"))
    except OperationRefused as exc:
        return ko(str(exc), "invalid-interval")
    verb = "subscribed" if made else "subscription renewed"
    return ok(
        message=f"{verb}: {workflow.name} every {trigger.interval} s",
        args={"subscription_id": str(trigger.id)},
    )


@provider(
    "cron.unsubscribe",
    name="Unsubscribe from periodic execution",
    category="Core",
    summary="Stop the periodic runs of this entry.",
    icon="repeat",
    transactional=True,  # database work only: one transaction with its outcome
    config_schema={
        "type": "object",
        "properties": {
            "workflow_id": {"type": "string", "description": "Empty: every subscription."},
        },
    },
)
def unsubscribe(context: StepContext):
    if context.entry is None:
        return ko("the job has no silo entry", "no-entry")
    removed = context.unsubscribe_schedule(context.config.get("workflow_id") or "")
    return ok(message=f"{removed} subscription(s) removed") if removed else skip("not subscribed")
