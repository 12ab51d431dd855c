"""The VERI*FACTU actions: verifactu.generate, verifactu.send and verifactu.cancel, as in
Invopop's es__verifactu-*.json templates.

generate chains a RegistroAlta to the issuer's last record and stamps the envelope with the
QR code URL; send submits it to the AEAT and turns the answer into the step's status: the
AEAT's error code becomes the step's `code`, so a `next` block can match a rejection.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from .. import outbound
from ..base import NewFile, Outcome, Status, StepContext, err, ko, ok, queued, skip
from ..registry import provider
from ..sign import seal
from ..silo import fresh
from . import chain, client, xml
from .models import Record, Verdict, VerifactuConfig
from .records import NotRecordable, invoice_of, qr_url, spanish_nif

QR_STAMP = "verifactu-qr"  # providers/pdf prints it as the QR code, with "VERI*FACTU" below
HASH_STAMP = "verifactu-hash"
FILE_KEY = "verifactu"
# How long a submission holds the flow-control slot: longer than a request may take.
SENDING_LEASE = timedelta(seconds=client.TIMEOUT[0] + client.TIMEOUT[1] + 30)
RETRIED_STATUSES = {408, 425, 429}
ACCEPTED_DUPLICATE = {"Correcta", "Correcto", "AceptadaConErrores", "AceptadoConErrores"}
ICON = "landmark"
CATEGORY = "Tax agencies"
NO_CONFIG = {"type": "object", "properties": {}}


@provider(
    "verifactu.generate",
    name="Generate VERI*FACTU record",
    category=CATEGORY,
    summary="Chain the invoice's registration record (RegistroAlta) and stamp its QR code.",
    icon=ICON,
    config_schema=NO_CONFIG,
    # The chain row stays locked until the step's outcome is committed: the record, the QR
    # stamp and the OK go together, and a failed step leaves no gap in the chain.
    transactional=True,
)
def generate(context: StepContext):
    config, problem = _configured(context)
    if problem:
        return problem
    fresh(context.entry)
    try:
        invoice = invoice_of(context.doc)
    except NotRecordable as exc:
        return ko(str(exc), "not-recordable")
    record = chain.append_alta(
        context.workspace, invoice, _header(config, context), **_origin(context)
    )
    url = qr_url(
        config.qr_url,
        nif=invoice.issuer_nif,
        num_serie=invoice.num_serie,
        issue_date=invoice.issue_date,
        total=record.total,
    )
    stamps = {QR_STAMP: url, HASH_STAMP: record.fingerprint}
    return ok(
        message=f"record {record.position} of {invoice.issuer_nif}'s chain: {invoice.num_serie}",
        **_stamped(context, stamps),
        meta={"verifactu_qr": url, "verifactu_huella": record.fingerprint},
        files=[_request_file(record)],
    )


@provider(
    "verifactu.send",
    name="Send to VERI*FACTU",
    category=CATEGORY,
    summary="Submit the invoice's record to the AEAT; a rejection is a KO with its code.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=180,
)
def send(context: StepContext):
    config, problem = _configured(context)
    if problem:
        return problem
    record = chain.last_alta(context.workspace, context.entry.pk)
    if record is None:
        return ko("there is no VERI*FACTU record: add a verifactu.generate step first", "no-record")
    if record.verdict in (Verdict.ACCEPTED, Verdict.ACCEPTED_WITH_ERRORS):
        return skip(f"already accepted by the AEAT (CSV {record.csv})", "already-sent")
    return deliver(context, config, record)


@provider(
    "verifactu.cancel",
    name="Cancel in VERI*FACTU",
    category=CATEGORY,
    summary="Chain and submit the invoice's cancellation record (RegistroAnulacion).",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=180,
)
def cancel(context: StepContext):
    config, problem = _configured(context)
    if problem:
        return problem
    doc = context.doc
    issuer = spanish_nif(doc.get("supplier"))
    try:
        invoice = invoice_of(doc)
    except NotRecordable as exc:
        return ko(str(exc), "not-recordable")
    # Not transactional (the request to the AEAT is slow): the record is committed into the
    # chain at once, and a retry of this step finds it again instead of chaining another.
    record = chain.append_anulacion(
        context.workspace,
        issuer,
        invoice.num_serie,
        invoice.issue_date,
        _header(config, context),
        **_origin(context),
    )
    if record.verdict in (Verdict.ACCEPTED, Verdict.ACCEPTED_WITH_ERRORS):
        return skip(f"the cancellation was already accepted (CSV {record.csv})", "already-sent")
    outcome = deliver(context, config, record)
    if outcome.status == Status.OK:
        outcome.files.insert(0, _request_file(record))
        outcome.meta = {**(outcome.meta or {}), "verifactu_status": "cancelled"}
    return outcome


# --- Submitting


def deliver(context: StepContext, config: VerifactuConfig, record: Record) -> Outcome:
    """Submit the record and judge the answer, keeping the AEAT's flow control."""
    wait = _claim_turn(config)
    if wait and context.poke is None:
        return queued(
            f"the AEAT asks for {wait:.0f} s between submissions; a poke sends it now",
            "flow-control",
            retry_in=wait,
            ref=f"verifactu:{record.chain.issuer_nif}:{record.num_serie}",
        )
    try:
        delivery = client.post(config, record.xml.encode("utf-8"))
    except client.CertificateError as exc:
        _release_turn(config, None)
        return ko(str(exc), "certificate")
    except outbound.Refused as exc:  # the endpoint is on a network the console keeps closed
        _release_turn(config, None)
        return ko(str(exc), "address-refused")
    except client.FAILURES as exc:
        _release_turn(config, None)
        return err(f"the AEAT could not be reached: {type(exc).__name__}", "unreachable")
    answer = xml.parse_answer(delivery.body)
    _release_turn(config, answer.wait if answer else None)
    outcome = judge(delivery, answer, attempt=context.attempt)
    _keep_verdict(record, outcome, answer)
    if answer is not None:  # also a rejection's: the evidence its reader needs most
        outcome.files.append(_response_file(record, delivery.body))
    if outcome.status == Status.OK:
        outcome.meta = {**_meta(record), **(outcome.meta or {})}
    return outcome


