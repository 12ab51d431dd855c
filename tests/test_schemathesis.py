"""Schemathesis against the running API with every check, in bounded runs (a fixed seed, a few
examples per operation): against our own OpenAPI document, and against Invopop's transform_v1
and silo_v1 (from ../shared; skipped with a message when it is absent) for the operations that
exist here. No 5xx, no answer outside the schema, no valid request refused for its form.

What the runs are told, and why:

- 422 answers a request that is valid in form but not in substance (an id that names no object
  of the workspace, a workflow that cannot be published without a name): no schema can say
  which ids exist, so positive_data_acceptance takes it for a body. Query parameters must be
  accepted whenever the schema allows them (limit=0, wait=100234 included).
- A cursor is one that a previous page gave out; which strings those are, no schema can say:
  the runs page from the start (cursor=).
- Invopop documents only its successful answers: each of its operations gets the error answers
  that our own document gives the same operation (a 404 for an unknown id is no drift).
  Invopop's schema types dates and ids as bare strings, so 422 is taken for any operation.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml
from conftest import running_stack, shared_path

from invopop_console.accounts.models import ApiToken

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

# Bounded for the suite; a longer hunt: SCHEMATHESIS_EXAMPLES=100 SCHEMATHESIS_SEED=7 make test
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20261125"))
OWN_CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2XX", "401", "403", "404", "409"]

[[operations]]
include-method = ["POST", "PUT", "PATCH"]
checks.positive_data_acceptance.expected-statuses = ["2XX", "401", "403", "404", "409", "422"]

[parameters]
"query.cursor" = ""
"""
INVOPOP_CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2XX", "401", "403", "404", "409", "422"]

[parameters]
"query.cursor" = ""
"""


def schemathesis(schema: str, config: str, tmp_path: Path, secret: str, *options: str):
    """Run schemathesis with every check; (exit code, the end of its report)."""
    (tmp_path / "schemathesis.toml").write_text(config)
    command = [
        shutil.which("schemathesis", path=str(Path(sys.executable).parent)),
        "--config-file",
        str(tmp_path / "schemathesis.toml"),
        "run",
        schema,
        *options,
        "--header",
        f"Authorization: Bearer {secret}",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-database",
        "none",
    ]
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False
    )
    return result.returncode, result.stdout[-8000:]


def assert_clean(code: int, report: str) -> None:
    assert code == 0, report
    assert " passed" in report and "API Operations" in report


def test_our_own_document_holds_for_everything_schemathesis_sends(workspace, tmp_path):
    _, secret = ApiToken.issue(workspace, "schemathesis")
    with running_stack(workers=1) as stack:
        schema = f"{stack.url}/api/schema/?format=json"
        assert_clean(*schemathesis(schema, OWN_CONFIG, tmp_path, secret))


@pytest.mark.parametrize("service", ["transform", "silo"])
def test_invopops_document_holds_where_we_have_its_operations(workspace, tmp_path, service):
    invopop = yaml.safe_load(
        shared_path("reference/invopop/openapi", f"{service}_v1.yaml").read_text()
    )
    _, secret = ApiToken.issue(workspace, "schemathesis")
    with running_stack(workers=1) as stack:
        ours = requests.get(f"{stack.url}/api/schema/?format=json", timeout=30).json()
        spec = tmp_path / f"{service}_v1.json"
        spec.write_text(json.dumps(as_we_answer(invopop, ours)))
        assert_clean(*schemathesis(str(spec), INVOPOP_CONFIG, tmp_path, secret, "--url", stack.url))


def as_we_answer(invopop: dict, ours: dict) -> dict:
    """Invopop's document with the operations we have, each with our error answers."""
    operations = {
        (method, template(path)): operation
        for path, methods in ours["paths"].items()
        for method, operation in methods.items()
    }
    kept = {}
    for path, methods in invopop["paths"].items():
        for method, operation in methods.items():
            mine = operations.get((method, template(path)))
            if mine is None:
                continue
            for status, answer in mine["responses"].items():
                if not status.startswith("2"):
                    operation["responses"].setdefault(status, answer)
            kept.setdefault(path, {})[method] = operation
    schemas = invopop.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ours["components"]["schemas"]["Error"])
    return {**invopop, "paths": kept}


def template(path: str) -> str:
    """/silo/v1/entries/{id} and /silo/v1/entries/{entry_id} are one path."""
    return re.sub(r"\{[^}]+\}", "{}", path)
