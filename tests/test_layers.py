"""Dependencies point down: invopop_console, silo, providers, workflows, jobs, each app
importing only those before it. A provider reaches the apps above through its context
(providers.base.StepContext's operations); the base app only where it puts the console
together (urls, asgi) and in the demo (its seed, and the simulators the launcher starts)."""

import ast

import pytest
from conftest import ROOT

ABOVE = {
    "invopop_console": {"silo", "providers", "workflows", "jobs"},
    "silo": {"providers", "workflows", "jobs"},
    "providers": {"workflows", "jobs"},
}
# Where the console is put together: these may import any app.
COMPOSITION = {"invopop_console/urls.py", "invopop_console/asgi.py"}


def imported(path) -> set[str]:
    """The top-level packages that a module imports, also inside its functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if "/migrations/" in name or "/demo/" in name or name in COMPOSITION:
            continue
        yield name, path


@pytest.mark.parametrize("app", sorted(ABOVE))
def test_an_app_imports_no_app_above_it(app):
    upward = {
        name: sorted(imported(path) & ABOVE[app])
        for name, path in modules(app)
        if imported(path) & ABOVE[app]
    }
    assert upward == {}
