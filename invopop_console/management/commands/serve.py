"""`make run`: everything the console needs, in one command, stopped by one Ctrl-C.

Starts the embedded Redis (unless REDIS_URL is set), migrates, and when DEBUG is on starts
the counterparts' simulators (providers/simulators.py: the VERI*FACTU agency sandbox, Slack,
Peppol) and seeds the demo workspace (whose VERI*FACTU configuration submits to that sandbox); then
runs the ASGI web server (uvicorn: HTTP + websockets) and a django-q2 cluster as child
processes. Each child gets its own process group, so Ctrl-C reaches only this launcher,
which then stops the web server, the workers and Redis in that order and leaves no process
behind: within STOP_GRACE seconds, after which whatever still runs is
killed, at once on a second Ctrl-C. A start that fails or is interrupted stops what it had
started the same way. Once everything answers, the launcher replaces itself with
invopop_console/supervise.py, which watches and stops the children as said without Django
in memory (150 MB less for a process that only waits).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import requests
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from invopop_console import embedded
from invopop_console.demo.counterparts import all_simulators
from invopop_console.demo.seed import DEMO_EMAIL, DEMO_PASSWORD, seed_demo

SANDBOX_PORT = 8790  # the VERI*FACTU agency sandbox's usual port
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
STOP_GRACE = 10.0  # seconds for the children to stop cleanly, all together
START_TIMEOUT = 120.0  # a loaded machine may take long to answer its first request
PROGRESS_EVERY = 10.0  # seconds between "still waiting" lines


class Command(BaseCommand):
    help = "Run the console: embedded Redis, web server (HTTP + websockets) and workers."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--no-worker", action="store_true", help="web server only")
        parser.add_argument(
            "--sandbox-port",
            type=int,
            default=SANDBOX_PORT,
            help=f"port of the VERI*FACTU agency sandbox (DEBUG); 0: any free port, as is "
            f"{SANDBOX_PORT} when taken",
        )

    def handle(self, host, port, no_worker, sandbox_port, **options):
        children: list[tuple[str, subprocess.Popen]] = []
        self._on_stop_signals(children)
        try:
            self._start(children, host, port, no_worker, sandbox_port)
            _hand_over(children)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            self.stopping = True  # a failed start too: a Ctrl-C from now on hurries the stop
            embedded.stop_all([child for _, child in reversed(children)], STOP_GRACE)
            for name, _ in reversed(children):
                self.stdout.write(f"  stopped {name}")

    def _on_stop_signals(self, children) -> None:
        """Ctrl-C (or SIGTERM) interrupts the start or the run; another one while stopping
        kills the children at once instead of waiting for them. Killing from the handler,
        not raising again: an exception would cut the stopping short and leave children
        behind. SIGINT is set too because a shell starting us in the background sets it to
        "ignore", and then Python would not turn it into KeyboardInterrupt."""
        self.stopping = False

        def stop(signum, frame):
            if not self.stopping:
                self.stopping = True
                raise KeyboardInterrupt
            self.stdout.write("  stopping now")
            embedded.kill_all([child for _, child in children])

        for stop_signal in STOP_SIGNALS:
            signal.signal(stop_signal, stop)

    def _start(self, children, host, port, no_worker, sandbox_port):
        if settings.EMBEDDED_REDIS:
            _launch(children, "redis", lambda: embedded.start_redis(settings.REDIS_SOCKET))
            self.stdout.write(f"Embedded Redis on {settings.REDIS_URL}")
        elif not embedded.redis_answers(settings.REDIS_URL):
            raise CommandError(f"Redis at REDIS_URL={settings.REDIS_URL} does not answer")
        call_command("migrate", interactive=False, verbosity=0)
        if settings.DEBUG:
            endpoints = self._start_simulators(children, {"verifactu": sandbox_port})
            seed_demo(agency_sandbox_url=endpoints.get("verifactu"))
        else:
            call_command("collectstatic", interactive=False, verbosity=0)
        if not no_worker:
            _launch(children, "workers", lambda: _spawn([sys.executable, "manage.py", "workers"]))
        web = [
            sys.executable,
            "-m",
            "uvicorn",
            "invopop_console.asgi:application",
            "--host",
            host,
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--ws",
            "websockets-sansio",
            "--no-access-log",
        ]
        if settings.WEB_PROCESSES > 1:
            web += ["--workers", str(settings.WEB_PROCESSES)]
        _launch(children, "web server", lambda: _spawn(web))
        url = f"http://{host}:{port}/"
        wait_for_http(url + "healthz/", children, self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"\nConsole running at {url}"))
        if settings.DEBUG:
            self.stdout.write(f"Log in as {DEMO_EMAIL} / password: {DEMO_PASSWORD}")
        self.stdout.write("Press Ctrl-C to stop.\n")

    def _start_simulators(self, children, ports: dict[str, int]) -> dict[str, str]:
        """Every counterpart's simulator (providers/simulators.py): {key: endpoint}. The
        workers started after this reach them: a simulator's `setting` names its endpoint,
        and the SSRF guard lets them through to that one port only.

        On a free port when the usual one is taken: a second console, or tests running
        `make run`, must not fail (or, worse, submit to another console's simulator)."""
        endpoints = {}
        for simulator in all_simulators():
            port = _usable_port(ports.get(simulator.key, simulator.port))
            _allow_outbound(f"127.0.0.1:{port}")
            _launch(children, simulator.name, lambda s=simulator, p=port: s.launch(p))
            wait_for_http(simulator.health(port), children, self.stdout.write)
            endpoints[simulator.key] = simulator.endpoint(port)
            if simulator.setting:
                os.environ[simulator.setting] = endpoints[simulator.key]
            self.stdout.write(f"{simulator.name} at {endpoints[simulator.key]}")
        return endpoints


def _hand_over(children) -> None:
    """Become invopop_console/supervise.py: same process, same children, no Django. Ctrl-C
    and SIGTERM are blocked across the exec (the mask survives it, and the supervisor lifts it
    once its handlers are set), so one pressed in between is delayed, not lost or fatal."""
    import invopop_console.supervise as supervise

    pids = json.dumps([[name, child.pid] for name, child in children])
    connections.close_all()
    sys.stdout.flush()
    sys.stderr.flush()
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        os.execv(sys.executable, [sys.executable, "-S", supervise.__file__, pids, str(STOP_GRACE)])
    finally:  # the exec failed: the launcher stops the children itself
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def _launch(children: list, name: str, start) -> None:
    """Start a child and put it on the list with Ctrl-C held back in between: interrupted
    after the start but before the list, the child would be left running."""
    with _interrupts_held():
        children.append((name, start()))


@contextmanager
def _interrupts_held():
    """Ctrl-C (or SIGTERM) during the block takes effect when it ends. Python handlers, not
    a blocked signal mask: children would inherit the mask and ignore SIGTERM for good."""
    held = []
    previous = {
        s: signal.signal(s, lambda signum, frame: held.append(signum)) for s in STOP_SIGNALS
    }
    try:
        yield
    finally:
        for stop_signal, handler in previous.items():
            signal.signal(stop_signal, handler)
    if held:
        previous[held[0]](held[0], None)


def _spawn(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=settings.BASE_DIR, start_new_session=True)


def _allow_outbound(host: str) -> None:
    """Open one loopback host:port to the SSRF guard of the children started after this,
    not loopback as a whole (a demo workflow could then reach Redis or the console)."""
    allowed = [h for h in os.environ.get("OUTBOUND_ALLOW_HOSTS", "").split(",") if h.strip()]
    os.environ["OUTBOUND_ALLOW_HOSTS"] = ",".join([*allowed, host])


def _usable_port(port: int) -> int:
    """`port` when it is free on 127.0.0.1, else (and for 0) a free one."""
    for candidate in (port, 0) if port else (0,):
        with socket.socket() as sock:
            # As the sandbox binds: a port its previous run left in TIME_WAIT is free.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise CommandError("no free port for the agency sandbox")


def wait_for_http(url: str, children, say, timeout: float = START_TIMEOUT) -> None:
    """Until `url` answers 200, saying every PROGRESS_EVERY seconds that it still waits; a
    CommandError when a child stops meanwhile or nothing answered in `timeout` seconds.
    A slow answer is waited for like a refused connection: a loaded machine is not a fault."""
    started = reported = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or too busy to answer yet
            pass
        for name, child in children:
            if child.poll() is not None:
                raise CommandError(f"The {name} stopped (exit code {child.returncode})")
        if time.monotonic() - reported >= PROGRESS_EVERY:
            reported = time.monotonic()
            say(f"  still waiting for {url} ({reported - started:.0f} s)…")
        time.sleep(0.2)
    raise CommandError(f"Nothing answered on {url} in {timeout:.0f} s")
