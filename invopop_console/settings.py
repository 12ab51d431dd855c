"""One settings module, read from the environment.

Every setting has an embedded default so that `make run` works on a machine with nothing but
Python: SQLite under var/, a Redis server started by the project on a unix socket under var/,
and a secret key generated once. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY and
DEBUG=0. Values that cannot be parsed are collected in CONFIG_PROBLEMS and reported by the
system checks in invopop_console/checks.py, so a typo gives a clear message, not a traceback.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
CONFIG_PROBLEMS: list[tuple[str, str]] = []  # (check id, message), see checks.py


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    CONFIG_PROBLEMS.append(("console.E005", f"{name}={value!r} is not a boolean (use 1 or 0)."))
    return default


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        CONFIG_PROBLEMS.append(("console.E005", f"{name}={value!r} is not an integer."))
        return default


# pytest (8.2+) sets PYTEST_VERSION: the suite then keeps its files, its embedded Redis and its
# queue apart from a `make run` going on in the same checkout.
TESTING = bool(env("PYTEST_VERSION"))
VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / ("var/test" if TESTING else "var"))))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)
PORT = env_int("PORT", 8000)
SITE_URL = env("SITE_URL", f"http://127.0.0.1:{PORT}")


def _secret_key() -> str:
    """SECRET_KEY from the environment; for local use, one generated and kept under var/."""
    if env("SECRET_KEY"):
        return env("SECRET_KEY")
    if not DEBUG:
        CONFIG_PROBLEMS.append(("console.E001", "SECRET_KEY must be set when DEBUG is off."))
        return "unset-" + secrets.token_urlsafe(32)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "channels",
    "django_q",
    "invopop_console",
    "invopop_console.accounts",
    "workflows",
    "silo",
    "jobs",
    "providers",
    "providers.verifactu",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "invopop_console.api.BodyLimitMiddleware",
    "invopop_console.api.NulQueryMiddleware",
    "invopop_console.api.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "invopop_console.urls"
WSGI_APPLICATION = "invopop_console.wsgi.application"
ASGI_APPLICATION = "invopop_console.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "invopop_console.accounts.context_processors.workspaces",
            ],
        },
    },
]


# Connections are kept open, per thread, in the workers (a task per job otherwise opens one)
# and in the web process, whose requests run in fixed pools of threads (wsgi_bridge.py).
# There PostgreSQL's come from a pool (asgi.py sets ASGI_PROCESS): the pool of requests that
# wait on jobs may have many threads, and each would otherwise keep a connection.
ASGI_PROCESS = env_bool("ASGI_PROCESS", False)
CONN_MAX_AGE = 60
# Threads of the web process for requests that do not wait on a job: the requests served at
# once. More than the cores, for requests that wait on the outside (a webhook test, SMTP).
WEB_THREADS = env_int("WEB_THREADS", 16)
# Web processes `manage.py serve` starts (uvicorn's --workers). One holds Python's lock for
# every request it serves, so it uses at most one core: ~300 jobs created per second
# (BENCHMARKS.md, API); more processes use more cores, at ~85 MB each.
WEB_PROCESSES = env_int("WEB_PROCESSES", 1)


def _databases() -> dict:
    default_sqlite = f"sqlite:///{VAR_DIR / 'console.sqlite3'}"
    try:
        db = dj_database_url.parse(env("DATABASE_URL", default_sqlite), conn_max_age=CONN_MAX_AGE)
    except Exception as exc:  # dj_database_url raises several types for a bad URL
        CONFIG_PROBLEMS.append(("console.E002", f"DATABASE_URL cannot be used: {exc}"))
        db = dj_database_url.parse(default_sqlite)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # Web and worker processes write at the same time: WAL lets readers go on while one
        # writes, IMMEDIATE takes the write lock up front instead of failing mid-transaction.
        db["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
        # Kept open in the workers like PostgreSQL's: opening one runs the pragmas above,
        # once per task otherwise.
        db["CONN_MAX_AGE"] = CONN_MAX_AGE
        # A file, not :memory:, so the worker and web processes of stack tests share it.
        # Per run, so that two test runs in one checkout do not share a database.
        db["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    elif ASGI_PROCESS and _has_pool():
        db["CONN_MAX_AGE"] = 0  # Django's pool takes the place of kept connections
        db.setdefault("OPTIONS", {})["pool"] = {"min_size": 1, "max_size": 16, "timeout": 10}
    return {"default": db}


def _has_pool() -> bool:
    try:
        import psycopg_pool  # noqa: F401
    except ImportError:
        return False
    return True


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: the django-q2 broker and the Channels layer share one server, so a worker can
# push status to any web process.
REDIS_SOCKET = VAR_DIR / (f"redis-{os.getpid()}.sock" if TESTING else "redis.sock")
REDIS_URL = env("REDIS_URL", f"unix://{REDIS_SOCKET}")
EMBEDDED_REDIS = not env("REDIS_URL")
# The django-q2 queue and the Channels prefix; one Redis can serve several installations.
QUEUE_NAME = env("QUEUE_NAME", f"test{os.getpid()}" if TESTING else "console")
if urlsplit(REDIS_URL).scheme not in ("redis", "rediss", "unix"):
    CONFIG_PROBLEMS.append(
        ("console.E003", f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://")
    )

CHANNEL_LAYERS = {
    "default": {
        # Pub/sub: one PUBLISH per group; live status needs no persistence or capacity.
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{QUEUE_NAME}:asgi"},
    }
}

Q_CLUSTER = {
    "name": QUEUE_NAME,
    "workers": env_int("WORKERS", 2),
    "recycle": 500,
    "timeout": env_int("TASK_TIMEOUT", 600),
    "retry": env_int("TASK_TIMEOUT", 600) + 60,
    "max_attempts": 1,
    "ack_failures": True,
    "save_limit": -1,  # jobs keep their own record: no django-q success rows
    "queue_limit": 50,
    "catch_up": False,
    "redis": REDIS_URL,
    "label": "Task queue",
}

# --- The workflow engine (jobs/engine.py). Retry schedule of ERR steps: `initial` seconds,
# doubling up to `max`, then every `then` seconds, until `give_up_after` seconds since the
# first ERR make it a KO. A step may carry its own "retry" object with the same keys.
ENGINE = {
    "retry": {
        "initial": env_int("ENGINE_RETRY_INITIAL", 5),
        "max": env_int("ENGINE_RETRY_MAX", 1280),
        "then": env_int("ENGINE_RETRY_THEN", 1800),
        "give_up_after": env_int("ENGINE_RETRY_GIVE_UP", 12 * 3600),
    },
    "step_timeout": env_int("ENGINE_STEP_TIMEOUT", 120),
    # A RUN job whose worker stopped answering is taken over this long after its step's
    # timeout; the dispatcher re-sends due work that a lost Redis message left waiting.
    "lease_grace": env_int("ENGINE_LEASE_GRACE", 30),
    "dispatch_interval": float(env("ENGINE_DISPATCH_INTERVAL", "0.2") or 0.2),
    "dispatch_idle_interval": float(env("ENGINE_DISPATCH_IDLE_INTERVAL", "1") or 1),
    # Drains (jobs/batch.py): jobs claimed and written together, how long one task drains
    # before handing over to a new one, and how long a sent drain stands for the next ones.
    "batch_size": env_int("ENGINE_BATCH_SIZE", 50),
    "drain_seconds": env_int("ENGINE_DRAIN_SECONDS", 10),
    "wake_ttl_ms": env_int("ENGINE_WAKE_TTL_MS", 2000),
    "redispatch_after": env_int("ENGINE_REDISPATCH_AFTER", 30),
    # Runaway steps. A step's "timeout" may not exceed max_step_timeout (so that no task
    # reaches django-q2's TASK_TIMEOUT, which kills the worker and has the job run again).
    # A pure step gets inline_budget seconds in memory or in a transaction; slower, it is
    # stopped and run again on its own, outside any transaction and batch, with its whole
    # limit; a batch runs its jobs in memory for batch_budget seconds at most, then sends the
    # rest on. A step that talks to the outside and is stuck where no signal reaches it
    # (C code) has its worker stopped hard_stop_grace seconds after its limit; the job then
    # ends TIMEOUT on that machine, and a step interrupted max_interruptions times ends KO.
    "max_step_timeout": env_int("ENGINE_MAX_STEP_TIMEOUT", 300),
    "inline_budget": float(env("ENGINE_INLINE_BUDGET", "1") or 1),
    "batch_budget": float(env("ENGINE_BATCH_BUDGET", "2") or 2),
    "hard_stop_grace": env_int("ENGINE_HARD_STOP_GRACE", 5),
    "max_interruptions": env_int("ENGINE_MAX_INTERRUPTIONS", 3),
}
# A runner hands its job over to a new task once it ran this long, so that the task stays
# well inside django-q2's TASK_TIMEOUT whatever its steps' limits.
ENGINE["task_seconds"] = max(
    30, Q_CLUSTER["timeout"] - ENGINE["max_step_timeout"] - 2 * ENGINE["lease_grace"]
)
# The jq sandbox (providers/sandbox.py): a child process per worker with a memory cap.
SANDBOX = {
    "memory_mb": env_int("SANDBOX_MEMORY_MB", 256),
    "max_output_bytes": env_int("SANDBOX_MAX_OUTPUT_BYTES", 16 * 1024 * 1024),
}
PROVIDER_MODULES = [
    "providers.silo",
    "providers.sequence",
    "providers.sign",
    "providers.transform",
    "providers.cron",
    "providers.pdf",
    "providers.email",
    "providers.webhook",
    "providers.http",
    "providers.export",
    "providers.gobl_build",
    "providers.gobl_correct",
    "providers.verifactu.actions",
    "providers.verifactu.issuers",
    "providers.verifactu.noverifactu",
    "providers.ubl",
    "providers.cii",
    "providers.cii.pdf",
    "providers.imports",
    "providers.slack",
    "providers.peppol.actions",
    "providers.finvoice.actions",
    "providers.nemhandel.actions",
]
# The counterparts' simulators (providers/simulators.py), which `make run` starts in DEBUG.
SIMULATOR_MODULES = [
    "providers.verifactu.sandbox",
    "providers.slack.sandbox",
    "providers.peppol.sandbox",
    "providers.finvoice.sandbox",
    "providers.nemhandel.sandbox",
]
# Slack's Web API (slack.send); `make run` in DEBUG points it at the Slack simulator.
SLACK_API_URL = env("SLACK_API_URL", "https://slack.com/api").rstrip("/")
# Peppol (peppol.*): the access point provider's base URL, with its SMP at /smp, its AS4
# gateway and its API (approvals, inbox) at /api; `make run` in DEBUG points it at the Peppol
# simulator. Empty: the peppol steps end KO `not-configured`. The SMP's write credentials
# publish the workspace's own participants.
PEPPOL_URL = env("PEPPOL_URL").rstrip("/")
PEPPOL_SMP_USERNAME = env("PEPPOL_SMP_USERNAME", "console")
PEPPOL_SMP_PASSWORD = env("PEPPOL_SMP_PASSWORD")
# Seconds between two reads of the access point's inbox by the workers (documents received).
PEPPOL_INBOX_INTERVAL = env_int("PEPPOL_INBOX_INTERVAL", 30)
# Denmark (gov-dk.*): the NemHandel access point provider's base URL (its SMP at /smp, AS4
# gateway, agreements and inbox at /api, as PEPPOL_URL's); `make run` in DEBUG points it at
# the NemHandel simulator. Empty: the steps end KO `not-configured`.
NEMHANDEL_URL = env("NEMHANDEL_URL").rstrip("/")
NEMHANDEL_SMP_USERNAME = env("NEMHANDEL_SMP_USERNAME", "console")
NEMHANDEL_SMP_PASSWORD = env("NEMHANDEL_SMP_PASSWORD")
NEMHANDEL_INBOX_INTERVAL = env_int("NEMHANDEL_INBOX_INTERVAL", 30)
# Finland (gov-fi.*): the e-invoicing operator's base URL (its API at /api); `make run` in
# DEBUG points it at the Finvoice operator simulator. Empty: the steps end KO
# `not-configured`. Registered parties' inboxes are swept every FINVOICE_SYNC_INTERVAL
# seconds (their gov-fi.sync workflow, as a schedule; Invopop's default is five minutes).
FINVOICE_URL = env("FINVOICE_URL").rstrip("/")
FINVOICE_SYNC_INTERVAL = env_int("FINVOICE_SYNC_INTERVAL", 300)
# Networks that outbound connections on a user's behalf (webhook, http.request, workspace
# SMTP connections, VERI*FACTU endpoints) may reach although they are loopback, private or
# link-local (comma-separated CIDRs, e.g. "10.0.0.0/8"): refused by default (SSRF).
OUTBOUND_ALLOW = [c.strip() for c in env("OUTBOUND_ALLOW").split(",") if c.strip()]
# Host names (or host:port) that every outbound connection may reach, whatever their
# addresses, e.g. "smtp.internal,erp.local:8443": a deployment's own services.
OUTBOUND_ALLOW_HOSTS = [h.strip() for h in env("OUTBOUND_ALLOW_HOSTS").split(",") if h.strip()]
# file.export writes only under this folder.
EXPORT_ROOT = Path(env("EXPORT_ROOT", str(VAR_DIR / "exports")))
if TESTING:
    PROVIDER_MODULES.append("tests.providers")  # test.* actions: flaky, ko, slow, waiting
# The Configuration page's sections from the apps above accounts (accounts/sections.py).
CONFIGURATION_SECTIONS = [
    "providers.views.SECTION",
    "providers.verifactu.views.SECTION",
    "providers.peppol.views.SECTION",
]

# --- Email: EMAIL_URL such as smtp://user:pass@host:587?starttls=1 or smtps://host:465.


def _email() -> dict:
    url = env("EMAIL_URL")
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        CONFIG_PROBLEMS.append(
            ("console.E004", f"EMAIL_URL must look like smtp://host:port, got {url!r}")
        )
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": query.get("starttls", query.get("tls", "0")) in ("1", "true"),
    }


globals().update(_email())
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "console@localhost")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
AUTHENTICATION_BACKENDS = ["invopop_console.accounts.backends.EmailBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing one before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["invopop_console.accounts.auth.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "invopop_console.parsers.JSONParser",
        "invopop_console.parsers.MergePatchParser",
        "invopop_console.parsers.JsonPatchParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "invopop_console.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "PATH_CONVERTER_OVERRIDES": {"anyuuid": {"type": "string", "format": "uuid"}},
    "TITLE": "Invopop Console API",
    "DESCRIPTION": "Workflows, jobs, silo entries and sequences, shaped like Invopop's API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "invopop_console.openapi.document_errors",
    ],
}
# Bodies over this answer 413 (files included); Django's own limit is set to match.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
# How large a document and a workflow may grow (API, console and editor alike): the longest
# invoices seen in practice have a few thousand lines, and a workflow a few dozen steps; far
# beyond, every page, build and edit of them is slow for everyone sharing the workers.
DOCUMENT_MAX_LINES = env_int("DOCUMENT_MAX_LINES", 10_000)
WORKFLOW_MAX_STEPS = env_int("WORKFLOW_MAX_STEPS", 500)  # rescue and nested steps included
ENTRY_PAGE_LINES = env_int("ENTRY_PAGE_LINES", 100)  # lines per page of an entry's line table
# The Files tab's validation report of an e-invoice file: a provider's, reached by name
# because silo imports no provider (as CONFIGURATION_SECTIONS).
FILE_REPORT = "providers.einvoice_report.report"

SESSION_COOKIE_SECURE = not DEBUG and SITE_URL.startswith("https")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # django-q2 logs every task at INFO; jobs keep their own, better record.
    "loggers": {"django-q": {"level": env("QUEUE_LOG_LEVEL", "WARNING")}},
}
