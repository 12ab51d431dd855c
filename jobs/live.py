"""Live status: the one function that sends what happened to the browsers watching it.

Workers call publish() after they record an event; the Channels layer (Redis pub/sub) fans
it out to every web process, whose LiveConsumer forwards it to the sockets of the workspace,
the job and the silo entry concerned.

Sending is handed to one background thread per process with its own event loop: a job does
not wait for Redis (async_to_sync per message cost more than the rest of a step), and one
queue drained in order keeps the events of a job in the order they happened. Delivery is
best effort: the database has the truth, and pages re-sync from it when they reconnect.
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
    groups = [workspace_group(workspace_id)]
    if job_id:
        groups.append(job_group(job_id))
    if entry_id:
        groups.append(entry_group(entry_id))
    _sender().send(groups, {"type": "live.event", "payload": payload})


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

    def send(self, groups: list[str], message: dict) -> None:
        self.queue.put((groups, message))

    def flush(self, timeout: float) -> None:
        done = threading.Event()
        self.queue.put((None, done))
        done.wait(timeout)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        layer = get_channel_layer()
        while True:
            batch = [self.queue.get()]
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            loop.run_until_complete(self._send(layer, batch))

    @staticmethod
    async def _send(layer, batch) -> None:
        for groups, message in batch:  # one message after the other: events stay in order
            if groups is None:
                message.set()
                continue
            try:
                await asyncio.gather(*(layer.group_send(g, message) for g in groups))
            except Exception:
                log.warning("live status not delivered to %s", groups, exc_info=True)


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


def publish_job(job) -> None:
    """A job's status changed."""
    publish(
        job.workspace_id,
        {"type": "job", "job": job_payload(job)},
        job_id=job.id,
        entry_id=job.silo_entry_id,
    )


def publish_event(job, intent, event) -> None:
    """A step recorded an event (RUN, OK, ERR, …)."""
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
    publish(job.workspace_id, payload, job_id=job.id, entry_id=job.silo_entry_id)
