"""Changing silo entries: data versions, states, folders and files, each change recorded.

Callers hold no lock: every function here locks the entry row itself, so two jobs changing
the same entry are applied one after the other and neither loses the other's change.
"""

import hashlib
import re
from copy import deepcopy

import jsonpatch
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from invopop_console import rows

from .models import SiloEntry, SiloEntryVersion, SiloFile, SiloState


class ChangeConflict(Exception):
    """A whole new envelope was computed from a version that is no longer the latest."""


class SignedEntry(Exception):
    """The entry is signed; its data cannot change unless the change signs it again."""


def merge_patch(target, patch):
    """RFC 7396 JSON merge patch."""
    if not isinstance(patch, dict):
        return deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def patch_failure(exc: Exception) -> str:
    """A jsonpatch error as a person reads it: jsonpatch names Python types in its test
    failures ("Acme (<class 'str'>) is not equal to ...")."""
    return "the patch does not apply: " + re.sub(r" \(<class '[^']+'>\)", "", str(exc))


def json_patch(target, operations: list):
    """RFC 6902 JSON patch; raises jsonpatch.JsonPatchException (or a JsonPointerException)."""
    return jsonpatch.apply_patch(target, operations, in_place=False)


@transaction.atomic
def change_data(
    entry: SiloEntry,
    *,
    envelope: dict | None = None,
    merge: dict | None = None,
    operations: list | None = None,
    signed: bool | None = None,
    based_on: int | None = None,
    job_id=None,
    user=None,
) -> SiloEntryVersion:
    locked = lock(entry)
    if locked.signed and signed is None:
        raise SignedEntry("the entry is signed and cannot be modified")
    if envelope is not None:
        if based_on is not None and based_on != locked.version:
            raise ChangeConflict(f"version {locked.version} replaced {based_on} meanwhile")
        data = envelope
    else:
        data = locked.data
        if merge is not None:
            data = merge_patch(data, merge)
        if operations is not None:
            data = json_patch(data, operations)
    if data == locked.data and signed in (None, locked.signed):
        _refresh(entry, locked)
        return locked.versions.first()  # nothing changed: no new version
    version = locked.write_version(data, job_id=job_id, user=user, signed=signed)
    _refresh(entry, locked)
    return version


@transaction.atomic(savepoint=False)  # nothing in it is caught and survived
def set_state(
    entry: SiloEntry, key: str, *, notes="", faults=None, meta=None, src="user", src_id=None
):
    faults = faults or []
    # Plain SQL (rows): a job sets a state or two, and the ORM cost more than the writes.
    rows.update(SiloEntry, entry.pk, {"state": key, "faults": faults, "updated_at": timezone.now()})
    entry.state, entry.faults = key, faults
    state = SiloState(
        entry=entry, key=key, notes=notes, faults=faults, meta=meta or {}, src=src, src_id=src_id
    )
    rows.insert([state])
    return state


@transaction.atomic(savepoint=False)  # nothing in it is caught and survived
def set_folder(entry: SiloEntry, folder: str) -> None:
    SiloEntry.objects.filter(pk=entry.pk).update(folder=folder)
    entry.folder = folder


@transaction.atomic(savepoint=False)  # nothing in it is caught and survived
def merge_meta(entry: SiloEntry, meta: dict) -> None:
    locked = SiloEntry.objects.select_for_update().get(pk=entry.pk)
    locked.meta = {**locked.meta, **meta}
    locked.save(update_fields=["meta", "updated_at"])
    entry.meta = locked.meta


@transaction.atomic
def attach_file(
    entry, *, name, content: bytes, mime, category="", key="", desc="", replace=True, job_id=None
) -> SiloFile:
    """Store a file on the entry; with `replace`, an earlier file of the same category and
    key (or name, when there is no key) goes away once the new one is stored."""
    SiloEntry.objects.select_for_update().filter(pk=entry.pk).first()
    earlier = SiloFile.objects.filter(entry=entry, category=category)
    earlier = earlier.filter(key=key) if key else earlier.filter(name=name)
    earlier = list(earlier) if replace else []
    stored = SiloFile(
        entry=entry,
        category=category,
        key=key,
        name=name,
        desc=desc,
        mime=mime,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        job_id=job_id,
    )
    stored.file.save(name, ContentFile(content), save=False)
    stored.save()
    for old in earlier:
        transaction.on_commit(old.file.delete)  # the bytes go only once the row is gone
        old.delete()
    return stored


def lock(entry: SiloEntry) -> SiloEntry:
    """The entry's row as it is now, locked until the transaction ends."""
    return rows.get(SiloEntry, entry.pk, lock=True)


def refresh_locked(entry: SiloEntry) -> None:
    """Lock the entry's row and reload it in place (see providers.silo.fresh)."""
    locked = lock(entry)
    for field in SiloEntry._meta.concrete_fields:
        setattr(entry, field.attname, getattr(locked, field.attname))


def _refresh(entry: SiloEntry, locked: SiloEntry) -> None:
    for field in (
        "data",
        "version",
        "signed",
        "state",
        "faults",
        "snippet",
        "doc_schema",
        "doc_type",
    ):
        setattr(entry, field, getattr(locked, field))
