"""Retry from the failed step: a KO job goes on from the step that failed, keeping the results of
the steps before it; its KO run and the rescue that followed stay in the trace as history."""

import time

import pytest
from engine_helpers import run, start, state, step, trace

from jobs import retry
from jobs.cursor import cursor_of
from jobs.models import Job, JobStatus
from providers.silo import JSON_PATCH
from silo import services as silo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("both_paths")]

RUN, OK, KO = "RUN", "OK", "KO"


def check_customer(name="Fixed Customer", **fields) -> dict:
    """KO (invalid-patch) until the entry's customer has this name: a cause that a person fixes
    in the entry, not in the workflow (the job's version is pinned)."""
    test = [{"op": "test", "path": "/doc/customer/name", "value": name}]
    config = {"merge_type": JSON_PATCH, "data": test, "scope": "envelope"}
    return step("silo.modify", config, name="check customer", **fields)


def fix_the_customer(job: Job) -> None:
    silo.change_data(job.silo_entry, merge={"doc": {"customer": {"name": "Fixed Customer"}}})


def failed_job(workspace, steps=None, rescue=None) -> Job:
    steps = steps or [state("processing"), check_customer(), state("completed")]
    job = run(start(workspace, steps, rescue if rescue is not None else [state("error")]))
    assert job.status == JobStatus.KO
    return job


def test_a_retried_job_runs_the_failed_step_again_and_then_the_rest(workspace):
    job = failed_job(workspace)
    earlier = list(job.intents.order_by("created_at").values_list("id", flat=True))
    fix_the_customer(job)

    retry.retry_from_failed_step(job.id)
    job = run(job)

    assert job.status == JobStatus.OK
    assert trace(job) == [
        ("state processing", [RUN, OK]),
        ("check customer", [RUN, KO]),
        ("state error", [RUN, OK]),
        ("check customer", [RUN, OK]),
        ("state completed", [RUN, OK]),
    ]
    kept = list(job.intents.order_by("created_at").values_list("id", flat=True))[:3]
    assert kept == earlier
    job.silo_entry.refresh_from_db()
    assert job.silo_entry.state == "completed"
    assert job.faults == []


def test_the_job_waits_at_the_failed_step_with_what_the_earlier_steps_handed_on(workspace):
    steps = [
        step("test.outcome", {"args": {"invoice": "A-1"}}, name="first"),
        step("test.outcome", {"status": "KO", "code": "no", "args": {"ko": 1}}, name="fails"),
        state("completed"),
    ]
    rescue = [step("test.outcome", {"args": {"rescued": True}}, name="rescue")]
    job = failed_job(workspace, steps, rescue)
    assert job.phase == "rescue" and job.faults and job.completed_at

    retry.retry_from_failed_step(job.id)
    job.refresh_from_db()

    assert job.status == JobStatus.QUEUED
    assert job.phase == "main"
    assert job.cursor == [["/steps", 1, False]]
    assert job.step_args == {"invoice": "A-1"}
    assert job.faults == []
    assert job.completed_at is None and job.run_at is None and job.lease_token is None
    assert job.dispatched_at is not None


def test_a_nested_failed_step_is_retried_inside_its_block(workspace):
    branch = step(
        "silo.if",
        {"expr": 'doc.currency == "EUR"'},
        name="euro?",
        next=[{"code": "true", "steps": [check_customer()]}],
    )
    job = failed_job(workspace, [branch, state("completed")])
    fix_the_customer(job)

    retry.retry_from_failed_step(job.id)
    job.refresh_from_db()
    assert job.cursor == [["/steps", 0, False], ["/steps/0/next/0/steps", 0, False]]
    job = run(job)

    assert job.status == JobStatus.OK
    assert [name for name, _ in trace(job)] == [
        "euro?",
        "check customer",
        "state error",
        "check customer",  # the condition is not evaluated again
        "state completed",
    ]


def test_a_step_in_a_ko_block_that_stops_still_ends_the_job_ko():
    definition = {
        "steps": [
            {"id": "a", "next": [{"status": "KO", "stop": True, "steps": [{"id": "b"}]}]},
            {"id": "c"},
        ]
    }
    assert cursor_of(definition, "b", among=("steps",)) == [
        ["/steps", 0, False],
        ["/steps/0/next/0/steps", 0, "KO"],
    ]
    assert cursor_of(definition, "c", among=("steps",)) == [["/steps", 1, False]]
    assert cursor_of(definition, "missing", among=("steps",)) is None


def test_a_step_that_fails_again_can_be_retried_again(workspace):
    job = failed_job(workspace)
    retry.retry_from_failed_step(job.id)
    job = run(job)
    assert job.status == JobStatus.KO
    assert len(job.faults) == 1  # the first run's fault is history, not carried over
    fix_the_customer(job)

    retry.retry_from_failed_step(job.id)
    job = run(job)

    assert job.status == JobStatus.OK
    runs = [events for name, events in trace(job) if name == "check customer"]
    assert runs == [[RUN, KO], [RUN, KO], [RUN, OK]]
    assert [name for name, _ in trace(job)].count("state error") == 2


@pytest.mark.parametrize("status", [JobStatus.OK, JobStatus.RUN, JobStatus.QUEUED, JobStatus.ERR])
def test_only_a_ko_job_can_be_retried(workspace, status):
    job = failed_job(workspace)
    Job.objects.filter(pk=job.pk).update(status=status)
    with pytest.raises(retry.RetryError):
        retry.retry_from_failed_step(job.id)
    job.refresh_from_db()
    assert job.status == status


def test_a_ko_in_a_rescue_step_is_not_where_a_retry_starts(workspace):
    failing_rescue = [step("test.outcome", {"status": "KO"}, name="rescue fails")]
    job = failed_job(workspace, rescue=failing_rescue)
    assert retry.failed_intent(job).name == "check customer"


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_a_retry_through_the_real_stack_finishes_ok(workspace):
    from conftest import running_stack

    job = start(workspace, [state("processing"), check_customer(), state("completed")])
    with running_stack(web=False) as _:
        job = wait_until_completed(job)
        assert job.status == JobStatus.KO
        fix_the_customer(job)
        retry.retry_from_failed_step(job.id)
        job = wait_until_completed(job)
    assert job.status == JobStatus.OK
    assert [events for _, events in trace(job)] == [[RUN, OK], [RUN, KO], [RUN, OK], [RUN, OK]]


def wait_until_completed(job: Job, timeout: float = 30) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.completed:
            return job
        time.sleep(0.1)
    raise TimeoutError(f"job {job.id} is still {job.status}")
