"""What a NO VERI*FACTU issuer hands over when the AEAT asks (RD 1007/2023 art. 8, Orden
HAC/1177/2024): its invoice and event records as kept, in the AEAT's own schema.

One ZIP:
- registros-facturacion-NNNN.xml: RegFactuSistemaFacturacion documents (SuministroLR.xsd),
  the very submission VERI*FACTU sends, each with at most 1,000 RegistroFactura (the
  schema's limit) holding the signed RegistroAlta / RegistroAnulacion in chain order;
- registros-evento/NNNNNN.xml: each signed RegistroEvento (EventosSIF.xsd), which has no
  list of its own, in event chain order.

The records go in as kept (parsed and appended, under a document that declares the same
namespaces they do), so each one taken out of the export still verifies.
"""

import io
import zipfile
from datetime import datetime

from lxml import etree

from . import xml
from .models import Chain

BATCH = 1000  # RegistroFactura per RegFactuSistemaFacturacion (SuministroLR.xsd)


REQUIREMENT_MAX = 18  # RefRequerimiento (TextMax18Type)


def export(
    found: Chain,
    since: datetime | None = None,
    until: datetime | None = None,
    requirement: str = "",
) -> bytes:
    """The ZIP; `requirement` is the reference of the AEAT's request (RefRequerimiento),
    which the header then carries as a submission on requirement."""
    records = found.records.order_by("position")
    events = found.event_records.order_by("position")
    if since is not None:
        records = records.filter(created_at__gte=since)
        events = events.filter(created_at__gte=since)
    if until is not None:
        records = records.filter(created_at__lt=until)
        events = events.filter(created_at__lt=until)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        kept = list(records.values_list("xml", flat=True))
        for number, start in enumerate(range(0, len(kept), BATCH), start=1):
            document = invoice_records(found, kept[start : start + BATCH], requirement)
            archive.writestr(f"registros-facturacion-{number:04d}.xml", document)
        for position, document in events.values_list("position", "xml"):
            archive.writestr(f"registros-evento/{position:06d}.xml", document.encode("utf-8"))
    return buffer.getvalue()


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
    if root is None:
        return b""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def filename(found: Chain) -> str:
    return f"noverifactu-{found.issuer_nif}.zip"
