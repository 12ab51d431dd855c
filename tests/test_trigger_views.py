"""Triggers in the console (workflow page) and through the API."""

import pytest
from django.urls import reverse
from engine_helpers import state, workflow

from workflows.models import Trigger

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(workspace):
    return workflow(workspace, [state("received")])


def add(client, workspace, flow, **data):
    return client.post(reverse("trigger_create", args=[workspace.slug, flow.id]), data)


def test_an_editor_adds_each_kind_of_trigger(client, teammate, workspace, flow):
    client.force_login(teammate)
    add(client, workspace, flow, kind="entry_created", doc_type="bill/invoice", folder="inbox")
    add(client, workspace, flow, kind="webhook")
    add(client, workspace, flow, kind="schedule", interval="daily")
    kinds = {t.kind: t for t in Trigger.objects.filter(workflow=flow)}
    assert set(kinds) == {"entry_created", "webhook", "schedule"}
    assert (kinds["entry_created"].doc_type, kinds["entry_created"].folder) == (
        "bill/invoice",
        "inbox",
    )
    assert kinds["schedule"].interval == 86400 and kinds["schedule"].next_run_at
    page = client.get(reverse("workflow_detail", args=[workspace.slug, flow.id]))
    assert f"/hooks/{kinds['webhook'].id}" in page.content.decode()
    assert kinds["webhook"].secret not in page.content.decode()  # shown once, on creation
    assert f"…{kinds['webhook'].secret_hint}" in page.content.decode()


def test_a_webhook_triggers_secret_is_shown_once_when_it_is_added(client, teammate, workspace):
    flow = workflow(workspace, [state("received")])
    client.force_login(teammate)
    response = add(client, workspace, flow, kind="webhook")
    hook = Trigger.objects.get(workflow=flow)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert hook.secret in response.content.decode()
    again = client.get(reverse("workflow_detail", args=[workspace.slug, flow.id]))
    assert hook.secret not in again.content.decode()


def test_a_new_secret_replaces_the_old_one_and_is_shown_once(client, teammate, workspace, flow):
    hook = Trigger.objects.create(workspace=workspace, workflow=flow, kind="webhook")
    old = hook.secret
    client.force_login(teammate)
    response = client.post(reverse("trigger_secret", args=[workspace.slug, flow.id, hook.id]))
    hook.refresh_from_db()
    assert hook.secret != old and hook.secret in response.content.decode()
    assert old not in response.content.decode()


def test_a_viewer_never_sees_a_webhook_triggers_secret(client, viewer, workspace, flow):
    hook = Trigger.objects.create(workspace=workspace, workflow=flow, kind="webhook")
    client.force_login(viewer)
    page = client.get(reverse("workflow_detail", args=[workspace.slug, flow.id])).content.decode()
    assert hook.secret not in page and f"…{hook.secret_hint}" not in page
    url = reverse("trigger_secret", args=[workspace.slug, flow.id, hook.id])
    assert client.post(url).status_code == 403


def test_a_bad_schedule_is_refused_with_the_reason(client, owner, workspace, flow):
    client.force_login(owner)
    response = add(client, workspace, flow, kind="schedule", cron="at six")
    assert not Trigger.objects.exists()
    page = client.get(response.url).content.decode()
    assert "not a cron expression" in page


def test_a_viewer_sees_triggers_but_cannot_change_them(client, viewer, workspace, flow):
    Trigger.objects.create(workspace=workspace, workflow=flow, kind="webhook")
    client.force_login(viewer)
    assert add(client, workspace, flow, kind="webhook").status_code == 403
    page = client.get(reverse("workflow_detail", args=[workspace.slug, flow.id]))
    assert b"Inbound webhook" in page.content and b"Add trigger" not in page.content


def test_an_editor_removes_a_trigger(client, teammate, workspace, flow):
    trigger = Trigger.objects.create(workspace=workspace, workflow=flow, kind="webhook")
    client.force_login(teammate)
    url = reverse("trigger_delete", args=[workspace.slug, flow.id, trigger.id])
    client.post(url)
    assert not Trigger.objects.exists()


def test_an_outsider_cannot_touch_anothers_triggers(client, outsider, other_workspace, flow):
    client.force_login(outsider)
    assert add(client, other_workspace, flow, kind="webhook").status_code == 404
    assert not Trigger.objects.exists()


def test_deleting_another_workspaces_trigger_is_a_404_and_deletes_nothing(
    client, outsider, other_workspace, flow
):
    """Through a workflow of the outsider's own workspace, with a trigger id of ours."""
    ours = Trigger.objects.create(workspace=flow.workspace, workflow=flow, kind="webhook")
    theirs = workflow(other_workspace, [state("received")])
    client.force_login(outsider)
    url = reverse("trigger_delete", args=[other_workspace.slug, theirs.id, ours.id])
    assert client.post(url).status_code == 404
    assert Trigger.objects.filter(pk=ours.pk).exists()


# --- The API


def test_triggers_are_created_listed_changed_and_deleted_through_the_api(api, flow):
    base = f"/transform/v1/workflows/{flow.id}/triggers"
    hook = api.post(base, {"kind": "webhook"}, format="json")
    assert hook.status_code == 201
    assert hook.json()["url"].endswith(f"/hooks/{hook.json()['id']}")
    assert hook.json()["secret"].startswith("whsec_")
    schedule = api.post(base, {"kind": "schedule", "cron": "0 6 * * 1"}, format="json")
    assert schedule.status_code == 201 and schedule.json()["next_run_at"]
    listed = api.get(base).json()["list"]
    assert {t["kind"] for t in listed} == {"webhook", "schedule"}
    secret = hook.json()["secret"]
    assert all(t["secret"] is None for t in listed)  # shown once, in the answer that made it
    assert {t["secret_hint"] for t in listed} == {secret.rstrip("=")[-4:], None}
    assert Trigger.objects.get(pk=hook.json()["id"]).secret == secret
    one = f"{base}/{hook.json()['id']}"
    assert api.patch(one, {"enabled": False}, format="json").json()["enabled"] is False
    assert api.delete(one).status_code == 204
    assert api.get(one).status_code == 404


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"kind": "sometimes"}, "/kind"),
        ({"kind": "schedule"}, "/interval"),
        ({"kind": "schedule", "interval": 5}, "/interval"),
        ({"kind": "schedule", "cron": "now"}, "/cron"),
        ({"kind": "entry_created", "doc_type": "bill/receipt"}, "/doc_type"),
        ({"kind": "entry_created", "folder": "in\\u0000box"}, "/folder"),
        ({"kind": "webhook", "args": {"a": 1}}, "/args"),
        ({"kind": "webhook", "enabled": "yes"}, "/enabled"),
    ],
)
def test_a_bad_trigger_is_a_422_naming_the_field(api, flow, body, pointer):
    if "folder" in body:
        body = {**body, "folder": "in\x00box"}
    response = api.post(f"/transform/v1/workflows/{flow.id}/triggers", body, format="json")
    assert response.status_code == 422
    assert pointer in response.json()["fields"]
    assert not Trigger.objects.exists()


def test_another_workspaces_triggers_are_404(other_api, flow):
    trigger = Trigger.objects.create(workspace=flow.workspace, workflow=flow, kind="webhook")
    base = f"/transform/v1/workflows/{flow.id}/triggers"
    assert other_api.get(base).status_code == 404
    assert other_api.post(base, {"kind": "webhook"}, format="json").status_code == 404
    assert other_api.delete(f"{base}/{trigger.id}").status_code == 404
    assert Trigger.objects.count() == 1
