"""Each outcome through a real django-q2 cluster, plus a killed worker and a restarted Redis."""

import time

import pytest
from conftest import running_stack
from engine_helpers import start, state, step, trace

from jobs.models import Job
from jobs.services import poke

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]
SHORT_RETRY = {"initial": 0.05, "max": 0.1, "then": 0.2, "give_up_after": 1}


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), running_stack(web=False) as stack:
        yield stack


def wait_for(job: Job, timeout: float = 20, until=lambda job: job.completed) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if until(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job.id} is still {job.status}: {trace(job)}")


def names(job: Job) -> list[str]:
    return [name for name, _ in trace(job)]


def test_ok_runs_every_step(cluster, workspace):
    job = wait_for(start(workspace, [state("processing"), state("completed")]))
    assert job.status == "OK"
    assert trace(job) == [("state processing", ["RUN", "OK"]), ("state completed", ["RUN", "OK"])]
    assert job.silo_entry.state == "completed"


def test_skip_goes_on(cluster, workspace):
    job = wait_for(start(workspace, [step("test.outcome", {"status": "SKIP"}), state("done")]))
    assert (job.status, trace(job)[0][1]) == ("OK", ["RUN", "SKIP"])


def test_err_then_ok(cluster, workspace):
    flaky = step("test.flaky", {"fail": 2}, name="flaky", retry=SHORT_RETRY)
    job = wait_for(start(workspace, [flaky]))
    assert job.status == "OK"
    assert trace(job)[0][1] == ["RUN", "ERR", "RUN", "ERR", "RUN", "OK"]


def test_err_until_ko_runs_rescue(cluster, workspace):
    flaky = step("test.flaky", {"fail": 10_000}, name="flaky", retry=SHORT_RETRY)
    job = wait_for(start(workspace, [flaky], rescue=[state("error")]))
    assert job.status == "KO"
    assert trace(job)[0][1][-1] == "KO"
    assert names(job) == ["flaky", "state error"]


def test_queued_then_poke(cluster, workspace):
    job = start(workspace, [step("test.wait", {"ref": "agency-123"}, name="wait"), state("done")])
    job = wait_for(job, until=lambda job: job.status == "QUEUED" and job.intents.exists())
    time.sleep(0.3)
    assert Job.objects.get(pk=job.pk).status == "QUEUED"  # it waits, holding no worker
    poke(workspace, job_id=job.id, ref="agency-123", code="accepted", message="registered")
    job = wait_for(job)
    assert job.status == "OK"
    assert trace(job)[0][1] == ["RUN", "QUEUED", "POKE", "RUN", "OK"]
    assert job.intents.first().events.last().code == "accepted"


def test_ko_with_a_matching_next_block(cluster, workspace):
    failing = step(
        "test.outcome",
        {"status": "KO", "code": "duplicate"},
        name="agency",
        next=[{"status": "KO", "code": "duplicate", "steps": [state("duplicate")]}],
    )
    job = wait_for(start(workspace, [failing, state("after")], rescue=[state("error")]))
    assert (job.status, names(job)) == ("OK", ["agency", "state duplicate", "state after"])


def test_ko_into_rescue(cluster, workspace):
    failing = step("test.outcome", {"status": "KO", "code": "rejected"}, name="agency")
    job = wait_for(start(workspace, [failing, state("never")], rescue=[state("error")]))
    assert (job.status, names(job)) == ("KO", ["agency", "state error"])
    assert job.silo_entry.states.first().faults[0]["code"] == "rejected"


def test_timeout(cluster, workspace):
    slow = step("test.slow", {"seconds": 3}, name="slow", timeout=0.3)
    job = wait_for(start(workspace, [slow], rescue=[state("error")]))
    assert job.status == "KO"
    assert trace(job)[0][1] == ["RUN", "TIMEOUT"]


def test_stop(cluster, workspace):
    decide = step(
        "test.outcome", {"code": "done"}, name="decide", next=[{"code": "done", "stop": True}]
    )
    job = wait_for(start(workspace, [decide, state("never")]))
    assert (job.status, names(job)) == ("OK", ["decide"])


def test_sleep_waits_without_holding_a_worker(cluster, workspace):
    sleepy = step("silo.sleep", {"duration": "2s"}, name="sleep")
    jobs = [start(workspace, [sleepy, state("done")]) for _ in range(8)]
    # Eight jobs asleep at once on two workers: none of them holds one.
    for job in jobs:
        wait_for(job, until=lambda job: trace(job) == [("sleep", ["RUN", "QUEUED"])])
    statuses = Job.objects.filter(pk__in=[job.pk for job in jobs]).values_list("status")
    assert set(statuses) == {("QUEUED",)}
    for job in jobs:
        assert wait_for(job).status == "OK"
        assert trace(job)[0] == ("sleep", ["RUN", "QUEUED", "RUN", "OK"])
