"""The AS4 message of Peppol's AS4 profile (v2.0): an ebMS 3.0 SOAP 1.2 envelope and the
business document, wrapped in its SBDH and gzipped, as two parts of a multipart/related body.

    --boundary
    Content-Type: application/soap+xml        eb:Messaging/eb:UserMessage: who sends to whom
                                              (access points and end users), the document
                                              type (Action) and process (Service), and a
                                              PartInfo naming the payload by its Content-ID
    --boundary
    Content-Type: application/octet-stream    the SBDH + document, gzipped
    --boundary--

The access point answers with a SignalMessage: a Receipt (the payload's digest in
NonRepudiationInformation) or an Error (EBMS:xxxx, severity failure or warning).

Not done, and why: the profile also signs the header and payload (WS-Security, RSA-SHA256)
and encrypts the payload for the receiver's certificate (AES-128-GCM). peppol-py does both
by calling an xmlsec1 ≥ 1.3 binary (this system's has 1.2) and checks the receiver's
certificate against OpenPEPPOL's CA, which no simulator's certificate chains to; so the
message is built here with lxml and travels unsigned and unencrypted to the simulator.
"""

import base64
import gzip
import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import HTTP

from lxml import etree

from ..xml_input import NotXML, parse_xml

S12 = "http://www.w3.org/2003/05/soap-envelope"
EB = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"
EBBP = "http://docs.oasis-open.org/ebxml-bp/ebbp-signals-2.0"
DS = "http://www.w3.org/2000/09/xmldsig#"
SBDH = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
NS = {"S12": S12, "eb": EB, "ebbp": EBBP, "ds": DS, "sbdh": SBDH}
AP_PARTY_TYPE = "urn:fdc:peppol.eu:2017:identifiers:ap"
AGREEMENT = "urn:fdc:peppol.eu:2017:agreements:tia:ap_provider"
INITIATOR = EB + "initiator"
RESPONDER = EB + "responder"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


@dataclass
class Message:
    message_id: str
    body: bytes
    content_type: str
    sbdh: bytes  # the business document in its SBDH, before compression


@dataclass
class Signal:
    """An access point's answer: a receipt, or its errors."""

    ref_to: str = ""
    message_id: str = ""
    receipt: bool = False
    errors: list = None  # [(code, short description, severity, description and detail)]


def sbdh(
    document: bytes,
    *,
    sender: str,
    receiver: str,
    document_type: str,
    process: str,
    country: str,
    instance: str,
    created: datetime,
) -> bytes:
    """The document in its Standard Business Document Header, as Peppol's envelope
    specification asks (sender, receiver, DOCUMENTID, PROCESSID and COUNTRY_C1)."""
    root = parse_xml(document)
    E = etree.Element
    wrapper = E(f"{{{SBDH}}}StandardBusinessDocument", nsmap={None: SBDH})
    header = etree.SubElement(wrapper, f"{{{SBDH}}}StandardBusinessDocumentHeader")
    _text(header, "HeaderVersion", "1.0")
    for role, value in (("Sender", sender), ("Receiver", receiver)):
        party = etree.SubElement(header, f"{{{SBDH}}}{role}")
        _text(party, "Identifier", value, Authority="iso6523-actorid-upis")
    identification = etree.SubElement(header, f"{{{SBDH}}}DocumentIdentification")
    qname = etree.QName(root)
    _text(identification, "Standard", qname.namespace)
    _text(identification, "TypeVersion", document_type.rsplit("::", 1)[-1])
    _text(identification, "InstanceIdentifier", instance)
    _text(identification, "Type", qname.localname)
    _text(identification, "CreationDateAndTime", created.isoformat(timespec="seconds"))
    scope = etree.SubElement(header, f"{{{SBDH}}}BusinessScope")
    for kind, value, scheme in (
        ("DOCUMENTID", document_type, "busdox-docid-qns"),
        ("PROCESSID", process, "cenbii-procid-ubl"),
        ("COUNTRY_C1", country, ""),
    ):
        item = etree.SubElement(scope, f"{{{SBDH}}}Scope")
        _text(item, "Type", kind)
        _text(item, "InstanceIdentifier", value)
        if scheme:
            _text(item, "Identifier", scheme)
    wrapper.append(root)
    return etree.tostring(wrapper, xml_declaration=True, encoding="UTF-8")


