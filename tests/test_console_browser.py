"""The console in a real browser (issue 6's browser tests): Playwright driving Debian's Chromium
against the real stack, uvicorn serving HTTP and websockets and a django-q2 cluster running the
jobs, so that every live update travels worker -> Redis -> Channels -> the page.

One long scenario, as a person's session goes: an invoice is uploaded, a workflow runs on it and
is watched live, the entry shows what it did, a second workflow fails and runs its rescue, History
finds that job, and a retry after the cause is fixed finishes OK. Waits are on DOM conditions
(`expect`), never on time. Screenshots go to var/test/screenshots/console-*.png.
"""

import json
import re
from pathlib import Path

import pytest
from conftest import running_stack
from engine_helpers import step, workflow
from test_editor_browser import CHROMIUM, SCREENSHOTS, VIEWPORT, chromium, owner_page  # noqa: F401
from test_retry import check_customer, fix_the_customer

from jobs.models import Job, JobStatus
from silo.models import SiloEntry

pytestmark = [
    pytest.mark.stack,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"browser tests need Debian's Chromium at {CHROMIUM}"
    ),
]

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

# FAC-2026-0042, to Sample Consumer S.A., with two lines.
INVOICE = Path(__file__).parent / "fixtures" / "pdf" / "invoice-es.json"


def unstamped(path: Path, folder: Path) -> Path:
    """The invoice without its header's stamps (the PDF tests' VERI*FACTU QR): GOBL refuses
    stamps on an envelope that is not signed (GOBL-ENVELOPE-12), and so does the upload."""
    envelope = json.loads(path.read_text())
    envelope["head"].pop("stamps", None)
    copy = folder / path.name
    copy.write_text(json.dumps(envelope))
    return copy


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker):
    # The browser fixture lets this process call the ORM under Playwright's event loop; the
    # server must not inherit that, or it would hide its own async-unsafe calls.
    with django_db_blocker.unblock(), running_stack(DJANGO_ALLOW_ASYNC_UNSAFE="") as stack:
        yield stack


@pytest.fixture
def page(stack, chromium, workspace):  # noqa: F811
    """A page of the real stack, logged in as the owner of `workspace`."""
    with owner_page(chromium, stack.url, 15_000) as found:
        yield found


def shot(page, name):
    """The whole page, on a screen as tall as it (a full-page capture would draw the sticky
    sidebar out of place)."""
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({**VIEWPORT, "height": max(VIEWPORT["height"], height)})
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=SCREENSHOTS / f"console-{name}.png", animations="disabled")
    page.set_viewport_size(VIEWPORT)


def mark(state: str) -> dict:
    return step("silo.state", {"state": state}, name=f"Mark {state}")


class JobPage:
    """The job page, in the words of its user."""

    def __init__(self, page):
        self.page = page
        expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]{36}/$"))
        self.id = page.url.rstrip("/").rsplit("/", 1)[1]
        self.live = page.locator(f"#job-{self.id}")
        self.rows = self.live.locator("details.step")
        expect(page.locator("#live-status")).to_have_class(re.compile(r"\bon\b"))

    @property
    def job(self) -> Job:
        return Job.objects.get(pk=self.id)

    def status(self):
        return self.live.locator(".job-status > .chip")

    def row(self, name):
        return self.rows.filter(has=self.page.locator(".name", has_text=name))

    def expand(self, name):
        """Open a step's row (a failed step may be open already) to show its events."""
        row = self.row(name)
        if not row.evaluate("details => details.open"):
            row.locator("summary").click()
        expect(row.locator(".events")).to_be_visible()
        return row

    def statuses(self) -> list[str]:
        return self.rows.locator("summary .chip").all_inner_texts()

    def watch(self):
        """Remember the page (a reload forgets it) and every trace the live swaps draw."""
        self.page.evaluate(
            """(id) => {
                window.__marker = 1;
                window.__traces = [];
                const live = document.getElementById("job-" + id);
                const record = () => window.__traces.push(Array.from(
                    live.querySelectorAll("details.step summary .chip"), (c) => c.textContent));
                record();
                new MutationObserver(record).observe(live, { childList: true, subtree: true });
            }""",
            self.id,
        )

    def traces(self) -> list[list[str]]:
        assert self.page.evaluate("window.__marker") == 1, "the page was reloaded"
        return self.page.evaluate("window.__traces")


