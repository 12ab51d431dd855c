"""Silo list benchmark: how long the server takes to render a silo list page (the issue's
target: well under 100 ms) at a million entries, for the first page, a deep keyset page and
each filter, with the query plan of each.

    .venv/bin/python bench/silo_list.py [--entries 1000000] [--runs 15]
    .venv/bin/python bench/silo_list.py --database-url postgres://postgres@127.0.0.1:5432/console_bench_silo

A throwaway database (SQLite under a temporary folder by default; the PostgreSQL database of
--database-url, dropped and created anew) is filled with `--entries` entries in
one workspace across the five document types, seven states and twenty folders, with raw bulk
inserts (COPY on PostgreSQL). Pages are rendered through Django's test client with the whole
middleware stack and DEBUG off; figures are the median and p95 of `--runs` renders each.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOC_TYPES = ["bill/invoice", "bill/payment", "bill/order", "bill/delivery", "org/party"]
SERIES = {"bill/invoice": "INV", "bill/payment": "PAY", "bill/order": "ORD", "bill/delivery": "DEL"}
# Most entries end registered or completed; errors are rare, as they are in real life.
STATES = ["registered"] * 40 + ["completed"] * 25 + ["sent"] * 15 + ["received"] * 8
STATES += ["processing"] * 5 + ["error"] * 2 + [""] * 5
FOLDERS = [f"{year}-q{q}" for year in (2024, 2025) for q in (1, 2, 3, 4)] + [
    "sales",
    "purchases",
    "archive",
    "inbox",
    "spain",
    "france",
    "germany",
    "italy",
    "portugal",
    "review",
    "",
    "",
]
WORDS = "acme globex initech umbrella stark wayne wonka hooli vandelay soylent tyrell cyberdyne"
NAMES = [
    f"{first.title()} {second.title()} {suffix}"
    for first in WORDS.split()
    for second in ("blue", "north", "iberia", "digital", "foods", "energy", "logistics", "labs")
    for suffix in ("S.L.", "S.A.", "GmbH", "Ltd", "SAS")
]
COLUMNS = [
    "id",
    "workspace_id",
    "key",
    "folder",
    "doc_schema",
    "doc_type",
    "data",
    "state",
    "faults",
    "meta",
    "signed",
    "invalid",
    "snippet",
    "version",
    "created_at",
    "updated_at",
    "search_code",
    "search_counterpart",
]
BATCH = 10_000
# What a plan line says about the way rows are found and ordered.
NOTED = ("Scan", "SCAN", "SEARCH", "Sort", "B-TREE", "Limit")


def entry_rows(workspace_id, count: int, start: datetime):
    """The entries as database-ready tuples, oldest first, one every ~60 s."""
    rng = random.Random(7)
    numbers = dict.fromkeys(DOC_TYPES, 0)
    for index in range(count):
        doc_type = DOC_TYPES[index % len(DOC_TYPES)]
        numbers[doc_type] += 1
        name = rng.choice(NAMES)
        at = start + timedelta(seconds=60 * index + rng.randint(0, 59))
        if doc_type == "org/party":
            code, snippet = "", {"name": name}
            doc = {"$schema": f"https://gobl.org/draft-0/{doc_type}", "name": name}
        else:
            code = f"{SERIES[doc_type]}-{numbers[doc_type]:07}"
            total = f"{rng.randint(100, 999999) / 100:.2f}"
            snippet = {
                "code": code,
                "customer": name,
                "supplier": "Provide One S.L.",
                "currency": "EUR",
                "total": total,
                "issue_date": at.date().isoformat(),
            }
            doc = {
                "$schema": f"https://gobl.org/draft-0/{doc_type}",
                "code": code,
                "issue_date": at.date().isoformat(),
                "currency": "EUR",
                "supplier": {"name": "Provide One S.L."},
                "customer": {"name": name},
                "totals": {"payable": total},
            }
        entry_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        envelope = {
            "$schema": "https://gobl.org/draft-0/envelope",
            "head": {"uuid": str(entry_id)},
            "doc": doc,
        }
        key = f"{SERIES.get(doc_type, 'PTY').lower()}-{numbers[doc_type]}" if index % 3 else ""
        yield (
            entry_id,
            workspace_id,
            key,
            rng.choice(FOLDERS),
            doc["$schema"],
            doc_type,
            json.dumps(envelope),
            rng.choice(STATES),
            "[]",
            "{}",
            False,
            False,
            json.dumps(snippet),
            1,
            at,
            at,
            (code or name).casefold(),
            (name if code else "").casefold(),
        )


def fill(connection, workspace_id, count: int) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = entry_rows(workspace_id, count, start)
    began = time.perf_counter()
    if connection.vendor == "postgresql":
        fill_postgresql(connection, rows)
    else:
        fill_sqlite(connection, rows)
    print(f"  filled {count:,} entries in {time.perf_counter() - began:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def fill_postgresql(connection, rows) -> None:
    connection.ensure_connection()
    raw = connection.connection
    columns = ", ".join(COLUMNS)
    with raw.cursor() as cursor, cursor.copy(f"COPY silo_siloentry ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    raw.commit()


def fill_sqlite(connection, rows) -> None:
    marks = ", ".join(["?"] * len(COLUMNS))
    sql = f"INSERT INTO silo_siloentry ({', '.join(COLUMNS)}) VALUES ({marks})"
    connection.ensure_connection()
    raw = connection.connection
    raw.execute("BEGIN")  # Django's connection is in autocommit: one transaction, not 1M
    batch = []
    for row in rows:
        batch.append(sqlite_row(row))
        if len(batch) == BATCH:
            raw.executemany(sql, batch)
            batch = []
    raw.executemany(sql, batch)
    raw.execute("COMMIT")


def sqlite_row(row: tuple) -> tuple:
    """Values as Django stores them in SQLite: UUIDs as 32 hex digits, times as naive UTC."""
    values = list(row)
    values[0], values[1] = values[0].hex, values[1].hex
    for index in (14, 15):
        values[index] = values[index].replace(tzinfo=None).isoformat(" ")
    return tuple(values)


def fresh_postgresql_database(url: str) -> None:
    """The database of `url`, created anew: it is the benchmark's own, thrown away each run."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


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


