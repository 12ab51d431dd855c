"""Runaway steps in this process: a step's time limit holds whatever it runs, a slow pure step
leaves its batch and its transaction, and a worker stopped in the middle of a step is not
made to run it for ever."""

import time

import pytest
from engine_helpers import run, start, state, step, trace, workflow

from jobs import batch, engine, queue
from jobs.models import Intent, IntentEvent, Job
from providers.base import Status

pytestmark = pytest.mark.django_db(transaction=True)

FOREVER = "def f: f; f"


def modify_jq(program: str, **fields) -> dict:
    return step("silo.modify", {"merge_type": "application/jq", "jq": program}, **fields)


@pytest.fixture
def sent(monkeypatch):
    """What a batch sends to the workers as tasks of their own, run here as a worker would."""
    tasks = []

    def send(job_id, token, slow_step=None):
        tasks.append((job_id, slow_step))
        engine.advance(job_id, token=token, slow_step=slow_step)

    monkeypatch.setattr(queue, "send_job", send)
    return tasks


def test_a_jq_program_that_never_ends_ends_timeout_at_the_steps_limit(both_paths, sent, workspace):
    runaway = modify_jq(FOREVER, name="runaway", timeout=1.5)
    job = start(workspace, [runaway, state("done")], rescue=[state("error")])
    started = time.monotonic()
    job = run(job)
    assert time.monotonic() - started < 6
    assert job.status == "KO"
    assert trace(job) == [("runaway", ["RUN", "TIMEOUT"]), ("state error", ["RUN", "OK"])]
    assert job.faults[0]["code"] == "timeout"
    if both_paths == "in a batch":
        assert sent == [(job.id, runaway["id"])]  # it left the batch, as a task of its own


def test_a_jq_program_that_eats_memory_ends_ko_with_a_clear_fault(both_paths, sent, workspace):
    job = run(start(workspace, [modify_jq("[range(1e12)]", name="greedy")]))
    assert job.status == "KO"
    assert job.faults[0]["code"] == "resource-limit"
    assert "more memory than the sandbox allows" in job.faults[0]["message"]


def test_a_slow_pure_step_leaves_its_batch_and_the_others_finish(settings, sent, workspace):
    settings.ENGINE = {**settings.ENGINE, "inline_budget": 0.3}
    slow = start(workspace, [modify_jq(FOREVER, name="runaway", timeout=2)])
    quick = [start(workspace, [state("processing"), state("done")]) for _ in range(3)]
    started = time.monotonic()
    claimed = {}

    def record(job_id, token, slow_step=None):  # the worker that would take it is busy
        claimed[job_id] = slow_step

    queue.send_job = record
    assert batch.run_batch(only=[slow.id, *[job.id for job in quick]]) == 4
    assert time.monotonic() - started < 2
    for job in quick:
        job.refresh_from_db()
        assert job.status == "OK", trace(job)
    assert list(claimed) == [slow.id]
    slow.refresh_from_db()
    assert slow.status == "RUN" and slow.intents.count() == 0  # nothing of the stopped try


def test_past_the_batch_budget_the_other_jobs_go_on_one_by_one(settings, sent, workspace):
    settings.ENGINE = {**settings.ENGINE, "batch_budget": 0}
    jobs = [start(workspace, [state("processing"), state("done")]) for _ in range(3)]
    assert batch.run_batch(only=[job.id for job in jobs]) == 3
    for job in jobs:
        job.refresh_from_db()
        assert job.status == "OK"
        assert trace(job) == [("state processing", ["RUN", "OK"]), ("state done", ["RUN", "OK"])]
    assert len(sent) == 2  # the first went on in the drain itself


def test_a_quick_jq_program_still_runs_in_the_batch(sent, workspace):
    job = start(workspace, [modify_jq('.doc.notes = [{"text": "hi"}]', name="note")])
    batch.run_batch(only=[job.id])
    job.refresh_from_db()
    assert job.status == "OK" and sent == []
    assert job.silo_entry.data["doc"]["notes"] == [{"text": "hi"}]


