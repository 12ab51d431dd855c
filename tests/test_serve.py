"""`make run` as a newcomer sees it: a fresh var/, the demo, the console, a websocket, Ctrl-C.

The launcher runs in a subprocess with an empty VAR_DIR, the embedded SQLite and Redis (no
DATABASE_URL or REDIS_URL), exactly as on a machine with nothing installed.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from conftest import ROOT, free_port
from django.core.management.base import CommandError
from receivers import Receiver, Reply
from websockets.sync.client import connect

from invopop_console import embedded
from invopop_console.management.commands import serve

pytestmark = pytest.mark.stack


def processes_with(marker: str) -> list[int]:
    """Pids of live processes whose environment carries `marker` (all children inherit it)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            environ = (proc / "environ").read_bytes()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in environ and state != "Z":
            found.append(int(proc.name))
    return found


@pytest.fixture
def launch(tmp_path):
    """start(port=None): `manage.py serve` with a fresh var/, as a newcomer runs it;
    (process, port, marker). Whatever it leaves behind is killed afterwards."""
    started = []

    def start(port=None, **extra_env):
        marker = f"CONSOLE_TEST_RUN={uuid.uuid4().hex}"
        port = port or free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "QUEUE_NAME", "PYTEST_VERSION", "SECRET_KEY")
        }
        env.update(
            VAR_DIR=str(tmp_path / f"var{len(started)}"),
            PORT=str(port),
            WORKERS="1",
            CONSOLE_TEST_RUN=marker.split("=")[1],
            **extra_env,
        )
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append((process, marker))
        return process, port, marker

    yield start
    for process, marker in started:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        for pid in processes_with(marker):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def launcher(launch):
    return launch()


def wait_until_gone(marker: str, timeout: float = 5) -> list[int]:
    deadline = time.monotonic() + timeout
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return processes_with(marker)


