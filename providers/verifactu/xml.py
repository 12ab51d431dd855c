"""The AEAT's XML: the submission (RegFactuSistemaFacturacion, SuministroLR.xsd), its SOAP
envelope, and the answer (RespuestaRegFactuSistemaFacturacion, RespuestaSuministro.xsd).

Elements are written in the order of the XSD's sequences: the AEAT's parser rejects a
document with fields out of order (error 4102) as it rejects one with fields missing.
"""

import re
from dataclasses import dataclass, field

from lxml import etree

from .records import Invoice, amount

BASE = "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/es/aeat/tike/cont/ws/"
SUM = BASE + "SuministroLR.xsd"  # prefix sum: the submission and its header
SUM1 = BASE + "SuministroInformacion.xsd"  # prefix sum1: the records' fields
RESPONSE = BASE + "RespuestaSuministro.xsd"  # prefix tikR: the answer
EVENTS = BASE + "EventosSIF.xsd"  # prefix sf: NO VERI*FACTU's event records
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NSMAP = {"sum": SUM, "sum1": SUM1}
VERSION = "1.0"  # IDVersion

# The SistemaInformatico block: this console, installed once per workspace.
SOFTWARE_NAME = "Invopop Console"
SOFTWARE_ID = "IC"
SOFTWARE_VERSION = "0.1.0"


def _add(parent, name: str, text=None, ns: str = SUM1):
    node = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        node.text = str(text)
    return node


# --- The submission


@dataclass
class Previous:
    """The record a new one chains to (RegistroAnterior); None for the first of a chain."""

    issuer: str
    num_serie: str
    issue_date: str
    fingerprint: str


@dataclass
class Header:
    """Cabecera/ObligadoEmision, and the SistemaInformatico that made the record."""

    nif: str
    name: str
    installation: str  # NumeroInstalacion
    # TipoUsoPosibleSoloVerifactu: "N" for a record made in NO VERI*FACTU mode, whose
    # system is by then evidently not one that can only work as VERI*FACTU.
    only_verifactu: bool = True


def submission(header: Header, record) -> etree._Element:
    root = etree.Element(f"{{{SUM}}}RegFactuSistemaFacturacion", nsmap=NSMAP)
    cabecera = _add(root, "Cabecera", ns=SUM)
    obligado = _add(cabecera, "ObligadoEmision")
    _add(obligado, "NombreRazon", header.name)
    _add(obligado, "NIF", header.nif)
    _add(root, "RegistroFactura", ns=SUM).append(record)
    return root


def registro_alta(
    invoice: Invoice,
    header: Header,
    previous: Previous | None,
    generated_at,
    fingerprint,
    correction: bool = False,
):
    alta = etree.Element(f"{{{SUM1}}}RegistroAlta", nsmap=NSMAP)
    _add(alta, "IDVersion", VERSION)
    id_factura = _add(alta, "IDFactura")
    _add(id_factura, "IDEmisorFactura", invoice.issuer_nif)
    _add(id_factura, "NumSerieFactura", invoice.num_serie)
    _add(id_factura, "FechaExpedicionFactura", invoice.issue_date)
    _add(alta, "NombreRazonEmisor", invoice.issuer_name)
    if correction:  # Subsanacion: the same invoice's record again, its data corrected
        _add(alta, "Subsanacion", "S")
    _add(alta, "TipoFactura", invoice.type)
    if invoice.corrective:
        _add(alta, "TipoRectificativa", invoice.corrective)
    if invoice.corrected:
        _corrected(alta, invoice)
    if invoice.operation_date:
        _add(alta, "FechaOperacion", invoice.operation_date)
    _add(alta, "DescripcionOperacion", invoice.description)
    if invoice.recipient:
        _recipient(_add(_add(alta, "Destinatarios"), "IDDestinatario"), invoice.recipient)
    desglose = _add(alta, "Desglose")
    for line in invoice.lines:
        _tax_line(_add(desglose, "DetalleDesglose"), line)
    _add(alta, "CuotaTotal", invoice.tax_total)
    _add(alta, "ImporteTotal", invoice.total)
    _chain(alta, previous)
    _software(alta, header)
    _add(alta, "FechaHoraHusoGenRegistro", generated_at)
    _add(alta, "TipoHuella", "01")  # SHA-256
    _add(alta, "Huella", fingerprint)
    return alta


