"""The SMP (Service Metadata Publisher) as Peppol's SMP 1.x specification has it: the REST
resources a sender reads to find a receiver, and the write side our own participants are
published through.

Reading, by anybody: `GET /{participant}` answers a ServiceGroup (the document types the
participant receives, as links); `GET /{participant}/services/{document type}` a
SignedServiceMetadata (for each process, the access point's endpoint, transport profile
and certificate), whose XML signature is checked (xmldsig.py). Writing, by the SMP's owner
(HTTP Basic): `PUT /{participant}` with a ServiceGroup, `PUT /{participant}/services/
{document type}` with a ServiceMetadata, `DELETE /{participant}`. Identifiers travel in
the path as `scheme::value`, percent-encoded.

Where the SMP is: in the network, the SML's DNS names each participant's SMP; here the
setting PEPPOL_URL names the access point provider's (`{PEPPOL_URL}/smp`), which is the
simulator under `make run` (the DNS lookup is not done: see the README's Peppol section).
"""

from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from lxml import etree

from .. import outbound
from ..xml_input import NotXML, parse_xml
from . import identifiers as ids
from . import xmldsig

SMP = "http://busdox.org/serviceMetadata/publishing/1.0/"
IDS = "http://busdox.org/transport/identifiers/1.0/"
WSA = "http://www.w3.org/2005/08/addressing"
NS = {"smp": SMP, "id": IDS, "wsa": WSA}
TIMEOUT = (5, 20)


class SMPError(Exception):
    """The SMP answered what we cannot use (a status, or XML of another shape)."""

    def __init__(self, message: str, status: int = 0):
        super().__init__(message)
        self.status = status


@dataclass
class Endpoint:
    transport: str
    address: str
    certificate: str  # base64 DER: the receiving access point's; its CN is the AS4 To party


@dataclass
class Capability:
    document_type: str  # the identifier's value (without its scheme)
    processes: dict[str, list[Endpoint]] = field(default_factory=dict)


def base_url(network: str = "") -> str:
    """The SMP of `network` (a provider's base URL; Peppol's, PEPPOL_URL, when blank): the
    same REST interface serves Denmark's NemHandel eDelivery (providers/nemhandel)."""
    return f"{(network or settings.PEPPOL_URL).rstrip('/')}/smp"


def participant_path(participant: str) -> str:
    return quote(ids.qualified(participant), safe="")


def service_path(participant: str, document_type: str) -> str:
    value = quote(f"{ids.DOCTYPE_SCHEME}::{document_type}", safe="")
    return f"{participant_path(participant)}/services/{value}"


# --- Reading


def service_group(participant: str, network: str = "") -> list[str] | None:
    """The document types `participant` receives, or None when the SMP does not know it."""
    answer = _get(f"{base_url(network)}/{participant_path(participant)}")
    if answer is None:
        return None
    root = _root(answer, "ServiceGroup")
    found = []
    for reference in root.iterfind("smp:ServiceMetadataReferenceCollection/*", NS):
        href = reference.get("href") or ""
        _, _, encoded = href.rpartition("/services/")
        value = _unquote(encoded)
        if value.startswith(f"{ids.DOCTYPE_SCHEME}::"):
            found.append(value.split("::", 1)[1])
    return found


def capability(participant: str, document_type: str, network: str = "") -> Capability | None:
    """The endpoints through which `participant` receives `document_type`, or None."""
    answer = _get(f"{base_url(network)}/{service_path(participant, document_type)}")
    if answer is None:
        return None
    root = _root(answer, "SignedServiceMetadata")
    try:
        xmldsig.verify(root)
    except xmldsig.BadSignature as exc:
        raise SMPError(f"the SMP's ServiceMetadata signature does not hold: {exc}") from None
    information = root.find("smp:ServiceMetadata/smp:ServiceInformation", NS)
    if information is None:
        raise SMPError("the SMP's ServiceMetadata has no ServiceInformation")
    found = Capability(information.findtext("id:DocumentIdentifier", "", NS).strip())
    for process in information.iterfind("smp:ProcessList/smp:Process", NS):
        key = process.findtext("id:ProcessIdentifier", "", NS).strip()
        found.processes[key] = [
            Endpoint(
                e.get("transportProfile", ""),
                e.findtext("wsa:EndpointReference/wsa:Address", "", NS).strip(),
                "".join(e.findtext("smp:Certificate", "", NS).split()),
            )
            for e in process.iterfind("smp:ServiceEndpointList/smp:Endpoint", NS)
        ]
    return found


def as4_endpoint(found: Capability, process: str) -> Endpoint | None:
    return next(
        (e for e in found.processes.get(process, []) if e.transport == ids.TRANSPORT_AS4), None
    )


