"""Console pages of jobs: History, the job page and its live fragment, the Run panel, Run again,
Retry, and the live websocket's workspace isolation."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from engine_helpers import entry, run, start, state, step, workflow

from jobs import engine, live
from jobs.models import Intent, IntentEvent, Job, JobStatus
from jobs.routing import websocket_urlpatterns
from jobs.services import create_job
from providers.base import Status

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def flow(workspace):
    return workflow(workspace, [state("processing"), state("completed")], name="Issue invoice")


@pytest.fixture
def document(workspace):
    return entry(workspace)


def make_job(flow, document=None, status=JobStatus.OK, at=T0, **fields) -> Job:
    """A job row as the engine would leave it, without running anything."""
    job = create_job(flow, entry=document, args=fields.pop("args", None) or {"n": "1"})
    completed = at + timedelta(seconds=2) if status in (JobStatus.OK, JobStatus.KO) else None
    Job.objects.filter(pk=job.pk).update(
        status=status, created_at=at, completed_at=completed, **fields
    )
    job.refresh_from_db()
    return job


def history(client, **params):
    response = client.get(reverse("job_list", args=["acme"]), params)
    assert response.status_code == 200
    return response


def listed(response) -> list[str]:
    """The job ids of History's rows, in order."""
    return re.findall(r'data-copy="([0-9a-f-]{36})"', response.content.decode())


def job_url(job, suffix="") -> str:
    return reverse("job_detail", args=[job.workspace.slug, job.id]) + suffix


# --- Access