def registro_anulacion(
    issuer: str,
    num_serie: str,
    issue_date: str,
    header: Header,
    previous,
    generated_at,
    fingerprint,
):
    anulacion = etree.Element(f"{{{SUM1}}}RegistroAnulacion", nsmap=NSMAP)
    _add(anulacion, "IDVersion", VERSION)
    id_factura = _add(anulacion, "IDFactura")
    _add(id_factura, "IDEmisorFacturaAnulada", issuer)
    _add(id_factura, "NumSerieFacturaAnulada", num_serie)
    _add(id_factura, "FechaExpedicionFacturaAnulada", issue_date)
    _chain(anulacion, previous)
    _software(anulacion, header)
    _add(anulacion, "FechaHoraHusoGenRegistro", generated_at)
    _add(anulacion, "TipoHuella", "01")
    _add(anulacion, "Huella", fingerprint)
    return anulacion


# What a record says about its invoice, without what changes each time one is made.
NOT_CONTENT = {
    "Subsanacion",
    "Encadenamiento",
    "SistemaInformatico",
    "FechaHoraHusoGenRegistro",
    "Huella",
    "Signature",
}


def content_of(record) -> bytes:
    """The record's invoice data, canonical: equal for two records of the same invoice data."""
    copy = etree.fromstring(etree.tostring(record))
    for child in list(copy):
        if etree.QName(child).localname in NOT_CONTENT:
            copy.remove(child)
    return etree.tostring(copy, method="c14n")


def _corrected(alta, invoice: Invoice) -> None:
    block = _add(alta, "FacturasRectificadas")
    for found in invoice.corrected:
        node = _add(block, "IDFacturaRectificada")
        _add(node, "IDEmisorFactura", invoice.issuer_nif)
        _add(node, "NumSerieFactura", found["num_serie"])
        _add(node, "FechaExpedicionFactura", found["issue_date"])


def _recipient(node, recipient: dict) -> None:
    _add(node, "NombreRazon", recipient["name"][:120])
    if "nif" in recipient:
        _add(node, "NIF", recipient["nif"])
        return
    other = _add(node, "IDOtro")
    _add(other, "CodigoPais", recipient["country"])
    _add(other, "IDType", "02")  # NIF-IVA
    _add(other, "ID", recipient["id"])


def _tax_line(node, line) -> None:
    _add(node, "Impuesto", line.tax)
    _add(node, "ClaveRegimen", line.regime)
    _add(node, "OperacionExenta" if line.exempt else "CalificacionOperacion", line.operation)
    if line.percent is not None:
        _add(node, "TipoImpositivo", amount(line.percent))
    _add(node, "BaseImponibleOimporteNoSujeto", amount(line.base))
    if line.amount is not None:
        _add(node, "CuotaRepercutida", amount(line.amount))
    if line.surcharge_percent is not None:
        _add(node, "TipoRecargoEquivalencia", amount(line.surcharge_percent))
        _add(node, "CuotaRecargoEquivalencia", amount(line.surcharge_amount))


def _chain(record, previous: Previous | None) -> None:
    chain = _add(record, "Encadenamiento")
    if previous is None:
        _add(chain, "PrimerRegistro", "S")
        return
    anterior = _add(chain, "RegistroAnterior")
    _add(anterior, "IDEmisorFactura", previous.issuer)
    _add(anterior, "NumSerieFactura", previous.num_serie)
    _add(anterior, "FechaExpedicionFactura", previous.issue_date)
    _add(anterior, "Huella", previous.fingerprint)


def _software(record, header: Header, ns: str = SUM1) -> None:
    # A self-hosted console is the workspace's own invoicing system: its producer is the
    # issuer. One installation per workspace; it may serve several issuers (MultiOT).
    software = _add(record, "SistemaInformatico", ns=ns)
    _add(software, "NombreRazon", header.name, ns=ns)
    _add(software, "NIF", header.nif, ns=ns)
    _add(software, "NombreSistemaInformatico", SOFTWARE_NAME, ns=ns)
    _add(software, "IdSistemaInformatico", SOFTWARE_ID, ns=ns)
    _add(software, "Version", SOFTWARE_VERSION, ns=ns)
    _add(software, "NumeroInstalacion", header.installation, ns=ns)
    _add(software, "TipoUsoPosibleSoloVerifactu", "S" if header.only_verifactu else "N", ns=ns)
    _add(software, "TipoUsoPosibleMultiOT", "S", ns=ns)
    _add(software, "IndicadorMultiplesOT", "S", ns=ns)


# --- NO VERI*FACTU's event records (EventosSIF.xsd)


@dataclass
class EventChainHead:
    """The event a new one chains to (EventoAnterior); None for the first."""

    type: str
    generated_at: str
    fingerprint: str


