"""Actions on jobs: start another workflow."""

import uuid

from silo.models import SiloEntry

from .base import OperationRefused, StepContext, ko, ok
from .registry import provider

# An arg an earlier step sets to the entry it made for the next workflow to work on (the
# bill/status of gov-es.noverifactu.build.status): Invopop's templates start that workflow
# with no meta key, so the entry comes this way.
NEXT_ENTRY_ARG = "next_silo_entry_id"


@provider(
    "transform.job.create",
    name="Start workflow",
    transactional=True,  # database work only: one transaction with its outcome
    category="Core",
    summary="Start another workflow on the same silo entry (or the one an earlier step "
    "made), with this job's args.",
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
    args = {k: v for k, v in context.args.items() if k != NEXT_ENTRY_ARG}
    if meta_key:
        entry = _entry(context.workspace, (entry.meta if entry else {}).get(meta_key))
        if entry is None:
            return ko(f"no silo entry under meta key {meta_key!r}", "entry-not-found")
    elif context.args.get(NEXT_ENTRY_ARG):
        entry = _entry(context.workspace, context.args[NEXT_ENTRY_ARG])
        if entry is None:
            return ko("the entry an earlier step made is gone", "entry-not-found")
    # The step's ref as the new job's key: a re-run after a crash finds the job it started.
    try:
        job = context.start_job(workflow, entry=entry, args=args, key=f"started-by:{context.ref}")
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
