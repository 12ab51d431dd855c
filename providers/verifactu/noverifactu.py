"""NO VERI*FACTU: the gov-es.noverifactu.* actions of Invopop's es__noverifactu-*.json
templates.

A NO VERI*FACTU system sends nothing to the AEAT. It keeps every invoice record (alta),
cancellation record (anulación) and event record chained by fingerprint and signed with
XAdES, and hands them over when an inspection asks (inspection.py). The records are the same
RegistroAlta / RegistroAnulacion as VERI*FACTU's, built by the same code (records.py,
xml.py, chain.py), in a chain of their own (Chain.mode), signed by signature.py with the
workspace's VERI*FACTU certificate.

generate.* chain and sign a record inside the step's transaction (the chain row stays locked
until the OK is committed, so concurrent jobs append one after the other); record checks what
was kept (fingerprint recomputed, link to the previous record, signature) and marks it kept.
build.status makes the bill/status entry that the event workflow turns into an event record.
"""

from datetime import datetime

from django.utils import timezone

from silo.gobl import build_envelope
from silo.models import SiloEntry

from ..base import NewFile, StepContext, ko, ok
from ..registry import provider
from ..silo import fresh
from ..transform import NEXT_ENTRY_ARG
from . import chain, signature, xml
from .actions import CATEGORY, ICON, NO_CONFIG, _origin, _safe, _stamped
from .models import Chain, Event, Kind, Mode, Record, VerifactuConfig
from .records import SPAIN, NotRecordable, invoice_of, qr_url, spanish_nif, valid_nif
from .verify import BrokenRecord, check_event, check_record

QR_STAMP = "noverifactu-qr"  # providers/pdf prints it as the QR code, without "VERI*FACTU"
HASH_STAMP = "noverifactu-hash"
EVENT_EXT = "es-noverifactu-event"  # the TipoEvento of a bill/status line
STATUS_SCHEMA = "https://gobl.org/draft-0/bill/status"

# TipoEvento (EventosSIF.xsd), with what each means.
EVENT_TYPES = {
    "01": "Inicio del funcionamiento del sistema informático como NO VERI*FACTU",
    "02": "Fin del funcionamiento del sistema informático como NO VERI*FACTU",
    "03": "Lanzamiento del proceso de detección de anomalías en los registros de facturación",
    "04": "Detección de anomalías en los registros de facturación",
    "05": "Lanzamiento del proceso de detección de anomalías en los registros de evento",
    "06": "Detección de anomalías en los registros de evento",
    "07": "Restauración de copia de seguridad",
    "08": "Exportación de registros de facturación generados en un periodo",
    "09": "Exportación de registros de evento generados en un periodo",
    "10": "Registro resumen de eventos",
    "90": "Otros tipos de eventos",
}
# Events whose own data (DatosPropiosEvento) this console can fill: the others' data come
# from processes it does not run (anomaly detection) or from the export itself.
BUILDABLE_EVENTS = ["01", "02", "07", "10", "90"]

BUILD_STATUS_CONFIG = {
    "type": "object",
    "required": ["event_type"],
    "properties": {
        "event_type": {
            "type": "string",
            "title": "Event type",
            "description": "TipoEvento: 01 start of NO VERI*FACTU mode, 02 its end, 10 the "
            "periodic summary, 07 a backup restored, 90 another event.",
            "enum": BUILDABLE_EVENTS,
        }
    },
    "additionalProperties": False,
}


# --- Suppliers


@provider(
    "gov-es.noverifactu.register",
    name="Register supplier with NO VERI*FACTU",
    category=CATEGORY,
    summary="Make the party an issuer whose signed records this workspace keeps.",
    icon=ICON,
    config_schema=NO_CONFIG,
)
def register(context: StepContext):
    nif, problem = _party_nif(context)
    if problem:
        return problem
    config, problem = _signing_config(context)
    if problem:
        return problem
    name = context.doc.get("name") or nif
    found, made = Chain.objects.get_or_create(
        workspace=context.workspace,
        issuer_nif=nif,
        mode=Mode.NOVERIFACTU,
        defaults={"issuer_name": name[:120]},
    )
    if not made:
        Chain.objects.filter(pk=found.pk).update(active=True, issuer_name=name[:120])
    said = "registered" if made else f"registered again ({found.length} records kept)"
    return ok(message=f"{nif} {said}", meta={"noverifactu_issuer": nif})


