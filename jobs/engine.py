"""The workflow engine: runs a job's steps in a worker, one after the other.

The job row is the source of truth. A worker *claims* a job (status RUN, a lease token and a
lease deadline), runs the step under the cursor, and records the outcome, the entry's changes
and the new cursor in one transaction. Waiting (an ERR retry, a QUEUED step, a sleep) means
setting `run_at` and letting go: the dispatcher (jobs/dispatcher.py) wakes the workers when
it is due. A worker that dies leaves a lease that runs out; the job is then due again, and
another worker re-runs the interrupted step (at least once) with the same intent and so the
same idempotency reference.

Workers take due jobs in batches (jobs/batch.py), whose pure steps run in memory with this
module's rules (BatchRunner is a Runner); the Runner here takes every job that goes on alone.
"""

import copy
import faulthandler
import logging
import os
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from invopop_console import rows
from providers import registry
from providers.base import Outcome, Status, StepContext, ko
from providers.limits import StepTimeout, step_deadline
from silo import services as silo
from workflows.definition import step_provider

from . import live, operations, queue
from .cursor import FAILED, after_step, jump, locate, matching_block
from .models import Intent, IntentEvent, Job, JobStatus

log = logging.getLogger(__name__)


class TooSlow(Exception):
    """A pure step ran past the inline budget: it runs again on its own (Runner.slow_step)."""


class LeaseLost(Exception):
    """Another worker took the job over (our lease ran out): stop without writing."""


def due_jobs(now=None) -> Q:
    """Jobs that a worker should pick up now (also the claim's condition)."""
    now = now or timezone.now()
    waiting = Q(status__in=[JobStatus.QUEUED, JobStatus.ERR]) & (
        Q(run_at__isnull=True) | Q(run_at__lte=now)
    )
    abandoned = Q(status=JobStatus.RUN, lease_until__lt=now)
    return waiting | abandoned


# --- Running a job


def advance(job_id, token=None, slow_step=None) -> None:
    """Run the job until it finishes or has to wait (nothing when it is not due: finished,
    or held by another worker); `token`: the lease of the batch that claimed it already;
    `slow_step`: the id of a step that a batch found slow (it runs outside a transaction)."""
    try:
        Runner(job_id, token, slow_step).run()
    except LeaseLost:
        log.warning("job %s was taken over by another worker", job_id)


def new_token() -> uuid.UUID:
    return uuid.uuid4()


# due_jobs() in SQL, for the claim: once per task, where building the ORM's query cost ten
# times running it. The two must say the same.
DUE_SQL = (
    "(status IN (%s, %s) AND (run_at IS NULL OR run_at <= %s))"
    " OR (status = %s AND lease_until < %s)"
)


def due_params() -> list:
    """DUE_SQL's values, as of now."""
    now = rows.db_value(Job, "run_at", timezone.now())
    return [JobStatus.QUEUED, JobStatus.ERR, now, JobStatus.RUN, now]


def lease_deadline(timeout: float | None = None):
    seconds = (timeout or settings.ENGINE["step_timeout"]) + settings.ENGINE["lease_grace"]
    return timezone.now() + timedelta(seconds=seconds)


