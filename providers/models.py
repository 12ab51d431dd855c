"""What providers keep between runs: numbered series (sequence.enumerate), the workspaces'
signing keys (silo.close), email connections (email.send), webhook secrets (webhook) and
the credentials that steps refer to by name (webhook, http.request)."""

import base64
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from invopop_console.accounts.models import Workspace
from invopop_console.secrets_box import open_sealed, seal, sealed
from invopop_console.standard_webhooks import new_secret

MAX_PADDING = 20


class Series(models.Model):
    """A numbered series of a workspace, such as "Invoice" with prefix "INV-" and padding 6.

    `next_number` is the number the next reservation takes; it only ever grows, under a row
    lock, inside the transaction that uses the number (see providers/sequence.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="series")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=40, blank=True, help_text="Becomes the doc's series.")
    padding = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_PADDING)],
        help_text="Zeros to pad the number with: 6 gives 000001.",
    )
    start = models.PositiveBigIntegerField(default=1, help_text="The first number.")
    next_number = models.PositiveBigIntegerField(default=1)
    description = models.TextField(blank=True)
    # Invopop's SequenceSeries fields, kept for the sequence API: `code` labels the series,
    # `suffix` ends the codes the API shows.
    code = models.CharField(max_length=100, blank=True)
    suffix = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "series"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="series_name_per_workspace")
        ]

    def __str__(self) -> str:
        return self.name

    def format(self, number: int) -> str:
        """The document code of `number`: the number, zero-padded (the prefix goes apart,
        into the doc's `series`)."""
        return str(number).zfill(self.padding)

    @property
    def last_number(self) -> int | None:
        return self.next_number - 1 if self.next_number > self.start else None


class SequenceEntry(models.Model):
    """One number given out by a series, and to what. Written in the transaction that takes
    the number, so a number without its entry row was never given out."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="entries")
    number = models.PositiveBigIntegerField()
    code = models.CharField(max_length=100)
    # By id only, as the silo does for jobs: the numbering outlives what it numbered.
    silo_entry_id = models.UUIDField(null=True, blank=True)
    job_id = models.UUIDField(null=True, blank=True)
    # The entry's id in the sequence API (a client may choose it) and its key/value strings.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "sequence entries"
        ordering = ["series", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="one_sequence_number")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.code}"


class SigningKey(models.Model):
    """The workspace's ECDSA P-256 key (ES256), made the first time silo.close needs it.

    The private key (PKCS#8 PEM) is sealed (invopop_console/secrets_box.py): a copy of the
    database alone cannot sign for the workspace; with SECRET_KEY it can, so guard both."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="signing_key"
    )
    kid = models.CharField(max_length=32, unique=True, help_text="Short public key fingerprint.")
    private_sealed = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.workspace} ({self.kid})"

    def __repr__(self) -> str:  # never the private key, not even in a traceback
        return f"<SigningKey {self.kid} of {self.workspace_id}>"

    private_pem = sealed("private_sealed")


class Security(models.TextChoices):
    NONE = "none", "None"
    STARTTLS = "starttls", "STARTTLS"
    TLS = "tls", "TLS"


class EmailConnection(models.Model):
    """An SMTP server through which email.send sends a workspace's emails (its `connection_id`
    names one by id or name). The password is sealed (invopop_console/secrets_box.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="email_connections"
    )
    name = models.CharField(max_length=100)
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=587)
    security = models.CharField(max_length=10, choices=Security.choices, default=Security.STARTTLS)
    username = models.CharField(max_length=255, blank=True)
    password_sealed = models.TextField(blank=True, editable=False)
    from_email = models.CharField(max_length=255, help_text='"Name <address>" or an address.')
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"], name="email_connection_name_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:  # never the password, not even sealed
        return f"<EmailConnection {self.name} {self.host}:{self.port}>"

    @property
    def password(self) -> str:
        return open_sealed(self.password_sealed) if self.password_sealed else ""

    @password.setter
    def password(self, value: str) -> None:
        self.password_sealed = seal(value) if value else ""


WEBHOOK_SECRET_OVERLAP = timedelta(hours=24)


class WebhookSecret(models.Model):
    """The secret that signs a workspace's outgoing webhooks (shown in Configuration).

    After a rotation the previous secret keeps signing too, for a day, so that receivers can
    switch over without dropping deliveries (Standard Webhooks allows several signatures)."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="webhook_secret"
    )
    secret_sealed = models.TextField(editable=False)
    previous_sealed = models.TextField(blank=True, editable=False)
    rotated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"webhook secret of {self.workspace}"

    def __repr__(self) -> str:
        return f"<WebhookSecret of {self.workspace_id}>"

    @classmethod
    def of(cls, workspace) -> "WebhookSecret":
        found, _ = cls.objects.get_or_create(
            workspace=workspace, defaults={"secret_sealed": seal(new_secret())}
        )
        return found

    @property
    def secret(self) -> str:
        return open_sealed(self.secret_sealed)

    def signing_secrets(self) -> list[str]:
        """The current secret, and the previous one while the overlap lasts."""
        found = [self.secret]
        if self.previous_sealed and self.rotated_at > timezone.now() - WEBHOOK_SECRET_OVERLAP:
            found.append(open_sealed(self.previous_sealed))
        return found

    def rotate(self) -> None:
        self.previous_sealed = self.secret_sealed
        self.secret_sealed = seal(new_secret())
        self.rotated_at = timezone.now()
        self.save(update_fields=["previous_sealed", "secret_sealed", "rotated_at"])


class CredentialKind(models.TextChoices):
    BEARER = "bearer", "Bearer token"
    BASIC = "basic", "Username and password"
    HEADER = "header", "Header value"
    SECRET = "secret", "Secret"


CREDENTIAL_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
HINT_LENGTH = 4
HINTED_FROM = 12  # a shorter secret shows no part of itself: four characters would be a third


class Credential(models.Model):
    """A secret of the workspace (an API token, a password), kept out of workflow JSON: a
    step refers to it by name, `{"credential": "erp-token"}` (providers/credentials.py).

    Sealed (invopop_console/secrets_box.py) and write-only: owners set and replace it, and
    after that anybody sees only its last characters (`hint`). `username` goes with the
    basic kind and is not secret."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="credentials")
    name = models.CharField(
        max_length=100,
        validators=[RegexValidator(CREDENTIAL_NAME, "Letters, digits, dots, dashes, underscores.")],
    )
    kind = models.CharField(max_length=10, choices=CredentialKind.choices)
    username = models.CharField(max_length=255, blank=True)
    secret_sealed = models.TextField(editable=False)
    hint = models.CharField(max_length=HINT_LENGTH, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"], name="credential_name_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:  # never the secret, not even sealed
        return f"<Credential {self.name} ({self.kind}) of {self.workspace_id}>"

    @property
    def secret(self) -> str:
        return open_sealed(self.secret_sealed)

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_sealed = seal(value)
        self.hint = value[-HINT_LENGTH:] if len(value) >= HINTED_FROM else ""

    def header_value(self) -> str:
        """What an HTTP header that names this credential carries."""
        if self.kind == CredentialKind.BEARER:
            return f"Bearer {self.secret}"
        if self.kind == CredentialKind.BASIC:
            pair = f"{self.username}:{self.secret}".encode()
            return f"Basic {base64.b64encode(pair).decode('ascii')}"
        return self.secret
