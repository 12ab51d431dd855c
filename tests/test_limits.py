"""Documented limits (issue 13): steps per workflow (WORKFLOW_MAX_STEPS) and lines per
document (DOCUMENT_MAX_LINES), refused by the field in the API, the console and the editor;
long line tables paged on the entry page (ENTRY_PAGE_LINES)."""

import json
import uuid

import pytest
from django.urls import reverse
from engine_helpers import state

from workflows.models import EditSession, Workflow

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def small_limits(settings):
    settings.WORKFLOW_MAX_STEPS = 5
    settings.DOCUMENT_MAX_LINES = 3
    settings.ENTRY_PAGE_LINES = 2
    return settings


def steps(count: int) -> list[dict]:
    return [state(f"s{n}") for n in range(count)]


# --- Steps per workflow


def test_the_api_refuses_a_workflow_with_more_steps_than_the_limit(api, small_limits):
    nested = state("outer") | {"next": [{"status": "OK", "steps": steps(2)}]}
    body = {"name": "Big", "steps": [*steps(2), nested], "rescue": steps(1)}

    response = api.put(f"/transform/v1/workflows/{uuid.uuid4()}", body, format="json")

    assert response.status_code == 422
    assert "at most 5 steps" in response.json()["fields"]["/steps"]
    assert "this one has 6" in response.json()["fields"]["/steps"]
    assert not Workflow.objects.exists()


def test_the_api_takes_a_workflow_at_the_limit_and_refuses_a_patch_beyond(api, small_limits):
    workflow_id = uuid.uuid4()
    url = f"/transform/v1/workflows/{workflow_id}"
    body = {"name": "Full", "steps": steps(4), "rescue": steps(1)}
    assert api.put(url, body, format="json").status_code == 200

    response = api.patch(url, {"rescue": steps(2)}, format="json")

    assert response.status_code == 422 and "/steps" in response.json()["fields"]
    assert len(Workflow.objects.get().rescue) == 1


def test_a_workflow_over_the_limit_from_before_may_shrink_not_grow(api, workspace, settings):
    found = Workflow(workspace=workspace)
    found.apply_definition({"name": "Old", "steps": steps(8)})
    found.save()
    settings.WORKFLOW_MAX_STEPS = 5
    url = f"/transform/v1/workflows/{found.id}"

    grown = api.put(url, {"name": "Old", "steps": steps(9)}, format="json")
    shrunk = api.put(url, {"name": "Old", "steps": steps(7)}, format="json")

    assert grown.status_code == 422
    assert shrunk.status_code == 200 and len(Workflow.objects.get().steps) == 7


@pytest.fixture
def editor(client, owner, workspace):
    found = Workflow(workspace=workspace)
    found.save_draft({"name": "Edited", "schema": "bill/invoice", "steps": steps(5)})
    client.force_login(owner)
    page = reverse("workflow_editor", args=[workspace.slug, found.id])

    def act(action, **data):
        response = client.post(f"{page}{action}/", data, **HX)
        assert response.status_code == 200
        return response.content.decode()

    act.working = lambda: EditSession.objects.get(workflow=found).definition
    return act


def test_the_editor_refuses_a_step_beyond_the_limit(editor, small_limits):
    for action, fields in [
        ("add", {"provider": "silo.state", "container": "/steps"}),
        ("duplicate", {"step": "/steps/0"}),
        ("json", {"definition": json.dumps({"name": "x", "steps": steps(6)})}),
    ]:
        html = editor(action, **fields)

        assert "at most 5 steps" in html, action
        assert len(editor.working()["steps"]) == 5


def test_the_editor_still_edits_a_workflow_at_the_limit(editor, small_limits):
    editor("delete", step="/steps/0")

    assert len(editor.working()["steps"]) == 4

