"""API benchmark: jobs as a client sees them, through HTTP, against a stack this script starts
(`manage.py serve`, DEBUG off, a throwaway VAR_DIR), and against n8n in the same run
(bench/peers/n8n, when it can be installed).

    .venv/bin/python bench/api.py [--jobs 2000] [--concurrency 1,8,32] [--rounds 3]
        [--database-url postgres://...] [--peer n8n] [--modes sync,async]

The workflow is the one of bench/engine.py (3 steps, no outside I/O); each execution posts one
invoice as the job's `data`. Two ways of waiting:

- sync: `POST /transform/v1/jobs?wait=30`, answered when the job has completed;
- async: `POST /transform/v1/jobs` for every execution, then the run ends when the last job
  has completed (read from the jobs' completion times; the client polls a count meanwhile);
- ping (`--modes ping`, ours only): `GET /utils/v1/ping` with the token, the fixed cost of
  any API request.

For each (mode, concurrency): executions per second over the whole run, the latency of each
request (p50/p95/p99), errors, and the CPU seconds per execution and the memory (RSS) of each
kind of process of the stack (web, workers, redis, postgres), read from /proc.

The rounds alternate between this project and the peer (A B A B ...), so that both see the
same machine; the summary is the median of the rounds.
"""

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine import STEPS  # noqa: E402  the same workflow as the engine benchmark
from processes import free_port, wait_until_up  # noqa: E402

PASSWORD = "bench-password"
# What a client posts: a small invoice the API calculates and validates, as a real one would be.
INVOICE = {
    "$schema": "https://gobl.org/draft-0/envelope",
    "doc": {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "type": "standard",
        "issue_date": "2026-01-15",
        "currency": "EUR",
        "supplier": {"name": "Bench S.L.", "tax_id": {"country": "ES", "code": "B98602642"}},
        "customer": {"name": "Sample Consumer"},
        "lines": [
            {
                "quantity": "1",
                "item": {"name": "Development services", "price": "100.00"},
                "taxes": [{"cat": "VAT", "rate": "standard"}],
            }
        ],
    },
}


def document(n: int) -> dict:
    """The invoice of execution n (each its own code)."""
    return {**INVOICE, "doc": {**INVOICE["doc"], "code": f"B-{n}"}}


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# --- Processes: CPU and RSS by kind, from /proc


def process_kind(cmdline: str) -> str | None:
    if "uvicorn" in cmdline:
        return "web"
    if "qcluster" in cmdline or "manage.py workers" in cmdline:
        return "workers"
    if "redis-server" in cmdline:
        return "redis"
    if cmdline.startswith("postgres"):
        return "postgres"
    if "n8n" in cmdline:
        return "n8n"
    return None


def kind_of(process, roots: set[int]) -> str | None:
    """The process's kind, or its nearest parent's below the target's root processes:
    uvicorn's worker processes (WEB_PROCESSES > 1) are started by multiprocessing, with a
    command line of its own. The launcher itself (manage.py serve) has none."""
    for each in (process, *process.parents()):
        kind = process_kind(" ".join(each.cmdline()) or each.name())
        if kind is not None or each.pid in roots:
            return kind
    return None


