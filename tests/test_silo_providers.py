"""The core silo actions, driven through the engine in this process: silo.modify (merge patch,
JSON patch, jq, expr guard, add-ons), silo.if, silo.folder, silo.state, silo.sleep, and
transform.job.create."""

import uuid
from copy import deepcopy
from datetime import timedelta

import pytest
from django.utils import timezone
from engine_helpers import INVOICE, entry, run, start, start_on, state, step, trace, workflow

from jobs import engine, operations
from jobs.models import Job
from jobs.services import create_job, poke
from providers import registry
from providers.base import Status, StepContext
from silo import services as silo_services
from silo.models import SiloEntry, SiloEntryVersion, SiloState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("both_paths")]

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
JQ = "application/jq"

# From the "Add billing mode" step of chargebee__cb-france.json (silo.modify, scope doc).
BILLING_MODE_JQ = (
    ".tax.ext = (.tax.ext // {})\n"
    '| .tax.point = "issue"\n'
    "| if ((.totals.advance // null) != null and (.totals.advance == .totals.total_with_tax))"
    " then\n"
    '    .tax.ext["fr-ctc-billing-mode"] = "S2"\n'
    "    | .payment = (.payment // {})\n"
    '    | .payment.terms = (.payment.terms // {"due_dates":[{"date":.issue_date,'
    '"percent":"100%"}]})\n'
    "  else\n"
    '    .tax.ext["fr-ctc-billing-mode"] = "S1"\n'
    "  end"
)
# The `expr` of the "Add bank details" step of chargebee__cb-france.json.
BANK_DETAILS_EXPR = (
    '(doc?.payment?.instructions == nil || doc?.payment?.instructions?.key == "credit-transfer")'
    "\n&& doc?.payment?.terms?.due_dates != nil"
)
DUE_DATES = {"terms": {"due_dates": [{"date": "2026-02-15", "percent": "100%"}]}}


def invoice(**doc) -> dict:
    data = deepcopy(INVOICE)
    data["doc"].update(doc)
    return data


def modify(config: dict, **fields) -> dict:
    return step("silo.modify", config, name=fields.pop("name", "modify"), **fields)


def modified(workspace, config: dict, data=None) -> Job:
    """Run a job of one silo.modify step on a new entry."""
    return run(start(workspace, [modify(config)], data=data))


def outcome(job: Job, name: str = "modify") -> tuple[str, str]:
    """(status, code) of the step's last event."""
    event = job.intents.get(name=name).events.last()
    return event.status, event.code


def doc(job: Job) -> dict:
    return SiloEntry.objects.get(pk=job.silo_entry_id).data["doc"]


def version(job: Job) -> int:
    return SiloEntry.objects.get(pk=job.silo_entry_id).version


# --- silo.modify: merge patch


@pytest.mark.parametrize(
    ("scope", "data"),
    [
        (None, {"doc": {"currency": "USD", "customer": {"email": "a@example.com"}}}),
        ("envelope", {"doc": {"currency": "USD", "customer": {"email": "a@example.com"}}}),
        ("doc", {"currency": "USD", "customer": {"email": "a@example.com"}}),
    ],
)
def test_a_merge_patch_changes_the_document_on_the_envelope_or_with_scope_doc(
    workspace, scope, data
):
    config = {"merge_type": MERGE, "data": data, **({"scope": scope} if scope else {})}
    job = modified(workspace, config)
    assert (job.status, outcome(job)) == ("OK", ("OK", ""))
    envelope = job.silo_entry.data
    assert envelope["head"] == INVOICE["head"]
    assert envelope["doc"]["currency"] == "USD"
    assert envelope["doc"]["customer"] == {"name": "Sample Consumer", "email": "a@example.com"}
    assert envelope["doc"]["supplier"] == INVOICE["doc"]["supplier"]
    assert "currency" not in envelope  # scope doc never writes beside the document


def test_a_merge_patch_is_the_default_modification(workspace):
    job = modified(workspace, {"data": {"doc": {"code": "F-1"}}})
    assert doc(job)["code"] == "F-1"


@pytest.mark.parametrize(
    ("scope", "data"),
    [
        ("envelope", {"doc": {"customer": None, "supplier": {"tax_id": None}}}),
        ("doc", {"customer": None, "supplier": {"tax_id": None}}),
    ],
)
def test_null_in_a_merge_patch_removes_the_key(workspace, scope, data):
    job = modified(workspace, {"data": data, "scope": scope})
    assert job.status == "OK"
    assert "customer" not in doc(job)
    assert doc(job)["supplier"] == {"name": "Provide One S.L."}


