"""`manage.py workers`: the django-q2 cluster that runs jobs, with its sentinel in this process.

django-q2's `qcluster` starts a process whose only work is to start the sentinel process and
wait for it, and the sentinel forks a pusher and a monitor besides the workers. Here the
sentinel runs in the command's own process, and the pusher and the monitor are threads of
it: three resident Django processes fewer per cluster (~48 MB RSS each, BENCHMARKS.md
"footprint"). Neither does work that needs a process of its own: the pusher waits on Redis
and hands tasks to the workers' queue, the monitor acknowledges results (and saves only
failed tasks, `save_limit` -1), both with the GIL released while they wait. It is the same
cluster otherwise: the sentinel forks WORKERS worker processes, replaces any that dies or
overruns TASK_TIMEOUT (and a pusher or monitor thread that dies), and stops in django-q2's
order on SIGTERM or Ctrl-C (the pusher first, then each worker after its task, then the
monitor). `qcluster` keeps working too.
"""

import os
import signal
import threading
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand
from django_q.cluster import Sentinel, get_mp_context
from django_q.monitor import monitor
from django_q.pusher import pusher


class Command(BaseCommand):
    help = "Run the workers (a django-q2 cluster whose sentinel is this process)."
    # The system checks import every URL, view and provider (50 MB), and the processes the
    # sentinel forks would inherit them: `manage.py check` (and the web server) run them.
    requires_system_checks = []

    def handle(self, **options):
        settings.SECRET_KEY  # noqa: B018  as qcluster: no cluster without the signing key
        context = get_mp_context()
        stop, started = context.Event(), context.Event()
        sentinel = ThreadedSentinel(stop, started, uuid.uuid4(), start=False)
        _stop_on_signals(stop, os.getpid())
        sentinel.start()  # guards the cluster until `stop` is set, then stops it


class ThreadedSentinel(Sentinel):
    """django-q2's sentinel, whose pusher and monitor are threads of its own process.

    Workers forked later (a recycled or replaced one) fork a process with these threads
    running: multiprocessing's queues reset their thread state in the child, and the child
    uses neither thread's objects (the worker reads the task queue and writes the result
    queue, through its own pipes)."""

    def spawn_pusher(self) -> threading.Thread:
        return _started_thread(pusher, "pusher", self.task_queue, self.event_out, self.broker)

    def spawn_monitor(self) -> threading.Thread:
        return _started_thread(monitor, "monitor", self.result_queue, self.broker)


def _started_thread(target, name: str, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, name=f"django-q2-{name}", daemon=True)
    thread.pid = os.getpid()  # the cluster's status (django_q.status.Stat) lists it by pid
    thread.start()
    return thread


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
