"""gobl.correct: the credit note, debit note or corrective invoice of the job's invoice, as a
new silo entry.

What a user expects of it: the issued invoice stays as it is (it is signed, often reported to
an agency), and the correction is a document of its own, to number, sign, send and report
in turn. So the step stores the correction as a NEW entry, linked to the invoice
(`previous`, as POST /silo/v1/entries with `previous_id` and `correct` does), and leaves
the invoice unchanged but for its meta: `corrective_entry_id` names the new entry, so that
a following `transform.job.create` step with `silo_entry_meta_key: corrective_entry_id`
starts the workflow that issues it (or a trigger "on entry created" does). The job's args
get the same key for the steps that follow. The option not taken: replacing the job's
entry's data with the correction, which would lose the invoice it corrects.

The config is GOBL's correction options (type, series, issue_date, reason, ext, stamps,
copy_tax; no Invopop template names them otherwise), plus `changes`: a merge patch (RFC 7396)
applied to the corrected document before it is built, to credit part of an invoice, say.
A re-run of the step after a crash finds the entry it made: its id comes from the step's ref.
"""

import uuid

from silo import services
from silo.gobl import build_envelope
from silo.models import SiloEntry

from .base import StepContext, ko, ok
from .registry import provider
from .silo import fresh

META_KEY = "corrective_entry_id"
OPTION_KEYS = ("type", "series", "issue_date", "reason", "ext", "stamps", "copy_tax")
REF_NAMESPACE = uuid.UUID("6f2b9c1e-4d0a-5e8b-9a7c-3f1d2e4b5a60")  # ours: step ref → entry id


@provider(
    "gobl.correct",
    name="Correct invoice",
    category="Documents",
    summary="Make the credit note, debit note or corrective invoice of the invoice, as a new "
    "entry linked to it.",
    icon="file",
    transactional=True,  # database work only: the new entry commits with the step's outcome
    config_schema={
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {
                "title": "Type",
                "enum": ["credit-note", "debit-note", "corrective"],
                "default": "credit-note",
                "description": "The regime decides which it allows (Germany: credit notes).",
            },
            "series": {"type": "string", "title": "Series", "examples": ["CN"]},
            "reason": {"type": "string", "title": "Reason"},
            "issue_date": {"type": "string", "title": "Issue date", "format": "date"},
            "ext": {
                "type": "object",
                "title": "Extensions",
                "additionalProperties": {"type": "string"},
                "description": "The regime's correction codes, such as es-tbai-correction: R1.",
            },
            "copy_tax": {"type": "boolean", "title": "Copy the invoice's tax totals"},
            "changes": {
                "type": "object",
                "title": "Changes",
                "description": "A merge patch applied to the corrective document.",
            },
        },
    },
)
def correct(context: StepContext):
    if context.entry is None:
        return ko("the job has no silo entry", "no-entry")
    fresh(context.entry, context.held)
    entry_id = uuid.uuid5(REF_NAMESPACE, context.ref)
    made = SiloEntry.objects.filter(pk=entry_id).first()  # a re-run after a crash
    if made is None:
        try:
            envelope = corrected(context, entry_id)
        except services.DocumentRefused as refused:
            return ko(str(refused), "invalid")
        made = SiloEntry.create_with_version(
            context.workspace, envelope, job_id=context.job.id, id=entry_id, previous=context.entry
        )
    kind = made.snippet.get("type") or context.config["type"]
    return ok(
        message=f"{kind} {made.pk}",
        meta={META_KEY: str(made.pk)},
        args={META_KEY: str(made.pk)},
    )


def corrected(context: StepContext, entry_id) -> dict:
    options = {key: context.config[key] for key in OPTION_KEYS if key in context.config}
    envelope = services.derived_envelope(context.envelope, options, entry_id)
    changes = context.config.get("changes")
    if not changes:
        return envelope
    doc = services.merge_patch(envelope["doc"], changes)
    envelope, problems = build_envelope({**envelope, "doc": doc})
    if problems:
        raise services.DocumentRefused({"/changes" + p.path: p.message for p in problems})
    return envelope
