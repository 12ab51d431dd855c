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
_last_read = {"at": 0.0}


def collect_if_due() -> int:
    """collect() when PEPPOL_URL is set and the interval has passed since the last read."""
    if (
        not settings.PEPPOL_URL
        or time.monotonic() - _last_read["at"] < settings.PEPPOL_INBOX_INTERVAL
    ):
        return 0
    _last_read["at"] = time.monotonic()
    try:
        return len(collect())
    except (*outbound.FAILURES, ValueError) as exc:
        log.warning("the Peppol inbox could not be read: %s", exc)
        return 0


def collect() -> list[SiloEntry]:
    """Turn the inbox's messages into silo entries: the entries made."""
    made = []
    for message in _api("GET", "inbox").json() or []:
        owner = _owner(str(message.get("receiver", "")))
        if owner is None:
            continue
        key = f"peppol:{message['message_id']}"[:255]
        found = SiloEntry.objects.filter(workspace_id=owner.workspace_id, key=key).first()
        if found is None:
            answer = _api("GET", f"inbox/{message['id']}")
            found = receive(owner, key, message, answer.body)
            if found is None:
                continue
            made.append(found)
        _api("DELETE", f"inbox/{message['id']}")
    return made


def receive(owner: SiloEntry, key: str, message: dict, wrapped: bytes) -> SiloEntry | None:
    """The entry of one received message (its SBDH `wrapped`), and the signal sent."""
    try:
        document = parse_xml(wrapped)[-1]
    except (NotXML, IndexError) as exc:
        log.warning("Peppol message %s is not an SBDH document: %s", message.get("id"), exc)
        return None
    data = {
        "$schema": "https://gobl.org/draft-0/envelope",
        "head": {"uuid": str(uuid.uuid4())},
        "doc": {"$schema": "https://gobl.org/draft-0/bill/invoice"},
    }
    meta = {
        "peppol_message_id": message["message_id"],
        "peppol_sender": message.get("sender", ""),
        "peppol_receiver": message.get("receiver", ""),
        "peppol_document_type": message.get("document_type", ""),
    }
    content = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    try:
        with transaction.atomic():
            entry = _entry(owner, key, data, meta, content)
    except IntegrityError:  # another worker's dispatcher made it meanwhile (the same key)
        return None
    transaction.on_commit(
        lambda: document_received.send(sender=SiloEntry, entry=entry, network="peppol")
    )
    return entry


def _entry(owner: SiloEntry, key: str, data: dict, meta: dict, content: bytes) -> SiloEntry:
    entry = SiloEntry.create_with_version(owner.workspace, data, key=key, meta=meta)
    attach_file(
        entry,
        name=f"peppol-{_safe(meta['peppol_message_id'])}.xml",
        content=content,
        mime="application/xml",
        category="format",
        key="peppol",
        desc=f"Received through Peppol from {meta['peppol_sender']}",
    )
    return entry


def _owner(participant: str) -> SiloEntry | None:
    """The party entry that registered `participant`, in its workspace."""
    return (
        SiloEntry.objects.filter(
            meta__peppol_participant_id=participant, meta__peppol_status="registered"
        )
        .select_related("workspace")
        .first()
    )


def _api(method: str, path: str) -> outbound.Answer:
    answer = outbound.request(
        method, f"{settings.PEPPOL_URL.rstrip('/')}/api/{path}", timeout=TIMEOUT
    )
    if answer.status >= 400 and not (method == "DELETE" and answer.status == 404):
        raise ValueError(f"the access point answered {answer.status} to {method} {path}")
    return answer


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:80]
