"""gobl.build: calculate and validate the entry's document, as `gobl build` does.

Invoices get their defaults, line sums, taxes and totals (silo/gobl/calc.py); the other
kinds we know are checked against our schemas. The answer is the new envelope, with its
header's digest, or a KO listing every problem by JSON pointer.
"""

from silo.gobl import build_envelope

from .base import StepContext, ko, ok, skip
from .registry import provider
from .silo import fresh

MAX_LISTED = 50  # problems named in a KO's message; the count says if there were more


@provider(
    "gobl.build",
    name="Build document",
    category="Documents",
    summary="Calculate the document's totals and taxes and validate it, as GOBL does.",
    icon="calculator",
    # Database work only, with the outcome: the build is based on the entry's latest version.
    transactional=True,
    pure=True,
    config_schema={
        "type": "object",
        "properties": {
            "allow_invalid": {
                "type": "boolean",
                "title": "Keep invalid documents",
                "default": False,
                "description": "Store the calculated document even when it has problems.",
            },
        },
    },
)
def build(context: StepContext):
    if context.entry is None:
        return ko("the job has no silo entry", "no-entry")
    fresh(context.entry)  # the entry as it is now, locked: another job may have changed it
    envelope, problems = build_envelope(context.envelope)
    if context.entry.signed:
        if problems:
            return ko(problem_list(problems), "invalid")
        return skip("the envelope is signed: checked, not recalculated", "signed")
    if problems and not context.config.get("allow_invalid"):
        return ko(problem_list(problems), "invalid")
    if envelope == context.envelope:
        return skip("the document is already built", "unchanged")
    return ok(message=summary(envelope, problems), envelope=envelope)


def problem_list(problems) -> str:
    listed = "; ".join(f"{p.path or '/'}: {p.message}" for p in problems[:MAX_LISTED])
    more = len(problems) - MAX_LISTED
    return f"{listed}; and {more} more" if more > 0 else listed


def summary(envelope: dict, problems) -> str:
    doc = envelope.get("doc") or {}
    totals = doc.get("totals") or {}
    built = "validated"  # payments, orders and deliveries have no payable total
    if "payable" in totals:
        built = f"payable {totals['payable']} {doc.get('currency', '')}".strip()
    return f"{built}, with {len(problems)} problems kept" if problems else built
