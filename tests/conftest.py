"""Shared fixtures: the embedded Redis, the personas, and the real stack.

Personas (as in healthchecks): the owner and a teammate (editor) of `workspace`, a viewer, and
an outsider who owns a workspace of their own and must never see anything of `workspace`.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from invopop_console import embedded
from invopop_console.accounts.models import Membership, Role
from invopop_console.accounts.services import create_workspace, get_or_create_user

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def redis_server():
    """A real Redis for the whole run: REDIS_URL's, or the embedded one under var/test/."""
    if not settings.EMBEDDED_REDIS:
        yield settings.REDIS_URL
        return
    process = embedded.start_redis(settings.REDIS_SOCKET)
    yield settings.REDIS_URL
    embedded.stop(process)


@pytest.fixture(params=["alone", "in a batch"])
def both_paths(request, monkeypatch):
    """Runs the test with engine_helpers.run() taking each job on its own (engine.advance)
    and as a batch (jobs/batch.py): a batch must never decide anything differently. A batch
    that failed and left its jobs to the other path fails the test."""
    import engine_helpers

    from jobs import batch

    failures = []
    monkeypatch.setattr(batch.log, "exception", lambda *args, **kw: failures.append(args))
    engine_helpers.PATH["batch"] = request.param == "in a batch"
    yield request.param
    engine_helpers.PATH["batch"] = False
    assert not failures, f"a batch failed: {failures}"


@pytest.fixture
def owner(db):
    return get_or_create_user("owner@example.com", "owner-password")


@pytest.fixture
def workspace(owner):
    return create_workspace("Acme Invoicing", owner, slug="acme")


@pytest.fixture
def teammate(workspace):
    user = get_or_create_user("teammate@example.com", "teammate-password")
    Membership.objects.create(workspace=workspace, user=user, role=Role.EDITOR)
    return user


@pytest.fixture
def viewer(workspace):
    user = get_or_create_user("viewer@example.com", "viewer-password")
    Membership.objects.create(workspace=workspace, user=user, role=Role.VIEWER)
    return user


@pytest.fixture
def outsider(db):
    return get_or_create_user("outsider@example.com", "outsider-password")


@pytest.fixture
def other_workspace(outsider):
    return create_workspace("Other Corp", outsider, slug="other")


@pytest.fixture
def api(workspace):
    """An API client with a token of `workspace`."""
    from rest_framework.test import APIClient

    from invopop_console.accounts.models import ApiToken

    _, secret = ApiToken.issue(workspace, "Tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def other_api(other_workspace):
    """An API client with a token of the outsider's workspace."""
    from rest_framework.test import APIClient

    from invopop_console.accounts.models import ApiToken

    _, secret = ApiToken.issue(other_workspace, "Outsider")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def shared_path(*parts: str) -> Path:
    """A file in ../shared, or a visible skip when the folder is not beside the project."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared is not beside the project ({path} missing)")
    return path


# --- The real stack: uvicorn (HTTP + websockets) and a django-q2 cluster, as subprocesses.


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The URL of the test database, for processes started by a test."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def stack_env(**extra: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "QUEUE_NAME": settings.QUEUE_NAME,
        **extra,
    }


# Quick engine timings for the workers of stack tests.
FAST_ENGINE = {
    "ENGINE_DISPATCH_INTERVAL": "0.05",
    "ENGINE_DISPATCH_IDLE_INTERVAL": "0.05",
    "ENGINE_REDISPATCH_AFTER": "1",
    "ENGINE_LEASE_GRACE": "1",
}


class Stack:
    def __init__(self, port: int, env: dict):
        self.port = port
        self.env = env
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"
        self.processes: list[subprocess.Popen] = []
        self.cluster: subprocess.Popen | None = None

    def spawn(self, command: list[str]) -> subprocess.Popen:
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True)
        self.processes.append(process)
        return process

    def start_cluster(self) -> None:
        self.cluster = self.spawn([sys.executable, "manage.py", "workers"])

    def kill_cluster(self) -> None:
        """SIGKILL every process of the cluster at once, as a machine that loses power."""
        os.killpg(self.cluster.pid, signal.SIGKILL)
        self.cluster.wait()


WEB = [
    "-m",
    "uvicorn",
    "invopop_console.asgi:application",
    "--lifespan",
    "off",
    "--ws",
    "websockets-sansio",
    "--no-access-log",
]


@contextmanager
def running_stack(workers: int = 2, web: bool = True, port: int | None = None, **env: str):
    """Start the web server (on `port`, else a free one) and a worker cluster against the test
    database and Redis."""
    stack = Stack(port or free_port(), stack_env(WORKERS=str(workers), **FAST_ENGINE, **env))
    try:
        if web:
            stack.spawn([sys.executable, *WEB, "--port", str(stack.port)])
        stack.start_cluster()
        if web:
            _wait_until_up(stack)
        yield stack
    finally:
        for process in stack.processes:
            embedded.stop(process, timeout=5)


@contextmanager
def running_stacks(count: int = 2, workers: int = 2, **env: str):
    """`count` stacks, each a web server and a worker cluster, on the same database and Redis:
    machines behind a load balancer. Every one is stopped, however the test ends."""
    with ExitStack() as started:
        yield [started.enter_context(running_stack(workers, **env)) for _ in range(count)]


def _wait_until_up(stack: Stack, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(stack.url + "/healthz/", timeout=1).raise_for_status()
            return
        except requests.RequestException:
            assert all(p.poll() is None for p in stack.processes), "a stack process died"
            time.sleep(0.1)
    raise TimeoutError("the web server did not come up")


def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]
