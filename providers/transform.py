"""Actions on jobs: start another workflow."""

from .base import StepContext, ko, ok
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
    from jobs.models import Job
    from jobs.services import JobError, create_job
    from silo.models import SiloEntry
    from workflows.models import Workflow

    workflow = Workflow.objects.filter(
        workspace=context.workspace, pk=context.config["workflow_id"]
    ).first()
    if workflow is None:
        return ko("no such workflow in this workspace", "workflow-not-found")
    entry = context.entry
    meta_key = context.config.get("silo_entry_meta_key")
    if meta_key:
        entry_id = (entry.meta if entry else {}).get(meta_key)
        entry = SiloEntry.objects.filter(workspace=context.workspace, pk=entry_id).first()
        if entry is None:
            return ko(f"no silo entry under meta key {meta_key!r}", "entry-not-found")
    # The step's ref as the new job's key: a re-run after a crash finds the job it started.
    key = f"started-by:{context.ref}"
    job = Job.objects.filter(workspace=context.workspace, key=key).first()
    if job is None:
        try:
            job = create_job(workflow, entry=entry, args=context.args, key=key)
        except JobError as exc:
            return ko(str(exc), "job-not-created")
    return ok(message=f"started job {job.id}", args={"started_job_id": str(job.id)})
