"""Engine benchmark: end-to-end jobs per second and create-to-OK latency for a 3-step workflow
with no outside I/O (silo.state -> silo.modify merge-patch -> silo.state), on 2 workers,
against the embedded default (SQLite + embedded Redis) and PostgreSQL + Redis; in the same
run, raw django-q2 throughput of a no-op task on the same broker (one task per message: what
the queue does without batching, which batched workers exceed; not a ceiling); and where a
job's time goes, measured in-process.

    .venv/bin/python bench/engine.py [--jobs 1000] [--latency-jobs 50] [--runs 3]

PostgreSQL is used at $BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
console_bench) with Redis at $BENCH_REDIS_URL (default redis://127.0.0.1:6379/3); a mode whose
services do not answer is skipped with a message.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEPS = [
    {"id": "s1", "name": "Processing", "provider": "silo.state", "config": {"state": "processing"}},
    {
        "id": "s2",
        "name": "Tag",
        "provider": "silo.modify",
        "config": {"data": {"doc": {"notes": [{"text": "benchmarked"}]}}},
    },
    {"id": "s3", "name": "Completed", "provider": "silo.state", "config": {"state": "completed"}},
]
INVOICE = {
    "$schema": "https://gobl.org/draft-0/envelope",
    "doc": {
        "$schema": "https://gobl.org/draft-0/bill/invoice",
        "code": "B-1",
        "supplier": {"name": "Bench S.L."},
        "totals": {"payable": "100.00"},
    },
}


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# --- Child: one mode, with Django set up on that mode's environment


def child(args) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invopop_console.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from invopop_console import embedded

    redis_process = embedded.start_redis(settings.REDIS_SOCKET) if settings.EMBEDDED_REDIS else None
    try:
        call_command("migrate", verbosity=0)
        workflow = make_workflow()
        return {
            "breakdown": breakdown(workflow, 200),
            **measure_cluster(workflow, args),
        }
    finally:
        if redis_process:
            embedded.stop(redis_process)


def make_workflow():
    from invopop_console.accounts.services import create_workspace, get_or_create_user
    from workflows.models import Workflow

    owner = get_or_create_user(f"bench-{uuid.uuid4().hex[:6]}@example.com", "x")
    workspace = create_workspace("Bench", owner, slug=f"bench-{uuid.uuid4().hex[:8]}")
    workflow = Workflow(workspace=workspace)
    workflow.apply_definition({"name": "Bench", "schema": "bill/invoice", "steps": STEPS})
    workflow.save()
    workflow.publish()
    return workflow


def new_entry(workspace):
    from silo.models import SiloEntry

    return SiloEntry.create_with_version(workspace, INVOICE)


def measure_cluster(workflow, args) -> dict:
    from django.conf import settings

    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "workers"],
        cwd=ROOT,
        env={**os.environ, "WORKERS": "2"},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # the cluster forks its workers
        spent: dict[str, float] = {}
        runs = [throughput(workflow, args.jobs, cluster.pid, spent) for _ in range(args.runs)]
        cpu = {name: round(s * 1000 / (args.jobs * args.runs), 3) for name, s in spent.items()}
        workers_only = [processing(workflow, args.jobs) for _ in range(args.runs)]
        latencies = latency(workflow, args.latency_jobs)
        noop = [noop_throughput(settings, args.jobs) for _ in range(args.runs)]
    finally:
        from invopop_console import embedded

        embedded.stop(cluster)
    return {
        "jobs_per_s": statistics.median(runs),
        "jobs_per_s_runs": runs,
        "processing_jobs_per_s": statistics.median(workers_only),
        "processing_runs": workers_only,
        "latency_ms_p50": percentile(latencies, 0.5),
        "latency_ms_p95": percentile(latencies, 0.95),
        "noop_tasks_per_s": statistics.median(noop),
        "cpu_ms_per_job": cpu,
    }


def cpu_seconds(cluster_group: int) -> dict:
    """CPU seconds used so far by the cluster's processes, this client, PostgreSQL and Redis
    (from /proc), by kind of process."""
    found: dict[str, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if int(pid) == os.getpid():
            name = "client (this process)"
        elif int(stat[2]) == cluster_group:
            name = "django-q2 cluster"
        elif "postgres" in command:
            name = "PostgreSQL"
        elif "redis" in command:
            name = "Redis"
        else:
            continue
        found[name] = found.get(name, 0.0) + (int(stat[11]) + int(stat[12])) / ticks
    return found


def throughput(workflow, count: int, cluster_group: int, spent: dict) -> float:
    """End to end: a client creates the jobs one by one (one INSERT each, as the API does
    for a job on an existing entry) while the workers run them, all on the same machine.
    Adds to `spent` the CPU seconds each kind of process used meanwhile."""
    from jobs.services import create_job

    entries = [new_entry(workflow.workspace) for _ in range(count)]
    before = cpu_seconds(cluster_group)
    started = time.perf_counter()
    ids = [create_job(workflow, entry=entry).id for entry in entries]
    rate = _rate(ids, started)
    for name, seconds in cpu_seconds(cluster_group).items():
        spent[name] = spent.get(name, 0.0) + seconds - before.get(name, 0.0)
    return rate


def processing(workflow, count: int) -> float:
    """The workers alone: the jobs exist already and reach the queue at one commit."""
    from django.db import transaction

    from jobs.services import create_job

    entries = [new_entry(workflow.workspace) for _ in range(count)]
    with transaction.atomic():
        ids = [create_job(workflow, entry=entry).id for entry in entries]
        started = time.perf_counter()
    return _rate(ids, started)


def _rate(ids, started) -> float:
    """Jobs per second once all of them completed. It waits on the last one created before it
    counts them all: a count over a thousand ids every 10 ms took PostgreSQL ~8 ms a time, the
    CPU of the workers it measured."""
    from jobs.models import Job

    done = ["OK", "KO"]
    while not (
        Job.objects.filter(pk=ids[-1], status__in=done).exists()
        and Job.objects.filter(pk__in=ids, status__in=done).count() == len(ids)
    ):
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    assert not Job.objects.filter(pk__in=ids, status="KO").exists(), "a benchmark job failed"
    return round(len(ids) / elapsed, 1)


def latency(workflow, count: int) -> list[float]:
    from jobs.models import Job
    from jobs.services import create_job

    found = []
    for _ in range(count):
        job = create_job(workflow, entry=new_entry(workflow.workspace))
        while not Job.objects.filter(pk=job.pk, status="OK").exists():
            time.sleep(0.001)
        job.refresh_from_db()
        found.append((job.completed_at - job.created_at).total_seconds() * 1000)
        time.sleep(0.02)  # light load: one job at a time, with a pause
    return found


def noop_throughput(settings, count: int) -> float:
    import redis
    from django_q.tasks import async_task

    from jobs.queue import broker

    key = f"bench:noop:{uuid.uuid4().hex}"
    client = redis.from_url(settings.REDIS_URL)
    started = time.perf_counter()
    for _ in range(count):  # through the broker jobs are sent with (one per process)
        async_task("bench.tasks.noop", key, broker=broker())
    while int(client.get(key) or 0) < count:
        time.sleep(0.005)
    return round(count / (time.perf_counter() - started), 1)


def breakdown(workflow, count: int) -> dict:
    """Run jobs in this process, one by one (engine.advance) and in batches of 50 (what a
    drain does), with timers on the parts of a batch: ms and statements per job."""
    from django.db import connection

    from jobs import batch, engine, queue
    from jobs.services import create_job

    spent = dict.fromkeys(["claim", "read", "run in memory", "write"], 0.0)
    queries = [0]

    def timed(name, func):
        def wrapper(*a, **kw):
            started = time.perf_counter()
            try:
                return func(*a, **kw)
            finally:
                spent[name] += time.perf_counter() - started

        return wrapper

    def count_query(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    originals = (batch.claim, batch.Batch._load, batch.BatchRunner.run_pure, batch.Batch._write)
    batch.claim = timed("claim", batch.claim)
    batch.Batch._load = timed("read", batch.Batch._load)
    batch.BatchRunner.run_pure = timed("run in memory", batch.BatchRunner.run_pure)
    batch.Batch._write = timed("write", batch.Batch._write)
    queue.wake, wake = (lambda: None), queue.wake  # no drains: run here
    found = {}
    try:
        for path in ("one by one", "in batches"):
            queries[0] = 0
            jobs = [create_job(workflow, entry=new_entry(workflow.workspace)) for _ in range(count)]
            started = time.perf_counter()
            with connection.execute_wrapper(count_query):
                if path == "one by one":
                    for job in jobs:
                        engine.advance(job.id)
                else:
                    while batch.run_batch(50):
                        pass
            total = time.perf_counter() - started
            found[f"{path}: ms"] = round(total * 1000 / count, 3)
            found[f"{path}: statements"] = round(queries[0] / count, 2)
    finally:
        batch.claim, batch.Batch._load, batch.BatchRunner.run_pure, batch.Batch._write = originals
        queue.wake = wake
    for name, seconds in spent.items():
        found[f"in batches, {name}: ms"] = round(seconds * 1000 / count, 3)
    return found


# --- Parent: each mode in its own process and environment


def modes() -> dict:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "PYTEST_VERSION")
    }
    # As in production: DEBUG off (Django then keeps no log of every query).
    base.update(DEBUG="0", SECRET_KEY="bench-" + uuid.uuid4().hex, ALLOWED_HOSTS="127.0.0.1")
    found = {}
    var = tempfile.mkdtemp(prefix="bench-embedded-")
    found["embedded (SQLite + embedded Redis)"] = {**base, "VAR_DIR": var}
    database = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/console_bench"
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
    if ensure_postgres(database) and redis_answers(redis_url):
        found["PostgreSQL + Redis"] = {
            **base,
            "VAR_DIR": tempfile.mkdtemp(prefix="bench-pg-"),
            "DATABASE_URL": database,
            "REDIS_URL": redis_url,
            "QUEUE_NAME": f"bench{uuid.uuid4().hex[:8]}",
        }
    else:
        print(f"skipping PostgreSQL + Redis: {database} or {redis_url} does not answer")
    return found


OWN_DATABASE_PREFIX = "console_bench"  # the only databases this benchmark drops


def ensure_postgres(url: str) -> bool:
    """A fresh, empty database at `url`, when it is one of this benchmark's own by its name
    (it is dropped and made again): any other name is refused, and the mode skipped."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    if not name.startswith(OWN_DATABASE_PREFIX):
        print(f"{name}: this benchmark drops its database; name one {OWN_DATABASE_PREFIX}…")
        return False
    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except psycopg.Error:
        return False


