"""Sending work to the django-q2 workers: this process's broker, and the drain's wake-up.

Nothing is sent per job: creating, poking or retrying a job asks for a *drain*
(jobs/batch.py), which claims every due job; `wake()` sends one only when none is on its way
already (a Redis key says so, for `wake_ttl_ms`). A job goes as a task of its own only when
a batch hands it on (`send_job`). The database stays the source of truth: what Redis loses,
the dispatcher (jobs/dispatcher.py) sends again.
"""

import logging
import os

from django.conf import settings
from django.db import transaction
from django_q.brokers import Broker, get_broker
from django_q.tasks import async_task

log = logging.getLogger(__name__)

_brokers: dict[int, Broker] = {}


def broker() -> Broker:
    """This process's broker. Without one, django-q2 builds a broker for every task, and with
    it a new Redis connection pool and connection: that was two thirds of what creating a
    job cost its client. redis-py reconnects by itself after Redis restarts, and a forked
    worker gets its own (the key is the process id)."""
    pid = os.getpid()
    if pid not in _brokers:
        _brokers[pid] = get_broker()
    return _brokers[pid]


def wake_key() -> str:
    return f"{settings.QUEUE_NAME}:drain"


def wake() -> None:
    """Make sure a drain is on its way. Best effort: should Redis be away, the dispatcher
    sends it once `redispatch_after` has passed (the job's dispatched_at says when)."""
    try:
        redis = broker().connection
        if redis.set(wake_key(), 1, nx=True, px=settings.ENGINE["wake_ttl_ms"]):
            async_task("jobs.tasks.drain", task_name="drain", broker=broker())
    except Exception:  # Redis is away: the job waits in the database
        log.warning("could not send a drain to the workers", exc_info=True)


def wake_on_commit() -> None:
    """wake() once the transaction commits: the drain must find the job written."""
    transaction.on_commit(lambda: wake())  # looked up when called: tests replace it


def draining() -> None:
    """A drain has started: jobs due from now on need a new one."""
    try:
        broker().connection.delete(wake_key())
    except Exception:
        log.warning("could not clear the drain key", exc_info=True)


# --- Completions: what a request waiting for a job (?wait) blocks on

DONE_TTL = 60  # seconds a completion stays told, for a request that starts waiting late


def done_key(job_id) -> str:
    return f"{settings.QUEUE_NAME}:done:{job_id}"


def completed(job_ids) -> None:
    """Tell the requests waiting for these jobs that they completed (after the commit): one
    pipeline per transaction. A list per job holding one item, not a pub/sub message:
    channels_redis's pub/sub reader sleeps 100 ms whenever its process has no subscription,
    so a ?wait at concurrency 1 waited ~80 ms for a job done in 5 (BENCHMARKS.md, API:
    synchronous). Not a stream either (it was): an empty-ish stream costs Redis 4.7 KB a
    key against ~0.1 KB for a list, and every job has its key for DONE_TTL seconds — 47 MB
    of Redis after 10,000 jobs (BENCHMARKS.md, footprint)."""
    if not job_ids:
        return
    try:
        pipe = broker().connection.pipeline(transaction=False)
        for job_id in job_ids:
            key = done_key(job_id)
            pipe.rpush(key, 1)
            pipe.ltrim(key, -1, -1)  # a job that completes again (a re-run) adds nothing
            pipe.expire(key, DONE_TTL)
        pipe.execute()
    except Exception:  # the waiting request reads the job when its wait runs out
        log.warning("could not tell waiting requests of jobs %s", job_ids, exc_info=True)


def wait_completed(job_id, seconds: float) -> bool:
    """Block until the job's completion is told, at most `seconds`; whether it was. Raises
    Redis's errors. A completion told before the wait began is found at once. BLMOVE from
    the list onto itself takes nothing away: any number of requests wait on one job, each
    is answered, and the item is there for the next."""
    key = done_key(job_id)
    redis = broker().connection
    return redis.blmove(key, key, max(0.001, seconds), "RIGHT", "RIGHT") is not None


def send_job(job_id, token, slow_step=None) -> None:
    """The job as a task of its own, under the lease `token` of the batch that claimed it;
    `slow_step`: a step found too slow to run inline. A task Redis loses is a lease that
    runs out: a later drain takes the job over."""
    try:
        async_task(
            "jobs.tasks.advance",
            str(job_id),
            str(token),
            slow_step,
            task_name=f"job {job_id}",
            broker=broker(),
        )
    except Exception:
        log.warning("could not send job %s to the workers", job_id, exc_info=True)
