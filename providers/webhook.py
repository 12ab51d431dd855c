"""webhook: POST Invopop's webhook payload to the workflow's endpoint, signed with the Standard
Webhooks scheme under the workspace's secret (providers.models.WebhookSecret).

Any 2xx answer is delivered; any other answer, a timeout or a lost connection is an ERR that
the engine retries, after the `retry_in` seconds of a JSON answer or a Retry-After header when
there is one. One delivery keeps its `webhook-id` (from the step's ref) on every retry, so that
receivers can recognise a repeat; the timestamp and signature are those of each attempt.
"""

import json
import time
from urllib.parse import urlsplit

from invopop_console.standard_webhooks import sign

from . import outbound
from .base import StepContext, err, ko, ok
from .credentials import CredentialMissing, header_map, secret_property
from .models import WebhookSecret
from .registry import provider

USER_AGENT = "invopop-console-webhook/1"
HEADERS = header_map(
    "Custom headers",
    'Extra HTTP headers, such as {"X-Api-Key": {"credential": "crm-key"}}: a value names one '
    "of the workspace's credentials (Configuration), or is written as it is.",
)

SCHEMA = {
    "type": "object",
    "properties": {
        "callback_url": {
            "type": "string",
            "title": "Webhook URL",
            "format": "uri",
            "examples": ["https://example.com/webhooks/invopop"],
            "description": "The endpoint that receives the POST request.",
        },
        "url": {
            "type": "string",
            "title": "URL (alias of the webhook URL)",
            "format": "uri",
            "description": "Accepted for older configs; use the webhook URL.",
        },
        "event": {
            "type": "string",
            "title": "Event",
            "examples": ["invoice_sent"],
            "description": "A name of your choice, sent as the payload's event.",
        },
        "bearer_token": secret_property(
            "Bearer token",
            "Sent as Authorization: Bearer <token>; one of the workspace's credentials.",
        ),
        "headers": HEADERS,
    },
    "anyOf": [{"required": ["callback_url"]}, {"required": ["url"]}],
}


def check(config: dict) -> list[tuple[str, str]]:
    """A URL the request could not be sent to fails every run: say so while editing."""
    found = []
    for key in ("callback_url", "url"):
        value = config.get(key)
        if isinstance(value, str) and value and not is_web_address(value):
            title = SCHEMA["properties"][key]["title"]
            found.append(
                (f"/{key}", f"{title} must be a web address, such as https://example.com/hooks")
            )
    return found


def is_web_address(value: str) -> bool:
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value.strip()


@provider(
    "webhook",
    name="Send webhook",
    category="Notify",
    summary="POST the job's details to your endpoint, signed with the workspace's secret.",
    icon="globe",
    config_schema=SCHEMA,
    check=check,
    timeout=60,
)
def send_webhook(context: StepContext):
    url = context.config.get("callback_url") or context.config.get("url") or ""
    delivery_id = f"msg_{context.ref}"
    body = json.dumps(payload(context, delivery_id), separators=(",", ":")).encode()
    try:
        custom = {**custom_headers(context), **authorization(context)}
    except CredentialMissing as exc:
        return ko(str(exc), exc.code)
    headers = {
        **custom,
        **signed_headers(context.workspace, delivery_id, body),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    host = urlsplit(url).hostname or url
    try:
        answer = outbound.request("POST", url, data=body, headers=headers)
    except outbound.FAILURES as exc:
        return outbound.failure(exc, host)
    if 200 <= answer.status < 300:
        return ok(message=f"{host} answered {answer.status}")
    return failed(answer, host)


def payload(context: StepContext, delivery_id: str) -> dict:
    """Invopop's webhook body; `event` only when the step names one, as Invopop does."""
    entry, job = context.entry, context.job
    found = {
        "id": delivery_id,
        "transform_job_id": str(job.id) if job is not None else "",
        "silo_entry_id": str(entry.id) if entry is not None else "",
        "owner_id": str(context.workspace.id),
        "key": job.key if job is not None else "",
        "args": context.args,
        "meta": entry.meta if entry is not None else {},
        "faults": context.faults,
    }
    if context.config.get("event"):
        found = {"id": delivery_id, "event": context.config["event"], **found}
    return found


def custom_headers(context: StepContext) -> dict:
    headers = context.config.get("headers") or {}
    return {name: context.secret(value, header=True) for name, value in headers.items()}


def authorization(context: StepContext) -> dict:
    token = context.config.get("bearer_token")
    return {"Authorization": f"Bearer {context.secret(token)}"} if token else {}


def signed_headers(workspace, delivery_id: str, body: bytes) -> dict:
    """The Standard Webhooks headers; during a rotation, one signature per live secret."""
    timestamp = str(int(time.time()))
    secrets = WebhookSecret.of(workspace).signing_secrets()
    signatures = [sign(s, delivery_id, timestamp, body) for s in secrets]
    return {
        "webhook-id": delivery_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": " ".join(signatures),
    }


def failed(answer: outbound.Answer, host: str):
    """A non-2xx answer: retried, when the receiver says so after `retry_in` seconds."""
    data = answer.json()
    said = data.get("message") if isinstance(data, dict) else None
    message = f"{host} answered {answer.status}" + (f": {said}" if said else "")
    return err(message[:500], f"http-{answer.status}", retry_in=outbound.retry_in(answer))
