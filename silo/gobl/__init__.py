"""GOBL documents: calculation of invoices and validation of the other kinds.

The entry points are build_envelope() (what the `gobl.build` provider and the silo call),
build_document() and validate_document(); each problem is a Problem(path, message) with a
JSON pointer.
"""

from .envelope import build_document, build_envelope, canonical_json, digest, validate_document
from .problems import Problem

__all__ = [
    "Problem",
    "build_document",
    "build_envelope",
    "canonical_json",
    "digest",
    "validate_document",
]
