"""The transform API's jobs: create (POST, PUT, idempotency), fetch, list, wait and poke."""

import base64
import time
import uuid
from datetime import timedelta

import pytest
import redis
import requests
from conftest import running_stack
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from engine_helpers import INVOICE, entry, run, state, step, workflow

from invopop_console.accounts.models import ApiToken
from jobs import api_views
from jobs.models import Intent, IntentEvent, Job
from jobs.services import create_job
from providers.base import Status
from silo.models import SiloEntry, SiloFile
from workflows.models import Workflow

pytestmark = pytest.mark.django_db

JOBS = "/transform/v1/jobs"
POKE = "/transform/v1/jobs/intents"
ENVELOPE = "https://gobl.org/draft-0/envelope"


@pytest.fixture
def flow(workspace):
    return workflow(workspace, [state("done")])


@pytest.fixture
def stored(workspace):
    return entry(workspace)


def post(client, body, path=JOBS, **params):
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return client.post(f"{path}?{query}" if query else path, body, format="json")


def put(client, job_id, body, **params):
    query = "&".join(f"{name}={value}" for name, value in params.items())
    url = f"{JOBS}/{job_id}" + (f"?{query}" if query else "")
    return client.put(url, body, format="json")


def job_body(flow, **fields):
    return {"workflow_id": str(flow.id), **fields}


def assert_invalid(response, field):
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["key"] == "invalid"
    assert field in body["fields"], body


def waiting_job(workspace, **fields) -> Job:
    """A job whose test.wait step waits (QUEUED) for a poke."""
    waits = workflow(workspace, [step("test.wait", {"ref": "agency-1"}, name="wait")])
    job = run(create_job(waits, entry=entry(workspace), **fields), passes=1)
    assert job.status == "QUEUED"
    return job


# --- Creating jobs


def test_a_job_on_a_silo_entry_is_accepted(api, flow, stored):
    response = post(api, job_body(flow, silo_entry_id=str(stored.id), tags=["api"]))
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["workflow_id"] == str(flow.id)
    assert job["silo_entry_id"] == str(stored.id)
    assert (job["status"], job["args"], job["tags"], job["faults"]) == ("QUEUED", {}, ["api"], [])
    assert (job["intents"], job["attachments"], job["completed_at"]) == ([], [], None)
    assert job["envelope"] == INVOICE
    assert job["created_at"].endswith("Z") and job["updated_at"].endswith("Z")
    assert Job.objects.get(pk=job["id"]).silo_entry == stored


def test_a_job_on_an_envelope_stores_it_as_a_new_entry(api, flow, workspace):
    response = post(api, job_body(flow, data=INVOICE, key="inv-1"))
    assert response.status_code == 202, response.content
    new = SiloEntry.objects.get(pk=response.json()["silo_entry_id"])
    assert (new.workspace, new.data, new.version) == (workspace, INVOICE, 1)
    assert new.versions.get().data == INVOICE
    assert response.json()["envelope"] == INVOICE
    assert response.json()["key"] == "inv-1"


def test_a_bare_document_is_wrapped_in_a_new_envelope(api, flow):
    response = post(api, job_body(flow, data=INVOICE["doc"]))
    assert response.status_code == 202, response.content
    stored = SiloEntry.objects.get(pk=response.json()["silo_entry_id"])
    assert stored.data["$schema"] == ENVELOPE
    assert stored.data["doc"] == INVOICE["doc"]
    assert uuid.UUID(stored.data["head"]["uuid"]).version == 4
    assert stored.doc_type == "bill/invoice"


def test_a_job_on_args_alone_has_no_entry(api, flow):
    response = post(api, job_body(flow, args={"channel": "email"}))
    assert response.status_code == 202, response.content
    job = response.json()
    assert (job["silo_entry_id"], job["envelope"], job["args"]) == (
        None,
        None,
        {"channel": "email"},
    )


def test_unknown_fields_are_ignored(api, flow, stored):
    body = job_body(flow, silo_entry_id=str(stored.id), colour="blue", id="mine")
    assert post(api, body).status_code == 202


