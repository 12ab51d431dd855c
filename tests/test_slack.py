"""slack.send against the Slack Web API simulator (providers/slack/sandbox.py), on a free port,
through the real engine: what reaches Slack, and how each of Slack's answers ends the step."""

import threading

import pytest
import requests
from engine_helpers import run, start, step, trace

from jobs.models import JobStatus
from providers import simulators
from providers.models import Credential, CredentialKind
from providers.slack import sandbox

pytestmark = pytest.mark.django_db
TOKEN = "xoxb-1111-2222-simulated"


@pytest.fixture
def slack(settings):
    """(server, base URL) of the simulator serving in a thread, the provider pointed at it."""
    server = sandbox.make_server(0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    settings.SLACK_API_URL = base + sandbox.API_PATH
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    try:
        yield server, base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def bot(workspace):
    found = Credential(workspace=workspace, name="slack-bot", kind=CredentialKind.BEARER)
    found.secret = TOKEN
    found.save()
    return found


def send(channel="#invoices", **config) -> dict:
    return step("slack.send", {"token": {"credential": "slack-bot"}, "channel": channel, **config})


def script(base: str, *answers: dict) -> None:
    requests.post(f"{base}/sandbox/script", json=list(answers), timeout=5).raise_for_status()


def outcome(job):
    intent = job.intents.get()
    return intent.events.order_by("index").last()


def test_it_posts_the_rendered_message_with_the_bot_token(workspace, slack, bot):
    server, _ = slack
    job = run(
        start(
            workspace,
            [send(message="Invoice {{.full_code}} for {{args.team}}")],
            args={"team": "ops"},
        )
    )

    assert job.status == JobStatus.OK
    [posted] = server.workspace.messages
    assert posted["token"] == TOKEN
    assert posted["channel"] == "C0000000002"  # #invoices
    assert posted["text"].startswith("Invoice ") and posted["text"].endswith(" for ops")
    assert "{{" not in posted["text"]
    assert outcome(job).message == f"Posted to #invoices ({posted['ts']})"


def test_by_default_it_says_which_job_failed_and_why(workspace, slack, bot):
    server, _ = slack
    failing = step("test.outcome", {"status": "KO", "code": "4102", "message": "Falta campo"})
    job = run(start(workspace, [failing], rescue=[send()]))

    assert job.status == JobStatus.KO
    [posted] = server.workspace.messages
    assert str(job.id) in posted["text"]
    assert "test.outcome 4102: Falta campo" in posted["text"]


@pytest.mark.parametrize(
    ("channel", "code"),
    [
        ("#nowhere", "channel_not_found"),
        ("#random", "not_in_channel"),  # the bot was never invited
        ("#old-news", "is_archived"),
    ],
)
def test_a_channel_slack_refuses_is_a_ko_with_slacks_code(workspace, slack, bot, channel, code):
    job = run(start(workspace, [send(channel)]))

    assert job.status == JobStatus.KO
    assert (outcome(job).status, outcome(job).code) == ("KO", code)
    assert slack[0].workspace.messages == []


def test_a_token_slack_does_not_know_is_a_ko(workspace, slack, bot):
    bot.secret = sandbox.REVOKED_TOKEN
    bot.save()

    job = run(start(workspace, [send()]))

    assert (job.status, outcome(job).code) == (JobStatus.KO, "invalid_auth")


def test_a_credential_that_is_not_there_is_a_ko_naming_it(workspace, slack):
    job = run(start(workspace, [send()]))

    assert job.status == JobStatus.KO
    assert "slack-bot" in outcome(job).message


def test_a_rate_limit_is_retried_after_slacks_retry_after(workspace, slack, bot):
    server, base = slack
    script(base, {"status": 429, "retry_after": 7})

    job = run(start(workspace, [send()]), passes=1)

    err = outcome(job)
    assert (err.status, err.code) == ("ERR", "ratelimited")
    assert 6 <= (job.run_at - err.at).total_seconds() <= 8
    job = run(job)
    assert job.status == JobStatus.OK
    assert trace(job) == [("slack.send", ["RUN", "ERR", "RUN", "OK"])]
    assert len(server.workspace.messages) == 1


@pytest.mark.parametrize("answer", [{"status": 500}, {"error": "internal_error"}])
def test_slacks_own_failures_are_retried(workspace, slack, bot, answer):
    script(slack[1], answer)

    job = run(start(workspace, [send()]))

    assert job.status == JobStatus.OK
    assert trace(job) == [("slack.send", ["RUN", "ERR", "RUN", "OK"])]


def test_the_config_needs_a_token_and_a_channel(workspace):
    from workflows.definition import validate

    problems = validate({"name": "x", "steps": [{"id": "a", "provider": "slack.send"}]})

    found = {(p.path, p.message) for p in problems}
    assert found >= {
        ("/steps/0/config/token", "Bot token is required"),
        ("/steps/0/config/channel", "Channel is required"),
    }


def test_an_inline_token_cannot_be_published(workspace):
    from workflows.definition import errors, validate

    config = {"token": TOKEN, "channel": "#invoices"}
    problems = errors(validate({"name": "x", "steps": [step("slack.send", config)]}))

    assert [p.path for p in problems] == ["/steps/0/config/token"]


# --- The simulator itself, as Slack answers


@pytest.mark.parametrize(
    ("headers", "body", "error"),
    [
        ({}, {"channel": "#general", "text": "hi"}, "not_authed"),
        (
            {"Authorization": "Bearer xoxp-user"},
            {"channel": "#general", "text": "hi"},
            "invalid_auth",
        ),
        ({"Authorization": f"Bearer {TOKEN}"}, {"channel": "#general"}, "no_text"),
        (
            {"Authorization": f"Bearer {TOKEN}"},
            {"channel": "#general", "text": "x" * 40_001},
            "msg_too_long",
        ),
    ],
)
def test_the_simulator_refuses_as_slack_does(slack, headers, body, error):
    answer = requests.post(
        f"{slack[1]}/api/chat.postMessage", json=body, headers=headers, timeout=5
    )

    assert answer.status_code == 200
    assert answer.json() == {"ok": False, "error": error}


def test_the_simulator_takes_a_form_body_with_the_token_in_it(slack):
    form = {"token": TOKEN, "channel": "C0000000001", "text": "hello"}
    answer = requests.post(f"{slack[1]}/api/chat.postMessage", data=form, timeout=5).json()

    assert answer["ok"] is True and answer["channel"] == "C0000000001" and answer["ts"]


def test_make_run_starts_the_simulator_and_points_the_workers_at_it():
    found = simulators.get("slack")

    assert found is not None and found.setting == "SLACK_API_URL"
    assert found.endpoint(8791) == "http://127.0.0.1:8791/api"