def registro_evento(
    header: Header,
    issuer: tuple[str, str],
    type: str,
    generated_at: str,
    previous: EventChainHead | None,
    fingerprint: str,
    own_data=None,
    other_data: str = "",
):
    """A RegistroEvento, with an empty ds:Signature where the signature goes: the last child
    of Evento, where signxml fills in the placeholder (an enveloped signature is otherwise
    appended to the root, which the schema does not allow)."""
    root = etree.Element(f"{{{EVENTS}}}RegistroEvento", nsmap={"sf": EVENTS})
    _add(root, "IDVersion", VERSION, ns=EVENTS)
    event = _add(root, "Evento", ns=EVENTS)
    _software(event, header, ns=EVENTS)
    obligado = _add(event, "ObligadoEmision", ns=EVENTS)
    _add(obligado, "NombreRazon", issuer[1][:120], ns=EVENTS)
    _add(obligado, "NIF", issuer[0], ns=EVENTS)
    _add(event, "FechaHoraHusoGenEvento", generated_at, ns=EVENTS)
    _add(event, "TipoEvento", type, ns=EVENTS)
    if own_data is not None:
        _add(event, "DatosPropiosEvento", ns=EVENTS).append(own_data)
    if other_data:
        _add(event, "OtrosDatosEvento", other_data[:100], ns=EVENTS)
    chain = _add(event, "Encadenamiento", ns=EVENTS)
    if previous is None:
        _add(chain, "PrimerEvento", "S", ns=EVENTS)
    else:
        anterior = _add(chain, "EventoAnterior", ns=EVENTS)
        _add(anterior, "TipoEvento", previous.type, ns=EVENTS)
        _add(anterior, "FechaHoraHusoGenEvento", previous.generated_at, ns=EVENTS)
        _add(anterior, "HuellaEvento", previous.fingerprint, ns=EVENTS)
    _add(event, "TipoHuella", "01", ns=EVENTS)
    _add(event, "HuellaEvento", fingerprint, ns=EVENTS)
    etree.SubElement(event, "{http://www.w3.org/2000/09/xmldsig#}Signature", Id="placeholder")
    return root


def resumen_eventos(summary: dict):
    """DatosPropiosEvento/ResumenEventos of a summary event (type 10): the events and the
    invoice records generated since the previous summary."""
    node = etree.Element(f"{{{EVENTS}}}ResumenEventos", nsmap={"sf": EVENTS})
    for type, count in sorted(summary["events"].items()):
        aggregated = _add(node, "TipoEvento", ns=EVENTS)
        _add(aggregated, "TipoEvento", type, ns=EVENTS)
        _add(aggregated, "NumeroDeEventos", count, ns=EVENTS)
    for name, record in (("Inicial", summary["first"]), ("Final", summary["last"])):
        if record is None:
            continue
        found = _add(node, f"RegistroFacturacion{name}Periodo", ns=EVENTS)
        _add(found, "IDEmisorFactura", record["issuer"], ns=EVENTS)
        _add(found, "NumSerieFactura", record["num_serie"], ns=EVENTS)
        _add(found, "FechaExpedicionFactura", record["issue_date"], ns=EVENTS)
        _add(found, "Huella", record["fingerprint"], ns=EVENTS)
    _add(node, "NumeroDeRegistrosFacturacionAltaGenerados", summary["altas"], ns=EVENTS)
    _add(node, "SumaCuotaTotalAlta", summary["tax_total"], ns=EVENTS)
    _add(node, "SumaImporteTotalAlta", summary["total"], ns=EVENTS)
    _add(node, "NumeroDeRegistrosFacturacionAnulacionGenerados", summary["anulaciones"], ns=EVENTS)
    return node


def exportacion_facturacion(period: tuple[str, str], first, last, sums: dict):
    """DatosPropiosEvento/ExportacionRegFacturacionPeriodo of an export (event 08)."""
    node = etree.Element(f"{{{EVENTS}}}ExportacionRegFacturacionPeriodo", nsmap={"sf": EVENTS})
    _add(node, "FechaHoraHusoInicioPeriodoExport", period[0], ns=EVENTS)
    _add(node, "FechaHoraHusoFinPeriodoExport", period[1], ns=EVENTS)
    for name, record in (("Inicial", first), ("Final", last)):
        found = _add(node, f"RegistroFacturacion{name}Periodo", ns=EVENTS)
        _add(found, "IDEmisorFactura", record["issuer"], ns=EVENTS)
        _add(found, "NumSerieFactura", record["num_serie"], ns=EVENTS)
        _add(found, "FechaExpedicionFactura", record["issue_date"], ns=EVENTS)
        _add(found, "Huella", record["fingerprint"], ns=EVENTS)
    _add(node, "NumeroDeRegistrosFacturacionAltaExportados", sums["altas"], ns=EVENTS)
    _add(node, "SumaCuotaTotalAlta", sums["tax_total"], ns=EVENTS)
    _add(node, "SumaImporteTotalAlta", sums["total"], ns=EVENTS)
    _add(node, "NumeroDeRegistrosFacturacionAnulacionExportados", sums["anulaciones"], ns=EVENTS)
    # The console keeps what it exported: nothing stops being kept.
    _add(node, "RegistrosFacturacionExportadosDejanDeConservarse", "N", ns=EVENTS)
    return node