def test_each_change_is_a_new_version_recorded_with_the_job(workspace):
    first = modify({"data": {"code": "F-1"}, "scope": "doc"}, name="first")
    second = modify({"data": {"doc": {"series": "A"}}}, name="second")
    job = run(start(workspace, [first, second]))
    assert job.status == "OK"
    assert version(job) == 3
    versions = SiloEntryVersion.objects.filter(entry=job.silo_entry_id).order_by("number")
    assert [(v.number, v.job_id) for v in versions] == [(1, None), (2, job.id), (3, job.id)]
    assert [(v.data["doc"].get("code"), v.data["doc"].get("series")) for v in versions] == [
        (None, None),
        ("F-1", None),
        ("F-1", "A"),
    ]


def test_a_merge_patch_that_is_not_an_object_is_an_invalid_patch(workspace):
    job = modified(workspace, {"merge_type": MERGE, "data": [1, 2], "scope": "doc"})
    assert (job.status, outcome(job)) == ("KO", ("KO", "invalid-patch"))
    assert version(job) == 1
    assert doc(job) == INVOICE["doc"]


# --- silo.modify: JSON patch


@pytest.mark.parametrize(
    ("scope", "prefix"), [(None, "/doc"), ("envelope", "/doc"), ("doc", "")], ids=str
)
def test_a_json_patch_applies_to_the_envelope_or_with_scope_doc(workspace, scope, prefix):
    operations = [
        {"op": "test", "path": f"{prefix}/currency", "value": "EUR"},
        {"op": "replace", "path": f"{prefix}/currency", "value": "USD"},
        {"op": "add", "path": f"{prefix}/notes", "value": [{"text": "Thanks"}]},
        {"op": "remove", "path": f"{prefix}/customer"},
        {"op": "copy", "from": f"{prefix}/supplier/name", "path": f"{prefix}/notes/0/src"},
        {"op": "move", "from": f"{prefix}/totals", "path": f"{prefix}/sums"},
    ]
    config = {"merge_type": JSON_PATCH, "data": operations, **({"scope": scope} if scope else {})}
    job = modified(workspace, config)
    assert (job.status, outcome(job)) == ("OK", ("OK", ""))
    changed = doc(job)
    assert changed["currency"] == "USD"
    assert changed["notes"] == [{"text": "Thanks", "src": "Provide One S.L."}]
    assert "customer" not in changed and "totals" not in changed
    assert changed["sums"] == INVOICE["doc"]["totals"]
    assert job.silo_entry.data["head"] == INVOICE["head"]
    assert version(job) == 2


@pytest.mark.parametrize(
    ("scope", "operation"),
    [
        ("envelope", {"op": "replace", "path": "/doc/ordering/code", "value": "PO-1"}),
        ("doc", {"op": "replace", "path": "/ordering", "value": {"code": "PO-1"}}),
        ("doc", {"op": "remove", "path": "/payment"}),
        ("doc", {"op": "test", "path": "/currency", "value": "USD"}),
        ("doc", {"op": "move", "from": "/nowhere", "path": "/somewhere"}),
        ("doc", {"op": "add", "path": "/customer/tax_id/code", "value": "X"}),
        ("doc", {"op": "frobnicate", "path": "/currency"}),
        ("doc", {"op": "remove"}),  # no path: not the whole document
        ("doc", {"op": "add", "path": "currency", "value": "X"}),  # not a pointer
        ("doc", "remove /currency"),  # not an operation
    ],
)
def test_a_json_patch_that_does_not_apply_is_a_ko_and_leaves_the_entry_unchanged(
    workspace, scope, operation
):
    first = {"op": "replace", "path": "/doc/currency" if scope == "envelope" else "/currency"}
    operations = [{**first, "value": "GBP"}, operation]  # all or nothing
    job = run(
        start(
            workspace,
            [modify({"merge_type": JSON_PATCH, "data": operations, "scope": scope})],
            rescue=[state("error")],
        )
    )
    assert job.status == "KO"
    assert outcome(job) == ("KO", "invalid-patch")
    assert job.faults[0]["code"] == "invalid-patch"
    assert version(job) == 1
    assert SiloEntryVersion.objects.filter(entry=job.silo_entry_id).count() == 1
    assert doc(job) == INVOICE["doc"]
    assert job.silo_entry.state == "error"


# --- silo.modify: jq