NUL_DOC = {**INVOICE, "doc": {**INVOICE["doc"], "code": "A\x00"}}
LONG_SCHEMA = "https://gobl.org/" + "x" * 190
BAD_DOC_SCHEMA = {"$schema": ENVELOPE, "doc": {"$schema": 1}}
BAD_FIELDS = [
    ({"workflow_id": None}, "/workflow_id"),
    ({"workflow_id": 12}, "/workflow_id"),
    ({"workflow_id": "not-a-uuid"}, "/workflow_id"),
    ({"workflow_id": str(uuid.uuid4())}, "/workflow_id"),
    ({"silo_entry_id": 5}, "/silo_entry_id"),
    ({"silo_entry_id": "nope"}, "/silo_entry_id"),
    ({"silo_entry_id": str(uuid.uuid4())}, "/silo_entry_id"),
    ({"silo_entry_id": None, "args": {}}, "/silo_entry_id"),
    ({"silo_entry_id": "ENTRY", "data": INVOICE}, "/data"),
    ({"silo_entry_id": None, "data": "text"}, "/data"),
    ({"silo_entry_id": None, "data": [INVOICE]}, "/data"),
    ({"silo_entry_id": None, "data": {"doc": {}}}, "/data/$schema"),
    ({"silo_entry_id": None, "data": {"$schema": 7}}, "/data/$schema"),
    ({"silo_entry_id": None, "data": {"$schema": "https://example.com/x"}}, "/data/$schema"),
    ({"silo_entry_id": None, "data": {"$schema": LONG_SCHEMA}}, "/data/$schema"),
    ({"silo_entry_id": None, "data": {"$schema": ENVELOPE, "doc": "x"}}, "/data/doc"),
    ({"silo_entry_id": None, "data": BAD_DOC_SCHEMA}, "/data/doc/$schema"),
    ({"args": ["a"]}, "/args"),
    ({"args": {"count": 1}}, "/args/count"),
    ({"args": {"a/b": True}}, "/args/a~1b"),
    ({"key": 5}, "/key"),
    ({"key": "k" * 256}, "/key"),
    ({"tags": "urgent"}, "/tags"),
    ({"tags": ["urgent", 2]}, "/tags/1"),
    ({"key": "inv\x00"}, "/key"),
    ({"args": {"a": "b\x00"}}, "/args/a"),
    ({"tags": ["\x00"]}, "/tags/0"),
    ({"silo_entry_id": None, "data": NUL_DOC}, "/data/doc/code"),
]


@pytest.mark.parametrize(("fields", "field"), BAD_FIELDS)
def test_every_bad_field_is_a_422_naming_it(api, flow, stored, fields, field):
    body = {**job_body(flow, silo_entry_id=str(stored.id)), **fields}
    body = {name: value for name, value in body.items() if value is not None}
    if body.get("silo_entry_id") == "ENTRY":
        body["silo_entry_id"] = str(stored.id)
    assert_invalid(post(api, body), field)
    assert_invalid(put(api, uuid.uuid4(), body), field)
    assert not Job.objects.exists()


def test_a_missing_workflow_id_is_a_422(api, stored):
    assert_invalid(post(api, {"silo_entry_id": str(stored.id)}), "/workflow_id")


@pytest.mark.parametrize("body", [[], ["workflow_id"], "a job", 42, True])
def test_a_body_that_is_not_an_object_is_a_422(api, body):
    response = post(api, body)
    assert_invalid(response, "/")
    assert response.json()["fields"] == {"/": "the body must be a JSON object"}


