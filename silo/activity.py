"""What happened to a silo entry, for its page: one chronological log merged from its
versions, jobs (with their steps' events), states and files; and each version's diff.

Jobs are reached through the entry's reverse relation (`entry.jobs`), so that the silo app
imports nothing from the jobs app, which is built on top of it.
"""

import difflib
import json
from dataclasses import dataclass
from datetime import datetime

from invopop_console.status import Status

from .models import SiloEntry, SiloEntryVersion

JOBS_SHOWN = 100  # an entry a schedule runs on daily has thousands: the latest are enough
VERSIONS_SHOWN = 20
FINISHED = {"OK": "Job completed", "KO": "Job failed"}
# Rows at the same instant, in the order they happened: a job starts before its steps run,
# and a step's changes are recorded before the step's outcome.
ORDER = {"created": 0, "job": 1, "version": 2, "signed": 2, "state": 3, "file": 4, "step": 5}


@dataclass
class Activity:
    at: datetime
    kind: str  # created, job, step, done, state, file, version, signed
    title: str
    status: str = ""  # a job's or step's status, or a state's key
    detail: str = ""
    code: str = ""  # a step's outcome code
    job: object = None  # the Job that did it, when a job did
    file: object = None

    @property
    def sort_key(self):
        return self.at, ORDER.get(self.kind, 9)


def log(entry: SiloEntry) -> list[Activity]:
    """Everything that happened to `entry`, oldest first."""
    jobs = {job.id: job for job in entry_jobs(entry)}
    versions = entry.versions.only("number", "signed", "job_id", "user_id", "created_at", "entry")
    states = entry.states.all()
    files = entry.files.all()
    missing = job_ids(versions, states, files) - jobs.keys()
    if missing:  # jobs older than the JOBS_SHOWN latest that still left a trace
        jobs.update({job.id: job for job in job_queryset(entry).filter(id__in=missing)})
    rows = [
        *version_rows(versions, jobs),
        *(row for job in jobs.values() for row in job_rows(job)),
        *(state_row(state, jobs) for state in states),
        *(file_row(stored, jobs) for stored in files),
    ]
    return sorted(rows, key=lambda row: row.sort_key)


def job_queryset(entry: SiloEntry):
    return entry.jobs.select_related("workflow", "workflow_version")


def entry_jobs(entry: SiloEntry) -> list:
    latest = job_queryset(entry).prefetch_related("intents__events")
    return list(latest.order_by("-created_at")[:JOBS_SHOWN])


def job_ids(versions, states, files) -> set:
    found = {v.job_id for v in versions} | {f.job_id for f in files}
    found |= {s.src_id for s in states if s.src == "job"}
    return found - {None}


def version_rows(versions, jobs: dict) -> list[Activity]:
    rows, signed = [], False
    for version in sorted(versions, key=lambda v: v.number):
        job = jobs.get(version.job_id)
        if version.number == 1:
            title = f"Entry created ({'by a job' if job else 'by ' + version.source})"
            rows.append(Activity(version.created_at, "created", title, job=job))
        else:
            title = f"Data changed: version {version.number}"
            rows.append(Activity(version.created_at, "version", title, job=job))
        if version.signed and not signed:
            title = f"Signed: version {version.number}"
            rows.append(Activity(version.created_at, "signed", title, job=job))
        signed = version.signed
    return rows


def job_rows(job) -> list[Activity]:
    workflow = f"{job.workflow.name} v{job.workflow_version.number}"
    rows = [Activity(job.created_at, "job", f"Job started: {workflow}", job.status, job=job)]
    for intent in job.intents.all():
        events = list(intent.events.all())
        for index, event in enumerate(events):
            # A RUN is shown only while it is the step's latest news: then the step is
            # running; once it has an outcome, that outcome says it all.
            if event.status == Status.RUN and index < len(events) - 1:
                continue
            step = intent.name or intent.provider
            rows.append(
                Activity(event.at, "step", step, event.status, event.message, event.code, job=job)
            )
    if job.completed_at and job.status in FINISHED:
        rows.append(Activity(job.completed_at, "done", FINISHED[job.status], job.status, job=job))
    return rows


def state_row(state, jobs: dict) -> Activity:
    job = jobs.get(state.src_id) if state.src == "job" else None
    faults = "; ".join(fault_text(fault) for fault in state.faults or [])
    detail = " · ".join(part for part in (state.notes, faults) if part)
    return Activity(state.created_at, "state", "State changed", state.key, detail, job=job)


def file_row(stored, jobs: dict) -> Activity:
    title = f"File added: {stored.name}"
    return Activity(stored.created_at, "file", title, job=jobs.get(stored.job_id), file=stored)


def fault_text(fault) -> str:
    if isinstance(fault, dict):
        return " ".join(str(fault.get(key)) for key in ("code", "message") if fault.get(key))
    return str(fault)


# --- Versions and their diffs


@dataclass
class VersionChange:
    version: SiloEntryVersion
    text: str  # the data after the change, pretty-printed
    diff: list[tuple[str, str]]  # (kind: add, del, hunk or same, line) against the version before


def pretty(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def version_changes(entry: SiloEntry) -> list[VersionChange]:
    """The latest VERSIONS_SHOWN versions, newest first, each diffed with the one before."""
    versions = list(entry.versions.select_related("user")[: VERSIONS_SHOWN + 1])
    texts = [pretty(version.data) for version in versions]
    changes = []
    for index, version in enumerate(versions[:VERSIONS_SHOWN]):
        before = texts[index + 1] if index + 1 < len(texts) else None
        diff = line_diff(before, texts[index]) if before is not None else []
        changes.append(VersionChange(version, texts[index], diff))
    return changes


def line_diff(before: str, after: str) -> list[tuple[str, str]]:
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), n=3, lineterm="")
    found = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue  # the file headers of a unified diff say nothing here
        kind = {"@": "hunk", "+": "add", "-": "del"}.get(line[:1], "same")
        found.append((kind, line))
    return found
