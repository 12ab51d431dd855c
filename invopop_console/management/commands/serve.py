"""`make run`: everything the console needs, in one command, stopped by one Ctrl-C.

Starts the embedded Redis (unless REDIS_URL is set), migrates, and when DEBUG is on starts
the VERI*FACTU agency sandbox and seeds the demo workspace (whose VERI*FACTU configuration
submits to that sandbox); then runs the ASGI web server (uvicorn: HTTP + websockets) and a
django-q2 cluster as child processes. Each child gets its own process group, so Ctrl-C reaches only
this launcher, which then stops the web server, the workers and Redis in that order and
leaves no process behind.
"""

import os
import signal
import socket
import subprocess
import sys
import time

import requests
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from invopop_console import embedded
from invopop_console.demo.seed import DEMO_EMAIL, DEMO_PASSWORD, sandbox_url, seed_demo
from providers.verifactu.sandbox import start_sandbox

SANDBOX_PORT = 8790


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
        # SIGINT too: a shell starting us in the background sets it to "ignore", and then
        # Python would not turn it into KeyboardInterrupt.
        signal.signal(signal.SIGTERM, _raise_interrupt)
        signal.signal(signal.SIGINT, _raise_interrupt)
        children: list[tuple[str, subprocess.Popen]] = []
        try:
            self._start(children, host, port, no_worker, sandbox_port)
            self._watch(children)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            for name, child in reversed(children):
                embedded.stop(child)
                self.stdout.write(f"  stopped {name}")

    def _start(self, children, host, port, no_worker, sandbox_port):
        if settings.EMBEDDED_REDIS:
            children.append(("redis", embedded.start_redis(settings.REDIS_SOCKET)))
            self.stdout.write(f"Embedded Redis on {settings.REDIS_URL}")
        elif not embedded.redis_answers(settings.REDIS_URL):
            raise CommandError(f"Redis at REDIS_URL={settings.REDIS_URL} does not answer")
        call_command("migrate", interactive=False, verbosity=0)
        if settings.DEBUG:
            seed_demo(agency_sandbox_url=self._start_sandbox(children, sandbox_port))
        else:
            call_command("collectstatic", interactive=False, verbosity=0)
        if not no_worker:
            children.append(("workers", _spawn([sys.executable, "manage.py", "qcluster"])))
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
        children.append(("web server", _spawn(web)))
        url = f"http://{host}:{port}/"
        _wait_for_http(url + "healthz/", children)
        self.stdout.write(self.style.SUCCESS(f"\nConsole running at {url}"))
        if settings.DEBUG:
            self.stdout.write(f"Log in as {DEMO_EMAIL} / password: {DEMO_PASSWORD}")
        self.stdout.write("Press Ctrl-C to stop.\n")

    def _start_sandbox(self, children, port: int) -> str:
        """The agency sandbox the demo submits VERI*FACTU records to; its SOAP endpoint.

        On a free port when the usual one is taken: a second console, or tests running
        `make run`, must not fail (or, worse, submit to another console's sandbox)."""
        port = _usable_port(port)
        _allow_outbound(f"127.0.0.1:{port}")  # for the workers, who submit to it
        children.append(("agency sandbox", start_sandbox(port)))
        _wait_for_http(f"http://127.0.0.1:{port}/", children)  # it prints its own address
        return sandbox_url(port)

    def _watch(self, children):
        while True:
            for name, child in children:
                if child.poll() is not None:
                    raise CommandError(f"The {name} stopped (exit code {child.returncode})")
            time.sleep(0.5)


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


def _wait_for_http(url: str, children, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if any(child.poll() is not None for _, child in children):
            break
        time.sleep(0.2)
    raise CommandError(f"Nothing answered on {url}")


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt
