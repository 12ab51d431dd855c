"""Draining the queue: a worker runs every due job it can claim, many per task and many per
transaction.

A job that is created, poked or due again asks for a *drain* (jobs/queue.py): a django-q2
task, sent only when none is on its way already. The drain claims the due
jobs, oldest first, up to BATCH_SIZE at a time, and runs each batch in three moves:

1. the claim: one UPDATE takes the jobs (status RUN, one lease token for the batch) and
   commits;
2. the run, in memory: the jobs, their entries and their open intents are read once, and
   the steps whose providers are pure (providers/registry.py) run one after the other, their
   records and their entries' changes kept aside (silo.services.HeldEntry, one per entry,
   passed to the steps and to the code that applies their changes);
3. the write, in one short transaction: it checks that the entries are as they were read
   and that the batch's lease still holds, then writes everything with a statement or two
   per table. Live status goes out once it commits.

Jobs whose next step is not pure (it talks to the outside, or writes itself, as a sequence
does) then go on one by one on the engine's own path (engine.Runner), under the batch's
lease. Should the write find an entry changed meanwhile, or anything fail, the batch's work
in memory is dropped and every job of it runs on that path instead: the batch saves time,
it never decides anything differently.

Why: a job sent as its own task cost more in the queue (a message pushed, popped and
acknowledged through three processes) and in commits than its steps did; see BENCHMARKS.md.
"""

import copy
import logging
import time
from functools import partial

from django.conf import settings
from django.db import connection, transaction

from invopop_console import rows
from invopop_console.accounts.models import Workspace
from providers import registry
from providers.base import Status
from silo import services as silo
from silo.models import SiloEntry
from workflows import versions
from workflows.definition import step_provider

from . import engine, live, queue
from .cursor import locate
from .models import Intent, Job, JobStatus

log = logging.getLogger(__name__)


class Conflict(Exception):
    """An entry changed, or a lease was lost, between the batch's read and its write."""


# --- Asking for a drain


def drain() -> None:
    """The django-q2 task: run due jobs until none is left, or for `drain_seconds` (then a
    new drain goes on, so that no task runs for ever)."""
    queue.draining()
    started = time.monotonic()
    while time.monotonic() - started < settings.ENGINE["drain_seconds"]:
        if not run_batch():
            return
    queue.wake()


def run_batch(size: int | None = None, only: list | None = None) -> int:
    """Claim up to `size` due jobs (of `only`, when given) and run them; how many were
    claimed."""
    token = engine.new_token()
    ids = claim(token, size or settings.ENGINE["batch_size"], only)
    if not ids:
        return 0
    slow: dict = {}
    try:
        going_on, slow = Batch(ids, token).run()
    except Conflict as exc:
        log.info("batch given up, its jobs run one by one: %s", exc)
        going_on = ids
    except Exception:
        log.exception("batch failed, its jobs run one by one")
        going_on = ids
    go_on(going_on, token, slow)
    return len(ids)


def go_on(ids: list, token, slow: dict | None = None) -> None:
    """The jobs that go on one by one: the first here, the others sent as tasks of their
    own, so that a free worker runs them meanwhile (their steps talk to the outside: one
    worker running them all in turn would leave the other idle). A job whose step was found
    slow (`slow`: job id -> step id) is always sent: the drain goes on draining. A task
    Redis loses is a lease that runs out: a later drain takes the job over."""
    slow = slow or {}
    here = next((job_id for job_id in ids if job_id not in slow), None)
    for job_id in ids:
        if job_id != here:
            queue.send_job(job_id, token, slow.get(job_id))
    if here is not None:
        engine.advance(here, token=token)


def claim(token, limit: int, only: list | None = None) -> list:
    """Take up to `limit` due jobs (of `only`, when given), oldest first, in a transaction
    of their own."""
    quote = connection.ops.quote_name
    table = quote(Job._meta.db_table)
    skip = " SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    lock = f" FOR UPDATE{skip}" if connection.features.has_select_for_update else ""
    among = f" AND id IN ({', '.join(['%s'] * len(only))})" if only else ""
    sql = (
        f"UPDATE {table} SET status = %s, lease_token = %s, lease_until = %s, run_at = NULL,"
        f" dispatched_at = NULL WHERE id IN (SELECT id FROM {table} WHERE ({engine.DUE_SQL})"
        f"{among} ORDER BY created_at LIMIT %s{lock}) RETURNING id"
    )
    running = [
        JobStatus.RUN,
        rows.db_value(Job, "lease_token", token),
        rows.db_value(Job, "lease_until", engine.lease_deadline()),
    ]
    among = [rows.db_value(Job, "id", job_id) for job_id in only or ()]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [*running, *engine.due_params(), *among, limit])
        return [Job._meta.pk.to_python(row[0]) for row in cursor.fetchall()]


# --- A batch


