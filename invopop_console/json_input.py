"""The one set of rules for JSON that people and other systems send: the API's bodies, the
console's forms, inbound webhooks and the editor's developer mode all parse and check it here.

JSON may hold what nothing here can keep or give back, so it is refused, by JSON pointer:

- the NUL character: PostgreSQL stores none in text or jsonb, and cannot even compare one;
- a lone surrogate ("\\ud800"): not UTF-8, so no database, renderer or template writes it;
- a number that is not finite: 1e400 parses as infinity, NaN and Infinity are not JSON at
  all, and no JSON renderer or jsonb column takes them;
- nesting deeper than MAX_DEPTH: patching, storing and rendering recurse (GOBL documents
  nest about ten levels, workflows a few more);
- text larger than API_MAX_BODY_BYTES.

Parsing is lenient on purpose (NaN and 1e400 parse) so that problems() can say where they
are; only text that is not JSON at all, or nests past what the parser follows, is NotJson.
"""

import json
import math
import re

from django.conf import settings

from .pointers import pointer

MAX_DEPTH = 64
MAX_PROBLEMS = 20  # enough to fix a body in a few rounds, few enough to read
_SURROGATE = re.compile("[\ud800-\udfff]")


class NotJson(ValueError):
    """The text is not JSON (or too large, or nested past what the parser follows)."""


class BadJson(ValueError):
    """JSON that holds what cannot be kept: `problems` maps JSON pointers to messages."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def parse(text: str | bytes):
    """The JSON value of `text`; raises NotJson, or BadJson naming what it cannot hold."""
    value = loads(text)
    found = problems(value)
    if found:
        raise BadJson(found)
    return value


def loads(text: str | bytes):
    """The JSON value of `text` as written (NaN and 1e400 included: see problems())."""
    limit = settings.API_MAX_BODY_BYTES
    if len(text) > limit:
        raise NotJson(f"it is larger than the limit of {limit} bytes")
    try:
        return json.loads(text)
    except RecursionError:
        raise NotJson(f"it nests deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise NotJson(f"{exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except ValueError as exc:  # not UTF-8; an integer of thousands of digits
        raise NotJson(str(exc)) from None


def problems(value, prefix: str = "") -> dict[str, str]:
    """Where `value` (parsed JSON, or a form's dict of strings) breaks the rules above, by
    JSON pointer below `prefix`; empty when it breaks none. A loop, not recursion: the value
    may be nested as deeply as the parser allowed."""
    if _clean(value):
        return {}
    found: dict[str, str] = {}
    pending = [(prefix, value, 0)]
    while pending and len(found) < MAX_PROBLEMS:
        here, item, depth = pending.pop()
        problem = _problem(item)
        if problem:
            found[here or "/"] = problem
        elif isinstance(item, dict | list) and item and depth >= MAX_DEPTH:
            found[here or "/"] = f"must not nest deeper than {MAX_DEPTH} levels"
        elif isinstance(item, dict):
            for key, inner in item.items():
                below = here + pointer(key)
                key_problem = _problem(key) if isinstance(key, str) else ""
                if key_problem:
                    found[below] = f"its name {key_problem}"
                else:
                    pending.append((below, inner, depth + 1))
        elif isinstance(item, list):
            pending.extend((f"{here}/{n}", inner, depth + 1) for n, inner in enumerate(item))
    return dict(sorted(found.items()))


def _clean(value) -> bool:
    """Whether problems() finds nothing, without the pointers it names each value by: nearly
    every body is clean, and building those was 0.1 ms of each job created with a document
    through the API, for each of the two looks at its body (bench/api.py)."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            if item and depth >= MAX_DEPTH:
                return False
            for key, inner in item.items():
                if isinstance(key, str) and _problem(key):
                    return False
                pending.append((inner, depth + 1))
        elif isinstance(item, list):
            if item and depth >= MAX_DEPTH:
                return False
            pending.extend((inner, depth + 1) for inner in item)
        elif _problem(item):
            return False
    return True


def _problem(item) -> str:
    if isinstance(item, str):
        if "\x00" in item:
            return "must not contain the NUL character"
        if not item.isascii() and _SURROGATE.search(item):
            return "must not contain a lone surrogate (text that is not Unicode)"
    elif isinstance(item, float) and not math.isfinite(item):
        return "must be a finite number"
    return ""
