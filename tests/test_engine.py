"""Engine semantics, driven in this process: outcomes, conditions, rescue, stop, patches."""

from datetime import timedelta

import pytest
from engine_helpers import run, start, state, step, trace, workflow

from jobs.models import IntentEvent, Job
from silo.models import SiloState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("both_paths")]


def test_steps_run_in_order_and_the_job_ends_ok(workspace):
    job = run(start(workspace, [state("processing"), state("completed")]))
    assert job.status == "OK"
    assert job.completed_at is not None
    assert trace(job) == [("state processing", ["RUN", "OK"]), ("state completed", ["RUN", "OK"])]
    assert job.silo_entry.state == "completed"
    states = SiloState.objects.filter(entry=job.silo_entry).order_by("created_at")
    assert [s.key for s in states] == ["processing", "completed"]
    assert all(s.src == "job" and s.src_id == job.id for s in states)


def test_a_skip_is_recorded_and_the_job_goes_on(workspace):
    skipped = step("test.outcome", {"status": "SKIP", "message": "nothing to do"}, name="skip")
    job = run(start(workspace, [skipped, state("done")]))
    assert job.status == "OK"
    assert trace(job)[0] == ("skip", ["RUN", "SKIP"])
    assert job.intents.first().events.last().message == "nothing to do"


@pytest.mark.parametrize("provider", ["test.evidence", "test.evidence.inline"])
@pytest.mark.parametrize("status", ["OK", "KO"])
def test_the_files_of_an_outcome_are_kept_whatever_its_status(workspace, provider, status):
    job = run(start(workspace, [step(provider, {"status": status}, name="answer")]))
    assert (job.status, trace(job)) == (status, [("answer", ["RUN", status])])
    kept = job.silo_entry.files.all()
    assert [(f.name, f.category, f.job_id) for f in kept] == [("answer.xml", "response", job.id)]


def test_an_err_is_retried_until_it_works(workspace):
    flaky = step("test.flaky", {"fail": 2}, name="flaky")
    job = run(start(workspace, [flaky, state("done")]))
    assert job.status == "OK"
    assert trace(job)[0] == ("flaky", ["RUN", "ERR", "RUN", "ERR", "RUN", "OK"])


def test_a_waiting_retry_leaves_the_job_err_with_its_due_time(workspace):
    job = start(workspace, [step("test.flaky", {"fail": 5})])
    from jobs import engine

    engine.advance(job.id)
    job.refresh_from_db()
    assert job.status == "ERR"
    assert job.lease_token is None
    assert 4 < (job.run_at - job.updated_at).total_seconds() <= 5.1


def test_retries_give_up_with_ko_after_the_schedule(workspace):
    retry = {"initial": 0.001, "max": 0.002, "then": 0.004, "give_up_after": 60}
    flaky = step("test.flaky", {"fail": 10_000}, name="flaky", retry=retry)
    job = run(start(workspace, [flaky, state("never")], rescue=[state("error")]), passes=3)
    assert (job.status, trace(job)[0][1]) == ("ERR", ["RUN", "ERR"] * 3)
    first_err = IntentEvent.objects.filter(status="ERR").order_by("at").first()
    # Sixty seconds after the first ERR, the next one is the last: it gives up with KO.
    IntentEvent.objects.filter(pk=first_err.pk).update(at=first_err.at - timedelta(seconds=61))
    job = run(job, passes=1)
    assert job.status == "KO"
    assert trace(job)[0][1] == ["RUN", "ERR"] * 4 + ["KO"]
    assert job.faults[0]["code"] == "flaky"
    assert job.silo_entry.state == "error"


def test_a_ko_runs_the_rescue_steps_and_the_job_ends_ko(workspace):
    failing = step(
        "test.outcome", {"status": "KO", "code": "rejected", "message": "no"}, name="agency"
    )
    job = run(start(workspace, [failing, state("never")], rescue=[state("error")]))
    assert job.status == "KO"
    assert [name for name, _ in trace(job)] == ["agency", "state error"]
    assert job.faults == [{"provider": "test.outcome", "code": "rejected", "message": "no"}]
    last_state = SiloState.objects.filter(entry=job.silo_entry).first()
    assert (last_state.key, last_state.faults) == ("error", job.faults)


def test_a_ko_block_with_a_matching_code_handles_the_failure(workspace):
    failing = step(
        "test.outcome",
        {"status": "KO", "code": "duplicate"},
        name="agency",
        next=[
            {"status": "KO", "code": "other", "steps": [state("other")]},
            {"status": "KO", "code": "duplicate", "steps": [state("duplicate")]},
        ],
    )
    job = run(start(workspace, [failing, state("after")], rescue=[state("error")]))
    assert [name for name, _ in trace(job)] == ["agency", "state duplicate", "state after"]
    assert job.status == "OK"


