"""The gov-dk.* actions of Invopop's Denmark app (dk__nemhandel-* templates): the supplier's
representative signs the authorisation agreement, the party becomes a NemHandel participant,
invoices are converted and delivered over NemHandel's eDelivery, and received documents are
imported.

NemHandel's eDelivery is the Peppol stack under Danish governance, so these actions use
providers/peppol's SMP client and AS4 messages against the NemHandel access point provider
at settings.NEMHANDEL_URL (the simulator under `make run`); its approvals API stands for the
agreement signing (NemLog-in/MitID at the real provider), and its callback wakes the waiting
step as Peppol's does. A participant is the party's `peppol` inbox (a GLN, 0088) or its CVR
number (DK:CVR, 0184).

What is sent: Peppol BIS Billing 3.0 UBL (providers/ubl), which NemHandel carries besides
OIOUBL 2.1; this console does not generate OIOUBL 2.1 itself.
"""

from django.conf import settings
from lxml import etree

from .. import outbound
from ..base import NewFile, Outcome, StepContext, ko, ok, queued, skip
from ..imports import run_import
from ..peppol import actions as peppol
from ..peppol import callbacks, smp
from ..peppol import identifiers as ids
from ..registry import provider
from ..ubl import built, checks, listed
from ..ubl.codes import DOC_TYPES
from ..ubl.document import Unsupported, to_ubl
from ..xml_input import parse_xml

ICON = "globe"
CATEGORY = "Notify"
NO_CONFIG = {"type": "object", "properties": {}}
FILE_KEY = "nemhandel"
NETWORK = "nemhandel"  # the prefix of a registered party's meta keys
DOC_TYPE = DOC_TYPES["bis-invoice-v3"]
API_TIMEOUT = (5, 20)
AGREEMENT_GIVE_UP = 14 * 24 * 3600.0  # a representative may take days to sign


# --- Registering


@provider(
    "gov-dk.sign",
    name="Sign NemHandel Agreement",
    category=CATEGORY,
    summary="Publish the authorisation agreement for the supplier's representative to sign; "
    "the party's meta gets the signing link.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=60,
)
def sign(context: StepContext):
    if not settings.NEMHANDEL_URL:
        return _not_configured()
    party = context.doc
    problem = _signer_problem(party)
    if problem:
        return ko(problem, "invalid-party")
    participant = ids.participant_of(party)
    request = {"participant": participant, "party": party}
    if context.entry is not None:
        request["callback"] = callbacks.url(context.entry.pk)
    try:
        answer = _api("POST", "approvals", json=request)
    except outbound.FAILURES as exc:
        return outbound.failure(exc, "the NemHandel access point")
    data = answer.json() or {}
    if answer.status == 422:
        problems = data.get("errors") or {}
        shown = "; ".join(f"/doc{k.removeprefix('/party')}: {v}" for k, v in problems.items())
        return ko(f"the agreement cannot be prepared: {shown}", "invalid-party")
    if answer.status != 201:
        return peppol._status_outcome(answer, "the NemHandel access point")
    meta = {
        "nemhandel_participant_id": participant,
        "nemhandel_agreement_id": data["id"],
        "nemhandel_agreement_link": data.get("link", ""),
        "nemhandel_agreement": "pending",
    }
    return ok(message=f"agreement ready to sign: {meta['nemhandel_agreement_link']}", meta=meta)


def _signer_problem(party: dict) -> str:
    tax_id = party.get("tax_id") or {}
    if tax_id.get("country") != "DK" or not tax_id.get("code"):
        return "/doc/tax_id: a Danish CVR number (country DK) is required"
    people = party.get("people") or []
    signer = people[0] if people and isinstance(people[0], dict) else {}
    if not (signer.get("name") or {}).get("given"):
        return "/doc/people/0/name: the agreement's signer needs a name"
    if not signer.get("role"):
        return "/doc/people/0/role: the agreement's signer needs a role in the company"
    return ""