def test_a_person_uploads_an_invoice_runs_workflows_on_it_and_watches_them_live(
    page, workspace, tmp_path
):
    printing = [
        step("silo.sleep", {"duration": "1s"}, name="Wait a moment"),
        mark("processing"),
        step("silo.sleep", {"duration": "1s"}, name="Wait again"),
        step("pdf", {"locale": "en"}, name="Print PDF"),
        mark("completed"),
    ]
    workflow(workspace, printing, name="Print and complete")
    wait = step("silo.sleep", {"duration": "1s"}, name="Wait a moment")
    checking = [mark("processing"), wait, check_customer(), mark("sent")]
    workflow(workspace, checking, rescue=[mark("error")], name="Check the customer")

    # Invoices -> New invoice: upload a .json file; the entry page opens with its summary.
    page.goto(f"/w/{workspace.slug}/")
    page.locator("nav.sidebar").get_by_role("link", name="Invoices").click()
    page.get_by_role("link", name="+ New invoice").first.click()
    page.locator("input[type=file][name=upload]").set_input_files(unstamped(INVOICE, tmp_path))
    page.get_by_role("button", name="Store invoice").click()
    expect(page).to_have_url(re.compile(f"/w/{workspace.slug}/silo/entries/[0-9a-f-]{{36}}/"))
    assert SiloEntry.objects.filter(workspace=workspace).count() == 1
    summary = page.locator("section.summary")
    expect(summary).to_contain_text("FAC-2026-0042")
    expect(summary).to_contain_text("Sample Consumer S.A.")
    expect(summary).to_contain_text("Development services")
    expect(page.locator(".tab-panel .activity-row")).to_have_count(1)
    expect(page.locator(".tab-panel .activity-row")).to_contain_text("Entry created")
    shot(page, "01-entry")

    # Run workflow: a drawer to choose the workflow; Run opens the job page.
    page.get_by_role("button", name="Run workflow").click()
    drawer = page.locator("#run-drawer")
    expect(drawer.get_by_role("heading", name="Run workflow")).to_be_visible()
    expect(drawer.locator(".fixed")).to_contain_text("FAC-2026-0042")
    drawer.get_by_label("Workflow").select_option(label="Print and complete · v1")
    shot(page, "02-run-drawer")
    drawer.get_by_role("button", name="Run", exact=True).click()

    # Without a reload, each step turns OK in turn, and then the job.
    job = JobPage(page)
    job.watch()
    expect(job.row("Mark processing").locator("summary .chip")).to_have_text("OK")
    expect(job.row("Wait again").locator("summary .chip")).to_have_text("QUEUED")
    assert job.statuses() == ["OK", "OK", "QUEUED"]
    expect(job.status()).not_to_have_text("OK")
    shot(page, "03-job-live")
    expect(job.status()).to_have_text("OK")
    expect(job.live.locator(".status-word")).to_have_text("Completed")
    expect(job.rows).to_have_count(5)
    assert job.statuses() == ["OK"] * 5
    names = job.rows.locator("summary .name").all_inner_texts()
    assert names == [each["name"] for each in printing]
    traces = job.traces()
    for trace in traces:  # the OK rows were always the first ones: one after the other
        assert trace[: trace.count("OK")] == ["OK"] * trace.count("OK"), traces
    counts = [trace.count("OK") for trace in traces]
    assert counts == sorted(counts) and counts[0] <= 1 and counts[-1] == 5, traces
    first_job = job.id

    # Back on the entry: the new state, the PDF among its files, and what happened.
    page.locator("dl.facts").get_by_role("link", name=re.compile("FAC-2026-0042")).click()
    expect(page.locator("#entry-head .entry-facts")).to_contain_text("completed")
    page.get_by_role("tab", name="Files").click()
    # The panel first (a loaded machine may take longer than expect's 5 s to swap it): an
    # empty one then fails as what it is, not as a wait that ran out.
    expect(page.locator('.tab-panel[data-tab="files"]')).to_be_attached(timeout=20_000)
    expect(page.locator(".tab-panel .empty")).to_have_count(0)
    pdf = page.locator(".tab-panel table.files tbody tr")
    expect(pdf).to_have_count(1)
    expect(pdf).to_contain_text("application/pdf")
    expect(pdf.get_by_role("link", name=re.compile(r"\.pdf$"))).to_be_visible()
    expect(page.locator(".pdf-preview iframe")).to_be_visible()
    page.get_by_role("tab", name="States").click()
    expect(page.locator(".tab-panel table.states tbody tr")).to_have_count(2)
    page.get_by_role("tab", name="Activity").click()
    activity = page.locator(".tab-panel .activity")
    expect(activity).to_contain_text("Print PDF")
    expect(activity.locator(".workflow-link").first).to_have_text("Print and complete v1")

    # A workflow whose check fails: KO, live, and its rescue runs. (The drawer closes first.)
    page.get_by_role("button", name="Run workflow").click()
    expect(page.get_by_role("button", name="Close")).to_have_count(1)
    page.get_by_role("button", name="Close").click()
    expect(drawer).to_have_count(0)
    page.get_by_role("button", name="Run workflow").click()
    drawer.get_by_label("Workflow").select_option(label="Check the customer · v1")
    drawer.get_by_role("button", name="Run", exact=True).click()
    job = JobPage(page)
    job.watch()
    expect(job.row("Wait a moment").locator("summary .chip")).to_have_text("QUEUED")
    expect(job.status()).to_have_text("KO")
    expect(job.live.locator(".status-word")).to_have_text("Failed")
    expect(job.row("check customer").locator("summary .chip")).to_have_text("KO")
    rescue = job.row("Mark error")
    expect(rescue.locator(".tag")).to_have_text("rescue")
    expect(rescue.locator("summary .chip")).to_have_text("OK")
    assert job.statuses() == ["OK", "OK", "KO", "OK"]
    expect(job.live.locator(".job-side")).to_contain_text("invalid-patch")
    failed = job.expand("check customer")
    expect(failed.locator(".events .chip")).to_have_text(["RUN", "KO"])
    expect(failed.locator(".events")).to_contain_text("invalid-patch")
    job.traces()  # not reloaded
    failed_job = job.id
    shot(page, "04-job-ko-with-rescue")

    # History, filtered by status: only the failed job; open it and a step's events.
    page.locator("nav.sidebar").get_by_role("link", name="History").click()
    expect(page.locator("table.history tbody tr")).to_have_count(2)
    page.get_by_label("Status").select_option("KO")
    expect(page).to_have_url(re.compile(r"[?&]status=KO"))
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Check the customer")
    expect(page.locator(f'a.job-id[title="{first_job}"]')).to_have_count(0)
    shot(page, "05-history-ko")
    rows.locator("a.job-id").click()
    job = JobPage(page)
    assert job.id == failed_job
    expect(job.row("check customer")).to_have_attribute("open", "")  # opens on the failure
    expect(job.row("Mark processing").locator(".events")).to_be_hidden()
    events = job.expand("Mark processing").locator(".events li")
    expect(events).to_have_count(2)
    expect(events.locator(".chip")).to_have_text(["RUN", "OK"])
    expect(events.nth(0).locator("time")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d\.\d{3}$"))

    # Fix the cause in the entry, then retry from the failed step: it finishes OK, live.
    fix_the_customer(job.job)
    page.get_by_role("button", name="Retry from the failed step").click()
    job = JobPage(page)
    job.watch()
    expect(job.status()).to_have_text("OK")
    assert job.statuses() == ["OK", "OK", "KO", "OK", "OK", "OK"]
    expect(job.rows.nth(4).locator(".tag")).to_have_text("run again")
    job.traces()
    assert job.job.status == JobStatus.OK
    shot(page, "06-job-retried")

    # The entry tells the whole story.
    page.locator("dl.facts").get_by_role("link", name=re.compile("FAC-2026-0042")).click()
    expect(page.locator("#entry-head .entry-facts")).to_contain_text("sent")
    activity = page.locator(".tab-panel .activity")
    checked = activity.locator(".workflow-link", has_text="Check the customer v1")
    expect(checked.first).to_be_visible()
    shot(page, "07-entry-activity")