def test_a_jq_program_with_scope_doc_gets_the_document_and_keeps_the_envelope(workspace):
    program = '.currency = "USD" | .customer.name |= ascii_upcase'
    job = modified(workspace, {"merge_type": JQ, "jq": program, "scope": "doc"})
    assert (job.status, outcome(job)) == ("OK", ("OK", ""))
    assert job.silo_entry.data["head"] == INVOICE["head"]
    assert doc(job) == {
        **INVOICE["doc"],
        "currency": "USD",
        "customer": {"name": "SAMPLE CONSUMER"},
    }


@pytest.mark.parametrize("scope", [None, "envelope"])
def test_a_jq_program_with_scope_envelope_gets_the_whole_envelope(workspace, scope):
    program = '.doc.currency = "USD" | .head.tags = ["imported"]'
    config = {"merge_type": JQ, "jq": program, **({"scope": scope} if scope else {})}
    job = modified(workspace, config)
    assert job.status == "OK"
    data = job.silo_entry.data
    assert data["head"] == {**INVOICE["head"], "tags": ["imported"]}
    assert data["doc"] == {**INVOICE["doc"], "currency": "USD"}
    assert version(job) == 2


@pytest.mark.parametrize(
    ("totals", "payment", "mode", "terms"),
    [
        # Fully paid: S2, and due dates made from the issue date.
        (
            {"total_with_tax": "121.00", "advance": "121.00", "payable": "0.00"},
            None,
            "S2",
            {"due_dates": [{"date": "2026-01-15", "percent": "100%"}]},
        ),
        # Fully paid with terms of its own: S2, the terms are kept.
        (
            {"total_with_tax": "121.00", "advance": "121.00", "payable": "0.00"},
            DUE_DATES,
            "S2",
            DUE_DATES["terms"],
        ),
        # Partly paid: S1, no payment added.
        (
            {"total_with_tax": "121.00", "advance": "21.00", "payable": "100.00"},
            None,
            "S1",
            None,
        ),
        # Nothing paid: S1.
        ({"total_with_tax": "121.00", "payable": "121.00"}, None, "S1", None),
    ],
    ids=["paid", "paid-with-terms", "partly-paid", "unpaid"],
)
def test_the_billing_mode_jq_program_of_the_france_template(
    workspace, totals, payment, mode, terms
):
    data = invoice(totals=totals, tax={"ext": {"untdid-document-type": "380"}})
    if payment is not None:
        data["doc"]["payment"] = payment
    job = modified(workspace, {"jq": BILLING_MODE_JQ, "merge_type": JQ, "scope": "doc"}, data)
    assert job.status == "OK", trace(job)
    result = doc(job)
    assert result["tax"] == {
        "ext": {"untdid-document-type": "380", "fr-ctc-billing-mode": mode},
        "point": "issue",
    }
    assert (result.get("payment") or {}).get("terms") == terms
    assert result["totals"] == totals
    assert result["supplier"] == INVOICE["doc"]["supplier"]


def test_a_jq_program_can_add_a_new_key(workspace):
    program = '. + {ordering: {code: ("PO-" + .issue_date)}}'
    job = modified(workspace, {"merge_type": JQ, "jq": program, "scope": "doc"})
    assert job.status == "OK"
    assert doc(job)["ordering"] == {"code": "PO-2026-01-15"}
    assert doc(job)["customer"] == INVOICE["doc"]["customer"]


@pytest.mark.parametrize(
    ("scope", "program"),
    [
        ("doc", ".["),  # a syntax error
        ("doc", ".currency | ascii_upcase | .x"),  # a runtime error
        ("doc", 'error("no")'),
        ("doc", "empty"),  # no result at all
        ("doc", '"not an object"'),  # a document must stay an object
        ("envelope", "[.doc]"),  # so must the envelope
        ("envelope", "null"),
    ],
)
def test_an_invalid_jq_program_is_a_ko_and_leaves_the_entry_unchanged(workspace, scope, program):
    job = modified(workspace, {"merge_type": JQ, "jq": program, "scope": scope})
    assert (job.status, outcome(job)) == ("KO", ("KO", "invalid-jq"))
    assert trace(job) == [("modify", ["RUN", "KO"])]  # not retried: it never works
    assert version(job) == 1
    assert job.silo_entry.data == INVOICE


# --- silo.modify: the expr guard