def usage(root_pids: list[int], postgres: bool) -> dict[str, dict[str, float]]:
    """{kind: {"cpu_s", "rss_mb"}} over the process trees of root_pids (and PostgreSQL's,
    when the target uses it). CPU includes what ended children used (django-q2 recycles its
    workers): a process's reaped children count in its children_* times."""
    import psutil

    found: dict[str, dict[str, float]] = {}
    seen = set()
    trees = []
    for pid in root_pids:
        try:
            root = psutil.Process(pid)
            trees += [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
    if postgres:
        trees += [p for p in psutil.process_iter() if p.name().startswith("postgres")]
    for process in trees:
        if process.pid in seen:
            continue
        seen.add(process.pid)
        try:
            kind = kind_of(process, set(root_pids))
            if kind is None:
                continue
            times = process.cpu_times()
            rss = process.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        into = found.setdefault(kind, {"cpu_s": 0.0, "rss_mb": 0.0})
        into["cpu_s"] += times.user + times.system + times.children_user + times.children_system
        into["rss_mb"] += rss / 2**20
    return found


def spent(before: dict, after: dict, executions: int) -> dict:
    """CPU ms per execution and RSS (MB) at the end, by kind of process."""
    return {
        kind: {
            "cpu_ms_per_exec": round(
                (now["cpu_s"] - before.get(kind, {}).get("cpu_s", 0.0)) * 1000 / executions, 2
            ),
            "rss_mb": round(now["rss_mb"], 1),
        }
        for kind, now in after.items()
    }


# --- The load client


async def load(post, executions: int, concurrency: int) -> dict:
    """Run `executions` calls of `post(session, n)` (it returns (ok, body)) with `concurrency`
    of them in flight; per-request latencies in ms, errors, and the wall time.

    aiohttp, not httpx: the client shares the machine's two cores with the stack it loads,
    and httpx took 1.7 ms of CPU per request where aiohttp takes a third of that."""
    import aiohttp

    latencies: list[float] = []
    errors: list[str] = []
    results: list = []
    counter = iter(range(executions))

    async def one_client(session):
        for n in counter:
            started = time.perf_counter()
            try:
                ok, body = await post(session, n)
            except (aiohttp.ClientError, TimeoutError) as exc:
                ok, body = False, repr(exc)
            latencies.append((time.perf_counter() - started) * 1000)
            (results if ok else errors).append(body)

    async with session_of(concurrency) as session:
        started = time.perf_counter()
        await asyncio.gather(*(one_client(session) for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "results": results, "wall_s": wall}


def session_of(concurrency: int, headers=None):
    """An aiohttp session keeping up to `concurrency` connections open, 60 s per request."""
    import aiohttp

    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency),
        timeout=aiohttp.ClientTimeout(total=60),
        headers=headers,
    )


def summary(run: dict, executions: int, wall_s: float) -> dict:
    latencies = run["latencies"]
    return {
        "exec_per_s": round(executions / wall_s, 1),
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "errors": len(run["errors"]),
        "first_errors": run["errors"][:3],
    }


# --- This project


