"""Credentials in step configs: where a config carries a secret, and how a step names one of
the workspace's credentials (providers.models.Credential) instead of carrying it.

One syntax wherever a secret goes: `{"credential": "<name>"}` in place of the text. A
provider's config_schema marks those places: a property with `writeOnly` (JSON Schema's own
word for a value that is sent but never shown back) is a secret as a whole, such as
http.request's `token`; an object with `x-secret-headers` is a map of HTTP headers whose
values may name credentials, and whose values under names such as Authorization or
X-Api-Key are secrets when written inline.

Inline secrets keep working (an Invopop workflow is pasted with its `bearer_token`), but the
definition lists them as problems (workflows/definition.py) and the console offers to move
them into the store; until then the console and the API show them masked: "••••••" and, for a
long secret, its last characters. A config sent back with the mask at the same place keeps
the secret it stands for (unmasked()).

The option not taken: sealing inline secrets inside the workflow JSON. Versions, hashes,
edit sessions and the engine would all have to know about it, and the JSON would no longer
be Invopop's; a named credential is one sealed row, replaced in one place.
"""

import copy
import re

from .models import HINT_LENGTH, HINTED_FROM, Credential

REFERENCE = {
    "type": "object",
    "title": "Credential",
    "required": ["credential"],
    "properties": {"credential": {"type": "string", "minLength": 1}},
    "additionalProperties": False,
}
MASK = "••••••"
# Header names whose inline values are secrets. Values that are templates ({{…}}) are
# computed per run, not secrets.
SECRET_HEADER = re.compile(
    r"auth|cookie|token|secret|passw|api-?key|access-?key|private-?key|signature|credential",
    re.IGNORECASE,
)


class CredentialMissing(Exception):
    """A step names a credential the workspace does not have (or no longer has)."""

    code = "credential-missing"


def secret_property(title: str, description: str = "") -> dict:
    """The schema of a config key that carries a secret: text, or a credential reference."""
    found = {"title": title, "writeOnly": True, "anyOf": [{"type": "string"}, REFERENCE]}
    if description:
        found["description"] = description
    return found


def header_map(title: str, description: str) -> dict:
    """The schema of a map of HTTP headers whose values may name credentials."""
    return {
        "type": "object",
        "title": title,
        "x-secret-headers": True,
        "additionalProperties": {"anyOf": [{"type": "string"}, REFERENCE]},
        "description": description,
    }


def reference_name(value) -> str | None:
    """The credential that `value` names, or None when it is not a reference."""
    if isinstance(value, dict) and set(value) == {"credential"}:
        name = value["credential"]
        return name if isinstance(name, str) and name else None
    return None


def reference(name: str) -> dict:
    return {"credential": name}


# --- At run time (StepContext.secret and StepContext.credential)


def lookup(workspace, name: str) -> Credential:
    found = Credential.objects.filter(workspace=workspace, name=name).first()
    if found is None:
        raise CredentialMissing(f"the workspace has no credential named {name!r}")
    return found


def resolve(workspace, value, header: bool = False) -> str:
    """The text to send for a config value: an inline text as it is, a reference as its
    credential's secret (in a header: what a header of its kind carries, so a bearer token
    comes as "Bearer …")."""
    name = reference_name(value)
    if name is None:
        return "" if value is None else str(value)
    found = lookup(workspace, name)
    return found.header_value() if header else found.secret


# --- Where a config holds secrets


def has_secrets(schema: dict) -> bool:
    properties = (schema.get("properties") or {}).values()
    return any(
        isinstance(p, dict) and (p.get("writeOnly") or p.get("x-secret-headers"))
        for p in properties
    )


def places(schema: dict, config) -> list[tuple[list[str], object]]:
    """(path inside the config, value) of every secret place that holds a value: inline
    texts and references alike."""
    if not isinstance(config, dict):
        return []
    found = []
    for key, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict) or key not in config:
            continue
        value = config[key]
        if prop.get("writeOnly"):
            found.append(([key], value))
        elif prop.get("x-secret-headers") and isinstance(value, dict):
            found += [([key, name], v) for name, v in value.items() if _header_secret(name, v)]
    return found


def _header_secret(name: str, value) -> bool:
    if reference_name(value) is not None:
        return True
    return bool(SECRET_HEADER.search(str(name))) and is_inline(value)


def is_inline(value) -> bool:
    """A secret written into the config itself (not a template computed per run)."""
    return isinstance(value, str) and value.strip() != "" and "{{" not in value


def inline_secrets(schema: dict, config) -> list[tuple[list[str], str]]:
    return [(path, value) for path, value in places(schema, config) if is_inline(value)]


def references(schema: dict, config) -> list[tuple[list[str], str]]:
    found = [(path, reference_name(value)) for path, value in places(schema, config)]
    return [(path, name) for path, name in found if name is not None]


# --- Masks: what the console and the API show instead of an inline secret


def mask(secret: str) -> str:
    return MASK + (secret[-HINT_LENGTH:] if len(secret) >= HINTED_FROM else "")


def is_mask(value) -> bool:
    return isinstance(value, str) and value.startswith(MASK)


def masked(schema: dict, config):
    """A copy of the config with every inline secret masked."""
    hidden = inline_secrets(schema, config)
    if not hidden:
        return config
    config = copy.deepcopy(config)
    for path, secret in hidden:
        _put(config, path, mask(secret))
    return config


def unmasked(schema: dict, config, before):
    """The config with each mask that stands at the same place as an inline secret of
    `before` (which it masks) put back to that secret; other masks stay, as problems."""
    kept = dict((tuple(path), secret) for path, secret in inline_secrets(schema, before))
    restore = [
        (path, kept[tuple(path)])
        for path, value in places(schema, config)
        if is_mask(value) and tuple(path) in kept and value == mask(kept[tuple(path)])
    ]
    if not restore:
        return config
    config = copy.deepcopy(config)
    for path, secret in restore:
        _put(config, path, secret)
    return config


def replaced(schema: dict, config, secret: str, name: str):
    """The config with every inline occurrence of `secret` replaced by a reference to the
    credential `name` (the secret was moved into the store)."""
    hits = [path for path, value in inline_secrets(schema, config) if value == secret]
    if not hits:
        return config
    config = copy.deepcopy(config)
    for path in hits:
        _put(config, path, reference(name))
    return config


def _put(config: dict, path: list[str], value) -> None:
    *parents, last = path
    for key in parents:
        config = config[key]
    config[last] = value
