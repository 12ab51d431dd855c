"""Console pages of jobs: the dashboard (a workspace's home), History, the job page (live),
the Run panel, Run again and Retry."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from invopop_console.accounts.access import get_owned, owned_or_none, workspace_view
from invopop_console.accounts.models import Role
from invopop_console.api import ApiError, decode_cursor, encode_cursor
from providers.base import Status
from silo.models import SiloEntry
from workflows.canvas import STATUS_LABELS
from workflows.definition import blocks, walk
from workflows.models import Workflow
from workflows.schemas import DocSchema

from . import retry
from .models import Intent, Job, JobStatus
from .services import JobError, create_job

PAGE_SIZE = 50
RECENT_ENTRIES = 20


# History's status filter: what a person asks for -> the job statuses it means.
STATUS_FILTERS = {
    "running": ("Running", [JobStatus.QUEUED, JobStatus.RUN]),
    "OK": ("OK", [JobStatus.OK]),
    "KO": ("KO", [JobStatus.KO]),
    "waiting": ("Waiting on retry", [JobStatus.ERR]),
    # A QUEUED step (an agency's verdict, a sleep) leaves the job QUEUED with a time to look
    # again; a job that has not started yet has none.
    "reply": ("Waiting for a reply", [JobStatus.QUEUED]),
}


# --- The dashboard: a workspace's home


@workspace_view()
def dashboard(request):
    workspace = request.workspace
    context = {
        "workflow_count": Workflow.objects.filter(workspace=workspace).count(),
        "entry_count": SiloEntry.objects.filter(workspace=workspace).count(),
        "job_count": Job.objects.filter(workspace=workspace).count(),
        "recent_jobs": Job.objects.filter(workspace=workspace).select_related(
            "workflow", "workflow_version"
        )[:10],
        "recent_entries": SiloEntry.objects.filter(workspace=workspace)[:5],
    }
    return render(request, "jobs/dashboard.html", context)


# --- History


@dataclass
class HistoryFilters:
    job: str = ""
    workflow: str = ""
    status: str = ""
    since: str = ""  # the `from` parameter (a keyword in Python)
    until: str = ""
    errors: dict = field(default_factory=dict)
    few: bool = False  # the job id names so few jobs that they are looked up one by one

    @classmethod
    def from_request(cls, request) -> "HistoryFilters":
        get = request.GET
        return cls(
            job=get.get("job", "").strip(),
            workflow=get.get("workflow", "").strip(),
            status=get.get("status", "").strip(),
            since=get.get("from", "").strip(),
            until=get.get("to", "").strip(),
        )

    def params(self) -> dict:
        found = {
            "job": self.job,
            "workflow": self.workflow,
            "status": self.status,
            "from": self.since,
            "to": self.until,
        }
        return {key: value for key, value in found.items() if value}

    def apply(self, jobs) -> list:
        """The jobs that pass every filter, as querysets to page through together: one per
        status when a filter means several ("running"), so that each is an index range in
        created_at order; a merge of ordered ranges is what no planner does on its own.
        The job id prefix becomes a range of the primary key, dates a range of created_at."""
        if self.job:
            jobs = self._by_id(jobs)
        if self.workflow:
            try:
                jobs = jobs.filter(workflow_id=uuid.UUID(self.workflow))
            except ValueError:
                self.errors["workflow"] = "No such workflow."
        since, until = self._day(self.since, "from"), self._day(self.until, "to")
        if since:
            jobs = jobs.filter(created_at__gte=since)
        if until:
            jobs = jobs.filter(created_at__lt=until + timedelta(days=1))
        statuses = STATUS_FILTERS.get(self.status, (None, [None]))[1]
        if self.status and self.status not in STATUS_FILTERS:
            self.errors["status"] = "No such status."
        if self.errors:
            return [jobs.none()]
        if self.status == "reply":
            jobs = jobs.filter(run_at__isnull=False)
        return [jobs.filter(status=status) if status else jobs for status in statuses]

    def _by_id(self, jobs):
        digits = self.job.lower().replace("-", "")
        if not digits or len(digits) > 32 or any(c not in "0123456789abcdef" for c in digits):
            self.errors["job"] = "A job id, or its first characters."
            return jobs
        if len(digits) == 32:
            return jobs.filter(pk=uuid.UUID(digits))
        low, high = uuid.UUID(digits.ljust(32, "0")), uuid.UUID(digits.ljust(32, "f"))
        named = Job.objects.filter(pk__gte=low, pk__lte=high).order_by("pk")
        ids = list(named.values_list("pk", flat=True)[: ID_CANDIDATES + 1])
        if len(ids) <= ID_CANDIDATES:
            # Few jobs have such an id (in any workspace): look them up by primary key. A
            # range kept in the query would be checked along the workspace's created_at
            # index instead, which SQLite prefers for the ORDER BY: a scan of every job.
            self.few = True
            return jobs.filter(pk__in=ids)
        return jobs.filter(pk__gte=low, pk__lte=high)  # so many that the scan finds them soon

    def _day(self, raw: str, name: str) -> datetime | None:
        if not raw:
            return None
        try:
            return datetime.combine(date.fromisoformat(raw), time.min, tzinfo=UTC)
        except ValueError:
            self.errors[name] = "A date, as YYYY-MM-DD."
            return None


ID_CANDIDATES = 200


def page_of(parts: list, cursor: str, few: bool = False):
    """(rows, next cursor): a page of the jobs in `parts`, newest first, after the cursor.

    Pages follow (created_at desc, id): created_at alone is not unique. Each query orders by
    created_at only, which every (workspace, ..., -created_at) index serves without a sort,
    on SQLite and PostgreSQL alike; the id tie-break is applied here. Only when jobs created
    at the same instant straddle the page's end is that instant fetched whole (rare). `few`
    jobs (named by id) are all fetched and sorted here: with an ORDER BY, SQLite would look
    for them along the created_at index rather than by primary key."""
    rows = []
    for jobs in parts:
        after = keyset(jobs, cursor)
        if few:
            rows = sort_rows(rows + list(after.order_by()))[: PAGE_SIZE + 1]
            continue
        found = sort_rows(after.order_by("-created_at")[: PAGE_SIZE + 1])
        if len(found) > PAGE_SIZE and found[-1].created_at == found[-2].created_at:
            edge = found[-1].created_at
            tied = after.filter(created_at=edge)
            found = [job for job in found if job.created_at != edge] + sort_rows(tied)
        rows = sort_rows(rows + found)[: PAGE_SIZE + 1]
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, encode_cursor(rows[-1]) if more else ""


def sort_rows(jobs) -> list:
    """Newest first, ties by id (as the database orders UUIDs: by their hex digits)."""
    by_id = sorted(jobs, key=lambda job: str(job.pk))
    return sorted(by_id, key=lambda job: job.created_at, reverse=True)


def keyset(jobs, cursor: str):
    """The jobs after the cursor; the redundant created_at <= bound gives the planner a range
    to scan. A cursor we did not give out reads as the first page."""
    if not cursor:
        return jobs
    try:
        created, pk = decode_cursor(cursor)
    except ApiError:
        return jobs
    return jobs.filter(created_at__lte=created).filter(
        Q(created_at__lt=created) | Q(created_at=created, pk__gt=pk)
    )


@workspace_view()
def job_list(request):
    filters = HistoryFilters.from_request(request)
    jobs = Job.objects.filter(workspace=request.workspace).select_related(
        "workflow", "workflow_version", "silo_entry"
    )
    jobs = jobs.defer("silo_entry__data", "workflow_version__definition", *WORKFLOW_BULK)
    cursor = request.GET.get("cursor", "")
    parts = filters.apply(jobs)
    rows, next_cursor = page_of(parts, cursor, few=filters.few)
    for job in rows:
        job.duration = duration(job.created_at, job.completed_at)
    params = filters.params()
    context = {
        "jobs": rows,
        "filters": filters,
        "query": urlencode(params),
        "next_query": urlencode({**params, "cursor": next_cursor}) if next_cursor else "",
        "first_page": not cursor,
        "statuses": [(key, label) for key, (label, _) in STATUS_FILTERS.items()],
    }
    if request.htmx and request.htmx.target == "history-results":
        return render(request, "jobs/_history_results.html", context)
    context["workflows"] = (
        Workflow.objects.filter(workspace=request.workspace).order_by("name").only("id", "name")
    )
    return render(request, "jobs/list.html", context)


# Big columns of a workflow that a list of jobs never shows.
WORKFLOW_BULK = ("workflow__steps", "workflow__rescue", "workflow__extra", "workflow__description")


def duration(start, end) -> str:
    """A short human duration ("850 ms", "3.2 s", "4 min 05 s"); blank without an end."""
    if start is None or end is None:
        return ""
    seconds = max((end - start).total_seconds(), 0)
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


# --- The job page


@workspace_view()
def job_detail(request, job_id):
    return job_page(request, job_id)


def job_page(request, job_id, error: str = "", status: int = 200):
    """The job page, or its live part when htmx re-fetches it (see _job_live.html)."""
    events = Prefetch("events")
    intents = Prefetch("intents", Intent.objects.order_by("created_at").prefetch_related(events))
    queryset = Job.objects.select_related("workflow", "workflow_version", "silo_entry")
    job = get_owned(
        queryset.defer("silo_entry__data", *WORKFLOW_BULK).prefetch_related(intents),
        request.workspace,
        pk=job_id,
    )
    context = {**job_context(request, job), "error": error}
    if request.htmx and request.htmx.target == f"job-{job.id}":
        return render(request, "jobs/_job_live.html", context, status=status)
    return render(request, "jobs/detail.html", context, status=status)


def job_context(request, job: Job) -> dict:
    intents = list(job.intents.all())
    failed = retry.failed_intent(job, intents)
    opened = set(request.GET.get("open", "").split(","))
    shut = set(request.GET.get("shut", "").split(","))
    if failed is not None and str(failed.id) not in shut:
        # A KO job opens on the step that failed, also when it fails while watched live;
        # only a person closing it keeps it closed.
        opened.add(str(failed.id))
    definition = job.workflow_version.definition
    rows = trace_rows(job, intents, retry.main_step_ids(definition), opened)
    labels = condition_labels(definition)
    for row in rows:
        row.condition = labels.get(row.intent.step_id, "")
    now = timezone.now()
    pending = pending_steps(definition, intents)
    return {
        "job": job,
        "trace": rows,
        "pending": pending,
        "pending_word": "not run" if job.completed else "pending",
        "failed": failed,
        "duration": active_duration(job, intents, now),
        "running": not job.completed,
        "waiting_until": job.run_at if job.status in (JobStatus.ERR, JobStatus.QUEUED) else None,
        "can_run": request.membership.allows(Role.EDITOR),
        "latest_version": job.workflow.version,
        "open_ids": ",".join(sorted(i for i in opened if i)),
        "shut_ids": shut - {""},
    }


@dataclass
class TraceRow:
    intent: Intent
    events: list
    status: str
    duration: str
    rescue: bool
    rerun: bool
    open: bool
    waiting: bool
    condition: str = ""  # "If KO": the step ran inside a condition of the step before


def condition_labels(definition: dict) -> dict[str, str]:
    """The label of the condition each nested step runs in, by step id ("If KO · code 4102")."""
    found = {}
    for _, step in walk(definition):
        for _, block in blocks(step):
            status = block.get("status") if isinstance(block.get("status"), str) else ""
            label = STATUS_LABELS.get(status or "Any", "Any status")
            if block.get("code"):
                label += f" · code {block['code']}"
            for inner in block.get("steps") or []:
                if isinstance(inner, dict) and inner.get("id"):
                    found[inner["id"]] = label
    return found


def pending_steps(definition: dict, intents) -> list[dict]:
    """The main flow's top-level steps that have not run (yet): the trace lists every step of
    the workflow, not only those that started."""
    ran = {intent.step_id for intent in intents}
    steps = definition.get("steps") if isinstance(definition.get("steps"), list) else []
    return [s for s in steps if isinstance(s, dict) and s.get("id") not in ran]


def active_duration(job: Job, intents, now) -> str:
    """How long the job ran: a retry from the failed step starts a new run, and the time the
    job sat KO before it (minutes, or days) is not the job's duration."""
    total, start, last_at, seen = 0.0, job.created_at, None, set()
    for intent in intents:
        if intent.step_id in seen and last_at is not None:  # a step again: a retry
            total += max((last_at - start).total_seconds(), 0)
            start = intent.created_at
        seen.add(intent.step_id)
        events = list(intent.events.all())
        if events and (last_at is None or events[-1].at > last_at):
            last_at = events[-1].at
    end = job.completed_at or now
    total += max((end - start).total_seconds(), 0)
    return duration(job.created_at, job.created_at + timedelta(seconds=total))