@pytest.mark.parametrize(
    "name, method, suffix",
    [
        ("job_list", "get", ""),
        ("job_run", "get", "?entry={entry}"),
        ("job_run", "post", ""),
    ],
)
def test_an_outsider_gets_404_on_the_workspace_pages(
    client, outsider, other_workspace, flow, document, name, method, suffix
):
    client.force_login(outsider)
    url = reverse(name, args=["acme"]) + suffix.format(entry=document.id)
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize(
    "suffix, method", [("", "get"), ("run-again/", "post"), ("retry/", "post")]
)
def test_an_outsider_gets_404_for_a_job_even_in_their_own_workspace(
    client, outsider, other_workspace, flow, document, suffix, method
):
    job = make_job(flow, document)
    client.force_login(outsider)
    for slug in ("acme", "other"):
        url = reverse("job_detail", args=[slug, job.id]) + suffix
        assert getattr(client, method)(url).status_code == 404
    assert Job.objects.count() == 1


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(client, workspace):
    response = client.get(reverse("job_list", args=["acme"]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_viewer_sees_history_and_the_job_page_but_no_buttons(client, viewer, flow, document):
    job = make_job(flow, document, status=JobStatus.KO)
    client.force_login(viewer)
    assert listed(history(client)) == [str(job.id)]
    page = client.get(job_url(job)).content.decode()
    assert "Run again" not in page and "Retry from the failed step" not in page


@pytest.mark.parametrize(
    "url",
    [
        lambda job: reverse("job_run", args=["acme"]) + f"?entry={job.silo_entry_id}",
        lambda job: job_url(job, "run-again/"),
        lambda job: job_url(job, "retry/"),
        lambda job: reverse("job_run", args=["acme"]),
    ],
)
def test_a_viewer_may_not_run_or_retry(client, viewer, flow, document, url):
    job = make_job(flow, document, status=JobStatus.KO)
    client.force_login(viewer)
    target = url(job)
    method = client.get if "?" in target else client.post
    assert method(target, {"workflow": flow.id, "entry": document.id}).status_code == 403
    assert Job.objects.count() == 1
    assert Job.objects.get().status == JobStatus.KO


# --- History


def test_history_lists_the_workspaces_jobs_newest_first_with_their_columns(
    client, owner, other_workspace, flow, document
):
    older = make_job(flow, document, at=T0)
    newer = make_job(flow, None, status=JobStatus.KO, at=T0 + timedelta(minutes=5))
    theirs = workflow(other_workspace, [state("x")])
    make_job(theirs, entry(other_workspace))
    client.force_login(owner)
    response = history(client)
    page = response.content.decode()

    assert listed(response) == [str(newer.id), str(older.id)]
    assert "2026-03-10 12:05:00" in page
    assert "Issue invoice" in page and "v1" in page
    assert reverse("entry_detail", args=["acme", document.id]) in page
    assert "args only" in page  # the job without an entry
    assert "2.0 s" in page  # its duration
    assert '<span class="chip red">KO</span>' in page


def test_history_is_a_fragment_for_its_live_refresh_and_keeps_the_filters(client, owner, flow):
    make_job(flow, status=JobStatus.KO)
    client.force_login(owner)
    response = client.get(
        reverse("job_list", args=["acme"]),
        {"status": "KO", "workflow": flow.id},
        HTTP_HX_TARGET="history-results",
        **HX,
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="history-results"')
    assert "<form" not in page and "<html" not in page
    assert 'data-live="workspace"' in page
    assert f"?workflow={flow.id}&amp;status=KO" in page


@pytest.fixture
def filtered(flow, document, workspace):
    """One job of each kind, an hour apart, newest last."""
    other = workflow(workspace, [state("sent")], name="Send")
    jobs = {
        "queued": make_job(flow, document, status=JobStatus.QUEUED, at=T0),
        "reply": make_job(
            flow, document, status=JobStatus.QUEUED, at=T0 - timedelta(hours=1), run_at=T0
        ),
        "run": make_job(flow, document, status=JobStatus.RUN, at=T0 + timedelta(hours=1)),
        "ok": make_job(flow, document, status=JobStatus.OK, at=T0 + timedelta(days=1)),
        "ko": make_job(flow, document, status=JobStatus.KO, at=T0 + timedelta(days=2)),
        "err": make_job(flow, document, status=JobStatus.ERR, at=T0 + timedelta(days=3)),
        "other": make_job(other, document, status=JobStatus.KO, at=T0 + timedelta(days=4)),
    }
    return {name: str(job.id) for name, job in jobs.items()} | {"send": str(other.id)}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, ["other", "err", "ko", "ok", "run", "queued", "reply"]),
        ({"status": "running"}, ["run", "queued", "reply"]),
        ({"status": "reply"}, ["reply"]),
        ({"status": "OK"}, ["ok"]),
        ({"status": "KO"}, ["other", "ko"]),
        ({"status": "waiting"}, ["err"]),
        ({"workflow": "send"}, ["other"]),
        ({"from": "2026-03-11"}, ["other", "err", "ko", "ok"]),
        ({"to": "2026-03-11"}, ["ok", "run", "queued", "reply"]),
        ({"from": "2026-03-11", "to": "2026-03-12"}, ["ko", "ok"]),
        ({"status": "KO", "workflow": "send"}, ["other"]),
        ({"status": "KO", "from": "2026-03-13", "to": "2026-03-13"}, []),
        ({"status": "running", "to": "2026-03-10", "workflow": "flow"}, ["run", "queued", "reply"]),
    ],
)
def test_history_filters(client, owner, flow, filtered, params, expected):
    names = {"send": filtered["send"], "flow": str(flow.id)}
    params = {k: names.get(v, v) if k == "workflow" else v for k, v in params.items()}
    client.force_login(owner)
    assert listed(history(client, **params)) == [filtered[name] for name in expected]


def test_history_finds_a_job_by_its_id_or_its_first_characters(client, owner, flow, filtered):
    client.force_login(owner)
    job = filtered["ko"]
    assert listed(history(client, job=job)) == [job]
    assert listed(history(client, job=job.upper())) == [job]
    prefix = job[:8]
    assert job in listed(history(client, job=prefix))
    assert job in listed(history(client, job=job[:13]))  # with the dash
    others = [j for n, j in filtered.items() if n not in ("send", "ko")]
    assert not set(listed(history(client, job=job[:12]))) & {j for j in others if j[:8] != prefix}


