"""History benchmark: how long the server takes to render the History page (Workflows ->
History) over a million jobs: the first page, a deep page (keyset cursor half-way down), and
each filter alone and combined; with the query plan of each, to show that an index serves it.

    .venv/bin/python bench/history_list.py [--jobs 1000000] [--runs 15] [--explain]
    .venv/bin/python bench/history_list.py --database-url postgres://postgres@127.0.0.1:5432/console_bench_history

Measured through Django's test client with the whole middleware stack and DEBUG off, on a
throwaway database (SQLite in a temporary folder by default; the PostgreSQL database is created
when missing and its tables are emptied first). The jobs are bulk-inserted as a busy workspace
would have them: a year of history over 8 workflows, mostly OK, some KO, a few running or
waiting on retry. PostgreSQL is ANALYZEd (as autovacuum would); SQLite is not, since nothing
runs ANALYZE on a deployed SQLite database. Figures are the median and p95 of `--runs`
renders of each case.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# How often each status is seen: running and waiting jobs are rare, as in a real workspace.
STATUSES = {"OK": 0.898, "KO": 0.1, "ERR": 0.001, "RUN": 0.0005, "QUEUED": 0.0005}
START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = 365 * 24 * 3600


def prepare_database(url: str | None, var_dir: str) -> None:
    os.environ["VAR_DIR"] = var_dir or tempfile.mkdtemp(prefix="bench-history-")
    os.environ["DEBUG"] = "0"
    if url:
        os.environ["DATABASE_URL"] = url
        create_postgres_database(url)
    else:
        os.environ.pop("DATABASE_URL", None)


def create_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def seed(count: int):
    """The workspace, its workflows and entries, and `count` jobs (created_at, id unique)."""
    from django.db import connection

    from invopop_console.accounts.services import create_workspace, get_or_create_user
    from jobs.models import Job
    from silo.models import SiloEntry
    from workflows.models import Workflow

    user = get_or_create_user("bench@example.com", "bench")
    workspace = create_workspace("Bench", user, slug="bench")
    workflows, versions = [], []
    for n in range(8):
        workflow = Workflow(workspace=workspace)
        step = {"id": "s1", "provider": "silo.state", "config": {"state": "completed"}}
        workflow.apply_definition(
            {"name": f"Workflow {n}", "schema": "bill/invoice", "steps": [step]}
        )
        workflow.save()
        versions.append(workflow.publish())
        workflows.append(workflow)
    doc = {"doc": {"$schema": "https://gobl.org/draft-0/bill/invoice", "code": "B-1"}}
    entries = [SiloEntry.objects.create(workspace=workspace, data=doc) for _ in range(200)]
    rng = random.Random(7)
    started = time.perf_counter()
    batch = []
    for i in range(count):
        created = START + timedelta(seconds=YEAR * i / count)
        status = rng.choices(list(STATUSES), weights=list(STATUSES.values()))[0]
        w = rng.randrange(8) if rng.random() < 0.5 else 0  # one busy workflow, seven others
        batch.append(
            Job(
                id=uuid.UUID(int=rng.getrandbits(128)),
                workspace=workspace,
                workflow=workflows[w],
                workflow_version=versions[w],
                silo_entry=entries[i % len(entries)],
                args={},
                status=status,
                created_at=created,
                completed_at=created + timedelta(seconds=2) if status in ("OK", "KO") else None,
            )
        )
        if len(batch) == 10000:
            Job.objects.bulk_create(batch)
            batch = []
    Job.objects.bulk_create(batch)
    if connection.vendor == "postgresql":  # autovacuum's statistics, as a live server has them
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"  {count} jobs inserted in {time.perf_counter() - started:.0f} s")
    return user, workspace, workflows


def former(count: int):
    """What an earlier run seeded (--reuse), after checking that it has `count` jobs."""
    from invopop_console.accounts.models import Workspace
    from workflows.models import Workflow

    workspace = Workspace.objects.get(slug="bench")
    assert workspace.jobs.count() == count, "the database holds another number of jobs"
    workflows = list(Workflow.objects.filter(workspace=workspace).order_by("name"))
    return workspace.memberships.get().user, workspace, workflows


def timed(call, runs: int) -> tuple[float, float]:
    call()  # warm the template cache and the database's pages
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def cases(workspace, workflows) -> dict:
    from jobs.models import Job

    middle = Job.objects.filter(workspace=workspace).order_by("-created_at", "id")[
        Job.objects.count() // 2
    ]
    from invopop_console.api import encode_cursor

    busy, quiet = str(workflows[0].id), str(workflows[5].id)
    return {
        "first page": {},
        "deep page (cursor half-way)": {"cursor": encode_cursor(middle)},
        "job id (exact)": {"job": str(middle.id)},
        "job id (prefix, 6 chars)": {"job": str(middle.id)[:6]},
        "workflow (busy)": {"workflow": busy},
        "workflow (quiet)": {"workflow": quiet},
        "status running": {"status": "running"},
        "status OK": {"status": "OK"},
        "status KO": {"status": "KO"},
        "status waiting on retry": {"status": "waiting"},
        "date range (one week)": {"from": "2025-06-01", "to": "2025-06-07"},
        "workflow + status KO": {"workflow": quiet, "status": "KO"},
        "workflow + KO + dates": {
            "workflow": quiet,
            "status": "KO",
            "from": "2025-06-01",
            "to": "2025-06-30",
        },
        "status KO, deep page": {"status": "KO", "cursor": encode_cursor(middle)},
    }


def explain(workspace, params: dict) -> str:
    """The plans of the page's queries, built as the view builds them."""
    from django.http import QueryDict

    from jobs.models import Job
    from jobs.views import PAGE_SIZE, HistoryFilters, keyset

    request = type("Request", (), {"GET": QueryDict(mutable=True)})()
    request.GET.update(params)
    filters = HistoryFilters.from_request(request)
    plans = []
    for jobs in filters.apply(Job.objects.filter(workspace=workspace)):
        jobs = keyset(jobs, params.get("cursor", ""))
        jobs = jobs.order_by() if filters.few else jobs.order_by("-created_at")[: PAGE_SIZE + 1]
        plans.append(jobs.explain())
    return "\n".join(plans)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--explain", action="store_true", help="print each case's query plan")
    parser.add_argument("--var-dir", default="", help="SQLite: keep the database in this folder")
    parser.add_argument("--reuse", action="store_true", help="time the jobs a former run left")
    args = parser.parse_args()
    prepare_database(args.database_url, args.var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invopop_console.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off, as deployed
    print(f"History over {args.jobs} jobs on {connection.vendor}:")
    if args.reuse:
        user, workspace, workflows = former(args.jobs)
    else:
        if args.database_url:
            call_command("flush", interactive=False, verbosity=0)
        user, workspace, workflows = seed(args.jobs)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    url = "/w/bench/jobs/"
    print(f"  {args.runs} runs each (ms)")
    for name, params in cases(workspace, workflows).items():
        median, p95 = timed(lambda params=params: client.get(url, params), args.runs)
        print(f"  {name:30} median {median:6.1f}  p95 {p95:6.1f}")
        if args.explain:
            for line in explain(workspace, params).splitlines():
                print(f"      {line}")


if __name__ == "__main__":
    main()
