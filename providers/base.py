"""What a provider receives (StepContext) and what it answers (Outcome).

Providers never touch the job's bookkeeping: they read the context and return an Outcome;
the engine (jobs/engine.py) records the events and applies the changes to the silo entry,
in one transaction, so that a crash never leaves half a step behind. What a step needs of
the apps above providers (start a job, subscribe the entry to a schedule) it asks of its
context, whose `operations` the engine gives (jobs/operations.py): providers never import
jobs or workflows.
"""

from dataclasses import dataclass, field
from typing import Any

from invopop_console.status import Status


@dataclass
class NewFile:
    name: str
    content: bytes
    mime: str = "application/octet-stream"
    category: str = ""
    key: str = ""
    desc: str = ""
    replace: bool = True  # replace an earlier file of the same key (category + key)


@dataclass
class Outcome:
    status: str
    code: str = ""
    message: str = ""
    retry_in: float | None = None  # ERR and QUEUED: seconds until the step runs again
    envelope: dict | None = None  # a whole new envelope for the entry
    merge_patch: dict | None = None  # RFC 7396, applied to the envelope
    json_patch: list | None = None  # RFC 6902, applied to the envelope
    sign: bool | None = None  # the entry is signed (or unsigned) from now on
    state: str | None = None  # a new state for the entry (recorded in its history)
    state_notes: str = ""
    folder: str | None = None
    meta: dict | None = None  # merged into the entry's meta
    files: list[NewFile] = field(default_factory=list)  # attached whatever the status
    args: dict = field(default_factory=dict)  # added to the args of the steps that follow
    ref: str | None = None  # QUEUED: the reference a poke may name (e.g. a receipt id)

    @property
    def changes_data(self) -> bool:
        return any(x is not None for x in (self.envelope, self.merge_patch, self.json_patch))


def ok(code: str = "", message: str = "", **changes: Any) -> Outcome:
    return Outcome(Status.OK, code, message, **changes)


def skip(message: str, code: str = "") -> Outcome:
    return Outcome(Status.SKIP, code, message)


def err(message: str, code: str = "", retry_in: float | None = None) -> Outcome:
    return Outcome(Status.ERR, code, message, retry_in=retry_in)


def ko(message: str, code: str = "") -> Outcome:
    return Outcome(Status.KO, code, message)


def queued(message="", code="", retry_in: float | None = None, ref: str | None = None) -> Outcome:
    return Outcome(Status.QUEUED, code, message, retry_in=retry_in, ref=ref)


class OperationRefused(Exception):
    """An operation of the context cannot be done (a workflow that cannot run, an interval
    out of range): the provider answers a KO, as retrying would not bring it."""


@dataclass
class StepContext:
    """One run of one step. `ref` stays the same across retries and re-runs after a crash,
    so providers that talk to the outside can use it as their idempotency key."""

    workspace: Any
    job: Any
    entry: Any  # the silo entry (None for a job with args only)
    step: dict
    config: dict
    args: dict
    faults: list
    ref: str
    attempt: int  # 1 on the first run of this step
    poke: dict | None = None  # the poke that woke a QUEUED step
    waited: float | None = None  # seconds since the step first answered QUEUED
    operations: Any = None  # jobs/operations.py, given by the engine: see find_workflow()
    # The entry's silo.services.HeldEntry while a batch of jobs holds it (jobs/batch.py):
    # its changes are written at the batch's end, and the entry is not reloaded meanwhile.
    held: Any = None

    @property
    def envelope(self) -> dict:
        return self.entry.data if self.entry is not None else {}

    def credential(self, name: str):
        """The workspace's credential `name` (providers.models.Credential), for a provider
        that needs more than its secret (a username); raises CredentialMissing."""
        from .credentials import lookup  # base stays importable before the models are

        return lookup(self.workspace, name)

    def secret(self, value, header: bool = False) -> str:
        """The text to send for a config value that carries a secret: inline, as it is; a
        reference, `{"credential": name}`, as the credential's secret (in a header, as a
        header of its kind: "Bearer …"). Raises CredentialMissing for an unknown name: the
        providers answer it with a KO (its `code`), as retrying would not bring it."""
        from .credentials import resolve

        return resolve(self.workspace, value, header=header)

    @property
    def doc(self) -> dict:
        doc = self.envelope.get("doc")
        return doc if isinstance(doc, dict) else {}

    # --- Operations on the apps above providers, through `operations`

    def find_workflow(self, workflow_id):
        """The workspace's workflow `workflow_id`, or None (also for an id that is no UUID)."""
        return self._operations.find_workflow(self.workspace, workflow_id)

    def find_workflows_using(self, provider_key: str) -> list:
        """The workspace's published, enabled workflows with a step of `provider_key`."""
        return self._operations.find_workflows_using(self.workspace, provider_key)

    def start_job(self, workflow, *, entry, args: dict, key: str):
        """A new job of `workflow` (from find_workflow), or the one that `key` started already
        (a re-run of the step after a crash); raises OperationRefused when the workflow
        cannot run (disabled, never published)."""
        return self._operations.start_job(self.workspace, workflow, entry=entry, args=args, key=key)

    def subscribe_schedule(self, workflow, interval, factor=None):
        """Run `workflow` on the entry every `interval` (hourly, daily..., or seconds) times
        `factor`, from now on: (subscription, created), renewing the entry's subscription to
        the workflow if there is one; raises OperationRefused for an interval out of range."""
        return self._operations.subscribe_schedule(
            self.workspace, workflow, self.entry, interval, factor
        )

    def unsubscribe_schedule(self, workflow_id="") -> int:
        """Remove the entry's subscriptions (to `workflow_id` only, when given): how many."""
        return self._operations.unsubscribe_schedule(self.entry, workflow_id)

    @property
    def _operations(self):
        if self.operations is None:
            raise RuntimeError("this context has no operations: the engine gives them")
        return self.operations
