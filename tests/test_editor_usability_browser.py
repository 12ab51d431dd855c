"""What a new user tripped on in the editor (issue 18), in a real browser: Playwright driving
Debian's Chromium against the live server, with the fixtures and the `Editor` of
test_editor_browser.py. Screenshots go to var/test/screenshots/ (or $SCREENSHOT_DIR)."""

import os
from pathlib import Path

import pytest

from tests.test_editor_browser import CHROMIUM, Editor, owner_page
from tests.test_editor_browser import chromium as chromium  # the fixture
from workflows import catalogue
from workflows.models import Workflow

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"browser tests need Debian's Chromium at {CHROMIUM}"
)
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

SHOTS = Path(
    os.environ.get("SCREENSHOT_DIR", Path(__file__).parent.parent / "var/test/screenshots")
)


@pytest.fixture
def page(chromium, live_server, workspace):
    with owner_page(chromium, live_server.url, 10_000) as found:
        yield found


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"usability-{name}.png")


def open_editor(page, workspace, definition=None):
    workflow = Workflow(workspace=workspace)
    workflow.save_draft(definition or catalogue.instantiate("empty-invoice"))
    page.goto(f"/w/{workspace.slug}/workflows/{workflow.id}/edit/")
    return workflow, Editor(page)


def test_the_picker_search_hides_what_does_not_match_and_enter_adds_the_first(page, workspace):
    workflow, editor = open_editor(page, workspace)
    editor.open_picker()
    search = page.locator("#action-search")
    search.fill("pdf")
    shown = page.locator(".picker .action:visible")
    keys = shown.evaluate_all("found => found.map(a => a.dataset.key)")
    assert "pdf" in keys
    assert len(keys) < page.locator(".picker .action").count()
    for key in keys:
        search_text = page.locator(f'.action[data-key="{key}"]').get_attribute("data-search")
        assert "pdf" in search_text
    expect(page.locator('.action[data-key="silo.state"]')).to_be_hidden()
    shot(page, "picker-search")

    search.fill("zzz-nothing")
    expect(shown).to_have_count(0)
    expect(page.locator(".picker-empty")).to_be_visible()

    search.fill("sequential code")
    editor.act(search.press, "Enter")
    expect(editor.card("/steps/0")).to_be_visible()
    assert editor.card("/steps/0").locator(".step-key").inner_text() == "sequence.enumerate"


SHOWCASE = {
    "name": "Send and notify",
    "schema": "bill/invoice",
    "steps": [
        {
            "id": "s",
            "provider": "silo.state",
            "name": "Set state",
            "summary": "Set state to `processing`{.state .processing}",
            "config": {"state": "processing"},
        },
        {"id": "b", "provider": "gobl.build", "name": "Build", "config": {}},
        {"id": "p", "provider": "pdf", "name": "PDF", "config": {"locale": "es"}},
        {
            "id": "e",
            "provider": "email.send",
            "name": "Email",
            "config": {"to": ["ann@example.com"]},
        },
        {
            "id": "w",
            "provider": "webhook",
            "name": "Notify CRM",
            "config": {"callback_url": "https://crm.example.com/hooks"},
        },
    ],
}


def test_cards_render_invopop_summaries_and_show_the_configured_values(page, workspace):
    open_editor(page, workspace, SHOWCASE)
    first = page.locator('article.step[data-pointer="/steps/0"] .step-summary')
    expect(first.locator(".chip.state")).to_have_text("processing")
    expect(first).not_to_contain_text("{.state")
    expect(page.locator('article.step[data-pointer="/steps/3"] .step-summary')).to_have_text(
        "Email ann@example.com"
    )
    expect(
        page.locator('article.step[data-pointer="/steps/4"] .step-summary code')
    ).to_contain_text("https://crm.example.com/hooks")
    icons = page.locator("article.step .step-icon use").evaluate_all(
        "found => found.map(u => u.getAttribute('href'))"
    )
    assert icons[1] != icons[2], "Build and PDF look different"
    shot(page, "cards")


def test_a_problem_names_its_field_in_plain_words_and_takes_the_person_there(page, workspace):
    workflow, editor = open_editor(page, workspace)
    editor.add("email.send")
    page.locator(".flow-end").click()
    chip = page.locator("#problem-count")
    expect(chip).to_have_text("1 problem")
    editor.act(chip.click)
    expect(page.locator("#cfg-to")).to_be_focused()
    expect(page.locator("#step-form .cf-error")).to_contain_text("Recipient is required")
    shot(page, "problem-field")

    editor.act(page.locator("#publish").click)
    expect(page.locator(".flash.bad")).to_contain_text("not published")
    editor.act(page.locator(".flash.bad .problem-link").first.click)
    expect(page.locator("#cfg-to")).to_be_focused()


def many_steps(count):
    steps = [
        {"id": f"s{n}", "name": f"Step {n}", "provider": "silo.state", "config": {"state": "sent"}}
        for n in range(count)
    ]
    return {"name": "Many steps", "schema": "bill/invoice", "steps": steps}


def top_of(page, selector):
    return page.locator(selector).bounding_box()["y"]


def active(page) -> str:
    return page.evaluate(
        "() => { const a = document.activeElement;"
        " return a === document.body ? 'body' : (a.id || a.className || a.tagName); }"
    )


