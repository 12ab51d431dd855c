"""The peppol.* actions of Invopop's Peppol app (peppol__register/send/receive/unregister
templates): look a participant up, register ours after a proof-of-ownership approval, send a
generated UBL or CII through AS4, and sort a received document for its import step.

The counterpart is the access point provider at settings.PEPPOL_URL (the simulator under
`make run`): its SMP (smp.py), its AS4 gateway (as4.py) and its API (approvals, our access
point's identity, the inbox). Every answer becomes OK, KO with the counterpart's code
(EBMS:0004, not-found…), ERR (unreachable, 5xx: retried) or QUEUED (an approval pending).
"""

from datetime import UTC, datetime

from django.conf import settings
from lxml import etree

from silo.models import SiloEntry

from .. import outbound
from ..base import NewFile, Outcome, StepContext, err, ko, ok, queued, skip
from ..imports import xml_file
from ..registry import provider
from ..xml_input import NotXML, parse_xml
from . import as4, callbacks, smp
from . import identifiers as ids

ICON = "globe"
CATEGORY = "Notify"
NO_CONFIG = {"type": "object", "properties": {}}
PARTY_CONFIG = {
    "type": "object",
    "properties": {
        "party": {
            "type": "string",
            "title": "Party",
            "enum": ["customer", "supplier"],
            "default": "customer",
            "description": "Whose participant to look up, on an invoice (a party document "
            "is its own).",
        }
    },
}
REGISTER_CONFIG = {
    "type": "object",
    "properties": {
        "disable": {
            "type": "boolean",
            "title": "Receiving disabled",
            "default": False,
            "description": "Publish the participant without document types: it sends, "
            "but receives nothing through Peppol.",
        },
        "doc_groups": {
            "type": "array",
            "title": "Document groups",
            "items": {"type": "string", "enum": list(ids.DOC_GROUPS)},
            "default": ["ubl-invoice"],
            "uniqueItems": True,
            "description": "What the participant receives: ubl-invoice (UBL invoices and "
            "credit notes), cii-invoice (CII invoices), france (the French reform's "
            "regulated billing, UBL or CII).",
        },
        "directory": {
            "type": "boolean",
            "title": "Peppol Directory",
            "default": True,
            "description": "List the participant in the Peppol Directory (as visibility "
            "smp+sml+peppol does).",
        },
        "visibility": {
            "type": "string",
            "title": "Visibility",
            "enum": list(ids.VISIBILITIES),
            "default": "smp+sml+peppol",
            "description": "smp: the SMP only (tests); smp+sml: found by senders; "
            "smp+sml+peppol: also listed in the Peppol Directory.",
        },
    },
}
APPROVAL_MIN_WAIT = 15.0  # seconds before the first poll of a pending approval
APPROVAL_MAX_WAIT = 3600.0  # polls back off to hourly; a poke asks at once
APPROVAL_GIVE_UP = 7 * 24 * 3600.0  # approvals take up to 72 hours: a week before TIMEOUT
MIGRATION_ARG = "peppol-migration-key"
API_TIMEOUT = (5, 20)
SEND_TIMEOUT = (5, 60)


class NotConfigured(Exception):
    pass


# --- Looking up


@provider(
    "peppol.lookup",
    name="Lookup Peppol participant",
    category=CATEGORY,
    summary="Ask the SMP whether the party is a Peppol participant, and for which documents.",
    icon=ICON,
    config_schema=PARTY_CONFIG,
    timeout=60,
)
def lookup(context: StepContext):
    if not settings.PEPPOL_URL:
        return _not_configured()
    party = _party(context.doc, context.config.get("party") or "customer")
    participant = ids.participant_of(party)
    if participant is None:
        return ko(
            "the party has no Peppol inbox and no tax ID to derive one from", "no-participant"
        )
    try:
        document_types = smp.service_group(participant)
    except (*outbound.FAILURES, smp.SMPError) as exc:
        return _failure(exc, "the SMP")
    if document_types is None:
        return ko(f"{participant}: receiver not found in the Peppol network", "not-found")
    return ok(
        message=f"{participant} receives {len(document_types)} document types",
        args={"peppol_participant": participant, "peppol_document_types": document_types},
    )