def test_a_steps_timeout_is_at_most_the_engines_maximum(settings, workspace):
    from workflows.definition import validate

    long = step("silo.state", {"state": "x"}, timeout=settings.ENGINE["max_step_timeout"] + 1)
    problems = validate({"name": "Long", "steps": [long]})
    assert [p.path for p in problems] == ["/steps/0/timeout"]
    assert engine.step_timeout({"timeout": 10_000}, None) == settings.ENGINE["max_step_timeout"]


def interrupted(job: Job, runs: int) -> Intent:
    """The job as its worker left it, stopped `runs` times in the middle of its first step."""
    first = job.workflow_version.definition["steps"][0]
    intent = Intent.objects.create(job=job, step_id=first["id"], name=first["name"])
    for index in range(runs):
        IntentEvent.objects.create(intent=intent, index=index, status=Status.RUN)
    return intent


def test_a_step_interrupted_too_often_ends_ko_instead_of_running_again(settings, workspace):
    settings.ENGINE = {**settings.ENGINE, "max_interruptions": 3}
    job = start(workspace, [step("test.outcome", name="poison")])
    interrupted(job, runs=3)
    job = run(job)
    assert job.status == "KO"
    assert trace(job) == [("poison", ["RUN", "RUN", "RUN", "KO"])]
    assert job.faults[0]["code"] == "interrupted"


def test_a_step_interrupted_once_runs_again(workspace):
    job = start(workspace, [step("test.outcome", name="flaky host")])
    interrupted(job, runs=1)
    job = run(job)
    assert job.status == "OK"
    assert trace(job) == [("flaky host", ["RUN", "RUN", "OK"])]


def test_a_step_whose_worker_was_stopped_for_time_ends_timeout_without_running(workspace):
    job = start(workspace, [step("test.outcome", name="stuck", timeout=2)], rescue=[state("error")])
    intent = interrupted(job, runs=1)
    marker = engine.marker_path(intent.pk)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("Timeout (0:00:07)!\nThread 0x1 (most recent call first):\n")
    job = run(job)
    assert job.status == "KO"
    assert trace(job) == [("stuck", ["RUN", "TIMEOUT"]), ("state error", ["RUN", "OK"])]
    assert "time limit of 2 s" in job.faults[0]["message"]
    assert not marker.exists()


def test_an_empty_marker_is_a_crash_and_the_step_runs_again(workspace):
    job = start(workspace, [step("test.outcome", name="crashed")])
    intent = interrupted(job, runs=1)
    marker = engine.marker_path(intent.pk)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("")
    assert engine.expire_stopped_leases() == 0
    job = run(job)
    assert trace(job) == [("crashed", ["RUN", "RUN", "OK"])]


def test_the_dispatcher_makes_a_stopped_workers_job_due_at_once(workspace):
    from datetime import timedelta

    from django.utils import timezone

    job = start(workspace, [step("test.outcome", name="stuck")])
    intent = interrupted(job, runs=1)
    leased = timezone.now() + timedelta(seconds=60)
    Job.objects.filter(pk=job.pk).update(status="RUN", lease_until=leased)
    marker = engine.marker_path(intent.pk)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("Timeout (0:00:07)!\n")
    try:
        assert engine.expire_stopped_leases() == 1
        assert Job.objects.filter(engine.due_jobs(), pk=job.pk).exists()
    finally:
        marker.unlink(missing_ok=True)


def test_a_definition_with_a_runaway_step_still_validates(workspace):
    found = workflow(workspace, [modify_jq(FOREVER, timeout=20)])
    assert found.version == 1  # it is the run that stops it, not the editor


def test_a_retried_step_found_slow_keeps_its_intent(both_paths, sent, workspace):
    retry = {"initial": 0.01, "max": 0.01, "then": 0.01, "give_up_after": 60}
    flaky = step("test.pure_err_then_forever", name="flaky", timeout=1.5, retry=retry)
    job = run(start(workspace, [flaky]))
    assert job.status == "KO"
    assert trace(job) == [("flaky", ["RUN", "ERR", "RUN", "TIMEOUT"])]
