"""Core actions on the silo entry: state, folder, modify, if, sleep."""

import json
import re

from silo.services import merge_patch, patch_failure, refresh_locked

from . import expr, sandbox
from .base import Status, StepContext, ko, ok, queued, skip
from .registry import provider

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
JQ = "application/jq"


def expression_env(context: StepContext) -> dict:
    """What an `expr` can read: doc, envelope, args, state, faults."""
    entry = context.entry
    return {
        "doc": context.doc,
        "envelope": context.envelope,
        "args": context.args,
        "state": entry.state if entry is not None else "",
        "folder": entry.folder if entry is not None else "",
        "faults": context.faults,
    }


@provider(
    "silo.state",
    name="Set state",
    transactional=True,  # database work only: one transaction with its outcome
    pure=True,
    category="Core",
    summary="Set the silo entry's state, recorded in its history with the job's faults.",
    icon="flag",
    config_schema={
        "type": "object",
        "required": ["state"],
        "properties": {
            "state": {
                "type": "string",
                "title": "State",
                "pattern": "^[a-z][a-z0-9-]*$",
                "examples": ["processing", "sent", "registered", "completed", "error"],
                "description": "Lower-case key, such as processing, sent, completed or error.",
            },
            "notes": {"type": "string", "title": "Notes"},
        },
    },
)
def set_state(context: StepContext):
    if context.entry is None:
        return no_entry()
    state = context.config["state"]
    return ok(message=f"state {state}", state=state, state_notes=context.config.get("notes", ""))


@provider(
    "silo.folder",
    name="Move to folder",
    transactional=True,  # database work only: one transaction with its outcome
    pure=True,
    category="Core",
    summary="Move the silo entry into a folder.",
    icon="folder",
    config_schema={
        "type": "object",
        "required": ["folder"],
        "properties": {"folder": {"type": "string", "title": "Folder", "maxLength": 100}},
    },
)
def set_folder(context: StepContext):
    if context.entry is None:
        return no_entry()
    return ok(message=f"folder {context.config['folder']}", folder=context.config["folder"])


@provider(
    "silo.modify",
    name="Modify silo entry",
    transactional=True,  # database work only: one transaction with its outcome
    pure=True,
    category="Core",
    summary="Change the document with a merge patch, a JSON patch or a jq program.",
    icon="edit",
    config_schema={
        "type": "object",
        "properties": {
            "merge_type": {
                "title": "Modification",
                "enum": [MERGE_PATCH, JSON_PATCH, JQ],
                "default": MERGE_PATCH,
            },
            "data": {
                "title": "Patch",
                "type": ["object", "array"],
                "description": "A merge patch (object) or a JSON patch (list of operations).",
            },
            "jq": {"type": "string", "title": "jq program"},
            "scope": {
                "title": "Applies to",
                "enum": ["envelope", "doc"],
                "default": "envelope",
            },
            "expr": {"type": "string", "title": "Only when (expression)"},
            "addons": {
                "type": "array",
                "title": "Add-ons",
                "items": {"type": "string", "pattern": "^[a-z0-9][a-z0-9.-]*$"},
            },
            "sign": {"type": "boolean", "title": "Sign afterwards", "default": False},
            "allow_invalid_json": {"type": "boolean", "default": False},
        },
        "allOf": [
            {
                "if": {"properties": {"merge_type": {"const": JQ}}, "required": ["merge_type"]},
                "then": {"required": ["jq"]},
            },
            {
                "if": {
                    "properties": {"merge_type": {"const": JSON_PATCH}},
                    "required": ["merge_type"],
                },
                "then": {"required": ["data"], "properties": {"data": {"type": "array"}}},
            },
        ],
    },
)
def modify(context: StepContext):
    if context.entry is None:
        return no_entry()
    fresh(context.entry, context.held)
    config = context.config
    guard = config.get("expr")
    try:
        if guard and not expr.truthy(expr.evaluate(guard, expression_env(context))):
            return skip("the condition is false", "condition-false")
        outcome = _modification(context, config)
    except expr.ExprError as exc:
        return ko(f"expression: {exc}", "invalid-expr")
    except ValueError as exc:  # the jq program's compile and runtime errors
        return ko(f"jq: {exc}", "invalid-jq")
    except sandbox.LimitExceeded as exc:
        return ko(str(exc), "resource-limit")
    if outcome.status != Status.OK:
        return outcome
    outcome = _with_addons(outcome, config.get("addons") or [], context.doc)
    if not outcome.changes_data:
        return skip("nothing to change", "unchanged")
    return _sealed(outcome, context) if config.get("sign") else outcome


def _sealed(outcome, context: StepContext):
    """ "Sign afterwards": the modified envelope, sealed as silo.close does. A signed entry
    stays unchangeable: sealing again is no way around that."""
    from silo.services import json_patch

    from .sign import seal, unsignable

    if context.entry.signed:
        return ko("the entry is signed and cannot be modified", "signed")
    envelope = context.envelope if outcome.envelope is None else outcome.envelope
    if outcome.merge_patch is not None:
        envelope = merge_patch(envelope, outcome.merge_patch)
    if outcome.json_patch is not None:
        try:
            envelope = json_patch(envelope, outcome.json_patch)
        except Exception as exc:  # jsonpatch and jsonpointer raise their own types
            return ko(patch_failure(exc), "invalid-patch")
    problem = unsignable(envelope.get("doc") or {})
    if problem:
        return ko(problem, "not-signable")
    return ok(
        message=f"{outcome.message} and signed".strip(),
        envelope=seal(envelope, context.workspace),
        sign=True,
    )