@provider(
    "peppol.has.inboxes",
    name="Verify document can be sent",
    category=CATEGORY,
    summary="Code true when both parties have Peppol inboxes and the receiver takes the "
    "generated document's type; false, saying why, when not.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=60,
)
def has_inboxes(context: StepContext):
    doc = context.doc
    missing = [p for p in ("supplier", "customer") if ids.inbox_of(doc.get(p)) is None]
    if missing:
        return ok("false", f"no Peppol inbox for the {' and the '.join(missing)}")
    if not settings.PEPPOL_URL:
        return _not_configured()
    receiver = ids.inbox_of(doc.get("customer"))
    try:
        document_types = smp.service_group(receiver)
    except (*outbound.FAILURES, smp.SMPError) as exc:
        return _failure(exc, "the SMP")
    if document_types is None:
        return ok("false", f"{receiver} is not registered in the Peppol network")
    generated = _generated(context)
    if generated is not None and generated[1] not in document_types:
        return ok(
            "false", f"{receiver} does not receive {generated[0].root} ({generated[0].syntax})"
        )
    return ok("true", f"{receiver} can receive the document")


# --- Registering our participant


@provider(
    "peppol.register.approval",
    name="Register party for Peppol approval",
    category=CATEGORY,
    summary="Ask for the proof-of-ownership approval of the party's participant; the entry's "
    "meta gets the link to the form.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=60,
)
def register_approval(context: StepContext):
    if not settings.PEPPOL_URL:
        return _not_configured()
    party = context.doc
    participant = ids.participant_of(party)
    if participant is None:
        return ko(
            "the party has no Peppol inbox and no tax ID to derive one from", "no-participant"
        )
    try:
        request = {"participant": participant, "party": party}
        if context.entry is not None:
            request["callback"] = callbacks.url(context.entry.pk)
        answer = _api("POST", "approvals", json=request)
    except outbound.FAILURES as exc:
        return outbound.failure(exc, "the Peppol access point")
    data = answer.json() or {}
    if answer.status == 422:
        problems = data.get("errors") or {}
        shown = "; ".join(f"/doc{k.removeprefix('/party')}: {v}" for k, v in problems.items())
        return ko(f"the party cannot be approved: {shown}", "invalid-party")
    if answer.status != 201:
        return _status_outcome(answer, "the Peppol access point")
    meta = {
        "peppol_participant_id": participant,
        "peppol_approval_id": data["id"],
        "peppol_approval_link": data.get("link", ""),
        "peppol_approval": data.get("status", "pending"),
    }
    return ok(
        message=f"approval of {participant} requested: {meta['peppol_approval_link']}", meta=meta
    )


@provider(
    "peppol.wait.approval",
    name="Wait for Peppol approval",
    category=CATEGORY,
    summary="QUEUED until the participant's proof of ownership is approved (KO when "
    "rejected); the provider's callback wakes it, else it polls.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=60,
    max_wait=APPROVAL_GIVE_UP,
)
def wait_approval(context: StepContext):
    if not settings.PEPPOL_URL:
        return _not_configured()
    approval_id = _meta(context, "peppol_approval_id")
    if not approval_id:
        return ko(
            "no approval was requested: add a peppol.register.approval step first", "no-approval"
        )
    try:
        answer = _api("GET", f"approvals/{approval_id}")
    except outbound.FAILURES as exc:
        return outbound.failure(exc, "the Peppol access point")
    if answer.status != 200:
        return _status_outcome(answer, "the Peppol access point")
    data = answer.json() or {}
    status = data.get("status")
    if status == "approved":
        return ok(message="the participant is approved", meta={"peppol_approval": "approved"})
    if status == "rejected":
        reason = data.get("reason") or "no reason given"
        return ko(f"the approval was rejected: {reason}", "rejected")
    # Not holding a worker: the step runs again after the wait, or at once when poked.
    return queued(
        "waiting for the participant's approval",
        "pending",
        retry_in=approval_wait(context.waited),
        ref=f"{callbacks.PREFIX}{approval_id}",
    )


def approval_wait(waited: float | None) -> float:
    """Seconds until the next poll: as long as waited so far (doubling), within bounds."""
    return min(APPROVAL_MAX_WAIT, max(APPROVAL_MIN_WAIT, waited or 0.0))