class Console:
    """The stack, started by `manage.py serve` in its own VAR_DIR, with a workspace, an API
    token and the published workflow."""

    name = "console"

    def __init__(self, database_url: str, code: Path = ROOT, name: str = "console", settings=None):
        self.code = code  # the checkout whose stack runs: this one, or a baseline's
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**self._environment(database_url), **(settings or {})}
        self.process = None
        self.uses_postgres = bool(database_url)

    def _environment(self, database_url: str) -> dict:
        env = {
            **os.environ,
            "VAR_DIR": tempfile.mkdtemp(prefix="bench-api-"),
            "DEBUG": "0",
            "SECRET_KEY": "bench-api-not-secret",
            "QUEUE_NAME": f"bench-api-{os.getpid()}-{self.name}",
            "WORKERS": "2",
        }
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        if database_url:
            from history_list import create_postgres_database

            create_postgres_database(database_url)
            env["DATABASE_URL"] = database_url
            env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
        return env

    def start(self) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
            cwd=self.code,
            env=self.env,
            check=True,
        )
        self.token, self.workflow_id = self._seed()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(self.port)],
            cwd=self.code,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_up(f"{self.url}/healthz/", [self.process])
        time.sleep(3)  # the cluster forks its workers

    def _seed(self) -> tuple[str, str]:
        """A workspace, a token and the published workflow, made by a child with the stack's
        environment (this process has no Django of its own)."""
        script = f"""
import django, json
django.setup()
from invopop_console.accounts.models import ApiToken
from invopop_console.accounts.services import create_workspace, get_or_create_user
from workflows.models import Workflow
user = get_or_create_user("bench@example.com", {PASSWORD!r})
workspace = create_workspace("Bench", user, slug="bench-{uuid.uuid4().hex[:8]}")
_, secret = ApiToken.issue(workspace, "bench")
workflow = Workflow(workspace=workspace)
workflow.apply_definition({{"name": "Bench", "schema": "bill/invoice", "steps": {STEPS!r}}})
workflow.save()
workflow.publish()
print(json.dumps([secret, str(workflow.pk)]))
"""
        env = {**self.env, "DJANGO_SETTINGS_MODULE": "invopop_console.settings"}
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=self.code,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(result.stdout.strip().splitlines()[-1])

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)  # serve stops web, workers and Redis itself
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)

    def pids(self) -> list[int]:
        return [self.process.pid]

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}

    def body(self, n: int) -> bytes:
        return json.dumps({"workflow_id": self.workflow_id, "data": document(n)})

    supports = ("sync", "async", "ping")

    def pinger(self):
        """GET /utils/v1/ping with the token: what every API request costs before its work."""
        url = f"{self.url}/utils/v1/ping"
        headers = self.headers()

        async def ping(session, n):
            async with session.get(url, headers=headers) as response:
                text = await response.text()
            return response.status == 200, "" if response.status == 200 else text[:200]

        return ping

    def poster(self, wait: bool):
        url = f"{self.url}/transform/v1/jobs" + ("?wait=30" if wait else "")
        headers = self.headers()

        async def post(session, n):
            async with session.post(url, data=self.body(n), headers=headers) as response:
                text = await response.text()
            if response.status not in (200, 201, 202):
                return False, f"{response.status} {text[:200]}"
            job = json.loads(text)
            if wait and job.get("status") != "OK":
                return False, f"ended {job.get('status')!r}: {text[:200]}"
            return True, job["id"]

        return post

    async def completed_at(self, job_ids: list[str]) -> float:
        """Wall-clock time (time.time) at which the last of job_ids completed. It waits on the
        last one created (?wait, one request at a time), then reads the others once each,
        so that the client's own reads cost the web process little."""
        pending = list(job_ids)
        last = 0.0
        async with session_of(32, self.headers()) as session:
            while pending:
                await self.wait_until_completed(session, pending[-1])
                still = []
                for chunk in range(0, len(pending), 32):
                    batch = pending[chunk : chunk + 32]
                    answers = await asyncio.gather(*(self.read_job(session, i) for i in batch))
                    for job_id, job in zip(batch, answers, strict=True):
                        if job.get("completed_at"):
                            last = max(last, iso_seconds(job["completed_at"]))
                        else:
                            still.append(job_id)
                pending = still
        return last

    async def read_job(self, session, job_id: str, wait: int = 0) -> dict:
        query = f"?wait={wait}" if wait else ""
        async with session.get(f"{self.url}/transform/v1/jobs/{job_id}{query}") as response:
            return await response.json()

    async def wait_until_completed(self, session, job_id: str) -> None:
        while not (await self.read_job(session, job_id, wait=30)).get("completed_at"):
            pass

    async def wait_for_last(self, job_id: str) -> None:
        async with session_of(1, self.headers()) as session:
            await self.wait_until_completed(session, job_id)


def iso_seconds(text: str) -> float:
    from datetime import datetime

    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return time.time()


# --- One measurement


def measure(target, mode: str, executions: int, concurrency: int) -> dict:
    before = usage(target.pids(), target.uses_postgres)
    client_before = os.times()
    started = time.time()
    call = target.pinger() if mode == "ping" else target.poster(mode == "sync")
    run = asyncio.run(load(call, executions, concurrency))
    wall = run["wall_s"]
    client = client_cpu_s(client_before)
    if mode == "async" and run["results"]:
        asyncio.run(target.wait_for_last(run["results"][-1]))
    # Before the reads that find when each job completed: they are the benchmark's, not a
    # user's, and would count in the web process's CPU.
    after = usage(target.pids(), target.uses_postgres)
    after["client"] = {"cpu_s": client, "rss_mb": 0.0}
    if mode == "async" and run["results"]:
        last = asyncio.run(target.completed_at(run["results"]))
        wall = max(wall, last - started)
    return {**summary(run, executions, wall), "processes": spent(before, after, executions)}


