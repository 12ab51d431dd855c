"""slack.send: post a message to a Slack channel with a bot token, through Slack's Web API
(`chat.postMessage`), as Invopop's Slack app does — most often in a workflow's error-handling
flow ("Job {{.job_id}} failed: {{.faults}}").

The token is one of the workspace's credentials (`{"credential": "slack-bot"}`, an `xoxb-…`
bot token of a Slack app with the `chat:write` scope, invited to the channel). The message is
a template (providers/templating.py). Slack answers HTTP 200 for its own refusals, with
`{"ok": false, "error": code}`: those that a retry cannot mend (a wrong token, a channel the
bot is not in) are a KO with Slack's code; rate limits (HTTP 429, Retry-After), Slack's own
failures and lost connections are an ERR, retried after what Slack asks for.
"""

import json

from django.conf import settings

from .. import outbound, templating
from ..base import StepContext, err, ko, ok
from ..credentials import CredentialMissing, secret_property
from ..registry import provider

DEFAULT_MESSAGE = "Job {{.job_id}} on {{.full_code}}: {{.faults}}"
# Slack's error codes that a retry would not mend: the step ends KO with the code.
PERMANENT = {
    "not_authed",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "no_permission",
    "missing_scope",
    "not_allowed_token_type",
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "restricted_action",
    "no_text",
    "msg_too_long",
    "invalid_blocks",
    "invalid_json",
    "invalid_arguments",
}
MAX_TEXT = 40_000  # Slack's limit on a message's text

SCHEMA = {
    "type": "object",
    "required": ["token", "channel"],
    "properties": {
        "token": secret_property(
            "Bot token",
            "A Slack bot token (xoxb-…) with the chat:write scope: one of the workspace's "
            "credentials. Invite the bot to the channel.",
        ),
        "channel": {
            "type": "string",
            "title": "Channel",
            "minLength": 1,
            "examples": ["#invoices", "C0123456789"],
            "description": "The channel's name (#invoices) or id.",
        },
        "message": {
            "type": "string",
            "title": "Message",
            "maxLength": MAX_TEXT,
            "examples": ["Job {{.job_id}} failed!", "Invoice {{.full_code}} sent"],
            "description": "Slack markdown; {{.field}} for the document's fields and "
            "{{args.name}} for the job's args. By default, the job, the document and the faults.",
        },
    },
}


@provider(
    "slack.send",
    name="Send a Slack message",
    category="Notify",
    summary="Post a message to a Slack channel, such as a failed job's faults.",
    icon="chat",
    config_schema=SCHEMA,
    timeout=30,
)
def send_message(context: StepContext):
    try:
        token = context.secret(context.config.get("token"))
    except CredentialMissing as exc:
        return ko(str(exc), exc.code)
    channel = context.config["channel"]
    text = message_text(context)
    url = f"{settings.SLACK_API_URL}/chat.postMessage"
    body = json.dumps({"channel": channel, "text": text, "unfurl_links": False}).encode()
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json; charset=utf-8",
    }
    try:
        answer = outbound.request("POST", url, data=body, headers=headers)
    except outbound.FAILURES as exc:
        return outbound.failure(exc, "Slack")
    return answered(answer, channel)


def message_text(context: StepContext) -> str:
    template = context.config.get("message") or DEFAULT_MESSAGE
    text = templating.render(template, templating.values(context), context.args)
    return text[:MAX_TEXT]


def answered(answer: outbound.Answer, channel: str):
    """The outcome of Slack's answer: OK with the message's ts, KO or ERR with Slack's code."""
    data = answer.json()
    data = data if isinstance(data, dict) else {}
    if answer.status == 429:
        return err("Slack is rate limiting", "ratelimited", retry_in=outbound.retry_in(answer))
    if answer.status != 200:
        return err(f"Slack answered {answer.status}", f"http-{answer.status}")
    if data.get("ok") is True:
        ts = str(data.get("ts") or "")
        return ok(message=f"Posted to {channel} ({ts})", args={"slack_ts": ts})
    code = str(data.get("error") or "unknown_error")
    if code in PERMANENT:
        return ko(f"Slack refused the message: {code}", code)
    return err(f"Slack could not post the message: {code}", code)
