"""`manage.py workers`: the django-q2 cluster that runs jobs, with its sentinel in this process.

django-q2's `qcluster` starts a process whose only work is to start the sentinel process and
wait for it. Here the sentinel runs in the command's own process: one resident Django process
fewer per cluster (~95 MB RSS, BENCHMARKS.md "footprint"). It is the same cluster otherwise:
the sentinel forks the pusher, the monitor and WORKERS worker processes, replaces any that
dies or overruns TASK_TIMEOUT, and stops in django-q2's order on SIGTERM or Ctrl-C (the pusher
first, then each worker after its task). `qcluster` keeps working too.
"""

import os
import signal
import threading
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand
from django_q.cluster import Sentinel, get_mp_context


class Command(BaseCommand):
    help = "Run the workers (a django-q2 cluster whose sentinel is this process)."
    # The system checks import every URL, view and provider (50 MB), and the processes the
    # sentinel forks would inherit them: `manage.py check` (and the web server) run them.
    requires_system_checks = []

    def handle(self, **options):
        settings.SECRET_KEY  # noqa: B018  as qcluster: no cluster without the signing key
        context = get_mp_context()
        stop, started = context.Event(), context.Event()
        sentinel = Sentinel(stop, started, uuid.uuid4(), start=False)
        _stop_on_signals(stop, os.getpid())
        sentinel.start()  # guards the cluster until `stop` is set, then stops it


def _stop_on_signals(stop, sentinel_pid: int) -> None:
    """SIGTERM and SIGINT set `stop`, from a thread of its own: the sentinel waits on that
    event in the main thread, where a handler setting it could deadlock on the event's lock.

    The forked processes inherit these handlers; in them a signal does what it did under
    qcluster, whose sentinel had SIGINT ignored and SIGTERM left to its default: a worker
    that the sentinel terminates for overrunning its task must die, not stop the cluster."""

    def handle(signum, frame):
        if os.getpid() == sentinel_pid:
            threading.Thread(target=stop.set, name="workers-stop").start()
        elif signum == signal.SIGTERM:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
