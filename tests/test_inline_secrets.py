"""Secrets written into step configs: listed as problems by JSON pointer (never published),
shown to nobody (masked in the editor and the API, for viewers and everyone else), kept
through edits around their masks, and moved into the workspace's credentials in one click."""

import json
import uuid

import pytest
from django.db import connection
from django.urls import reverse

from providers.models import Credential
from workflows.definition import validate
from workflows.models import EditSession, Workflow

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
TOKEN = "t0ken-of-the-erp-0123456789"
PASSWORD = "hunter2-but-longer"
TOKEN_AT = "/steps/0/config/bearer_token"
PASSWORD_AT = "/steps/1/config/password"


def definition(**webhook_config):
    return {
        "name": "Notify and export",
        "schema": "bill/invoice",
        "steps": [
            {
                "id": "hook",
                "name": "Notify CRM",
                "provider": "webhook",
                "config": {
                    "url": "https://crm.example.com/hooks",
                    "bearer_token": TOKEN,
                    **webhook_config,
                },
            },
            {
                "id": "erp",
                "name": "Send to ERP",
                "provider": "http.request",
                "config": {
                    "url": "https://erp.example.com/api",
                    "auth": "basic",
                    "username": "erp",
                    "password": PASSWORD,
                },
            },
        ],
        "rescue": [],
    }


@pytest.fixture
def flow(workspace):
    found = Workflow(workspace=workspace)
    found.save_draft(definition())
    return found


def editor_url(flow, action=""):
    url = reverse("workflow_editor", args=[flow.workspace.slug, flow.id])
    return f"{url}{action}/" if action else url


def stored_text(*tables: str) -> str:
    with connection.cursor() as cursor:
        rows = []
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows += cursor.fetchall()
    return repr(rows)


# --- Problems


def test_inline_secrets_are_problems_that_name_their_pointer():
    problems = {p.path: p for p in validate(definition(headers={"X-Api-Key": "k"}))}
    assert {TOKEN_AT, PASSWORD_AT, "/steps/0/config/headers/X-Api-Key"} <= set(problems)
    assert all(problems[where].level == "error" for where in (TOKEN_AT, PASSWORD_AT))
    assert "credential" in problems[TOKEN_AT].message


def test_templates_references_and_plain_headers_are_no_secrets():
    plain = definition(headers={"X-Tenant": "acme", "X-Api-Key": "{{args.key}}"})
    plain["steps"][0]["config"]["bearer_token"] = {"credential": "crm"}
    plain["steps"][1]["config"]["password"] = {"credential": "erp"}
    assert [p for p in validate(plain) if p.level == "error"] == []


def test_a_reference_to_an_unknown_credential_is_a_warning(workspace):
    found = Workflow(workspace=workspace)
    found.save_draft(definition(bearer_token={"credential": "crm"}))
    found.steps[1]["config"]["password"] = {"credential": "erp"}
    found.save()
    Credential(workspace=workspace, name="erp", kind="basic", secret_sealed="x").save()
    warned = [(p.path, p.level) for p in found.problems()]
    assert warned == [(TOKEN_AT, "warning")]


# --- The API


def test_a_put_workflow_with_an_inline_secret_is_kept_as_a_draft_naming_its_pointer(api):
    pk = uuid.uuid4()
    answer = api.put(f"/transform/v1/workflows/{pk}", definition(), format="json")
    assert answer.status_code == 200 and answer.json()["draft"] is True
    assert {TOKEN_AT, PASSWORD_AT} <= {p["path"] for p in answer.json()["problems"]}
    assert TOKEN not in answer.content.decode() and PASSWORD not in answer.content.decode()


def test_an_inline_secret_is_never_published(api):
    pk = uuid.uuid4()
    answer = api.put(
        f"/transform/v1/workflows/{pk}", {**definition(), "draft": False}, format="json"
    )
    assert answer.status_code == 422
    assert {TOKEN_AT, PASSWORD_AT} <= set(answer.json()["fields"])
    assert not Workflow.objects.filter(pk=pk).exists()


def test_the_api_masks_inline_secrets_and_a_definition_sent_back_keeps_them(api, flow):
    url = f"/transform/v1/workflows/{flow.id}"
    fetched = api.get(url).json()
    assert TOKEN not in json.dumps(fetched) and PASSWORD not in json.dumps(fetched)
    fetched["description"] = "changed"
    assert api.put(url, fetched, format="json").status_code == 200
    flow.refresh_from_db()
    assert flow.steps[0]["config"]["bearer_token"] == TOKEN
    assert flow.steps[1]["config"]["password"] == PASSWORD
    assert flow.description == "changed"


def test_a_mask_copied_into_another_workflow_is_a_problem_not_a_secret(api, flow):
    fetched = api.get(f"/transform/v1/workflows/{flow.id}").json()
    answer = api.put(f"/transform/v1/workflows/{uuid.uuid4()}", fetched, format="json")
    messages = {p["path"]: p["message"] for p in answer.json()["problems"]}
    assert "hidden secret" in messages[TOKEN_AT]


# --- The editor


