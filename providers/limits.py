"""A step's time limit, as the code that runs it sees it.

The engine opens `step_deadline(seconds)` around every provider call. Python code is stopped
by SIGALRM (StepTimeout is raised where it is); code that a signal cannot interrupt, such as
a jq program inside libjq, runs in the sandbox (providers/sandbox.py), which asks
`remaining()` how long it may wait before it kills the program.

Why a context variable and not an argument: every jq call of every provider is then bounded
by the step's limit without each provider passing it along.
"""

import _signal  # signal's C module, see _alarm
import signal
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

# Outside a step (a provider called by a test or a preview): the engine's usual step limit.
DEFAULT_SECONDS = 120.0

_deadline: ContextVar[float | None] = ContextVar("step_deadline", default=None)


class StepTimeout(Exception):
    """The step ran out of time."""


@contextmanager
def step_deadline(seconds: float):
    """The step's limit: `remaining()` counts down from `seconds`, and in the main thread (a
    django-q worker's) SIGALRM raises StepTimeout once it is reached. In other threads the
    engine checks the elapsed time after the run instead."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        if threading.current_thread() is threading.main_thread():
            with _alarm(seconds):
                yield
        else:
            yield
    finally:
        _deadline.reset(token)


@contextmanager
def _alarm(seconds: float):
    def expire(signum, frame):
        raise StepTimeout

    # _signal.signal, not signal.signal: the latter turns the handler it replaces into an
    # enum member when it can, through a ValueError when it cannot (a function); around every
    # step that was 7 % of a worker's CPU per job (bench/api.py, py-spy --gil).
    previous = _signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _signal.signal(signal.SIGALRM, previous)


def remaining() -> float:
    """Seconds left to the current step (DEFAULT_SECONDS outside a step); 0 when past."""
    deadline = _deadline.get()
    if deadline is None:
        return DEFAULT_SECONDS
    return max(0.0, deadline - time.monotonic())
