"""The schemas' quick check (jsonschema-rs) never takes what jsonschema refuses: a document
it calls valid skips jsonschema, so a document with a problem that it let through would be
stored unchecked. Shown on every document of the fixtures (and GOBL's examples when
../shared is there), each changed in every way a client gets a document wrong."""

import copy
import json

import pytest
from conftest import ROOT, SHARED

from silo.gobl import schemas
from silo.gobl.envelope import build_envelope

# What a client writes in place of a value: empty, spaced, not a date, email or UUID, the
# wrong type, nothing.
WRONG_VALUES = ("", " x ", "2024-02-30", "24-01-01", "no-at-sign", "ABCD", 12, 1.5, None, [], {})


def documents() -> list[dict]:
    """The fixtures' invoices, and one example of GOBL's of each other kind we check."""
    found = [json.loads(path.read_text()) for path in (ROOT / "tests/fixtures/gobl").glob("*")]
    kinds = {d.get("doc", d).get("$schema") for d in found}
    examples = SHARED / "reference" / "gobl" / "examples"
    for path in sorted(examples.glob("*/out/*.json")):
        doc = json.loads(path.read_text()).get("doc", {})
        if doc.get("$schema") not in kinds:
            kinds.add(doc.get("$schema"))
            found.append(doc)
    docs = [d.get("doc", d) for d in found]
    return [built(d) for d in docs if d.get("$schema") in schemas.SCHEMAS]


def built(doc: dict) -> dict:
    return build_envelope(doc)[0]["doc"]


def variants(doc: dict):
    """The document with one value replaced by a wrong one, or one member left out, at
    every place in it."""
    for path in places(doc):
        for wrong in WRONG_VALUES:
            yield changed(doc, path, lambda parent, key, w=wrong: parent.__setitem__(key, w))
        yield changed(doc, path, lambda parent, key: parent.pop(key))


def places(value, path=()):
    children = value.items() if isinstance(value, dict) else enumerate(value)
    for key, inner in children:
        yield (*path, key)
        if isinstance(inner, dict | list):
            yield from places(inner, (*path, key))


def changed(doc: dict, path: tuple, change) -> dict:
    copied = copy.deepcopy(doc)
    parent = copied
    for key in path[:-1]:
        parent = parent[key]
    change(parent, path[-1])
    return copied


def test_the_quick_check_calls_no_document_valid_that_jsonschema_refuses():
    docs = documents()
    fixtures = [json.loads(p.read_text()) for p in (ROOT / "tests/fixtures/gobl").glob("*")]
    ours = [f for f in fixtures if f.get("doc", f).get("$schema") in schemas.SCHEMAS]
    assert len(docs) >= len(ours) > 0, "the fixtures' documents (and GOBL's, with ../shared)"
    checked = refused = 0
    for doc in docs:
        for variant in variants(doc):
            if not isinstance(variant.get("$schema"), str) or variant["$schema"] not in (
                schemas.SCHEMAS
            ):
                continue
            checked += 1
            python_problems = list(schemas.validator_of(variant["$schema"]).iter_errors(variant))
            refused += bool(python_problems)
            if schemas._quickly_valid(variant):
                assert not python_problems, (variant, python_problems[0].message)
    assert refused > checked // 10, "the variants include many that jsonschema refuses"


@pytest.mark.parametrize("doc", documents()[:3])
def test_a_valid_document_is_quickly_valid(doc):
    assert schemas._quickly_valid(doc)
    assert not list(schemas.validator_of(doc["$schema"]).iter_errors(doc))
