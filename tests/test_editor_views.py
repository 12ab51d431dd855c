"""The workflow editor's views: every editor action as a POST, as htmx sends it."""

import json
import re

import pytest
from django.urls import reverse

from tests.conftest import shared_path
from workflows.models import EditSession, Workflow

HX = {"HTTP_HX_REQUEST": "true"}


def state_step(step_id, name, state):
    return {"id": step_id, "name": name, "provider": "silo.state", "config": {"state": state}}


@pytest.fixture
def workflow(workspace):
    found = Workflow(workspace=workspace)
    found.save_draft(
        {
            "name": "Issue invoice",
            "schema": "bill/invoice",
            "steps": [
                state_step("s1", "Processing", "processing"),
                state_step("s2", "Sent", "sent"),
            ],
            "rescue": [],
            "x-owner": "finance",  # an unknown field that must survive every edit
        }
    )
    return found


@pytest.fixture
def editor(client, owner, workflow):
    client.force_login(owner)
    page = reverse("workflow_editor", args=[workflow.workspace.slug, workflow.id])

    class Editor:
        url = page

        def act(self, action, **data):
            response = client.post(f"{page}{action}/", data, **HX)
            assert response.status_code == 200, response.content[:400]
            return response.content.decode()

        def get(self, **params):
            response = client.get(page, params, **HX)
            assert response.status_code == 200
            return response.content.decode()

        def working(self):
            return EditSession.objects.get(workflow=workflow, user=owner).definition

        def step_names(self, top="steps"):
            return [s["name"] for s in self.working()[top]]

    return Editor()


def test_template_picker_lists_empty_templates_first_and_creates_a_draft(client, owner, workspace):
    client.force_login(owner)
    url = reverse("workflow_create", args=[workspace.slug])
    page = client.get(url).content.decode()
    titles = re.findall(r"<h3>(.*?)</h3>", page)
    assert titles[:5] == [
        "Empty Invoice workflow",
        "Empty Party workflow",
        "Empty Payments workflow",
        "Empty Order workflow",
        "Empty Delivery workflow",
    ]
    assert "PDF invoice" in titles and "Load template" in page
    response = client.post(url, {"template": "empty-invoice"})
    assert response.status_code == 302
    assert response["Location"].endswith("/workflows/new/empty-invoice/")
    assert client.post(url, {"template": "nope"}).status_code == 400


def test_a_template_is_saved_as_a_draft_on_the_first_edit_not_when_loaded(client, owner, workspace):
    client.force_login(owner)
    page = reverse("workflow_new", args=[workspace.slug, "empty-invoice"])
    html = client.get(page).content.decode()
    assert "Invoice workflow" in html and "not saved" in html
    assert f'hx-get="{page}?panel=picker' in html and f'hx-post="{page}settings/"' in html
    client.get(page, {"panel": "picker", "container": "/steps", "index": "0"}, **HX)
    assert not Workflow.objects.exists(), "looking and backing out leaves nothing"

    response = client.post(f"{page}add/", {"provider": "silo.state", "index": "0"}, **HX)
    created = Workflow.objects.get(workspace=workspace)
    editor = reverse("workflow_editor", args=[workspace.slug, created.id])
    assert response.status_code == 200 and response["HX-Replace-Url"] == editor
    assert created.draft and created.schema == "bill/invoice"
    assert f'hx-post="{editor}save/"' in response.content.decode()
    working = EditSession.objects.get(workflow=created, user=owner).definition
    assert [s["provider"] for s in working["steps"]] == ["silo.state"]
    assert client.get(reverse("workflow_new", args=[workspace.slug, "nope"])).status_code == 400


def test_a_viewer_sees_the_editor_read_only_and_cannot_act(client, viewer, workflow):
    client.force_login(viewer)
    url = reverse("workflow_editor", args=[workflow.workspace.slug, workflow.id])
    page = client.get(url).content.decode()
    assert "Processing" in page and 'draggable="true"' not in page and 'id="publish"' not in page
    assert client.post(f"{url}add/", {"provider": "silo.state"}, **HX).status_code == 403
    assert not EditSession.objects.exists()


def test_another_workspace_gets_404(client, outsider, workflow):
    client.force_login(outsider)
    url = reverse("workflow_editor", args=[workflow.workspace.slug, workflow.id])
    assert client.get(url).status_code == 404
    assert client.post(f"{url}add/", {"provider": "silo.state"}).status_code == 404


