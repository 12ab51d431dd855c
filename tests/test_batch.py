"""Batches (jobs/batch.py): many due jobs claimed, run in memory and written together, with
the same records as one by one; anything unusual sends them down the one-by-one path."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from engine_helpers import entry, state, step, trace, workflow

from jobs import batch, dispatcher, engine, queue
from jobs.models import Job
from jobs.services import create_job
from silo import services as silo
from silo.models import SiloEntryVersion, SiloState

pytestmark = pytest.mark.django_db

MODIFY = step("silo.modify", {"data": {"doc": {"notes": [{"text": "batched"}]}}}, name="modify")


def three_steps(workspace):
    return workflow(workspace, [state("processing"), MODIFY, state("completed")])


def jobs_on_new_entries(flow, count):
    return [create_job(flow, entry=entry(flow.workspace)) for _ in range(count)]


@pytest.fixture
def failures(monkeypatch):
    """What the batch logged as failures (after which its jobs ran one by one)."""
    found = []
    monkeypatch.setattr(batch.log, "exception", lambda *args, **kw: found.append(args))
    return found


def test_a_batch_runs_its_jobs_with_the_same_records_as_one_by_one(workspace, failures):
    flow = three_steps(workspace)
    alone, batched = jobs_on_new_entries(flow, 2)
    engine.advance(alone.id)
    assert batch.run_batch(only=[batched.id]) == 1
    alone.refresh_from_db()
    batched.refresh_from_db()
    assert (alone.status, batched.status) == ("OK", "OK")
    assert (
        trace(alone)
        == trace(batched)
        == [
            ("state processing", ["RUN", "OK"]),
            ("modify", ["RUN", "OK"]),
            ("state completed", ["RUN", "OK"]),
        ]
    )
    for job in (alone, batched):
        assert job.silo_entry.state == "completed"
        assert job.silo_entry.version == 2
        assert job.silo_entry.data["doc"]["notes"] == [{"text": "batched"}]
        assert job.silo_entry.snippet == alone.silo_entry.snippet
        states = job.silo_entry.states.order_by("created_at")
        assert [(s.key, s.src, s.src_id) for s in states] == [
            ("processing", "job", job.id),
            ("completed", "job", job.id),
        ]
        version = job.silo_entry.versions.get(number=2)
        assert (version.job_id, version.data) == (job.id, job.silo_entry.data)
        assert (job.lease_token, job.lease_until, job.cursor) == (None, None, [])
    assert failures == []


def test_a_batch_costs_the_same_statements_for_five_jobs_as_for_twenty(workspace, failures):
    flow = three_steps(workspace)
    counted = []
    batch.run_batch(only=[jobs_on_new_entries(flow, 1)[0].id])  # the version is cached now
    for count in (5, 20):
        ids = [job.id for job in jobs_on_new_entries(flow, count)]
        with CaptureQueriesContext(connection) as queries:
            assert batch.run_batch(only=ids) == count
        counted.append(len(queries))
        assert set(Job.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"OK"}
    assert counted[0] == counted[1] <= 18, counted
    assert failures == []


def test_jobs_on_one_entry_in_one_batch_keep_each_others_changes(workspace, failures):
    one = entry(workspace)
    first = workflow(
        workspace, [step("silo.modify", {"data": {"doc": {"notes": [{"text": "a"}]}}})]
    )
    second = workflow(workspace, [step("silo.modify", {"data": {"doc": {"code": "B-7"}}})])
    jobs = [create_job(first, entry=one), create_job(second, entry=one)]
    assert batch.run_batch(only=[job.id for job in jobs]) == 2
    one.refresh_from_db()
    assert one.data["doc"]["notes"] == [{"text": "a"}]
    assert one.data["doc"]["code"] == "B-7"
    assert one.version == 3
    assert list(one.versions.order_by("number").values_list("job_id", flat=True)) == [
        None,
        jobs[0].id,
        jobs[1].id,
    ]
    assert failures == []


def test_an_entry_changed_after_the_read_sends_the_jobs_one_by_one(workspace, monkeypatch):
    flow = workflow(workspace, [MODIFY, state("done")])
    job = create_job(flow, entry=entry(workspace))
    load = batch.Batch._load

    def meddle(self):
        runners = load(self)
        silo.change_data(
            job.silo_entry, merge={"doc": {"code": "MEDDLED"}}, job_id=None
        )  # the entry, changed by someone else meanwhile
        return runners

    monkeypatch.setattr(batch.Batch, "_load", meddle)
    assert batch.run_batch(only=[job.id]) == 1
    job.refresh_from_db()
    assert job.status == "OK"
    assert trace(job) == [("modify", ["RUN", "OK"]), ("state done", ["RUN", "OK"])]
    data = job.silo_entry.data["doc"]
    assert (data["code"], data["notes"]) == ("MEDDLED", [{"text": "batched"}])  # both kept
    assert job.silo_entry.version == 3


def test_a_lease_taken_over_meanwhile_writes_nothing(workspace, monkeypatch):
    flow = three_steps(workspace)
    job = create_job(flow, entry=entry(workspace))
    load = batch.Batch._load

    def take_over(self):
        runners = load(self)
        Job.objects.filter(pk=job.pk).update(lease_token="00000000-0000-0000-0000-000000000001")
        return runners

    monkeypatch.setattr(batch.Batch, "_load", take_over)
    batch.run_batch(only=[job.id])
    job.refresh_from_db()
    assert job.status == "RUN"  # the other worker's, untouched
    assert trace(job) == []
    assert job.silo_entry.state == "" and job.silo_entry.version == 1
    assert not SiloState.objects.filter(entry=job.silo_entry).exists()


def test_a_step_that_is_not_pure_goes_on_alone_under_the_batch_lease(workspace, failures):
    outside = step("test.outcome", {"status": "OK", "code": "sent"}, name="outside")
    flow = workflow(workspace, [state("processing"), outside, state("completed")])
    job = create_job(flow, entry=entry(workspace))
    assert batch.run_batch(only=[job.id]) == 1
    job.refresh_from_db()
    assert job.status == "OK"
    assert trace(job) == [
        ("state processing", ["RUN", "OK"]),
        ("outside", ["RUN", "OK"]),
        ("state completed", ["RUN", "OK"]),
    ]
    assert failures == []


@pytest.mark.parametrize(
    ("answer", "status", "events"),
    [
        ({"status": "ERR", "code": "busy", "retry_in": 30}, "ERR", ["RUN", "ERR"]),
        ({"status": "QUEUED", "code": "waiting", "retry_in": 30}, "QUEUED", ["RUN", "QUEUED"]),
        ({"status": "SKIP", "message": "nothing to do"}, "OK", ["RUN", "SKIP"]),
        ({"status": "KO", "code": "refused"}, "KO", ["RUN", "KO"]),
    ],
)
def test_outcomes_inside_a_batch(workspace, failures, answer, status, events):
    flow = workflow(
        workspace,
        [state("processing"), step("test.pure", answer, name="answer"), state("completed")],
        rescue=[state("error")],
    )
    job = create_job(flow, entry=entry(workspace))
    batch.run_batch(only=[job.id])
    job.refresh_from_db()
    assert job.status == status
    assert trace(job)[1] == ("answer", events)
    if status in ("ERR", "QUEUED"):
        assert job.run_at is not None and job.lease_token is None
        assert job.silo_entry.state == "processing"
    if status == "KO":
        assert job.silo_entry.state == "error"
        assert job.faults == [{"provider": "test.pure", "code": "refused", "message": ""}]
    assert failures == []


def test_a_failed_step_in_a_batch_leaves_the_entry_as_it_was(workspace, failures):
    bad = step(
        "silo.modify",
        {
            "merge_type": "application/json-patch+json",
            "data": [{"op": "test", "path": "/doc/code", "value": "nope"}],
        },
        name="bad patch",
    )
    tagged = step("silo.modify", {"data": {"doc": {"notes": [{"text": "x"}]}}}, name="tag")
    flow = workflow(workspace, [tagged, bad], rescue=[state("error")])
    job = create_job(flow, entry=entry(workspace))
    batch.run_batch(only=[job.id])
    job.refresh_from_db()
    assert job.status == "KO"
    assert trace(job)[1] == ("bad patch", ["RUN", "KO"])
    assert job.silo_entry.version == 2  # the tag's version, not the failed patch's
    assert job.silo_entry.state == "error"
    assert SiloEntryVersion.objects.filter(entry=job.silo_entry).count() == 2
    assert failures == []


def test_a_job_not_due_is_not_claimed(workspace):
    job = create_job(three_steps(workspace), entry=entry(workspace))
    Job.objects.filter(pk=job.pk).update(status="ERR", run_at="2999-01-01T00:00:00Z")
    assert batch.run_batch(only=[job.id]) == 0
    job.refresh_from_db()
    assert (job.status, job.lease_token) == ("ERR", None)


def test_wakes_are_one_drain_until_the_drain_starts(settings):
    broker = queue.broker()
    broker.purge_queue()
    broker.connection.delete(queue.wake_key())
    queue.wake()
    queue.wake()
    assert broker.queue_size() == 1
    batch.drain()  # nothing is due: it clears the key and returns
    queue.wake()
    assert broker.queue_size() == 2
    broker.purge_queue()
    broker.connection.delete(queue.wake_key())


def test_the_dispatcher_sends_one_drain_for_what_redis_lost(workspace):
    broker = queue.broker()
    broker.purge_queue()
    broker.connection.delete(queue.wake_key())
    flow = three_steps(workspace)
    jobs = jobs_on_new_entries(flow, 3)
    Job.objects.filter(pk__in=[j.id for j in jobs]).update(dispatched_at=None)
    assert dispatcher.dispatch_due() == 3
    assert broker.queue_size() == 1
    assert dispatcher.dispatch_due() == 0  # sent just now: not again before redispatch_after
    broker.purge_queue()
    broker.connection.delete(queue.wake_key())


def test_dispatchers_take_turns_one_pass_per_interval(settings):
    settings.ENGINE = {**settings.ENGINE, "dispatch_interval": 0.3}
    redis = queue.broker().connection
    redis.delete(f"{settings.QUEUE_NAME}:dispatcher")
    assert dispatcher.take_turn() is True
    assert dispatcher.take_turn() is False  # another process's dispatcher, in the same turn
    time.sleep(0.35)
    assert dispatcher.take_turn() is True


def test_every_dispatcher_passes_while_redis_is_away(monkeypatch):
    def away():
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(queue, "broker", away)
    assert dispatcher.take_turn() is True
    assert dispatcher.take_turn() is True


def test_a_pass_that_finds_nothing_makes_the_next_one_wait_longer(workspace, settings):
    settings.ENGINE = {**settings.ENGINE, "dispatch_interval": 0.2, "dispatch_idle_interval": 1}
    broker = queue.broker()
    jobs = jobs_on_new_entries(three_steps(workspace), 2)
    Job.objects.filter(pk__in=[j.id for j in jobs]).update(dispatched_at=None)
    assert dispatcher.dispatch_pass() is True
    assert dispatcher.pause(busy=True) == 0.2
    assert dispatcher.dispatch_pass() is False  # sent just now
    assert dispatcher.pause(busy=False) == 1
    broker.purge_queue()
    broker.connection.delete(queue.wake_key())


def test_jobs_going_on_alone_are_shared_with_the_other_workers(workspace, failures):
    from jobs import tasks

    broker = queue.broker()
    broker.purge_queue()
    outside = step("test.outcome", {"status": "OK"}, name="outside")
    flow = workflow(workspace, [state("processing"), outside])
    jobs = [create_job(flow, entry=entry(workspace)) for _ in range(3)]
    assert batch.run_batch(only=[job.id for job in jobs]) == 3
    statuses = dict(Job.objects.filter(pk__in=[j.id for j in jobs]).values_list("id", "status"))
    assert statuses == {jobs[0].id: "OK", jobs[1].id: "RUN", jobs[2].id: "RUN"}
    assert broker.queue_size() == 2  # one task each, for whichever worker is free
    token = Job.objects.get(pk=jobs[1].id).lease_token
    tasks.advance(str(jobs[1].id), str(token))
    tasks.advance(str(jobs[2].id), str(engine.new_token()))  # not its lease: nothing happens
    assert Job.objects.get(pk=jobs[1].id).status == "OK"
    assert Job.objects.get(pk=jobs[2].id).status == "RUN"
    broker.purge_queue()
    assert failures == []


def test_the_claims_sql_and_the_dispatchers_query_pick_the_same_jobs(workspace):
    """engine.DUE_SQL is due_jobs() written in SQL: jobs of every status and timing."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    flow = workflow(workspace, [state("processing")])
    cases = {
        "queued now": {"status": "QUEUED", "run_at": None},
        "queued due": {"status": "QUEUED", "run_at": now - timedelta(seconds=5)},
        "queued later": {"status": "QUEUED", "run_at": now + timedelta(hours=1)},
        "err due": {"status": "ERR", "run_at": now - timedelta(seconds=5)},
        "err later": {"status": "ERR", "run_at": now + timedelta(hours=1)},
        "run leased": {"status": "RUN", "lease_until": now + timedelta(hours=1)},
        "run abandoned": {"status": "RUN", "lease_until": now - timedelta(seconds=5)},
        "ok": {"status": "OK"},
        "ko": {"status": "KO"},
    }
    ids = {}
    for name, fields in cases.items():
        job = create_job(flow, entry=entry(workspace))
        Job.objects.filter(pk=job.pk).update(**fields)
        ids[job.pk] = name
    table = connection.ops.quote_name(Job._meta.db_table)
    among = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE ({engine.DUE_SQL}) AND id IN ({among})",
            [*engine.due_params(), *[Job._meta.pk.get_db_prep_value(i, connection) for i in ids]],
        )
        by_sql = {ids[Job._meta.pk.to_python(row[0])] for row in cursor.fetchall()}
    by_orm = {
        ids[pk]
        for pk in Job.objects.filter(engine.due_jobs(), pk__in=ids).values_list("pk", flat=True)
    }
    assert by_sql == by_orm == {"queued now", "queued due", "err due", "run abandoned"}