def exportacion_eventos(period: tuple[str, str], first, last, count: int):
    """DatosPropiosEvento/ExportacionRegEventoPeriodo of an export (event 09)."""
    node = etree.Element(f"{{{EVENTS}}}ExportacionRegEventoPeriodo", nsmap={"sf": EVENTS})
    _add(node, "FechaHoraHusoInicioPeriodoExport", period[0], ns=EVENTS)
    _add(node, "FechaHoraHusoFinPeriodoExport", period[1], ns=EVENTS)
    for name, event in (("Inicial", first), ("Final", last)):
        found = _add(node, f"RegistroEvento{name}Periodo", ns=EVENTS)
        _add(found, "TipoEvento", event.type, ns=EVENTS)
        _add(found, "FechaHoraHusoEvento", event.generated_at, ns=EVENTS)
        _add(found, "HuellaEvento", event.fingerprint, ns=EVENTS)
    _add(node, "NumeroDeRegEventoExportados", count, ns=EVENTS)
    _add(node, "RegEventoExportadosDejanDeConservarse", "N", ns=EVENTS)
    return node


def to_bytes(node) -> bytes:
    return etree.tostring(node, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def soap(document: bytes) -> bytes:
    """The submission in the SOAP 1.1 envelope the AEAT's service takes."""
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soapenv": SOAP, **NSMAP})
    etree.SubElement(envelope, f"{{{SOAP}}}Header")
    body = etree.SubElement(envelope, f"{{{SOAP}}}Body")
    body.append(etree.fromstring(document, parser=safe_parser()))
    return to_bytes(envelope)


def safe_parser() -> etree.XMLParser:
    """No entities, no network, no huge trees: answers and requests come from outside."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


# --- The answer


@dataclass
class Line:
    state: str  # EstadoRegistro: Correcto, AceptadoConErrores, Incorrecto
    code: str = ""
    message: str = ""
    duplicate_state: str = ""  # EstadoRegistroDuplicado, for a 3000


@dataclass
class Answer:
    state: str = ""  # EstadoEnvio: Correcto, ParcialmenteCorrecto, Incorrecto
    csv: str = ""
    wait: int | None = None  # TiempoEsperaEnvio, seconds
    lines: list[Line] = field(default_factory=list)
    fault_code: str = ""  # a SOAP Fault: the whole submission was refused
    fault: str = ""


FAULT_CODE = re.compile(r"Codigo\[(\d+)\]")


def parse_answer(body: bytes) -> Answer | None:
    """The answer of the AEAT's service, or None when it is not one (a proxy's error page)."""
    try:
        root = etree.fromstring(body, parser=safe_parser())
    except etree.XMLSyntaxError:
        return None
    fault = root.find(f".//{{{SOAP}}}Fault")
    if fault is not None:
        text = fault.findtext("faultstring") or ""
        found = FAULT_CODE.search(text)
        return Answer(state="Fault", fault_code=found.group(1) if found else "", fault=text)
    answer = root.find(f".//{{{RESPONSE}}}RespuestaRegFactuSistemaFacturacion")
    if answer is None:
        return None
    wait = answer.findtext(f"{{{RESPONSE}}}TiempoEsperaEnvio")
    return Answer(
        state=answer.findtext(f"{{{RESPONSE}}}EstadoEnvio") or "",
        csv=answer.findtext(f"{{{RESPONSE}}}CSV") or "",
        wait=int(wait) if wait and wait.isdigit() else None,
        lines=[_line(node) for node in answer.iterfind(f"{{{RESPONSE}}}RespuestaLinea")],
    )


def _line(node) -> Line:
    return Line(
        state=node.findtext(f"{{{RESPONSE}}}EstadoRegistro") or "",
        code=node.findtext(f"{{{RESPONSE}}}CodigoErrorRegistro") or "",
        message=node.findtext(f"{{{RESPONSE}}}DescripcionErrorRegistro") or "",
        duplicate_state=node.findtext(f".//{{{SUM1}}}EstadoRegistroDuplicado") or "",
    )