@provider(
    "gov-es.noverifactu.unregister",
    name="Unregister supplier from NO VERI*FACTU",
    category=CATEGORY,
    summary="Stop issuing for the party; its chains and records are kept, as the law asks.",
    icon=ICON,
    config_schema=NO_CONFIG,
)
def unregister(context: StepContext):
    nif, problem = _party_nif(context)
    if problem:
        return problem
    changed = Chain.objects.filter(
        workspace=context.workspace, issuer_nif=nif, mode=Mode.NOVERIFACTU
    ).update(active=False)
    said = "unregistered; its records stay" if changed else "was not registered"
    return ok(message=f"{nif} {said}", meta={"noverifactu_issuer": ""})


@provider(
    "gov-es.noverifactu.build.status",
    name="Build status for NO VERI*FACTU",
    category=CATEGORY,
    summary="Make a bill/status entry of the supplier's event, for the event workflow.",
    icon=ICON,
    config_schema=BUILD_STATUS_CONFIG,
    transactional=True,  # the new entry and the OK that names it are committed together
)
def build_status(context: StepContext):
    """The event's bill/status entry, and the state of the supplier's local register (its
    records, events and last fingerprints) in the party's meta and the step's message."""
    nif, problem = _party_nif(context)
    if problem:
        return problem
    register = Chain.objects.filter(
        workspace=context.workspace, issuer_nif=nif, mode=Mode.NOVERIFACTU
    ).first()
    if register is None:
        return ko(f"{nif} is not registered for NO VERI*FACTU", "not-registered")
    type = context.config["event_type"]
    key = f"noverifactu-status:{context.ref}"  # a re-run finds the entry it made
    found = SiloEntry.objects.filter(workspace=context.workspace, key=key).first()
    if found is None:
        envelope, problems = build_envelope(_status(context.doc, nif, type))
        if problems:
            return ko(f"the status is not valid: {problems[0].message}", "invalid-status")
        found = SiloEntry.create_with_version(
            context.workspace, envelope, job_id=_origin(context)["job_id"], key=key
        )
    state = _register_state(register)
    return ok(
        message=f"event {type} of {nif}: status entry {found.pk}; register: "
        f"{register.length} invoice records, {register.events} event records",
        meta={"noverifactu_status_entry": str(found.pk), **state},
        args={NEXT_ENTRY_ARG: str(found.pk)},
    )


def _register_state(register: Chain) -> dict:
    return {
        "noverifactu_registered": "yes" if register.active else "no",
        "noverifactu_records": str(register.length),
        "noverifactu_last_huella": register.last_fingerprint,
        "noverifactu_events": str(register.events),
        "noverifactu_last_event_huella": register.last_event_fingerprint,
    }


def _status(party: dict, nif: str, type: str) -> dict:
    now = datetime.now(SPAIN)
    return {
        "$schema": STATUS_SCHEMA,
        "type": "system",
        "issue_date": now.date().isoformat(),
        "issue_time": now.strftime("%H:%M:%S"),
        "supplier": {"name": party.get("name") or nif, "tax_id": {"country": "ES", "code": nif}},
        "lines": [{"key": "other", "description": EVENT_TYPES[type], "ext": {EVENT_EXT: type}}],
    }


# --- Records


@provider(
    "gov-es.noverifactu.generate.invoice",
    name="Generate invoice for NO VERI*FACTU",
    category=CATEGORY,
    summary="Chain and sign the invoice's record (RegistroAlta) and stamp its QR code.",
    icon=ICON,
    config_schema=NO_CONFIG,
    transactional=True,  # the chain row stays locked until the record and the OK commit
)
def generate_invoice(context: StepContext):
    prepared, problem = _prepare(context)
    if problem:
        return problem
    config, invoice, seal = prepared
    record = chain.append_alta(
        context.workspace,
        invoice,
        _header(config, context),
        mode=Mode.NOVERIFACTU,
        seal=seal,
        **_origin(context),
    )
    url = qr_url(
        config.noverifactu_qr_url,
        nif=invoice.issuer_nif,
        num_serie=invoice.num_serie,
        issue_date=invoice.issue_date,
        total=record.total,
    )
    return ok(
        message=f"record {record.position} of {invoice.issuer_nif}'s chain: {invoice.num_serie}",
        **_stamped(context, {QR_STAMP: url, HASH_STAMP: record.fingerprint}),
        meta={"noverifactu_qr": url, "noverifactu_huella": record.fingerprint},
        files=[_record_file(record)],
        args={"noverifactu_record": str(record.pk)},
    )


