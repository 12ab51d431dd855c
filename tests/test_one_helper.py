"""One way to do each thing: a second body reader, JSON pointer escape, owner lookup or NUL
check fails here.

Each of these was once written again in several apps, and the copies drifted (one took true
for a number, one split pointers without unescaping). The checks read the source, so a new
copy fails before anybody has to notice it; each is shown a copy to find, so that none
passes by finding nothing at all.
"""

import ast

import pytest
from conftest import ROOT

APPS = ("invopop_console", "jobs", "providers", "silo", "workflows")
POINTER_HELPERS = {"pointer", "pointer_part", "json_pointer", "escape", "unescape"}
POINTER_ESCAPES = {"~", "~0", "~1"}


def definitions(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node


def body_readers(tree):
    names = ("Fields", "json_body", "json_object", "parse_id")
    return (n for n in definitions(tree) if n.name in names)


def pointer_helpers(tree):
    return (
        n for n in definitions(tree) if n.name in POINTER_HELPERS or n.name.startswith("pointer_")
    )


def pointer_escapes(tree):
    """Calls like .replace("~", "~0") or .replace("~1", "/"): a pointer escaped by hand."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "replace":
            texts = {arg.value for arg in node.args if isinstance(arg, ast.Constant)}
            if texts & POINTER_ESCAPES:
                yield node


def owner_helpers(tree):
    names = ("get_entry", "membership_of")
    return (n for n in definitions(tree) if "owned" in n.name or n.name in names)


def membership_queries(tree):
    """Membership.objects.<anything but create>: who belongs to a workspace, asked again."""
    for node in ast.walk(tree):
        manager = getattr(node, "value", None)
        if (
            isinstance(node, ast.Attribute)
            and isinstance(manager, ast.Attribute)
            and isinstance(manager.value, ast.Name)
            and (manager.value.id, manager.attr) == ("Membership", "objects")
            and node.attr != "create"
        ):
            yield node


def nul_checks(tree):
    """`"\\x00" in text`: the rule that json_input keeps, kept again."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Constant)
            and node.left.value == "\x00"
            and isinstance(node.ops[0], ast.In | ast.NotIn)
        ):
            yield node


# check: (the modules allowed to do it, a copy the check must find)
CHECKS = {
    body_readers: (
        {"invopop_console/api.py"},
        "class Fields:\n    pass\n",
    ),
    pointer_helpers: (
        {"invopop_console/pointers.py"},
        "def pointer(*keys):\n    return ''\n",
    ),
    pointer_escapes: (
        {"invopop_console/pointers.py"},
        "def key(k):\n    return k.replace('~1', '/').replace('~0', '~')\n",
    ),
    owner_helpers: (
        {"invopop_console/accounts/access.py"},
        "def owned_series(workspace, pk):\n    return None\n",
    ),
    membership_queries: (
        # services.py creates the owner's membership with the workspace: not a lookup.
        {"invopop_console/accounts/access.py", "invopop_console/accounts/services.py"},
        "membership = Membership.objects.filter(user=user).first()\n",
    ),
    nul_checks: (
        {"invopop_console/json_input.py"},
        "def refused(text):\n    return '\\x00' in text\n",
    ),
}


def modules() -> dict[str, ast.Module]:
    """Every module of the apps, by its path from the root, parsed."""
    return {
        str(path.relative_to(ROOT)): ast.parse(path.read_text(), str(path))
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    }


def found(check, trees: dict[str, ast.Module]) -> list[str]:
    allowed, _ = CHECKS[check]
    return [
        f"{path}:{node.lineno}"
        for path, tree in trees.items()
        if path not in allowed
        for node in check(tree)
    ]


@pytest.fixture(scope="module")
def source() -> dict[str, ast.Module]:
    return modules()


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_only_the_one_module_does_it(check, source):
    assert found(check, source) == []


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_each_check_finds_a_copy(check):
    _, copy = CHECKS[check]
    assert found(check, {"jobs/copy.py": ast.parse(copy)})
