"""The silo: GOBL envelopes with their files, state history and every version of their data."""

import uuid

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from invopop_console import rows
from invopop_console.accounts.models import Workspace
from invopop_console.immutable import ImmutableModel

from . import snippets
from .signals import entry_created

# Silo records point at the job that changed them by id only (no foreign key), so that the
# silo does not depend on the jobs app, which is built on top of it.


class SiloEntry(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="entries")
    key = models.CharField(max_length=255, blank=True)
    folder = models.CharField(max_length=100, blank=True)
    doc_schema = models.CharField(max_length=200, blank=True)
    # Short form of doc_schema ("bill/invoice"), kept for the indexed per-type lists.
    doc_type = models.CharField(max_length=40, blank=True, editable=False)
    data = models.JSONField(default=dict)
    state = models.CharField(max_length=40, blank=True)
    faults = models.JSONField(default=list, blank=True)
    meta = models.JSONField(default=dict, blank=True)
    signed = models.BooleanField(default=False)
    invalid = models.BooleanField(default=False)
    snippet = models.JSONField(default=dict, blank=True, editable=False)
    # The snippet's code and counterpart, case-folded: JSON cannot be indexed the same way
    # on SQLite and PostgreSQL, and the lists search these by prefix at a million entries.
    search_code = models.CharField(max_length=255, blank=True, editable=False)
    search_counterpart = models.CharField(max_length=255, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    # The entry this one was made from: the invoice a credit note corrects, the document a
    # draft replicates (Invopop's `previous_id`). Invopop relates entries by the document's
    # own references (preceding uuids) when asked; this link is what the console shows.
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="following"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "silo entries"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "key"],
                condition=~models.Q(key=""),
                name="entry_key_unique_per_workspace",
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="entry_ws_created"),
            models.Index(fields=["workspace", "state"], name="entry_ws_state"),
            models.Index(fields=["workspace", "folder"], name="entry_ws_folder"),
            # The console's per-type lists: newest first by (created_at, id), the keyset
            # order, with or without a state or folder filter.
            models.Index(
                fields=["workspace", "doc_type", "-created_at", "-id"], name="entry_type_created"
            ),
            models.Index(
                fields=["workspace", "doc_type", "state", "-created_at", "-id"],
                name="entry_type_state",
            ),
            models.Index(
                fields=["workspace", "doc_type", "folder", "-created_at", "-id"],
                name="entry_type_folder",
            ),
            # Text search by prefix. PostgreSQL uses LIKE 'abc%' with a pattern_ops index
            # whatever the database's collation; SQLite ignores opclasses and is queried
            # with a plain range (see silo/listing.py).
            models.Index(
                fields=["workspace", "doc_type", "search_code"],
                opclasses=["uuid_ops", "varchar_ops", "varchar_pattern_ops"],
                name="entry_search_code",
            ),
            models.Index(
                fields=["workspace", "doc_type", "search_counterpart"],
                opclasses=["uuid_ops", "varchar_ops", "varchar_pattern_ops"],
                name="entry_search_counterpart",
            ),
            models.Index(
                fields=["workspace", "key"],
                opclasses=["uuid_ops", "varchar_pattern_ops"],
                name="entry_search_key",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    # The fields derive_from_data() sets.
    DERIVED = ("doc_schema", "doc_type", "snippet", "search_code", "search_counterpart")

    def save(self, *args, **kwargs):
        self.derive_from_data()
        super().save(*args, **kwargs)

    def derive_from_data(self) -> None:
        """The fields the lists show and search, from the data."""
        doc = snippets.document(self.data)
        schema = doc.get("$schema")
        self.doc_schema = schema if isinstance(schema, str) else self.doc_schema
        self.doc_type = snippets.doc_type(self.doc_schema)
        self.snippet = snippets.snippet(self.data)
        self.search_code, self.search_counterpart = snippets.search_terms(self.snippet)

    @property
    def title(self) -> str:
        """The code, a party's name, or what it is: "Draft invoice" (an id's hash says nothing
        to a person; the page's address and the API have the id)."""
        found = self.snippet.get("code") or self.snippet.get("name")
        if found:
            return found
        kind = (self.doc_type or "").rpartition("/")[2].replace("-", " ")
        return f"Draft {kind}" if kind else f"Entry {str(self.id)[:8]}"

    @property
    def counterpart(self) -> str:
        return self.snippet.get("customer") or self.snippet.get("supplier") or ""

    @classmethod
    def create_with_version(
        cls, workspace, data: dict, *, user=None, job_id=None, savepoint=True, **fields
    ):
        """A new entry and its first version. `savepoint=False` for a caller whose transaction
        is given up whole on any error (see transaction.atomic)."""
        with transaction.atomic(savepoint=savepoint):
            return cls._create_with_version(workspace, data, user, job_id, fields)

    @classmethod
    def _create_with_version(cls, workspace, data, user, job_id, fields):
        entry = cls(workspace=workspace, data=data, **fields)
        entry.derive_from_data()
        first = SiloEntryVersion(
            entry=entry, number=1, data=data, user=user, job_id=job_id, signed=entry.signed
        )
        # Plain INSERTs, as for jobs (invopop_console/rows.py): the ORM's two create() calls
        # were a tenth of the web's CPU per job created with data (bench/api.py).
        rows.insert([entry])
        rows.insert([first])
        # Triggers "on entry created" start their workflows once the entry is really there.
        transaction.on_commit(lambda: entry_created.send(sender=cls, entry=entry))
        return entry

    @transaction.atomic
    def change_data(self, data: dict, *, user=None, job_id=None, signed=None) -> "SiloEntryVersion":
        """Replace the data as a new version; the row lock orders concurrent writers."""
        locked = SiloEntry.objects.select_for_update().only("version").get(pk=self.pk)
        self.version = locked.version
        return self.write_version(data, user=user, job_id=job_id, signed=signed)

    def write_version(self, data: dict, *, user=None, job_id=None, signed=None):
        """change_data() for a caller that already holds the row lock and the latest row."""
        self.data = data
        self.version += 1
        if signed is not None:
            self.signed = signed
        self.save()
        return SiloEntryVersion.objects.create(
            entry=self, number=self.version, data=data, user=user, job_id=job_id, signed=self.signed
        )


class SiloEntryVersion(ImmutableModel):
    entry = models.ForeignKey(SiloEntry, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    data = models.JSONField()
    signed = models.BooleanField(default=False)
    job_id = models.UUIDField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="one_entry_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.entry} v{self.number}"

    @property
    def source(self) -> str:
        return "job" if self.job_id else "user" if self.user_id else "api"


XML_MIMES = ("application/xml", "text/xml")


def silo_file_path(instance: "SiloFile", filename: str) -> str:
    return f"silo/{instance.entry.workspace_id}/{instance.entry_id}/{instance.id}/{filename}"


class SiloFile(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(SiloEntry, on_delete=models.CASCADE, related_name="files")
    category = models.CharField(max_length=40, blank=True, help_text="format, request, response…")
    key = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=255)
    desc = models.CharField(max_length=255, blank=True)
    mime = models.CharField(max_length=100, default="application/octet-stream")
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=silo_file_path, max_length=500)
    job_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def workspace(self) -> Workspace:
        return self.entry.workspace

    @property
    def is_xml(self) -> bool:
        """An XML document by its mime (application/xml, text/xml, …+xml) or its name: what
        an import reads and the Files tab previews."""
        mime = (self.mime or "").split(";")[0].strip().lower()
        return mime in XML_MIMES or mime.endswith("+xml") or self.name.lower().endswith(".xml")


class SiloState(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(SiloEntry, on_delete=models.CASCADE, related_name="states")
    key = models.CharField(max_length=40)
    notes = models.TextField(blank=True)
    faults = models.JSONField(default=list, blank=True)
    meta = models.JSONField(default=dict, blank=True)
    src = models.CharField(max_length=20, default="user", help_text="job, user or api-key")
    src_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.key
