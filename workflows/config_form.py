"""The step configuration form of the workflow editor, generated from a provider's config_schema.

`fields()` turns the schema and the step's config into Fields for the template
(workflows/editor/_config_fields.html); `parse()` reads the posted form back into a config.

A step config is Invopop workflow JSON and is kept losslessly: parse() starts from a copy of
the config, so keys the schema does not know survive, and it changes only what the user
changed. A field whose submitted text is what the form showed keeps its old value exactly
(a string "3600" in a string-or-integer field stays a string, an absent key with a default
stays absent), and a value the field's widget cannot show (an object where the schema says
string) is edited as JSON instead, so that saving the form never rewrites it.

A secret (a `writeOnly` property, providers/credentials.py) is a choice of the workspace's
credentials, never a text box: the form shows an inline secret only by its mask, and the
caller unmasks what comes back.
"""

import copy
import json
import math
import re
from dataclasses import dataclass, field

from invopop_console import json_input
from invopop_console.pointers import pointer

MISSING = object()  # a key absent from the config, unlike a null value
KEEP = object()  # a field the user left as it was shown
SCALARS = {"string", "number", "integer"}
REQUIRED_MESSAGE = re.compile(r"^'(.+)' is a required property$")
MIN_ROWS, MAX_ROWS = 3, 14


@dataclass
class Field:
    pointer: str  # JSON pointer relative to the config; the input's name
    dom_id: str
    label: str
    kind: str  # text textarea number integer boolean enum list object json secret
    value: str | bool = ""
    placeholder: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)  # (JSON value, label)
    help: str = ""
    required: bool = False
    error: str = ""
    focus: bool = False  # the field a problem link asked for
    children: list["Field"] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """A textarea's height: its content, within bounds."""
        lines = str(self.value).count("\n") + 1
        return max(MIN_ROWS, min(MAX_ROWS, lines))

    @property
    def inline(self) -> bool:
        """A secret field that holds an inline secret (shown by its mask): one to move."""
        return self.kind == "secret" and str(self.value).startswith('"')

    @property
    def described_by(self) -> str:
        """The ids of the help and error paragraphs, for aria-describedby."""
        parts = [("help", self.help), ("error", self.error)]
        return " ".join(f"{self.dom_id}-{name}" for name, text in parts if text)


class Invalid(ValueError):
    """A submitted value that cannot be read; the message follows the field's label."""


# Building the form


def fields(
    schema: dict,
    config: dict,
    problems: dict[str, str] | None = None,
    submitted=None,
    credentials: list[tuple[str, str]] = (),
) -> list[Field]:
    """The form's fields, in schema order, with each problem on the nearest field.

    `submitted` (the posted form) re-shows what the user typed in a field that has an error,
    instead of the old value that parse() kept, so a half-typed JSON patch is not lost.
    `credentials` (name, label) are the choices of the secret fields."""
    found = _fields(schema, config or {}, "")
    index = dict(_walk(found))
    for f in index.values():
        if f.kind == "secret":
            f.options = _secret_options(f.value, credentials)
    for where, message in (problems or {}).items():
        target = _nearest(index, _required_target(where, message))
        if target is not None and not target.error:
            target.error = message
            _show_submitted(target, submitted)
    return found


def focus(found: list[Field], where: str) -> None:
    """Mark the field at `where` (or its closest parent) as the one to focus."""
    target = _nearest(dict(_walk(found)), where)
    if target is not None:
        target.focus = True


def boolean_pointers(found: list[Field]) -> str:
    """The pointers of the checkboxes rendered, for the form's hidden `__booleans` input."""
    return ",".join(where for where, f in _walk(found) if f.kind == "boolean")


def _fields(schema: dict, config: dict, prefix: str) -> list[Field]:
    required = set(schema.get("required") or [])
    return [
        _field(key, prop, config.get(key, MISSING), key in required, prefix + pointer(key))
        for key, prop in (schema.get("properties") or {}).items()
        if isinstance(prop, dict)
    ]


