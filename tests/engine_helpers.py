"""Building workflows and driving jobs in tests."""

import uuid

from jobs import batch, engine
from jobs.models import Job
from jobs.services import create_job
from silo.gobl import build_envelope
from silo.models import SiloEntry
from workflows.models import Workflow


def built(data: dict, head_uuid=None) -> dict:
    """`data` as the silo stores it: built (line sums, taxes, totals, the header's digest)."""
    envelope, problems = build_envelope(data, head_uuid=head_uuid)
    assert not problems, problems
    return envelope


# Built, as every entry the silo stores is; without a code, for the sequence step to give.
INVOICE = built(
    {
        "$schema": "https://gobl.org/draft-0/envelope",
        "head": {"uuid": "0190f2a4-5c1b-7000-8000-000000000001"},
        "doc": {
            "$schema": "https://gobl.org/draft-0/bill/invoice",
            "type": "standard",
            "issue_date": "2026-01-15",
            "currency": "EUR",
            "supplier": {
                "name": "Provide One S.L.",
                "tax_id": {"country": "ES", "code": "B98602642"},
            },
            "customer": {"name": "Sample Consumer"},
            "lines": [
                {
                    "quantity": "1",
                    "item": {"name": "Development services", "price": "100.00"},
                    "taxes": [{"cat": "VAT", "rate": "standard"}],
                }
            ],
        },
    }
)


def step(provider: str, config: dict | None = None, **fields) -> dict:
    found = {"id": str(uuid.uuid4()), "name": fields.pop("name", provider), "provider": provider}
    if config is not None:
        found["config"] = config
    return {**found, **fields}


def state(key: str, **fields) -> dict:
    return step("silo.state", {"state": key}, name=f"state {key}", **fields)


def workflow(workspace, steps, rescue=None, **definition) -> Workflow:
    found = Workflow(workspace=workspace)
    found.apply_definition(
        {
            "name": "Test",
            "schema": "bill/invoice",
            "steps": steps,
            "rescue": rescue or [],
            **definition,
        }
    )
    found.save()
    found.publish()
    return found


def entry(workspace, data=None) -> SiloEntry:
    return SiloEntry.create_with_version(workspace, data or INVOICE)


# How run() runs a job: on its own (engine.advance) or as a batch of one (jobs/batch.py);
# the `both_paths` fixture runs a test both ways.
PATH = {"batch": False}


def run(job: Job, passes: int = 20) -> Job:
    """Advance in this process until the job completes, making every wait due at once."""
    for _ in range(passes):
        if PATH["batch"]:
            batch.run_batch(only=[job.id])
        else:
            engine.advance(job.id)
        job.refresh_from_db()
        if job.completed:
            return job
        Job.objects.filter(pk=job.pk).update(run_at=None)
    return job


def start(workspace, steps, rescue=None, data=None, **fields) -> Job:
    return create_job(workflow(workspace, steps, rescue), entry=entry(workspace, data), **fields)


def trace(job: Job) -> list[tuple[str, list[str]]]:
    """[(step name, [event statuses])] in the order the steps ran."""
    return [
        (intent.name, [e.status for e in intent.events.all()])
        for intent in job.intents.order_by("created_at").prefetch_related("events")
    ]


def start_on(silo_entry: SiloEntry, steps, rescue=None, **fields) -> Job:
    """A job of a new workflow on an entry that already exists (say, one a job changed)."""
    return create_job(workflow(silo_entry.workspace, steps, rescue), entry=silo_entry, **fields)