class Runner:
    """Runs one job. Its first transaction claims the job (status RUN, a lease token and a
    deadline) and loads it, once: while the lease is ours nobody else writes it, and every
    later transaction starts by checking the lease token (LeaseLost otherwise).

    Consecutive steps whose providers only work on the database run in one transaction, with
    their intents, events and entry changes (the first such run in the claim's transaction):
    one commit, and a crash leaves nothing behind, not even the claim. A step that talks to
    the outside commits its RUN first, so that, should the worker die meanwhile, the trace
    shows the attempt that was interrupted.
    """

    MAX_STEPS_PER_TRANSACTION = 20

    def __init__(self, job_id, token=None, slow_step=None):
        """`token`: the lease token of a batch (jobs/batch.py) that claimed the job already;
        `slow_step`: a pure step too slow to run inline (in memory or in a transaction)."""
        self.job_id = job_id
        self.slow_step = slow_step
        self.started = time.monotonic()
        self.stopped: Outcome | None = None  # the open intent's verdict without running it
        self.job: Job | None = None  # loaded by the claim
        self.claimed = token is not None
        self.token = token or uuid.uuid4()
        self._token_db = rows.db_value(Job, "lease_token", self.token)
        self.intent: Intent | None = None
        self.intent_saved = False  # written, or to be written at the end of the transaction
        self.events: list[IntentEvent] = []  # the current intent's events, saved or not
        self.pending: list[IntentEvent] = []  # the current intent's events not recorded yet
        self.new_intents: list[Intent] = []  # written at the end of the transaction
        self.new_events: list[IntentEvent] = []  # written at the end of the transaction
        self.intent_changes: list[tuple] = []  # (pk, {field: value}) of recorded intents
        self.unsaved: set[str] = set()  # job fields changed but not written yet
        self.messages: list = []  # the transaction's live messages, built when it commits

    def run(self) -> None:
        resuming = True  # the first step may have an open intent: a retry, a poke, a crash
        while True:
            outside = None
            with self._transaction(lease_until=lease_deadline()) as job:
                if job is None:
                    return  # not due
                definition = job.workflow_version.definition
                cursor, step = locate(definition, job.cursor)
                if step is None:
                    self._finish(job, failed=cursor == Status.KO)
                    return
                if not resuming and self._ran_long():
                    self._hand_over(job)
                    return
                provider = registry.get(step_provider(step))
                if provider is not None and provider.transactional and not self._slow(step):
                    go_on = self._run_database_steps(job, definition, resuming)
                else:
                    outside = (cursor, step, provider)
                    self._start_outside_step(job, step, provider, resuming)
            if outside is not None:
                go_on = self._finish_outside_step(job, definition, *outside)
            if not go_on:
                return  # the job waits (ERR retry, QUEUED) or ended
            # A step stopped for being slow runs again next, with its open intent if any.
            resuming = self.slow_step is not None and outside is None

    def _run_database_steps(self, job, definition, resuming: bool) -> bool:
        """The steps from the cursor that only work on the database, in the caller's
        transaction, until one talks to the outside; True when the job goes on. A pure step
        slower than the inline budget is stopped and left to run on its own: a transaction
        (on SQLite, the database's one write lock) or a batch is never held by a slow step."""
        started = time.monotonic()
        budget = settings.ENGINE["inline_budget"]
        for _ in range(self.MAX_STEPS_PER_TRANSACTION):
            cursor, step = locate(definition, job.cursor)
            provider = registry.get(step_provider(step)) if step else None
            if provider is None or not self._runs_here(provider) or self._slow(step):
                break
            if time.monotonic() - started > budget:
                break  # commit what ran: the transaction stays short
            self._open_intent(job, step, resuming)
            resuming = False
            try:
                outcome = self.stopped
                if outcome is None:
                    outcome = self._execute_in_savepoint(job, provider, step)
            except TooSlow:
                self._drop_run()
                self.slow_step = step.get("id", "")
                return True
            if not self._record(job, definition, cursor, step, outcome):
                return False
        return True

    def _slow(self, step) -> bool:
        return self.slow_step is not None and step.get("id", "") == self.slow_step

    def _drop_run(self) -> None:
        """Forget the RUN of a step that was stopped for being slow: it runs again."""
        run = self.pending.pop()
        self.events.remove(run)

    def _ran_long(self) -> bool:
        return time.monotonic() - self.started > settings.ENGINE["task_seconds"]

    def _hand_over(self, job) -> None:
        """Let a new task go on with the job, before this one nears django-q2's limit."""
        self._release(job, JobStatus.QUEUED, 0)
        queue.wake_on_commit()

    def _runs_here(self, provider) -> bool:
        """Whether the step runs within the transaction (the steps before it did)."""
        return provider.transactional

    def _execute_in_savepoint(self, job, provider, step) -> Outcome:
        """What the provider wrote (a sequence number) is kept only when the step ends OK
        with its changes applied; otherwise the savepoint is rolled back."""
        context = self._context(job, step)
        try:
            with transaction.atomic():
                outcome = execute(provider, context, step_timeout(step, provider), inline=True)
                if outcome.status != Status.OK:
                    raise _Undo(outcome)
                applied = apply_changes(job, outcome)
                if applied.status != Status.OK:
                    raise _Undo(applied)
                return applied
        except _Undo as undo:
            # A failed step's files (the evidence of its failure) outlive what it wrote.
            return apply_changes(job, undo.outcome)

    def _start_outside_step(self, job, step, provider, resuming: bool) -> None:
        """In the caller's transaction: the lease for the step's own timeout, and its RUN."""
        self._hold(job, lease_until=lease_deadline(step_timeout(step, provider)))
        self._open_intent(job, step, resuming)
        self._save_step(job, completed=False)

    def _finish_outside_step(self, job, definition, cursor, step, provider) -> bool:
        if self.stopped is not None:
            outcome = self.stopped
        elif provider is None:
            outcome = ko(f"unknown provider {step_provider(step)!r}", "unknown-provider")
        else:
            timeout = step_timeout(step, provider)
            with hard_stop(self.intent, timeout):
                outcome = execute(provider, self._context(job, step), timeout)
        if self._slow(step):
            self.slow_step = None
        with self._transaction():
            outcome = apply_changes(job, outcome)
            return self._record(job, definition, cursor, step, outcome)

    @contextmanager
    def _transaction(self, lease_until=None):
        """A transaction that first claims the job (the first one) or checks that the lease
        is still ours, with the deadline `lease_until` (or the same one); and last writes
        what its steps recorded: the new intents and events in one INSERT each, then the
        job's changed fields in one UPDATE. It gives the job, or None if it was not due."""
        with transaction.atomic():
            messages = self.messages = []
            # Built once committed (they show the job as it is then), sent in one hand-over.
            transaction.on_commit(lambda: publish(messages))
            if self.job is None:
                self._claim(lease_until)
            else:
                self._hold(self.job, lease_until)
            yield self.job
            if self.job is not None:
                self._write(self.job)

    def _open_intent(self, job, step, resuming: bool) -> None:
        """The step's open intent (a retry or a re-run after a crash keeps it) plus RUN."""
        intent = self._open_intent_of(job, step.get("id", "")) if resuming else None
        self.intent_saved = intent is not None  # an open intent is read from the database
        if intent is None:
            intent_id = uuid.uuid4()
            intent = Intent(
                id=intent_id,
                ref=str(intent_id),
                job=job,
                step_id=step.get("id", ""),
                name=step.get("name", ""),
                provider=step_provider(step),
            )
            self.events = []
        else:
            self.events = list(intent.events.all())
        self.intent = intent
        self.stopped = self._verdict_without_running(step) if self.events else None
        if self.stopped is None:
            self._add_event(Status.RUN)

    def _verdict_without_running(self, step) -> Outcome | None:
        """For an intent whose worker stopped in the middle of the step: TIMEOUT when it was
        stopped for running past its limit (hard_stop), KO once it was interrupted
        max_interruptions times (a step that kills its worker is not run for ever)."""
        if stopped_for_time(self.intent.pk):
            limit = step_timeout(step, registry.get(step_provider(step)))
            message = f"the step ran past its time limit of {limit:g} s; its worker was stopped"
            return Outcome(Status.TIMEOUT, "timeout", message)
        if interruptions(self.events) >= settings.ENGINE["max_interruptions"]:
            count = interruptions(self.events)
            return ko(f"the step's worker stopped while running it, {count} times", "interrupted")
        return None

    def _add_event(self, status, code="", message="", args=None) -> None:
        event = IntentEvent(
            intent=self.intent,
            index=len(self.events),
            status=status,
            code=code,
            message=message,
            args=args or {},
            at=timezone.now(),
        )
        self.events.append(event)
        self.pending.append(event)

    def _save_step(self, job, completed: bool) -> None:
        """Record the intent and its new events (written by _write), and publish them once
        committed."""
        intent = self.intent
        if not self.intent_saved:
            intent.completed = completed
            self.new_intents.append(intent)
            self.intent_saved = True
        elif completed:
            done = {"completed": True, "updated_at": timezone.now()}
            self.intent_changes.append((intent.pk, done))
        events, self.pending = self.pending, []
        self.new_events += events
        self.messages += [partial(live.event_message, job, intent, event) for event in events]

    def _write(self, job) -> None:
        """Write what the transaction's steps recorded: intents before their events."""
        intents, events, intent_changes, job_changes = self.take_records()
        rows.insert(intents)
        rows.insert(events)
        rows.update_many(Intent, intent_changes)
        if job_changes:
            rows.update(Job, job.pk, job_changes)

    def take_records(self) -> tuple[list, list, list, dict]:
        """What the steps recorded and is not written yet: new intents, new events, changes
        of recorded intents (pk, values) and the job's changed fields (empty: none)."""
        recorded = self.new_intents, self.new_events, self.intent_changes
        self.new_intents, self.new_events, self.intent_changes = [], [], []
        fields, self.unsaved = self.unsaved, set()
        job_changes = {}
        if fields:
            self.job.updated_at = timezone.now()
            job_changes = {f: getattr(self.job, f) for f in sorted([*fields, "updated_at"])}
        return *recorded, job_changes

    def _context(self, job, step) -> StepContext:
        queued = [e.at for e in self.events if e.status == Status.QUEUED]
        return StepContext(
            workspace=job.workspace,
            job=job,
            entry=job.silo_entry,
            step=step,
            config=step.get("config") or {},
            args={**job.args, **job.step_args},
            faults=job.faults,
            ref=self.intent.ref,
            attempt=sum(e.status == Status.RUN for e in self.events),
            poke=job.poke,
            waited=(timezone.now() - queued[0]).total_seconds() if queued else None,
            operations=operations,
        )

    def _record(self, job, definition, cursor, step, outcome: Outcome) -> bool:
        """Record the outcome, inside the caller's transaction (which holds the lease);
        True when the job goes on with a next step."""
        job.poke = None
        if outcome.status == Status.QUEUED and self._waited_too_long(step):
            outcome = Outcome(Status.TIMEOUT, "timeout", "waited too long for the step")
        self._add_event(outcome.status, outcome.code, outcome.message, outcome.args)
        if outcome.status == Status.ERR:
            return self._retry_later(job, definition, cursor, step, outcome)
        if outcome.status == Status.QUEUED:
            return self._wait(job, step, outcome)
        return self._complete(job, definition, cursor, step, outcome)

    def _complete(self, job, definition, cursor, step, outcome) -> bool:
        self._save_step(job, completed=True)
        if outcome.args:
            job.step_args = {**job.step_args, **outcome.args}
        failed = outcome.status in FAILED
        if failed:
            job.faults = [*job.faults, fault(self.intent, outcome)]
        block = matching_block(step, outcome)
        if block is None and failed:
            return self._rescue_or_fail(job)
        if block is not None and block.get("step_id"):
            job.cursor = jump(definition, block["step_id"])
        else:
            job.cursor = after_step(cursor, step, block, failed)
        if job.cursor == "stop":
            self._finish(job, failed=failed)
            return False
        left, next_step = locate(definition, job.cursor)
        if next_step is None:  # that was the last step: end here, in the same transaction
            self._finish(job, failed=left == Status.KO)
            return False
        self.unsaved |= {"cursor", "step_args", "faults", "poke"}
        return True

    def _rescue_or_fail(self, job) -> bool:
        if job.phase == "rescue" or not job.workflow_version.definition.get("rescue"):
            self._finish(job, failed=True)
            return False
        job.phase = "rescue"
        job.cursor = [["/rescue", 0, False]]
        self.unsaved |= {"phase", "cursor", "step_args", "faults", "poke"}
        return True

    def _retry_later(self, job, definition, cursor, step, outcome) -> bool:
        errors = [e for e in self.events if e.status == Status.ERR]
        delay = retry_delay(step, len(errors), outcome.retry_in)
        if (timezone.now() - errors[0].at).total_seconds() + delay > _give_up(step):
            final = ko(f"gave up retrying: {outcome.message}", outcome.code or "retries-exhausted")
            self._add_event(final.status, final.code, final.message)
            return self._complete(job, definition, cursor, step, final)
        self._save_step(job, completed=False)
        self._release(job, JobStatus.ERR, delay)
        return False

    def _wait(self, job, step, outcome) -> bool:
        if outcome.ref:
            self.intent.ref = outcome.ref
            if self.intent_saved:
                self.intent_changes.append((self.intent.pk, {"ref": outcome.ref}))
        self._save_step(job, completed=False)
        delay = outcome.retry_in if outcome.retry_in is not None else _give_up(step)
        self._release(job, JobStatus.QUEUED, delay)
        return False

    def _waited_too_long(self, step) -> bool:
        queued = [e.at for e in self.events if e.status == Status.QUEUED]
        return bool(queued) and (timezone.now() - queued[0]).total_seconds() > _wait_limit(step)

    def _release(self, job, status, delay: float) -> None:
        job.status = status
        job.run_at = timezone.now() + timedelta(seconds=delay)
        job.lease_token = None
        job.lease_until = None
        self.unsaved |= {"status", "run_at", "lease_token", "lease_until", "poke"}
        self.unsaved |= {"step_args", "faults"}
        self.messages.append(partial(live.job_message, job))

    def _finish(self, job, failed: bool = False) -> None:
        job.status = JobStatus.KO if failed or job.phase == "rescue" else JobStatus.OK
        job.cursor = []
        job.completed_at = timezone.now()
        job.lease_token = None
        job.lease_until = None
        job.run_at = None
        self.unsaved |= {"status", "cursor", "completed_at", "lease_token", "lease_until"}
        self.unsaved |= {"run_at", "phase", "poke", "step_args", "faults"}
        self.messages.append(partial(live.job_message, job))

    def _claim(self, lease_until) -> None:
        """Take the job if it is due, and load it; its RUN is published at commit. A job that
        a batch claimed already is taken if the batch's lease still holds."""
        if self.claimed:
            held = {"lease_until": lease_until}
            if rows.update(Job, self.job_id, held, "lease_token = %s", [self._token_db]):
                self.job = rows.get(Job, self.job_id, related=JOB_RELATED)
            return
        running = {
            "status": JobStatus.RUN,
            "lease_token": self.token,
            "lease_until": lease_until,
            "run_at": None,
            "dispatched_at": None,
        }
        if not rows.update(Job, self.job_id, running, DUE_SQL, due_params()):
            return
        self.job = rows.get(Job, self.job_id, related=JOB_RELATED)
        # A copy: the message is built at commit, and must show RUN, not what follows.
        self.messages.append(partial(live.job_message, copy.copy(self.job)))

    def _hold(self, job, lease_until=None) -> None:
        """Check that the lease is still ours, taking the job's row lock until commit (an
        UPDATE, of the deadline or to the same one, is what takes it)."""
        job.lease_until = lease_until or job.lease_until
        held = rows.update(
            Job, job.pk, {"lease_until": job.lease_until}, "lease_token = %s", [self._token_db]
        )
        if not held:
            raise LeaseLost

    def _open_intent_of(self, job, step_id: str) -> Intent | None:
        """The step's intent that has not completed (a retry, a poke or a crash left it)."""
        table = Intent._meta.db_table
        found = Intent.objects.raw(
            f"SELECT * FROM {table} WHERE job_id = %s AND step_id = %s AND completed = %s"
            " ORDER BY created_at LIMIT 1",
            [rows.db_value(Intent, "job", job.pk), step_id, False],
        )
        return next(iter(found), None)


