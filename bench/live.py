"""Live-status benchmark: the time from a worker recording a step's event (IntentEvent.at, the
server's clock) to a browser showing it on the job page (the issue's target: p50 < 100 ms).

    .venv/bin/python bench/live.py [--jobs 4] [--runs 3] [--database-url postgres://...]

It starts the real stack with `manage.py serve` (embedded Redis, the django-q2 cluster and the
ASGI server; DEBUG off, static files collected) on a free port and a throwaway VAR_DIR, opens
each job's page in headless Chromium (Playwright), and runs jobs whose steps are spaced by
silo.sleep waits, so that events arrive one burst at a time as in a real workflow that calls
out. A MutationObserver in the page records Date.now() when each event's row (data-event) first
appears in the DOM; latency = that time - the event's `at`. Browser and server share the
machine's clock. Events recorded before the page's websocket was up are left out.

Each run reports the median and p95 over its events (>= 100 per run by default); the summary
is the median of the runs' figures.
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password"
OBSERVER = """
window.__seen = {};
const scan = () => {
  const now = Date.now();
  document.querySelectorAll("[data-event]").forEach((el) => {
    if (!(el.dataset.event in window.__seen)) window.__seen[el.dataset.event] = now;
  });
};
new MutationObserver(scan).observe(document, { childList: true, subtree: true });
"""


def steps(pairs: int) -> list[dict]:
    """A first wait (the page opens meanwhile), then `pairs` x (state change, short wait)."""
    found = [sleep_step("open", 1.5)]
    for n in range(pairs):
        state = "processing" if n % 2 else "completed"
        found.append({"id": f"s{n}", "provider": "silo.state", "config": {"state": state}})
        found.append(sleep_step(f"w{n}", 0.25))
    return found


def sleep_step(step_id: str, seconds: float) -> dict:
    return {"id": step_id, "provider": "silo.sleep", "config": {"duration": seconds}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database_url: str) -> dict:
    os.environ.update(
        VAR_DIR=tempfile.mkdtemp(prefix="bench-live-"),
        DEBUG="0",
        SECRET_KEY="bench-live-not-secret",
        ENGINE_DISPATCH_INTERVAL="0.05",
        QUEUE_NAME=f"bench-live-{os.getpid()}",
        # Playwright's sync API keeps an event loop in this thread; our ORM calls between its
        # calls are plain blocking ones, which Django would otherwise refuse there.
        DJANGO_ALLOW_ASYNC_UNSAFE="true",
    )
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
        from history_list import create_postgres_database

        create_postgres_database(database_url)
    return dict(os.environ)


def start_stack(port: int) -> subprocess.Popen:
    command = [sys.executable, "manage.py", "serve", "--port", str(port)]
    stack = subprocess.Popen(
        command,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import requests

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz/", timeout=1).ok:
                return stack
        except requests.ConnectionError:
            pass
        if stack.poll() is not None:
            raise RuntimeError("manage.py serve stopped")
        time.sleep(0.3)
    raise TimeoutError("the stack did not come up")


def stop_stack(stack: subprocess.Popen) -> None:
    stack.send_signal(signal.SIGINT)  # serve stops its web server, workers and Redis itself
    try:
        stack.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(stack.pid, signal.SIGKILL)


def watch_job(page, base: str, workflow, entry) -> list[float]:
    """Run one job with its page open; the latencies (ms) of the events seen live."""
    from jobs.models import IntentEvent
    from jobs.services import create_job

    job = create_job(workflow, entry=entry)
    page.goto(f"{base}/w/bench/jobs/{job.id}/")
    page.wait_for_selector("#live-status.on", timeout=10000)
    ready = page.evaluate("Date.now()")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.completed:
            break
        time.sleep(0.2)
    assert job.status == "OK", f"job {job.id} ended {job.status}"
    time.sleep(0.5)  # the last swap
    seen = page.evaluate("window.__seen")
    latencies = []
    for event in IntentEvent.objects.filter(intent__job=job):
        at = event.at.timestamp() * 1000
        key = f"{event.intent_id}:{event.index}"
        if at < ready:
            continue  # recorded before the socket was up: shown by the page load, not live
        assert key in seen, f"event {key} never appeared"
        latencies.append(seen[key] - at)
    return latencies


def one_run(base: str, workflow, entry, jobs: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        page.add_init_script(OBSERVER)
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", "bench@example.com")
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        page.wait_for_url("**/w/**")
        latencies = []
        for _ in range(jobs):
            latencies += watch_job(page, base, workflow, entry)
        browser.close()
    return latencies


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=4, help="jobs per run")
    parser.add_argument("--pairs", type=int, default=6, help="state + wait pairs per job")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    environment(args.database_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invopop_console.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from invopop_console.accounts.services import create_workspace, get_or_create_user
    from silo.models import SiloEntry
    from workflows.models import Workflow

    call_command("migrate", verbosity=0)
    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    user = get_or_create_user("bench@example.com", PASSWORD)
    workspace = create_workspace("Bench", user, slug="bench")
    workflow = Workflow(workspace=workspace)
    workflow.apply_definition(
        {"name": "Live", "schema": "bill/invoice", "steps": steps(args.pairs)}
    )
    workflow.save()
    workflow.publish()
    doc = {"doc": {"$schema": "https://gobl.org/draft-0/bill/invoice", "code": "L-1"}}
    entry = SiloEntry.create_with_version(workspace, doc)
    port = free_port()
    stack = start_stack(port)
    results = []
    try:
        print(f"Live latency on {connection.vendor}, {args.jobs} jobs per run (ms):")
        for run in range(args.runs):
            latencies = one_run(f"http://127.0.0.1:{port}", workflow, entry, args.jobs)
            p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
            results.append((p50, p95))
            print(f"  run {run + 1}: {len(latencies)} events  p50 {p50:6.1f}  p95 {p95:6.1f}")
    finally:
        stop_stack(stack)
    p50 = statistics.median(r[0] for r in results)
    p95 = statistics.median(r[1] for r in results)
    print(f"  median of {args.runs} runs: p50 {p50:.1f}  p95 {p95:.1f}")


if __name__ == "__main__":
    main()
