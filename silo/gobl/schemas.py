"""JSON Schemas of our own for the GOBL documents we validate, written from GOBL's
(draft-0) schemas: the fields that matter for checking, with their types, formats and the
members GOBL requires. Unknown members are allowed, as GOBL's extensions and addons add them.
"""

from functools import cache

import jsonschema_rs

from invopop_console.pointers import pointer

from .problems import Problems

BASE = "https://gobl.org/draft-0/"
AMOUNT = {"type": ["string", "number"], "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
PERCENT = {"type": ["string", "number"], "pattern": r"^-?[0-9]+(\.[0-9]+)?%?$"}
DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
CODE = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^\S(.*\S)?$"}
KEY = {"type": "string", "pattern": r"^(?:[a-z]|[a-z0-9][a-z0-9-+]*[a-z0-9])$"}
COUNTRY = {"type": "string", "pattern": "^[A-Za-z]{2}$"}
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$"}
UUID = {"type": "string", "format": "uuid"}
TEXT = {"type": "string"}


def obj(properties: dict, required=(), **more) -> dict:
    schema = {"type": "object", "properties": properties, **more}
    if required:
        schema["required"] = list(required)
    return schema


def array(items: dict, **more) -> dict:
    return {"type": "array", "items": items, **more}


TAX_IDENTITY = obj({"country": COUNTRY, "code": TEXT, "scheme": TEXT}, ["country"])
ADDRESS = obj(
    {
        name: TEXT
        for name in (
            "po_box", "num", "floor", "block", "door", "street", "street_extra",
            "locality", "region", "state", "code",
        )
    }
    | {"country": COUNTRY},
)  # fmt: skip
EMAIL = obj({"addr": {"type": "string", "format": "email", "minLength": 3}}, ["addr"])
PERSON = obj({"name": obj({"given": TEXT, "surname": TEXT}), "role": TEXT}, ["name"])
IDENTITY = obj({"key": KEY, "type": TEXT, "code": CODE, "country": COUNTRY}, ["code"])
PARTY = obj(
    {
        "$regime": COUNTRY,
        "uuid": UUID,
        "name": TEXT,
        "alias": TEXT,
        "tax_id": TAX_IDENTITY,
        "identities": array(IDENTITY),
        "people": array(PERSON),
        "addresses": array(ADDRESS),
        "emails": array(EMAIL),
        "telephones": array(obj({"num": TEXT}, ["num"])),
        "websites": array(obj({"url": {"type": "string", "format": "uri"}}, ["url"])),
    },
)
TAX_COMBO = obj(
    {"cat": CODE, "country": COUNTRY, "key": KEY, "rate": KEY, "percent": PERCENT},
    ["cat"],
)
ITEM = obj(
    {"name": {"type": "string", "minLength": 1}, "price": AMOUNT, "currency": CURRENCY},
    ["name"],
)
ADJUSTMENT = obj(
    {"reason": TEXT, "code": TEXT, "percent": PERCENT, "amount": AMOUNT, "base": AMOUNT},
    anyOf=[{"required": ["percent"]}, {"required": ["amount"]}],
)
LINE = obj(
    {
        "quantity": AMOUNT,
        "item": ITEM,
        "discounts": array(ADJUSTMENT),
        "charges": array(ADJUSTMENT),
        "taxes": array(TAX_COMBO),
    },
    ["quantity", "item"],
)
DOCUMENT_ADJUSTMENT = ADJUSTMENT | {
    "properties": ADJUSTMENT["properties"] | {"taxes": array(TAX_COMBO)}
}
DOCUMENT_REF = obj(
    {"uuid": UUID, "type": KEY, "issue_date": DATE, "series": CODE, "code": CODE},
    ["code"],
)


def document(schema: str, types: list[str], properties: dict, required=()) -> dict:
    common = {
        "$schema": {"const": BASE + schema},
        "$regime": COUNTRY,
        "uuid": UUID,
        "type": {"enum": types},
        "series": CODE,
        "code": CODE,
        "issue_date": DATE,
        "value_date": DATE,
        "currency": CURRENCY,
        "preceding": array(DOCUMENT_REF),
        "supplier": PARTY,
        "customer": PARTY,
        "notes": array(obj({"text": TEXT}, ["text"])),
    }
    return obj(common | properties, ["supplier", *required])


INVOICE = document(
    "bill/invoice",
    ["standard", "proforma", "corrective", "credit-note", "debit-note", "other"],
    {
        "op_date": DATE,
        "tax": obj({"prices_include": CODE, "rounding": KEY}),
        "lines": array(LINE),
        "discounts": array(DOCUMENT_ADJUSTMENT),
        "charges": array(DOCUMENT_ADJUSTMENT),
        "payment": obj(
            {
                "advances": array(
                    obj(
                        {"description": TEXT, "percent": PERCENT, "amount": AMOUNT},
                        anyOf=[{"required": ["percent"]}, {"required": ["amount"]}],
                    )
                ),
                "terms": obj({"key": KEY, "due_dates": array(obj({"date": DATE}, ["date"]))}),
            }
        ),
    },
)
PAYMENT = document(
    "bill/payment",
    ["request", "advice", "receipt"],
    {
        "lines": array(
            obj(
                {"document": DOCUMENT_REF, "amount": AMOUNT, "refund": {"type": "boolean"}},
                ["amount"],
            ),
            minItems=1,
        ),
        "methods": array(obj({"key": KEY, "amount": AMOUNT, "date": DATE}), minItems=1),
        "total": AMOUNT,
    },
    ["type", "lines"],
)
ORDER = document(
    "bill/order",
    ["purchase", "sale", "quote"],
    {
        "lines": array(LINE),
        "discounts": array(DOCUMENT_ADJUSTMENT),
        "charges": array(DOCUMENT_ADJUSTMENT),
        "buyer": PARTY,
        "seller": PARTY,
    },
)
DELIVERY = document(
    "bill/delivery",
    ["advice", "note", "waybill", "receipt", "other"],
    {
        "lines": array(LINE),
        "despatch_date": DATE,
        "receive_date": DATE,
        "despatcher": PARTY,
        "receiver": PARTY,
        "courier": PARTY,
        "tracking": obj({"code": CODE, "website": obj({"url": TEXT})}),
    },
    ["type"],
)
STATUS = document(
    "bill/status",
    ["response", "update", "system"],
    {"lines": array(obj({"key": KEY, "date": DATE, "doc": DOCUMENT_REF}))},
    ["type"],
)
IDENTITY_DOCUMENT = TAX_IDENTITY | {
    "properties": TAX_IDENTITY["properties"] | {"$schema": {"const": BASE + "tax/identity"}}
}
MESSAGE = obj(
    {"$schema": {"const": BASE + "note/message"}, "uuid": UUID, "title": TEXT, "content": TEXT}
)
PARTY_DOCUMENT = PARTY | {
    "properties": PARTY["properties"] | {"$schema": {"const": BASE + "org/party"}}
}

SCHEMAS = {
    BASE + "bill/invoice": INVOICE,
    BASE + "bill/payment": PAYMENT,
    BASE + "bill/order": ORDER,
    BASE + "bill/delivery": DELIVERY,
    BASE + "org/party": PARTY_DOCUMENT,
    BASE + "bill/status": STATUS,
    BASE + "tax/identity": IDENTITY_DOCUMENT,
    BASE + "note/message": MESSAGE,
}


@cache
def validator_of(url: str):
    """jsonschema's validator of a kind, made on first need: only an invalid document asks
    for one, and jsonschema with its format checkers is 6.5 MB a process that never does
    (BENCHMARKS.md, footprint)."""
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(SCHEMAS[url], format_checker=FormatChecker())


# The same schemas in jsonschema-rs, which tells a valid document valid some fifty times
# faster (0.14 ms of each invoice the API is given, ~4 % of the web's CPU per job; 0.002
# here). Only that: the problems of an invalid one are jsonschema's, whose messages and
# paths the API answers with. Where the two judge formats differently, rs is the stricter
# (tests/test_gobl_build.py holds that a document rs takes has no problem in jsonschema).
QUICK_VALIDATORS = {
    url: jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    for url, schema in SCHEMAS.items()
}


def schema_problems(doc: dict, problems: Problems) -> bool:
    """Checks `doc` against our schema of its kind; False when we have none for it."""
    if doc.get("$schema") not in SCHEMAS:
        return False
    if _quickly_valid(doc):
        return True
    errors = validator_of(doc["$schema"]).iter_errors(doc)
    for error in sorted(errors, key=lambda e: list(e.absolute_path)):
        where = pointer(*error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1]
            problems.add(where + pointer(missing), "is required")
        elif error.validator == "anyOf" and error.schema.get("anyOf", [{}])[0].get("required"):
            problems.add(where, "needs a percent or an amount")
        elif error.schema is DATE:
            problems.add(where, "must be a date such as 2024-01-31")
        else:
            problems.add(where, error.message)
    return True


def _quickly_valid(doc: dict) -> bool:
    try:
        return QUICK_VALIDATORS[doc["$schema"]].is_valid(doc)
    except ValueError:  # what rs cannot read (an integer past 64 bits): jsonschema judges
        return False
