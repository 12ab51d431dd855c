"""Secrets in workflow definitions, step by step (providers/credentials.py does one config).

What the console and the API show of a definition is masked(): no inline secret leaves the
server once it is in. What comes back is unmasked() against what was there, step by step id,
so a definition edited around its masks keeps its secrets. move_inline() takes an inline
secret into the workspace's credentials and leaves a reference in its place.
"""

import copy
import re

from django.db import IntegrityError, transaction

from invopop_console.pointers import pointer, split
from invopop_console.secrets_box import SealBroken
from providers import credentials, registry
from providers.models import Credential, CredentialKind

from . import definition as definitions
from .definition import Problem, step_provider


def _configs(definition):
    """(path, step, provider schema) of every step whose provider is known."""
    if not isinstance(definition, dict):
        return
    for path, step in definitions.walk(definition):
        found = registry.get(step_provider(step)) if isinstance(step_provider(step), str) else None
        if found is not None and isinstance(step.get("config"), dict):
            yield path, step, found.config_schema


def masked(definition):
    """A copy of the definition with every inline secret masked."""
    shown = copy.deepcopy(definition)
    for _, step, schema in _configs(shown):
        step["config"] = credentials.masked(schema, step["config"])
    return shown


def unmasked(definition, before):
    """`definition` with the masks of `before`'s inline secrets put back, matching steps by
    id (a step may have moved, in developer mode or a PUT)."""
    old = {_id(step): step for _, step, _ in _configs(before) if _id(step)}
    restored = copy.deepcopy(definition)
    for _, step, schema in _configs(restored):
        previous = old.get(_id(step))
        if previous is not None:
            step["config"] = credentials.unmasked(schema, step["config"], previous["config"])
    return restored


def _id(step: dict) -> str:
    """The step's id; "" when a draft holds something else there (a list, say)."""
    found = step.get("id")
    return found if isinstance(found, str) else ""


def inline_secrets(definition) -> list[tuple[str, str]]:
    """(pointer, secret) of every inline secret, masks aside."""
    return [
        (pointer(*path, "config", *parts), value)
        for path, step, schema in _configs(definition)
        for parts, value in credentials.inline_secrets(schema, step["config"])
        if not credentials.is_mask(value)
    ]


def reference_problems(workspace, definition) -> list[Problem]:
    """References to credentials the workspace does not have: warnings, since an owner may
    add the credential later (until then the step goes KO with credential-missing)."""
    named = [
        (pointer(*path, "config", *parts), name)
        for path, step, schema in _configs(definition)
        for parts, name in credentials.references(schema, step["config"])
    ]
    if not named:
        return []
    known = set(
        Credential.objects.filter(workspace=workspace, name__in={n for _, n in named}).values_list(
            "name", flat=True
        )
    )
    return [
        Problem(where, f"the workspace has no credential named {name!r}", "warning")
        for where, name in named
        if name not in known
    ]


# --- Moving an inline secret into the store


def move_inline(workspace, definition, where: str, user=None) -> tuple[Credential, dict]:
    """Make a credential of the inline secret at `where` and return it with the definition
    that names it there instead (and everywhere else the same secret was inline)."""
    secret = dict(inline_secrets(definition)).get(where)
    if secret is None:
        raise LookupError(f"there is no inline secret at {where}")
    credential = _holding(workspace, secret) or _new_credential(
        workspace, definition, where, secret, user
    )
    return credential, replaced(definition, secret, credential.name)


def _holding(workspace, secret: str) -> Credential | None:
    """The workspace's credential that already holds `secret`: a second copy of the same
    token becomes a second reference, not a second credential."""
    for found in Credential.objects.filter(workspace=workspace).only("name", "secret_sealed"):
        try:
            if found.secret == secret:
                return found
        except SealBroken:  # sealed under a SECRET_KEY that is gone: holds nothing usable
            continue
    return None


def replaced(definition, secret: str, name: str):
    """The definition with every inline occurrence of `secret` naming the credential."""
    changed = copy.deepcopy(definition)
    for _, step, schema in _configs(changed):
        step["config"] = credentials.replaced(schema, step["config"], secret, name)
    return changed


def _new_credential(workspace, definition, where: str, secret: str, user) -> Credential:
    steps_path, _, key = where.rpartition("/config/")
    config = _at(definition, steps_path).get("config") or {}
    kind, username = _kind_of(key, config)
    base = _slug(f"{_at(definition, steps_path).get('name') or 'step'}-{key.split('/')[-1]}")
    for n in range(1, 100):
        name = base if n == 1 else f"{base}-{n}"
        if Credential.objects.filter(workspace=workspace, name=name).exists():
            continue
        credential = Credential(
            workspace=workspace, name=name, kind=kind, username=username, created_by=user
        )
        credential.secret = secret
        try:
            with transaction.atomic():
                credential.save()
        except IntegrityError:  # somebody took the name meanwhile
            continue
        return credential
    raise LookupError(f"no free credential name like {base!r}")


def _kind_of(key: str, config: dict) -> tuple[str, str]:
    """The credential kind that a secret at `key` (a path inside the config) is."""
    if key in ("token", "bearer_token"):
        return CredentialKind.BEARER, ""
    if key == "password":
        return CredentialKind.BASIC, str(config.get("username") or "")
    if key.startswith("headers/"):
        return CredentialKind.HEADER, ""
    return CredentialKind.SECRET, ""


def _at(definition, where: str):
    found = definition
    for part in split(where):
        found = found[int(part)] if isinstance(found, list) else found[part]
    return found


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", text.lower()).strip("-._")
    return (slug or "secret")[:90]
