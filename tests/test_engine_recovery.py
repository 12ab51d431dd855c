"""Recovery through a real cluster: a worker killed mid-step, Redis restarted with jobs waiting.

Each test starts its own cluster (no other cluster may be listening to the queue meanwhile).
"""

import uuid

import pytest
from conftest import running_stack
from engine_helpers import start, state, step, trace
from test_engine_stack import wait_for

from invopop_console import embedded
from jobs.models import Job

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


def test_a_killed_worker_is_taken_over_and_the_interrupted_step_runs_again(workspace):
    slow = step("test.slow", {"seconds": 1.5}, name="slow", timeout=2)
    with running_stack(web=False, workers=1) as stack:
        job = start(workspace, [state("processing"), slow, state("done")])
        wait_for(job, until=lambda job: [n for n, _ in trace(job)] == ["state processing", "slow"])
        stack.kill_cluster()
        assert Job.objects.get(pk=job.pk).status == "RUN"
        stack.start_cluster()
        job = wait_for(job, timeout=30)
    assert job.status == "OK"
    assert trace(job) == [
        ("state processing", ["RUN", "OK"]),
        ("slow", ["RUN", "RUN", "OK"]),
        ("state done", ["RUN", "OK"]),
    ]
    slow_intent = job.intents.get(name="slow")
    assert slow_intent.events.last().message.endswith(f"ref {slow_intent.ref}")


def test_no_job_is_lost_when_redis_restarts(workspace, tmp_path):
    socket = tmp_path / "redis.sock"
    redis = embedded.start_redis(socket)
    sleepy = step("silo.sleep", {"duration": 1}, name="sleep")
    try:
        with running_stack(web=False, REDIS_URL=f"unix://{socket}", QUEUE_NAME=uuid.uuid4().hex):
            jobs = [start(workspace, [sleepy, state("done")]) for _ in range(5)]
            for job in jobs:
                wait_for(job, until=lambda job: job.status == "QUEUED" and job.intents.exists())
            embedded.stop(redis)  # everything Redis held is gone
            redis = embedded.start_redis(socket)
            for job in jobs:
                assert wait_for(job, timeout=30).status == "OK"
    finally:
        embedded.stop(redis)
