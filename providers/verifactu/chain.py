"""Appending records to an issuer's fingerprint chain, one at a time.

The chain row is locked (select_for_update) from reading the last fingerprint to writing the
new record, inside the caller's transaction: verifactu.generate is transactional, so the
record, the entry's new QR stamp and the step's OK are committed together, and a step that
fails gives its place in the chain back. On SQLite the IMMEDIATE transactions
(settings.DATABASES) serialise writers to the same effect.

A document is recorded once: asking again for the same invoice (a re-run job) answers the
record already in the chain instead of chaining a second one, which the AEAT would refuse as
a duplicate (3000). In NO VERI*FACTU an invoice whose data changed since (the guide's
"update the document and run the workflow again") is chained again as a correction
(Subsanacion S); the same data still answers the record there is.

NO VERI*FACTU (mode noverifactu) keeps a chain of its own per issuer, whose records are not
the submission but the record alone with its XAdES signature: `seal` turns the record
element into the bytes kept. Its event records chain apart, under the same row lock.
"""

from collections import Counter
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from lxml import etree

from . import xml
from .models import Chain, Event, Kind, Mode, Record
from .records import (
    Invoice,
    alta_fingerprint,
    amount,
    anulacion_fingerprint,
    evento_fingerprint,
    generated_now,
)

Seal = Callable[[object], bytes]  # a record element → the bytes kept (signed)
SUMMARY = "10"  # TipoEvento of the periodic summary


def append_alta(
    workspace, invoice: Invoice, header: xml.Header, mode=Mode.VERIFACTU, seal=None, **origin
) -> Record:
    with transaction.atomic():
        chain = _locked(workspace, invoice.issuer_nif, mode)
        found = _recorded(chain, Kind.ALTA, invoice.num_serie, invoice.issue_date)
        if found is not None and (mode == Mode.VERIFACTU or _same_data(found, invoice, header)):
            return found
        generated_at = generated_now()
        fingerprint = alta_fingerprint(
            issuer=invoice.issuer_nif,
            num_serie=invoice.num_serie,
            issue_date=invoice.issue_date,
            type=invoice.type,
            tax_total=invoice.tax_total,
            total=invoice.total,
            previous=chain.last_fingerprint,
            generated_at=generated_at,
        )
        record = xml.registro_alta(
            invoice, header, _previous(chain), generated_at, fingerprint, correction=bool(found)
        )
        return _append(
            chain,
            Kind.ALTA,
            invoice.num_serie,
            invoice.issue_date,
            fingerprint,
            generated_at,
            _kept(header, record, seal),
            total=invoice.total,
            tax_total=invoice.tax_total,
            **origin,
        )


def append_anulacion(
    workspace,
    issuer: str,
    num_serie: str,
    issue_date: str,
    header: xml.Header,
    mode=Mode.VERIFACTU,
    seal=None,
    **origin,
) -> Record:
    with transaction.atomic():
        chain = _locked(workspace, issuer, mode)
        found = _recorded(chain, Kind.ANULACION, num_serie, issue_date)
        if found is not None:
            return found
        generated_at = generated_now()
        fingerprint = anulacion_fingerprint(
            issuer=issuer,
            num_serie=num_serie,
            issue_date=issue_date,
            previous=chain.last_fingerprint,
            generated_at=generated_at,
        )
        record = xml.registro_anulacion(
            issuer, num_serie, issue_date, header, _previous(chain), generated_at, fingerprint
        )
        return _append(
            chain,
            Kind.ANULACION,
            num_serie,
            issue_date,
            fingerprint,
            generated_at,
            _kept(header, record, seal),
            **origin,
        )


def append_event(
    workspace,
    issuer: tuple[str, str],
    header: xml.Header,
    type: str,
    seal: Seal,
    own_data=None,
    **origin,
) -> Event:
    """Chain a NO VERI*FACTU event record of `issuer` (nif, name), with `own_data`
    (DatosPropiosEvento's child) when given; a summary (type 10) counts what the issuer's
    chains gained since the previous summary."""
    with transaction.atomic():
        chain = _locked(workspace, issuer[0], Mode.NOVERIFACTU)
        generated_at = generated_now()
        fingerprint = evento_fingerprint(
            producer_nif=header.nif,
            system_id=xml.SOFTWARE_ID,
            version=xml.SOFTWARE_VERSION,
            installation=header.installation,
            issuer=issuer[0],
            type=type,
            previous=chain.last_event_fingerprint,
            generated_at=generated_at,
        )
        previous = None
        if chain.events:
            previous = xml.EventChainHead(
                chain.last_event_type, chain.last_event_at, chain.last_event_fingerprint
            )
        if type == SUMMARY:
            own_data = xml.resumen_eventos(summary(chain))
        record = xml.registro_evento(
            header, issuer, type, generated_at, previous, fingerprint, own_data=own_data
        )
        event = Event.objects.create(
            chain=chain,
            position=chain.events + 1,
            type=type,
            generated_at=generated_at,
            fingerprint=fingerprint,
            previous_fingerprint=chain.last_event_fingerprint,
            xml=seal(record).decode("utf-8"),
            **origin,
        )
        chain.events = event.position
        chain.last_event_type, chain.last_event_at = type, generated_at
        chain.last_event_fingerprint = fingerprint
        chain.save()
        return event