def test_malformed_json_is_a_400(api):
    response = api.post(JOBS, data='{"workflow_id": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["key"] == "invalid-json"


def test_another_workspaces_workflow_or_entry_is_an_unknown_one(api, other_workspace):
    theirs = workflow(other_workspace, [state("done")])
    their_entry = entry(other_workspace)
    response = post(api, {"workflow_id": str(theirs.id), "silo_entry_id": str(their_entry.id)})
    assert_invalid(response, "/workflow_id")
    assert response.json()["fields"] == {
        "/workflow_id": "no such workflow",
        "/silo_entry_id": "no such silo entry",
    }


def test_a_workflow_without_a_published_version_is_a_422(api, workspace, stored):
    draft = Workflow.objects.create(workspace=workspace, name="Draft")
    response = post(api, {"workflow_id": str(draft.id), "silo_entry_id": str(stored.id)})
    assert_invalid(response, "/workflow_id")
    assert "published" in response.json()["fields"]["/workflow_id"]


def test_a_disabled_workflow_is_a_422(api, flow, stored):
    Workflow.objects.filter(pk=flow.pk).update(disabled=True)
    assert_invalid(post(api, job_body(flow, silo_entry_id=str(stored.id))), "/workflow_id")


def test_a_data_job_that_fails_leaves_no_entry_behind(api, workspace):
    draft = Workflow.objects.create(workspace=workspace, name="Draft")
    assert_invalid(post(api, {"workflow_id": str(draft.id), "data": INVOICE}), "/workflow_id")
    assert not SiloEntry.objects.exists()


# --- Idempotency: PUT with the client's id, and keys


def test_put_creates_the_job_with_the_clients_id(api, flow, stored):
    job_id = uuid.uuid4()
    response = put(api, job_id, job_body(flow, silo_entry_id=str(stored.id)))
    assert response.status_code == 202, response.content
    assert response.json()["id"] == str(job_id)
    assert "Idempotent-Replayed" not in response.headers
    assert Job.objects.get().pk == job_id


def test_put_again_with_the_same_request_returns_the_same_job(api, flow):
    job_id = uuid.uuid4()
    first = put(api, job_id, job_body(flow, data=INVOICE["doc"], tags=[]))
    again = put(api, job_id, job_body(flow, data=INVOICE["doc"], args={}))
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["id"] == first.json()["id"] == str(job_id)
    assert again.json()["silo_entry_id"] == first.json()["silo_entry_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (Job.objects.count(), SiloEntry.objects.count()) == (1, 1)


def test_put_again_with_an_envelope_without_a_uuid_returns_the_same_job(api, flow):
    headless = {key: value for key, value in INVOICE.items() if key != "head"}
    job_id = uuid.uuid4()
    first = put(api, job_id, job_body(flow, data=headless))
    again = put(api, job_id, job_body(flow, data=headless))
    assert (first.status_code, again.status_code) == (202, 202)
    assert uuid.UUID(first.json()["envelope"]["head"]["uuid"])
    assert (Job.objects.count(), SiloEntry.objects.count()) == (1, 1)


def test_put_again_with_a_different_request_is_a_409(api, flow, stored):
    job_id = uuid.uuid4()
    put(api, job_id, job_body(flow, silo_entry_id=str(stored.id), args={"a": "1"}))
    response = put(api, job_id, job_body(flow, silo_entry_id=str(stored.id), args={"a": "2"}))
    assert response.status_code == 409
    assert response.json()["key"] == "conflict"
    assert response.json()["fields"] == {"/args": "differs from the existing job's"}
    another = {**INVOICE, "doc": {**INVOICE["doc"], "code": "OTHER"}}
    data = put(api, job_id, job_body(flow, data=another))
    assert data.status_code == 409
    assert set(data.json()["fields"]) == {"/data", "/args"}
    assert Job.objects.count() == 1


def test_put_with_the_key_of_another_job_is_a_409(api, flow, stored):
    body = job_body(flow, silo_entry_id=str(stored.id), key="inv-1")
    assert post(api, body).status_code == 202
    response = put(api, uuid.uuid4(), body)
    assert response.status_code == 409
    assert "/key" in response.json()["fields"]


def test_a_used_key_with_the_same_request_returns_the_original_job(api, flow, stored):
    body = job_body(flow, silo_entry_id=str(stored.id), key="inv-1", tags=["a"])
    first = post(api, body)
    again = post(api, body)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Job.objects.count() == 1


def test_a_used_key_with_the_same_data_creates_no_second_entry(api, flow):
    body = job_body(flow, data=INVOICE, key="inv-1")
    assert post(api, body).json()["id"] == post(api, body).json()["id"]
    assert SiloEntry.objects.count() == 1


def test_a_used_key_with_a_different_request_is_a_409(api, flow, stored):
    post(api, job_body(flow, silo_entry_id=str(stored.id), key="inv-1"))
    response = post(api, job_body(flow, silo_entry_id=str(stored.id), key="inv-1", tags=["x"]))
    assert response.status_code == 409
    assert response.json()["fields"] == {"/tags": "differs from the existing job's"}
    other_entry = entry(stored.workspace)
    response = post(api, job_body(flow, silo_entry_id=str(other_entry.id), key="inv-1"))
    assert response.json()["fields"] == {"/silo_entry_id": "differs from the existing job's"}


def test_the_same_key_in_another_workspace_is_another_job(api, other_api, flow, other_workspace):
    theirs = workflow(other_workspace, [state("done")])
    mine = post(api, job_body(flow, args={"a": "1"}, key="inv-1"))
    other = post(other_api, {"workflow_id": str(theirs.id), "args": {"a": "1"}, "key": "inv-1"})
    assert (mine.status_code, other.status_code) == (202, 202)
    assert mine.json()["id"] != other.json()["id"]


# --- Fetching jobs


def test_get_a_job_by_id_and_by_key(api, flow, stored):
    created = post(api, job_body(flow, silo_entry_id=str(stored.id), key="inv/2026-1")).json()
    by_id = api.get(f"{JOBS}/{created['id']}")
    by_key = api.get(f"{JOBS}/key/inv/2026-1")
    assert (by_id.status_code, by_key.status_code) == (200, 200)
    assert by_id.json() == by_key.json()
    assert by_id.json()["id"] == created["id"]


def test_unknown_jobs_and_keys_are_404(api):
    urls = (f"{JOBS}/{uuid.uuid4()}", f"{JOBS}/key/nope", f"{JOBS}/key/a%00b", f"{JOBS}/nope")
    for url in urls:
        response = api.get(url)
        assert response.status_code == 404, url
        assert response.json()["key"] == "not-found"
    assert api.put(f"{JOBS}/not-a-uuid", {}, format="json").status_code == 404


def test_the_job_json_has_intents_events_and_the_attachments_of_jobs(api, workspace, flow):
    job = run(create_job(flow, entry=entry(workspace)))
    SiloFile.objects.create(
        entry=job.silo_entry, name="invoice.pdf", key="pdf", category="format", desc="PDF",
        mime="application/pdf", size=3, sha256="ab" * 32, file="x/invoice.pdf", job_id=job.id,
    )  # fmt: skip
    SiloFile.objects.create(entry=job.silo_entry, name="notes.txt", sha256="cd" * 32, file="x/n")
    body = api.get(f"{JOBS}/{job.id}").json()
    assert body["status"] == "OK" and body["completed_at"].endswith("Z")
    [intent] = body["intents"]
    assert (intent["name"], intent["provider"], intent["completed"]) == (
        "state done",
        "silo.state",
        True,
    )
    assert [(e["index"], e["status"]) for e in intent["events"]] == [(0, "RUN"), (1, "OK")]
    assert set(intent["events"][0]) == {"index", "status", "code", "message", "args", "at"}
    [attachment] = body["attachments"]
    file_id = SiloFile.objects.get(name="invoice.pdf").id
    assert attachment == {
        "id": str(file_id),
        "key": "pdf",
        "category": "format",
        "name": "invoice.pdf",
        "desc": "PDF",
        "mime": "application/pdf",
        "size": 3,
        "hash": "ab" * 32,
        "url": f"http://testserver/silo/v1/entries/{job.silo_entry_id}/files/{file_id}",
    }


# --- Another workspace, and no token


def test_another_workspaces_job_is_not_found_on_every_path(api, other_api, workspace):
    job = waiting_job(workspace, key="inv-1")
    intent = job.intents.get()
    body = {"workflow_id": str(job.workflow_id), "silo_entry_id": str(job.silo_entry_id)}
    responses = [
        other_api.get(f"{JOBS}/{job.id}"),
        other_api.get(f"{JOBS}/{job.id}?wait=1"),
        other_api.put(f"{JOBS}/{job.id}", body, format="json"),
        other_api.get(f"{JOBS}/key/inv-1"),
        post(other_api, {"id": str(intent.id), "status": "POKE"}, path=POKE),
        post(other_api, {"job_id": str(job.id), "ref": "agency-1"}, path=POKE),
    ]
    assert [r.status_code for r in responses] == [404] * 6
    assert other_api.get(JOBS).json()["list"] == []
    assert api.get(f"{JOBS}/{job.id}").status_code == 200
    assert intent.events.count() == 2  # not poked


def test_the_api_needs_a_valid_token(client, flow):
    from rest_framework.test import APIClient

    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    for caller in (APIClient(), stranger):
        for response in (
            caller.get(JOBS),
            caller.get(f"{JOBS}/{uuid.uuid4()}"),
            caller.get(f"{JOBS}/key/k"),
            caller.post(JOBS, job_body(flow, args={"a": "b"}), format="json"),
            caller.post(POKE, {"id": str(uuid.uuid4())}, format="json"),
        ):
            assert response.status_code == 401
            assert response.json()["key"] == "unauthorized"
    assert not Job.objects.exists()


# --- ?wait=N (a real cluster below, in TestWaitOnARealCluster)


@pytest.mark.parametrize("wait", ["soon", "1.5", "", " 1", "1_0"])
def test_wait_must_be_whole_seconds(api, flow, wait):
    body = job_body(flow, args={"a": "b"})
    assert_invalid(post(api, body, wait=wait), "/wait")
    assert_invalid(put(api, uuid.uuid4(), body, wait=wait), "/wait")
    job = create_job(flow, args={"a": "b"})
    assert_invalid(api.get(f"{JOBS}/{job.id}?wait={wait}"), "/wait")


@pytest.mark.parametrize(("wait", "held"), [("100234", 1.0), ("-7", 0.0)])
def test_a_wait_out_of_range_is_held_to_the_longest_or_none(
    api, workspace, monkeypatch, wait, held
):
    """Invopop's schema allows any integer: a wait is held to 0..MAX_WAIT, not refused."""
    monkeypatch.setattr(api_views, "MAX_WAIT", 1)
    job = waiting_job(workspace)
    started = time.monotonic()
    response = api.get(f"{JOBS}/{job.id}?wait={wait}")
    assert response.status_code == 200
    assert held <= time.monotonic() - started < held + 1.5


def test_wait_on_a_completed_job_answers_at_once(api, workspace, flow):
    job = run(create_job(flow, entry=entry(workspace)))
    started = time.monotonic()
    response = api.get(f"{JOBS}/{job.id}?wait=10")
    assert time.monotonic() - started < 1
    assert response.json()["status"] == "OK"


def test_every_request_waiting_on_a_job_hears_that_it_completed():
    from concurrent.futures import ThreadPoolExecutor

    from jobs import queue

    job_id, other = uuid.uuid4(), uuid.uuid4()
    with ThreadPoolExecutor(2) as pool:
        waiting = [pool.submit(queue.wait_completed, job_id, 5) for _ in range(2)]
        time.sleep(0.2)
        assert not any(w.done() for w in waiting)
        queue.completed([job_id])
        assert [w.result(timeout=5) for w in waiting] == [True, True]
    started = time.monotonic()
    assert queue.wait_completed(job_id, 5) is True  # told before this wait began
    assert time.monotonic() - started < 1
    assert queue.wait_completed(other, 1) is False


def test_wait_on_a_job_that_does_not_complete_ends_after_the_wait(api, workspace):
    job = waiting_job(workspace)
    started = time.monotonic()
    response = api.get(f"{JOBS}/{job.id}?wait=1")
    assert 0.9 < time.monotonic() - started < 3
    assert response.status_code == 200
    assert response.json()["status"] == "QUEUED"


# --- Listing jobs


def bulk_jobs(workspace, flow, count: int) -> list[Job]:
    """`count` jobs, three by three created at the same moment (keyset ties)."""
    version = flow.versions.get()
    now = timezone.now()
    return Job.objects.bulk_create(
        Job(
            workspace=workspace,
            workflow=flow,
            workflow_version=version,
            args={"n": str(n)},
            created_at=now - timedelta(seconds=n // 3),
        )
        for n in range(count)
    )


def test_pages_walk_all_250_jobs_newest_first(api, workspace, flow):
    bulk_jobs(workspace, flow, 250)
    seen, cursor, pages = [], "", 0
    while True:
        page = api.get(JOBS, {"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
        assert page["limit"] == 100
        seen += page["list"]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert (pages, len(seen), len({job["id"] for job in seen})) == (3, 250, 250)
    order = [(job["created_at"], job["id"]) for job in seen]
    assert order == sorted(order, reverse=True)


def test_the_default_page_has_20_jobs(api, workspace, flow):
    bulk_jobs(workspace, flow, 25)
    page = api.get(JOBS).json()
    assert (len(page["list"]), page["limit"]) == (20, 20)
    assert page["next_cursor"]
    assert set(page) == {"list", "limit", "next_cursor"}
    rest = api.get(JOBS, {"cursor": page["next_cursor"]}).json()
    assert (len(rest["list"]), rest["next_cursor"], rest["cursor"]) == (5, "", page["next_cursor"])


def test_created_at_lists_the_jobs_created_until_then(api, workspace, flow):
    jobs = bulk_jobs(workspace, flow, 9)  # created now, 1 s and 2 s ago
    until = (jobs[0].created_at - timedelta(seconds=1)).isoformat()
    page = api.get(JOBS, {"created_at": until}).json()
    assert len(page["list"]) == 6
    assert page["created_at"] == until


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "many"}, "/limit"),
        ({"limit": ""}, "/limit"),
        ({"limit": "2.5"}, "/limit"),
        ({"created_at": ""}, "/created_at"),
        ({"cursor": "not a cursor"}, "/cursor"),
        ({"created_at": "yesterday"}, "/created_at"),
        ({"created_at": "2026-01-01\x00"}, "/created_at"),
        ({"cursor": cursor("2026-01-01T00:00:00+00:00|not-an-id")}, "/cursor"),
        ({"cursor": cursor(f"2026-01-01T00:00:00|{uuid.uuid4()}")}, "/cursor"),
    ],
)
def test_bad_list_parameters_are_422(api, params, field):
    assert_invalid(api.get(JOBS, params), field)


@pytest.mark.parametrize(("limit", "used"), [(0, 20), (-3, 20), (101, 100), (100234, 100)])
def test_a_limit_out_of_range_is_held_to_1_to_100_as_invopop_does(api, limit, used):
    response = api.get(JOBS, {"limit": limit})
    assert response.status_code == 200
    assert response.json()["limit"] == used


def test_the_list_takes_a_constant_number_of_queries(
    api, workspace, flow, django_assert_max_num_queries
):
    for job in bulk_jobs(workspace, flow, 50):
        job.silo_entry = entry(workspace)
        job.save(update_fields=["silo_entry"])
        intent = Intent.objects.create(job=job, step_id="s1", provider="silo.state")
        IntentEvent.objects.bulk_create(
            IntentEvent(intent=intent, index=i, status=status)
            for i, status in enumerate([Status.RUN, Status.OK])
        )
        SiloFile.objects.create(
            entry=job.silo_entry, name="a.pdf", sha256="ab" * 32, file="x/a.pdf", job_id=job.id
        )
    api.get(JOBS, {"limit": 1})  # the token's last use is written once
    with CaptureQueriesContext(connection) as few:
        api.get(JOBS, {"limit": 5})
    # The token, then the jobs with their entries, their intents, events and files.
    with django_assert_max_num_queries(5):
        page = api.get(JOBS, {"limit": 50}).json()
    assert len(few.captured_queries) == 5
    assert len(page["list"]) == 50
    assert all(len(job["intents"][0]["events"]) == 2 for job in page["list"])
    assert all(len(job["attachments"]) == 1 for job in page["list"])


def test_a_job_reads_the_same_alone_as_in_the_list(api, workspace, flow, other_workspace):
    """GET /jobs/{id} loads its job in plain SQL, the list through the ORM: same JSON."""
    job = bulk_jobs(workspace, flow, 1)[0]
    job.silo_entry = entry(workspace)
    job.save(update_fields=["silo_entry"])
    moment = timezone.now()
    for n, step_id in enumerate(("s2", "s1")):  # made out of order, listed by creation
        intent = Intent.objects.create(job=job, step_id=step_id, provider="silo.state")
        Intent.objects.filter(pk=intent.pk).update(created_at=moment + timedelta(seconds=n))
        IntentEvent.objects.bulk_create(
            IntentEvent(intent=intent, index=i, status=status)
            for i, status in reversed(list(enumerate([Status.RUN, Status.ERR, Status.OK])))
        )
    for name, job_id in (("b.pdf", job.id), ("a.xml", job.id), ("own.txt", None)):
        SiloFile.objects.create(
            entry=job.silo_entry, name=name, sha256="ab" * 32, file=f"x/{name}", job_id=job_id
        )
    alone = api.get(f"{JOBS}/{job.id}").json()
    assert alone == api.get(JOBS).json()["list"][0]
    assert [i["step_id"] for i in alone["intents"]] == ["s2", "s1"]
    assert [e["status"] for e in alone["intents"][0]["events"]] == ["RUN", "ERR", "OK"]
    assert [f["name"] for f in alone["attachments"]] == ["b.pdf", "a.xml"]
    other = workflow(other_workspace, [state("done")])
    theirs = bulk_jobs(other_workspace, other, 1)[0]
    assert api.get(f"{JOBS}/{theirs.id}").status_code == 404


# --- Poking a waiting step


def test_a_poke_wakes_the_waiting_step(api, workspace):
    job = waiting_job(workspace)
    intent = job.intents.get()
    body = {"id": str(intent.id), "status": "POKE", "code": "accepted", "message": "registered"}
    response = post(api, {**body, "args": {"receipt": "R-1"}}, path=POKE)
    assert response.status_code == 202, response.content
    assert response.json()["id"] == str(intent.id)
    events = response.json()["events"]
    assert [e["status"] for e in events] == ["RUN", "QUEUED", "POKE"]
    assert events[-1]["code"] == "accepted"
    assert events[-1]["message"] == "registered"
    assert events[-1]["args"] == {"receipt": "R-1"}
    job.refresh_from_db()
    assert job.poke["code"] == "accepted"
    assert run(job).status == "OK"


def test_a_poke_names_the_step_by_job_and_ref(api, workspace):
    job = waiting_job(workspace)
    response = post(api, {"job_id": str(job.id), "ref": "agency-1", "status": "POKE"}, path=POKE)
    assert response.status_code == 202, response.content
    assert response.json()["events"][-1]["status"] == "POKE"


def test_a_poke_of_a_step_that_does_not_wait_is_a_409(api, workspace, flow):
    job = run(create_job(flow, entry=entry(workspace)))
    response = post(api, {"id": str(job.intents.get().id), "status": "POKE"}, path=POKE)
    assert response.status_code == 409
    assert response.json()["key"] == "conflict"


def test_a_poke_of_an_unknown_intent_is_a_404(api, workspace):
    job = waiting_job(workspace)
    assert post(api, {"id": str(uuid.uuid4()), "status": "POKE"}, path=POKE).status_code == 404
    unknown_ref = {"job_id": str(job.id), "ref": "other", "status": "POKE"}
    assert post(api, unknown_ref, path=POKE).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "OK"}, "/status"),
        ({"status": 1}, "/status"),
        ({"id": "nope"}, "/id"),
        ({"id": 7}, "/id"),
        ({"job_id": "nope", "ref": "r"}, "/job_id"),
        ({"job_id": "JOB"}, "/id"),
        ({"ref": 5}, "/ref"),
        ({"code": ["x"]}, "/code"),
        ({"code": "c" * 101}, "/code"),
        ({"message": {}}, "/message"),
        ({"args": {"a": 1}}, "/args/a"),
        ({"args": "a=1"}, "/args"),
        ({"job_id": "JOB", "ref": "agency-1\x00"}, "/ref"),
        ({"message": "\x00"}, "/message"),
    ],
)
def test_bad_poke_fields_are_422(api, workspace, body, field):
    job = waiting_job(workspace)
    intent = job.intents.get()
    defaults = {"id": str(intent.id)} if "job_id" not in body else {}
    body = {**defaults, **body}
    if body.get("job_id") == "JOB":
        body["job_id"] = str(job.id)
    assert_invalid(post(api, body, path=POKE), field)
    assert intent.events.count() == 2


@pytest.mark.parametrize("body", [[], "poke", 1])
def test_a_poke_body_that_is_not_an_object_is_a_422(api, body):
    assert_invalid(post(api, body, path=POKE), "/")


# --- ?wait=N on a real cluster


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker):
    """Workers, and the ASGI server too: the wait runs differently under it (on the server's
    event loop, whose channel layer it shares) than under the test client."""
    with django_db_blocker.unblock(), running_stack() as stack:
        yield stack


@pytest.fixture
def warm_cluster(cluster, workspace):
    """A job run through first: the workers are up and the timings below are the API's."""
    job = create_job(workflow(workspace, [state("warm")]), args={"warm": "up"})
    deadline = time.monotonic() + 30
    while not job.completed and time.monotonic() < deadline:
        time.sleep(0.05)
        job.refresh_from_db()
    assert job.completed, "the cluster did not run the warm-up job"
    return cluster


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
class TestWaitOnARealCluster:
    def test_a_post_with_wait_answers_once_the_job_completed(self, warm_cluster, api, flow):
        started = time.monotonic()
        response = post(api, job_body(flow, data=INVOICE), wait=10)
        elapsed = time.monotonic() - started
        assert response.status_code == 202
        job = response.json()
        assert job["status"] == "OK", job
        assert elapsed < 5, elapsed
        assert [e["status"] for e in job["intents"][0]["events"]] == ["RUN", "OK"]
        assert job["completed_at"] is not None

    def test_a_put_with_wait_answers_once_the_job_failed(self, warm_cluster, api, flow):
        started = time.monotonic()
        # silo.state needs an entry: on args alone the job ends KO.
        response = put(api, uuid.uuid4(), job_body(flow, args={"a": "b"}), wait=10)
        assert time.monotonic() - started < 5
        assert response.status_code == 202
        assert response.json()["status"] == "KO"
        assert response.json()["faults"][0]["provider"] == "silo.state"

    def test_a_job_that_cannot_finish_answers_after_the_wait(self, warm_cluster, api, workspace):
        waits = workflow(workspace, [step("test.wait", name="wait")])
        started = time.monotonic()
        response = post(api, job_body(waits, args={"a": "b"}), wait=1)
        elapsed = time.monotonic() - started
        assert response.json()["status"] == "QUEUED"
        assert 0.9 < elapsed < 3

    def test_through_the_web_server_the_wait_lets_go_of_its_subscriptions(
        self, warm_cluster, workspace, flow
    ):
        _, secret = ApiToken.issue(workspace, "Stack")
        url = warm_cluster.url + JOBS
        headers = {"Authorization": f"Bearer {secret}"}
        body = job_body(flow, data=INVOICE)
        done = requests.post(f"{url}?wait=10", json=body, headers=headers, timeout=15)
        assert (done.status_code, done.json()["status"]) == (202, "OK")
        waits = job_body(workflow(workspace, [step("test.wait")]), args={"a": "b"})
        started = time.monotonic()
        queued = requests.post(f"{url}?wait=1", json=waits, headers=headers, timeout=15)
        assert 0.9 < time.monotonic() - started < 3
        assert queued.json()["status"] == "QUEUED"
        assert layer_subscriptions() == []


