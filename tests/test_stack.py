"""The real stack: embedded Redis, a django-q2 cluster and the ASGI server, as in production."""

import json
import os
import uuid

import pytest
from conftest import running_stack, session_cookie
from django_q.tasks import async_task
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


def test_a_task_runs_in_the_worker_and_its_message_reaches_a_websocket(client, owner, workspace):
    cookie = session_cookie(client, owner)
    with running_stack() as stack:
        headers = {"Cookie": cookie, "Origin": stack.url}
        url = f"{stack.ws_url}/ws/{workspace.slug}/"
        with connect(url, additional_headers=headers, open_timeout=10) as socket:
            assert json.loads(socket.recv(timeout=10))["type"] == "hello"
            nonce = uuid.uuid4().hex
            async_task("jobs.tasks.ping", str(workspace.id), nonce)
            message = json.loads(socket.recv(timeout=30))
        worker_pids = {p.pid for p in stack.processes}

    assert message["type"] == "ping"
    assert message["nonce"] == nonce
    assert message["worker_pid"] not in (os.getpid(), *worker_pids)  # a forked worker ran it


def test_every_event_and_status_change_of_a_job_reaches_the_entrys_watchers(
    client, owner, workspace
):
    from engine_helpers import entry, state, workflow

    from jobs.services import create_job

    cookie = session_cookie(client, owner)
    flow = workflow(workspace, [state("processing"), state("completed")])
    document = entry(workspace)
    with running_stack() as stack:
        headers = {"Cookie": cookie, "Origin": stack.url}
        url = f"{stack.ws_url}/ws/{workspace.slug}/?entry={document.id}"
        with connect(url, additional_headers=headers, open_timeout=10) as socket:
            assert json.loads(socket.recv(timeout=10))["type"] == "hello"
            job = create_job(flow, entry=document)
            seen = statuses_until_ok(socket, str(job.id))
    assert seen == [
        ("job", "RUN"),
        ("event", "RUN"),
        ("event", "OK"),
        ("event", "RUN"),
        ("event", "OK"),
        ("job", "OK"),
    ]


def statuses_until_ok(socket, job_id: str) -> list[tuple[str, str]]:
    """(message type, status) of the job's live messages on `socket` until it is OK."""
    seen = []
    while not seen or seen[-1] != ("job", "OK"):
        message = json.loads(socket.recv(timeout=20))
        assert message["job"]["id"] == job_id
        status = message["event"]["status"] if message["type"] == "event" else None
        seen.append((message["type"], status or message["job"]["status"]))
    return seen


def test_another_workspaces_job_closes_the_socket_with_4404_through_the_real_server(
    client, owner, workspace, other_workspace
):
    """Through uvicorn, not a test communicator: a close before the accept would be the
    handshake's HTTP 403, and the browser would never see the code."""
    from engine_helpers import entry, state, workflow

    from jobs.services import create_job

    cookie = session_cookie(client, owner)
    theirs = create_job(workflow(other_workspace, [state("a")]), entry=entry(other_workspace))
    with running_stack(workers=1) as stack:
        headers = {"Cookie": cookie, "Origin": stack.url}
        url = f"{stack.ws_url}/ws/{workspace.slug}/?job={theirs.id}"
        with (
            connect(url, additional_headers=headers, open_timeout=10) as socket,
            pytest.raises(ConnectionClosedError) as closed,
        ):
            socket.recv(timeout=10)
    assert closed.value.rcvd.code == 4404


def test_a_cluster_told_to_stop_stops_by_itself_before_it_would_be_killed(workspace):
    """embedded.stop sends SIGTERM to the workers' first process alone (under qcluster, sent
    to the whole process group, it killed the sentinel in the middle of a wait, and the
    cluster hung until the SIGKILL); `manage.py workers` stops in order too."""
    from engine_helpers import start, state
    from test_engine_stack import wait_for

    with running_stack(web=False) as stack:
        wait_for(start(workspace, [state("done")]), timeout=30)  # the cluster is up
    assert stack.cluster.returncode == 0  # not -9
