"""Sequences: sequence.enumerate gives a document the next code of a numbered series.

Numbers have no gaps and no duplicates. The provider is transactional: the engine runs it in
the transaction that records its outcome and patches the entry, so the number, its
SequenceEntry row, the new code and the step's OK are committed together or not at all. A
crash, a failed step or a rolled-back transaction gives the number back. The series row is
locked (select_for_update) from the reservation to the commit, so concurrent jobs take their
numbers one after the other; on SQLite the IMMEDIATE transactions (settings.DATABASES)
serialise writers to the same effect.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from silo.models import SiloEntry
from silo.snippets import full_code

from .base import StepContext, ko, ok, skip
from .models import MAX_PADDING, SequenceEntry, Series
from .registry import provider

SERIES_FIELDS = ("prefix", "padding", "start", "description")


def reserve(
    workspace, name: str, *, silo_entry_id=None, job_id=None, **defaults
) -> tuple[Series, int, str]:
    """Take the next number of the workspace's series `name`: (series, number, code).

    The series is created on first use with `defaults` (prefix, padding, start, description);
    later calls ignore them. Call it inside the transaction that uses the number: the series
    stays locked until that transaction ends, and rolling it back returns the number."""
    unknown = set(defaults) - set(SERIES_FIELDS)
    if unknown:
        raise TypeError(f"unknown series fields: {', '.join(sorted(unknown))}")
    values = {key: value for key, value in defaults.items() if value is not None}
    _check(name, values)
    if "start" in values:
        values["next_number"] = values["start"]
    # A savepoint: should a statement fail, the caller's transaction stays usable.
    with transaction.atomic():
        series, _ = Series.objects.select_for_update().get_or_create(
            workspace=workspace, name=name, defaults=values
        )
        number = series.next_number
        Series.objects.filter(pk=series.pk).update(
            next_number=F("next_number") + 1, updated_at=timezone.now()
        )
        series.next_number = number + 1
        code = series.format(number)
        SequenceEntry.objects.create(
            series=series, number=number, code=code, silo_entry_id=silo_entry_id, job_id=job_id
        )
    return series, number, code


def _check(name: str, values: dict) -> None:
    """ValueError for what a series cannot be (the editor's schema says the same)."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a series needs a name")
    padding, start = values.get("padding", 0), values.get("start", 0)
    if not isinstance(padding, int) or not 0 <= padding <= MAX_PADDING:
        raise ValueError(f"padding must be a whole number from 0 to {MAX_PADDING}")
    if not isinstance(start, int) or start < 0:
        raise ValueError("start must be a whole number, 0 or more")


@provider(
    "sequence.enumerate",
    name="Add sequential code",
    category="Documents",
    summary="Give the document the next code of a numbered series, without gaps or duplicates.",
    icon="hash",
    transactional=True,
    config_schema={
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {
                "type": "string",
                "title": "Series",
                "minLength": 1,
                "maxLength": 100,
                "examples": ["Invoice", "Credit note"],
                "description": "The workspace's series to number from; made on first use.",
            },
            "prefix": {
                "type": "string",
                "title": "Prefix",
                "maxLength": 40,
                "examples": ["INV-", "SALES-2026-"],
                "description": "Set as the document's series (when the series is made).",
            },
            "padding": {
                "type": "integer",
                "title": "Padding",
                "minimum": 0,
                "maximum": MAX_PADDING,
                "default": 0,
                "description": "Zeros to pad the code with: 6 gives 000001.",
            },
            "start": {
                "type": "integer",
                "title": "Start",
                "minimum": 0,
                "default": 1,
                "description": "The first number (when the series is made).",
            },
        },
    },
)
def enumerate_document(context: StepContext):
    if context.entry is None:
        return ko("there is no document to number", "no-document")
    # Lock the entry and read its data afresh: two jobs numbering the same entry at once must
    # not both give it a code, and a signed entry (which the patch would fail on) must not
    # take a number.
    entry = SiloEntry.objects.select_for_update().get(pk=context.entry.pk)
    doc = entry.data.get("doc") if isinstance(entry.data.get("doc"), dict) else {}
    if doc.get("code"):
        return skip(f"already has a code {full_code(doc)}", "has-code")
    if entry.signed:
        return ko("the envelope is signed and cannot take a code", "signed")
    config = context.config
    series, number, code = reserve(
        context.workspace,
        config["name"],
        silo_entry_id=entry.pk,
        job_id=context.job.pk if context.job is not None else None,
        prefix=config.get("prefix"),
        padding=config.get("padding"),
        start=config.get("start"),
    )
    patch = {"code": code}
    if series.prefix:
        patch["series"] = series.prefix
    return ok(
        message=f"{series.name} number {number}: {full_code(patch)}",
        merge_patch={"doc": patch},
    )
