"""Untrusted programs, where they can be killed: jq runs in a child process of the worker.

A jq program is the user's code running inside libjq, where no signal reaches it: `def f: f;
f` ran for 27 minutes in a worker whose step had a 20 s limit, and `[range(1e12)]` grew one
past 1.5 GB. Here each process keeps one child (providers/sandbox_child.py) with a memory cap
(RLIMIT_AS), sends it the program and its input, and waits at most for what is left of the
step's time (providers/limits.py); past that, or when the child dies of its cap, the child is
killed and a new one is started for the next program.

The option not taken: a fresh process per program. It costs 30–60 ms of interpreter start
where a round trip to a warm child costs a fraction of a millisecond, and silo.modify and
http.request run jq on every job of a workflow.
"""

import atexit
import json
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time

from django.conf import settings

from .limits import StepTimeout, remaining


class ProgramError(ValueError):
    """The program does not compile, or fails on its input (jq's own message)."""


class LimitExceeded(Exception):
    """The program used more memory, or gave more output, than the sandbox allows."""


class _ChildDied(Exception):
    pass


def jq(program: str, data, first: bool = False) -> list:
    """The program's results over `data` (at most one with `first`), within the step's time.
    Raises ProgramError, LimitExceeded, or StepTimeout when the step's time runs out."""
    return _sandbox().run(program, data, first)


def memory_mb() -> int:
    return settings.SANDBOX["memory_mb"]


class Sandbox:
    def __init__(self):
        self.process: subprocess.Popen | None = None

    def run(self, program: str, data, first: bool) -> list:
        head = json.dumps({"program": program, "first": first}).encode()
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        request = head + b"\n" + body
        deadline = time.monotonic() + remaining()
        try:
            reply = self._exchange(request, deadline)
        except _ChildDied:
            raise LimitExceeded(self._death()) from None
        except BaseException:  # out of time, or SIGALRM and Ctrl-C raised while we waited
            self.stop()
            raise
        return _results(json.loads(reply))

    def _exchange(self, request: bytes, deadline: float) -> bytes:
        process = self._child()
        try:
            process.stdin.write(struct.pack(">I", len(request)) + request)
            process.stdin.flush()
        except BrokenPipeError:  # it died after its last answer: once more with a new one
            self.stop()
            process = self._child()
            process.stdin.write(struct.pack(">I", len(request)) + request)
            process.stdin.flush()
        (size,) = struct.unpack(">I", self._read(4, deadline))
        return self._read(size, deadline)

    def _read(self, size: int, deadline: float) -> bytes:
        fd = self.process.stdout.fileno()
        chunks = []
        while size:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise StepTimeout
            chunk = os.read(fd, min(size, 1 << 20))
            if not chunk:
                raise _ChildDied
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _child(self) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            limits = [str(memory_mb()), str(settings.SANDBOX["max_output_bytes"])]
            self.process = subprocess.Popen(
                [sys.executable, "-m", "providers.sandbox_child", *limits],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # libjq's "cannot allocate memory" before it aborts
            )
        return self.process

    def _death(self) -> str:
        code = self.process.wait()
        self._close()
        if code in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGKILL, 1):
            return f"the jq program used more memory than the sandbox allows ({memory_mb()} MB)"
        return f"the jq sandbox stopped (exit code {code})"

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self._close()

    def close(self) -> None:
        """At exit: the child ends when its input closes."""
        if self.process is not None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self._close()

    def _close(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            if not pipe.closed:
                pipe.close()
        self.process = None


def _results(reply: dict) -> list:
    if "error" in reply:
        raise ProgramError(reply["error"])
    if reply.get("limit") == "memory":
        raise LimitExceeded(
            f"the jq program used more memory than the sandbox allows ({memory_mb()} MB)"
        )
    if reply.get("limit") == "output":
        limit = settings.SANDBOX["max_output_bytes"]
        raise LimitExceeded(f"the jq program gave more than {limit} bytes of output")
    return reply["results"]


_local = threading.local()
_opened: list[tuple[int, Sandbox]] = []


def _sandbox() -> Sandbox:
    """This thread's sandbox. Keyed by process id too: a forked worker must not talk to its
    parent's child through the pipes it inherited."""
    pid = os.getpid()
    if getattr(_local, "pid", None) != pid:
        _local.pid, _local.sandbox = pid, Sandbox()
        _opened.append((pid, _local.sandbox))
    return _local.sandbox


@atexit.register
def _close_all() -> None:
    for pid, sandbox in _opened:
        if pid == os.getpid():
            sandbox.close()