def judge(delivery: client.Delivery, answer: xml.Answer | None, attempt: int = 1) -> Outcome:
    """The step's outcome for the AEAT's answer."""
    status = delivery.status
    if answer is None or (answer.fault and not answer.fault_code):
        if status >= 500 or status in RETRIED_STATUSES:
            return err(f"the AEAT answered {status}", f"http-{status}", delivery.retry_after)
        return ko(f"the AEAT answered {status} with no SOAP answer", f"http-{status}")
    if answer.fault:
        return ko(f"the AEAT refused the submission: {answer.fault}", answer.fault_code)
    line = answer.lines[0] if answer.lines else xml.Line(state=answer.state)
    said = f"[{line.code}] {line.message}" if line.code else ""
    if line.state == "Correcto":
        return ok(message=f"accepted by the AEAT, CSV {answer.csv}")
    if line.state == "AceptadoConErrores":
        return ok(
            code="accepted-with-errors",
            message=f"accepted by the AEAT with errors: {said}",
            meta={"verifactu_warnings": said},
        )
    if line.code == "3000" and attempt > 1 and line.duplicate_state in ACCEPTED_DUPLICATE:
        # Our earlier attempt reached the AEAT although its answer did not reach us.
        return ok(code="already-registered", message="the AEAT already had this record")
    return ko(f"rejected by the AEAT: {said or answer.state}", line.code or "rejected")