def trace_rows(job, intents, main: set[str], opened: set[str]) -> list[TraceRow]:
    rows, seen = [], set()
    for intent in intents:
        events = list(intent.events.all())
        last = events[-1] if events else None
        status = last.status if last else Status.RUN
        finished = intent.completed and last is not None
        rows.append(
            TraceRow(
                intent=intent,
                events=events,
                status=status,
                duration=duration(events[0].at, last.at) if finished else "",
                rescue=intent.step_id not in main,
                rerun=intent.step_id in seen,
                open=str(intent.id) in opened,
                waiting=not intent.completed and status in (Status.ERR, Status.QUEUED),
            )
        )
        seen.add(intent.step_id)
    return rows


@workspace_view(role=Role.EDITOR)
@require_POST
def job_run_again(request, job_id):
    job = get_owned(
        Job.objects.select_related("workflow", "workflow_version"), request.workspace, pk=job_id
    )
    version = job.workflow_version if request.POST.get("version") == "original" else None
    try:
        new = create_job(job.workflow, entry=job.silo_entry, args=job.args, version=version)
    except JobError as exc:
        return _job_page_with_error(request, job_id, _sentence(str(exc)))
    return redirect("job_detail", request.workspace.slug, new.id)


@workspace_view(role=Role.EDITOR)
@require_POST
def job_retry(request, job_id):
    job = get_owned(Job, request.workspace, pk=job_id)
    try:
        retry.retry_from_failed_step(job.id)
    except retry.RetryError as exc:
        return _job_page_with_error(request, job_id, str(exc))
    return redirect("job_detail", request.workspace.slug, job.id)


