"""The workflows API (/transform/v1/workflows), shaped like Invopop's transform_v1."""

import json
import uuid
from datetime import timedelta

import pytest
from conftest import SHARED, shared_path
from django.utils import timezone
from rest_framework.test import APIClient

from workflows.models import Workflow, WorkflowVersion

pytestmark = pytest.mark.django_db

TEMPLATES = sorted((SHARED / "reference/invopop/templates").glob("*.json"))
META = {"id", "draft", "disabled", "version", "hash", "created_at", "updated_at", "versions"}


def url(workflow_id=None) -> str:
    base = "/transform/v1/workflows"
    return f"{base}/{workflow_id}" if workflow_id else base


def valid(**fields) -> dict:
    """A definition that can be published."""
    step = {"id": "state", "provider": "silo.state", "config": {"state": "processing"}}
    return {
        "name": "Invoices",
        "description": "",
        "schema": "bill/invoice",
        "steps": [step],
        "rescue": [],
        **fields,
    }


def broken(**fields) -> dict:
    """A definition with two errors: no name, an unknown provider."""
    return {"name": "", "steps": [{"id": "x", "provider": "nowhere.send"}], **fields}


def put(api, body, workflow_id=None):
    workflow_id = workflow_id or uuid.uuid4()
    return api.put(url(workflow_id), body, format="json")


def definition_of(data: dict) -> dict:
    """A workflow's JSON without what the API adds to the definition."""
    return {k: v for k, v in data.items() if k not in META | {"problems"}}


def test_a_put_creates_the_workflow_with_the_clients_uuid(api, workspace):
    workflow_id = uuid.uuid4()
    response = put(api, valid(draft=True), workflow_id)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["id"] == str(workflow_id)
    assert (data["draft"], data["disabled"], data["version"], data["versions"]) == (
        True,
        False,
        "",
        [],
    )
    assert definition_of(data) == valid()
    assert Workflow.objects.get(pk=workflow_id).workspace == workspace


def test_a_put_onto_an_existing_id_replaces_the_whole_definition(api):
    workflow_id = uuid.uuid4()
    put(api, valid(draft=True, notes="old", description="first"), workflow_id)
    response = put(api, valid(draft=True, name="Renamed"), workflow_id)
    assert response.status_code == 200
    assert definition_of(response.json()) == valid(name="Renamed")
    stored = Workflow.objects.get()
    assert (stored.name, stored.description, stored.extra) == ("Renamed", "", {})


def test_a_patch_changes_only_the_given_fields(api):
    workflow_id = uuid.uuid4()
    put(api, valid(draft=True, description="first", notes="kept"), workflow_id)
    response = api.patch(url(workflow_id), {"description": "second"}, format="json")
    assert response.status_code == 200
    assert definition_of(response.json()) == valid(description="second", notes="kept")
    assert response.json()["draft"] is True


def test_a_patch_can_disable_a_workflow_without_touching_its_definition(api):
    workflow_id = uuid.uuid4()
    put(api, valid(draft=False), workflow_id)
    response = api.patch(url(workflow_id), {"disabled": True}, format="json")
    assert (response.json()["disabled"], response.json()["version"]) == (True, "1")
    assert WorkflowVersion.objects.count() == 1


def test_draft_false_publishes_version_one_then_two_after_a_change(api):
    workflow_id = uuid.uuid4()
    first = put(api, valid(draft=False), workflow_id).json()
    assert (first["draft"], first["version"]) == (False, "1")
    assert [v["version"] for v in first["versions"]] == ["1"]

    again = put(api, valid(draft=False), workflow_id).json()
    assert again["version"] == "1"  # nothing changed: the same version

    changed = api.patch(url(workflow_id), {"name": "Sales", "draft": False}, format="json")
    data = changed.json()
    assert (data["draft"], data["version"]) == (False, "2")
    assert [(v["version"], v["name"], v["src"]) for v in data["versions"]] == [
        ("2", "Sales", "api"),
        ("1", "Invoices", "api"),
    ]
    assert data["versions"][0]["hash"] == data["hash"]
    assert api.get(url(workflow_id)).json()["versions"] == data["versions"]


