"""Appending records to an issuer's fingerprint chain, one at a time.

The chain row is locked (select_for_update) from reading the last fingerprint to writing the
new record, inside the caller's transaction: verifactu.generate is transactional, so the
record, the entry's new QR stamp and the step's OK are committed together, and a step that
fails gives its place in the chain back. On SQLite the IMMEDIATE transactions
(settings.DATABASES) serialise writers to the same effect.

A document is recorded once: asking again for the same invoice (a re-run job) answers the
record already in the chain instead of chaining a second one, which the AEAT would refuse as
a duplicate (3000).
"""

from django.db import transaction

from . import xml
from .models import Chain, Kind, Record
from .records import Invoice, alta_fingerprint, anulacion_fingerprint, generated_now


def append_alta(workspace, invoice: Invoice, header: xml.Header, **origin) -> Record:
    with transaction.atomic():
        chain = _locked(workspace, invoice.issuer_nif)
        found = _recorded(chain, Kind.ALTA, invoice.num_serie, invoice.issue_date)
        if found is not None:
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
        record = xml.registro_alta(invoice, header, _previous(chain), generated_at, fingerprint)
        return _append(
            chain,
            Kind.ALTA,
            invoice.num_serie,
            invoice.issue_date,
            fingerprint,
            generated_at,
            xml.to_bytes(xml.submission(header, record)),
            total=invoice.total,
            **origin,
        )


def append_anulacion(
    workspace, issuer: str, num_serie: str, issue_date: str, header: xml.Header, **origin
) -> Record:
    with transaction.atomic():
        chain = _locked(workspace, issuer)
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
        document = xml.to_bytes(xml.submission(header, record))
        return _append(
            chain,
            Kind.ANULACION,
            num_serie,
            issue_date,
            fingerprint,
            generated_at,
            document,
            **origin,
        )


def _locked(workspace, issuer: str) -> Chain:
    chain, _ = Chain.objects.select_for_update().get_or_create(
        workspace=workspace, issuer_nif=issuer
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
            chain__workspace=workspace, silo_entry_id=silo_entry_id, kind=Kind.ALTA
        )
        .order_by("-created_at")
        .first()
    )