@pytest.mark.parametrize(
    "params, field",
    [({"job": "not-an-id!"}, "job"), ({"from": "10/03/2026"}, "from"), ({"status": "x"}, "")],
)
def test_a_bad_filter_says_what_is_wrong_and_lists_nothing(
    client, owner, flow, filtered, params, field
):
    client.force_login(owner)
    response = history(client, **params)
    assert listed(response) == []
    if field:
        assert 'aria-invalid="true"' in response.content.decode()


def test_history_pages_with_a_cursor_and_the_filters_survive(client, owner, flow, document):
    created = [
        make_job(flow, document, status=JobStatus.KO, at=T0 + timedelta(seconds=i // 3))
        for i in range(120)  # three jobs per second: ties of created_at across the pages
    ]
    make_job(flow, document, status=JobStatus.OK, at=T0 + timedelta(hours=1))
    client.force_login(owner)
    seen, params = [], {"status": "KO"}
    for _ in range(3):
        response = history(client, **params)
        seen += listed(response)
        found = re.search(r'href="\?([^"]*cursor=[^"]*)">Older', response.content.decode())
        if not found:
            break
        params = dict(p.split("=", 1) for p in found.group(1).replace("&amp;", "&").split("&"))
        assert params["status"] == "KO"
        assert 'data-live="workspace"' not in history(client, **params).content.decode()
    assert len(seen) == 120 == len(set(seen))
    newest_first = sorted(created, key=lambda j: (-j.created_at.timestamp(), str(j.id)))
    assert seen == [str(j.id) for j in newest_first]


def test_a_cursor_that_we_did_not_give_out_shows_the_first_page(client, owner, flow):
    job = make_job(flow)
    client.force_login(owner)
    assert listed(history(client, cursor="garbage")) == [str(job.id)]


def test_history_takes_the_same_queries_for_5_or_50_jobs(client, owner, flow, workspace):
    client.force_login(owner)
    for _ in range(5):
        make_job(flow, entry(workspace))
    history(client)  # warm the session
    with CaptureQueriesContext(connection) as few:
        history(client)
    for _ in range(45):
        make_job(flow, entry(workspace))
    with CaptureQueriesContext(connection) as many:
        response = history(client, status="OK", workflow=flow.id)
    assert len(listed(response)) == 50
    assert len(many) == len(few) <= 6, [q["sql"] for q in many.captured_queries]


# --- The job page


@pytest.fixture
def ko_job(workspace):
    steps = [
        step("test.outcome", {"args": {"seen": "yes"}}, name="Check"),
        step("test.outcome", {"status": "KO", "code": "rejected", "message": "agency says no"}),
    ]
    job = start(workspace, steps, rescue=[state("error")], args={"lang": "es"})
    return run(job)


def test_the_job_page_shows_the_job_and_its_trace(client, owner, ko_job):
    client.force_login(owner)
    page = client.get(job_url(ko_job)).content.decode()

    assert '<span class="chip red">KO</span>' in page
    assert ko_job.created_at.strftime("%Y-%m-%d %H:%M:%S") in page
    assert str(ko_job.id) in page
    editor = reverse("workflow_editor", args=["acme", ko_job.workflow_id])
    assert f"{editor}?version=1" in page
    assert reverse("entry_detail", args=["acme", ko_job.silo_entry_id]) in page
    assert "<code>lang</code></dt><dd>es</dd>" in page
    assert "agency says no" in page and "rejected" in page  # the fault, and the event
    names = re.findall(r'<span class="name">([^<]+)', page)
    assert [n.strip() for n in names] == ["Check", "test.outcome", "state error"]
    assert page.count('<span class="tag red">rescue</span>') == 1
    assert 'data-live="job:' in page and "hx-get" in page


def test_a_ko_job_opens_on_the_failed_step_and_offers_retry(client, owner, ko_job):
    client.force_login(owner)
    page = client.get(job_url(ko_job)).content.decode()
    opened = re.findall(r'data-intent="([^"]+)"[^>]*\sopen>', page)
    failed = ko_job.intents.get(provider="test.outcome", name="test.outcome")
    assert opened == [str(failed.id)]
    assert job_url(ko_job, "retry/") in page


def test_the_live_fragment_keeps_open_what_the_browser_had_open(client, owner, ko_job):
    client.force_login(owner)
    first = ko_job.intents.get(name="Check")
    response = client.get(
        job_url(ko_job), {"open": str(first.id)}, HTTP_HX_TARGET=f"job-{ko_job.id}", **HX
    )
    page = response.content.decode()
    assert "<html" not in page and 'class="card job-head"' in page
    failed = ko_job.intents.get(provider="test.outcome", name="test.outcome")
    assert re.findall(r'data-intent="([^"]+)"[^>]*\sopen>', page) == [
        str(first.id),
        str(failed.id),
    ]
    # The failed step opens by itself, also on a live refresh, unless the person closed it.
    live = client.get(job_url(ko_job), {"open": ""}, HTTP_HX_TARGET=f"job-{ko_job.id}", **HX)
    assert re.findall(r'data-intent="([^"]+)"[^>]*\sopen>', live.content.decode()) == [
        str(failed.id)
    ]
    closed = client.get(
        job_url(ko_job),
        {"open": "", "shut": str(failed.id)},
        HTTP_HX_TARGET=f"job-{ko_job.id}",
        **HX,
    )
    assert " open>" not in closed.content.decode() and "data-shut" in closed.content.decode()


def test_a_step_waiting_on_retry_shows_when_it_runs_next(client, owner, workspace):
    job = start(workspace, [step("test.flaky", {"fail": 5})])
    engine.advance(job.id)
    job.refresh_from_db()
    assert job.status == JobStatus.ERR
    client.force_login(owner)
    page = client.get(job_url(job)).content.decode()
    assert "Waiting on retry" in page
    assert f"Next attempt at {job.run_at:%H:%M:%S} UTC" in page
    assert '<span class="muted">waiting</span>' in page


def test_a_running_job_shows_its_open_step_without_a_duration(client, owner, flow, document):
    job = make_job(flow, document, status=JobStatus.RUN)
    intent = Intent.objects.create(job=job, step_id="s", name="Sending", provider="silo.state")
    IntentEvent.objects.create(intent=intent, index=0, status=Status.RUN)
    client.force_login(owner)
    page = client.get(job_url(job)).content.decode()
    assert "Running" in page and "so far" in page
    assert '<span class="muted">…</span>' in page
    assert "Retry from the failed step" not in page


def test_the_job_page_takes_the_same_queries_for_2_or_10_steps(client, owner, workspace):
    client.force_login(owner)
    short = run(start(workspace, [state("a"), state("b")]))
    long = run(start(workspace, [state("processing") for _ in range(10)]))
    client.get(job_url(short))
    client.get(job_url(long))
    with CaptureQueriesContext(connection) as few:
        client.get(job_url(short))
    with CaptureQueriesContext(connection) as many:
        client.get(job_url(long))
    assert len(many) == len(few) <= 7, [q["sql"] for q in many.captured_queries]


# --- Run again and Retry


def test_run_again_starts_a_new_job_on_the_latest_version(client, teammate, workspace):
    job = run(start(workspace, [state("processing")], args={"lang": "es"}))
    job.workflow.save_draft({**job.workflow.definition(), "name": "Renamed"})
    job.workflow.publish()
    client.force_login(teammate)

    page = client.get(job_url(job)).content.decode()
    assert "Latest version (v2)" in page and "This job's version (v1)" in page
    response = client.post(job_url(job, "run-again/"), {"version": "latest"})

    new = Job.objects.exclude(pk=job.pk).get()
    assert response["Location"] == job_url(new)
    assert (new.workflow_version.number, new.silo_entry, new.args) == (2, job.silo_entry, job.args)


def test_run_again_can_keep_the_original_version(client, owner, workspace):
    job = run(start(workspace, [state("processing")]))
    job.workflow.save_draft({**job.workflow.definition(), "name": "Renamed"})
    job.workflow.publish()
    client.force_login(owner)
    client.post(job_url(job, "run-again/"), {"version": "original"})
    assert Job.objects.exclude(pk=job.pk).get().workflow_version.number == 1


def test_run_again_of_a_disabled_workflow_says_why(client, owner, flow, document):
    job = make_job(flow, document)
    flow.disabled = True
    flow.save()
    client.force_login(owner)
    response = client.post(job_url(job, "run-again/"))
    assert response.status_code == 409
    assert "The workflow is disabled" in response.content.decode().replace(
        "the workflow", "The workflow"
    )
    assert Job.objects.count() == 1


def test_retry_puts_a_ko_job_back_in_the_queue(client, teammate, ko_job):
    client.force_login(teammate)
    response = client.post(job_url(ko_job, "retry/"))
    assert response["Location"] == job_url(ko_job)
    ko_job.refresh_from_db()
    assert ko_job.status == JobStatus.QUEUED
    assert ko_job.cursor == [["/steps", 1, False]]


def test_retry_of_a_job_that_did_not_fail_says_why(client, owner, flow, document):
    job = make_job(flow, document, status=JobStatus.OK)
    client.force_login(owner)
    response = client.post(job_url(job, "retry/"))
    assert response.status_code == 409
    assert "Only a KO job" in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.OK


def test_run_again_and_retry_take_posts_only(client, owner, ko_job):
    client.force_login(owner)
    assert client.get(job_url(ko_job, "retry/")).status_code == 405
    assert client.get(job_url(ko_job, "run-again/")).status_code == 405


# --- The Run panel


def run_url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("job_run", args=["acme"]) + (f"?{query}" if query else "")


def test_the_panel_of_an_entry_offers_the_published_enabled_workflows_for_its_type(
    client, owner, workspace, other_workspace, document
):
    invoices = workflow(workspace, [state("a")], name="For invoices")
    anything = workflow(workspace, [state("a")], name="For anything", schema="")
    workflow(workspace, [state("a")], name="For parties", schema="org/party")
    disabled = workflow(workspace, [state("a")], name="Disabled one")
    disabled.disabled = True
    disabled.save()
    draft = workflow(workspace, [state("a")], name="Never published")
    type(draft).objects.filter(pk=draft.pk).update(version=0)
    workflow(other_workspace, [state("a")], name="Someone else's")
    client.force_login(owner)

    response = client.get(run_url(entry=document.id), **HX)

    page = response.content.decode()
    assert page.lstrip().startswith("{% load") is False
    assert 'id="run-drawer"' in page and "<html" not in page
    offered = re.findall(r'<option value="([^"]+)"', page)
    assert offered == [str(anything.id), str(invoices.id)]
    assert f'name="entry" value="{document.id}"' in page


def test_the_panel_of_a_workflow_offers_recent_documents_of_its_type_and_none(
    client, owner, workspace, flow
):
    mine = entry(workspace)
    party = entry(workspace, {"doc": {"$schema": "https://gobl.org/draft-0/org/party"}})
    client.force_login(owner)
    page = client.get(run_url(workflow=flow.id), **HX).content.decode()
    choices = re.findall(r'name="entry" value="([^"]*)"', page)
    assert choices == ["", str(mine.id)]
    assert str(party.id) not in page


def test_the_document_filter_refreshes_only_the_list(client, owner, workspace, flow):
    sample = entry(workspace)
    other_customer = {**sample.data, "doc": {**sample.data["doc"], "customer": {"name": "Zeta"}}}
    zeta = entry(workspace, other_customer)
    client.force_login(owner)
    response = client.get(run_url(workflow=flow.id, q="zet"), HTTP_HX_TARGET="run-entries", **HX)
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="run-entries"')
    assert re.findall(r'name="entry" value="([^"]*)"', page) == ["", str(zeta.id)]


def test_the_panel_is_a_page_of_its_own_without_htmx(client, owner, document):
    client.force_login(owner)
    page = client.get(run_url(entry=document.id)).content.decode()
    assert "<html" in page and "run-drawer page" in page


def test_the_panel_of_another_workspaces_entry_is_a_404(client, owner, other_workspace):
    theirs = entry(other_workspace)
    client.force_login(owner)
    assert client.get(run_url(entry=theirs.id), **HX).status_code == 404
    assert client.get(run_url(), **HX).status_code == 404


def test_running_from_the_panel_creates_the_job_and_opens_its_page(
    client, teammate, flow, document
):
    client.force_login(teammate)
    data = {
        "mode": "entry",
        "entry": document.id,
        "workflow": flow.id,
        "arg_key": ["lang", "", "copies"],
        "arg_value": ["es", "", "2"],
    }
    response = client.post(run_url(), data, **HX)

    job = Job.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == job_url(job)
    assert (job.workflow, job.silo_entry, job.args) == (
        flow,
        document,
        {"lang": "es", "copies": "2"},
    )
    assert job.workflow_version.number == 1


def test_without_htmx_running_redirects(client, owner, flow):
    client.force_login(owner)
    data = {"mode": "workflow", "workflow": flow.id, "entry": "", "arg_key": "a", "arg_value": "1"}
    response = client.post(run_url(), data)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job_url(job)
    assert job.silo_entry is None and job.args == {"a": "1"}


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"mode": "workflow", "entry": ""}, "entry", "A job needs a silo entry or args."),
        ({"mode": "workflow", "entry": str(uuid.uuid4())}, "entry", "No such document."),
        ({"arg_key": ["", "a", "a"], "arg_value": ["x", "1", "2"]}, "args", "needs a name"),
        ({"workflow": ""}, "workflow", "Choose a workflow."),
        ({"party": True}, "workflow", "This workflow runs on party documents."),
        ({"unpublished": True}, "workflow", "The workflow has no published version."),
    ],
)
def test_a_job_that_cannot_run_shows_the_form_again_with_the_error_by_its_field(
    client, owner, workspace, flow, document, data, field, message
):
    data = {"mode": "entry", "entry": document.id, "workflow": flow.id, **data}
    if data.pop("party", False):
        data["workflow"] = workflow(workspace, [state("a")], schema="org/party").id
    if data.pop("unpublished", False):
        data["workflow"] = workflow(workspace, [state("a")]).id
        flow.versions.model.objects.filter(workflow_id=data["workflow"]).delete()
    client.force_login(owner)

    response = client.post(run_url(), data, **HX)

    assert response.status_code == 200 and "HX-Redirect" not in response
    page = response.content.decode().replace("&#x27;", "'")
    fields = ["entry", "workflow", "args"]
    errors = re.findall(r'<p class="field-error">([^<]+)</p>', page)
    assert len(errors) == 1 and message in errors[0]
    assert field in fields
    assert Job.objects.count() == 0
    plain = client.post(run_url(), data)
    assert plain.status_code == 422 and message in plain.content.decode().replace("&#x27;", "'")


