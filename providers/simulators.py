"""The counterparts' simulators: each tax agency or network a provider talks to has one, in
its provider's folder, registered here. `make run` (DEBUG) starts every registered simulator
as a child process and points the workers at it; the tests start them on free ports.

A simulator speaks the counterpart's real protocol and answers with its real codes; it is
told to reject, delay or fail through its own /sandbox/ endpoints.
"""

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module


@dataclass(frozen=True)
class Simulator:
    key: str
    name: str
    port: int  # the usual port under `make run`; another free one when it is taken
    endpoint: Callable[[int], str]  # where providers reach it, on that port
    health: Callable[[int], str]  # a URL that answers 200 once it serves
    # The setting (an environment variable of the workers) that names the endpoint, when
    # the provider reads it from the settings rather than from a workspace's configuration.
    setting: str = ""
    serve: Callable[[int], None] | None = None  # serves on a port until interrupted
    start: Callable[[int], subprocess.Popen] | None = None  # its own way to start, if any

    def launch(self, port: int) -> subprocess.Popen:
        """The simulator as a child process on `port`."""
        return self.start(port) if self.start else command(self.key, port)


_simulators: dict[str, Simulator] = {}


def register(simulator: Simulator) -> Simulator:
    if simulator.key in _simulators:
        raise ValueError(f"simulator {simulator.key!r} is registered twice")
    _simulators[simulator.key] = simulator
    return simulator


def all_simulators() -> list[Simulator]:
    _load_all()
    return list(_simulators.values())


def get(key: str) -> Simulator | None:
    _load_all()
    return _simulators.get(key)


def _load_all() -> None:
    """Import every simulator module on first use, as the provider registry does its modules
    (only `make run` and the tests start simulators)."""
    from django.conf import settings

    for module in settings.SIMULATOR_MODULES:
        import_module(module)


def command(key: str, port: int) -> subprocess.Popen:
    """`manage.py simulator KEY --port PORT` in its own process group, as serve's children."""
    from django.conf import settings

    line = [sys.executable, "manage.py", "simulator", key, "--port", str(port)]
    return subprocess.Popen(line, cwd=settings.BASE_DIR, start_new_session=True)
