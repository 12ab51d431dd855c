"""Automatic runs: on entry created, inbound webhooks, schedules and cron.subscribe."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from engine_helpers import INVOICE, entry, run, start, state, step, workflow

from jobs.models import Job
from silo.models import SiloEntry
from workflows.models import Trigger, TriggerKind
from workflows.triggers import (
    TriggerError,
    check_cron,
    fire_due_schedules,
    interval_seconds,
    next_run,
    sign,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(workspace):
    return workflow(workspace, [state("received")])


def trigger(flow, kind, **fields):
    return Trigger.objects.create(workspace=flow.workspace, workflow=flow, kind=kind, **fields)


# --- On entry created


@pytest.mark.parametrize(
    ("doc_type", "folder", "starts"),
    [
        ("", "", True),
        ("bill/invoice", "", True),
        ("bill/invoice", "inbox", False),
        ("org/party", "", False),
    ],
)
def test_a_new_entry_starts_the_matching_triggers(
    workspace, flow, django_capture_on_commit_callbacks, doc_type, folder, starts
):
    trigger(flow, TriggerKind.ENTRY_CREATED, doc_type=doc_type, folder=folder)
    with django_capture_on_commit_callbacks(execute=True):
        created = entry(workspace)
    assert Job.objects.filter(silo_entry=created, workflow=flow).exists() == starts


def test_a_disabled_trigger_or_a_draft_workflow_starts_nothing(
    workspace, flow, django_capture_on_commit_callbacks
):
    from workflows.models import Workflow

    draft = Workflow.objects.create(workspace=workspace, name="Never published")
    trigger(flow, TriggerKind.ENTRY_CREATED, enabled=False)
    trigger(draft, TriggerKind.ENTRY_CREATED)
    with django_capture_on_commit_callbacks(execute=True):
        entry(workspace)
    assert not Job.objects.exists()


def test_another_workspaces_entries_start_nothing(
    other_workspace, flow, django_capture_on_commit_callbacks
):
    trigger(flow, TriggerKind.ENTRY_CREATED)
    with django_capture_on_commit_callbacks(execute=True):
        entry(other_workspace)
    assert not Job.objects.exists()


# --- Inbound webhooks


def post(client, hook, body, **headers):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(f"/hooks/{hook.id}", data, content_type="application/json", headers=headers)


def test_a_webhook_with_the_secret_stores_the_document_and_runs_the_workflow(client, flow):
    hook = trigger(flow, TriggerKind.WEBHOOK)
    response = post(client, hook, INVOICE["doc"], Authorization=f"Bearer {hook.secret}")
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job_id"])
    assert (job.workflow, job.args["trigger_id"]) == (flow, str(hook.id))
    stored = SiloEntry.objects.get(pk=response.json()["silo_entry_id"])
    assert stored.data["doc"] == INVOICE["doc"]
    assert stored.data["$schema"] == "https://gobl.org/draft-0/envelope"
    assert run(job).status == "OK"


def spec_signature(secret: str, message_id: str, stamp: str, body: bytes) -> str:
    """The Standard Webhooks rule, written out: HMAC-SHA256 with the base64-decoded key."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def test_a_sender_signing_by_the_standard_webhooks_rule_is_accepted(client, flow):
    hook = trigger(flow, TriggerKind.WEBHOOK)
    body, stamp = json.dumps(INVOICE).encode(), str(int(time.time()))
    headers = {"webhook-id": "msg_9", "webhook-timestamp": stamp}
    signature = spec_signature(hook.secret, "msg_9", stamp, body)
    assert signature == sign(hook.secret, "msg_9", stamp, body)
    response = post(client, hook, body, **headers, **{"webhook-signature": signature})
    assert response.status_code == 202


def test_a_secret_made_before_base64_keys_still_verifies_with_its_text(client, flow):
    hook = trigger(flow, TriggerKind.WEBHOOK)
    hook.secret = "whsec_" + "k" * 40 + "-_x"  # token_urlsafe-style: not valid base64
    hook.save()
    body, stamp = json.dumps(INVOICE).encode(), str(int(time.time()))
    key = hook.secret.removeprefix("whsec_").encode()
    digest = hmac.new(key, f"m1.{stamp}.".encode() + body, hashlib.sha256).digest()
    signature = "v1," + base64.b64encode(digest).decode()
    headers = {"webhook-id": "m1", "webhook-timestamp": stamp, "webhook-signature": signature}
    assert post(client, hook, body, **headers).status_code == 202


def test_a_signed_webhook_is_accepted(client, flow):
    hook = trigger(flow, TriggerKind.WEBHOOK)
    body = json.dumps(INVOICE).encode()
    stamp = str(int(time.time()))
    signature = sign(hook.secret, "msg_1", stamp, body)
    response = post(
        client,
        hook,
        body,
        **{"webhook-id": "msg_1", "webhook-timestamp": stamp, "webhook-signature": signature},
    )
    assert response.status_code == 202


@pytest.mark.parametrize("case", ["no auth", "wrong secret", "bad signature", "stale"])
def test_a_webhook_without_proof_is_401(client, flow, case):
    hook = trigger(flow, TriggerKind.WEBHOOK)
    body = json.dumps(INVOICE).encode()
    stamp = str(int(time.time()) - (600 if case == "stale" else 0))
    headers = {
        "no auth": {},
        "wrong secret": {"Authorization": "Bearer whsec_nope"},
        "bad signature": {
            "webhook-id": "m",
            "webhook-timestamp": stamp,
            "webhook-signature": "v1,AAAA",
        },
        "stale": {
            "webhook-id": "m",
            "webhook-timestamp": stamp,
            "webhook-signature": sign(hook.secret, "m", stamp, body),
        },
    }[case]
    response = post(client, hook, body, **headers)
    assert response.status_code == 401
    assert response.json()["key"] == "unauthorized"
    assert not SiloEntry.objects.exists()


