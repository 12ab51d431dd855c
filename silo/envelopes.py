"""GOBL envelopes: what the silo stores, whatever form a document arrives in."""

import uuid

ENVELOPE_SCHEMA = "https://gobl.org/draft-0/envelope"
GOBL_PREFIX = "https://gobl.org/"


class NotGobl(ValueError):
    """The data is not a GOBL envelope or document; `field` points at what is wrong."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def as_envelope(data) -> dict:
    """The envelope itself, or a bare GOBL document wrapped into a new one."""
    if not isinstance(data, dict):
        raise NotGobl("a GOBL envelope or document is a JSON object")
    schema = data.get("$schema")
    if not isinstance(schema, str) or not schema.startswith(GOBL_PREFIX):
        raise NotGobl("needs a GOBL $schema (https://gobl.org/…)", "/$schema")
    if schema == ENVELOPE_SCHEMA:
        if not isinstance(data.get("doc"), dict):
            raise NotGobl("an envelope needs a doc object", "/doc")
        return data
    return {"$schema": ENVELOPE_SCHEMA, "head": {"uuid": str(uuid.uuid4())}, "doc": data}
