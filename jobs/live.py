"""Live status: the one function that sends what happened to the browsers watching it.

Workers call publish() after they record an event; the Channels layer (Redis) fans it out to
every web process, whose LiveConsumer forwards it to the sockets of the workspace, the job
and the silo entry concerned.
"""

import logging

from asgiref.sync import async_to_sync
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
    layer = get_channel_layer()
    message = {"type": "live.event", "payload": payload}
    try:
        for group in groups:
            async_to_sync(layer.group_send)(group, message)
    except Exception:  # best effort: the database has the truth and pages re-sync from it
        log.warning("live status not delivered to %s", groups, exc_info=True)


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