def wait_for_line(process, pattern: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if re.search(pattern, line):
            return line
    raise AssertionError(f"never printed {pattern!r}; output:\n{''.join(seen)}")


def test_make_run_serves_the_demo_and_stops_cleanly_on_ctrl_c(launcher):
    process, port, marker = launcher
    wait_for_line(process, rf"Console running at http://127\.0\.0\.1:{port}/")
    wait_for_line(process, r"demo@example\.com")
    base = f"http://127.0.0.1:{port}"

    browser = requests.Session()
    login = browser.get(f"{base}/login/")
    assert login.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    dashboard = browser.post(
        f"{base}/login/",
        data={"username": "demo@example.com", "password": "demo", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
    )
    assert dashboard.url == f"{base}/w/demo/"
    assert "Issue invoice" in browser.get(f"{base}/w/demo/workflows/").text

    cookie = f"sessionid={browser.cookies['sessionid']}"
    headers = {"Cookie": cookie, "Origin": base}
    with connect(f"ws://127.0.0.1:{port}/ws/demo/", additional_headers=headers) as socket:
        assert json.loads(socket.recv(timeout=10))["type"] == "hello"

    assert len(processes_with(marker)) >= 3  # launcher, redis, web, workers
    workers = [pid for pid in processes_with(marker) if "manage.py workers" in command_of(pid)]
    environ = Path(f"/proc/{workers[0]}/environ").read_bytes().split(b"\0")
    assert any(v.startswith(b"OUTBOUND_ALLOW_HOSTS=127.0.0.1:") for v in environ)  # its sandbox
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert wait_until_gone(marker) == []


def test_web_processes_start_that_many_web_servers_that_stop_with_it(launch):
    process, port, marker = launch(WEB_PROCESSES="2", DEBUG="0", SECRET_KEY="test-" + "k" * 40)
    wait_for_line(process, rf"Console running at http://127\.0\.0\.1:{port}/")
    answers = {requests.get(f"http://127.0.0.1:{port}/healthz/").status_code for _ in range(4)}
    assert answers == {200}
    servers = [pid for pid in processes_with(marker) if "spawn_main" in command_of(pid)]
    assert len(servers) == 2  # uvicorn's two worker processes, under its supervisor
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert wait_until_gone(marker) == []


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_start_that_fails_stops_everything_it_had_started(launch):
    with socket.create_server(("127.0.0.1", 0)) as taken:  # the web server cannot bind
        process, port, marker = launch(port=taken.getsockname()[1])
        line = wait_for_line(process, r"The web server stopped|Nothing answered")
        assert process.wait(timeout=60) != 0, line
    assert wait_until_gone(marker) == []


def test_a_start_interrupted_stops_everything_it_had_started(launch):
    """Ctrl-C while it starts: the workers are up, the web server not yet answering."""
    process, _, marker = launch()
    deadline = time.monotonic() + 120
    while not any("manage.py workers" in command_of(pid) for pid in processes_with(marker)):
        assert time.monotonic() < deadline and process.poll() is None, "the workers never started"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert wait_until_gone(marker) == []


def test_a_second_ctrl_c_while_stopping_stops_everything_at_once(launch):
    process, port, marker = launch()
    wait_for_line(process, rf"Console running at http://127\.0\.0\.1:{port}/")
    process.send_signal(signal.SIGINT)
    wait_for_line(process, r"Stopping")
    process.send_signal(signal.SIGINT)
    interrupted = time.monotonic()
    assert process.wait(timeout=30) == 0
    assert time.monotonic() - interrupted < serve.STOP_GRACE
    assert wait_until_gone(marker) == []


def test_once_running_the_launcher_waits_without_django_and_ends_when_a_child_stops(launch):
    process, port, marker = launch(DEBUG="0", SECRET_KEY="test-" + "k" * 40)
    wait_for_line(process, rf"Console running at http://127\.0\.0\.1:{port}/")
    deadline = time.monotonic() + 10
    while "supervise.py" not in command_of(process.pid):
        assert time.monotonic() < deadline, command_of(process.pid)
        time.sleep(0.05)
    resident = int(Path(f"/proc/{process.pid}/statm").read_text().split()[1]) * os.sysconf(
        "SC_PAGESIZE"
    )
    assert resident < 40 * 2**20  # Django's launcher held ~150 MB
    web = next(pid for pid in processes_with(marker) if "uvicorn" in command_of(pid))
    os.kill(web, signal.SIGKILL)
    wait_for_line(process, r"The web server stopped \(exit code -9\)")
    assert process.wait(timeout=30) == 1
    assert wait_until_gone(marker) == []


STUBBORN = """\
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
if sys.argv[1:] == ["parent"]:  # a child in its process group, as a cluster's workers
    subprocess.Popen([sys.executable, __file__])
time.sleep(600)
"""


def group_members(groups: set[int]) -> list[int]:
    """Pids of the live processes in these process groups."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in groups and fields[0] != "Z":
            found.append(int(proc.name))
    return found


def test_stopping_kills_children_that_ignore_sigterm_after_one_grace(tmp_path):
    script = tmp_path / "stubborn.py"
    script.write_text(STUBBORN)
    children = [
        subprocess.Popen([sys.executable, str(script), "parent"], start_new_session=True)
        for _ in range(3)
    ]
    groups = {child.pid for child in children}
    deadline = time.monotonic() + 20
    while len(group_members(groups)) < 6:  # each has started its own child
        assert time.monotonic() < deadline
        time.sleep(0.05)
    began = time.monotonic()
    embedded.stop_all(children, grace=1)
    assert time.monotonic() - began < 2.5  # one grace for all of them, not one each
    deadline = time.monotonic() + 5
    while group_members(groups) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert group_members(groups) == []


def test_a_slow_first_answer_is_waited_for(monkeypatch):
    """On a loaded machine the first answer may take seconds: it is no reason to stop."""
    monkeypatch.setattr(serve, "PROGRESS_EVERY", 0.5)
    said = []
    with Receiver() as web:
        web.reply(Reply(503, delay=2.0), Reply(200))
        serve.wait_for_http(web.url + "/healthz/", [], said.append, timeout=30)
        assert [r.path for r in web.received] == ["/healthz/", "/healthz/"]
    assert any("still waiting" in line for line in said)


def test_waiting_ends_when_a_child_stops():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    with pytest.raises(CommandError, match="The web server stopped"):
        serve.wait_for_http(f"http://127.0.0.1:{free_port()}/", [("web server", child)], print)
