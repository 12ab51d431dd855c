"""Changing silo entries: data versions, states, folders and files, each change recorded.

Callers hold no lock: every function here locks the entry row itself, so two jobs changing
the same entry are applied one after the other and neither loses the other's change.

An entry *held* by a batch of jobs (jobs/batch.py) is the exception: the batch read it once
and checks, when it writes, that nobody changed it since. The batch makes a HeldEntry for it
and passes it (`held=`) to each function here: the changes are made to the copy and queued
on the HeldEntry, and writing_held() writes them all at once.
"""

import hashlib
import re
from copy import deepcopy
from functools import partial

import jsonpatch
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from invopop_console import rows

from .gobl import corrections
from .models import SiloEntry, SiloEntryVersion, SiloFile, SiloState


class ChangeConflict(Exception):
    """A whole new envelope was computed from a version that is no longer the latest."""


class SignedEntry(Exception):
    """The entry is signed; its data cannot change unless the change signs it again."""


class DocumentRefused(Exception):
    """A document that cannot be made from an entry's (see derived_envelope); `problems` are
    keyed by JSON pointer into {data, options}: the entry's envelope and the options."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{p or '/'}: {m}" for p, m in problems.items()))
        self.problems = problems


def derived_envelope(data, options: dict | None = None, head_uuid=None) -> dict:
    """A new envelope made from `data` (an entry's): the document that corrects its invoice
    as `options` say (GOBL's correction options), or without options a new draft copied
    from its document (replicate). Built and valid, else DocumentRefused."""
    if options is None:
        envelope, found = corrections.replicate(data, head_uuid)
        prefix = "/data"
    else:
        envelope, found = corrections.correct(data, options, head_uuid)
        # The corrected document's own problems point into it, and it mirrors the data.
        prefix = "" if envelope is None else "/data"
    if found:
        raise DocumentRefused({prefix + problem.path: problem.message for problem in found})
    return envelope


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
    held: "HeldEntry | None" = None,
) -> SiloEntryVersion | None:
    """A new version of the entry's data; None, or the latest version, when nothing changed.
    Raises SignedEntry, ChangeConflict or jsonpatch's errors, having changed nothing."""
    change = {"envelope": envelope, "merge": merge, "operations": operations, "signed": signed}
    if held is None:
        return _change_locked(entry, based_on=based_on, job_id=job_id, user=user, **change)
    data = _new_data(entry, based_on=based_on, **change)
    if data is None:
        return None
    entry.data = data
    entry.version += 1
    entry.signed = entry.signed if signed is None else signed
    entry.derive_from_data()
    held.dirty |= {"data", "version", "signed", *SiloEntry.DERIVED}
    version = SiloEntryVersion(
        entry=entry, number=entry.version, data=data, job_id=job_id, user=user, signed=entry.signed
    )
    held.versions.append(version)
    return version


@transaction.atomic
def _change_locked(entry, *, based_on, job_id, user, signed, **change):
    locked = lock(entry)
    data = _new_data(locked, based_on=based_on, signed=signed, **change)
    if data is None:
        _refresh(entry, locked)
        return locked.versions.first()  # nothing changed: no new version
    version = locked.write_version(data, job_id=job_id, user=user, signed=signed)
    _refresh(entry, locked)
    return version


def _new_data(latest: SiloEntry, *, envelope, merge, operations, signed, based_on):
    """The entry's data after the change, or None when nothing would change."""
    if latest.signed and signed is None:
        raise SignedEntry("the entry is signed and cannot be modified")
    if envelope is not None:
        if based_on is not None and based_on != latest.version:
            raise ChangeConflict(f"version {latest.version} replaced {based_on} meanwhile")
        data = envelope
    else:
        data = latest.data
        if merge is not None:
            data = merge_patch(data, merge)
        if operations is not None:
            data = json_patch(data, operations)
    if data == latest.data and signed in (None, latest.signed):
        return None
    return data


def set_state(
    entry: SiloEntry,
    key: str,
    *,
    notes="",
    faults=None,
    meta=None,
    src="user",
    src_id=None,
    held: "HeldEntry | None" = None,
):
    faults = faults or []
    entry.state, entry.faults = key, faults
    state = SiloState(
        entry=entry, key=key, notes=notes, faults=faults, meta=meta or {}, src=src, src_id=src_id
    )
    if held is not None:
        held.dirty |= {"state", "faults"}
        held.states.append(state)
        return state
    with transaction.atomic(savepoint=False):  # nothing in it is caught and survived
        # Plain SQL (rows): a job sets a state or two, and the ORM cost more than the writes.
        values = {"state": key, "faults": faults, "updated_at": timezone.now()}
        rows.update(SiloEntry, entry.pk, values)
        rows.insert([state])
    return state


def set_folder(entry: SiloEntry, folder: str, held: "HeldEntry | None" = None) -> None:
    entry.folder = folder
    if held is not None:
        held.dirty.add("folder")
    else:
        SiloEntry.objects.filter(pk=entry.pk).update(folder=folder)


def merge_meta(entry: SiloEntry, meta: dict, held: "HeldEntry | None" = None) -> None:
    if held is not None:
        entry.meta = {**entry.meta, **meta}
        held.dirty.add("meta")
        return
    with transaction.atomic(savepoint=False):  # nothing in it is caught and survived
        locked = SiloEntry.objects.select_for_update().get(pk=entry.pk)
        locked.meta = {**locked.meta, **meta}
        locked.save(update_fields=["meta", "updated_at"])
    entry.meta = locked.meta


@transaction.atomic
def attach_file(
    entry,
    *,
    name,
    content: bytes,
    mime,
    category="",
    key="",
    desc="",
    replace=True,
    job_id=None,
    held: "HeldEntry | None" = None,
) -> SiloFile:
    """Store a file on the entry; with `replace`, an earlier file of the same category and
    key (or name, when there is no key) goes away once the new one is stored."""
    if held is not None:  # a batch runs only providers that answer no files
        raise RuntimeError("a file cannot be attached to an entry held by a batch")
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
        old.delete()
        # The bytes go only once the row is gone for good. Not old.file.delete: it saves
        # the instance again, which put the deleted row back with no contents.
        transaction.on_commit(partial(old.file.storage.delete, old.file.name))
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


# --- Entries held by a batch of jobs


# What a step may change on a held entry, saved before it runs to undo a failed step.
_STEP_FIELDS = ("data", "version", "signed", "state", "faults", "folder", "meta")


class HeldEntry:
    """An entry held by a batch of jobs (see the module's docstring): its copy, which takes
    the changes, and what changed on it, written by writing_held(). The batch makes one
    for each entry it read and passes it to the functions above as `held=`."""

    def __init__(self, entry: SiloEntry):
        self.entry = entry
        self.dirty: set[str] = set()  # the entry's changed fields
        self.versions: list[SiloEntryVersion] = []
        self.states: list[SiloState] = []

    def mark(self):
        """The entry as it is, for undo(): the changes of a step that failed are dropped."""
        fields = {f: getattr(self.entry, f) for f in (*_STEP_FIELDS, *SiloEntry.DERIVED)}
        return fields, set(self.dirty), len(self.versions), len(self.states)

    def undo(self, marked) -> None:
        fields, self.dirty, versions, states = marked
        for name, value in fields.items():
            setattr(self.entry, name, value)
        del self.versions[versions:], self.states[states:]


def writing_held(held: list[HeldEntry]) -> list[rows.Statement]:
    """The statements that write what changed on these held entries (rows.run() them in a
    transaction)."""
    now = timezone.now()
    changed = []
    for one in held:
        if one.dirty:
            values = {name: getattr(one.entry, name) for name in sorted(one.dirty)}
            changed.append((one.entry.pk, {**values, "updated_at": now}))
    return [
        *rows.updating(SiloEntry, changed),
        *rows.inserting([version for one in held for version in one.versions]),
        *rows.inserting([state for one in held for state in one.states]),
    ]
