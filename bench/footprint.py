"""Footprint benchmark: the memory and the idle CPU of the embedded stack after it ran jobs,
process by process, as `top` and the kernel see them.

    .venv/bin/python bench/footprint.py [--jobs 10000] [--batch 1000] [--idle 30]
        [--baseline ../older-checkout] [--rounds 3]

Starts the stack as bench/api.py does (`manage.py serve`, DEBUG off, a throwaway VAR_DIR),
posts `--jobs` jobs through the API in runs of `--batch` (async, 8 in flight), waits until the
last one completed, leaves it idle for `--idle` seconds, and reads every process of the
stack: RSS (what each process has resident, shared pages counted in every process that maps
them: summed over processes this overstates what the machine spends), PSS (shared pages
divided among the processes that share them: the sum is what the stack costs the machine)
and USS (pages no other process has), and the CPU each used while idle. The launcher
(`manage.py serve`) is listed on its own line and counted in the stack, since it stays
resident as long as the stack runs. With `--baseline`, another checkout is measured the same
way in alternating rounds; the summary is the median of the rounds.
"""

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from api import Console, load  # noqa: E402

FIGURES = ("rss_mb", "pss_mb", "uss_mb", "idle_cpu_pct")


def role_of(process) -> str:
    """What a process of the stack is, from its command line and its parent's."""
    line = " ".join(process.cmdline()) or process.name()
    if "redis-server" in line:
        return "redis"
    if "uvicorn" in line or "wsgi" in line:
        return "web"
    if "manage.py serve" in line or "supervise.py" in line:
        return "launcher"
    parent = " ".join(process.parent().cmdline()) if process.parent() else ""
    cluster = ("qcluster", "manage.py workers")
    if any(word in line for word in cluster) and not any(word in parent for word in cluster):
        return "cluster (its first process)"
    return "cluster" if any(word in line for word in cluster) else "other"


def stack_processes(root_pid: int) -> list:
    import psutil

    root = psutil.Process(root_pid)
    return [root, *root.children(recursive=True)]


def read(processes, idle_s: float) -> list[dict]:
    """Memory of each process, and its CPU over `idle_s` seconds of rest."""
    import psutil

    before = {}
    for process in processes:
        try:
            times = process.cpu_times()
            before[process.pid] = times.user + times.system
        except psutil.NoSuchProcess:
            pass
    time.sleep(idle_s)
    rows = []
    for process in processes:
        try:
            memory = process.memory_full_info()
            times = process.cpu_times()
            role = role_of(process)
        except psutil.NoSuchProcess:
            continue
        used = times.user + times.system - before.get(process.pid, 0.0)
        rows.append(
            {
                "pid": process.pid,
                "role": role,
                "rss_mb": memory.rss / 2**20,
                "pss_mb": memory.pss / 2**20,
                "uss_mb": memory.uss / 2**20,
                "idle_cpu_pct": 100 * used / idle_s,
            }
        )
    return rows


def exercise(target: Console, jobs: int, batch: int) -> None:
    posted = 0
    while posted < jobs:
        count = min(batch, jobs - posted)
        run = asyncio.run(load(target.poster(False), count, 8))
        if run["errors"]:
            raise RuntimeError(f"{target.name}: {run['errors']} errors, {run['first_errors'][:2]}")
        asyncio.run(target.wait_for_last(run["results"][-1]))
        posted += count


def one_round(target: Console, args) -> list[dict]:
    target.start()
    try:
        exercise(target, args.jobs, args.batch)
        return read(stack_processes(target.process.pid), args.idle)
    finally:
        target.stop()


def totals(rows: list[dict]) -> dict[str, float]:
    return {figure: sum(row[figure] for row in rows) for figure in FIGURES}


def by_role(rows: list[dict]) -> dict[str, dict]:
    roles: dict[str, dict] = {}
    for row in rows:
        into = roles.setdefault(row["role"], {"processes": 0, **dict.fromkeys(FIGURES, 0.0)})
        into["processes"] += 1
        for figure in FIGURES:
            into[figure] += row[figure]
    return roles


def print_each(rows: list[dict]) -> None:
    for row in sorted(rows, key=lambda row: row["role"]):
        cells = " ".join(f"{figure} {row[figure]:.1f}" for figure in FIGURES)
        print(f"  {row['pid']} {row['role']}: {cells}")


def report(name: str, rounds: list[list[dict]]) -> None:
    print(f"\n{name}: median of {len(rounds)} round(s)")
    print("| process | count | RSS MB | PSS MB | USS MB | idle CPU % (sum) |")
    print("|---|---|---|---|---|---|")
    roles = sorted({row["role"] for rows in rounds for row in rows})
    for role in roles:
        each = [by_role(rows).get(role) for rows in rounds]
        each = [r for r in each if r]
        cells = [f"{statistics.median(r[f] for r in each):.1f}" for f in FIGURES]
        print(f"| {role} | {each[-1]['processes']} | " + " | ".join(cells) + " |")
    whole = [totals(rows) for rows in rounds]
    cells = [f"{statistics.median(t[f] for t in whole):.1f}" for f in FIGURES]
    count = statistics.median(len(rows) for rows in rounds)
    print(f"| **stack** | {count:g} | " + " | ".join(cells) + " |")
    worst = max(row["idle_cpu_pct"] for rows in rounds for row in rows)
    print(f"the busiest process at rest: {worst:.2f} % of a core")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--idle", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--baseline", default="", help="a checkout of earlier code, run too")
    parser.add_argument("--each", action="store_true", help="print every process of each round")
    args = parser.parse_args()
    # A new stack (a new VAR_DIR) each round: every round starts from an empty database.
    chosen = {"console": lambda: Console("")}
    if args.baseline:
        code = Path(args.baseline).resolve()
        chosen["baseline"] = lambda: Console("", code, "baseline")
    results: dict[str, list] = {name: [] for name in chosen}
    for number in range(args.rounds):
        for make in chosen.values():
            target = make()
            rows = one_round(target, args)
            results[target.name].append(rows)
            whole = totals(rows)
            if args.each:
                print_each(rows)
            print(
                f"round {number + 1} {target.name}: "
                + ", ".join(f"{f} {whole[f]:.1f}" for f in FIGURES),
                flush=True,
            )
    for name, rounds in results.items():
        report(name, rounds)


if __name__ == "__main__":
    main()
