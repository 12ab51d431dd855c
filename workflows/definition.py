"""The workflow definition: Invopop's JSON, its schema, and validation that finds every problem.

A definition with problems can still be saved as a draft (nothing is dropped: unknown fields
ride along), but it cannot be published or run. Problems name the field by JSON pointer.
"""

import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from django.conf import settings

from invopop_console.pointers import pointer
from providers import credentials, registry

from .schemas import DocSchema

STATUSES = ["OK", "KO", "SKIP", "TIMEOUT", "NA", "Any", "any", ""]
INLINE_SECRET = (
    'an inline secret: move it into the workspace\'s credentials and name it, {"credential": …}'
)
REQUIRED = re.compile(r"^'(.+)' is a required property$")
KNOWN_FIELDS = ("name", "description", "schema", "country", "steps", "rescue")

RETRY_SCHEMA = {
    "type": "object",
    "properties": {
        key: {"type": "number", "exclusiveMinimum": 0}
        for key in ("initial", "max", "then", "give_up_after")
    },
}

DEFINITION_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://invopop-console.local/schemas/workflow.json",
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": {"type": "string"},
        "schema": {"enum": ["", *DocSchema.values]},
        "country": {"type": "string", "pattern": "^([A-Z]{2})?$"},
        "steps": {"type": "array", "items": {"$ref": "#/$defs/step"}},
        "rescue": {"type": ["array", "null"], "items": {"$ref": "#/$defs/step"}},
    },
    "$defs": {
        "step": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "minLength": 1, "maxLength": 64},
                "name": {"type": "string"},
                "provider": {"type": "string", "minLength": 1},
                "action": {"type": "string", "minLength": 1},
                "config": {"type": ["object", "null"]},
                "summary": {"type": "string"},
                "notes": {"type": "string"},
                # Above the engine's maximum a step would outlive its worker's task.
                "timeout": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": settings.ENGINE["max_step_timeout"],
                },
                "retry": RETRY_SCHEMA,
                "next": {"type": ["array", "null"], "items": {"$ref": "#/$defs/next"}},
            },
            "required": ["id"],
            "anyOf": [{"required": ["provider"]}, {"required": ["action"]}],
        },
        "next": {
            "type": "object",
            "properties": {
                "status": {"enum": STATUSES},
                "code": {"type": "string"},
                "steps": {"type": ["array", "null"], "items": {"$ref": "#/$defs/step"}},
                "step_id": {"type": "string"},
                "stop": {"type": "boolean"},
            },
        },
    },
}


@dataclass(frozen=True)
class Problem:
    path: str  # JSON pointer into the definition
    message: str
    level: str = "error"  # "warning" problems do not block publishing

    def as_dict(self) -> dict:
        return asdict(self)


def step_provider(step: dict) -> str:
    """`provider`, or `action`, its older name."""
    return step.get("provider") or step.get("action") or ""


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft202012Validator  # here: models import us (see registry.py)

    return Draft202012Validator(DEFINITION_SCHEMA)


@lru_cache(maxsize=256)
def _config_validator(provider_key: str):
    from jsonschema import Draft202012Validator

    return Draft202012Validator(registry.get(provider_key).config_schema)


def validate(definition) -> list[Problem]:
    """Every problem of the definition, schema errors first, in document order."""
    problems = structure_problems(definition)
    if not isinstance(definition, dict):
        return problems
    seen_ids: dict[str, str] = {}
    for path, step in walk(definition):
        problems.extend(_step_problems(path, step, seen_ids))
    problems.extend(_jump_problems(definition, seen_ids))
    return problems


def structure_problems(definition) -> list[Problem]:
    """Problems of the definition's shape (JSON Schema), not of its providers or configs: a
    definition without them can be drawn on the editor's canvas."""
    return [
        Problem(pointer(*_error_path(error)), _schema_message(error))
        for error in sorted(_validator().iter_errors(definition), key=_error_order)
    ]