def _job_page_with_error(request, job_id, message: str):
    """The job page again, with why the button did nothing (409: the job's state forbids it)."""
    return job_page(request, job_id, error=message, status=409)


# --- The Run panel: a drawer that other pages load into their #run-panel


@dataclass
class RunChoice:
    """What the Run panel shows and what it was sent: a fixed entry ("entry" mode, from the
    silo entry page) or a fixed workflow ("workflow" mode, from the editor and the list)."""

    mode: str
    workflow: Workflow | None = None
    entry: SiloEntry | None = None
    args: list = field(default_factory=list)
    query: str = ""
    errors: dict = field(default_factory=dict)


@workspace_view(role=Role.EDITOR)
def job_run(request):
    if request.method == "POST":
        return start_run(request)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    choice = run_choice(request, request.GET)
    if choice is None:
        raise Http404("No such silo entry or workflow")
    return run_panel(request, choice)


def run_choice(request, data) -> RunChoice | None:
    """The panel's state from GET (opening it) or POST (sending it); None when it names
    neither an entry of this workspace nor a workflow."""
    workspace = request.workspace
    mode = data.get("mode") or ("entry" if "entry" in data else "workflow")
    entry_id, workflow_id = data.get("entry", ""), data.get("workflow", "")
    entry = owned_or_none(SiloEntry.objects.defer("data"), workspace, pk=entry_id)
    workflow = owned_or_none(Workflow, workspace, pk=workflow_id)
    missing = (mode == "entry" and entry is None) or (mode == "workflow" and workflow is None)
    if missing and request.method == "GET":
        return None  # a POST shows what is missing by its field instead
    args = list(zip(data.getlist("arg_key"), data.getlist("arg_value"), strict=False))
    return RunChoice(mode, workflow, entry, args, data.get("q", "").strip())