# --- The live websocket: one workspace never hears another's jobs


def listen(user, path, publish, quiet: float = 0.5):
    """Connect, call publish() once subscribed, and collect what arrives until it is quiet."""

    async def scenario():
        communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
        communicator.scope["user"] = user
        accepted, _ = await communicator.connect(timeout=5)
        assert accepted  # a refusal is a close after the accept, with its code
        first = await communicator.receive_output(timeout=5)  # hello, or the close
        if first["type"] == "websocket.close":
            return first["code"], []
        await sync_to_thread(publish)
        received = []
        while not await communicator.receive_nothing(timeout=quiet):
            received.append(await communicator.receive_json_from())
        await communicator.disconnect()
        return None, received

    return async_to_sync(scenario)()


async def sync_to_thread(call):
    from asgiref.sync import sync_to_async

    await sync_to_async(call, thread_sensitive=False)()


@pytest.mark.parametrize("slug", ["other", "acme"])
def test_an_outsiders_socket_for_another_workspaces_job_is_closed_with_4404(
    outsider, other_workspace, flow, document, slug
):
    job = make_job(flow, document)
    code, _ = listen(outsider, f"/ws/{slug}/?job={job.id}", lambda: None)
    assert code == 4404


def test_a_member_can_watch_one_of_their_jobs(owner, flow, document):
    job = make_job(flow, document)
    code, received = listen(owner, f"/ws/acme/?job={job.id}", lambda: publish(job))
    assert code is None
    assert [m["job"]["id"] for m in received] == [str(job.id)]


