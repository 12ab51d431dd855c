"""The websocket that streams live status to the console.

/ws/<workspace slug>/ subscribes to the whole workspace; `?job=<id>` or `?entry=<id>` narrows it
to one job or one silo entry. A user who is not a member, or an id of another workspace, gets
the socket closed with code 4404 (the websocket twin of a 404).
"""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from invopop_console.accounts.access import membership_of, owned_or_none
from silo.models import SiloEntry

from . import live
from .models import Job

NOT_FOUND = 4404


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.groups_joined = []
        group = await database_sync_to_async(self._group_for_request)()
        # Accepted before closing: a close before the accept is the handshake's HTTP 403,
        # and the browser would never see the code.
        await self.accept()
        if group is None:
            await self.close(code=NOT_FOUND)
            return
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)
        await self.send_json({"type": "hello", "group": group})

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def live_event(self, message):
        for payload in live.payloads(message):
            await self.send_json(payload)

    def _group_for_request(self) -> str | None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        membership = membership_of(self.scope.get("user"), slug)
        if membership is None:
            return None
        workspace = membership.workspace_id
        query = parse_qs(self.scope.get("query_string", b"").decode())
        if "job" in query:
            return self._group_of(Job, query["job"][0], workspace, live.job_group)
        if "entry" in query:
            return self._group_of(SiloEntry, query["entry"][0], workspace, live.entry_group)
        return live.workspace_group(workspace)

    @staticmethod
    def _group_of(model, object_id: str, workspace, group_name) -> str | None:
        # A malformed UUID is a not-found, like anywhere else.
        found = owned_or_none(model.objects.only("pk"), workspace, pk=object_id)
        # The pk, not the id as given: workers publish to the group of the lower-case form.
        return group_name(found.pk) if found else None
