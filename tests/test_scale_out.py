"""Scaled out: two machines, each a web process and a django-q2 cluster of two workers, on one
database and one Redis, as behind a load balancer. Jobs created through either web process run
exactly once, on either cluster; a numbered series keeps no gap and no duplicate; and a job's
live status reaches a socket of the web process that did not take the job."""

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle, islice

import pytest
import requests
from conftest import running_stacks, session_cookie
from engine_helpers import INVOICE, state, step, trace, workflow
from test_engine_stack import wait_for
from test_stack import statuses_until_ok
from websockets.sync.client import connect

from invopop_console.accounts.models import ApiToken
from jobs.models import IntentEvent, Job
from providers.models import SequenceEntry
from silo.models import SiloEntry

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

JOBS = "/transform/v1/jobs"
# Names the process group of the worker that ran it: which machine's cluster took the job.
WHOSE = step("test.whose", name="whose")


@pytest.fixture(scope="module")
def machines(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), running_stacks(count=2, workers=2) as stacks:
        yield stacks


def create_jobs(webs, workspace, flow, count: int) -> list[str]:
    """`count` jobs of `flow`, each on an envelope of its own, sent to the web processes of
    `webs` in turn, eight requests at a time, as a load balancer would; their ids."""
    _, secret = ApiToken.issue(workspace, "Tests")
    headers = {"Authorization": f"Bearer {secret}"}
    body = {"workflow_id": str(flow.id), "data": INVOICE}

    def post(url: str) -> str:
        response = requests.post(url + JOBS, json=body, headers=headers, timeout=30)
        assert response.status_code == 202, response.content
        return response.json()["id"]

    urls = islice(cycle(web.url for web in webs), count)
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(post, urls))


def finished(ids: list[str]) -> list[Job]:
    return [wait_for(job, timeout=60) for job in Job.objects.filter(pk__in=ids)]


def clusters_that_ran(jobs: list[Job]) -> Counter:
    """Jobs per process group of the workers that ran their `whose` step."""
    said = IntentEvent.objects.filter(intent__job__in=jobs, intent__name="whose", status="OK")
    return Counter(int(group) for group in said.values_list("message", flat=True))


def test_two_hundred_jobs_through_both_webs_each_run_once_on_either_cluster(machines, workspace):
    flow = workflow(workspace, [state("received"), WHOSE, state("done")])
    ids = create_jobs(machines, workspace, flow, 200)
    jobs = finished(ids)
    assert len(jobs) == len(set(ids)) == 200  # every job created is there, once
    assert Job.objects.filter(workspace=workspace).count() == 200  # and no other
    assert Counter(job.status for job in jobs) == {"OK": 200}
    ran_once = [
        ("state received", ["RUN", "OK"]),
        ("whose", ["RUN", "OK"]),
        ("state done", ["RUN", "OK"]),
    ]
    unexpected = {str(job.id): found for job in jobs if (found := trace(job)) != ran_once}
    assert unexpected == {}
    by_cluster = clusters_that_ran(jobs)
    assert set(by_cluster) == {stack.cluster.pid for stack in machines}, by_cluster
    assert sum(by_cluster.values()) == 200


def test_jobs_numbering_through_both_webs_take_consecutive_codes(machines, workspace):
    config = {"name": "Invoices", "prefix": "INV-", "padding": 4}
    numbering = workflow(workspace, [step("sequence.enumerate", config), WHOSE])
    jobs = finished(create_jobs(machines, workspace, numbering, 60))
    assert Counter(job.status for job in jobs) == {"OK": 60}
    entries = {job.silo_entry_id for job in jobs}
    docs = [entry.data["doc"] for entry in SiloEntry.objects.filter(pk__in=entries)]
    assert sorted(doc["code"] for doc in docs) == [f"{n:04d}" for n in range(1, 61)]
    assert {doc["series"] for doc in docs} == {"INV-"}
    numbers = SequenceEntry.objects.filter(series__workspace=workspace)
    assert sorted(numbers.values_list("number", flat=True)) == list(range(1, 61))
    assert set(numbers.values_list("silo_entry_id", flat=True)) == entries
    assert set(clusters_that_ran(jobs)) == {stack.cluster.pid for stack in machines}


def test_a_jobs_live_status_reaches_a_socket_on_the_other_web_process(
    machines, client, owner, workspace
):
    web_a, web_b = machines
    flow = workflow(workspace, [state("received"), state("done")])
    headers = {"Cookie": session_cookie(client, owner), "Origin": web_b.url}
    url = f"{web_b.ws_url}/ws/{workspace.slug}/"
    with connect(url, additional_headers=headers, open_timeout=10) as socket:
        assert json.loads(socket.recv(timeout=10))["type"] == "hello"
        [job_id] = create_jobs([web_a], workspace, flow, 1)
        seen = statuses_until_ok(socket, job_id)
    assert seen == [
        ("job", "RUN"),
        ("event", "RUN"),
        ("event", "OK"),
        ("event", "RUN"),
        ("event", "OK"),
        ("job", "OK"),
    ]