JOB_RELATED = ("workflow_version", "silo_entry", "workspace")


def publish(messages) -> None:
    """Build a transaction's live messages (once it committed) and send them together; and
    tell the requests waiting for the jobs it completed."""
    if not messages:
        return
    built = [build() for build in messages]
    live.publish_all(built)
    queue.completed(live.completed_jobs(built))


class _Undo(Exception):
    def __init__(self, outcome):
        self.outcome = outcome


# --- Outcomes


def execute(provider, context: StepContext, timeout: float, inline: bool = False) -> Outcome:
    """Run the provider, turning a timeout into TIMEOUT and a crash into a retried ERR.
    `inline`: the step runs in memory or in a transaction, where a pure provider gets the
    inline budget at most, and TooSlow is raised past it."""
    limit = timeout
    if inline and provider.pure:
        limit = min(timeout, settings.ENGINE["inline_budget"])
    started = time.monotonic()
    try:
        with step_deadline(limit):
            outcome = provider.run(context)
    except StepTimeout:
        return _timed_out(limit, timeout)
    except Exception as exc:  # a provider bug or an outage: retried, then KO after the schedule
        log.exception("provider %s failed", provider.key)
        return Outcome(Status.ERR, "exception", f"{type(exc).__name__}: {exc}")
    if not isinstance(outcome, Outcome):
        return Outcome(Status.ERR, "bad-outcome", f"{provider.key} returned {outcome!r}")
    if time.monotonic() - started > limit:
        return _timed_out(limit, timeout)
    return outcome