def test_an_upper_case_job_id_hears_its_jobs_events(owner, flow, document):
    job = make_job(flow, document)
    path = f"/ws/acme/?job={str(job.id).upper()}"
    code, received = listen(owner, path, lambda: publish(job))
    assert code is None
    assert [m["job"]["id"] for m in received] == [str(job.id)]


@pytest.mark.parametrize("topic", ["", "?entry={entry}", "?job={job}"])
def test_a_member_never_hears_another_workspaces_jobs(
    owner, other_workspace, flow, document, topic
):
    ours = make_job(flow, document)
    theirs = make_job(workflow(other_workspace, [state("processing")]), entry(other_workspace))

    def both():
        publish(theirs)  # sent first: had it leaked, it would arrive first
        publish(ours)

    path = "/ws/acme/" + topic.format(entry=document.id, job=ours.id)
    _, received = listen(owner, path, both)
    assert [m["job"]["id"] for m in received] == [str(ours.id)]


def test_the_other_workspace_hears_only_its_own(owner, outsider, other_workspace, flow, document):
    ours = make_job(flow, document)
    theirs = make_job(workflow(other_workspace, [state("processing")]), entry(other_workspace))
    _, received = listen(outsider, "/ws/other/", lambda: (publish(ours), publish(theirs)))
    assert [m["job"]["id"] for m in received] == [str(theirs.id)]