def layer_subscriptions(timeout: float = 2) -> list:
    """The Redis channels that the Channels layer (of any process) still listens to."""
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    client = redis.Redis.from_url(settings.REDIS_URL)
    deadline = time.monotonic() + timeout
    while (channels := client.pubsub_channels(f"{prefix}*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    client.close()
    return channels


def test_ids_in_upper_case_find_the_same_job(api, flow, stored):
    created = post(api, job_body(flow, silo_entry_id=str(stored.id))).json()
    upper = api.get(f"{JOBS}/{created['id'].upper()}")
    assert upper.status_code == 200
    assert upper.json()["id"] == created["id"]


@pytest.mark.parametrize("subject", ["entry", "data", "args"])
def test_a_new_job_is_answered_as_a_get_then_reads_it(api, flow, stored, subject):
    """Without ?wait the answer is built from the job just made, not read back: it must be
    what the database holds."""
    body = {
        "entry": {"silo_entry_id": str(stored.id)},
        "data": {"data": INVOICE},
        "args": {"args": {"reason": "test"}},
    }[subject]

    created = post(api, job_body(flow, key=f"same-{subject}", tags=["t"], **body))

    assert created.status_code == 202, created.content
    fetched = api.get(f"{JOBS}/{created.json()['id']}")
    assert created.json() == fetched.json()