def test_a_ko_block_with_another_code_leaves_the_failure_to_rescue(workspace):
    failing = step(
        "test.outcome",
        {"status": "KO", "code": "timeout-at-agency"},
        name="agency",
        next=[{"status": "KO", "code": "duplicate", "steps": [state("duplicate")]}],
    )
    job = run(start(workspace, [failing], rescue=[state("error")]))
    assert [name for name, _ in trace(job)] == ["agency", "state error"]
    assert job.status == "KO"


def test_an_any_block_never_swallows_a_ko(workspace):
    failing = step(
        "test.outcome",
        {"status": "KO"},
        name="agency",
        next=[{"status": "NA", "steps": [state("any")]}],
    )
    job = run(start(workspace, [failing], rescue=[state("error")]))
    assert [name for name, _ in trace(job)] == ["agency", "state error"]


@pytest.mark.parametrize(("code", "expected"), [("true", "yes"), ("false", "no")])
def test_next_blocks_match_on_the_code(workspace, code, expected):
    decide = step(
        "test.outcome",
        {"code": code},
        name="decide",
        next=[
            {"status": "NA", "code": "true", "steps": [state("yes")]},
            {"status": "OK", "code": "false", "steps": [state("no")]},
        ],
    )
    job = run(start(workspace, [decide, state("end")]))
    assert [name for name, _ in trace(job)] == ["decide", f"state {expected}", "state end"]


def test_stop_ends_the_job_after_the_blocks_steps(workspace):
    decide = step(
        "test.outcome",
        {"code": "done"},
        name="decide",
        next=[{"code": "done", "stop": True, "steps": [state("early")]}],
    )
    job = run(start(workspace, [decide, state("never")]))
    assert [name for name, _ in trace(job)] == ["decide", "state early"]
    assert job.status == "OK"


def test_stop_in_a_ko_block_ends_the_job_ko_without_rescue(workspace):
    failing = step(
        "test.outcome", {"status": "KO"}, name="agency", next=[{"status": "KO", "stop": True}]
    )
    job = run(start(workspace, [failing, state("never")], rescue=[state("error")]))
    assert [name for name, _ in trace(job)] == ["agency"]
    assert job.status == "KO"


def test_a_step_past_its_timeout_is_matched_by_a_timeout_block(workspace):
    slow = step(
        "test.slow",
        {"seconds": 2},
        name="slow",
        timeout=0.2,
        next=[{"status": "TIMEOUT", "steps": [state("late")]}],
    )
    job = run(start(workspace, [slow]))
    assert trace(job)[0] == ("slow", ["RUN", "TIMEOUT"])
    assert [name for name, _ in trace(job)] == ["slow", "state late"]


def test_a_timeout_without_a_block_is_a_ko(workspace):
    slow = step("test.slow", {"seconds": 2}, name="slow", timeout=0.2)
    job = run(start(workspace, [slow], rescue=[state("error")]))
    assert job.status == "KO"
    assert job.faults[0]["code"] == "timeout"


def test_a_legacy_step_id_jump_still_runs(workspace):
    target = state("target")
    decide = step(
        "test.outcome",
        {"code": "go"},
        name="decide",
        next=[{"code": "go", "step_id": target["id"]}],
    )
    job = run(start(workspace, [decide, state("skipped"), target]))
    assert [name for name, _ in trace(job)] == ["decide", "state target"]


def test_args_from_a_step_reach_the_next_ones(workspace):
    give = step("test.outcome", {"args": {"channel": "email"}}, name="give")
    check = step(
        "silo.if",
        {"expr": 'args.channel == "email" && args.origin == "api"'},
        name="check",
        next=[{"code": "true", "steps": [state("emailed")]}],
    )
    job = run(start(workspace, [give, check], args={"origin": "api"}))
    assert [name for name, _ in trace(job)] == ["give", "check", "state emailed"]


def test_the_job_runs_the_version_it_was_created_with(workspace):
    job = start(workspace, [state("first")])
    changed = job.workflow
    changed.steps = [state("second")]
    changed.save()
    changed.publish()
    job = run(job)
    assert job.silo_entry.state == "first"
    assert Job.objects.get(pk=job.pk).workflow_version.number == 1


def test_a_job_of_a_workflow_never_published_is_refused(workspace):
    from jobs.services import JobError, create_job
    from workflows.models import Workflow

    draft = Workflow.objects.create(workspace=workspace, name="Draft")
    with pytest.raises(JobError, match="no published version"):
        create_job(draft, args={"x": "1"})


def test_publishing_refuses_an_unknown_provider(workspace):
    from workflows.models import InvalidDefinition

    with pytest.raises(InvalidDefinition) as caught:
        workflow(workspace, [step("nope.nothing")])
    assert caught.value.problems[0].path == "/steps/0/provider"