@pytest.mark.parametrize(
    "payment",
    [
        None,  # no due dates
        {"instructions": {"key": "card"}, **DUE_DATES},  # paid another way
    ],
)
def test_a_false_guard_skips_and_changes_nothing(workspace, payment):
    data = invoice(payment=payment) if payment else None
    config = {"data": {"doc": {"code": "F-1"}}, "expr": BANK_DETAILS_EXPR}
    job = run(start(workspace, [modify(config), state("after")], data=data))
    assert job.status == "OK"
    assert outcome(job) == ("SKIP", "condition-false")
    assert [name for name, _ in trace(job)] == ["modify", "state after"]
    assert version(job) == 1
    assert "code" not in doc(job)


@pytest.mark.parametrize(
    "payment",
    [DUE_DATES, {"instructions": {"key": "credit-transfer"}, **DUE_DATES}],
    ids=["no-instructions", "credit-transfer"],
)
def test_a_true_guard_applies_the_change(workspace, payment):
    # The "Add bank details" step of chargebee__cb-france.json, as it is.
    config = {
        "allow_invalid_json": False,
        "data": {
            "doc": {
                "payment": {
                    "instructions": {
                        "credit_transfer": [{"bic": "", "iban": ""}],
                        "key": "credit-transfer",
                    }
                }
            }
        },
        "expr": BANK_DETAILS_EXPR,
        "merge_type": MERGE,
        "sign": False,
    }
    job = modified(workspace, config, invoice(payment=payment))
    assert (job.status, outcome(job)) == ("OK", ("OK", ""))
    assert doc(job)["payment"] == {
        "instructions": {"credit_transfer": [{"bic": "", "iban": ""}], "key": "credit-transfer"},
        **DUE_DATES,
    }
    assert version(job) == 2


@pytest.mark.parametrize("guard", ["doc.(", "doc.currency ==", "len(1)", "doc.currency * 2"])
def test_an_invalid_guard_is_a_ko(workspace, guard):
    job = modified(workspace, {"data": {"doc": {"code": "F-1"}}, "expr": guard})
    assert (job.status, outcome(job)) == ("KO", ("KO", "invalid-expr"))
    assert version(job) == 1


# --- silo.modify: add-ons


@pytest.mark.parametrize(
    ("current", "addons", "expected"),
    [
        (None, ["fr-ctc-flow2-v1"], ["fr-ctc-flow2-v1"]),
        (["eu-en16931-v2017"], ["fr-ctc-flow2-v1"], ["eu-en16931-v2017", "fr-ctc-flow2-v1"]),
        (
            ["eu-en16931-v2017"],
            ["eu-en16931-v2017", "fr-ctc-flow2-v1", "fr-ctc-flow10-v1"],
            ["eu-en16931-v2017", "fr-ctc-flow2-v1", "fr-ctc-flow10-v1"],
        ),
        (None, ["fr-ctc-flow2-v1", "fr-ctc-flow2-v1"], ["fr-ctc-flow2-v1"]),
    ],
    ids=["none-yet", "one-more", "some-present", "twice-in-config"],
)
def test_addons_are_added_to_the_document_without_duplicates(workspace, current, addons, expected):
    data = invoice(**{"$addons": current}) if current else None
    job = modified(workspace, {"addons": addons}, data)
    assert (job.status, outcome(job)[0]) == ("OK", "OK")
    assert doc(job)["$addons"] == expected
    assert version(job) == 2


def test_addons_already_present_skip_as_unchanged(workspace):
    data = invoice(**{"$addons": ["eu-en16931-v2017", "fr-ctc-flow2-v1"]})
    job = modified(workspace, {"addons": ["fr-ctc-flow2-v1"]}, data)
    assert (job.status, outcome(job)) == ("OK", ("SKIP", "unchanged"))
    assert version(job) == 1
    assert doc(job)["$addons"] == ["eu-en16931-v2017", "fr-ctc-flow2-v1"]


def test_a_modification_with_nothing_to_change_skips_as_unchanged(workspace):
    job = modified(workspace, {"merge_type": MERGE})
    assert (job.status, outcome(job)) == ("OK", ("SKIP", "unchanged"))
    assert version(job) == 1