def _get(url: str) -> bytes | None:
    answer = outbound.request("GET", url, timeout=TIMEOUT)
    if answer.status == 404:
        return None
    if answer.status != 200:
        raise SMPError(f"the SMP answered {answer.status}", answer.status)
    return answer.body


def _root(content: bytes, name: str):
    try:
        root = parse_xml(content)
    except NotXML as exc:
        raise SMPError(f"the SMP's answer is {exc}") from None
    if root.tag != f"{{{SMP}}}{name}":
        raise SMPError(f"the SMP answered {etree.QName(root).localname}, not {name}")
    return root


def _unquote(text: str) -> str:
    from urllib.parse import unquote

    return unquote(text)


# --- Writing: our own participants


def publish(
    participant: str,
    services: list[ids.Service],
    endpoint: str,
    certificate: str,
    *,
    sml: bool,
    directory: bool,
    migration_key: str = "",
    network: str = "",
    auth: tuple[str, str] | None = None,
) -> None:
    """Put the participant's ServiceGroup (in the SML too, and the Peppol Directory, when
    asked) and a ServiceMetadata per document type."""
    query = {"sml": str(sml).lower(), "directory": str(directory).lower()}
    if migration_key:
        query["migration-key"] = migration_key
    write = {"network": network, "auth": auth}
    group = service_group_xml(participant)
    _write("PUT", participant_path(participant), group, query, **write)
    for service in services:
        body = service_metadata_xml(participant, service, endpoint, certificate)
        _write("PUT", service_path(participant, service.identifier), body, **write)


def withdraw(participant: str, network: str = "", auth: tuple[str, str] | None = None) -> bool:
    """Delete the participant from the SMP (and the SML): whether it was there."""
    found = _write("DELETE", participant_path(participant), network=network, auth=auth)
    return found is not None


def _write(method, path, body=b"", query=None, network="", auth=None):
    """`auth`: the SMP's write credentials (Peppol's settings when None)."""
    answer = outbound.request(
        method,
        f"{base_url(network)}/{path}",
        data=body or None,
        params=query,
        headers={"Content-Type": "application/xml"} if body else {},
        auth=auth or (settings.PEPPOL_SMP_USERNAME, settings.PEPPOL_SMP_PASSWORD),
        timeout=TIMEOUT,
    )
    if method == "DELETE" and answer.status == 404:
        return None
    if answer.status not in (200, 201, 204):
        said = answer.text.strip()[:300]
        raise SMPError(f"the SMP answered {answer.status}: {said}", answer.status)
    return answer


def service_group_xml(participant: str) -> bytes:
    group = etree.Element(f"{{{SMP}}}ServiceGroup", nsmap={"smp": SMP, "id": IDS})
    _identifier(group, "ParticipantIdentifier", ids.PARTICIPANT_SCHEME, participant)
    etree.SubElement(group, f"{{{SMP}}}ServiceMetadataReferenceCollection")
    return etree.tostring(group, xml_declaration=True, encoding="UTF-8")


def service_metadata_xml(
    participant: str, service: ids.Service, address: str, certificate: str
) -> bytes:
    metadata = etree.Element(f"{{{SMP}}}ServiceMetadata", nsmap={"smp": SMP, "id": IDS, "wsa": WSA})
    information = etree.SubElement(metadata, f"{{{SMP}}}ServiceInformation")
    _identifier(information, "ParticipantIdentifier", ids.PARTICIPANT_SCHEME, participant)
    _identifier(information, "DocumentIdentifier", ids.DOCTYPE_SCHEME, service.identifier)
    process = etree.SubElement(
        etree.SubElement(information, f"{{{SMP}}}ProcessList"), f"{{{SMP}}}Process"
    )
    _identifier(process, "ProcessIdentifier", ids.PROCESS_SCHEME, service.process)
    endpoints = etree.SubElement(process, f"{{{SMP}}}ServiceEndpointList")
    endpoint = etree.SubElement(endpoints, f"{{{SMP}}}Endpoint", transportProfile=ids.TRANSPORT_AS4)
    reference = etree.SubElement(endpoint, f"{{{WSA}}}EndpointReference")
    etree.SubElement(reference, f"{{{WSA}}}Address").text = address
    etree.SubElement(endpoint, f"{{{SMP}}}RequireBusinessLevelSignature").text = "false"
    etree.SubElement(endpoint, f"{{{SMP}}}Certificate").text = certificate
    etree.SubElement(endpoint, f"{{{SMP}}}ServiceDescription").text = "Invopop console access point"
    etree.SubElement(endpoint, f"{{{SMP}}}TechnicalContactUrl").text = settings.SITE_URL
    return etree.tostring(metadata, xml_declaration=True, encoding="UTF-8")


def _identifier(parent, name: str, scheme: str, value: str) -> None:
    etree.SubElement(parent, f"{{{IDS}}}{name}", scheme=scheme).text = value
