"""Automatic runs: on entry created, on document received, inbound webhooks and schedules.

A trigger starts a job like a person or an API call would (jobs.services.create_job), so the
job is pinned to the workflow's latest published version; a trigger of a workflow never
published, or disabled, starts nothing.
"""

import hmac
import logging
import time
from datetime import datetime, timedelta

from croniter import CroniterError, croniter
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from invopop_console import rows
from invopop_console.standard_webhooks import sign
from providers.cron import MAX_INTERVAL

from .models import Trigger, TriggerKind

log = logging.getLogger(__name__)
INTERVALS = {"minutely": 60, "hourly": 3600, "daily": 86400, "weekly": 7 * 86400}
CRON_MAX_LENGTH = 100  # Trigger.cron
SIGNATURE_TOLERANCE = 300  # seconds a signed webhook may be old (Standard Webhooks)


class TriggerError(Exception):
    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


# --- Schedules


def interval_seconds(interval, factor=None) -> int:
    """'hourly' × 6, or a whole number of seconds; from a minute to MAX_INTERVAL (beyond,
    no date can hold the next run)."""
    if isinstance(interval, str) and interval in INTERVALS:
        seconds = INTERVALS[interval]
    else:
        seconds = _whole(interval, "/interval", f"must be {', '.join(INTERVALS)} or seconds")
    times = 1 if factor is None else _whole(factor, "/factor", "must be a whole number")
    if times < 1:
        raise TriggerError("must be at least 1", "/factor")
    if seconds * times < 60:
        raise TriggerError("an interval is at least 60 seconds", "/interval")
    if seconds * times > MAX_INTERVAL:
        field = "/factor" if factor is not None and seconds <= MAX_INTERVAL else "/interval"
        raise TriggerError(f"an interval is at most {MAX_INTERVAL:,} seconds (ten years)", field)
    return seconds * times


def _whole(value, field: str, message: str) -> int:
    """A whole number given as a number or as digits ("3600", 3600, 3600.0), else refused."""
    if isinstance(value, float) and value.is_integer():  # 1e308 is whole: refused as too long
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        if len(value.strip()) <= 30:
            return int(value)
        return MAX_INTERVAL + 1
    raise TriggerError(message, field)


def check_cron(expression) -> None:
    """A cron expression whose next time exists: 30 February is valid cron, and never comes."""
    valid = isinstance(expression, str) and len(expression) <= CRON_MAX_LENGTH
    if not valid or not croniter.is_valid(expression):
        raise TriggerError("not a cron expression, such as 0 6 * * 1", "/cron")
    try:
        croniter(expression, timezone.now()).get_next(datetime)
    except CroniterError:
        raise TriggerError("a cron expression whose time never comes", "/cron") from None


def next_run(trigger: Trigger, after: datetime) -> datetime:
    """Raises CroniterError for a cron expression whose time never comes (stored before
    check_cron said so)."""
    if trigger.cron:
        return croniter(trigger.cron, after).get_next(datetime)
    return after + timedelta(seconds=trigger.interval)


def fire_due_schedules(limit: int = 100) -> int:
    """Start the jobs of schedules whose time has come; each fires once per due time, also
    with several dispatchers looking (compare-and-set on next_run_at)."""
    now = timezone.now()
    due = Trigger.objects.filter(
        kind=TriggerKind.SCHEDULE, enabled=True, next_run_at__lte=now
    ).select_related("workflow", "silo_entry")[:limit]
    fired = 0
    for trigger in due:
        try:
            following = next_run(trigger, max(now, trigger.next_run_at))
        except CroniterError:  # it would come up again forever, holding up the others
            log.warning("schedule %s never comes: %r; disabled", trigger.id, trigger.cron)
            Trigger.objects.filter(pk=trigger.pk).update(enabled=False)
            continue
        won = Trigger.objects.filter(pk=trigger.pk, next_run_at=trigger.next_run_at).update(
            next_run_at=following, last_run_at=now
        )
        if won and start(trigger, entry=trigger.silo_entry):
            fired += 1
    return fired


# --- Entry created


def on_entry_created(sender, entry, **kwargs) -> None:
    if not _has_entry_triggers(entry.workspace_id):
        return
    matching = Trigger.objects.filter(
        workspace_id=entry.workspace_id, kind=TriggerKind.ENTRY_CREATED, enabled=True
    ).filter(Q(doc_type="") | Q(doc_type=entry.doc_type), Q(folder="") | Q(folder=entry.folder))
    for trigger in matching.select_related("workflow"):
        start(trigger, entry=entry)


def on_document_received(sender, entry, network="", **kwargs) -> None:
    """A document received through a network (providers.signals): the workspace's "on
    document received" triggers start their workflows on its entry."""
    matching = Trigger.objects.filter(
        workspace_id=entry.workspace_id, kind=TriggerKind.DOCUMENT_RECEIVED, enabled=True
    ).filter(Q(doc_type="") | Q(doc_type=entry.doc_type), Q(folder="") | Q(folder=entry.folder))
    for trigger in matching.select_related("workflow"):
        start(
            trigger, entry=entry, args={"network": network}, key=f"received:{entry.pk}:{trigger.pk}"
        )


def _has_entry_triggers(workspace_id) -> bool:
    """Whether the workspace has an enabled "on entry created" trigger: plain SQL, asked on
    every new entry (the ORM's query, compiled each time, was an eighth of the web's CPU per
    job created with data: bench/api.py); most workspaces have none."""
    table = connection.ops.quote_name(Trigger._meta.db_table)
    sql = f"SELECT 1 FROM {table} WHERE workspace_id = %s AND kind = %s AND enabled = %s LIMIT 1"
    workspace = rows.db_value(Trigger, "workspace", workspace_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace, TriggerKind.ENTRY_CREATED.value, True])
        return cursor.fetchone() is not None


# --- Inbound webhooks


def verify_webhook(trigger: Trigger, headers, body: bytes) -> bool:
    """A bearer token equal to the secret, or a valid Standard Webhooks signature."""
    authorization = headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        return hmac.compare_digest(authorization[7:].strip(), trigger.secret)
    message_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (message_id and timestamp.isdigit() and signatures):
        return False
    if abs(time.time() - int(timestamp)) > SIGNATURE_TOLERANCE:
        return False
    expected = sign(trigger.secret, message_id, timestamp, body)
    return any(hmac.compare_digest(expected, s.strip()) for s in signatures.split(" "))


# --- Starting a job


def start(trigger: Trigger, *, entry=None, args=None, key=""):
    """The job the trigger starts, or None when the workflow cannot run now."""
    from jobs.services import JobError, create_job

    run_args = {**trigger.args, **(args or {}), "trigger_id": str(trigger.id)}
    try:
        with transaction.atomic():
            return create_job(
                trigger.workflow,
                entry=entry,
                args=run_args,
                key=key,
                tags=[f"trigger:{trigger.kind}"],
            )
    except JobError as exc:
        log.warning("trigger %s started nothing: %s", trigger.id, exc)
        return None
