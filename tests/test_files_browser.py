"""The Files tab's XML preview in a real browser: the tree renders, folds on a click, and the
validation report lists the rule that failed. Playwright driving Debian's Chromium against
the live server, as test_editor_browser.py does."""

import re

import pytest
from test_editor_browser import CHROMIUM, SCREENSHOTS, chromium, owner_page  # noqa: F401
from test_silo_views import e_invoice, entry_url, make_entry

from silo import services

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"browser tests need Debian's Chromium at {CHROMIUM}"
)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture
def page(chromium, live_server, workspace, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    with owner_page(chromium, live_server.url, 10_000) as found:
        yield found


def test_the_files_tab_shows_a_cii_as_a_folding_tree_with_its_report(page, workspace):
    entry = make_entry(workspace)
    xml = e_invoice("cii").replace(b"<ram:TypeCode>380</ram:TypeCode>", b"")
    services.attach_file(entry, name="INV.xml", content=xml, mime="application/xml")

    page.goto(entry_url(entry, "files"))

    preview = page.locator('section.xml-preview[data-file="INV.xml"]')
    root = preview.locator(".xml-tree > details.xml-node").first
    expect(root.locator("> summary")).to_contain_text("<rsm:CrossIndustryInvoice")
    header = root.locator("details.xml-node", has_text="rsm:ExchangedDocument").first
    expect(header.locator(".xml-leaf").first).to_be_visible()
    header.locator("> summary").click()  # folds it
    expect(header.locator(".xml-leaf").first).to_be_hidden()
    report = preview.locator("details.validation-report")
    expect(report.locator("tbody tr").filter(has_text=re.compile("TypeCode"))).to_have_count(1)
    page.screenshot(path=SCREENSHOTS / "files-xml-preview.png")
