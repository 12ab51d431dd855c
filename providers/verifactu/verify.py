"""Checking a kept NO VERI*FACTU record from its own XML: the fingerprint recomputed from the
fields the Orden lists, the link to the record before it, and the XAdES signature.

From the XML, not from the row's columns: what an inspection receives is the XML, so that is
what has to hold.
"""

from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.exceptions import InvalidInput, InvalidSignature

from . import signature
from .models import Event, Kind, Record
from .records import alta_fingerprint, anulacion_fingerprint, evento_fingerprint
from .xml import EVENTS, SUM1, safe_parser


class BrokenRecord(ValueError):
    """The record's XML does not hold; the message says where."""


def check_record(found: Record, certificate) -> None:
    root = _parsed(found.xml)
    text = _reader(root, SUM1)
    if found.kind == Kind.ALTA:
        computed = alta_fingerprint(
            issuer=text("IDFactura/IDEmisorFactura"),
            num_serie=text("IDFactura/NumSerieFactura"),
            issue_date=text("IDFactura/FechaExpedicionFactura"),
            type=text("TipoFactura"),
            tax_total=text("CuotaTotal"),
            total=text("ImporteTotal"),
            previous=text("Encadenamiento/RegistroAnterior/Huella"),
            generated_at=text("FechaHoraHusoGenRegistro"),
        )
    else:
        computed = anulacion_fingerprint(
            issuer=text("IDFactura/IDEmisorFacturaAnulada"),
            num_serie=text("IDFactura/NumSerieFacturaAnulada"),
            issue_date=text("IDFactura/FechaExpedicionFacturaAnulada"),
            previous=text("Encadenamiento/RegistroAnterior/Huella"),
            generated_at=text("FechaHoraHusoGenRegistro"),
        )
    _same("Huella", computed, text("Huella"), found.fingerprint)
    before = found.chain.records.filter(position=found.position - 1).first()
    _linked(before, text("Encadenamiento/RegistroAnterior/Huella"))
    _signed(found.xml, certificate)


def check_event(found: Event, certificate) -> None:
    root = _parsed(found.xml)
    text = _reader(root, EVENTS)
    computed = evento_fingerprint(
        producer_nif=text("Evento/SistemaInformatico/NIF"),
        producer_id=text("Evento/SistemaInformatico/IDOtro/ID"),
        system_id=text("Evento/SistemaInformatico/IdSistemaInformatico"),
        version=text("Evento/SistemaInformatico/Version"),
        installation=text("Evento/SistemaInformatico/NumeroInstalacion"),
        issuer=text("Evento/ObligadoEmision/NIF"),
        type=text("Evento/TipoEvento"),
        previous=text("Evento/Encadenamiento/EventoAnterior/HuellaEvento"),
        generated_at=text("Evento/FechaHoraHusoGenEvento"),
    )
    _same("HuellaEvento", computed, text("Evento/HuellaEvento"), found.fingerprint)
    before = found.chain.event_records.filter(position=found.position - 1).first()
    _linked(before, text("Evento/Encadenamiento/EventoAnterior/HuellaEvento"))
    _signed(found.xml, certificate)


def _parsed(document: str):
    try:
        return etree.fromstring(document.encode("utf-8"), parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise BrokenRecord(f"not XML: {exc}") from None


def _reader(root, ns: str):
    def text(path: str) -> str:
        steps = "/".join(f"{{{ns}}}{name}" for name in path.split("/"))
        return (root.findtext(steps) or "").strip()

    return text


def _same(name: str, computed: str, written: str, kept: str) -> None:
    if computed != written:
        raise BrokenRecord(f"{name} {written} is not the fingerprint of its fields ({computed})")
    if written != kept:
        raise BrokenRecord(f"{name} {written} is not the chain's ({kept})")


def _linked(before, previous: str) -> None:
    expected = before.fingerprint if before is not None else ""
    if previous != expected:
        raise BrokenRecord(f"it chains to {previous or 'nothing'}, not to {expected or 'nothing'}")


def _signed(document: str, certificate) -> None:
    try:
        signature.verify(document.encode("utf-8"), certificate.public_bytes(Encoding.PEM))
    except (InvalidSignature, InvalidInput) as exc:
        raise BrokenRecord(f"its signature does not verify: {exc}") from None