def redis_answers(url: str) -> bool:
    from invopop_console.embedded import redis_answers

    return redis_answers(url)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--latency-jobs", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args)))
        return
    results = {}
    for name, env in modes().items():
        command = [
            sys.executable,
            __file__,
            "--child",
            "--jobs",
            str(args.jobs),
            "--latency-jobs",
            str(args.latency_jobs),
            "--runs",
            str(args.runs),
        ]
        out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        line = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
        if not line:
            print(out.stdout[-3000:], out.stderr[-3000:])
            raise SystemExit(f"{name}: the benchmark failed")
        results[name] = json.loads(line[0][7:])
    report(results, args)


def report(results: dict, args) -> None:
    print(
        f"\n{args.jobs} jobs per run, median of {args.runs} runs; "
        f"latency over {args.latency_jobs} sequential jobs\n"
    )
    print("| | jobs/s end to end | jobs/s, workers only | p50 ms | p95 ms | no-op tasks/s |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['jobs_per_s']} | {r['processing_jobs_per_s']} | "
            f"{r['latency_ms_p50']:.1f} | {r['latency_ms_p95']:.1f} | {r['noop_tasks_per_s']} |"
        )
    print("\nWhere a job's time goes (in-process, ms per job):\n")
    names = list(next(iter(results.values()))["breakdown"])
    print("| part | " + " | ".join(results) + " |")
    print("|---|" + "---|" * len(results))
    for part in names:
        print(
            f"| {part} | " + " | ".join(str(r["breakdown"][part]) for r in results.values()) + " |"
        )
    print("\nCPU per job during the end-to-end runs (ms, all processes of each kind):\n")
    for name, r in results.items():
        print(f"- {name}: " + ", ".join(f"{k} {v}" for k, v in r["cpu_ms_per_job"].items()))
    print("\n" + json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