def publish(job):
    live.publish_job(job)
    live.flush()


# --- Every step of the workflow, conditions, and the time a job ran (issue 18)


def test_the_trace_lists_the_steps_that_have_not_run_yet(client, owner, workspace):
    steps = [state("processing"), state("sent"), state("completed")]
    flow = workflow(workspace, steps)
    job = make_job(flow, entry(workspace), status=JobStatus.RUN)
    intent = Intent.objects.create(
        job=job, step_id=steps[0]["id"], name="state processing", provider="silo.state"
    )
    IntentEvent.objects.create(intent=intent, index=0, status=Status.RUN)
    client.force_login(owner)
    page = client.get(job_url(job)).content.decode()
    assert "1 step run · 2 pending" in page
    pending = re.findall(r'class="step pending" data-step="([^"]+)"', page)
    assert pending == [steps[1]["id"], steps[2]["id"]]


def test_a_step_that_ran_inside_a_condition_says_which(client, owner, workspace):
    park = state("review")
    check = step("test.outcome", {"status": "KO", "code": "4102"}, name="Check")
    check["next"] = [{"status": "KO", "steps": [park], "stop": True}]
    job = run(start(workspace, [check, state("sent")]))
    client.force_login(owner)
    page = client.get(job_url(job)).content.decode()
    assert '<span class="name">state review <span class="tag cond">If KO</span>' in page
    assert page.count('class="tag cond"') == 1
    assert "1 not run" in page, "the step after the stop never ran"


def test_a_retried_jobs_duration_leaves_out_the_time_it_sat_failed(client, teammate, ko_job):
    hour = timedelta(hours=1)
    Job.objects.filter(pk=ko_job.pk).update(
        created_at=ko_job.created_at - hour, completed_at=ko_job.completed_at - hour
    )
    for intent in ko_job.intents.all():
        Intent.objects.filter(pk=intent.pk).update(created_at=intent.created_at - hour)
        for event in intent.events.all():
            IntentEvent.objects.filter(pk=event.pk).update(at=event.at - hour)
    client.force_login(teammate)
    client.post(job_url(ko_job, "retry/"))
    run(Job.objects.get(pk=ko_job.pk))
    page = client.get(job_url(ko_job)).content.decode()
    shown = re.search(r"<dt>Duration</dt><dd[^>]*>([^<]+)<", page).group(1).strip()
    assert shown.endswith(("ms", " s")) and "min" not in shown and " h " not in shown, shown
