"""The main pages pass axe-core's WCAG 2 A and AA rules with no violation of serious or
critical impact, in a real browser (Chromium, as tests/test_editor_browser.py drives it).

axe-core is the axe.min.js that the axe-playwright-python package ships (a dev dependency,
pinned in pyproject.toml): only the file is used, injected into each page. The palette's
contrast is also checked here without a browser, so a colour change that would fail is
caught even where Chromium is missing.
"""

from importlib import resources

import pytest

from tests.test_editor_browser import CHROMIUM, owner_page
from tests.test_editor_browser import chromium as chromium  # the fixture

sync_api = pytest.importorskip("playwright.sync_api")
PALETTE_CSS = "static/console.css"


def axe_script() -> str:
    try:
        return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text()
    except ModuleNotFoundError:
        pytest.skip("the accessibility test needs axe-playwright-python (pip install -e .[dev])")


@pytest.fixture
def pages(workspace):
    """One of each main page: a workflow, a draft invoice, a job."""
    from engine_helpers import entry, run, start, state

    from workflows import catalogue
    from workflows.models import Workflow

    job = run(start(workspace, [state("processing"), state("sent")]))
    draft = Workflow(workspace=workspace)
    draft.save_draft(catalogue.instantiate("pdf-invoice"))
    invoice = entry(workspace)
    slug = workspace.slug
    return {
        "dashboard": f"/w/{slug}/",
        "invoices": f"/w/{slug}/silo/invoices/",
        "entry": f"/w/{slug}/silo/entries/{invoice.id}/",
        "new entry": f"/w/{slug}/silo/invoices/new/",
        "workflows": f"/w/{slug}/workflows/",
        "templates": f"/w/{slug}/workflows/new/",
        "editor": f"/w/{slug}/workflows/{draft.id}/edit/",
        "editor, a step": f"/w/{slug}/workflows/{draft.id}/edit/?step=/steps/0",
        "editor, picker": f"/w/{slug}/workflows/{draft.id}/edit/?panel=picker",
        "history": f"/w/{slug}/jobs/",
        "job": f"/w/{slug}/jobs/{job.id}/",
        "configuration": f"/w/{slug}/configuration/",
    }


SERIOUS = ("serious", "critical")


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Debian's Chromium at {CHROMIUM}")
def test_the_main_pages_have_no_serious_accessibility_violations(chromium, live_server, pages):
    script = axe_script()
    found = {}
    with owner_page(chromium, live_server.url, 15_000) as page:
        for name, url in pages.items():
            page.goto(url)
            page.wait_for_load_state("networkidle")
            page.add_script_tag(content=script)
            result = page.evaluate(
                "() => axe.run(document, {runOnly: {type: 'tag',"
                " values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
            )
            serious = [v for v in result["violations"] if v["impact"] in SERIOUS]
            if serious:
                found[name] = [
                    f"{v['id']}: {node['target']} {node.get('failureSummary', '')[:160]}"
                    for v in serious
                    for node in v["nodes"][:4]
                ]
    assert found == {}, "\n".join(f"{page}: {lines}" for page, lines in found.items())


# --- The palette, without a browser


def luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def palette() -> dict[str, str]:
    import re
    from pathlib import Path

    text = (Path(__file__).parent.parent / PALETTE_CSS).read_text()
    root = text[text.index(":root") : text.index("}")]
    found = dict(re.findall(r"--([\w-]+):\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b", root))
    return {
        name: "#" + (v if len(v) == 6 else "".join(c * 2 for c in v)) for name, v in found.items()
    }


@pytest.mark.parametrize(
    "ink, ground",
    [
        ("muted", "bg"),
        ("muted", "panel"),
        ("ink", "bg"),
        ("accent", "panel"),
        ("accent", "bg"),
        ("green", "green-bg"),
        ("red", "red-bg"),
        ("yellow", "yellow-bg"),
        ("blue", "blue-bg"),
    ],
)
def test_the_palette_reads_at_4_5_to_1_or_more(ink, ground):
    colours = palette()
    assert contrast(colours[ink], colours[ground]) >= 4.5, (colours[ink], colours[ground])


def test_the_contrast_is_computed_as_wcag_says():
    assert round(contrast("#6b7482", "#f6f7f9"), 1) == 4.4  # the muted grey of issue 18
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