def user_message(
    *,
    message_id: str,
    from_party: str,
    to_party: str,
    sender: str,
    receiver: str,
    document_type: str,
    process: str,
    payload: bytes,
    created: datetime,
) -> Message:
    """The AS4 message carrying `payload` (the SBDH document), gzipped, as its one part."""
    payload_id = f"{uuid.uuid5(uuid.NAMESPACE_URL, message_id)}@peppol.payload"
    soap_id = f"{uuid.uuid5(uuid.NAMESPACE_OID, message_id)}@peppol.soap"
    envelope = etree.Element(f"{{{S12}}}Envelope", nsmap={"S12": S12, "eb": EB})
    header = etree.SubElement(envelope, f"{{{S12}}}Header")
    messaging = etree.SubElement(header, f"{{{EB}}}Messaging", {f"{{{S12}}}mustUnderstand": "true"})
    message = etree.SubElement(messaging, f"{{{EB}}}UserMessage")
    info = etree.SubElement(message, f"{{{EB}}}MessageInfo")
    _eb(info, "Timestamp", created.astimezone(UTC).isoformat(timespec="milliseconds"))
    _eb(info, "MessageId", message_id)
    parties = etree.SubElement(message, f"{{{EB}}}PartyInfo")
    for side, party, role in (("From", from_party, INITIATOR), ("To", to_party, RESPONDER)):
        element = etree.SubElement(parties, f"{{{EB}}}{side}")
        _eb(element, "PartyId", party, type=AP_PARTY_TYPE)
        _eb(element, "Role", role)
    collaboration = etree.SubElement(message, f"{{{EB}}}CollaborationInfo")
    _eb(collaboration, "AgreementRef", AGREEMENT)
    _eb(collaboration, "Service", process, type="cenbii-procid-ubl")
    _eb(collaboration, "Action", f"busdox-docid-qns::{document_type}")
    _eb(collaboration, "ConversationId", message_id)
    properties = etree.SubElement(message, f"{{{EB}}}MessageProperties")
    _eb(properties, "Property", sender, name="originalSender", type="iso6523-actorid-upis")
    _eb(properties, "Property", receiver, name="finalRecipient", type="iso6523-actorid-upis")
    part = etree.SubElement(
        etree.SubElement(message, f"{{{EB}}}PayloadInfo"),
        f"{{{EB}}}PartInfo",
        href=f"cid:{payload_id}",
    )
    part_properties = etree.SubElement(part, f"{{{EB}}}PartProperties")
    _eb(part_properties, "Property", "application/xml", name="MimeType")
    _eb(part_properties, "Property", "application/gzip", name="CompressionType")
    etree.SubElement(envelope, f"{{{S12}}}Body")
    soap = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    boundary = f"----=_Part_{uuid.uuid5(uuid.NAMESPACE_DNS, message_id).hex}"
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            b"Content-Type: application/soap+xml; charset=UTF-8\r\n",
            b"Content-Transfer-Encoding: binary\r\n",
            f"Content-ID: <{soap_id}>\r\n\r\n".encode(),
            soap,
            f"\r\n--{boundary}\r\n".encode(),
            b"Content-Type: application/octet-stream\r\n",
            b"Content-Transfer-Encoding: binary\r\n",
            f"Content-ID: <{payload_id}>\r\n\r\n".encode(),
            gzip.compress(payload, mtime=0),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    content_type = (
        f'multipart/related; boundary="{boundary}"; type="application/soap+xml"; '
        f'start="<{soap_id}>"'
    )
    return Message(message_id, body, content_type, payload)


def parts(content_type: str, body: bytes) -> dict[str, tuple[str, bytes]]:
    """The parts of a multipart/related body by Content-ID: {id: (content type, bytes)}."""
    parsed = message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=HTTP
    )
    if not parsed.is_multipart():
        return {}
    found = {}
    for part in parsed.iter_parts():
        content_id = (part.get("Content-ID") or "").strip().strip("<>")
        found[content_id] = (part.get_content_type(), part.get_payload(decode=True) or b"")
    return found


def digest(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def read_signal(body: bytes) -> Signal | None:
    """The SignalMessage of an access point's SOAP answer, or None when it has none."""
    try:
        root = parse_xml(body)
    except NotXML:
        return None
    signal = root.find("S12:Header/eb:Messaging/eb:SignalMessage", NS)
    if signal is None:
        return None
    found = Signal(
        ref_to=signal.findtext("eb:MessageInfo/eb:RefToMessageId", "", NS).strip(),
        message_id=signal.findtext("eb:MessageInfo/eb:MessageId", "", NS).strip(),
        receipt=signal.find("eb:Receipt", NS) is not None,
        errors=[],
    )
    for error in signal.iterfind("eb:Error", NS):
        found.errors.append(
            (
                error.get("errorCode", ""),
                error.get("shortDescription", ""),
                error.get("severity", "failure"),
                _said(error),
            )
        )
    return found


def _said(error) -> str:
    description = (error.findtext("eb:Description", "", NS) or "").strip()
    detail = (error.findtext("eb:ErrorDetail", "", NS) or "").strip()
    return f"{description} ({detail})" if description and detail else description or detail


def _text(parent, tag: str, value: str, **attributes) -> None:
    etree.SubElement(parent, f"{{{SBDH}}}{tag}", attributes).text = value


def _eb(parent, tag: str, value: str, **attributes) -> None:
    etree.SubElement(parent, f"{{{EB}}}{tag}", attributes).text = value