@provider(
    "gov-es.noverifactu.generate.cancel",
    name="Generate cancellation for NO VERI*FACTU",
    category=CATEGORY,
    summary="Chain and sign the cancellation record (RegistroAnulacion) of a recorded invoice.",
    icon=ICON,
    config_schema=NO_CONFIG,
    transactional=True,
)
def generate_cancel(context: StepContext):
    prepared, problem = _prepare(context)
    if problem:
        return problem
    config, invoice, seal = prepared
    recorded = Record.objects.filter(
        chain__workspace=context.workspace,
        chain__mode=Mode.NOVERIFACTU,
        chain__issuer_nif=invoice.issuer_nif,
        kind=Kind.ALTA,
        num_serie=invoice.num_serie,
        issue_date=invoice.issue_date,
    ).exists()
    if not recorded:
        return ko(f"{invoice.num_serie} has no NO VERI*FACTU record to cancel", "not-recorded")
    record = chain.append_anulacion(
        context.workspace,
        invoice.issuer_nif,
        invoice.num_serie,
        invoice.issue_date,
        _header(config, context),
        mode=Mode.NOVERIFACTU,
        seal=seal,
        **_origin(context),
    )
    return ok(
        message=f"cancellation {record.position} of {invoice.issuer_nif}'s chain",
        meta={"noverifactu_status": "cancelled"},
        files=[_record_file(record)],
        args={"noverifactu_record": str(record.pk)},
    )


@provider(
    "gov-es.noverifactu.generate.event",
    name="Generate event for NO VERI*FACTU",
    category=CATEGORY,
    summary="Chain and sign an event record (RegistroEvento) from a bill/status.",
    icon=ICON,
    config_schema=NO_CONFIG,
    transactional=True,
)
def generate_event(context: StepContext):
    if context.entry is None:
        return ko("there is no status to record", "no-document")
    doc = context.doc
    if doc.get("$schema") != STATUS_SCHEMA:
        return ko("only a status (bill/status) becomes an event record", "not-a-status")
    type = _event_type(doc)
    if type not in EVENT_TYPES:
        return ko(f"the status line's ext {EVENT_EXT} is not an event type", "no-event-type")
    nif = spanish_nif(doc.get("supplier"))
    if not Chain.objects.filter(
        workspace=context.workspace, issuer_nif=nif, mode=Mode.NOVERIFACTU
    ).exists():
        return ko(f"{nif or 'the supplier'} is not registered for NO VERI*FACTU", "not-registered")
    config, problem = _signing_config(context)
    if problem:
        return problem
    key, certificates = signature.credentials(config)
    issuer = (nif, (doc.get("supplier") or {}).get("name") or nif)
    event = chain.append_event(
        context.workspace,
        issuer,
        _header(config, context),
        type,
        lambda node: signature.sign(node, key, certificates),
        **_origin(context),
    )
    return ok(
        message=f"event {type} #{event.position} of {nif}",
        meta={"noverifactu_huella": event.fingerprint},
        files=[_event_file(event)],
        args={"noverifactu_event": str(event.pk)},
    )


@provider(
    "gov-es.noverifactu.record",
    name="Record for NO VERI*FACTU",
    category=CATEGORY,
    summary="Check the signed record (fingerprint, chain, signature) and keep it.",
    icon=ICON,
    config_schema=NO_CONFIG,
    transactional=True,
)
def record(context: StepContext):
    found = _generated(context)
    if found is None:
        return ko("there is no NO VERI*FACTU record: add a generate step first", "no-record")
    config = VerifactuConfig.objects.filter(workspace=context.workspace).first()
    try:
        key, certificates = signature.credentials(config)
        (check_event if isinstance(found, Event) else check_record)(found, certificates[0])
    except signature.SigningError as exc:
        return ko(str(exc), "no-certificate")
    except BrokenRecord as exc:
        return ko(f"the kept record does not hold: {exc}", "broken-record")
    if found.recorded_at is None:
        found.recorded_at = timezone.now()
        found.save(update_fields=["recorded_at"])
    return ok(
        message=f"{found} kept, fingerprint {found.fingerprint[:12]}…",
        meta={"noverifactu_status": _status_word(found)},
    )