def publish_problems(definition) -> list[Problem]:
    """What stops a definition from being published, beyond its problems: a workflow with no
    steps would run, and do nothing."""
    if isinstance(definition, dict) and not [s for s in definition.get("steps") or [] if s]:
        return [Problem("/steps", "Steps are required: add a step before publishing")]
    return []


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.level == "error"]


def walk(definition: dict):
    """(path parts, step) for every step: main steps, nested next-block steps, rescue steps."""
    for top in ("steps", "rescue"):
        yield from _walk_steps(definition.get(top), [top])


def _walk_steps(steps, path):
    if not isinstance(steps, list):
        return
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        yield [*path, index], step
        for n, block in blocks(step):
            yield from _walk_steps(block.get("steps"), [*path, index, "next", n, "steps"])


def blocks(step: dict):
    """(index, block) for the step's `next` blocks that are objects (a draft may hold
    anything there; the schema reports it)."""
    found = step.get("next")
    for n, block in enumerate(found if isinstance(found, list) else []):
        if isinstance(block, dict):
            yield n, block


def refusals(definition: dict, before: dict | None = None) -> list[Problem]:
    """What a workflow may not hold even as a draft: an item of a step list, or of a `next`
    list, that is not an object (nothing could draw, edit or run it, and nothing in it is
    worth keeping); a field of the wrong type (a step id 5, a step_id false: the API would
    answer it back in a shape its document does not allow, and no editor could show it);
    and more steps than WORKFLOW_MAX_STEPS (every edit and run of it would be slow for
    everyone). A workflow that had more already (`before`, from before the limit) may keep
    them and lose some, not gain any; a part that did not change is kept as it was."""
    before = before or {}
    found = []
    for top in ("steps", "rescue"):
        if definition.get(top) != before.get(top):
            found.extend(_not_objects(definition.get(top), [top]))
    found.extend(_mistyped(definition, before, {p.path for p in found}))
    limit = settings.WORKFLOW_MAX_STEPS
    count = step_count(definition)
    if count > limit and count > step_count(before):
        message = f"a workflow has at most {limit} steps, rescue and nested ones included"
        found.append(Problem("/steps", f"{message}; this one has {count}"))
    return found


def _mistyped(definition: dict, before: dict, refused: set[str]) -> list[Problem]:
    changed = {
        key for key in definition.keys() | before.keys() if definition.get(key) != before.get(key)
    }
    return [
        Problem(pointer(*error.absolute_path), _schema_message(error))
        for error in sorted(_validator().iter_errors(definition), key=_error_order)
        if error.validator == "type"
        and error.absolute_path
        and error.absolute_path[0] in changed
        and not _under(pointer(*error.absolute_path), refused)
    ]


def _under(where: str, refused: set[str]) -> bool:
    return any(where == path or where.startswith(path + "/") for path in refused)


def step_count(definition: dict) -> int:
    return sum(1 for _ in walk(definition))


def _not_objects(steps, path) -> list[Problem]:
    found = []
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(step, dict):
            found.append(Problem(pointer(*path, index), "must be an object: a step"))
            continue
        listed = step.get("next")
        for n, block in enumerate(listed if isinstance(listed, list) else []):
            here = [*path, index, "next", n]
            if isinstance(block, dict):
                found.extend(_not_objects(block.get("steps"), [*here, "steps"]))
            else:
                found.append(Problem(pointer(*here), "must be an object: a condition"))
    return found


def _step_problems(path, step, seen_ids):
    step_id = step.get("id")
    if isinstance(step_id, str) and step_id:
        if step_id in seen_ids:
            yield Problem(pointer(*path, "id"), f"duplicate step id, also at {seen_ids[step_id]}")
        else:
            seen_ids[step_id] = pointer(*path)
    key = step_provider(step)
    if not isinstance(key, str) or not key:
        return
    found = registry.get(key)
    field = "provider" if "provider" in step else "action"
    if found is None:
        yield Problem(pointer(*path, field), f"unknown provider {key!r}")
        return
    config = step.get("config") or {}
    for error in sorted(_config_validator(key).iter_errors(config), key=_error_order):
        yield Problem(pointer(*path, "config", *_error_path(error)), _schema_message(error))
    if found.check is not None and isinstance(config, dict):
        # What the schema cannot say and would fail at run time (an email to nobody).
        for where, message in found.check(config):
            yield Problem(pointer(*path, "config") + where, message)
    for parts, value in credentials.inline_secrets(found.config_schema, config):
        yield _inline_secret_problem(pointer(*path, "config", *parts), value)


