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


# --- Lines per document


def invoice(count: int, envelope=True) -> dict:
    from engine_helpers import INVOICE

    doc = {**INVOICE["doc"], "lines": [dict(INVOICE["doc"]["lines"][0]) for _ in range(count)]}
    doc.pop("totals", None)
    for line in doc["lines"]:
        line.pop("sum", None), line.pop("total", None)
    return {**INVOICE, "doc": doc} if envelope else doc


@pytest.mark.parametrize(
    ("envelope", "pointer"), [(True, "/data/doc/lines"), (False, "/data/lines")]
)
def test_the_api_refuses_a_document_with_more_lines_than_the_limit(
    api, small_limits, envelope, pointer
):
    from silo.models import SiloEntry

    response = api.post("/silo/v1/entries", {"data": invoice(4, envelope)}, format="json")

    assert response.status_code == 422
    assert "at most 3 lines" in response.json()["fields"][pointer]
    assert not SiloEntry.objects.exists()


def test_the_api_takes_a_document_at_the_limit_and_refuses_a_patch_beyond(api, small_limits):
    created = api.post("/silo/v1/entries", {"data": invoice(3)}, format="json")
    assert created.status_code in (200, 201), created.json()
    url = f"/silo/v1/entries/{created.json()['id']}"
    lines = invoice(4)["doc"]["lines"]

    merged = api.patch(
        url,
        json.dumps({"doc": {"lines": lines}}),
        content_type="application/merge-patch+json",
    )
    added = api.patch(
        url,
        json.dumps([{"op": "add", "path": "/doc/lines/-", "value": lines[0]}]),
        content_type="application/json-patch+json",
    )

    assert merged.status_code == 422 and "/doc/lines" in merged.json()["fields"]
    assert added.status_code == 422
    assert len(api.get(f"{url}?data=true").json()["data"]["doc"]["lines"]) == 3


def test_the_jobs_api_and_a_webhook_refuse_a_document_beyond_the_limit(
    api, client, workspace, small_limits
):
    from engine_helpers import workflow

    from silo.models import SiloEntry
    from workflows.models import Trigger, TriggerKind

    flow = workflow(workspace, [state("received")])
    job = api.post(
        "/transform/v1/jobs", {"workflow_id": str(flow.id), "data": invoice(4)}, format="json"
    )
    hook = Trigger.objects.create(workspace=workspace, workflow=flow, kind=TriggerKind.WEBHOOK)
    delivered = client.post(
        f"/hooks/{hook.id}",
        json.dumps(invoice(4, envelope=False)),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {hook.secret}",
    )

    assert job.status_code == 422 and "/data/doc/lines" in job.json()["fields"]
    assert delivered.status_code == 422 and "/lines" in delivered.json()["fields"]
    assert not SiloEntry.objects.exists()


def test_the_console_refuses_a_document_beyond_the_limit(client, owner, workspace, small_limits):
    client.force_login(owner)
    url = reverse("entry_create", args=[workspace.slug, "invoices"])

    response = client.post(url, {"document": json.dumps(invoice(4))})

    assert response.status_code == 422
    [(pointer, message)] = response.context["form"].problems
    assert pointer == "/doc/lines" and "at most 3 lines" in message


# --- The entry page: its lines in pages


@pytest.fixture
def long_entry(workspace, settings):
    from silo.models import SiloEntry

    settings.ENTRY_PAGE_LINES = 2
    data = invoice(5)
    for n, line in enumerate(data["doc"]["lines"], start=1):
        line["item"] = {**line["item"], "name": f"Item {n}"}
    return SiloEntry.create_with_version(workspace, data)


def page(client, entry, **params):
    url = reverse("entry_detail", args=[entry.workspace.slug, entry.id])
    response = client.get(url, params, **({"HTTP_HX_REQUEST": "true"} if "part" in params else {}))
    assert response.status_code == 200
    return response.content.decode()


def items(html: str) -> list[str]:
    import re

    return re.findall(r"<td>(Item \d+)", html)


def test_the_entry_page_shows_the_first_lines_and_pages_through_the_rest(client, owner, long_entry):
    client.force_login(owner)

    first = page(client, long_entry)
    second = page(client, long_entry, lines=2)
    last = page(client, long_entry, lines=3)

    assert items(first) == ["Item 1", "Item 2"]
    assert "Lines 1–2 of 5" in first and "?lines=2" in first
    assert items(second) == ["Item 3", "Item 4"]
    assert items(last) == ["Item 5"] and "Lines 5–5 of 5" in last


def test_a_page_of_lines_is_a_fragment_for_htmx(client, owner, long_entry):
    client.force_login(owner)

    fragment = page(client, long_entry, part="lines", lines=2)

    assert fragment.startswith('<div id="doc-lines"') and items(fragment) == ["Item 3", "Item 4"]
    assert "<html" not in fragment


@pytest.mark.parametrize("wanted", ["0", "-3", "99", "abc", "²", "1e9"])
def test_a_page_of_lines_out_of_range_shows_the_nearest(client, owner, long_entry, wanted):
    client.force_login(owner)

    assert len(items(page(client, long_entry, lines=wanted))) in (1, 2)


def test_a_long_documents_json_is_sent_only_when_asked_for(client, owner, long_entry):
    client.force_login(owner)

    shown = page(client, long_entry)
    asked = page(client, long_entry, part="json")
    whole = page(client, long_entry, json="1")

    assert "Item 5" not in shown
    assert asked.startswith('<pre class="json">') and "Item 5" in asked
    assert "Item 5" in whole


def test_the_longest_document_allowed_renders_a_small_page_quickly(client, owner, workspace):
    import time

    from django.conf import settings

    from silo.models import SiloEntry

    entry = SiloEntry.create_with_version(workspace, invoice(settings.DOCUMENT_MAX_LINES))
    client.force_login(owner)
    started = time.monotonic()

    html = page(client, entry)

    assert len(html) < 200_000
    assert time.monotonic() - started < 2


def test_the_editor_of_a_workflow_at_the_limit_stays_usable(client, owner, workspace, settings):
    import time

    found = Workflow(workspace=workspace)
    found.save_draft({"name": "Full", "steps": steps(settings.WORKFLOW_MAX_STEPS)})
    client.force_login(owner)
    page = reverse("workflow_editor", args=[workspace.slug, found.id])

    started = time.monotonic()
    shown = client.get(page)
    edited = client.post(f"{page}nudge/", {"step": "/steps/3", "direction": "up"}, **HX)

    assert shown.status_code == edited.status_code == 200
    assert len(shown.content) < 2_000_000
    assert time.monotonic() - started < 5