@provider(
    "gov-dk.wait.approval",
    name="Wait for NemHandel Agreement",
    category=CATEGORY,
    summary="QUEUED until the representative signs the agreement (KO when declined); the "
    "provider's callback wakes it, else it polls.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=60,
    max_wait=AGREEMENT_GIVE_UP,
)
def wait_approval(context: StepContext):
    if not settings.NEMHANDEL_URL:
        return _not_configured()
    agreement = peppol._meta(context, "nemhandel_agreement_id")
    if not agreement:
        return ko("no agreement was published: add a gov-dk.sign step first", "no-agreement")
    try:
        answer = _api("GET", f"approvals/{agreement}")
    except outbound.FAILURES as exc:
        return outbound.failure(exc, "the NemHandel access point")
    if answer.status != 200:
        return peppol._status_outcome(answer, "the NemHandel access point")
    data = answer.json() or {}
    if data.get("status") == "approved":
        return ok(message="the agreement is signed", meta={"nemhandel_agreement": "signed"})
    if data.get("status") == "rejected":
        return ko(
            f"the agreement was declined: {data.get('reason') or 'no reason given'}", "rejected"
        )
    return queued(
        "waiting for the representative to sign the agreement",
        "pending",
        retry_in=peppol.approval_wait(context.waited),
        ref=f"{callbacks.PREFIX}{agreement}",
    )


@provider(
    "gov-dk.register",
    name="Register on NemHandel",
    category=CATEGORY,
    summary="Create the party's NemHandel participant (SMP) once its agreement is signed, "
    "routing its inbound documents to this workspace.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=120,
)
def register(context: StepContext):
    if not settings.NEMHANDEL_URL:
        return _not_configured()
    participant = peppol._meta(context, "nemhandel_participant_id") or ids.participant_of(
        context.doc
    )
    if participant is None:
        return ko("/doc/tax_id: the party has no CVR number or GLN inbox", "no-participant")
    if peppol._meta(context, "nemhandel_agreement") != "signed":
        return ko(
            f"{participant} has no signed agreement: run gov-dk.sign and "
            "gov-dk.wait.approval first",
            "not-signed",
        )
    if peppol._registered_elsewhere(context, participant, NETWORK):
        return ko(
            "this party is registered on NemHandel by a different entry of this workspace",
            "already-registered",
        )
    services = ids.DOC_GROUPS["ubl-invoice"]
    try:
        access_point = peppol._access_point(_api)
        smp.publish(
            participant,
            services,
            access_point["endpoint"],
            access_point["certificate"],
            sml=True,
            directory=False,
            **_smp(),
        )
    except smp.SMPError as exc:
        if exc.status == 409:
            return ko(
                "this party is registered on NemHandel by a different workspace",
                "already-registered",
            )
        return peppol._failure(exc, "the NemHandel SMP")
    except outbound.FAILURES as exc:
        return outbound.failure(exc, "the NemHandel SMP")
    meta = {"nemhandel_participant_id": participant, "nemhandel_status": "registered"}
    return ok(message=f"{participant} registered on NemHandel", meta=meta)


@provider(
    "gov-dk.unregister",
    name="Unregister from NemHandel",
    category=CATEGORY,
    summary="Release the party's NemHandel participant and its inbound routing.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=60,
)
def unregister(context: StepContext):
    if not settings.NEMHANDEL_URL:
        return _not_configured()
    participant = peppol._meta(context, "nemhandel_participant_id") or ids.participant_of(
        context.doc
    )
    if participant is None:
        return ko("/doc/tax_id: the party has no NemHandel participant", "no-participant")
    try:
        found = smp.withdraw(participant, **_smp())
    except smp.SMPError as exc:
        return peppol._failure(exc, "the NemHandel SMP")
    except outbound.FAILURES as exc:
        return outbound.failure(exc, "the NemHandel SMP")
    meta = {"nemhandel_status": "unregistered"}
    if not found:
        return ok("not-registered", f"{participant} was not registered", meta=meta)
    return ok(message=f"{participant} unregistered from NemHandel", meta=meta)


# --- Sending


@provider(
    "gov-dk.convert",
    name="Generate NemHandel document",
    category=CATEGORY,
    summary="Convert the invoice to the UBL NemHandel carries (Peppol BIS Billing 3.0), "
    "validate it and attach it.",
    icon="code",
    config_schema=NO_CONFIG,
    timeout=60,
)
def convert(context: StepContext):
    doc = context.doc
    if context.entry is None or not str(doc.get("$schema", "")).endswith("/bill/invoice"):
        return ko("there is no invoice to convert", "no-document")
    doc, problem = built(doc)
    if problem:
        return ko(problem, "invalid-document")
    routed = _with_endpoints(doc)
    if isinstance(routed, Outcome):
        return routed
    try:
        content = to_ubl(routed, DOC_TYPE)
    except Unsupported as exc:
        return ko(str(exc), exc.code)
    found = checks.problems(content, DOC_TYPE)
    if found:
        return ko(listed(found), "invalid-ubl")
    file = NewFile(
        f"nemhandel-{peppol._safe(context.ref)}.xml",
        content,
        "application/xml",
        "format",
        FILE_KEY,
        f"{DOC_TYPE.title}, for NemHandel",
    )
    return ok(message=f"{file.name}, {DOC_TYPE.title}", files=[file])


