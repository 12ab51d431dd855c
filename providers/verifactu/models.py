"""What VERI*FACTU keeps: each workspace's connection to the AEAT, and the fingerprint chain
of every issuer with the records in it.

The chain is the law's, not ours: every record an issuer's invoicing system generates carries
the fingerprint (huella) of the one before, so a record may never be lost, reordered or made
twice. Chain rows are locked (select_for_update) while a record is appended, and the record
row is written in the same transaction, so concurrent jobs append one after the other and a
rolled-back step leaves no gap behind (see providers/verifactu/chain.py).
"""

import base64
import uuid

from django.db import models
from django.utils import timezone

from invopop_console.accounts.models import Workspace
from invopop_console.secrets_box import open_sealed, seal

AEAT_TEST_URL = "https://prewww1.aeat.es/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"
AEAT_PRODUCTION_URL = (
    "https://www1.agenciatributaria.gob.es/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"
)
# Where the QR code of an invoice sends its reader: the AEAT's check of the invoice.
QR_TEST_URL = "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR"
QR_PRODUCTION_URL = "https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQR"
# The same check for an invoice of a NO VERI*FACTU system, which the AEAT has not received.
QR_NOVERIFACTU_TEST_URL = "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQRNoVerifactu"
QR_NOVERIFACTU_PRODUCTION_URL = (
    "https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQRNoVerifactu"
)


class Environment(models.TextChoices):
    SANDBOX = "sandbox", "Sandbox (test service)"
    PRODUCTION = "production", "Production"


class VerifactuConfig(models.Model):
    """A workspace's connection to the AEAT: who submits, where, and with which certificate.

    The certificate (PKCS#12) and its password are sealed (invopop_console/secrets_box.py):
    they let anyone submit invoices in the issuer's name."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="verifactu")
    issuer_nif = models.CharField("Issuer NIF", max_length=9)
    issuer_name = models.CharField("Issuer name", max_length=120)
    environment = models.CharField(
        max_length=12, choices=Environment.choices, default=Environment.SANDBOX
    )
    sandbox_url = models.URLField("Sandbox endpoint", max_length=300, default=AEAT_TEST_URL)
    production_url = models.URLField(
        "Production endpoint", max_length=300, default=AEAT_PRODUCTION_URL
    )
    certificate_sealed = models.TextField(blank=True, editable=False)
    certificate_password_sealed = models.TextField(blank=True, editable=False)
    certificate_subject = models.CharField(max_length=300, blank=True, editable=False)
    certificate_expires = models.DateTimeField(null=True, blank=True, editable=False)
    # A PEM bundle to trust for the endpoint's own certificate: a local simulator's
    # self-signed one. Empty: the system's trusted authorities, as for the AEAT.
    server_ca = models.TextField("Trusted server certificate", blank=True)
    # The AEAT's flow control: no new submission before this time (TiempoEsperaEnvio).
    send_after = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "VERI*FACTU configuration"

    def __str__(self) -> str:
        return f"VERI*FACTU of {self.workspace} ({self.issuer_nif})"

    def __repr__(self) -> str:  # never the certificate, not even sealed
        return f"<VerifactuConfig {self.issuer_nif} {self.environment}>"

    @property
    def endpoint(self) -> str:
        return self.production_url if self.in_production else self.sandbox_url

    @property
    def in_production(self) -> bool:
        return self.environment == Environment.PRODUCTION

    @property
    def qr_url(self) -> str:
        return QR_PRODUCTION_URL if self.in_production else QR_TEST_URL

    @property
    def noverifactu_qr_url(self) -> str:
        return QR_NOVERIFACTU_PRODUCTION_URL if self.in_production else QR_NOVERIFACTU_TEST_URL

    @property
    def has_certificate(self) -> bool:
        return bool(self.certificate_sealed)

    def certificate(self) -> tuple[bytes, str] | None:
        """The PKCS#12 bytes and their password, or None without a certificate."""
        if not self.certificate_sealed:
            return None
        pkcs12 = base64.b64decode(open_sealed(self.certificate_sealed))
        password = open_sealed(self.certificate_password_sealed)
        return pkcs12, password

    def set_certificate(self, pkcs12: bytes, password: str, *, subject="", expires=None) -> None:
        self.certificate_sealed = seal(base64.b64encode(pkcs12).decode("ascii"))
        self.certificate_password_sealed = seal(password)
        self.certificate_subject = subject
        self.certificate_expires = expires

    def clear_certificate(self) -> None:
        self.certificate_sealed = self.certificate_password_sealed = ""
        self.certificate_subject = ""
        self.certificate_expires = None