@pytest.mark.parametrize(
    "config",
    [
        {"merge_type": MERGE, "data": {"doc": {"code": "F-1"}}},
        {"merge_type": MERGE, "data": {"code": "F-1"}, "scope": "doc"},
        {
            "merge_type": JSON_PATCH,
            "data": [{"op": "add", "path": "/code", "value": "F-1"}],
            "scope": "doc",
        },
        {"merge_type": JQ, "jq": '.code = "F-1"', "scope": "doc"},
        {"merge_type": JQ, "jq": '.doc.code = "F-1"'},
    ],
    ids=["merge", "merge-doc", "json-patch-doc", "jq-doc", "jq-envelope"],
)
def test_addons_combine_with_a_modification_in_one_version(workspace, config):
    data = invoice(**{"$addons": ["eu-en16931-v2017"]})
    job = modified(workspace, {**config, "addons": ["fr-ctc-flow2-v1", "eu-en16931-v2017"]}, data)
    assert job.status == "OK", trace(job)
    assert doc(job)["code"] == "F-1"
    assert doc(job)["$addons"] == ["eu-en16931-v2017", "fr-ctc-flow2-v1"]
    assert doc(job)["supplier"] == INVOICE["doc"]["supplier"]
    assert version(job) == 2


# --- silo.modify: the entry as it is now


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"addons": ["c"]}, {"$addons": ["a", "b", "c"], "code": "F-9"}),
        (
            {"merge_type": JQ, "jq": ".notes = [{text: .code}]", "scope": "doc"},
            {"$addons": ["a", "b"], "code": "F-9", "notes": [{"text": "F-9"}]},
        ),
        ({"data": {"doc": {"code": "F-1"}}, "expr": 'doc.code == ""'}, None),  # guard false
    ],
    ids=["addons", "jq", "guard"],
)
def test_modify_works_on_the_entry_as_it_is_now_not_as_the_job_loaded_it(
    workspace, config, expected
):
    loaded = entry(workspace, invoice(**{"$addons": ["a"]}))  # the engine's copy
    meanwhile = {"doc": {"$addons": ["a", "b"], "code": "F-9"}}
    silo_services.change_data(SiloEntry.objects.get(pk=loaded.pk), merge=meanwhile)
    context = StepContext(
        workspace=workspace,
        job=None,
        entry=loaded,
        step={},
        config=config,
        args={},
        faults=[],
        ref="ref",
        attempt=1,
    )
    result = registry.get("silo.modify").run(context)
    if expected is None:
        assert (result.status, result.code) == (Status.SKIP, "condition-false")
        return
    assert result.status == Status.OK
    silo_services.change_data(
        loaded,
        envelope=result.envelope,
        merge=result.merge_patch,
        based_on=loaded.version if result.envelope is not None else None,
    )
    current = SiloEntry.objects.get(pk=loaded.pk)
    assert current.version == 3
    assert {key: current.data["doc"].get(key) for key in expected} == expected


# --- silo.modify: a signed entry


@pytest.mark.parametrize(
    "config",
    [
        {"data": {"doc": {"code": "F-1"}}},
        {"merge_type": JSON_PATCH, "data": [{"op": "add", "path": "/doc/code", "value": "F-1"}]},
        {"merge_type": JQ, "jq": '.code = "F-1"', "scope": "doc"},
        {"addons": ["fr-ctc-flow2-v1"]},
    ],
    ids=["merge", "json-patch", "jq", "addons"],
)
def test_a_signed_entry_refuses_every_modification(workspace, config):
    signed = entry(workspace)
    SiloEntry.objects.filter(pk=signed.pk).update(signed=True)
    job = run(start_on(SiloEntry.objects.get(pk=signed.pk), [modify(config)]))
    assert (job.status, outcome(job)) == ("KO", ("KO", "signed"))
    signed.refresh_from_db()
    assert (signed.version, signed.data, signed.signed) == (1, INVOICE, True)


# --- silo.if


def branching(expr: str) -> dict:
    return step(
        "silo.if",
        {"expr": expr},
        name="check",
        next=[
            {"status": "NA", "code": "true", "steps": [state("yes")]},
            {"status": "NA", "code": "false", "steps": [state("no")]},
        ],
    )


@pytest.mark.parametrize(
    ("payment", "expected"),
    [
        (None, "false"),
        ({"instructions": {"key": "credit-transfer"}}, "false"),  # no due dates
        ({"terms": {"due_dates": []}}, "true"),  # an empty list is not nil
        (DUE_DATES, "true"),
        ({"instructions": {"key": "credit-transfer"}, **DUE_DATES}, "true"),
        ({"instructions": {"key": "card"}, **DUE_DATES}, "false"),
        ({"instructions": {}, **DUE_DATES}, "false"),
    ],
)
def test_the_template_condition_answers_true_or_false_and_routes_the_job(
    workspace, payment, expected
):
    data = invoice(payment=payment) if payment is not None else None
    job = run(start(workspace, [branching(BANK_DETAILS_EXPR), state("end")], data=data))
    assert job.status == "OK"
    assert outcome(job, "check") == ("OK", expected)
    branch = "state yes" if expected == "true" else "state no"
    assert [name for name, _ in trace(job)] == ["check", branch, "state end"]
    assert version(job) == 1  # a condition changes nothing


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"channel": "email"}, "true"),
        ({"channel": "sms"}, "false"),
        ({"other": "x"}, "false"),
    ],
)
def test_job_args_are_visible_to_the_condition(workspace, args, expected):
    job = run(start(workspace, [branching('args.channel == "email"')], args=args))
    assert outcome(job, "check") == ("OK", expected)


