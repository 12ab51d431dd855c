"""The gov-fi.* actions of Invopop's Finland app (fi__finvoice-* templates): register a
Finnish party with the e-invoicing operator, send an invoice as Finvoice 3.0, and receive
what arrives in a registered party's inbox (a sync that starts one import job a document).

The counterpart is the operator at settings.FINVOICE_URL (the simulator under `make run`).
Its answers become OK, KO with the operator's code (receiver-not-einvoice, invalid-finvoice…),
ERR (unreachable, 5xx: retried; the Idempotency-Key, the step's ref, makes a resend return
the first answer instead of a second invoice) or QUEUED (an account whose services are not
yet in force).

"The Finland app is configured with a sync and an import workflow" is, here, that the
workspace has published workflows with a gov-fi.sync and a gov-fi.import step: registration
refuses (reception-not-configured) until it has, and subscribes the party to the sync.
"""

import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError

from silo.gobl import build_envelope
from silo.models import SiloEntry

from .. import outbound
from ..base import NewFile, OperationRefused, Outcome, StepContext, err, ko, ok, queued
from ..registry import provider
from ..ubl import listed
from ..xml_input import NotXML, parse_xml
from . import document
from .document import OVT_SCHEME, Addresses, Unconvertible

ICON = "globe"
CATEGORY = "Notify"
NO_CONFIG = {"type": "object", "properties": {}}
API_TIMEOUT = (5, 30)
ACTIVATION_MIN_WAIT = 10.0  # seconds before asking again whether the services are in force
ACTIVATION_MAX_WAIT = 3600.0
ACTIVATION_GIVE_UP = 3 * 24 * 3600.0
PLACEHOLDER = {"$schema": "https://gobl.org/draft-0/bill/invoice"}


# --- Registering a party


@provider(
    "gov-fi.register",
    name="Register party in Finland",
    category=CATEGORY,
    summary="Open the party's account with the e-invoicing operator and wait (QUEUED) until "
    "its services and its e-invoice address are in force; then poll its inbox.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=60,
    max_wait=ACTIVATION_GIVE_UP,
)
def register(context: StepContext):
    if not settings.FINVOICE_URL:
        return _not_configured()
    sync = context.find_workflows_using("gov-fi.sync")
    if not sync or not context.find_workflows_using("gov-fi.import"):
        return ko(
            "reception not configured: publish a workflow with a gov-fi.sync step and one "
            "with a gov-fi.import step first",
            "reception-not-configured",
        )
    party = context.doc
    tax_id = party.get("tax_id") or {}
    if tax_id.get("country") != "FI" or not tax_id.get("code"):
        return ko("/doc/tax_id: a Finnish Business ID (country FI) is required", "invalid-party")
    request = {"business_id": tax_id["code"], "name": party.get("name") or ""}
    try:
        answer = _api("POST", "companies", json=request)
    except outbound.FAILURES as exc:
        return outbound.failure(exc, "the operator")
    data = answer.json() or {}
    if answer.status == 422:
        return ko(f"the operator refused the party: {_fields(data)}", "invalid-party")
    if answer.status not in (200, 201):
        return _status_outcome(answer)
    if data.get("status") != "active":
        return queued(
            "waiting for the operator to put the account's services in force",
            "pending",
            retry_in=activation_wait(context.waited),
            ref=f"finvoice.company:{data.get('id')}",
        )
    return _registered(context, data, sync[0])


def activation_wait(waited: float | None) -> float:
    """Seconds until the next poll: as long as waited so far (doubling), within bounds."""
    return min(ACTIVATION_MAX_WAIT, max(ACTIVATION_MIN_WAIT, waited or 0.0))


def _registered(context: StepContext, company: dict, sync) -> Outcome:
    if context.entry is not None:
        try:
            context.subscribe_schedule(sync, settings.FINVOICE_SYNC_INTERVAL)
        except OperationRefused as exc:
            return ko(f"the inbox sync cannot be scheduled: {exc}", "invalid-interval")
    meta = {
        "finvoice_company_id": company["id"],
        "finvoice_address": company["address"],
        "finvoice_operator": company.get("operator", ""),
        "finvoice_status": "registered",
    }
    changes = {}
    inbox = {"key": "peppol", "scheme": OVT_SCHEME, "code": company["address"]}
    if context.entry is not None and not context.entry.signed and _ovt(context.doc) is None:
        changes["merge_patch"] = {"doc": {"inboxes": [*(context.doc.get("inboxes") or []), inbox]}}
    return ok(message=f"registered: e-invoice address {company['address']}", meta=meta, **changes)


# --- Sending