def _generated(context: StepContext) -> Record | Event | None:
    """The record the generate step of this job made, or the entry's last one."""
    for name, model in (("noverifactu_event", Event), ("noverifactu_record", Record)):
        if context.args.get(name):
            return model.objects.filter(
                pk=context.args[name], chain__workspace=context.workspace
            ).first()
    if context.entry is None:
        return None
    for model in (Record, Event):
        found = (
            model.objects.filter(
                chain__workspace=context.workspace,
                chain__mode=Mode.NOVERIFACTU,
                silo_entry_id=context.entry.pk,
            )
            .order_by("-created_at")
            .first()
        )
        if found is not None:
            return found
    return None


def _status_word(found) -> str:
    if isinstance(found, Record) and found.kind == Kind.ANULACION:
        return "cancelled"
    return "recorded"


# --- Helpers


def _party_nif(context: StepContext):
    nif = spanish_nif(context.doc)
    if not nif:
        return "", ko("the party has no Spanish tax ID", "no-tax-id")
    if not valid_nif(nif):
        return "", ko(f"{nif} is not a valid NIF: its check character is wrong", "invalid-tax-id")
    return nif, None


def _signing_config(context: StepContext):
    config = VerifactuConfig.objects.filter(workspace=context.workspace).first()
    if config is None:
        return None, ko(
            "VERI*FACTU is not configured: add it, with the certificate that signs the "
            "records, in the workspace's Configuration",
            "not-configured",
        )
    try:
        signature.credentials(config)
    except signature.SigningError as exc:
        return None, ko(str(exc), "no-certificate")
    return config, None


def _prepare(context: StepContext):
    """(config, invoice, seal) for an invoice's record, or the KO that says what is missing."""
    if context.entry is None:
        return None, ko("there is no document to record", "no-document")
    fresh(context.entry)
    try:
        invoice = invoice_of(context.doc)
    except NotRecordable as exc:
        return None, ko(str(exc), "not-recordable")
    registered = Chain.objects.filter(
        workspace=context.workspace,
        issuer_nif=invoice.issuer_nif,
        mode=Mode.NOVERIFACTU,
        active=True,
    ).exists()
    if not registered:
        return None, ko(
            f"{invoice.issuer_nif} is not registered for NO VERI*FACTU: run the supplier "
            "registration workflow first",
            "not-registered",
        )
    config, problem = _signing_config(context)
    if problem:
        return None, problem
    key, certificates = signature.credentials(config)
    return (config, invoice, lambda node: signature.sign(node, key, certificates)), None


def _header(config: VerifactuConfig, context: StepContext) -> xml.Header:
    return xml.Header(
        config.issuer_nif, config.issuer_name, str(context.workspace.pk), only_verifactu=False
    )


def _event_type(doc: dict) -> str:
    for line in doc.get("lines") or []:
        found = (line.get("ext") or {}).get(EVENT_EXT)
        if found:
            return str(found)
    return ""


def _record_file(found: Record) -> NewFile:
    return NewFile(
        name=f"noverifactu-{found.kind}-{_safe(found.num_serie)}.xml",
        content=found.xml.encode("utf-8"),
        mime="application/xml",
        category="record",
        key=f"noverifactu-{found.kind}",
        desc=f"NO VERI*FACTU {found.get_kind_display()}, signed",
    )


def _event_file(event: Event) -> NewFile:
    return NewFile(
        name=f"noverifactu-evento-{event.type}-{event.position:06d}.xml",
        content=event.xml.encode("utf-8"),
        mime="application/xml",
        category="record",
        key="noverifactu-evento",
        desc=f"NO VERI*FACTU event {event.type}, signed",
    )