@pytest.mark.parametrize("persona", ["viewer", "teammate", "owner"])
def test_nobody_sees_an_inline_secret_in_developer_mode_or_the_step_panel(
    client, request, persona, flow
):
    client.force_login(request.getfixturevalue(persona))
    for params in ({"mode": "json"}, {"step": "/steps/0"}, {"step": "/steps/1"}):
        shown = client.get(editor_url(flow), params).content.decode()
        assert TOKEN not in shown and PASSWORD not in shown, params
    shown = json.loads(client.get(editor_url(flow), {"mode": "json"}).context["json_text"])
    assert shown["steps"][0]["config"]["bearer_token"] == "••••••" + TOKEN[-4:]


def test_developer_mode_json_applied_with_its_masks_keeps_the_secrets(client, owner, flow):
    client.force_login(owner)
    shown = client.get(editor_url(flow), {"mode": "json"}, **HX).context["json_text"]
    moved = json.loads(shown)
    moved["steps"].reverse()  # the steps move; each keeps its own secret
    client.post(editor_url(flow, "json"), {"definition": json.dumps(moved)}, **HX)
    working = EditSession.objects.get(workflow=flow, user=owner).definition
    assert working["steps"][1]["config"]["bearer_token"] == TOKEN
    assert working["steps"][0]["config"]["password"] == PASSWORD


def test_the_step_form_keeps_an_inline_secret_and_chooses_credentials(client, teammate, flow):
    Credential(workspace=flow.workspace, name="crm", kind="bearer", secret_sealed="x").save()
    client.force_login(teammate)
    panel = client.get(editor_url(flow), {"step": "/steps/0"}, **HX)
    field = next(f for f in panel.context["fields"] if f.pointer == "/bearer_token")
    assert field.kind == "secret" and TOKEN not in field.value
    assert '{"credential": "crm"}' in [value for value, _ in field.options]
    form = {"step": "/steps/0", "name": "Notify CRM", "/bearer_token": field.value}
    client.post(editor_url(flow, "step"), form, **HX)
    working = EditSession.objects.get(workflow=flow, user=teammate).definition
    assert working["steps"][0]["config"]["bearer_token"] == TOKEN
    client.post(editor_url(flow, "step"), {**form, "/bearer_token": '{"credential": "crm"}'}, **HX)
    working = EditSession.objects.get(workflow=flow, user=teammate).definition
    assert working["steps"][0]["config"]["bearer_token"] == {"credential": "crm"}


def test_the_editor_offers_to_move_inline_secrets(client, owner, flow):
    client.force_login(owner)
    shown = client.get(editor_url(flow)).content.decode()
    assert 'id="inline-secrets"' in shown and 'id="move-secrets"' in shown
    assert TOKEN_AT in shown and PASSWORD_AT in shown


def test_an_owner_moves_every_inline_secret_into_credentials_in_one_click(client, owner, flow):
    client.force_login(owner)
    client.post(editor_url(flow, "step"), {"step": "/steps/0", "name": "Notify the CRM"}, **HX)
    response = client.post(editor_url(flow, "secrets"), **HX)
    assert "Moved into credentials" in response.content.decode()
    created = {c.name: c for c in Credential.objects.filter(workspace=flow.workspace)}
    token, password = created["notify-the-crm-bearer_token"], created["send-to-erp-password"]
    assert (token.kind, token.secret) == ("bearer", TOKEN)
    assert (password.kind, password.username, password.secret) == ("basic", "erp", PASSWORD)
    working = EditSession.objects.get(workflow=flow, user=owner).definition
    assert working["steps"][0]["config"]["bearer_token"] == {"credential": token.name}
    assert working["steps"][1]["config"]["password"] == {"credential": password.name}
    flow.refresh_from_db()
    assert flow.steps[0]["config"]["bearer_token"] == {"credential": token.name}
    # No copy is left behind: not the saved draft, not a working copy, not the undo history.
    left = stored_text(Workflow._meta.db_table, EditSession._meta.db_table)
    assert TOKEN not in left and PASSWORD not in left
    assert not [p for p in flow.problems() if p.level == "error"]


def test_one_inline_secret_moves_from_its_field(client, owner, flow):
    client.force_login(owner)
    client.post(editor_url(flow, "secrets"), {"where": PASSWORD_AT, "step": "/steps/1"}, **HX)
    working = EditSession.objects.get(workflow=flow, user=owner).definition
    assert working["steps"][1]["config"]["password"] == {"credential": "send-to-erp-password"}
    assert working["steps"][0]["config"]["bearer_token"] == TOKEN


def test_the_same_secret_twice_becomes_one_credential(client, owner, workspace):
    twice = definition()
    twice["steps"][1]["config"].update(auth="bearer", token=TOKEN)
    flow = Workflow(workspace=workspace)
    flow.save_draft(twice)
    client.force_login(owner)
    client.post(editor_url(flow, "secrets"), **HX)
    assert Credential.objects.filter(workspace=workspace).count() == 2  # token, password
    flow.refresh_from_db()
    assert flow.steps[0]["config"]["bearer_token"] == flow.steps[1]["config"]["token"]


def test_editors_cannot_move_secrets_and_viewers_cannot_act(client, teammate, viewer, flow):
    client.force_login(teammate)
    shown = client.get(editor_url(flow)).content.decode()
    assert 'id="move-secrets"' not in shown and "An owner can move" in shown
    response = client.post(editor_url(flow, "secrets"), **HX)
    assert "Only owners" in response.content.decode()
    assert not Credential.objects.exists()
    client.force_login(viewer)
    assert client.post(editor_url(flow, "secrets"), **HX).status_code == 403
