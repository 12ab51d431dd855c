"""Live status: the one function that sends what happened to the browsers watching it.

Workers call publish() after they record an event; the Channels layer (Redis pub/sub) fans
it out to every web process, whose LiveConsumer forwards it to the sockets of the workspace,
the job and the silo entry concerned.

Sending is handed to one background thread per process with its own event loop: a job does
not wait for Redis (async_to_sync per message cost more than the rest of a step). What piled
up meanwhile goes out as one message per group, its payloads in the order they happened (a
listener follows one group, so that order is the one that matters): a job's commit publishes
its events and status together, and one PUBLISH per group instead of one per payload keeps
the sending thread from taking the worker's time (it ran in the same process, and cost as
much as the job itself). Delivery is best effort: the database has the truth, and pages
re-sync from it when they reconnect.
"""

import asyncio
import logging
import os
import queue
import threading

from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def workspace_group(workspace_id) -> str:
    return f"ws.{workspace_id}"


def job_group(job_id) -> str:
    return f"job.{job_id}"


def entry_group(entry_id) -> str:
    return f"entry.{entry_id}"


def publish(workspace_id, payload: dict, *, job_id=None, entry_id=None) -> None:
    publish_all([message(workspace_id, payload, job_id=job_id, entry_id=entry_id)])


def publish_all(messages: list[tuple[list[str], dict]]) -> None:
    """Publish these messages (from message(), job_message(), event_message()) in order,
    handed to the sending thread at once: it then wakes once for them all, not once each."""
    _sender().send(messages)


def message(workspace_id, payload: dict, *, job_id=None, entry_id=None):
    """(groups, payload): the groups of the workspace, the job and the entry concerned."""
    groups = [workspace_group(workspace_id)]
    if job_id:
        groups.append(job_group(job_id))
    if entry_id:
        groups.append(entry_group(entry_id))
    return groups, payload


def payloads(message: dict) -> list[dict]:
    """What a message received from a live group carries, in order."""
    return message["payloads"]


def flush(timeout: float = 5.0) -> None:
    """Wait until everything published so far has been handed to Redis (tests, shutdown)."""
    _sender().flush(timeout)


class _Sender:
    """A thread with its own event loop, fed through a plain queue: putting a message costs
    the job almost nothing (no wake-up of an event loop), and whatever piled up while the
    thread was sending goes out together."""

    def __init__(self):
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._run, name="live-publisher", daemon=True).start()

    def send(self, messages: list) -> None:
        self.queue.put(messages)

    def flush(self, timeout: float) -> None:
        done = threading.Event()
        self.queue.put([(None, done)])
        done.wait(timeout)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        layer = get_channel_layer()
        while True:
            batch = self.queue.get()
            while not self.queue.empty():
                batch += self.queue.get_nowait()
            loop.run_until_complete(self._send(layer, batch))

    @staticmethod
    async def _send(layer, batch) -> None:
        flushed = [done for groups, done in batch if groups is None]
        by_group: dict[str, list[dict]] = {}
        for groups, payload in batch:
            for group in groups or ():
                by_group.setdefault(group, []).append(payload)
        results = await asyncio.gather(
            *(
                layer.group_send(group, {"type": "live.event", "payloads": found})
                for group, found in by_group.items()
            ),
            return_exceptions=True,
        )
        for group, result in zip(by_group, results, strict=True):
            if isinstance(result, Exception):
                log.warning("live status not delivered to %s", group, exc_info=result)
        for done in flushed:
            done.set()


_senders: dict[int, _Sender] = {}
_lock = threading.Lock()


def _sender() -> _Sender:
    """One sender per process: a forked worker starts its own thread."""
    pid = os.getpid()
    with _lock:
        if pid not in _senders:
            _senders[pid] = _Sender()
        return _senders[pid]


def job_payload(job) -> dict:
    return {
        "id": str(job.id),
        "status": job.status,
        "silo_entry_id": str(job.silo_entry_id) if job.silo_entry_id else None,
        "workflow_id": str(job.workflow_id),
        "completed_at": job.completed_at.isoformat() if job.completed_at else None,
    }


def completed_jobs(messages) -> list[str]:
    """The ids of the jobs that these messages say completed (OK or KO)."""
    found = set()
    for _, payload in messages:
        job = payload.get("job") or {}
        if payload.get("type") == "job" and job.get("completed_at"):
            found.add(job["id"])
    return sorted(found)


def publish_job(job) -> None:
    """A job's status changed."""
    publish_all([job_message(job)])


def publish_event(job, intent, event) -> None:
    """A step recorded an event (RUN, OK, ERR, …)."""
    publish_all([event_message(job, intent, event)])


def job_message(job):
    payload = {"type": "job", "job": job_payload(job)}
    return message(job.workspace_id, payload, job_id=job.id, entry_id=job.silo_entry_id)


def event_message(job, intent, event):
    payload = {
        "type": "event",
        "job": job_payload(job),
        "intent": {
            "id": str(intent.id),
            "step_id": intent.step_id,
            "name": intent.name,
            "provider": intent.provider,
        },
        "event": {
            "index": event.index,
            "status": event.status,
            "code": event.code,
            "message": event.message,
            "at": event.at.isoformat(),
        },
    }
    return message(job.workspace_id, payload, job_id=job.id, entry_id=job.silo_entry_id)