def test_publishing_a_definition_with_problems_is_a_422_that_changes_nothing(api):
    workflow_id = uuid.uuid4()
    put(api, valid(draft=False), workflow_id)
    before = Workflow.objects.get()

    response = put(api, broken(draft=False), workflow_id)
    assert response.status_code == 422
    error = response.json()
    assert error["key"] == "invalid"
    assert error["fields"] == {
        "/name": "Name is required",
        "/steps/0/provider": "unknown provider 'nowhere.send'",
    }
    after = Workflow.objects.get()
    assert (after.definition(), after.hash, after.version, after.draft) == (
        before.definition(),
        before.hash,
        1,
        False,
    )
    assert WorkflowVersion.objects.count() == 1

    patched = api.patch(url(workflow_id), {"steps": [], "name": "", "draft": False}, format="json")
    assert patched.status_code == 422
    assert Workflow.objects.get().definition() == before.definition()


def test_a_new_workflow_that_cannot_be_published_is_not_created(api):
    response = put(api, broken(draft=False))
    assert response.status_code == 422
    assert not Workflow.objects.exists()


def test_a_draft_with_problems_is_saved_with_its_problems_listed(api):
    workflow_id = uuid.uuid4()
    response = put(api, broken(draft=True), workflow_id)
    assert response.status_code == 200
    problems = response.json()["problems"]
    assert problems == [
        {"path": "/name", "message": "Name is required", "level": "error"},
        {
            "path": "/steps/0/provider",
            "message": "unknown provider 'nowhere.send'",
            "level": "error",
        },
    ]
    assert api.get(url(workflow_id)).json()["problems"] == problems


def test_without_draft_a_valid_definition_is_published_and_a_broken_one_kept_as_draft(api):
    published = put(api, valid()).json()
    assert (published["draft"], published["version"]) == (False, "1")
    kept = put(api, broken()).json()
    assert (kept["draft"], kept["version"], len(kept["problems"])) == (True, "", 2)


def test_a_patch_without_draft_keeps_a_draft_a_draft(api):
    workflow_id = uuid.uuid4()
    put(api, valid(draft=True), workflow_id)
    data = api.patch(url(workflow_id), {"name": "Other"}, format="json").json()
    assert (data["draft"], data["version"]) == (True, "")


def test_the_list_is_filtered_by_schema_newest_first(api, workspace):
    now = timezone.now()
    for index, schema in enumerate(["bill/invoice", "org/party", "bill/invoice"]):
        make(workspace, f"W{index}", now + timedelta(seconds=index), schema=schema)
    data = api.get(url(), {"schema": "bill/invoice"}).json()
    assert [w["name"] for w in data["list"]] == ["W2", "W0"]
    assert (data["schema"], data["limit"], data["next_cursor"]) == ("bill/invoice", 20, "")
    assert "versions" not in data["list"][0]
    assert len(api.get(url()).json()["list"]) == 3


def test_45_workflows_come_in_3_pages_of_at_most_20(api, workspace):
    now = timezone.now()
    for index in range(45):
        make(workspace, f"W{index}", now - timedelta(seconds=index))
    pages, cursor = [], ""
    while True:
        data = api.get(url(), {"limit": 20, "cursor": cursor}).json()
        pages.append([w["name"] for w in data["list"]])
        cursor = data["next_cursor"]
        if not cursor:
            break
    assert [len(page) for page in pages] == [20, 20, 5]
    assert sum(pages, []) == [f"W{index}" for index in range(45)]


def test_next_created_at_pages_as_invopop_clients_do(api, workspace):
    now = timezone.now()
    for index in range(5):
        make(workspace, f"W{index}", now - timedelta(seconds=index))
    first = api.get(url(), {"limit": 2}).json()
    second = api.get(url(), {"limit": 2, "created_at": first["next_created_at"]}).json()
    assert [w["name"] for w in second["list"]] == ["W2", "W3"]
    assert second["created_at"] == first["next_created_at"]
    last = api.get(url(), {"limit": 2, "created_at": second["next_created_at"]}).json()
    assert [w["name"] for w in last["list"]] == ["W4"]
    assert "next_created_at" not in last  # not null: Invopop's schema says a string


def test_an_empty_list_has_no_null_times(api):
    page = api.get(url()).json()
    assert page["list"] == [] and "created_at" not in page and "next_created_at" not in page


def test_listing_takes_a_fixed_number_of_queries(api, workspace, django_assert_max_num_queries):
    api.get(url())  # the token's last use is recorded once
    now = timezone.now()
    for index in range(30):
        make(workspace, f"W{index}", now - timedelta(seconds=index))
    with django_assert_max_num_queries(3):
        response = api.get(url(), {"limit": 25})
    assert len(response.json()["list"]) == 25


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.stem for p in TEMPLATES])
def test_each_invopop_template_round_trips_through_put_and_get(api, path):
    template = json.loads(shared_path("reference/invopop/templates", path.name).read_text())
    workflow_id = uuid.uuid4()
    response = put(api, template, workflow_id)
    assert response.status_code == 200, response.json()
    assert definition_of(api.get(url(workflow_id)).json()) == template


