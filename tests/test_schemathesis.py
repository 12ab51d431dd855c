"""Schemathesis against the running API and its own OpenAPI document, in a bounded run: no
5xx for anything it can send, and no answer that breaks the document."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import running_stack

from invopop_console.accounts.models import ApiToken

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(workspace, tmp_path):
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    _, secret = ApiToken.issue(workspace, "schemathesis")
    with running_stack(workers=1) as stack:
        result = subprocess.run(
            [
                schemathesis,
                "run",
                f"{stack.url}/api/schema/?format=json",
                "--header",
                f"Authorization: Bearer {secret}",
                "--checks",
                "not_a_server_error,response_schema_conformance",
                "--max-examples",
                "5",
                "--seed",
                "20261125",
                "--generation-database",
                "none",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
        )
    summary = result.stdout[-6000:]
    assert result.returncode == 0, summary
    assert " passed" in summary and "API Operations" in summary