def test_the_same_delivery_twice_is_one_job(client, flow):
    hook = trigger(flow, TriggerKind.WEBHOOK)
    auth = {"Authorization": f"Bearer {hook.secret}", "webhook-id": "delivery-7"}
    first = post(client, hook, INVOICE, **auth).json()
    second = post(client, hook, INVOICE, **auth).json()
    assert first == second
    assert Job.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "key"),
    [
        (b"{nope", 400, "invalid-json"),
        ({"hello": "world"}, 422, "invalid"),
        ([1, 2], 422, "invalid"),
    ],
)
def test_a_webhook_body_that_is_not_gobl_is_refused(client, flow, body, status, key):
    hook = trigger(flow, TriggerKind.WEBHOOK)
    response = post(client, hook, body, Authorization=f"Bearer {hook.secret}")
    assert (response.status_code, response.json()["key"]) == (status, key)
    assert not SiloEntry.objects.exists()


def test_an_unknown_or_disabled_webhook_is_404(client, flow):
    disabled = trigger(flow, TriggerKind.WEBHOOK, enabled=False)
    for hook_id in (disabled.id, uuid.uuid4()):
        response = client.post(
            f"/hooks/{hook_id}",
            "{}",
            content_type="application/json",
            headers={"Authorization": f"Bearer {disabled.secret}"},
        )
        assert response.status_code == 404


# --- Schedules


def test_a_due_schedule_starts_its_job_once_and_moves_on(flow):
    due = timezone.now() - timedelta(seconds=1)
    scheduled = trigger(
        flow, TriggerKind.SCHEDULE, interval=3600, next_run_at=due, args={"report": "daily"}
    )
    assert fire_due_schedules() == 1
    assert fire_due_schedules() == 0
    job = Job.objects.get()
    assert job.args == {"report": "daily", "trigger_id": str(scheduled.id)}
    scheduled.refresh_from_db()
    assert scheduled.next_run_at > timezone.now() + timedelta(minutes=59)


def test_a_cron_schedule_computes_its_next_time(flow):
    scheduled = trigger(flow, TriggerKind.SCHEDULE, cron="30 6 * * *")
    after = timezone.now().replace(hour=7, minute=0, second=0, microsecond=0)
    following = next_run(scheduled, after)
    assert (following.hour, following.minute) == (6, 30)
    assert following.date() == (after + timedelta(days=1)).date()


@pytest.mark.parametrize(
    ("interval", "factor", "seconds"),
    [("hourly", 6, 21600), ("daily", 1, 86400), (120, None, 120), ("minutely", 2, 120)],
)
def test_intervals(interval, factor, seconds):
    assert interval_seconds(interval, factor) == seconds


@pytest.mark.parametrize("interval", ["yearly-ish", 30, None, "-5"])
def test_bad_intervals_are_refused(interval):
    with pytest.raises(TriggerError):
        interval_seconds(interval)


def test_bad_cron_expressions_are_refused():
    with pytest.raises(TriggerError):
        check_cron("every day at six")
    check_cron("*/5 * * * *")


# --- cron.subscribe / cron.unsubscribe


def test_subscribe_and_unsubscribe_manage_the_entrys_schedule(workspace, flow):
    subscribe = step(
        "cron.subscribe", {"workflow_id": str(flow.id), "interval": "hourly", "factor": 6}
    )
    job = run(start(workspace, [subscribe]))
    assert job.status == "OK"
    scheduled = Trigger.objects.get(kind=TriggerKind.SCHEDULE)
    assert (scheduled.silo_entry, scheduled.workflow, scheduled.interval) == (
        job.silo_entry,
        flow,
        21600,
    )
    from engine_helpers import start_on

    again = run(start_on(job.silo_entry, [subscribe]))
    assert again.status == "OK" and Trigger.objects.count() == 1
    stop = run(start_on(job.silo_entry, [step("cron.unsubscribe")]))
    assert stop.status == "OK"
    assert not Trigger.objects.exists()


def test_subscribe_with_an_empty_workflow_id_means_this_workflow(workspace):
    job = run(start(workspace, [step("cron.subscribe", {"workflow_id": "", "interval": "daily"})]))
    assert Trigger.objects.get().workflow == job.workflow


def test_subscribe_with_no_config_runs_this_workflow_hourly(workspace):
    """As Invopop's pl-register-receive template has it: no config at all."""
    job = run(start(workspace, [step("cron.subscribe")]))
    assert job.status == "OK"
    scheduled = Trigger.objects.get()
    assert (scheduled.workflow, scheduled.interval) == (job.workflow, 3600)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"$schema": "https://gobl.org/draft-0/bill/invoice", "n": 1e400}', 422),
        (b'{"$schema": "https://gobl.org/draft-0/bill/invoice", "n": NaN}', 422),
        (b'{"$schema": "https://gobl.org/draft-0/bill/invoice", "n": ' + b"[" * 10**5, 400),
        (b'{"$schema": "https://gobl.org/draft-0/bill/invoice", "t": "a\\u0000b"}', 422),
        (b'{"$schema": "https://gobl.org/draft-0/envelope", "doc": 5}', 422),
    ],
)
def test_a_webhook_body_that_cannot_be_stored_is_refused(client, flow, body, status):
    hook = trigger(flow, TriggerKind.WEBHOOK)
    response = post(client, hook, body, Authorization=f"Bearer {hook.secret}")
    assert response.status_code == status
    assert not SiloEntry.objects.exists()