@provider(
    "gov-fi.send",
    name="Send invoice",
    category=CATEGORY,
    summary="Check the receiver is reachable as an e-invoice, convert the invoice to "
    "Finvoice 3.0 and submit it through the operator.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=120,
)
def send(context: StepContext):
    if not settings.FINVOICE_URL:
        return _not_configured()
    doc = context.doc
    sender = _ovt(doc.get("supplier"))
    if sender is None:
        return ko(
            f"/doc/supplier/inboxes: the supplier has no e-invoice address (scheme {OVT_SCHEME})",
            "supplier-address-missing",
        )
    transfers = ((doc.get("payment") or {}).get("instructions") or {}).get("credit_transfer")
    if not transfers or not transfers[0].get("iban"):
        return ko(
            "/doc/payment/instructions/credit_transfer: the invoice carries no payment "
            "bank account",
            "payment-account-missing",
        )
    receiver = _ovt(doc.get("customer"))
    if receiver is None:
        return ko(
            f"/doc/customer/inboxes: the customer has no e-invoice address (scheme {OVT_SCHEME})",
            "receiver-address-missing",
        )
    company = _company(context.workspace, sender)
    if company is None:
        return ko(
            f"the supplier {sender} is not registered here: run the register workflow on it first",
            "sender-not-registered",
        )
    try:
        reach = _api("GET", f"addresses/{receiver}")
    except outbound.FAILURES as exc:
        return outbound.failure(exc, "the operator")
    if reach.status != 200:
        return _status_outcome(reach)
    route = reach.json() or {}
    if route.get("channel") not in ("einvoice", "peppol"):
        return ko(
            f"{receiver} does not receive e-invoices: it would get {route.get('channel')}",
            "receiver-not-einvoice",
        )
    routing = Addresses(
        sender, receiver, company.get("finvoice_operator", ""), route.get("operator") or ""
    )
    try:
        xml = document.to_finvoice(doc, routing, context.ref, datetime.now(UTC))
    except Unconvertible as exc:
        return ko(f"/doc{exc.path}: {exc}", "invalid-invoice")
    return _submit(context, company["finvoice_company_id"], xml)


def _submit(context: StepContext, company: str, xml: bytes) -> Outcome:
    sent = NewFile(
        f"finvoice-{_safe(context.ref)}.xml",
        xml,
        "application/xml",
        "format",
        "finvoice",
        "Finvoice 3.0 sent to the operator",
    )
    headers = {
        "Content-Type": "application/xml",
        "X-Company-Id": company,
        "Idempotency-Key": context.ref,  # a resent invoice gets the first answer
    }
    try:
        answer = _api("POST", "invoices", data=xml, headers=headers)
    except outbound.FAILURES as exc:
        return outbound.failure(exc, "the operator")
    data = answer.json() or {}
    if answer.status in (200, 201) and data.get("status") == "accepted":
        meta = {
            "finvoice_invoice_id": data.get("id", ""),
            "finvoice_message_id": context.ref,
            "finvoice_channel": data.get("channel", ""),
        }
        return ok(
            message=f"accepted by the operator, delivered as {meta['finvoice_channel']}",
            meta=meta,
            files=[sent],
            args={"finvoice_message_id": context.ref},
        )
    if answer.status >= 500 or answer.status in (408, 429):
        return _status_outcome(answer)
    code = data.get("code") or f"http-{answer.status}"
    detail = data.get("message") or listed([str(e) for e in data.get("errors") or []])
    if code == "receiver-not-einvoice":
        detail = f"the receiver would get {data.get('channel')}"
    outcome = ko(f"the operator refused the invoice: {code}: {detail}", code)
    outcome.files = [sent]
    return outcome


# --- Receiving


@provider(
    "gov-fi.sync",
    name="Sync received invoices",
    category=CATEGORY,
    summary="Sweep the registered party's inbox at the operator and start one import job "
    "for each new document.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=120,
)
def sync(context: StepContext):
    if not settings.FINVOICE_URL:
        return _not_configured()
    company = _meta(context, "finvoice_company_id")
    if not company:
        return ko("the party is not registered: run the register workflow first", "not-registered")
    imports = context.find_workflows_using("gov-fi.import")
    if not imports:
        return ko(
            "reception not configured: publish a workflow with a gov-fi.import step",
            "reception-not-configured",
        )
    try:
        answer = _api("GET", f"companies/{company}/inbox")
    except outbound.FAILURES as exc:
        return outbound.failure(exc, "the operator")
    if answer.status != 200:
        return _status_outcome(answer)
    started = 0
    for received in answer.json() or []:
        key = f"finvoice:{received.get('sender')}:{received.get('message_id')}"[:255]
        entry = _received_entry(context.workspace, key, company, received)
        if entry.jobs.exists():
            continue  # imported (or importing) already: the operator keeps documents 3 months
        try:
            context.start_job(imports[0], entry=entry, args={}, key=key)
        except OperationRefused as exc:
            return ko(f"the import workflow cannot run: {exc}", "reception-not-configured")
        started += 1
    return ok(message=f"{started} new documents", args={"finvoice_imported": started})