def test_state_and_folder_are_visible_to_the_condition(workspace):
    steps = [
        state("processing"),
        step("silo.folder", {"folder": "inbox"}),
        branching('state == "processing" && folder == "inbox" && len(faults) == 0'),
    ]
    job = run(start(workspace, steps))
    assert outcome(job, "check") == ("OK", "true")


@pytest.mark.parametrize("expression", ["doc.(", "&&", "len(doc.totals.payable.x) > 1 +", "len(1)"])
def test_an_invalid_condition_is_a_ko(workspace, expression):
    job = run(start(workspace, [branching(expression)], rescue=[state("error")]))
    assert (job.status, outcome(job, "check")) == ("KO", ("KO", "invalid-expr"))
    assert [name for name, _ in trace(job)] == ["check", "state error"]


# --- silo.folder and silo.state


def test_folder_moves_the_entry(workspace):
    job = run(start(workspace, [step("silo.folder", {"folder": "inbox"})]))
    assert (job.status, SiloEntry.objects.get(pk=job.silo_entry_id).folder) == ("OK", "inbox")
    job = run(start_on(job.silo_entry, [step("silo.folder", {"folder": "archive/2026"})]))
    moved = SiloEntry.objects.get(pk=job.silo_entry_id)
    assert moved.folder == "archive/2026"
    assert moved.version == 1  # moving is no data change


def test_state_in_rescue_records_the_jobs_faults(workspace):
    broken = modify(
        {"merge_type": JSON_PATCH, "data": [{"op": "remove", "path": "/doc/nothing"}]},
        name="broken",
    )
    job = run(
        start(
            workspace,
            [state("processing"), broken, state("never")],
            rescue=[step("silo.state", {"state": "error", "notes": "see faults"}, name="rescue")],
        )
    )
    assert job.status == "KO"
    assert [name for name, _ in trace(job)] == ["state processing", "broken", "rescue"]
    assert len(job.faults) == 1
    assert job.faults[0]["provider"] == "silo.modify"
    assert job.faults[0]["code"] == "invalid-patch"
    states = SiloState.objects.filter(entry=job.silo_entry_id).order_by("created_at")
    assert [(s.key, s.faults) for s in states] == [("processing", []), ("error", job.faults)]
    assert states[1].notes == "see faults"
    assert (states[1].src, states[1].src_id) == ("job", job.id)
    current = SiloEntry.objects.get(pk=job.silo_entry_id)
    assert (current.state, current.faults) == ("error", job.faults)


# --- transform.job.create


def starting(target) -> dict:
    return step("transform.job.create", {"workflow_id": str(target.id)}, name="start")


def test_a_job_starts_a_job_of_another_workflow_on_the_same_entry_with_its_args(workspace):
    target = workflow(workspace, [state("started")])
    job = run(start(workspace, [starting(target)], args={"channel": "email"}))
    assert (job.status, outcome(job, "start")) == ("OK", ("OK", ""))
    started = Job.objects.get(workflow=target)
    assert started.silo_entry_id == job.silo_entry_id
    assert started.args == {"channel": "email"}
    assert started.status == "QUEUED"
    assert job.step_args == {"started_job_id": str(started.id)}
    event = job.intents.get(name="start").events.last()
    assert event.args == {"started_job_id": str(started.id)}
    assert run(started).status == "OK"
    assert SiloEntry.objects.get(pk=job.silo_entry_id).state == "started"


def test_the_started_jobs_id_reaches_the_next_steps(workspace):
    target = workflow(workspace, [state("started")])
    check = branching("args.started_job_id != nil")
    job = run(start(workspace, [starting(target), check]))
    assert outcome(job, "check") == ("OK", "true")