def test_the_templates_are_there_or_the_check_says_why():
    if not TEMPLATES:
        shared_path("reference/invopop/templates")
    assert len(TEMPLATES) == 101  # all of those Invopop publishes


def test_another_workspaces_workflow_is_404_on_every_path(api, other_api):
    workflow_id = uuid.uuid4()
    put(api, valid(draft=True), workflow_id)
    before = Workflow.objects.get().definition()

    assert other_api.get(url(workflow_id)).status_code == 404
    assert other_api.patch(url(workflow_id), {"name": "Mine"}, format="json").status_code == 404
    taken = other_api.put(url(workflow_id), valid(name="Mine"), format="json")
    assert (taken.status_code, taken.json()["key"]) == (404, "not-found")
    assert other_api.get(url()).json()["list"] == []
    assert Workflow.objects.get().definition() == before


def test_without_a_token_every_path_is_401():
    client = APIClient()
    workflow_id = uuid.uuid4()
    for response in [
        client.get(url()),
        client.get(url(workflow_id)),
        client.put(url(workflow_id), valid(), format="json"),
        client.patch(url(workflow_id), {}, format="json"),
    ]:
        assert response.status_code == 401
        assert response.json()["key"] == "unauthorized"


def test_a_path_id_that_is_not_a_uuid_is_404(api):
    for response in [
        api.get(url("nope")),
        api.put(url("nope"), valid(), format="json"),
        api.patch(url("123"), {}, format="json"),
    ]:
        assert response.status_code == 404


def test_a_patch_of_a_missing_workflow_is_404(api):
    assert api.patch(url(uuid.uuid4()), {"name": "x"}, format="json").status_code == 404


@pytest.mark.parametrize(
    "body, pointer",
    [
        ([valid()], "/"),
        ("a string", "/"),
        (42, "/"),
        (valid(draft="yes"), "/draft"),
        (valid(disabled=1), "/disabled"),
        (valid(draft=None), "/draft"),  # a boolean, not nullable, in Invopop's schema too
        (valid(notes="a\x00b"), "/notes"),
    ],
)
def test_what_is_not_a_workflow_body_is_a_422_naming_the_field(api, body, pointer):
    response = put(api, body)
    assert response.status_code == 422
    assert pointer in response.json()["fields"]
    assert not Workflow.objects.exists()


def test_absurd_nesting_and_infinite_numbers_are_422_not_500(api):
    deep: dict = {"id": "x", "provider": "silo.state"}
    for _ in range(100):
        deep = {"id": "x", "provider": "silo.state", "next": [{"steps": [deep]}]}
    assert put(api, valid(steps=[deep])).status_code == 422
    raw = '{"name": "x", "steps": [{"id": "a", "timeout": 1e400}]}'
    response = api.put(url(uuid.uuid4()), raw, content_type="application/json")
    assert (response.status_code, list(response.json()["fields"])) == (422, ["/steps/0/timeout"])
    parsed_too_deep = "[" * 100_000 + "]" * 100_000
    response = api.put(url(uuid.uuid4()), parsed_too_deep, content_type="application/json")
    assert response.status_code in (400, 422)


def test_bad_list_parameters_are_422(api):
    for params, pointer in [
        ({"limit": "many"}, "/limit"),
        ({"cursor": "%%%"}, "/cursor"),
        ({"created_at": "yesterday"}, "/created_at"),
    ]:
        response = api.get(url(), params)
        assert response.status_code == 422
        assert pointer in response.json()["fields"]


def make(workspace, name: str, created_at, schema="bill/invoice") -> Workflow:
    workflow = Workflow(workspace=workspace, created_at=created_at)
    workflow.apply_definition(valid(name=name, schema=schema))
    workflow.save()
    return workflow


def test_a_patch_without_draft_publishes_a_published_workflows_change(api):
    workflow_id = uuid.uuid4()
    put(api, valid(draft=False), workflow_id)
    data = api.patch(url(workflow_id), {"name": "Sales"}, format="json").json()
    assert (data["draft"], data["version"], len(data["versions"])) == (False, "2", 2)
    kept = api.patch(url(workflow_id), {"steps": [{"id": "x"}]}, format="json").json()
    assert (kept["draft"], kept["version"]) == (True, "2")


def test_there_is_no_post_as_in_the_reference(api):
    response = api.post(url(), valid(), format="json")
    assert (response.status_code, response.json()["key"]) == (405, "method-not-allowed")