def run_panel(request, choice: RunChoice, status: int = 200):
    context = {"choice": choice, "args": choice.args or [("", "")], "page": not request.htmx}
    context["version_note"] = version_note(choice.workflow, bool(request.GET.get("unsaved")))
    if choice.mode == "entry":
        context["workflows"] = runnable_workflows(request.workspace, choice.entry)
    else:
        entries = list(recent_entries(request.workspace, choice.workflow, choice.query))
        if choice.entry is not None and choice.entry not in entries:
            entries.insert(0, choice.entry)  # what was chosen stays chosen while filtering
        context["entries"] = entries
    if request.htmx and request.htmx.target == "run-entries":
        return render(request, "jobs/_run_entries.html", context)
    if request.htmx:  # htmx swaps only 2xx answers: the form with its errors is a 200 there
        return render(request, "jobs/_run_panel.html", context)
    return render(request, "jobs/run.html", context, status=status)


def version_note(workflow: Workflow | None, unsaved: bool) -> str:
    """Jobs run the published version: say so when what the person sees is not it (edits
    not saved in the editor, or a draft saved since publishing)."""
    if workflow is None or not workflow.version or not (unsaved or workflow.draft):
        return ""
    changes = "your unsaved edits" if unsaved else "the draft's changes"
    return (
        f"This runs the published version, v{workflow.version}: {changes} are not in it. "
        "Publish to run them."
    )