def _field(key: str, schema: dict, value, required: bool, where: str) -> Field:
    kind = _kind(schema, value)
    shown = schema.get("default", MISSING) if value is MISSING else value
    examples = schema.get("examples") or []
    hint = examples[0] if examples else schema.get("default", MISSING)
    made = Field(
        pointer=where,
        dom_id=_dom_id(where),
        label=schema.get("title") or _humanise(key),
        kind=kind,
        value=_display(kind, shown),
        placeholder=_placeholder(kind, hint),
        options=_options(schema) if kind == "enum" else [],
        help=schema.get("description", ""),
        required=required,
    )
    if kind == "object":
        made.children = _fields(schema, value if isinstance(value, dict) else {}, where)
    return made


def _placeholder(kind: str, hint) -> str:
    if hint is MISSING or kind in ("boolean", "object", "secret"):
        return ""
    if kind == "enum":  # not JSON-encoded: it is read, not posted
        return _scalar_text(hint)
    return str(_display(kind, hint))


def _walk(found: list[Field]):
    for f in found:
        yield f.pointer, f
        yield from _walk(f.children)


def _required_target(where: str, message: str) -> str:
    """A missing required key is reported on its object: show it on the key's own field."""
    match = REQUIRED_MESSAGE.match(message)
    return where + pointer(match.group(1)) if match else where


def _nearest(index: dict[str, Field], where: str) -> Field | None:
    """The field at `where`, else at its closest parent (a problem inside a JSON field)."""
    while where:
        if where in index:
            return index[where]
        where = where.rpartition("/")[0]
    return None


def _show_submitted(target: Field, submitted) -> None:
    if submitted is None or target.kind in ("boolean", "object"):
        return
    if target.pointer in submitted:
        target.value = _lines(submitted.get(target.pointer))


def _dom_id(where: str) -> str:
    return "cfg" + re.sub(r"[^A-Za-z0-9_-]", "-", where)


def _humanise(key: str) -> str:
    words = re.sub(r"[_-]+", " ", key).strip()
    return words[:1].upper() + words[1:]


def _secret_options(shown: str, credentials) -> list[tuple[str, str]]:
    """The credentials to choose from; the current value first when it is none of them (an
    inline secret, by its mask, or a name the workspace does not have)."""
    options = [(json.dumps({"credential": name}), label) for name, label in credentials]
    if shown and shown not in {value for value, _ in options}:
        current = json.loads(shown)
        if isinstance(current, str):
            label = f"Inline secret {current}"
        else:
            label = f"{current.get('credential')} (no such credential)"
        options.insert(0, (shown, label))
    return options


def _options(schema: dict) -> list[tuple[str, str]]:
    return [
        (json.dumps(choice), choice if isinstance(choice, str) else json.dumps(choice))
        for choice in schema["enum"]
    ]


# Kinds: what widget edits a value


def _kind(schema: dict, value=MISSING) -> str:
    """The widget for the schema, or "json" when the current value does not fit it."""
    kind = _schema_kind(schema)
    if value is MISSING or _fits(kind, schema, value):
        return kind
    if kind == "text" and isinstance(value, str):
        return "textarea"  # a one-line input would drop the line breaks
    return "json"


def _schema_kind(schema: dict) -> str:
    if schema.get("writeOnly"):
        return "secret"
    if "oneOf" in schema or "anyOf" in schema:
        return "json"
    if "enum" in schema:
        return "enum"
    types = _types(schema)
    if len(types) > 1:
        return "text" if set(types) <= SCALARS else "json"
    single = types[0] if types else ("object" if "properties" in schema else None)
    if single == "string":
        return "textarea" if _multiline(schema) else "text"
    if single in ("number", "integer", "boolean"):
        return single
    if single == "object" and schema.get("properties"):
        return "object"
    if single == "array" and _item_type(schema) in SCALARS:
        return "list"
    return "json"


def _types(schema: dict) -> list[str]:
    """The schema's types; a nullable type counts as the type (an empty field unsets it)."""
    declared = schema.get("type", [])
    declared = [declared] if isinstance(declared, str) else list(declared)
    return [t for t in declared if t != "null"] or declared