def test_the_header_holds_still_the_focus_stays_and_the_keyboard_works(page, workspace):
    workflow, editor = open_editor(page, workspace, many_steps(8))
    canvas_top = top_of(page, ".ed-canvas")

    # An edit that brings "unsaved changes", "1 problem" and Discard: nothing moves, and
    # the focus is where Tab took it, not on <body>.
    editor.select("/steps/0")
    editor.set_field("#cfg-state", "Not Valid")
    expect(editor.chip("unsaved changes")).to_be_visible()
    expect(page.locator("#problem-count")).to_be_visible()
    expect(page.locator("#discard")).to_be_visible()
    assert top_of(page, ".ed-canvas") == canvas_top
    assert active(page) != "body"
    editor.set_field("#cfg-state", "sent")
    assert active(page) != "body"

    # The last card's menu opens upwards when there is no room below.
    last = editor.card("/steps/7")
    last.scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.set_viewport_size({"width": 1440, "height": 700})
    last.locator("summary").scroll_into_view_if_needed()
    page.evaluate(
        '() => { const s = document.querySelector(\'article.step[data-pointer="/steps/7"]'
        " summary'); window.scrollBy(0, s.getBoundingClientRect().bottom - innerHeight + 8); }"
    )
    last.locator("summary").click()
    menu = last.locator(".menu")
    expect(menu).to_be_visible()
    assert menu.bounding_box()["y"] + menu.bounding_box()["height"] <= 700
    shot(page, "menu-up")

    # Arrows move in the menu; Escape closes it and gives the focus to its button.
    items = last.get_by_role("menuitem")
    expect(items.first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(items.last).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(last.locator("summary")).to_be_focused()
    page.set_viewport_size({"width": 1440, "height": 900})

    # Alt+Up moves the selected step; the focus stays on it.
    editor.select("/steps/2")
    editor.act(page.keyboard.press, "Alt+ArrowUp")
    assert editor.names()[:3] == ["Step 0", "Step 2", "Step 1"]
    expect(page.locator(".step.selected")).to_have_attribute("data-pointer", "/steps/1")
    expect(page.locator(".step.selected .step-main")).to_be_focused()
    editor.act(page.keyboard.press, "Alt+ArrowDown")
    assert editor.names()[:3] == ["Step 0", "Step 1", "Step 2"]

    # Escape closes the action picker.
    editor.open_picker()
    editor.act(page.keyboard.press, "Escape")
    expect(page.locator("#action-search")).to_have_count(0)


def test_the_job_page_lists_every_step_and_the_condition_each_ran_in(page, workspace):
    from engine_helpers import run, start, state, step

    check = step("test.outcome", {"status": "KO", "code": "4102"}, name="Check")
    check["next"] = [{"status": "KO", "steps": [state("review")], "stop": True}]
    job = run(start(workspace, [check, state("sent")]))
    page.goto(f"/w/{workspace.slug}/jobs/{job.id}/")
    expect(page.locator(".trace h2")).to_contain_text("2 steps run · 1 not run")
    expect(page.locator(".tag.cond")).to_have_text("If KO")
    expect(page.locator(".step.pending .name")).to_have_text("state sent")
    shot(page, "job-trace")


def test_a_document_file_is_dropped_on_the_drop_zone_and_stored(page, workspace):
    import json

    from silo.models import SiloEntry
    from tests.test_silo_views import invoice

    page.goto(f"/w/{workspace.slug}/silo/invoices/new/")
    expect(page.locator("link[rel=icon]")).to_have_attribute("href", "/static/favicon.svg")
    assert page.request.get("/static/favicon.svg").ok
    zone = page.locator("[data-dropzone]")
    expect(zone).to_contain_text("drop a .json file here")
    # A drop onto the zone lands on the file input stretched over it.
    box, field = zone.bounding_box(), page.locator("input[type=file]").bounding_box()
    assert field["width"] >= box["width"] - 4 and field["height"] >= box["height"] - 4
    page.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "sample.json",
                "mimeType": "application/json",
                "buffer": json.dumps(invoice()).encode(),
            }
        ]
    )
    expect(zone.locator(".drop-name")).to_have_text("sample.json")
    shot(page, "drop-zone")
    page.get_by_role("button", name="Store invoice").click()
    expect(page.locator("h1")).to_have_text("SAMPLE-001")
    assert SiloEntry.objects.filter(workspace=workspace).count() == 1


def test_a_draft_invoice_reads_as_a_draft_with_calculated_sums(page, workspace):
    from silo.models import SiloEntry
    from tests.test_silo_views import draft_invoice

    entry = SiloEntry.create_with_version(
        workspace, {"doc": draft_invoice()} | {"$schema": "https://gobl.org/draft-0/envelope"}
    )
    page.goto(f"/w/{workspace.slug}/silo/invoices/")
    expect(page.locator(".entry-link")).to_have_text("Draft invoice")
    expect(page.locator("td .calculated")).to_have_text("2,178.00")
    shot(page, "draft-list")
    page.goto(f"/w/{workspace.slug}/silo/entries/{entry.id}/")
    expect(page.locator("#calculated")).to_be_visible()
    shot(page, "draft-entry")
