"""Sends due work back to the queue: retries whose time has come, woken QUEUED steps, jobs
whose worker died (lease run out), and jobs whose queue message Redis lost; and reads the
Peppol inbox (providers/peppol/inbox.py), whose documents start workflows.

It runs as a daemon thread in every django-q2 worker process (started on django-q2's
post_spawn signal), so a cluster needs no extra process. Sending is waking a drain
(jobs/batch.py), which claims every due job; `dispatched_at` says when a job was last sent,
so that a job whose drain Redis lost is sent again after `redispatch_after`.
"""

import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

from workflows.triggers import fire_due_schedules

from . import engine, queue
from .models import Job

log = logging.getLogger(__name__)
_started = threading.Event()


def dispatch_due(limit: int = 500) -> int:
    """Enqueue what is due now; returns how many jobs were sent."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.ENGINE["redispatch_after"])
    not_recently_sent = Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale)
    due = Job.objects.filter(engine.due_jobs(now), not_recently_sent)
    ids = list(due.values_list("id", flat=True)[:limit])
    sent = Job.objects.filter(pk__in=ids).filter(not_recently_sent).update(dispatched_at=now)
    if sent:
        queue.wake()
    return sent


def loop() -> None:
    busy = True
    while True:
        try:
            close_old_connections()
            # Markers of stopped steps are files of this machine: every dispatcher looks.
            expired = engine.expire_stopped_leases()
            busy = dispatch_pass() if take_turn() else busy
            busy = busy or bool(expired)
        except Exception:  # the database or Redis is away for a moment: try again
            log.exception("dispatcher pass failed")
            time.sleep(1)
        time.sleep(pause(busy))


def dispatch_pass() -> bool:
    """One pass over what is due in the database; whether it found any."""
    sent = dispatch_due()
    fired = fire_due_schedules()
    received = collect_peppol_inbox()
    return bool(sent or fired or received)


def collect_peppol_inbox() -> int:
    """Documents received through Peppol and NemHandel, at most every PEPPOL_INBOX_INTERVAL
    (NEMHANDEL_INBOX_INTERVAL), when their access point is configured. Imported here, not at
    the top: its module brings requests and lxml, 9 MB in every worker of a deployment
    without Peppol (BENCHMARKS.md, footprint)."""
    if not (settings.PEPPOL_URL or settings.NEMHANDEL_URL):
        return 0
    from providers.nemhandel.inbox import NEMHANDEL
    from providers.peppol.inbox import PEPPOL, collect_if_due

    return collect_if_due(PEPPOL) + collect_if_due(NEMHANDEL)


def pause(busy: bool) -> float:
    """Seconds to the next pass: `dispatch_interval` while passes find work, longer
    (`dispatch_idle_interval`) after one that found none. An idle worker's dispatcher was
    1.2 % of a core at 0.2 s (bench/api.py); a retry now goes out at most that much later,
    against backoffs of seconds."""
    engine_settings = settings.ENGINE
    return engine_settings["dispatch_interval" if busy else "dispatch_idle_interval"]


def take_turn() -> bool:
    """Whether this dispatcher makes the next pass: one pass per interval for all the
    dispatchers on one queue (every worker process of every cluster has one), taken in turns
    through a Redis key. Without Redis every dispatcher passes: the database keeps two
    passes from sending a job twice (dispatched_at)."""
    turn = settings.ENGINE["dispatch_interval"]
    try:
        redis = queue.broker().connection
        return bool(redis.set(f"{settings.QUEUE_NAME}:dispatcher", 1, nx=True, px=int(turn * 1000)))
    except Exception:
        return True


def start(**kwargs) -> None:
    """post_spawn receiver: one dispatcher thread per worker process."""
    if _started.is_set():
        return
    _started.set()
    engine.hard_stops = True  # a worker: its cluster replaces it should hard_stop end it
    threading.Thread(target=loop, name="job-dispatcher", daemon=True).start()