@provider(
    "peppol.register",
    name="Register party on Peppol",
    category=CATEGORY,
    summary="Publish the approved participant in the SMP (and SML, Directory) with the "
    "document types it receives.",
    icon=ICON,
    config_schema=REGISTER_CONFIG,
    timeout=120,
)
def register(context: StepContext):
    if not settings.PEPPOL_URL:
        return _not_configured()
    participant = _meta(context, "peppol_participant_id") or ids.participant_of(context.doc)
    if participant is None:
        return ko(
            "the party has no Peppol inbox and no tax ID to derive one from", "no-participant"
        )
    if _meta(context, "peppol_approval") != "approved":
        return ko(f"{participant} is not approved: run the approval steps first", "not-approved")
    if _registered_elsewhere(context, participant):
        return ko(f"{participant} is already registered", "already-registered")
    config = context.config
    groups = [] if config.get("disable") else config.get("doc_groups") or ["ubl-invoice"]
    services = [service for g in groups for service in ids.DOC_GROUPS[g]]
    visibility = config.get("visibility") or "smp+sml+peppol"
    directory = config.get("directory", "peppol" in visibility) and "sml" in visibility
    try:
        access_point = _access_point()
        smp.publish(
            participant,
            services,
            access_point["endpoint"],
            access_point["certificate"],
            sml="sml" in visibility,
            directory=directory,
            migration_key=str(context.args.get(MIGRATION_ARG) or ""),
        )
    except smp.SMPError as exc:
        return _smp_refusal(exc, participant)
    except outbound.FAILURES as exc:
        return outbound.failure(exc, "the SMP")
    meta = {
        "peppol_participant_id": participant,
        "peppol_status": "registered",
        "peppol_visibility": visibility,
        "peppol_doc_groups": ",".join(groups),
    }
    return ok(
        message=f"{participant} registered ({visibility})",
        meta=meta,
        **_with_inbox(context, participant),
    )


@provider(
    "peppol.unregister",
    name="Unregister party from Peppol",
    category=CATEGORY,
    summary="Withdraw the party's participant from the SMP and SML.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=60,
)
def unregister(context: StepContext):
    if not settings.PEPPOL_URL:
        return _not_configured()
    participant = _meta(context, "peppol_participant_id") or ids.participant_of(context.doc)
    if participant is None:
        return ko("the party has no Peppol participant", "no-participant")
    try:
        found = smp.withdraw(participant)
    except smp.SMPError as exc:
        return _smp_refusal(exc, participant)
    except outbound.FAILURES as exc:
        return outbound.failure(exc, "the SMP")
    meta = {"peppol_status": "unregistered"}
    if not found:
        return ok("not-registered", f"{participant} was not registered", meta=meta)
    return ok(message=f"{participant} unregistered", meta=meta)


# --- Sending


@provider(
    "peppol.send",
    name="Send Peppol document",
    category=CATEGORY,
    summary="Deliver the entry's generated UBL or CII to the customer's access point (AS4); "
    "skipped when the customer has no Peppol inbox.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=180,
)
def send(context: StepContext):
    if not settings.PEPPOL_URL:
        return _not_configured()
    doc = context.doc
    receiver = ids.inbox_of(doc.get("customer"))
    if receiver is None:
        return skip("the customer has no Peppol inbox", "no-receiver")
    sender = ids.inbox_of(doc.get("supplier"))
    if sender is None:
        return ko("the supplier has no Peppol inbox", "no-sender")
    if not _registered(context.workspace, sender):
        return ko(
            f"the supplier {sender} is not registered on Peppol here: run the register "
            "workflow on it first",
            "sender-not-registered",
        )
    generated = _generated(context)
    if generated is None:
        return ko(
            "there is no UBL or CII file to send: add a ubl.generate or cii.generate step first",
            "no-document",
        )
    (kind, document_type, content, process) = generated
    try:
        found = smp.capability(receiver, document_type)
        if found is None:
            if smp.service_group(receiver) is None:
                return ko(
                    f"{receiver}: receiver not found in the peppol network", "receiver-not-found"
                )
            return ko(
                f"{receiver} does not receive {kind.root} ({kind.syntax}) documents",
                "document-type-not-supported",
            )
        endpoint = smp.as4_endpoint(found, process)
        if endpoint is None:
            return ko(f"{receiver} has no AS4 endpoint for {process}", "no-endpoint")
        access_point = _access_point()
    except (*outbound.FAILURES, smp.SMPError) as exc:
        return _failure(exc, "the SMP")
    message = as4_message(
        context,
        kind,
        document_type,
        process,
        content,
        sender,
        receiver,
        endpoint,
        access_point["seat"],
    )
    return deliver(endpoint.address, message)


