"""Actions on jobs: start another workflow."""

import uuid

from silo.models import SiloEntry

from .base import OperationRefused, StepContext, ko, ok
from .registry import provider


@provider(
    "transform.job.create",
    name="Start workflow",
    transactional=True,  # database work only: one transaction with its outcome
    category="Core",
    summary="Start another workflow on the same silo entry, with this job's args.",
    icon="play",
    config_schema={
        "type": "object",
        "required": ["workflow_id"],
        "properties": {
            "workflow_id": {"type": "string", "title": "Workflow", "format": "uuid"},
            "silo_entry_meta_key": {
                "type": "string",
                "title": "Entry from meta",
                "description": "Run on the entry whose id is in this meta key of the entry.",
            },
        },
    },
)
def start_workflow(context: StepContext):
    workflow = context.find_workflow(context.config["workflow_id"])
    if workflow is None:
        return ko("no such workflow in this workspace", "workflow-not-found")
    entry = context.entry
    meta_key = context.config.get("silo_entry_meta_key")
    if meta_key:
        entry = _entry(context.workspace, (entry.meta if entry else {}).get(meta_key))
        if entry is None:
            return ko(f"no silo entry under meta key {meta_key!r}", "entry-not-found")
    # The step's ref as the new job's key: a re-run after a crash finds the job it started.
    try:
        job = context.start_job(
            workflow, entry=entry, args=context.args, key=f"started-by:{context.ref}"
        )
    except OperationRefused as exc:
        return ko(str(exc), "job-not-created")
    return ok(message=f"started job {job.id}", args={"started_job_id": str(job.id)})


def _entry(workspace, value) -> SiloEntry | None:
    """The workspace's entry whose UUID is `value`, or None (also when `value` is no UUID:
    meta holds anything)."""
    try:
        pk = uuid.UUID(str(value))
    except ValueError:
        return None
    return SiloEntry.objects.filter(workspace=workspace, pk=pk).first()