def _modification(context: StepContext, config: dict):
    merge_type = config.get("merge_type") or MERGE_PATCH
    scope = config.get("scope")
    if merge_type == JQ:
        return ok(envelope=_run_jq(context.envelope, config["jq"], scope))
    if merge_type == JSON_PATCH:
        return ok(json_patch=_scoped_ops(config["data"], scope))
    data = config.get("data")
    if data is not None:
        if not isinstance(data, dict):  # a list would replace the document (or the envelope)
            return ko("a merge patch is an object", "invalid-patch")
        return ok(merge_patch={"doc": data} if scope == "doc" else data)
    return ok()


def _run_jq(envelope: dict, program: str, scope: str | None) -> dict:
    target = envelope.get("doc", {}) if scope == "doc" else envelope
    results = sandbox.jq(program, target, first=True)
    if not results:  # `empty`, or a select() that drops its input
        raise ValueError("the program gives no result")
    result = results[0]
    if not isinstance(result, dict):  # the document and the envelope are JSON objects
        raise ValueError(f"the program gives {json.dumps(result)[:60]}, not an object")
    return {**envelope, "doc": result} if scope == "doc" else result


def _scoped_ops(operations: list, scope: str | None) -> list:
    if scope != "doc":
        return operations
    return [_scoped_op(op) for op in operations]


def _scoped_op(op):
    """The operation with its pointers ("path", and "from" of move and copy) under /doc.
    What is not a pointer (no leading slash) stays as it is, for jsonpatch to refuse."""
    if not isinstance(op, dict):
        return op
    return {
        **op,
        **{
            key: "/doc" + op[key]
            for key in ("path", "from")
            if isinstance(op.get(key), str) and (op[key] == "" or op[key].startswith("/"))
        },
    }


def _with_addons(outcome, addons: list, doc: dict):
    """Add the add-on keys missing from doc["$addons"] to whatever the outcome changes."""
    current = list(doc.get("$addons") or [])
    added = list(dict.fromkeys(a for a in addons if a not in current))
    if not added:
        return outcome
    wanted = current + added
    if outcome.envelope is not None:
        outcome.envelope = {
            **outcome.envelope,
            "doc": {**outcome.envelope.get("doc", {}), "$addons": wanted},
        }
    elif outcome.json_patch is not None:
        outcome.json_patch = [
            *outcome.json_patch,
            {"op": "add", "path": "/doc/$addons", "value": wanted},
        ]
    else:
        outcome.merge_patch = merge_patch(outcome.merge_patch or {}, {"doc": {"$addons": wanted}})
    outcome.message = f"add-ons {', '.join(added)}"
    return outcome


@provider(
    "silo.if",
    name="Condition",
    transactional=True,  # database work only: one transaction with its outcome
    pure=True,
    category="Core",
    summary="Evaluate an expression on the document; the code is true or false.",
    icon="branch",
    config_schema={
        "type": "object",
        "required": ["expr"],
        "properties": {
            "expr": {
                "type": "string",
                "title": "Expression",
                "minLength": 1,
                "description": 'For example: doc?.customer?.tax_id?.country == "ES"',
            }
        },
    },
)
def condition(context: StepContext):
    if context.entry is not None:
        fresh(context.entry, context.held)
    try:
        value = expr.truthy(expr.evaluate(context.config["expr"], expression_env(context)))
    except expr.ExprError as exc:
        return ko(f"expression: {exc}", "invalid-expr")
    return ok("true" if value else "false")


def fresh(entry, held=None) -> None:
    """Lock the entry's row and reload it, in the transaction of the step's outcome.

    The engine loads the entry when it claims the job, and another job may have changed it
    since: a guard, a jq program or the add-ons computed from that copy would decide on stale
    data and, written back, lose the other job's change. The engine's copy is reloaded in
    place, so that a whole new envelope is based on the version it was computed from.

    An entry `held` by a batch of jobs is left as it is: the batch's copy is the latest, or
    the batch's write finds the entry changed and gives up (jobs/batch.py)."""
    if held is None:
        refresh_locked(entry)


def no_entry():
    return ko("the job has no silo entry", "no-entry")


DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}


def seconds(value) -> float:
    if isinstance(value, int | float):
        return float(value)
    match = DURATION.match(str(value).strip())
    if not match:
        raise ValueError(f"not a duration: {value!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


@provider(
    "silo.sleep",
    name="Wait",
    transactional=True,  # database work only: one transaction with its outcome
    pure=True,
    category="Core",
    summary="Wait for a while before the next step, without holding a worker.",
    icon="clock",
    config_schema={
        "type": "object",
        "required": ["duration"],
        "properties": {
            "duration": {
                "title": "Duration",
                "type": ["number", "string"],
                "pattern": r"^\d+(\.\d+)?(ms|s|m|h)?$",
                "description": "Seconds, or a duration such as 30s, 5m or 2h.",
            }
        },
    },
)
def sleep(context: StepContext):
    if context.poke is not None:
        return ok("woken", "woken by a poke")
    wanted = seconds(context.config["duration"])
    if context.waited is None:
        return queued(f"for {wanted:g} s", "sleeping", retry_in=wanted)
    if context.waited + 0.01 < wanted:
        return queued("still sleeping", "sleeping", retry_in=wanted - context.waited)
    return ok(message=f"slept {context.waited:.2f} s")