def plan(connection, client, url: str, params: dict) -> str:
    """The database's plan for each query the page made for its entries, on one line."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url, params)
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    plans = []
    for query in queries.captured_queries:
        if "silo_siloentry" not in query["sql"]:
            continue
        with connection.cursor() as cursor:
            cursor.execute(explain + query["sql"])
            lines = [str(row[-1]).strip() for row in cursor.fetchall()]
        keep = [line.split("  (cost")[0] for line in lines if any(w in line for w in NOTED)]
        plans.append(" | ".join(keep))
    return " ;; ".join(plans)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="bench-silo-")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    if args.database_url:
        fresh_postgresql_database(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invopop_console.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from invopop_console import api
    from invopop_console.accounts.services import create_workspace, get_or_create_user
    from silo.models import SiloEntry

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off, as deployed
    print(f"{connection.vendor}, {args.entries:,} entries:")
    user = get_or_create_user("bench@example.com", "bench")
    workspace = create_workspace("Bench", user, slug="bench")
    fill(connection, workspace.id, args.entries)

    invoices = SiloEntry.objects.filter(workspace=workspace, doc_type="bill/invoice")
    depth = min(150_000, invoices.count() * 3 // 4)
    deep = invoices.order_by("-created_at", "-pk").only("id", "created_at")[depth]
    cursor = api.encode_cursor(deep)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    url = "/w/bench/silo/invoices/"
    client.get(url)  # the session learns the workspace
    cases = {
        "first page": {},
        f"deep page ({depth:,} in)": {"after": cursor},
        "newer from deep page": {"before": cursor},
        "state (error, 2%)": {"state": "error"},
        "state (registered, 40%)": {"state": "registered"},
        "folder (archive)": {"folder": "archive"},
        "text: code prefix": {"q": "inv-00123"},
        "text: counterpart prefix": {"q": "wonka north"},
        "text: key": {"q": "inv-4567"},
        "text: broad (every invoice)": {"q": "inv"},
        "state + folder + text": {"state": "sent", "folder": "sales", "q": "acme"},
        "deep page, state": {"after": cursor, "state": "registered"},
    }
    print(f"  {args.runs} runs each (ms):")
    for name, params in cases.items():
        median, p95 = timed(lambda params=params: client.get(url, params), args.runs)
        rows = client.get(url, params).content.count(b'class="entry-link"')
        print(f"  {name:30} median {median:6.1f}  p95 {p95:6.1f}  rows {rows:3}")
        print(f"  {'':30} {plan(connection, client, url, params)}")
    connection.close()
    shutil.rmtree(os.environ["VAR_DIR"], ignore_errors=True)  # a million rows of SQLite: 2 GB


if __name__ == "__main__":
    main()