def client_cpu_s(since) -> float:
    """CPU seconds of this process (the load client) since `since` (os.times()): it shares
    the machine with the stack, so what it costs is reported beside what the stack costs."""
    now = os.times()
    return now.user + now.system - since.user - since.system


def targets(args):
    found = [Console(args.database_url)]
    if args.baseline:
        # Another checkout of this project (a `git worktree` of an earlier commit), run the
        # same way in the same rounds: before and after side by side. PostgreSQL: its own
        # database, so that the two stacks' drains claim only their own jobs.
        url = args.database_url and args.database_url + "_baseline"
        found.append(Console(url, Path(args.baseline).resolve(), "baseline"))
    for variant in args.variant:
        # The same code with other settings (WEB_THREADS=4,WORKERS=1), run in the same rounds.
        settings = dict(pair.split("=", 1) for pair in variant.split(","))
        url = args.database_url and args.database_url + f"_variant{len(found)}"
        found.append(Console(url, name=f"console {variant}", settings=settings))
    if args.peer == "n8n":
        from peers.n8n import N8n

        found += N8n.modes(document)
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2000, help="executions per measurement")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--modes", default="sync,async")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--peer", default="", help="n8n: the same load against n8n")
    parser.add_argument("--baseline", default="", help="a checkout of earlier code, run too")
    parser.add_argument("--json", default="", help="write every figure to this file")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="this code with other settings, run too: NAME=VALUE[,NAME=VALUE…] (repeatable)",
    )
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    modes = args.modes.split(",")
    chosen = targets(args)
    figures: dict = {}
    for target in chosen:
        target.start()
    try:
        for round_number in range(args.rounds):
            for concurrency in levels:
                for mode in modes:
                    for target in chosen:
                        if mode not in getattr(target, "supports", ("sync", "async")):
                            continue
                        row = measure(target, mode, args.jobs, concurrency)
                        key = f"{target.name} {mode} c={concurrency}"
                        figures.setdefault(key, []).append(row)
                        print(f"round {round_number + 1} {key}: {brief(row)}", flush=True)
                        if row["first_errors"]:
                            print("  errors such as:", *row["first_errors"], sep="\n    ")
    finally:
        for target in chosen:
            target.stop()
    report(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


def brief(row: dict) -> str:
    cpu = ", ".join(f"{k} {v['cpu_ms_per_exec']} ms" for k, v in row["processes"].items())
    return (
        f"{row['exec_per_s']} exec/s, p50 {row['p50_ms']} p95 {row['p95_ms']} ms, "
        f"{row['errors']} errors; CPU/exec: {cpu}"
    )


def report(figures: dict) -> None:
    print("\nmedian of the rounds:")
    print(
        "| target | exec/s | p50 ms | p95 ms | p99 ms | errors | CPU ms/exec by process | RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for key, rows in figures.items():
        med = {
            f: statistics.median(r[f] for r in rows)
            for f in ("exec_per_s", "p50_ms", "p95_ms", "p99_ms")
        }
        errors = sum(r["errors"] for r in rows)
        kinds = rows[-1]["processes"].keys()
        cpu = ", ".join(f"{k} {median_cpu(rows, k)}" for k in kinds)
        rss = round(sum(v["rss_mb"] for v in rows[-1]["processes"].values()))
        print(
            f"| {key} | {med['exec_per_s']} | {med['p50_ms']} | {med['p95_ms']} | {med['p99_ms']} "
            f"| {errors} | {cpu} | {rss} |"
        )


def median_cpu(rows: list[dict], kind: str) -> float:
    return statistics.median(r["processes"].get(kind, {}).get("cpu_ms_per_exec", 0) for r in rows)


if __name__ == "__main__":
    main()
