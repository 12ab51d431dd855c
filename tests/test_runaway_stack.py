"""Runaway steps through a real django-q2 cluster: one workspace's stuck step never delays
another workspace's jobs, ends TIMEOUT near its limit, and is never run again.

Each test starts its own cluster (no other cluster may be listening to the queue meanwhile).
"""

import pytest
from conftest import running_stack
from engine_helpers import start, state, step, trace
from test_engine_stack import wait_for

from jobs.models import Job

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


def trivial(workspace) -> Job:
    note = step("silo.modify", {"data": {"doc": {"notes": [{"text": "quick"}]}}}, name="note")
    return start(workspace, [state("processing"), note, state("done")])


def test_a_runaway_jq_step_times_out_while_another_workspaces_jobs_finish(
    workspace, other_workspace
):
    runaway = step(
        "silo.modify",
        {"merge_type": "application/jq", "jq": "def f: f; f"},
        name="runaway",
        timeout=6,
    )
    # Created before the workers start: the first drain claims them in one batch, where the
    # runaway used to hold the others until a worker was killed.
    stuck = start(workspace, [runaway, state("done")], rescue=[state("error")])
    others = [trivial(other_workspace) for _ in range(3)]
    with running_stack(web=False):
        for job in others:
            assert wait_for(job, timeout=20).status == "OK"
        stuck.refresh_from_db()
        assert stuck.status == "RUN"  # still in its jq program meanwhile
        stuck = wait_for(stuck, timeout=20)
    assert stuck.status == "KO"
    assert trace(stuck) == [("runaway", ["RUN", "TIMEOUT"]), ("state error", ["RUN", "OK"])]
    run = stuck.intents.get(name="runaway").events.order_by("index")
    for job in others:  # within seconds of the runaway's start, while it ran
        assert (job.completed_at - run[0].at).total_seconds() < 3
    took = (run[1].at - run[0].at).total_seconds()
    assert 5.5 < took < 9  # ended at its limit, within seconds


def test_a_jq_step_that_eats_memory_ends_ko_and_the_workers_go_on(workspace):
    greedy = step("silo.modify", {"merge_type": "application/jq", "jq": "[range(1e12)]"})
    with running_stack(web=False):
        job = wait_for(start(workspace, [greedy]), timeout=60)
        after = wait_for(trivial(workspace))
    assert job.status == "KO"
    assert job.faults[0]["code"] == "resource-limit"
    assert after.status == "OK"


def test_a_step_stuck_in_c_code_stops_its_worker_and_ends_timeout(workspace):
    stuck_step = step("test.stuck", name="stuck", timeout=1)
    with running_stack(web=False, ENGINE_HARD_STOP_GRACE="1"):
        stuck = start(workspace, [stuck_step, state("done")], rescue=[state("error")])
        stuck = wait_for(stuck, timeout=30)
        after = wait_for(trivial(workspace))
    assert stuck.status == "KO"
    assert trace(stuck) == [("stuck", ["RUN", "TIMEOUT"]), ("state error", ["RUN", "OK"])]
    assert "its worker was stopped" in stuck.faults[0]["message"]
    assert after.status == "OK"  # the cluster replaced the stopped worker
