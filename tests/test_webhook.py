"""The webhook provider against a real local HTTP server, through the real engine."""

import base64
import hashlib
import hmac
import time
from types import SimpleNamespace

import pytest
from django.urls import reverse
from engine_helpers import run, start, step, trace
from jsonschema import Draft202012Validator
from receivers import Receiver, Reply

from jobs.models import JobStatus
from providers import outbound, registry
from providers.base import StepContext
from providers.models import WebhookSecret
from silo.models import SiloEntry
from workflows import catalogue
from workflows.triggers import verify_webhook


@pytest.fixture
def receiver(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    with Receiver() as found:
        yield found


def standard_webhooks_valid(secret: str, headers: dict, body: bytes) -> bool:
    """The receiver's check as the Standard Webhooks specification writes it: the key is the
    base64 decoding of the secret after "whsec_"."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [s.split(",", 1)[1] for s in headers["webhook-signature"].split(" ")]
    fresh = abs(time.time() - int(headers["webhook-timestamp"])) < 300
    return fresh and any(hmac.compare_digest(expected, s) for s in offered)


def context(workspace, config, entry=None, ref="ref-1") -> StepContext:
    return StepContext(workspace, None, entry, {}, config, {}, [], ref, 1)


def test_it_posts_invopops_payload_signed_with_the_workspace_secret(workspace, receiver):
    job = start(
        workspace,
        [step("webhook", {"callback_url": receiver.url + "/hook", "event": "invoice_sent"})],
        args={"pdf-locale": "es"},
    )
    job = run(job)
    assert job.status == JobStatus.OK
    [delivery] = receiver.received
    assert delivery.method == "POST" and delivery.path == "/hook"
    assert delivery.headers["Content-Type"] == "application/json"
    payload = delivery.json()
    assert payload == {
        "id": delivery.headers["webhook-id"],
        "event": "invoice_sent",
        "transform_job_id": str(job.id),
        "silo_entry_id": str(job.silo_entry_id),
        "owner_id": str(workspace.id),
        "key": "",
        "args": {"pdf-locale": "es"},
        "meta": {},
        "faults": [],
    }
    intent = job.intents.get()
    assert delivery.headers["webhook-id"] == f"msg_{intent.ref}"
    secret = WebhookSecret.of(workspace).secret
    assert standard_webhooks_valid(secret, delivery.headers, delivery.body)
    # The console's own receiver-side check (inbound webhook triggers) agrees.
    trigger = SimpleNamespace(secret=secret)
    assert verify_webhook(trigger, delivery.headers, delivery.body)


def test_a_tampered_body_does_not_verify(workspace, receiver):
    run(start(workspace, [step("webhook", {"url": receiver.url})]))
    [delivery] = receiver.received
    secret = WebhookSecret.of(workspace).secret
    assert not standard_webhooks_valid(secret, delivery.headers, delivery.body + b" ")


def test_the_event_is_left_out_when_the_step_names_none(workspace, receiver):
    run(start(workspace, [step("webhook", {"url": receiver.url})]))
    assert "event" not in receiver.received[0].json()


def test_a_retry_after_a_500_keeps_the_same_webhook_id(workspace, receiver):
    receiver.reply(Reply(500, {"message": "database down"}), Reply(204, b""))
    job = run(start(workspace, [step("webhook", {"callback_url": receiver.url})]))
    assert job.status == JobStatus.OK
    assert trace(job) == [("webhook", ["RUN", "ERR", "RUN", "OK"])]
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.json()["id"] == second.json()["id"] == first.headers["webhook-id"]
    err = job.intents.get().events.get(status="ERR")
    assert err.code == "http-500" and "database down" in err.message


def test_retry_in_of_the_answer_sets_when_it_is_tried_again(workspace, receiver):
    receiver.reply(Reply(503, {"retry_in": 42, "message": "busy"}))
    outcome = registry.get("webhook").run(context(workspace, {"url": receiver.url}))
    assert (outcome.status, outcome.retry_in) == ("ERR", 42.0)
    receiver.reply(Reply(429, {}, {"Retry-After": "7"}))
    outcome = registry.get("webhook").run(context(workspace, {"url": receiver.url}))
    assert (outcome.status, outcome.retry_in) == ("ERR", 7.0)


@pytest.mark.parametrize("status", [301, 400, 404, 410, 500])
def test_any_answer_but_2xx_is_an_err(workspace, receiver, status):
    receiver.reply(Reply(status, {}, {"Location": "/"} if status == 301 else {}))
    receiver.reply(Reply(status))  # the redirect's target answers the same
    outcome = registry.get("webhook").run(context(workspace, {"url": receiver.url}))
    assert outcome.status == "ERR"


def test_a_timeout_is_an_err(workspace, receiver, monkeypatch):
    monkeypatch.setattr(outbound, "TIMEOUT", (1, 0.2))
    receiver.reply(Reply(delay=1.0))
    outcome = registry.get("webhook").run(context(workspace, {"url": receiver.url}))
    assert (outcome.status, outcome.code) == ("ERR", "timeout")


def test_a_closed_port_is_an_err(workspace, receiver):
    url = receiver.url
    receiver.server.server_close()
    outcome = registry.get("webhook").run(context(workspace, {"url": url}))
    assert (outcome.status, outcome.code) == ("ERR", "unreachable")


def test_a_private_address_is_refused_when_not_allowed(workspace, receiver, settings):
    settings.OUTBOUND_ALLOW = []
    job = run(start(workspace, [step("webhook", {"url": receiver.url})]))
    assert job.status == JobStatus.KO
    assert job.faults[0]["code"] == "address-refused"
    assert receiver.received == []


def test_a_redirect_to_the_metadata_address_is_refused(workspace, receiver):
    receiver.reply(Reply(307, headers={"Location": "http://169.254.169.254/latest/meta-data/"}))
    outcome = registry.get("webhook").run(context(workspace, {"url": receiver.url}))
    assert (outcome.status, outcome.code) == ("KO", "address-refused")
    assert "metadata" in outcome.message


def test_it_sends_the_bearer_token_and_custom_headers(workspace, receiver):
    config = {"url": receiver.url, "bearer_token": "t0k3n", "headers": {"X-Api-Key": "k"}}
    registry.get("webhook").run(context(workspace, config))
    headers = receiver.received[0].headers
    assert headers["Authorization"] == "Bearer t0k3n"
    assert headers["X-Api-Key"] == "k"


def test_custom_headers_cannot_replace_the_signature(workspace, receiver):
    config = {"url": receiver.url, "headers": {"webhook-signature": "v1,forged"}}
    registry.get("webhook").run(context(workspace, config))
    assert "forged" not in receiver.received[0].headers["webhook-signature"]


def test_after_a_rotation_both_secrets_sign_for_a_while(workspace, receiver):
    old = WebhookSecret.of(workspace).secret
    WebhookSecret.of(workspace).rotate()
    new = WebhookSecret.of(workspace).secret
    assert new != old
    registry.get("webhook").run(context(workspace, {"url": receiver.url}))
    delivery = receiver.received[0]
    assert len(delivery.headers["webhook-signature"].split(" ")) == 2
    assert standard_webhooks_valid(new, delivery.headers, delivery.body)
    assert standard_webhooks_valid(old, delivery.headers, delivery.body)


def test_the_secret_is_sealed_at_rest(workspace):
    found = WebhookSecret.of(workspace)
    assert found.secret.startswith("whsec_")
    assert found.secret not in found.secret_sealed
    assert found.secret.removeprefix("whsec_") not in found.secret_sealed


def test_the_catalogue_webhook_config_fits_the_schema():
    schema = registry.get("webhook").config_schema
    template = next(t for t in catalogue.templates() if t.key == "webhook-notify")
    for s in template.definition["steps"]:
        if s["provider"] == "webhook":
            assert list(Draft202012Validator(schema).iter_errors(s["config"])) == []
    assert list(Draft202012Validator(schema).iter_errors({"event": "x"}))  # no URL at all


def test_payload_without_a_job_or_entry(workspace, receiver):
    entry = SiloEntry.create_with_version(workspace, {"doc": {}}, key="k1")
    registry.get("webhook").run(context(workspace, {"url": receiver.url}, entry=entry))
    payload = receiver.received[0].json()
    assert payload["silo_entry_id"] == str(entry.id) and payload["transform_job_id"] == ""


# --- Configuration page: the signing secret


def test_members_who_manage_see_the_secret_and_can_rotate_it(client, owner, workspace):
    client.force_login(owner)
    page = client.get(reverse("configuration", args=[workspace.slug]))
    secret = WebhookSecret.of(workspace).secret
    assert secret in page.content.decode()
    response = client.post(reverse("rotate_webhook_secret", args=[workspace.slug]))
    assert response.status_code == 302
    assert WebhookSecret.of(workspace).secret != secret


def test_viewers_neither_see_nor_rotate_the_secret(client, viewer, workspace):
    client.force_login(viewer)
    secret = WebhookSecret.of(workspace).secret
    page = client.get(reverse("configuration", args=[workspace.slug]))
    assert secret not in page.content.decode()
    response = client.post(reverse("rotate_webhook_secret", args=[workspace.slug]))
    assert response.status_code == 403
    assert WebhookSecret.of(workspace).secret == secret