def _multiline(schema: dict) -> bool:
    long = schema.get("maxLength", 0) > 200
    return schema.get("format") == "textarea" or long or bool(schema.get("x-multiline"))


def _item_type(schema: dict) -> str | None:
    items = schema.get("items")
    if not isinstance(items, dict) or "enum" in items or not isinstance(items.get("type"), str):
        return None
    return items["type"]


def _fits(kind: str, schema: dict, value) -> bool:
    if kind == "text":
        return _fits_text(schema, value)
    if kind == "textarea":
        return isinstance(value, str)
    if kind == "enum":
        return json.dumps(value) in {v for v, _ in _options(schema)}
    if kind == "list":
        return isinstance(value, list) and all(_fits_item(_item_type(schema), v) for v in value)
    if kind == "object":
        return isinstance(value, dict)
    if kind in ("number", "integer", "boolean"):
        return _is_type(kind, value)
    if kind == "secret":
        return isinstance(value, str) or _is_reference(value)
    return True


def _is_reference(value) -> bool:
    return isinstance(value, dict) and set(value) == {"credential"}


def _fits_text(schema: dict, value) -> bool:
    if isinstance(value, str):
        return "\n" not in value and "\r" not in value
    return any(_is_type(t, value) for t in _types(schema) if t != "string")


def _fits_item(item_type: str | None, value) -> bool:
    """An item survives one-per-line editing: no line breaks, no edge spaces, not empty."""
    if item_type == "string":
        one_line = isinstance(value, str) and "\n" not in value and "\r" not in value
        return one_line and value != "" and value == value.strip()
    return _is_type(item_type, value)


def _is_type(kind: str | None, value) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):  # True is an int to Python, never a number to JSON
        return False
    if kind == "integer":
        return isinstance(value, int)
    if kind == "number":
        return isinstance(value, int | float) and math.isfinite(value)
    return False


def _display(kind: str, value) -> str | bool:
    """The value as its input shows it."""
    if kind == "boolean":
        return value is True
    if value is MISSING or kind == "object":
        return ""
    if kind == "list":
        return "\n".join(_scalar_text(v) for v in value) if isinstance(value, list) else ""
    if kind == "json":
        return json.dumps(value, indent=2, ensure_ascii=False)
    if kind in ("enum", "secret"):
        return json.dumps(value)
    return _scalar_text(value)


def _scalar_text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


# Reading the form back


def parse(schema: dict, config: dict, form) -> tuple[dict, dict[str, str]]:
    """The config with the form's changes, and the form's errors by pointer.

    Fields absent from the form are left as they were, so a partial post wipes nothing.
    A field with an error keeps its previous value."""
    config = config or {}
    booleans = set(filter(None, (form.get("__booleans") or "").split(",")))
    changed = copy.deepcopy(config)
    errors: dict[str, str] = {}
    _parse_object(schema, config, changed, _Form(form, booleans), "", errors)
    return changed, errors


@dataclass
class _Form:
    data: object  # a QueryDict or a dict of str
    booleans: set[str]  # the checkboxes rendered: absent from the post means unchecked


def _parse_object(schema: dict, old: dict, new: dict, form: _Form, prefix: str, errors) -> None:
    for key, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        where = prefix + pointer(key)
        before = old.get(key, MISSING)
        kind = _kind(prop, before)
        if kind == "object":
            _parse_nested(prop, key, old, new, form, where, errors)
            continue
        submitted = _submitted(kind, form, where)
        if submitted is None:
            continue
        try:
            after = _read(kind, prop, before, submitted)
        except Invalid as exc:
            errors[where] = str(exc)
            continue
        if after is MISSING:
            new.pop(key, None)
        elif after is not KEEP:
            new[key] = after


def _parse_nested(schema: dict, key: str, old: dict, new: dict, form: _Form, where, errors):
    """An object made only of absent fields is not added (it was absent before)."""
    child = new.get(key) if key in new else {}
    _parse_object(schema, old.get(key, {}), child, form, where, errors)
    if child or key in old:
        new[key] = child


