"""The launcher's last part: watching the console's processes until Ctrl-C, then stopping them.

`manage.py serve` starts Redis, the simulators, the workers and the web server, then replaces
itself with this script (exec: the same process, so the children stay its own). It imports
nothing but the standard library and runs without site-packages (`python -S`): the process
that only waits holds ~10 MB resident instead of Django's 150 (BENCHMARKS.md, footprint).

It keeps serve's promises: a child that stops ends the console (exit code 1, saying which);
Ctrl-C or SIGTERM stops every child in the reverse order of their start within one grace
period, SIGTERM to each child alone then SIGKILL to each process group (invopop_console/
embedded.py says why); a second one while stopping kills at once. Only pids cross the exec,
no Popen objects, so this script reaps them itself.

    python -S invopop_console/supervise.py '[["redis", 123], ["web server", 456]]' GRACE
"""

import contextlib
import json
import os
import signal
import sys
import time

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
WATCH_EVERY = 0.5  # seconds between looks at the children while they run
POLL = 0.05  # seconds between looks at a child being stopped


class Signals:
    """What Ctrl-C and SIGTERM asked for: the first, to stop (the watch loop sees it within
    WATCH_EVERY); one while stopping, to kill every child at once. A flag, not an exception: an
    exception could land between two steps of the stopping and cut it short."""

    def __init__(self, children: list[tuple[str, int]]):
        self.children = children
        self.stop = False
        self.stopping = False

    def __call__(self, signum, frame):
        if self.stopping:
            say("  stopping now")
            kill_groups(pid for _, pid in self.children)
        self.stop = True


def main(argv: list[str]) -> int:
    children = [(name, pid) for name, pid in json.loads(argv[1])]
    grace = float(argv[2])
    signals = Signals(list(children))
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signals)
    # serve blocked these before the exec, so none was lost meanwhile: delivered now.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    stopped = watch(children, signals)
    signals.stopping = True
    if stopped is None:
        say("\nStopping…")
    else:
        say(f"CommandError: The {stopped[0]} stopped (exit code {stopped[1]})", sys.stderr)
    stop_all([pid for _, pid in reversed(children)], grace)
    for name, _ in reversed(signals.children):
        say(f"  stopped {name}")
    return 0 if stopped is None else 1


def watch(children: list[tuple[str, int]], signals: Signals) -> tuple[str, int] | None:
    """Until a child ends (its name and exit code, negative for the signal that ended it,
    and it leaves `children`) or a signal asks to stop (None)."""
    while not signals.stop:
        for name, pid in children:
            code = ended(pid)
            if code is not None:
                children.remove((name, pid))
                return name, code
        time.sleep(WATCH_EVERY)
    return None


def ended(pid: int) -> int | None:
    """The child's exit code once it has ended (reaping it), else None."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # reaped already
        return 0
    if done == 0:
        return None
    return os.waitstatus_to_exitcode(status)


def stop_all(pids: list[int], grace: float) -> None:
    """SIGTERM to each child in turn, waited for until one common deadline; then SIGKILL to
    every process group, and every child reaped."""
    deadline = time.monotonic() + grace
    try:
        for pid in pids:
            with_signal(pid, signal.SIGTERM)
            while ended(pid) is None and time.monotonic() < deadline:
                time.sleep(POLL)
    finally:
        kill_groups(pids)
        for pid in pids:
            while ended(pid) is None:
                time.sleep(POLL)


def kill_groups(pids) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def with_signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def say(line: str, stream=sys.stdout) -> None:
    print(line, file=stream, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