def _received_entry(workspace, key: str, company: str, received: dict) -> SiloEntry:
    """The entry of one received document, keyed by its sender and message id, so that the
    operator delivering it twice makes no second entry."""
    found = SiloEntry.objects.filter(workspace=workspace, key=key).first()
    if found is not None:
        return found
    data = {
        "$schema": "https://gobl.org/draft-0/envelope",
        "head": {"uuid": str(uuid.uuid4())},
        "doc": dict(PLACEHOLDER),
    }
    meta = {
        "finvoice_company_id": company,
        "finvoice_document_id": received.get("id", ""),
        "finvoice_message_id": received.get("message_id", ""),
        "finvoice_sender": received.get("sender", ""),
    }
    try:
        return SiloEntry.create_with_version(workspace, data, key=key, meta=meta)
    except IntegrityError:  # another sync of the same party made it meanwhile (the same key)
        return SiloEntry.objects.get(workspace=workspace, key=key)


@provider(
    "gov-fi.import",
    name="Import received invoice",
    category=CATEGORY,
    summary="Download one received Finvoice document from the operator and convert it into "
    "a GOBL invoice, keeping the original XML.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=60,
)
def import_document(context: StepContext):
    if not settings.FINVOICE_URL:
        return _not_configured()
    company = _meta(context, "finvoice_company_id")
    document_id = _meta(context, "finvoice_document_id")
    if context.entry is None or not (company and document_id):
        return ko(
            "the entry is no document received through the operator (gov-fi.sync makes them)",
            "no-document",
        )
    try:
        answer = _api("GET", f"companies/{company}/inbox/{document_id}")
    except outbound.FAILURES as exc:
        return outbound.failure(exc, "the operator")
    if answer.status != 200:
        return _status_outcome(answer)
    original = NewFile(
        f"finvoice-{_safe(document_id)}.xml",
        answer.body,
        "application/xml",
        "format",
        "finvoice",
        f"Finvoice received from {_meta(context, 'finvoice_sender')}",
    )
    outcome = _imported(context, answer.body)
    outcome.files = [original]
    return outcome


def _imported(context: StepContext, content: bytes) -> Outcome:
    try:
        root = parse_xml(content)
    except NotXML as exc:
        return ko(f"the document is {exc}", "invalid-xml")
    problems = document.problems(root)
    if problems:
        return ko(f"the document is no valid Finvoice 3.0: {listed(problems)}", "invalid-finvoice")
    head = (context.envelope.get("head") or {}).get("uuid")
    envelope, build_problems = build_envelope(
        {"$schema": "https://gobl.org/draft-0/envelope", "doc": document.to_gobl(root)},
        head_uuid=head,
    )
    if build_problems:
        shown = listed([f"/doc{p.path or ''}: {p.message}" for p in build_problems])
        return ko(f"the Finvoice as GOBL: {shown}", "invalid-document")
    code = root.findtext("InvoiceDetails/InvoiceNumber")
    return ok(message=f"invoice {code} imported from Finvoice", envelope=envelope)


# --- Helpers


def _ovt(party) -> str | None:
    """The party's Finnish e-invoice address: its inbox under scheme 0216."""
    for inbox in (party or {}).get("inboxes") or []:
        if inbox.get("scheme") == OVT_SCHEME and inbox.get("code"):
            return str(inbox["code"])
    return None


def _company(workspace, address: str) -> dict | None:
    """The meta of the workspace's party registered with `address`: its operator account."""
    found = SiloEntry.objects.filter(
        workspace=workspace, meta__finvoice_address=address, meta__finvoice_status="registered"
    ).first()
    return found.meta if found is not None else None


def _meta(context: StepContext, key: str) -> str:
    entry_meta = (context.entry.meta if context.entry is not None else None) or {}
    return str(context.args.get(key) or entry_meta.get(key) or "")


def _fields(data: dict) -> str:
    """The operator's field errors as the party document's JSON pointers."""
    names = {"/business_id": "/doc/tax_id/code", "/name": "/doc/name"}
    errors = data.get("errors") or {}
    return "; ".join(f"{names.get(k, '/doc' + k)}: {v}" for k, v in errors.items()) or str(data)


def _api(method: str, path: str, **options) -> outbound.Answer:
    url = f"{settings.FINVOICE_URL.rstrip('/')}/api/{path}"
    return outbound.request(method, url, timeout=API_TIMEOUT, **options)


def _status_outcome(answer: outbound.Answer) -> Outcome:
    if answer.status >= 500 or answer.status in (408, 429):
        return err(
            f"the operator answered {answer.status}",
            f"http-{answer.status}",
            outbound.retry_in(answer),
        )
    code = (answer.json() or {}).get("code") if answer.body else ""
    return ko(f"the operator answered {answer.status}", code or f"http-{answer.status}")


def _not_configured() -> Outcome:
    return ko("Finvoice is not configured: set FINVOICE_URL to your operator", "not-configured")


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:80]