def runnable_workflows(workspace, entry: SiloEntry | None):
    """Published, enabled workflows made for the entry's document type (or for any)."""
    workflows = Workflow.objects.filter(workspace=workspace, disabled=False, version__gt=0)
    if entry is not None:
        workflows = workflows.filter(Q(schema=entry.doc_type) | Q(schema=""))
    return workflows.order_by("name").only("id", "name", "schema", "version")


def recent_entries(workspace, workflow: Workflow | None, query: str):
    entries = SiloEntry.objects.filter(workspace=workspace).defer("data")
    if workflow is not None and workflow.schema:
        entries = entries.filter(doc_type=workflow.schema)
    if query:
        entries = entries.filter(
            Q(key__icontains=query)
            | Q(snippet__code__icontains=query)
            | Q(snippet__customer__icontains=query)
            | Q(snippet__supplier__icontains=query)
            | Q(snippet__name__icontains=query)
        )
    return entries.order_by("-created_at")[:RECENT_ENTRIES]


def start_run(request):
    choice = run_choice(request, request.POST)
    args = run_args(choice)
    if choice.workflow is None:
        choice.errors["workflow"] = "Choose a workflow."
    if request.POST.get("entry") and choice.entry is None:
        choice.errors["entry"] = "No such document."
    if choice.workflow and choice.entry and not accepts(choice.workflow, choice.entry):
        kind = DocSchema(choice.workflow.schema).label.lower()
        choice.errors["workflow"] = f"This workflow runs on {kind} documents."
    if choice.errors:
        return run_panel(request, choice, status=422)
    try:
        job = create_job(choice.workflow, entry=choice.entry, args=args)
    except JobError as exc:
        choice.errors[RUN_FIELDS.get(exc.field, "form")] = _sentence(str(exc))
        return run_panel(request, choice, status=422)
    url = reverse("job_detail", args=[request.workspace.slug, job.id])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# JobError's JSON pointers -> the Run panel's fields.
RUN_FIELDS = {"/silo_entry_id": "entry", "/workflow_id": "workflow"}


def run_args(choice: RunChoice) -> dict:
    """The key/value rows as a dict; blank rows are dropped, a value without a name or a
    name given twice is an error on the args."""
    args: dict = {}
    for key, value in choice.args:
        key = key.strip()
        if not key and not value.strip():
            continue
        if not key:
            choice.errors.setdefault("args", "Every value needs a name.")
        elif key in args:
            choice.errors.setdefault("args", f"“{key}” is given twice.")
        args[key] = value
    return args


def accepts(workflow: Workflow, entry: SiloEntry) -> bool:
    return not workflow.schema or workflow.schema == entry.doc_type


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
