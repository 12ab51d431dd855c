"""The live websocket admits members only, and only to their own workspace's jobs and entries."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from jobs import live
from jobs.routing import websocket_urlpatterns
from silo.models import SiloEntry

pytestmark = pytest.mark.django_db

INVOICE = {"doc": {"$schema": "https://gobl.org/draft-0/bill/invoice", "code": "A-1"}}


def connect(user, path):
    """(subscribed, close code, hello): a refused socket is accepted, then closed with its
    code (closed before the accept, a browser would see the handshake's HTTP 403 instead)."""

    async def attempt():
        communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
        communicator.scope["user"] = user
        accepted, _ = await communicator.connect(timeout=5)
        assert accepted
        first = await communicator.receive_output(timeout=5)
        await communicator.disconnect()
        if first["type"] == "websocket.close":
            return False, first["code"], None
        return True, None, json.loads(first["text"])

    return async_to_sync(attempt)()


def test_a_member_joins_the_workspace_group(owner, workspace):
    connected, _, hello = connect(owner, f"/ws/{workspace.slug}/")
    assert connected
    assert hello == {"type": "hello", "group": live.workspace_group(workspace.id)}


def test_a_viewer_may_watch_too(viewer, workspace):
    assert connect(viewer, f"/ws/{workspace.slug}/")[0]


def test_an_outsider_is_closed_with_4404(outsider, workspace, other_workspace):
    assert connect(outsider, f"/ws/{workspace.slug}/")[:2] == (False, 4404)


def test_an_anonymous_visitor_is_closed_with_4404(workspace):
    assert connect(AnonymousUser(), f"/ws/{workspace.slug}/")[:2] == (False, 4404)


def test_a_member_can_watch_one_of_their_entries(owner, workspace):
    entry = SiloEntry.create_with_version(workspace, INVOICE)
    connected, _, hello = connect(owner, f"/ws/{workspace.slug}/?entry={entry.id}")
    assert connected
    assert hello["group"] == live.entry_group(entry.id)


def test_another_workspaces_entry_cannot_be_watched(outsider, workspace, other_workspace):
    entry = SiloEntry.create_with_version(workspace, INVOICE)
    path = f"/ws/{other_workspace.slug}/?entry={entry.id}"
    assert connect(outsider, path)[:2] == (False, 4404)


def test_a_malformed_job_id_is_a_not_found(owner, workspace):
    assert connect(owner, f"/ws/{workspace.slug}/?job=not-a-uuid")[:2] == (False, 4404)