def summary(chain: Chain) -> dict:
    """What ResumenEventos reports: the events by type and the invoice records (altas with
    their sums, anulaciones) since the previous summary event, or since the start."""
    last = chain.event_records.filter(type=SUMMARY).order_by("-position").first()
    events = chain.event_records.all()
    records = chain.records.all()
    if last is not None:
        events = events.filter(position__gt=last.position)
        records = records.filter(created_at__gt=last.created_at)
    altas = list(records.filter(kind=Kind.ALTA).order_by("position"))
    return {
        "events": dict(Counter(events.values_list("type", flat=True))),
        **sums(altas, records.filter(kind=Kind.ANULACION).count()),
        "first": identity(chain, altas[0]) if altas else None,
        "last": identity(chain, altas[-1]) if altas else None,
    }


def sums(altas: list[Record], anulaciones: int) -> dict:
    """The counts and sums a summary or an export reports of invoice records."""
    return {
        "altas": len(altas),
        "anulaciones": anulaciones,
        "tax_total": amount(sum((Decimal(r.tax_total or 0) for r in altas), Decimal(0))),
        "total": amount(sum((Decimal(r.total or 0) for r in altas), Decimal(0))),
    }


def identity(chain: Chain, record: Record) -> dict:
    return {
        "issuer": chain.issuer_nif,
        "num_serie": record.num_serie,
        "issue_date": record.issue_date,
        "fingerprint": record.fingerprint,
    }


def _same_data(found: Record, invoice: Invoice, header: xml.Header) -> bool:
    kept = etree.fromstring(found.xml.encode("utf-8"), parser=xml.safe_parser())
    if etree.QName(kept).localname != "RegistroAlta":
        kept = kept.find(f".//{{{xml.SUM1}}}RegistroAlta")
    asked = xml.registro_alta(invoice, header, None, "", "")
    return xml.content_of(kept) == xml.content_of(asked)


def _kept(header: xml.Header, record, seal: Seal | None) -> bytes:
    """What the chain keeps of a record: VERI*FACTU the submission to send, NO VERI*FACTU
    the record alone, signed."""
    if seal is not None:
        return seal(record)
    return xml.to_bytes(xml.submission(header, record))


def _locked(workspace, issuer: str, mode=Mode.VERIFACTU) -> Chain:
    chain, _ = Chain.objects.select_for_update().get_or_create(
        workspace=workspace, issuer_nif=issuer, mode=mode
    )
    return chain


def _recorded(chain: Chain, kind: str, num_serie: str, issue_date: str) -> Record | None:
    return (
        chain.records.filter(kind=kind, num_serie=num_serie, issue_date=issue_date)
        .order_by("-position")
        .first()
    )


def _previous(chain: Chain) -> xml.Previous | None:
    if not chain.length:
        return None
    return xml.Previous(
        chain.issuer_nif, chain.last_num_serie, chain.last_issue_date, chain.last_fingerprint
    )


def _append(
    chain, kind, num_serie, issue_date, fingerprint, generated_at, document, **fields
) -> Record:
    record = Record.objects.create(
        chain=chain,
        position=chain.length + 1,
        kind=kind,
        num_serie=num_serie,
        issue_date=issue_date,
        fingerprint=fingerprint,
        previous_fingerprint=chain.last_fingerprint,
        generated_at=generated_at,
        xml=document.decode("utf-8"),
        **fields,
    )
    chain.length = record.position
    chain.last_num_serie, chain.last_issue_date = num_serie, issue_date
    chain.last_fingerprint = fingerprint
    chain.save()
    return record


def last_alta(workspace, silo_entry_id) -> Record | None:
    return (
        Record.objects.filter(
            chain__workspace=workspace,
            chain__mode=Mode.VERIFACTU,
            silo_entry_id=silo_entry_id,
            kind=Kind.ALTA,
        )
        .order_by("-created_at")
        .first()
    )
