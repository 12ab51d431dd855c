"""Tasks run by the django-q2 workers."""

import os
import uuid

from . import batch, engine, live


def advance(job_id: str, token: str | None = None, slow_step: str | None = None) -> None:
    engine.advance(job_id, token=uuid.UUID(token) if token else None, slow_step=slow_step)


def ping(workspace_id: str, nonce: str) -> int:
    """Round trip through the worker: proves the cluster runs tasks and can reach browsers."""
    live.publish(workspace_id, {"type": "ping", "nonce": nonce, "worker_pid": os.getpid()})
    return os.getpid()


def drain() -> None:
    batch.drain()
