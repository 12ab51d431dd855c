"""Documents received through Peppol: the access point keeps what other access points send
to our participants in an inbox (`GET {PEPPOL_URL}/api/inbox`); each becomes a silo entry of
the workspace that registered the receiver, with the document (taken out of its SBDH) as
its `format` file, and then `document_received` starts that workspace's "on document
received" workflows, whose peppol.import step sorts it for ubl.import or cii.import.

Read by the workers every PEPPOL_INBOX_INTERVAL seconds (jobs/dispatcher.py) and by
`manage.py peppol_inbox`. A message is acknowledged (deleted at the access point) only once
its entry is committed; the entry's key, `peppol:<message id>`, keeps a message read twice
(an acknowledgement lost) from becoming two entries. A message for a participant that no
workspace has registered stays in the inbox.
"""

import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from lxml import etree

from silo.models import SiloEntry
from silo.services import attach_file

from .. import outbound
from ..signals import document_received
from ..xml_input import NotXML, parse_xml

log = logging.getLogger(__name__)
TIMEOUT = (5, 30)


@dataclass(frozen=True)
class Network:
    """A network whose access point keeps an inbox of this kind: Peppol's, and Denmark's
    NemHandel, which runs the same eDelivery stack (providers/nemhandel). `name` prefixes
    the entries' keys and meta (`peppol_participant_id`…) and the received files' names."""

    name: str
    title: str
    url_setting: str
    interval_setting: str

    @property
    def url(self) -> str:
        return getattr(settings, self.url_setting)


PEPPOL = Network("peppol", "Peppol", "PEPPOL_URL", "PEPPOL_INBOX_INTERVAL")
_last_read: dict[str, float] = {}


def collect_if_due(network: Network = PEPPOL) -> int:
    """collect() when the network's URL is set and its interval has passed since the last
    read."""
    interval = getattr(settings, network.interval_setting)
    if not network.url or time.monotonic() - _last_read.get(network.name, 0.0) < interval:
        return 0
    _last_read[network.name] = time.monotonic()
    try:
        return len(collect(network))
    except (*outbound.FAILURES, ValueError) as exc:
        log.warning("the %s inbox could not be read: %s", network.title, exc)
        return 0


def collect(network: Network = PEPPOL) -> list[SiloEntry]:
    """Turn the inbox's messages into silo entries: the entries made."""
    made = []
    for message in _api(network, "GET", "inbox").json() or []:
        owner = _owner(network, str(message.get("receiver", "")))
        if owner is None:
            continue
        key = f"{network.name}:{message['message_id']}"[:255]
        found = SiloEntry.objects.filter(workspace_id=owner.workspace_id, key=key).first()
        if found is None:
            answer = _api(network, "GET", f"inbox/{message['id']}")
            found = receive(owner, key, message, answer.body, network)
            if found is None:
                continue
            made.append(found)
        _api(network, "DELETE", f"inbox/{message['id']}")
    return made


def receive(
    owner: SiloEntry, key: str, message: dict, wrapped: bytes, network: Network = PEPPOL
) -> SiloEntry | None:
    """The entry of one received message (its SBDH `wrapped`), and the signal sent."""
    try:
        document = parse_xml(wrapped)[-1]
    except (NotXML, IndexError) as exc:
        log.warning("%s message %s is no SBDH document: %s", network.title, message.get("id"), exc)
        return None
    data = {
        "$schema": "https://gobl.org/draft-0/envelope",
        "head": {"uuid": str(uuid.uuid4())},
        "doc": {"$schema": "https://gobl.org/draft-0/bill/invoice"},
    }
    prefix = network.name
    meta = {
        f"{prefix}_message_id": message["message_id"],
        f"{prefix}_sender": message.get("sender", ""),
        f"{prefix}_receiver": message.get("receiver", ""),
        f"{prefix}_document_type": message.get("document_type", ""),
    }
    content = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    try:
        with transaction.atomic():
            entry = _entry(owner, key, data, meta, content, network)
    except IntegrityError:  # another worker's dispatcher made it meanwhile (the same key)
        return None
    transaction.on_commit(
        lambda: document_received.send(sender=SiloEntry, entry=entry, network=prefix)
    )
    return entry


def _entry(owner, key: str, data: dict, meta: dict, content: bytes, network: Network):
    entry = SiloEntry.create_with_version(owner.workspace, data, key=key, meta=meta)
    prefix = network.name
    attach_file(
        entry,
        name=f"{prefix}-{_safe(meta[f'{prefix}_message_id'])}.xml",
        content=content,
        mime="application/xml",
        category="format",
        key=prefix,
        desc=f"Received through {network.title} from {meta[f'{prefix}_sender']}",
    )
    return entry


def _owner(network: Network, participant: str) -> SiloEntry | None:
    """The party entry that registered `participant`, in its workspace."""
    registered = {
        f"meta__{network.name}_participant_id": participant,
        f"meta__{network.name}_status": "registered",
    }
    return SiloEntry.objects.filter(**registered).select_related("workspace").first()


def _api(network: Network, method: str, path: str) -> outbound.Answer:
    answer = outbound.request(method, f"{network.url.rstrip('/')}/api/{path}", timeout=TIMEOUT)
    if answer.status >= 400 and not (method == "DELETE" and answer.status == 404):
        raise ValueError(f"the access point answered {answer.status} to {method} {path}")
    return answer


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:80]