def test_running_the_step_again_with_its_ref_starts_no_second_job(workspace):
    target = workflow(workspace, [state("started")])
    parent = start(workspace, [state("x")], args={"n": "1"})
    provider = registry.get("transform.job.create")
    ref = str(uuid.uuid4())

    def context(attempt):
        return StepContext(
            workspace=workspace,
            job=parent,
            entry=parent.silo_entry,
            step={},
            config={"workflow_id": str(target.id)},
            args={"n": "1"},
            faults=[],
            ref=ref,
            attempt=attempt,
            operations=operations,
        )

    first, second = provider.run(context(1)), provider.run(context(2))
    assert (first.status, second.status) == (Status.OK, Status.OK)
    assert first.args == second.args
    assert Job.objects.filter(workflow=target).count() == 1
    assert first.args == {"started_job_id": str(Job.objects.get(workflow=target).id)}


def test_an_engine_rerun_of_the_interrupted_step_finds_the_job_it_started(workspace):
    target = workflow(workspace, [state("started")])
    job = run(start(workspace, [starting(target)]))
    started = Job.objects.get(workflow=target)
    # The step runs again under its open intent (same ref), as after a lost lease.
    job.intents.update(completed=False)
    Job.objects.filter(pk=job.pk).update(
        status="QUEUED", cursor=[["/steps", 0, False]], completed_at=None, step_args={}
    )
    job = run(job)
    assert job.status == "OK"
    assert job.intents.count() == 1
    assert trace(job) == [("start", ["RUN", "OK", "RUN", "OK"])]
    assert Job.objects.filter(workflow=target).count() == 1
    assert job.step_args == {"started_job_id": str(started.id)}


@pytest.mark.parametrize("workflow_id", [str(uuid.uuid4()), "not-a-uuid", ""])
def test_an_unknown_workflow_is_a_ko(workspace, workflow_id):
    config = {"workflow_id": workflow_id}
    job = run(start(workspace, [step("transform.job.create", config, name="start")]))
    assert (job.status, outcome(job, "start")) == ("KO", ("KO", "workflow-not-found"))
    assert trace(job) == [("start", ["RUN", "KO"])]
    assert Job.objects.count() == 1


def test_a_workflow_of_another_workspace_is_not_found(workspace, other_workspace):
    theirs = workflow(other_workspace, [state("started")])
    job = run(start(workspace, [starting(theirs)]))
    assert (job.status, outcome(job, "start")) == ("KO", ("KO", "workflow-not-found"))
    assert not Job.objects.filter(workflow=theirs).exists()


def test_the_job_can_start_on_the_entry_named_in_a_meta_key(workspace):
    target = workflow(workspace, [state("started")])
    other = entry(workspace)
    config = {"workflow_id": str(target.id), "silo_entry_meta_key": "original"}
    parent = entry(workspace)
    SiloEntry.objects.filter(pk=parent.pk).update(meta={"original": str(other.id)})
    starter = step("transform.job.create", config, name="start")
    job = run(start_on(SiloEntry.objects.get(pk=parent.pk), [starter]))
    assert job.status == "OK"
    assert Job.objects.get(workflow=target).silo_entry_id == other.id


@pytest.mark.parametrize("meta", [{}, {"original": str(uuid.uuid4())}, {"original": "nope"}])
def test_a_meta_key_without_an_entry_is_a_ko(workspace, meta):
    target = workflow(workspace, [state("started")])
    config = {"workflow_id": str(target.id), "silo_entry_meta_key": "original"}
    parent = entry(workspace)
    SiloEntry.objects.filter(pk=parent.pk).update(meta=meta)
    starter = step("transform.job.create", config, name="start")
    job = run(start_on(SiloEntry.objects.get(pk=parent.pk), [starter]))
    assert (job.status, outcome(job, "start")) == ("KO", ("KO", "entry-not-found"))
    assert not Job.objects.filter(workflow=target).exists()


def test_a_meta_key_naming_an_entry_of_another_workspace_is_a_ko(workspace, other_workspace):
    target = workflow(workspace, [state("started")])
    theirs = entry(other_workspace)
    config = {"workflow_id": str(target.id), "silo_entry_meta_key": "original"}
    parent = entry(workspace)
    SiloEntry.objects.filter(pk=parent.pk).update(meta={"original": str(theirs.id)})
    starter = step("transform.job.create", config, name="start")
    job = run(start_on(SiloEntry.objects.get(pk=parent.pk), [starter]))
    assert outcome(job, "start") == ("KO", "entry-not-found")
    assert not Job.objects.filter(workflow=target).exists()


