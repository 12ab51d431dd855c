"""`make run` as a newcomer sees it: a fresh var/, the demo, the console, a websocket, Ctrl-C.

The launcher runs in a subprocess with an empty VAR_DIR, the embedded SQLite and Redis (no
DATABASE_URL or REDIS_URL), exactly as on a machine with nothing installed.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from conftest import ROOT, free_port
from websockets.sync.client import connect

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
def launcher(tmp_path):
    marker = f"CONSOLE_TEST_RUN={uuid.uuid4().hex}"
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "QUEUE_NAME", "PYTEST_VERSION", "SECRET_KEY")
    }
    env.update(
        VAR_DIR=str(tmp_path / "var"),
        PORT=str(port),
        WORKERS="1",
        CONSOLE_TEST_RUN=marker.split("=")[1],
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process, port, marker
    if process.poll() is None:
        process.kill()
        process.wait()
    process.stdout.close()
    for pid in processes_with(marker):
        os.kill(pid, signal.SIGKILL)


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
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    deadline = time.monotonic() + 5
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with(marker) == []