def deliver(address: str, message: as4.Message) -> Outcome:
    try:
        answer = outbound.request(
            "POST",
            address,
            data=message.body,
            timeout=SEND_TIMEOUT,
            headers={"Content-Type": message.content_type, "MIME-Version": "1.0"},
        )
    except outbound.FAILURES as exc:
        return outbound.failure(exc, "the receiver's access point")
    signal = as4.read_signal(answer.body)
    if signal is None:
        if answer.status >= 500 or answer.status in (408, 429):
            return err(
                f"the access point answered {answer.status}",
                f"http-{answer.status}",
                outbound.retry_in(answer),
            )
        return ko(
            f"the access point answered {answer.status} without an AS4 signal",
            f"http-{answer.status}",
        )
    evidence = NewFile(
        f"peppol-{_safe(message.message_id)}-signal.xml",
        answer.body,
        "application/xml",
        "response",
        "peppol-signal",
        "The access point's AS4 answer",
    )
    sent = NewFile(
        f"peppol-{_safe(message.message_id)}-sbdh.xml",
        message.sbdh,
        "application/xml",
        "request",
        "peppol-sbdh",
        "The document sent, in its SBDH",
    )
    failures = [e for e in signal.errors if e[2] == "failure"]
    if failures:
        code, short, _, detail = failures[0]
        outcome = ko(f"the access point refused the message: {code} {short}: {detail}", code)
        outcome.files = [sent, evidence]
        return outcome
    if not signal.receipt or signal.ref_to != message.message_id:
        return err("the access point's answer is no receipt of this message", "no-receipt")
    meta = {"peppol_message_id": message.message_id, "peppol_receipt_id": signal.message_id}
    return ok(
        message=f"delivered, receipt {signal.message_id}",
        meta=meta,
        files=[sent, evidence],
        args={"peppol_message_id": message.message_id},
    )


def as4_message(context, kind, document_type, process, content, sender, receiver, endpoint, seat):
    """The AS4 message; its id comes from the step's ref, the same on every retry, so that the
    receiving access point recognises a resent message (duplicate elimination)."""
    created = datetime.now(UTC)
    message_id = f"{context.ref}@{seat.lower()}.peppol"
    country = ((context.doc.get("supplier") or {}).get("tax_id") or {}).get("country") or "ZZ"
    wrapped = as4.sbdh(
        content,
        sender=sender,
        receiver=receiver,
        document_type=document_type,
        process=process,
        country=country,
        instance=context.ref,
        created=created,
    )
    return as4.user_message(
        message_id=message_id,
        from_party=seat,
        to_party=_common_name(endpoint.certificate) or seat,
        sender=sender,
        receiver=receiver,
        document_type=document_type,
        process=process,
        payload=wrapped,
        created=created,
    )


# --- Receiving


@provider(
    "peppol.import",
    name="Import Peppol document",
    category=CATEGORY,
    summary="Sort the document received through Peppol: code UBL or CII, for the import "
    "step that follows.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=30,
)
def import_document(context: StepContext):
    if context.entry is None:
        return ko("there is no silo entry with a received document", "no-entry")
    found = xml_file(context.entry)
    if found is None:
        return ko("the entry has no document received through Peppol", "no-document")
    with found.file.open("rb") as stream:
        try:
            root = parse_xml(stream.read())
        except NotXML as exc:
            return ko(f"{found.name} is {exc}", "invalid-xml")
    qname = etree.QName(root)
    kind = ids.document_type_of(qname.namespace, qname.localname)
    if kind is None:
        return ko(
            f"{found.name} is a {qname.localname}, not a UBL or CII invoice", "unsupported-document"
        )
    sender = (context.entry.meta or {}).get("peppol_sender", "")
    said = f" from {sender}" if sender else ""
    return ok(kind.syntax, f"{found.name}: {kind.syntax} {kind.root}{said}")


# --- Helpers


def _party(doc: dict, which: str) -> dict:
    """The party to look up: a party document is its own; an invoice's supplier or customer."""
    if str(doc.get("$schema", "")).endswith("/org/party"):
        return doc
    party = doc.get(which)
    return party if isinstance(party, dict) else {}


def _generated(context: StepContext):
    """(document type, its identifier, the XML, its process) of the entry's generated XML
    file, or None."""
    if context.entry is None:
        return None
    found = xml_file(context.entry)
    if found is None:
        return None
    with found.file.open("rb") as stream:
        content = stream.read()
    try:
        root = parse_xml(content)
    except NotXML:
        return None
    qname = etree.QName(root)
    kind = ids.document_type_of(qname.namespace, qname.localname)
    if kind is None:
        return None
    customization, process = _context_ids(root, kind)
    return (
        kind,
        kind.identifier(customization or ids.BIS_BILLING),
        content,
        process or ids.BILLING_PROCESS,
    )


