"""What a NO VERI*FACTU issuer hands over when the AEAT asks (RD 1007/2023 art. 8, Orden
HAC/1177/2024): its invoice and event records as kept, in the AEAT's own schema.

One ZIP:
- registros-facturacion-NNNN.xml: RegFactuSistemaFacturacion documents (SuministroLR.xsd),
  the very submission VERI*FACTU sends, each with at most 1,000 RegistroFactura (the
  schema's limit) holding the signed RegistroAlta / RegistroAnulacion in chain order;
- registros-evento/NNNNNN.xml: each signed RegistroEvento (EventosSIF.xsd), which has no
  list of its own, in event chain order.

Exporting is itself an event the system must log: 08 for the invoice records, 09 for the
event records, each with the period, its first and last record and the counts. They chain
after what was exported, so the next export includes them.

The records go in as kept (parsed and appended, under a document that declares the same
namespaces they do), so each one taken out of the export still verifies.
"""

import io
import zipfile
from datetime import datetime

from lxml import etree

from . import chain, signature, xml
from .models import Chain, Kind
from .records import SPAIN, generated_now

BATCH = 1000  # RegistroFactura per RegFactuSistemaFacturacion (SuministroLR.xsd)
REQUIREMENT_MAX = 18  # RefRequerimiento (TextMax18Type)
INVOICE_EXPORT, EVENT_EXPORT = "08", "09"  # TipoEvento of an export


def export(
    found: Chain,
    config,
    since: datetime | None = None,
    until: datetime | None = None,
    requirement: str = "",
) -> bytes:
    """The ZIP, and the export recorded as the issuer's events 08 and 09 (the law asks a NO
    VERI*FACTU system to log what it exported); `config` (VerifactuConfig) signs those.
    `requirement` is the reference of the AEAT's request (RefRequerimiento), which the
    header then carries as a submission on requirement. Raises signature.SigningError."""
    key, certificates = signature.credentials(config)
    records = list(_between(found.records, since, until))
    events = list(_between(found.event_records, since, until))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, start in enumerate(range(0, len(records), BATCH), start=1):
            kept = [r.xml for r in records[start : start + BATCH]]
            document = invoice_records(found, kept, requirement)
            archive.writestr(f"registros-facturacion-{number:04d}.xml", document)
        for event in events:
            archive.writestr(f"registros-evento/{event.position:06d}.xml", event.xml.encode())
    _log(found, config, (key, certificates), _period(since, until), records, events)
    return buffer.getvalue()


def _between(queryset, since, until):
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    return queryset.order_by("position")


def _period(since, until) -> tuple[str, str]:
    """The export's period as the records' timestamps are written: Spanish time."""
    start = since.astimezone(SPAIN).isoformat(timespec="seconds") if since else ""
    return start, generated_now(until) if until else generated_now()


def _log(found: Chain, config, signing, period, records, events) -> None:
    header = xml.Header(
        config.issuer_nif, config.issuer_name, str(found.workspace_id), only_verifactu=False
    )
    issuer = (found.issuer_nif, found.issuer_name or found.issuer_nif)

    def seal(node):
        return signature.sign(node, *signing)

    altas = [r for r in records if r.kind == Kind.ALTA]
    if altas:
        first = period[0] or records[0].generated_at
        data = xml.exportacion_facturacion(
            (first, period[1]),
            chain.identity(found, altas[0]),
            chain.identity(found, altas[-1]),
            chain.sums(altas, len(records) - len(altas)),
        )
        chain.append_event(found.workspace, issuer, header, INVOICE_EXPORT, seal, data)
    if events:
        first = period[0] or events[0].generated_at
        data = xml.exportacion_eventos((first, period[1]), events[0], events[-1], len(events))
        chain.append_event(found.workspace, issuer, header, EVENT_EXPORT, seal, data)


def invoice_records(found: Chain, documents: list[str], requirement: str = "") -> bytes:
    header = xml.Header(found.issuer_nif, found.issuer_name or found.issuer_nif, "")
    root = None
    for document in documents:
        record = etree.fromstring(document.encode("utf-8"), parser=xml.safe_parser())
        if root is None:
            root = xml.submission(header, record)
            if requirement:
                cabecera = root.find(f"{{{xml.SUM}}}Cabecera")
                asked = etree.SubElement(cabecera, f"{{{xml.SUM1}}}RemisionRequerimiento")
                etree.SubElement(asked, f"{{{xml.SUM1}}}RefRequerimiento").text = requirement
        else:
            etree.SubElement(root, f"{{{xml.SUM}}}RegistroFactura").append(record)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def filename(found: Chain) -> str:
    return f"noverifactu-{found.issuer_nif}.zip"
