"""Workflows: a sequence of steps (and rescue steps) in Invopop's JSON format.

The editable workflow holds the current definition; publishing freezes it into an immutable
WorkflowVersion, and jobs always run a version, never the editable draft.
"""

import hashlib
import json
import uuid

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from invopop_console import json_input
from invopop_console.accounts.models import Workspace
from invopop_console.immutable import ImmutableModel
from invopop_console.secrets_box import seal, sealed
from invopop_console.standard_webhooks import new_secret

from . import definition as definitions
from . import secrets
from .editing import EditError
from .schemas import DocSchema


def definition_hash(definition: dict) -> str:
    """SHA-256 of the definition's canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class InvalidDefinition(Exception):
    def __init__(self, problems):
        super().__init__(f"{len(problems)} problem(s) in the workflow definition")
        self.problems = problems


class RefusedDefinition(InvalidDefinition):
    """A definition that a workflow may not hold even as a draft (definitions.refusals)."""

    def __str__(self) -> str:
        return "; ".join(f"{p.path}: {p.message}" for p in self.problems)


COLUMN_DEFAULTS = {
    "name": "",
    "description": "",
    "schema": "",
    "country": "",
    "steps": [],
    "rescue": [],
}


def _fits(field: str, value) -> bool:
    """Whether a definition value can live in its column without losing anything."""
    if field in ("steps", "rescue"):
        return isinstance(value, list)
    limit = {"name": 200, "schema": 40, "country": 2}.get(field)
    return isinstance(value, str) and (limit is None or len(value) <= limit)


class Workflow(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="workflows")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    schema = models.CharField(max_length=40, choices=DocSchema.choices, blank=True)
    country = models.CharField(max_length=2, blank=True)
    steps = models.JSONField(default=list, blank=True)
    rescue = models.JSONField(default=list, blank=True)
    # Top-level fields we do not know yet, kept so that a pasted definition round-trips.
    extra = models.JSONField(default=dict, blank=True)
    draft = models.BooleanField(default=True)
    disabled = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=0, help_text="Latest published version")
    hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="workflow_ws_created"),
            models.Index(fields=["workspace", "schema"], name="workflow_ws_schema"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.hash = definition_hash(self.definition())
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "hash", "updated_at"}
        super().save(*args, **kwargs)

    def definition(self) -> dict:
        """The workflow as Invopop's JSON. `extra` holds unknown fields, and known ones whose
        value did not fit a column (a draft may be invalid), so it has the last word."""
        fields = {
            "name": self.name,
            "description": self.description,
            "schema": self.schema,
            "steps": self.steps,
            "rescue": self.rescue,
        }
        if not self.schema:  # a workflow for any document (some of Invopop's have no schema)
            del fields["schema"]
        if self.country:
            fields["country"] = self.country
        return {**fields, **self.extra}

    def apply_definition(self, definition: dict) -> None:
        """Take a whole definition (pasted, PUT, a template), keeping every field it has;
        raises RefusedDefinition, changing nothing, for one no workflow may hold."""
        refused = definitions.refusals(definition, before=self.definition())
        if refused:
            raise RefusedDefinition(refused)
        self.extra = {}
        for field, default in COLUMN_DEFAULTS.items():
            value = definition.get(field, default)
            if _fits(field, value):
                setattr(self, field, value)
            else:
                setattr(self, field, default)
                self.extra[field] = value
        self.extra.update({k: v for k, v in definition.items() if k not in COLUMN_DEFAULTS})

    def problems(self) -> list:
        definition = self.definition()
        return [
            *definitions.validate(definition),
            *secrets.reference_problems(self.workspace_id, definition),
        ]

    def save_draft(self, definition: dict) -> None:
        """Keep `definition` as the workflow's current one: a draft, unless it is exactly the
        latest published version (an edit undone, or a version restored unchanged)."""
        self.apply_definition(definition)
        latest = self.versions.order_by("-number").first()
        self.draft = latest is None or latest.hash != definition_hash(self.definition())
        self.save()

    @transaction.atomic
    def forget_secret(self, secret: str, name: str) -> None:
        """An inline secret moved into the credential `name`: name it instead wherever this
        workflow keeps a copy, its saved draft and everybody's working copies and undo
        history, so that no row holds the secret any more. Published versions are
        immutable; they cannot hold inline secrets (definition.py refuses to publish them)."""
        before = self.hash
        saved = secrets.replaced(self.definition(), secret, name)
        if definition_hash(saved) != before:
            self.save_draft(saved)
        for session in self.edit_sessions.select_for_update():
            session.definition = secrets.replaced(session.definition, secret, name)
            session.history = [secrets.replaced(d, secret, name) for d in session.history]
            if session.base_hash == before:
                session.base_hash = self.hash
            session.save(update_fields=["definition", "history", "base_hash", "updated_at"])

    @transaction.atomic
    def publish(self, user=None) -> "WorkflowVersion":
        """Freeze the current definition as the next version (or reuse an identical latest).

        Raises InvalidDefinition when the definition has errors."""
        problems = definitions.errors(self.problems())
        problems += definitions.publish_problems(self.definition())
        if problems:
            raise InvalidDefinition(problems)
        locked = Workflow.objects.select_for_update().get(pk=self.pk)
        self.hash = definition_hash(self.definition())
        latest = locked.versions.order_by("-number").first()
        if latest is None or latest.hash != self.hash:
            latest = WorkflowVersion.objects.create(
                workflow=self,
                number=(latest.number + 1) if latest else 1,
                hash=self.hash,
                definition=self.definition(),
                created_by=user,
            )
        self.version = latest.number
        self.draft = False
        self.save()
        return latest


class WorkflowVersion(ImmutableModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)
    definition = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "number"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.workflow} v{self.number}"

    @property
    def workspace(self) -> Workspace:
        return self.workflow.workspace


class TriggerKind(models.TextChoices):
    ENTRY_CREATED = "entry_created", "On entry created"
    WEBHOOK = "webhook", "Inbound webhook"
    SCHEDULE = "schedule", "Schedule"
    # A document arrived through a network (Peppol) as a new entry: Invopop's "incoming workflow".
    DOCUMENT_RECEIVED = "document_received", "On document received"


# Under its own name too: migration 0003 refers to it as the field's old default.
new_trigger_secret = new_secret


def new_sealed_trigger_secret() -> str:
    return seal(new_trigger_secret())


class Trigger(models.Model):
    """What starts a workflow without anybody pressing Run (workflows/triggers.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="triggers")
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="triggers")
    kind = models.CharField(max_length=20, choices=TriggerKind.choices)
    enabled = models.BooleanField(default=True)
    # entry_created and document_received: which new entries (blank: any)
    doc_type = models.CharField(max_length=40, blank=True)
    folder = models.CharField(max_length=100, blank=True)
    # webhook: the secret a sender proves (bearer token, or Standard Webhooks signature),
    # sealed (invopop_console/secrets_box.py) and shown once, when the trigger is made.
    secret_sealed = models.TextField(default=new_sealed_trigger_secret, editable=False)
    # schedule: every `interval` seconds, or a cron expression; optionally on one entry
    # (cron.subscribe), with these args.
    interval = models.PositiveIntegerField(null=True, blank=True)
    cron = models.CharField(max_length=100, blank=True)
    silo_entry = models.ForeignKey(
        "silo.SiloEntry", null=True, blank=True, on_delete=models.CASCADE, related_name="triggers"
    )
    args = models.JSONField(default=dict, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["kind", "enabled", "next_run_at"], name="trigger_due"),
            models.Index(fields=["workspace", "kind"], name="trigger_ws_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.workflow}"

    secret = sealed("secret_sealed")

    @property
    def secret_hint(self) -> str:
        """The secret's last characters (not base64's padding), to tell it apart: all that
        anybody sees of it after creation."""
        return self.secret.rstrip("=")[-4:]

    def new_secret(self) -> str:
        """Replace the secret (one that was lost or leaked); the new one, to show once."""
        secret = new_trigger_secret()
        self.secret = secret
        self.save(update_fields=["secret_sealed"])
        return secret


class EditSession(models.Model):
    """One person's working copy of a workflow in the editor.

    Every edit is a server round trip that changes this copy, so nothing is lost on a reload;
    "Save draft" copies it onto the workflow. `base_hash` is the workflow's hash when the copy
    was taken: when the workflow moves on (saved elsewhere) and the copy has no changes of its
    own, the copy follows the workflow. `history` holds earlier copies for undo."""

    UNDO_DEPTH = 30

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="edit_sessions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    definition = models.JSONField()
    base_hash = models.CharField(max_length=64)
    history = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workflow", "user"], name="one_edit_session")
        ]

    def __str__(self) -> str:
        return f"{self.workflow} edited by {self.user}"

    @property
    def dirty(self) -> bool:
        return definition_hash(self.definition) != self.workflow.hash

    @property
    def stale(self) -> bool:
        """The workflow was saved by someone else after this copy was taken."""
        return self.base_hash != self.workflow.hash

    def change(self, definition: dict) -> None:
        """Make `definition` the working copy, remembering the previous one for undo. Every
        edit comes through here, so here is where what cannot be kept is refused."""
        if definition == self.definition:
            return
        problems = json_input.problems(definition)
        refused = definitions.refusals(definition, before=self.definition)
        problems.update({p.path: p.message for p in refused})
        if problems:
            raise EditError("; ".join(f"{where}: {what}" for where, what in problems.items()))
        self.history = [*self.history, self.definition][-self.UNDO_DEPTH :]
        self.definition = definition
        self.save(update_fields=["definition", "history", "updated_at"])

    def undo(self) -> bool:
        if not self.history:
            return False
        *self.history, self.definition = self.history
        self.save(update_fields=["definition", "history", "updated_at"])
        return True

    def reset(self) -> None:
        """Take the workflow's saved definition again (after a save, or to discard)."""
        self.definition = self.workflow.definition()
        self.base_hash = self.workflow.hash
        self.save()

    @classmethod
    def open(cls, workflow: Workflow, user) -> "EditSession":
        session, created = cls.objects.get_or_create(
            workflow=workflow,
            user=user,
            defaults={"definition": workflow.definition(), "base_hash": workflow.hash},
        )
        session.workflow = workflow
        if not created and session.stale and not session.dirty_against_base():
            session.reset()
        return session

    def dirty_against_base(self) -> bool:
        return definition_hash(self.definition) != self.base_hash
