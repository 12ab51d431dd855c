"""n8n beside this project in bench/api.py: the same executions (a webhook receiving the
invoice, then three Set nodes: workflow.json), answered when the last node finishes, with
every execution saved, as our jobs are.

Two modes, as n8n documents them:
- regular: one `n8n start` process, its SQLite database;
- queue: `n8n start` taking the webhooks and an `n8n worker` running them, through Redis
  (Bull) and PostgreSQL, as n8n scales out.

n8n is installed from the npm registry into a cache folder on first use (never committed:
$N8N_BENCH_HOME, default ~/.cache/invopop-bench/n8n). A dependency of n8n's (xlsx) names
a tarball outside the registry; it is overridden with the registry's own release. When npm
or the install is not available the peer is skipped with a message.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from processes import free_port, wait_until_up  # bench/, on the path of bench/api.py

HERE = Path(__file__).resolve().parent
HOME = Path(os.environ.get("N8N_BENCH_HOME", Path.home() / ".cache/invopop-bench/n8n"))
VERSION = os.environ.get("N8N_BENCH_VERSION", "2")  # the newest 2.x this Node.js can run
WORKFLOW_ID = "benchWorkflow001"
ENCRYPTION_KEY = "bench-n8n-not-secret"


class Unavailable(Exception):
    pass


def installed() -> Path:
    """The n8n executable, installed into HOME on first use."""
    binary = HOME / "node_modules/.bin/n8n"
    if binary.exists():
        return binary
    if not shutil.which("npm"):
        raise Unavailable("npm is not installed")
    HOME.mkdir(parents=True, exist_ok=True)
    package = {"name": "n8n-bench", "private": True, "overrides": {"xlsx": "0.18.5"}}
    (HOME / "package.json").write_text(json.dumps(package))
    print(f"installing n8n@{VERSION} into {HOME} (once; a few minutes)", flush=True)
    result = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", f"n8n@{VERSION}"],
        cwd=HOME,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not binary.exists():
        raise Unavailable(f"npm install n8n failed: {result.stderr[-500:]}")
    return binary


class N8n:
    supports = ("sync",)

    def __init__(self, mode: str, document, database_url: str = ""):
        self.mode = mode
        self.document = document  # execution n's body: the same as the console's
        self.name = f"n8n {mode}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = Path(tempfile.mkdtemp(prefix=f"bench-n8n-{mode}-"))
        self.database_url = database_url
        self.uses_postgres = mode == "queue"
        self.processes: list[subprocess.Popen] = []

    @classmethod
    def modes(cls, document) -> list["N8n"]:
        try:
            installed()
        except Unavailable as exc:
            print(f"n8n skipped: {exc}", flush=True)
            return []
        database = os.environ.get(
            "BENCH_N8N_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/n8n_bench"
        )
        return [cls("regular", document), cls("queue", document, database)]

    def environment(self) -> dict:
        env = {
            **os.environ,
            "N8N_PORT": str(self.port),
            "N8N_LISTEN_ADDRESS": "127.0.0.1",
            "N8N_USER_FOLDER": str(self.folder),
            "N8N_ENCRYPTION_KEY": ENCRYPTION_KEY,
            "N8N_DIAGNOSTICS_ENABLED": "false",
            "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
            "N8N_TEMPLATES_ENABLED": "false",
            "N8N_PERSONALIZATION_ENABLED": "false",
            "N8N_LOG_LEVEL": "warn",
            "EXECUTIONS_DATA_SAVE_ON_SUCCESS": "all",
            "EXECUTIONS_DATA_SAVE_ON_ERROR": "all",
            "EXECUTIONS_DATA_PRUNE": "false",
            "DB_SQLITE_POOL_SIZE": "2",
        }
        if self.mode == "queue":
            from urllib.parse import urlsplit

            parts = urlsplit(self.database_url)
            env.update(
                EXECUTIONS_MODE="queue",
                QUEUE_BULL_REDIS_HOST="127.0.0.1",
                QUEUE_BULL_REDIS_PORT="6379",
                QUEUE_BULL_REDIS_DB="5",
                QUEUE_BULL_PREFIX=f"bench{os.getpid()}",
                DB_TYPE="postgresdb",
                DB_POSTGRESDB_HOST=parts.hostname or "127.0.0.1",
                DB_POSTGRESDB_PORT=str(parts.port or 5432),
                DB_POSTGRESDB_USER=parts.username or "postgres",
                DB_POSTGRESDB_DATABASE=parts.path.lstrip("/"),
                OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS="true",
            )
        return env

    def start(self) -> None:
        binary = str(installed())
        env = self.environment()
        if self.mode == "queue":
            fresh_database(self.database_url)
        for command in (
            ["import:workflow", f"--input={HERE / 'workflow.json'}"],
            ["publish:workflow", f"--id={WORKFLOW_ID}"],
        ):
            subprocess.run([binary, *command], env=env, check=True, capture_output=True)
        # Each n8n process runs a task-runner broker on a port of its own (5679 by default).
        self._spawn([binary, "start"], {**env, "N8N_RUNNERS_BROKER_PORT": str(free_port())})
        if self.mode == "queue":
            worker = {**env, "N8N_RUNNERS_BROKER_PORT": str(free_port())}
            self._spawn([binary, "worker", "--concurrency=10"], worker)
        wait_until_up(f"{self.url}/healthz", self.processes)
        time.sleep(3)

    def _spawn(self, command: list[str], env: dict) -> None:
        log = open(self.folder / f"{command[1]}.log", "w")  # noqa: SIM115  kept for the run
        self.processes.append(
            subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)
        )

    def stop(self) -> None:
        for process in self.processes:
            with_group(process, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with_group(process, signal.SIGKILL)

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def poster(self, wait: bool):
        url = f"{self.url}/webhook/bench"

        async def post(session, n):
            async with session.post(url, json=self.document(n)) as response:
                text = await response.text()
            if response.status != 200:
                return False, f"{response.status} {text[:200]}"
            if json.loads(text).get("state") != "completed":
                return False, f"not completed: {text[:200]}"
            return True, ""

        return post


def with_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it stopped already
        os.killpg(process.pid, signum)


def fresh_database(url: str) -> None:
    """The queue mode's own database, made empty (by the name this benchmark gives it)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    if not name.startswith("n8n_bench"):
        raise ValueError(f"{name}: the n8n benchmark drops only databases named n8n_bench*")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