def _with_endpoints(doc: dict) -> dict | Outcome:
    """The invoice with both parties' NemHandel participants as their electronic addresses
    (a CVR number gives DK:CVR): what the document's EndpointIDs carry."""
    doc = {**doc}
    for role in ("supplier", "customer"):
        party = doc.get(role) or {}
        if ids.inbox_of(party) is not None:
            continue
        derived = ids.derived(party)
        if derived is None:
            return ko(
                f"/doc/{role}/tax_id: no CVR number or GLN inbox to route by", "no-participant"
            )
        doc[role] = {**party, "inboxes": [*(party.get("inboxes") or []), ids.inbox(derived)]}
    return doc


@provider(
    "gov-dk.send",
    name="Send to NemHandel",
    category=CATEGORY,
    summary="Deliver the generated document to the customer's NemHandel access point (AS4), "
    "done on its receipt; an invoice delivered before is skipped.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=180,
)
def send(context: StepContext):
    if not settings.NEMHANDEL_URL:
        return _not_configured()
    if peppol._meta(context, "nemhandel_status") == "delivered":
        return skip("Duplicated Invoice: delivered before", "duplicated")
    generated = _generated(context)
    if generated is None:
        return ko(
            "there is no NemHandel document to send: add a gov-dk.convert step first", "no-document"
        )
    content = generated
    doc = context.doc
    sender = ids.participant_of(doc.get("supplier"))
    receiver = ids.participant_of(doc.get("customer"))
    if receiver is None:
        return ko(
            "/doc/customer/tax_id: the customer has no CVR number or GLN inbox", "no-receiver"
        )
    if sender is None or not peppol._registered(context.workspace, sender, NETWORK):
        return ko(
            f"the supplier {sender} is not registered on NemHandel here: run the "
            "register workflow on it first",
            "sender-not-registered",
        )
    root = etree.QName(parse_xml(content))
    kind = ids.document_type_of(root.namespace, root.localname)
    if kind is None:
        return ko(f"the generated document is a {root.localname}, no UBL invoice", "no-document")
    document_type = kind.identifier(ids.BIS_BILLING)
    base = settings.NEMHANDEL_URL
    try:
        found = smp.capability(receiver, document_type, network=base)
        if found is None:
            return ko(f"{receiver}: receiver not found in NemHandel", "receiver-not-found")
        endpoint = smp.as4_endpoint(found, ids.BILLING_PROCESS)
        if endpoint is None:
            return ko(f"{receiver} has no AS4 endpoint", "no-endpoint")
        access_point = peppol._access_point(_api)
    except (*outbound.FAILURES, smp.SMPError) as exc:
        return peppol._failure(exc, "the NemHandel SMP")
    message = peppol.as4_message(
        context,
        kind,
        document_type,
        ids.BILLING_PROCESS,
        content,
        sender,
        receiver,
        endpoint,
        access_point["seat"],
    )
    outcome = peppol.deliver(endpoint.address, message)
    if outcome.status == "OK":
        outcome.meta = {"nemhandel_message_id": message.message_id, "nemhandel_status": "delivered"}
    return outcome


def _generated(context: StepContext) -> bytes | None:
    if context.entry is None:
        return None
    found = context.entry.files.filter(key=FILE_KEY).order_by("-created_at").first()
    if found is None:
        return None
    with found.file.open("rb") as stream:
        return stream.read()


# --- Receiving


@provider(
    "gov-dk.import",
    name="Load from NemHandel",
    category=CATEGORY,
    summary="Convert the document received through NemHandel (UBL) into the entry's GOBL "
    "invoice, keeping the original XML.",
    icon=ICON,
    config_schema=NO_CONFIG,
    timeout=60,
)
def import_document(context: StepContext):
    from ..ubl.parse import parse

    return run_import(context, parse, "UBL")


# --- Helpers


def _smp() -> dict:
    return {
        "network": settings.NEMHANDEL_URL,
        "auth": (settings.NEMHANDEL_SMP_USERNAME, settings.NEMHANDEL_SMP_PASSWORD),
    }


def _api(method: str, path: str, **options) -> outbound.Answer:
    url = f"{settings.NEMHANDEL_URL.rstrip('/')}/api/{path}"
    return outbound.request(method, url, timeout=API_TIMEOUT, **options)


def _not_configured() -> Outcome:
    return ko(
        "NemHandel is not configured: set NEMHANDEL_URL to your access point provider",
        "not-configured",
    )
