"""Jobs: one workflow version run on one silo entry, with an intent per executed step."""

import uuid

from django.db import models
from django.utils import timezone

from invopop_console.accounts.models import Workspace
from invopop_console.immutable import ImmutableModel
from providers.base import Status
from silo.models import SiloEntry
from workflows.models import Workflow, WorkflowVersion


class JobStatus(models.TextChoices):
    QUEUED = "QUEUED"
    RUN = "RUN"
    OK = "OK"
    KO = "KO"
    ERR = "ERR", "ERR (retry pending)"


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="jobs")
    key = models.CharField(max_length=255, blank=True)
    workflow = models.ForeignKey(Workflow, on_delete=models.PROTECT, related_name="jobs")
    workflow_version = models.ForeignKey(
        WorkflowVersion, on_delete=models.PROTECT, related_name="jobs"
    )
    silo_entry = models.ForeignKey(
        SiloEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    args = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    faults = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    # Engine bookkeeping (jobs/engine.py). The cursor is a stack of [steps pointer, index,
    # stop after] frames into the pinned definition; the database, not Redis, says where a
    # job is, so a lost queue message or a killed worker loses nothing.
    phase = models.CharField(max_length=10, default="main", editable=False)
    cursor = models.JSONField(default=list, blank=True, editable=False)
    step_args = models.JSONField(default=dict, blank=True, editable=False)
    poke = models.JSONField(null=True, blank=True, editable=False)
    run_at = models.DateTimeField(null=True, blank=True, editable=False)
    dispatched_at = models.DateTimeField(null=True, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    lease_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "key"],
                condition=~models.Q(key=""),
                name="job_key_unique_per_workspace",
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "-created_at", "id"], name="job_ws_created"),
            models.Index(fields=["workspace", "status", "-created_at"], name="job_ws_status"),
            models.Index(fields=["workspace", "workflow", "-created_at"], name="job_ws_workflow"),
            models.Index(fields=["status", "run_at"], name="job_due"),
        ]

    def __str__(self) -> str:
        return f"{self.workflow} on {self.silo_entry_id or 'args'} ({self.status})"

    @property
    def completed(self) -> bool:
        return self.status in (JobStatus.OK, JobStatus.KO)


class Intent(models.Model):
    """One executed step of a job; a retried step keeps its intent and adds events."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="intents")
    step_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    provider = models.CharField(max_length=100)
    # The reference a poke may name (a provider may set its own, e.g. an agency's receipt id).
    ref = models.CharField(max_length=255, blank=True, db_index=True)
    completed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.name or self.provider} ({self.step_id})"


class IntentEvent(ImmutableModel):
    intent = models.ForeignKey(Intent, on_delete=models.CASCADE, related_name="events")
    index = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices)
    code = models.CharField(max_length=100, blank=True)
    message = models.TextField(blank=True)
    args = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["index"]
        constraints = [models.UniqueConstraint(fields=["intent", "index"], name="one_event_index")]

    def __str__(self) -> str:
        return f"{self.status} {self.code}".strip()