def test_page_shows_cards_with_icons_and_the_settings_panel(client, owner, workflow):
    client.force_login(owner)
    page = client.get(reverse("workflow_editor", args=[workflow.workspace.slug, workflow.id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('<article class="step') == 2 and "#i-flag" in html
    assert 'id="wf-name"' in html and "Not published yet" in html
    assert 'data-dirty="false"' in html


def test_add_step_from_the_picker_selects_it(editor):
    picker = editor.get(panel="picker", container="/steps", index="1")
    assert "Add a step" in picker and 'data-key="silo.modify"' in picker
    assert "Tax agencies" in picker, "every category is listed, even an empty one"
    html = editor.act("add", provider="silo.folder", container="/steps", index="1")
    assert editor.step_names() == ["Processing", "Move to folder", "Sent"]
    assert 'data-pointer="/steps/1"' in html and 'class="step selected' in html
    assert 'data-dirty="true"' in html and "unsaved changes" in html
    assert "Folder is required" in html and "1 problem" in html


def test_configure_a_step_shows_errors_by_field_and_keeps_unknown_keys(editor, workflow):
    editor.act("step", step="/steps/0", name="Start", notes="first", **{"/state": "Not Valid"})
    step = editor.working()["steps"][0]
    assert step["name"] == "Start" and step["notes"] == "first"
    html = editor.get(step="/steps/0")
    assert "has-error" in html and "is not in the expected format, such as processing" in html
    editor.act("step", step="/steps/0", **{"/state": "processing", "/notes": "hello"})
    assert editor.working()["steps"][0]["config"] == {"state": "processing", "notes": "hello"}
    assert editor.working()["x-owner"] == "finance"


def test_move_by_drag_and_by_keyboard(editor):
    editor.act("move", step="/steps/0", container="/steps", index="2")
    assert editor.step_names() == ["Sent", "Processing"]
    editor.act("nudge", step="/steps/1", direction="up")
    assert editor.step_names() == ["Processing", "Sent"]
    editor.act("move", step="/steps/1", container="/rescue", index="0")
    assert editor.step_names() == ["Processing"] and editor.step_names("rescue") == ["Sent"]
    editor.act("move", step="/rescue/0", container="/steps", index="1000000")
    assert editor.step_names() == ["Processing", "Sent"]


def test_moving_a_step_into_its_own_condition_is_refused(editor):
    editor.act("condition", step="/steps/0", status="KO")
    before = editor.working()
    html = editor.act("move", step="/steps/0", container="/steps/0/next/0/steps", index="0")
    assert "cannot move into its own conditions" in html
    assert editor.working() == before


def test_ko_condition_with_a_nested_step_and_its_removal(editor):
    html = editor.act("condition", step="/steps/0", status="KO", code="4102", stop="1")
    assert "If KO" in html and "code 4102" in html and "End workflow here" in html
    assert "Add a step" in html, "the picker opens for the new block"
    editor.act("add", provider="silo.state", container="/steps/0/next/0/steps", index="0")
    block = editor.working()["steps"][0]["next"][0]
    assert block["status"] == "KO" and block["code"] == "4102" and block["stop"] is True
    assert [s["provider"] for s in block["steps"]] == ["silo.state"]
    editor.act("move", step="/steps/0/next/0/steps/0", container="/steps", index="1")
    assert editor.working()["steps"][0]["next"][0]["steps"] == []
    editor.act("uncondition", block="/steps/0/next/0")
    assert "next" not in editor.working()["steps"][0]


def test_duplicate_replace_and_delete(editor):
    editor.act("duplicate", step="/steps/0")
    steps = editor.working()["steps"]
    assert [s["name"] for s in steps] == ["Processing", "Processing (copy)", "Sent"]
    assert steps[1]["id"] != "s1"
    editor.act("replace", step="/steps/1", provider="silo.folder")
    assert editor.working()["steps"][1]["provider"] == "silo.folder"
    replace = editor.get(replace="/steps/1")
    assert "Replace action" in replace
    editor.act("delete", step="/steps/1")
    assert editor.step_names() == ["Processing", "Sent"]


def test_error_handling_switch(editor):
    html = editor.act("rescue", on="1")
    assert "Error handling" in html and 'data-container="/rescue"' in html
    assert 'name="rescue_open" value="1"' in html
    html = editor.act("add", provider="silo.state", container="/rescue", index="0")
    assert editor.step_names("rescue") == ["Set state"]
    html = editor.act("rescue")
    assert "move or delete the error-handling steps first" in html
    editor.act("delete", step="/rescue/0")
    html = editor.act("rescue")
    assert 'id="handle-errors"' in html


def test_workflow_settings(editor):
    editor.act("settings", name="Renamed", description="Why", schema="bill/payment")
    working = editor.working()
    assert (working["name"], working["description"], working["schema"]) == (
        "Renamed",
        "Why",
        "bill/payment",
    )


def test_developer_mode_shows_json_and_applies_a_paste(editor):
    html = editor.get(mode="json")
    shown = re.search(r'<textarea id="definition-json"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert json.loads(shown.replace("&quot;", '"').replace("&#x27;", "'"))["x-owner"] == "finance"
    pasted = {"name": "Pasted", "steps": [{"id": "p1", "provider": "mystery.action", "zz": 1}]}
    html = editor.act("json", definition=json.dumps(pasted))
    assert editor.working() == pasted, "the paste replaces the definition, losslessly"
    assert "unknown provider" in html and 'data-pointer="/steps/0"' in html


def test_developer_mode_refuses_what_the_canvas_cannot_draw(editor):
    editor.get()
    before = editor.working()
    html = editor.act("json", definition="{not json")
    assert "not valid JSON" in html and 'id="definition-json"' in html
    html = editor.act("json", definition=json.dumps({"name": "X", "steps": [{"name": "no id"}]}))
    assert "<code>/steps/0/id</code>" in html and "Id is required" in html
    assert "{not json" not in html and "no id" in html, "the text is kept for fixing"
    assert editor.working() == before


def test_a_shared_template_pasted_round_trips_through_save(editor, workflow):
    template = shared_path("reference", "invopop", "templates", "pdf__invoice.json")
    pasted = json.loads(template.read_text())
    editor.act("json", definition=template.read_text())
    editor.act("save")
    workflow.refresh_from_db()
    assert workflow.definition() == pasted


def test_undo_the_last_change(editor):
    editor.act("delete", step="/steps/0")
    editor.act("settings", name="Other")
    editor.act("undo")
    assert editor.working()["name"] == "Issue invoice" and editor.step_names() == ["Sent"]
    editor.act("undo")
    assert editor.step_names() == ["Processing", "Sent"]
    assert "Nothing to undo" in editor.act("undo")


def test_save_draft_publish_and_versions(editor, workflow):
    editor.act("settings", name="Saved name")
    workflow.refresh_from_db()
    assert workflow.name == "Issue invoice", "edits stay in the working copy until saved"
    html = editor.act("save")
    workflow.refresh_from_db()
    assert workflow.name == "Saved name" and workflow.draft
    assert 'data-dirty="false"' in html and "Draft saved" in html
    html = editor.act("publish")
    workflow.refresh_from_db()
    assert "Published as version 1" in html and not workflow.draft and workflow.version == 1
    assert "v1 published" in html and "Restore" in html


def test_publish_with_problems_is_refused_and_listed(editor, workflow):
    editor.act("add", provider="silo.folder", container="/steps", index="0")
    html = editor.act("publish")
    workflow.refresh_from_db()
    assert "not published" in html and "<code>/steps/0/config/folder</code>" in html
    assert workflow.version == 0 and len(workflow.steps) == 3, "kept as a draft"


def test_view_an_old_version_and_restore_it(editor, workflow):
    editor.act("publish")
    editor.act("delete", step="/steps/1")
    editor.act("publish")
    old = editor.get(version="1")
    assert "read-only" in old and "Sent" in old and 'draggable="true"' not in old
    html = editor.act("restore", version="1")
    workflow.refresh_from_db()
    assert "Version 1 restored" in html
    assert [s["name"] for s in workflow.steps] == ["Processing", "Sent"]
    assert workflow.draft, "v2 is still the latest version: the restored v1 is a draft"
    assert editor.step_names() == ["Processing", "Sent"]


def test_unknown_version_is_404(client, owner, workflow):
    client.force_login(owner)
    url = reverse("workflow_editor", args=[workflow.workspace.slug, workflow.id])
    assert client.get(url, {"version": "9"}).status_code == 404
    assert client.get(url, {"version": "x"}).status_code == 404


def test_discard_returns_to_the_saved_definition(editor):
    editor.act("delete", step="/steps/0")
    html = editor.act("discard")
    assert editor.step_names() == ["Processing", "Sent"] and 'data-dirty="false"' in html


def test_without_htmx_an_action_redirects_back_to_the_page(client, owner, workflow):
    client.force_login(owner)
    url = reverse("workflow_editor", args=[workflow.workspace.slug, workflow.id])
    response = client.post(f"{url}nudge/", {"step": "/steps/1", "direction": "up"})
    assert response.status_code == 302 and "step=%2Fsteps%2F0" in response["Location"]
    assert client.post(f"{url}bogus/", **HX).status_code == 400


def test_stale_pointer_is_a_message_not_a_500(editor):
    html = editor.act("delete", step="/steps/7")
    assert "no step at /steps/7" in html


def test_someone_elses_save_is_followed_when_you_have_no_changes(editor, workflow):
    editor.get()
    workflow.save_draft({**workflow.definition(), "name": "Changed elsewhere"})
    assert "Changed elsewhere" in editor.get()
    editor.act("settings", name="Mine")
    workflow.save_draft({**workflow.definition(), "name": "Again elsewhere"})
    html = editor.get()
    assert "saved by someone else" in html and editor.working()["name"] == "Mine"


def test_the_list_and_the_editor_open_the_run_panel_once_published(editor, client, workflow):
    listing = client.get(reverse("workflow_list", args=[workflow.workspace.slug])).content.decode()
    run_url = reverse("job_run", args=[workflow.workspace.slug])
    assert f"{run_url}?workflow={workflow.id}" not in listing, "a draft cannot run"
    assert 'id="run" ' in editor.get() and "Publish the workflow first" in editor.get()
    editor.act("publish")
    listing = client.get(reverse("workflow_list", args=[workflow.workspace.slug])).content.decode()
    assert f"{run_url}?workflow={workflow.id}" in listing and 'id="run-panel"' in listing
    assert "Publish the workflow first" not in editor.get()
    panel = client.get(run_url, {"workflow": str(workflow.id)}, HTTP_HX_REQUEST="true")
    assert panel.status_code == 200 and "Run workflow" in panel.content.decode()


# --- What a step card says (issue 18)


def card_summary(step: dict) -> str:
    from workflows.canvas import cards

    return str(cards({"name": "W", "steps": [{"id": "a", **step}]}, "/steps", {})[0].summary)


def test_a_pasted_template_summary_is_rendered_with_a_state_chip_and_code():
    found = card_summary(
        {"provider": "silo.state", "summary": "Set state to `processing`{.state .processing}"}
    )
    assert found.startswith('Set state to <span class="chip state')
    assert ">processing</span>" in found and "{.state" not in found and "`" not in found
    assert card_summary({"provider": "silo.state", "summary": "Add `en16931`"}) == (
        "Add <code>en16931</code>"
    )
    assert "&lt;b&gt;" in card_summary({"provider": "silo.state", "summary": "<b>`x`"})


def test_a_card_says_what_its_step_is_set_to_do_not_the_generic_description():
    email = {"provider": "email.send", "config": {"to": ["ann@example.com"]}}
    assert card_summary(email) == "Email ann@example.com"
    customer = {"provider": "email.send", "config": {"add_invoice_customer": True}}
    assert card_summary(customer) == "Email the customer"
    hook = {"provider": "webhook", "config": {"callback_url": "https://crm.example.com/h"}}
    assert card_summary(hook) == "POST to <code>https://crm.example.com/h</code>"
    state = card_summary({"provider": "silo.state", "config": {"state": "sent"}})
    assert state.startswith('Set state to <span class="chip state') and ">sent<" in state
    series = {"provider": "sequence.enumerate", "config": {"name": "Invoice", "prefix": "INV-"}}
    assert card_summary(series) == "Series Invoice · codes like <code>INV-1</code>"
    pdf = card_summary({"provider": "pdf", "config": {"locale": "es"}})
    assert "<code>es</code>" in pdf
    # Nothing set: the provider's description.
    assert card_summary({"provider": "email.send", "config": {}}).startswith("Email the document")


def test_changing_a_steps_settings_drops_the_summary_that_described_the_old_ones():
    from workflows import editing

    definition = {
        "name": "W",
        "steps": [
            {
                "id": "a",
                "provider": "silo.state",
                "summary": "Set state to `x`{.state .x}",
                "config": {"state": "x"},
            }
        ],
    }
    same = editing.set_config(definition, "/steps/0", {"state": "x"})
    assert same["steps"][0]["summary"]
    changed = editing.set_config(definition, "/steps/0", {"state": "sent"})
    assert "summary" not in changed["steps"][0]
    assert ">sent<" in card_summary(changed["steps"][0])


def test_build_and_pdf_have_icons_of_their_own_and_every_icon_is_drawn():
    from pathlib import Path

    from providers import registry

    assert registry.get("gobl.build").icon != registry.get("pdf").icon
    icons = (Path(__file__).parent.parent / "templates/workflows/editor/_icons.html").read_text()
    for found in registry.all_providers():
        assert f'id="i-{found.icon}"' in icons, found.key


# --- Validation catches what would fail at run time (issue 18)


def test_an_email_to_nobody_and_a_webhook_url_that_is_no_url_are_problems_named_in_plain_words(
    editor,
):
    editor.act("add", provider="email.send", container="/steps", index="9")
    html = editor.act("add", provider="webhook", container="/steps", index="9")
    assert "Webhook URL is required" in html and "is not valid under" not in html
    html = editor.act("step", step="/steps/3", name="Notify", **{"/callback_url": "crm hooks"})
    assert "Webhook URL must be a web address" in html
    html = editor.get(step="/steps/2")
    assert "Recipient is required" in html and "<code>/steps/2/config/to</code>" in html
    html = editor.act("step", step="/steps/2", name="Mail", **{"/to": "ann@example.com"})
    assert "Recipient is required" not in html


def test_a_workflow_with_no_steps_is_not_published(editor, workflow):
    editor.act("delete", step="/steps/1")
    editor.act("delete", step="/steps/0")
    html = editor.act("publish")
    workflow.refresh_from_db()
    assert "not published" in html and "Steps are required" in html
    assert workflow.version == 0


def test_a_problem_in_a_list_takes_the_person_to_its_field(editor):
    editor.act("add", provider="sequence.enumerate", container="/steps", index="0")
    html = editor.act("publish")
    link = re.search(r'<button type="button" class="problem-link" hx-get="([^"]+)"', html)
    assert link and "Series is required" in html
    assert link.group(1).endswith("?step=/steps/0&amp;field=/config/name")
    html = editor.get(step="/steps/0", field="/config/name")
    field = re.search(r'<input type="text" id="cfg-name"[^>]*>', html).group(0)
    assert "data-focus" in field and 'aria-invalid="true"' in field
    assert html.count("data-focus") == 1


# --- The workflows list and Run from the editor (issue 18)


def test_the_workflows_list_search_ignores_punctuation_accents_and_case(client, owner, workspace):
    for name in ("VERI*FACTU invoices", "Facturación electrónica", "Slack alerts"):
        Workflow(workspace=workspace).save_draft({"name": name, "steps": []})
    client.force_login(owner)
    url = reverse("workflow_list", args=[workspace.slug])

    def found(q):
        html = client.get(url, {"q": q}).content.decode()
        return sorted(re.findall(r'/edit/">([^<]+)</a>', html))

    assert found("verifactu") == ["VERI*FACTU invoices"]
    assert found("facturacion") == ["Facturación electrónica"]
    assert found("fact") == ["Facturación electrónica", "VERI*FACTU invoices"]
    assert found("SLACK alerts") == ["Slack alerts"]
    assert found("nothing") == []


def test_run_from_the_editor_says_which_version_runs_when_edits_are_not_in_it(
    client, editor, workflow
):
    workflow.publish()
    html = editor.act("settings", name="Issue invoice, renamed")
    run = re.search(r'id="run" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert run.endswith("&unsaved=1")
    panel = client.get(run, **HX).content.decode()
    assert "runs the published version, v1: your unsaved edits are not in it" in panel
    clean = client.get(run.removesuffix("&unsaved=1"), **HX).content.decode()
    assert 'id="version-note"' not in clean