def _timed_out(limit: float, timeout: float) -> Outcome:
    if limit < timeout:
        raise TooSlow
    return Outcome(Status.TIMEOUT, "timeout", f"the step ran longer than {timeout:g} s")


# --- Steps stuck where no signal reaches (C code): the worker is stopped

# Set in django-q2 workers (jobs.dispatcher.start): only a worker, which its cluster
# replaces, is ever stopped.
hard_stops = False


@contextmanager
def hard_stop(intent, seconds: float):
    """Stop this process `hard_stop_grace` seconds after the step's limit, should SIGALRM not
    have ended the step by then (it cannot while C code runs, and a provider may catch it).
    faulthandler's watchdog is a C thread that needs no interpreter lock: it writes the
    stack into the intent's marker file and exits; the dispatchers (expire_stopped_leases)
    and the takeover (stopped_for_time) read the marker. An empty marker is a worker that
    died some other way: its step runs again."""
    grace = settings.ENGINE["hard_stop_grace"]
    if not hard_stops or grace <= 0:
        yield
        return
    path = marker_path(intent.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as marker:
        faulthandler.dump_traceback_later(seconds + grace, exit=True, file=marker)
        try:
            yield
        finally:
            faulthandler.cancel_dump_traceback_later()
    path.unlink(missing_ok=True)


def marker_path(intent_id):
    return settings.VAR_DIR / "stopped-steps" / str(intent_id)


def stopped_for_time(intent_id) -> bool:
    """Whether the intent's worker was stopped by hard_stop; the marker is used up."""
    path = marker_path(intent_id)
    try:
        stopped = path.stat().st_size > 0
    except FileNotFoundError:
        return False
    path.unlink(missing_ok=True)
    return stopped


def interruptions(events) -> int:
    """RUNs that no outcome followed: attempts whose worker stopped mid-step."""
    statuses = [event.status for event in events]
    return sum(
        status == Status.RUN and (i + 1 == len(statuses) or statuses[i + 1] == Status.RUN)
        for i, status in enumerate(statuses)
    )


def expire_stopped_leases() -> int:
    """Make the jobs of workers that hard_stop stopped due at once (not after their lease):
    their steps end TIMEOUT within seconds of the limit. Markers of intents that completed
    (taken over on another machine) are removed."""
    folder = marker_path("x").parent
    try:
        found = [entry for entry in os.scandir(folder) if entry.stat().st_size > 0]
    except FileNotFoundError:
        return 0
    expired = 0
    for marker in found:
        try:
            intent_id = uuid.UUID(marker.name)
        except ValueError:
            continue
        open_intent = Intent.objects.filter(pk=intent_id, completed=False)
        if not open_intent.exists():
            os.unlink(marker.path)
            continue
        expired += Job.objects.filter(
            status=JobStatus.RUN, intents__in=open_intent, lease_until__gt=timezone.now()
        ).update(lease_until=timezone.now() - timedelta(seconds=1), dispatched_at=None)
    return expired


def apply_changes(job, outcome: Outcome, held: silo.HeldEntry | None = None) -> Outcome:
    """Apply what an OK outcome changes on the entry, and the files of any outcome (a KO's
    files are its evidence: the AEAT's rejection); `held`: the entry's HeldEntry in a batch
    of jobs, which writes the changes later. A change that cannot be applied turns
    the outcome into an ERR (a conflict: retried) or a KO (a bad patch, a signed entry)."""
    entry = job.silo_entry
    if entry is None:
        return outcome
    if outcome.status != Status.OK:
        attach_files(job, outcome.files, held)
        return outcome
    try:
        if outcome.changes_data or outcome.sign is not None:
            silo.change_data(
                entry,
                envelope=outcome.envelope,
                merge=outcome.merge_patch,
                operations=outcome.json_patch,
                signed=outcome.sign,
                based_on=entry.version if outcome.envelope is not None else None,
                job_id=job.id,
                held=held,
            )
        attach_files(job, outcome.files, held)
        if outcome.meta:
            silo.merge_meta(entry, outcome.meta, held=held)
        if outcome.folder is not None:
            silo.set_folder(entry, outcome.folder, held=held)
        if outcome.state is not None:
            silo.set_state(
                entry,
                outcome.state,
                notes=outcome.state_notes,
                faults=job.faults,
                src="job",
                src_id=job.id,
                held=held,
            )
    except silo.ChangeConflict as exc:
        return Outcome(Status.ERR, "conflict", str(exc), retry_in=0)
    except silo.SignedEntry as exc:
        return ko(str(exc), "signed")
    except Exception as exc:  # jsonpatch and jsonpointer raise their own types
        if type(exc).__module__.startswith(("jsonpatch", "jsonpointer")):
            return ko(silo.patch_failure(exc), "invalid-patch")
        raise
    return outcome


def attach_files(job, files, held: silo.HeldEntry | None = None) -> None:
    for new in files:
        silo.attach_file(
            job.silo_entry,
            name=new.name,
            content=new.content,
            mime=new.mime,
            category=new.category,
            key=new.key,
            desc=new.desc,
            replace=new.replace,
            job_id=job.id,
            held=held,
        )


def add_event(intent, status, code="", message="", args=None, index=None) -> IntentEvent:
    if index is None:
        index = intent.events.count()
    return IntentEvent.objects.create(
        intent=intent, index=index, status=status, code=code, message=message, args=args or {}
    )


def fault(intent, outcome) -> dict:
    return {"provider": intent.provider, "code": outcome.code, "message": outcome.message}


def retry_delay(step: dict, errors: int, retry_in: float | None) -> float:
    if retry_in is not None:
        return max(0.0, float(retry_in))
    schedule = {**settings.ENGINE["retry"], **(step.get("retry") or {})}
    delay = schedule["initial"] * 2 ** (errors - 1)
    return float(delay if delay <= schedule["max"] else schedule["then"])


def step_timeout(step: dict, provider) -> float:
    """The step's limit: its own "timeout", or its provider's; never above the maximum."""
    seconds = float(step.get("timeout") or (provider.timeout if provider else 60))
    return min(seconds, float(settings.ENGINE["max_step_timeout"]))


def _give_up(step: dict) -> float:
    return float({**settings.ENGINE["retry"], **(step.get("retry") or {})}["give_up_after"])


def _wait_limit(step: dict) -> float:
    """How long a QUEUED step may wait: the step's own give_up_after when it sets one, else
    the longer of the engine's and its provider's `max_wait` (a Peppol approval takes up to
    72 hours, beyond the 12 hours a retry is given)."""
    if "give_up_after" in (step.get("retry") or {}):
        return _give_up(step)
    provider = registry.get(step_provider(step))
    return max(_give_up(step), provider.max_wait if provider else 0.0)