class Batch:
    def __init__(self, ids: list, token):
        self.ids = ids
        self.token = token
        self.held: list[silo.HeldEntry] = []  # the entries read, which take the changes
        self.entry_rows: list = []  # the entries' rows as read, to compare at the write

    def run(self) -> tuple[list, dict]:
        """Run the claimed jobs' pure steps and write them; the ids of the jobs that go on
        one by one, and of those the ones with a slow step (job id -> step id). Past the
        batch's budget the jobs not run yet go on one by one too: no job waits long behind
        another's steps."""
        runners = self._load()
        started = time.monotonic()
        budget = settings.ENGINE["batch_budget"]
        going_on = []
        for runner in runners:
            if time.monotonic() - started > budget or runner.run_pure():
                going_on.append(runner)
        self._write(runners)
        slow = {r.job.pk: r.slow_step for r in going_on if r.slow_step is not None}
        return [runner.job.pk for runner in going_on], slow

    def _load(self) -> list["BatchRunner"]:
        jobs = rows.get_many(Job, self.ids)
        jobs.sort(key=lambda job: job.created_at)  # in the order they came: two on one entry
        published = versions.by_ids({job.workflow_version_id for job in jobs})
        workspace_ids = sorted({job.workspace_id for job in jobs})
        workspaces = {found.pk: found for found in rows.get_many(Workspace, workspace_ids)}
        for job in jobs:
            job.workflow_version = published[job.workflow_version_id]
            job.workspace = workspaces[job.workspace_id]
        entry_ids = sorted({job.silo_entry_id for job in jobs if job.silo_entry_id})
        entries = rows.get_many(SiloEntry, entry_ids, rows=self.entry_rows)
        self.held = [silo.HeldEntry(entry) for entry in entries]
        by_id = {held.entry.pk: held for held in self.held}
        open_intents: dict = {}
        for intent in Intent.objects.filter(job__in=self.ids, completed=False).order_by(
            "created_at"
        ):
            open_intents.setdefault(intent.job_id, {}).setdefault(intent.step_id, intent)
        runners = []
        for job in jobs:
            held = by_id.get(job.silo_entry_id)
            job.silo_entry = held.entry if held is not None else None
            runners.append(BatchRunner(job, self.token, open_intents.get(job.pk, {}), held))
        return runners

    def _write(self, runners) -> None:
        """The statements are built first: the transaction (on SQLite, the database's one
        write lock, which clients creating jobs wait for) only runs them."""
        intents, events, intent_changes, job_changes, messages = [], [], [], [], []
        for runner in runners:
            new_intents, new_events, changed_intents, changed = runner.take_records()
            intents += new_intents
            events += new_events
            intent_changes += changed_intents
            if changed:
                job_changes.append((runner.job.pk, changed))
            messages += runner.messages
        token = rows.db_value(Job, "lease_token", self.token)
        leased = rows.updating(Job, job_changes, "lease_token = %s", [token])
        records = [
            *silo.writing_held(self.held),
            *rows.inserting(intents),
            *rows.inserting(events),
            *rows.updating(Intent, intent_changes),
        ]
        with transaction.atomic():
            self._check_entries()
            if rows.run(leased) != len(job_changes):
                raise Conflict("a job's lease was taken over")
            rows.run(records)
            transaction.on_commit(partial(engine.publish, messages))

    def _check_entries(self) -> None:
        """The entries are as they were read (and, on PostgreSQL, locked until commit)."""
        if not self.held:
            return
        now = rows.get_rows(SiloEntry, [held.entry.pk for held in self.held], lock=True)
        if now != self.entry_rows:
            raise Conflict("an entry changed since it was read")


class BatchRunner(engine.Runner):
    """The engine's Runner for a job of a batch: the pure steps from the job's cursor, in
    memory; what they record is taken by the batch (take_records) and written with the
    others'."""

    def __init__(self, job: Job, token, open_intents: dict, held: silo.HeldEntry | None):
        super().__init__(job.pk, token)
        self.job = job
        self.open_intents = open_intents  # step id -> the step's open intent
        self.held = held  # the job's entry, held by the batch (None: the job has none)
        # What engine.Runner's claim publishes: a copy, built at commit, showing RUN.
        self.messages = [partial(live.job_message, copy.copy(job))]

    def run_pure(self) -> bool:
        """True when the job goes on with a step that is not pure."""
        job = self.job
        definition = job.workflow_version.definition
        cursor, step = locate(definition, job.cursor)
        if step is None:
            self._finish(job, failed=cursor == Status.KO)
            return False
        provider = registry.get(step_provider(step))
        if provider is None or not provider.pure:
            return True
        return self._run_database_steps(job, definition, resuming=True)

    def _runs_here(self, provider) -> bool:
        return provider.pure

    def _open_intent_of(self, job, step_id: str) -> Intent | None:
        return self.open_intents.get(step_id)

    def _context(self, job, step):
        context = super()._context(job, step)
        context.held = self.held
        return context

    def _execute_in_savepoint(self, job, provider, step):
        """Nothing is written yet: a step that does not end OK has its changes to the
        entry undone in memory."""
        marked = self.held.mark() if self.held is not None else None
        timeout = engine.step_timeout(step, provider)
        outcome = engine.execute(provider, self._context(job, step), timeout, inline=True)
        applied = engine.apply_changes(job, outcome, held=self.held)
        if applied.status != Status.OK and marked is not None:
            self.held.undo(marked)
        return applied