def _claim_turn(config: VerifactuConfig) -> float:
    """Take the workspace's turn to submit: 0, or the seconds the AEAT still asks to wait.

    A conditional update, not a lock: no transaction is held open during the request, and
    two jobs cannot both take the same turn."""
    now = timezone.now()
    taken = VerifactuConfig.objects.filter(
        Q(send_after__isnull=True) | Q(send_after__lte=now), pk=config.pk
    ).update(send_after=now + SENDING_LEASE)
    if taken:
        return 0.0
    send_after = VerifactuConfig.objects.values_list("send_after", flat=True).get(pk=config.pk)
    return max(1.0, (send_after - now).total_seconds()) if send_after else 0.0


def _release_turn(config: VerifactuConfig, wait: int | None) -> None:
    """TiempoEsperaEnvio: no submission before `wait` seconds from now (none: at once)."""
    send_after = timezone.now() + timedelta(seconds=wait or 0)
    VerifactuConfig.objects.filter(pk=config.pk).update(send_after=send_after)


def _keep_verdict(record: Record, outcome: Outcome, answer: xml.Answer | None) -> None:
    if answer is None or outcome.status not in (Status.OK, Status.KO):
        return
    if outcome.status == Status.KO:
        record.verdict = Verdict.REJECTED
    elif outcome.code == "accepted-with-errors":
        record.verdict = Verdict.ACCEPTED_WITH_ERRORS
    else:
        record.verdict = Verdict.ACCEPTED
    record.code = outcome.code if outcome.status == Status.KO else ""
    record.message = outcome.message
    record.csv = answer.csv or record.csv
    record.sent_at = timezone.now()
    record.save(update_fields=["verdict", "code", "message", "csv", "sent_at"])


def _meta(record: Record) -> dict:
    return {"verifactu_status": record.verdict, "verifactu_csv": record.csv}


# --- Helpers


def _configured(context: StepContext) -> tuple[VerifactuConfig | None, Outcome | None]:
    if context.entry is None:
        return None, ko("there is no document to record", "no-document")
    config = VerifactuConfig.objects.filter(workspace=context.workspace).first()
    if config is None:
        return None, ko(
            "VERI*FACTU is not configured: add it in the workspace's Configuration",
            "not-configured",
        )
    return config, None


def _header(config: VerifactuConfig, context: StepContext) -> xml.Header:
    return xml.Header(config.issuer_nif, config.issuer_name, str(context.workspace.pk))


def _origin(context: StepContext) -> dict:
    return {
        "silo_entry_id": context.entry.pk,
        "job_id": context.job.pk if context.job is not None else None,
    }


def _stamped(context: StepContext, stamps: dict) -> dict:
    """The outcome's change to the envelope: head.stamps with ours replaced.

    The head is what silo.close signs, so a signed envelope is sealed again with the stamps
    in it; GOBL too adds stamps to envelopes only once they are signed."""
    envelope = context.envelope
    head = dict(envelope.get("head") or {})
    kept = [s for s in head.get("stamps") or [] if s.get("prv") not in stamps]
    head["stamps"] = [*kept, *({"prv": prv, "val": val} for prv, val in stamps.items())]
    if context.entry.signed:
        return {"envelope": seal({**envelope, "head": head}, context.workspace), "sign": True}
    return {"merge_patch": {"head": {"stamps": head["stamps"]}}}


def _request_file(record: Record) -> NewFile:
    return NewFile(
        name=f"verifactu-{record.kind}-{_safe(record.num_serie)}.xml",
        content=record.xml.encode("utf-8"),
        mime="application/xml",
        category="request",
        key=f"{FILE_KEY}-{record.kind}",
        desc=f"VERI*FACTU {record.get_kind_display()}",
    )


def _response_file(record: Record, body: bytes) -> NewFile:
    return NewFile(
        name=f"verifactu-{record.kind}-{_safe(record.num_serie)}-response.xml",
        content=body,
        mime="application/xml",
        category="response",
        key=f"{FILE_KEY}-{record.kind}",
        desc="The AEAT's answer",
    )


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)