def _context_ids(root, kind) -> tuple[str, str]:
    """The document's CustomizationID and ProfileID (BT-24, BT-23) in either syntax."""
    if kind.syntax == "UBL":
        return (root.findtext("{*}CustomizationID") or "").strip(), (
            root.findtext("{*}ProfileID") or ""
        ).strip()
    context = root.find("{*}ExchangedDocumentContext")
    if context is None:
        return "", ""
    guideline = context.findtext("{*}GuidelineSpecifiedDocumentContextParameter/{*}ID") or ""
    business = context.findtext("{*}BusinessProcessSpecifiedDocumentContextParameter/{*}ID") or ""
    return guideline.strip(), business.strip()


def _meta(context: StepContext, key: str) -> str:
    entry_meta = (context.entry.meta if context.entry is not None else None) or {}
    return str(context.args.get(key) or entry_meta.get(key) or "")


def _registered(workspace, participant: str, network: str = "peppol") -> bool:
    return _registrations(workspace, participant, network).exists()


def _registered_elsewhere(context: StepContext, participant: str, network: str = "peppol") -> bool:
    entries = _registrations(context.workspace, participant, network)
    if context.entry is not None:
        entries = entries.exclude(pk=context.entry.pk)
    return entries.exists()


def _registrations(workspace, participant: str, network: str):
    """The workspace's parties registered as `participant` on `network` (peppol, nemhandel:
    the prefix of their meta keys)."""
    return SiloEntry.objects.filter(
        workspace=workspace,
        **{f"meta__{network}_participant_id": participant, f"meta__{network}_status": "registered"},
    )


def _with_inbox(context: StepContext, participant: str) -> dict:
    """The party's new inbox, as Invopop adds it on registration: not into a signed envelope."""
    if context.entry is None or context.entry.signed or ids.inbox_of(context.doc) == participant:
        return {}
    inboxes = [*(context.doc.get("inboxes") or []), ids.inbox(participant)]
    return {"merge_patch": {"doc": {"inboxes": inboxes}}}


def _access_point(api=None) -> dict:
    """Our access point's seat, endpoint and certificate, from its provider (`api`: the
    network's API call, Peppol's by default)."""
    answer = (api or _api)("GET", "access-point")
    data = answer.json() if answer.status == 200 else None
    if not isinstance(data, dict) or not all(
        data.get(k) for k in ("seat", "endpoint", "certificate")
    ):
        raise smp.SMPError(
            f"the access point provider answered {answer.status} without its identity",
            answer.status,
        )
    return data


def _api(method: str, path: str, **options) -> outbound.Answer:
    url = f"{settings.PEPPOL_URL.rstrip('/')}/api/{path}"
    return outbound.request(method, url, timeout=API_TIMEOUT, **options)


def _failure(exc: Exception, who: str) -> Outcome:
    if isinstance(exc, smp.SMPError):
        if exc.status >= 500 or exc.status in (408, 429):
            return err(f"{who}: {exc}", f"http-{exc.status}")
        return ko(f"{who}: {exc}", f"http-{exc.status}" if exc.status else "invalid-answer")
    return outbound.failure(exc, who)


def _smp_refusal(exc: smp.SMPError, participant: str) -> Outcome:
    if exc.status == 409:
        return ko(
            f"{participant} is already registered with another provider: pass its "
            f"migration key as the `{MIGRATION_ARG}` arg",
            "already-registered",
        )
    if exc.status == 400 and "migration key" in str(exc):
        return ko("migration key is not valid", "invalid-migration-key")
    return _failure(exc, "the SMP")


def _status_outcome(answer: outbound.Answer, who: str) -> Outcome:
    if answer.status >= 500 or answer.status in (408, 429):
        return err(
            f"{who} answered {answer.status}", f"http-{answer.status}", outbound.retry_in(answer)
        )
    return ko(f"{who} answered {answer.status}", f"http-{answer.status}")


def _not_configured() -> Outcome:
    return ko(
        "Peppol is not configured: set PEPPOL_URL to your access point provider", "not-configured"
    )


def _common_name(certificate: str) -> str:
    """The CN of the receiving access point's certificate: its seat, the AS4 To party."""
    import base64

    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(certificate))
    except ValueError:
        return ""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:80]