class Mode(models.TextChoices):
    """The two ways RD 1007/2023 lets an invoicing system work: VERI*FACTU sends every record
    to the AEAT; NO VERI*FACTU signs them and keeps them, with an event log, for an
    inspection. A supplier may be registered in both, each with its own chain."""

    VERIFACTU = "verifactu", "VERI*FACTU"
    NOVERIFACTU = "noverifactu", "NO VERI*FACTU"


class Chain(models.Model):
    """The fingerprint chain of one issuer (IDEmisorFactura) in a workspace and mode: how
    long it is, and the identity and fingerprint of its last record, which the next one
    chains to. In NO VERI*FACTU the issuer's event records form a second chain, whose head
    is kept here too, so that one row lock serialises both."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="verifactu_chains"
    )
    issuer_nif = models.CharField(max_length=9)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.VERIFACTU)
    issuer_name = models.CharField(max_length=120, blank=True)  # NombreRazon, for exports
    # Registered (register) or not (unregister); the records stay either way, as the law asks.
    active = models.BooleanField(default=True)
    length = models.PositiveBigIntegerField(default=0)
    last_num_serie = models.CharField(max_length=60, blank=True)
    last_issue_date = models.CharField(max_length=10, blank=True)  # dd-mm-yyyy, as the AEAT
    last_fingerprint = models.CharField(max_length=64, blank=True)
    # The event chain (NO VERI*FACTU only): its length and its last event.
    events = models.PositiveBigIntegerField(default=0)
    last_event_type = models.CharField(max_length=2, blank=True)
    last_event_at = models.CharField(max_length=25, blank=True)
    last_event_fingerprint = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "issuer_nif", "mode"], name="verifactu_chain_per_issuer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer_nif}: {self.length} records"


class Kind(models.TextChoices):
    ALTA = "alta", "Registration (RegistroAlta)"
    ANULACION = "anulacion", "Cancellation (RegistroAnulacion)"


class Verdict(models.TextChoices):
    PENDING = "pending", "Not sent yet"
    ACCEPTED = "accepted", "Accepted"
    ACCEPTED_WITH_ERRORS = "accepted_with_errors", "Accepted with errors"
    REJECTED = "rejected", "Rejected"


class Record(models.Model):
    """One record of a chain, at its position, with the submission document (the
    RegFactuSistemaFacturacion XML that goes into the SOAP body) and the AEAT's verdict."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="records")
    position = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    num_serie = models.CharField(max_length=60)
    issue_date = models.CharField(max_length=10)  # dd-mm-yyyy
    fingerprint = models.CharField(max_length=64)
    previous_fingerprint = models.CharField(max_length=64, blank=True)
    generated_at = models.CharField(max_length=25)  # FechaHoraHusoGenRegistro, as hashed
    total = models.CharField(max_length=20, blank=True)  # ImporteTotal (altas)
    tax_total = models.CharField(max_length=20, blank=True)  # CuotaTotal (altas)
    xml = models.TextField()
    # By id only, as the sequences do: the chain outlives what it recorded.
    silo_entry_id = models.UUIDField(null=True, blank=True)
    job_id = models.UUIDField(null=True, blank=True)
    verdict = models.CharField(max_length=24, choices=Verdict.choices, default=Verdict.PENDING)
    code = models.CharField(max_length=10, blank=True)
    message = models.TextField(blank=True)
    csv = models.CharField(max_length=100, blank=True)  # the AEAT's receipt (código seguro)
    sent_at = models.DateTimeField(null=True, blank=True)
    # NO VERI*FACTU: when the record step checked and kept the signed record.
    recorded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["chain", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "position"], name="verifactu_one_record_per_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.num_serie} #{self.position}"


class Event(models.Model):
    """One event record (registro de evento) of a NO VERI*FACTU issuer, at its position in
    the event chain: the signed RegistroEvento as generated."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="event_records")
    position = models.PositiveBigIntegerField()
    type = models.CharField(max_length=2)  # TipoEvento
    generated_at = models.CharField(max_length=25)  # FechaHoraHusoGenEvento, as hashed
    fingerprint = models.CharField(max_length=64)  # HuellaEvento
    previous_fingerprint = models.CharField(max_length=64, blank=True)
    xml = models.TextField()
    silo_entry_id = models.UUIDField(null=True, blank=True)
    job_id = models.UUIDField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["chain", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "position"], name="noverifactu_one_event_per_position"
            )
        ]

    def __str__(self) -> str:
        return f"event {self.type} #{self.position}"