def _inline_secret_problem(where: str, value: str) -> Problem:
    """An inline secret is kept in a draft (a pasted workflow loses nothing) but never
    published: a version is immutable, and would hold it in plain text for good."""
    if credentials.is_mask(value):
        return Problem(where, "a hidden secret cannot be copied: choose a credential")
    return Problem(where, INLINE_SECRET)


def _jump_problems(definition, seen_ids):
    for path, step in walk(definition):
        for n, block in blocks(step):
            if not isinstance(block.get("step_id"), str):
                continue  # absent, or not text: the schema says so
            where = pointer(*path, "next", n, "step_id")
            if block["step_id"] not in seen_ids:
                yield Problem(where, f"jumps to unknown step {block['step_id']!r}")
            else:
                yield Problem(where, "step_id jumps are deprecated; nest the steps", "warning")


def _error_order(error):
    return [str(p) for p in error.absolute_path]


def _error_path(error) -> list:
    """Where the problem is: a missing key is reported at the key, where its field is, not
    at the object that lacks it."""
    missing = _missing_key(error)
    return [*error.absolute_path, missing] if missing else list(error.absolute_path)


def _missing_key(error) -> str:
    if error.validator == "required":
        match = REQUIRED.match(error.message)
        return match.group(1) if match else ""
    if error.validator == "anyOf" and _required_options(error.schema):
        return _required_options(error.schema)[0]
    return ""


def _required_options(schema: dict) -> list[str]:
    """["callback_url", "url"] for anyOf: [{required: [callback_url]}, {required: [url]}]."""
    options = schema.get("anyOf") or []
    keys = [o.get("required") for o in options if isinstance(o, dict)]
    if len(keys) != len(options) or not all(isinstance(k, list) and len(k) == 1 for k in keys):
        return []
    return [k[0] for k in keys]


def _schema_message(error) -> str:
    """The problem in plain words, naming the field by its title ("Series is required"),
    never the validator's own phrasing ("'name' is a required property")."""
    missing = _missing_key(error)
    if missing:
        return f"{_title(error.schema, missing)} is required"
    field = error.schema.get("title") if isinstance(error.schema, dict) else None
    field = field or _humanise(error.absolute_path[-1] if error.absolute_path else "")
    if error.validator == "pattern":
        examples = error.schema.get("examples") or []
        hint = f", such as {', '.join(map(str, examples[:3]))}" if examples else ""
        return f"{field}: {error.instance!r} is not in the expected format{hint}"
    if error.validator == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value if v)
        return f"{field} must be one of {allowed}"
    if error.validator == "type":
        return f"{field} must be {_kind_words(error.validator_value)}"
    if error.validator == "minLength" and error.validator_value == 1:
        return f"{field} is required"
    if error.validator in LIMIT_WORDS:
        return f"{field} must be {LIMIT_WORDS[error.validator].format(error.validator_value)}"
    return f"{field}: {error.message}" if error.absolute_path else error.message


def _title(schema: dict, key: str) -> str:
    found = (schema.get("properties") or {}).get(key)
    title = found.get("title") if isinstance(found, dict) else None
    return title or _humanise(key)


def _humanise(key) -> str:
    words = str(key).replace("_", " ").replace("-", " ").strip()
    return (words[:1].upper() + words[1:]) or "The value"


LIMIT_WORDS = {
    "minimum": "{} or more",
    "maximum": "{} or less",
    "exclusiveMinimum": "more than {}",
    "exclusiveMaximum": "less than {}",
    "maxLength": "at most {} characters long",
    "minLength": "at least {} characters long",
}
KIND_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "empty",
}


def _kind_words(kinds) -> str:
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return " or ".join(KIND_WORDS.get(k, str(k)) for k in kinds)