def test_a_disabled_workflow_starts_no_job(workspace):
    target = workflow(workspace, [state("started")])
    target.disabled = True
    target.save()
    job = run(start(workspace, [starting(target)]))
    assert (job.status, outcome(job, "start")) == ("KO", ("KO", "job-not-created"))
    assert not Job.objects.filter(workflow=target).exists()


# --- silo.sleep


@pytest.mark.parametrize(
    ("duration", "seconds"),
    [(30, 30), (2.5, 2.5), ("45", 45), ("1.5s", 1.5), ("500ms", 0.5), ("5m", 300), ("2h", 7200)],
)
def test_sleep_queues_the_job_until_the_duration_has_passed(workspace, duration, seconds):
    job = start(workspace, [step("silo.sleep", {"duration": duration}, name="sleep")])
    before = timezone.now()
    engine.advance(job.id)
    after = timezone.now()
    job.refresh_from_db()
    assert outcome(job, "sleep") == ("QUEUED", "sleeping")
    assert job.status == "QUEUED"
    assert job.lease_token is None
    assert before + timedelta(seconds=seconds) <= job.run_at
    assert job.run_at <= after + timedelta(seconds=seconds)


def test_a_sleep_before_its_time_sleeps_on(workspace):
    job = start(workspace, [step("silo.sleep", {"duration": "1h"}, name="sleep")])
    engine.advance(job.id)
    Job.objects.filter(pk=job.pk).update(run_at=None)  # due early (a redispatch)
    engine.advance(job.id)
    job.refresh_from_db()
    assert trace(job) == [("sleep", ["RUN", "QUEUED", "RUN", "QUEUED"])]
    assert job.intents.get().events.last().message == "still sleeping"
    assert 3590 < (job.run_at - timezone.now()).total_seconds() <= 3600


def test_a_poke_wakes_a_sleep(workspace):
    job = start(workspace, [step("silo.sleep", {"duration": "1h"}, name="sleep"), state("done")])
    engine.advance(job.id)
    intent = job.intents.get()
    poke(workspace, intent_id=intent.id, code="wake")
    job = run(job, passes=1)
    assert job.status == "OK"
    assert trace(job) == [
        ("sleep", ["RUN", "QUEUED", "POKE", "RUN", "OK"]),
        ("state done", ["RUN", "OK"]),
    ]
    assert outcome(job, "sleep") == ("OK", "woken")


# --- A job without a silo entry


@pytest.mark.parametrize(
    "action",
    [
        step("silo.modify", {"data": {"doc": {"code": "F-1"}}}, name="act"),
        step("silo.state", {"state": "done"}, name="act"),
        step("silo.folder", {"folder": "inbox"}, name="act"),
    ],
    ids=["modify", "state", "folder"],
)
def test_an_entry_action_in_a_job_without_an_entry_is_a_ko(workspace, action):
    job = run(create_job(workflow(workspace, [action]), args={"x": "1"}))
    assert (job.status, outcome(job, "act")) == ("KO", ("KO", "no-entry"))


# --- "Sign afterwards"


def coded_invoice(code="INV-9"):
    data = deepcopy(INVOICE)
    data["doc"]["code"] = code
    return data


def test_sign_afterwards_seals_the_modified_envelope(workspace):
    from providers.sign import verify

    change = step("silo.modify", {"data": {"doc": {"notes": [{"text": "paid"}]}}, "sign": True})
    job = run(start(workspace, [change], data=coded_invoice()))
    document = job.silo_entry
    document.refresh_from_db()
    assert job.status == "OK"
    assert document.signed
    assert document.data["doc"]["notes"] == [{"text": "paid"}]
    assert verify(document.data, workspace)


def test_sign_afterwards_refuses_a_document_that_cannot_be_signed(workspace):
    change = step("silo.modify", {"data": {"doc": {"notes": []}}, "sign": True}, name="modify")
    job = run(start(workspace, [change], data=coded_invoice(code="")))
    assert job.status == "KO"
    assert job.faults[0]["code"] == "not-signable"
    assert job.silo_entry.versions.count() == 1


def test_sign_afterwards_does_not_reopen_a_signed_entry(workspace):
    signed = entry(workspace, coded_invoice())
    SiloEntry.objects.filter(pk=signed.pk).update(signed=True)
    signed.refresh_from_db()
    change = step("silo.modify", {"data": {"doc": {"notes": []}}, "sign": True})
    job = run(start_on(signed, [change]))
    assert (job.status, job.faults[0]["code"]) == ("KO", "signed")