def _submitted(kind: str, form: _Form, where: str):
    """The field's text as posted, a bool for a checkbox, or None when the form lacks it."""
    if kind == "boolean":
        if where in form.data:
            return form.data.get(where) in ("on", "true")
        return False if where in form.booleans else None
    if where not in form.data:
        return None
    return _lines(form.data.get(where))


def _lines(text) -> str:
    """Browsers post a textarea's line breaks as CRLF."""
    return str(text or "").replace("\r\n", "\n").replace("\r", "\n")


def _read(kind: str, schema: dict, before, submitted):
    """The field's new value, MISSING to unset it, KEEP to leave it; or Invalid."""
    shown = schema.get("default", MISSING) if before is MISSING else before
    if submitted == _display_lines(kind, shown):
        return KEEP  # untouched: the exact old value stays, or its absence
    if kind == "boolean":
        return submitted
    if submitted.strip() == "":
        return MISSING
    return READERS[kind](schema, submitted)


def _display_lines(kind: str, value):
    shown = _display(kind, value)
    return shown if isinstance(shown, bool) else _lines(shown)


def _read_text(schema: dict, text: str):
    """A string; in a string-or-number field, a number when it reads as one."""
    if "string" in _types(schema) and len(_types(schema)) == 1:
        return text
    try:
        number = json_input.loads(text)
    except json_input.NotJson:
        number = None
    if any(_is_type(t, number) for t in _types(schema) if t != "string"):
        return number
    if "string" in _types(schema):
        return text
    raise Invalid("must be a number")


def _read_number(schema: dict, text: str):
    try:
        number = float(text)
    except ValueError:
        raise Invalid("must be a number") from None
    if not math.isfinite(number):
        raise Invalid("must be a number")
    return _int_or_float(text.strip(), number)


def _int_or_float(text: str, number: float):
    """1 stays 1, not 1.0: the config is JSON that people read."""
    try:
        return int(text)
    except ValueError:
        return number


def _read_integer(schema: dict, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        raise Invalid("must be a whole number") from None
    if not math.isfinite(number) or not number.is_integer():
        raise Invalid("must be a whole number")
    return int(number)


def _read_enum(schema: dict, text: str):
    if text not in {v for v, _ in _options(schema)}:
        raise Invalid("must be one of the choices")
    return json.loads(text)


def _read_list(schema: dict, text: str) -> list:
    item_type = _item_type(schema)
    items = [line.strip() for line in text.split("\n") if line.strip()]
    if item_type == "string":
        return items
    read = _read_integer if item_type == "integer" else _read_number
    try:
        return [read(schema, item) for item in items]
    except Invalid as exc:
        raise Invalid(f"one item a line; each {exc}") from None


def _read_secret(schema: dict, text: str):
    """A credential chosen (a reference), or the mask shown for an inline secret."""
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not (_is_reference(value) or isinstance(value, str)):
        raise Invalid("must be one of the workspace's credentials")
    return value


def _read_json(schema: dict, text: str):
    try:
        return json_input.parse(text)
    except json_input.NotJson as exc:
        raise Invalid(f"is not valid JSON: {exc}") from None
    except json_input.BadJson as exc:
        raise Invalid(f"holds what cannot be kept: {exc}") from None


READERS = {
    "text": _read_text,
    "textarea": _read_text,
    "number": _read_number,
    "integer": _read_integer,
    "enum": _read_enum,
    "list": _read_list,
    "json": _read_json,
    "secret": _read_secret,
}


# Problems of the definition


def problems_for_step(problems, step_pointer: str) -> dict[str, str]:
    """The problems inside the step's config, by pointer relative to the config; the first
    message of a pointer wins (problems come in document order, schema errors first)."""
    base = step_pointer + "/config"
    found: dict[str, str] = {}
    for problem in problems:
        if problem.path == base or problem.path.startswith(base + "/"):
            found.setdefault(problem.path[len(base) :], problem.message)
    return found
