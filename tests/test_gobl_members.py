"""What GOBL keeps of a document: the members its structs have (silo/gobl/members.py). The
table is held equal to GOBL's JSON Schemas, from which it was written."""

import json

from conftest import shared_path

from silo.gobl import build_document
from silo.gobl.members import ANY_DOCUMENT, DOCUMENTS, MEMBERS, drop_unknown_members

INVOICE = {
    "$schema": "https://gobl.org/draft-0/bill/invoice",
    "issue_date": "2025-01-10",
    "supplier": {"name": "Provide One S.L.", "tax_id": {"country": "ES", "code": "B98602642"}},
    "lines": [
        {
            "quantity": "1",
            "item": {"name": "Work", "price": "100.00"},
            "taxes": [{"cat": "VAT", "rate": "general"}],
        }
    ],
}


def schema_members() -> dict:
    """Each object of GOBL's documents with its members, from the reference's schemas: a
    member holding an object (or a list of them, or a `$ref` to such a list) names it."""
    root = shared_path("reference", "gobl", "schemas")
    defs, mains = {}, {}
    for path in root.rglob("*.json"):
        schema = json.loads(path.read_text())
        mains[schema["$id"]] = schema["$ref"].split("/")[-1]
        defs.update(schema.get("$defs", {}))

    def resolve(ref: str):
        name = ref.split("/")[-1] if ref.startswith("#") else mains[ref]
        found = defs[name]
        if found.get("type") == "array" and "$ref" in found.get("items", {}):
            return resolve(found["items"]["$ref"])
        return name if "properties" in found or name == ANY_DOCUMENT else None

    def child(prop: dict):
        if prop.get("type") == "array":
            prop = prop.get("items", {})
        return resolve(prop["$ref"]) if "$ref" in prop else None

    table, todo = {}, [mains[url] for url in DOCUMENTS]
    while todo:
        name = todo.pop()
        if name in table or name == ANY_DOCUMENT:
            continue
        table[name] = {member: child(prop) for member, prop in defs[name]["properties"].items()}
        todo += [kind for kind in table[name].values() if kind]
    return table


def test_the_members_are_those_of_gobls_schemas():
    assert schema_members() == MEMBERS


def test_the_documents_gobl_built_keep_every_member():
    for path in sorted(shared_path("reference", "gobl", "examples").glob("*/out/*.json")):
        doc = json.loads(path.read_text())["doc"]
        copied = json.loads(json.dumps(doc))
        drop_unknown_members(copied)
        assert copied == doc, path.name


def test_a_misspelt_member_is_dropped_at_every_level():
    doc = json.loads(json.dumps(INVOICE))
    doc["region"] = "ES"
    doc["supplier"]["addresses"] = [{"street": "Calle Mayor", "number": "1"}]
    doc["lines"][0]["item"]["colour"] = "red"
    doc["lines"][0]["taxes"][0]["percentage"] = "21%"
    built, problems = build_document(doc)
    assert problems == []
    assert "region" not in built
    assert built["supplier"]["addresses"] == [{"street": "Calle Mayor"}]
    assert built["lines"][0]["item"] == {"name": "Work", "price": "100.00"}
    assert built["lines"][0]["taxes"] == [
        {"cat": "VAT", "key": "standard", "rate": "general", "percent": "21.0%"}
    ]


def test_maps_keep_any_key_and_ext_loses_its_empty_codes():
    doc = json.loads(json.dumps(INVOICE))
    doc["meta"] = {"anything": "kept"}
    doc["lines"][0]["item"]["ext"] = {"x-code": "A", "x-empty": ""}
    doc["lines"][0]["item"]["meta"] = {"source": "erp"}
    doc["supplier"]["ext"] = {"x-empty": ""}
    built, _ = build_document(doc)
    assert built["meta"] == {"anything": "kept"}
    assert built["lines"][0]["item"]["ext"] == {"x-code": "A"}
    assert built["lines"][0]["item"]["meta"] == {"source": "erp"}
    assert "ext" not in built["supplier"]


def test_a_member_named_in_another_case_is_gobls():
    doc = json.loads(json.dumps(INVOICE))
    doc["supplier"]["Alias"] = "Provide"
    built, _ = build_document(doc)
    assert built["supplier"]["alias"] == "Provide"
    assert "Alias" not in built["supplier"]


def test_earlier_formats_are_read_before_their_members_go():
    doc = json.loads(json.dumps(INVOICE))
    doc["lines"][0]["taxes"] = [{"cat": "VAT", "tags": ["general"]}]
    doc["payment"] = {
        "terms": {"key": "instant", "notes": "Thanks.", "detail": "Pay now"},
        "advances": [{"desc": "Deposit", "amount": "10.00"}],
        "instructions": {"key": "online", "online": [{"name": "Pay", "addr": "https://x.io"}]},
    }
    built, _ = build_document(doc)
    assert built["lines"][0]["taxes"][0]["rate"] == "general"
    payment = built["payment"]
    assert payment["terms"] == {"key": "instant", "notes": "Thanks. Pay now"}
    assert payment["advances"][0]["description"] == "Deposit"
    assert payment["instructions"]["online"] == [{"label": "Pay", "url": "https://x.io"}]


def test_a_complement_loses_the_members_of_its_own_kind():
    doc = json.loads(json.dumps(INVOICE))
    doc["complements"] = [{"$schema": DOCUMENTS_BY_KIND["note.Message"], "content": "Hi", "x": 1}]
    built, _ = build_document(doc)
    assert built["complements"] == [{"$schema": DOCUMENTS_BY_KIND["note.Message"], "content": "Hi"}]


DOCUMENTS_BY_KIND = {kind: url for url, kind in DOCUMENTS.items()}
