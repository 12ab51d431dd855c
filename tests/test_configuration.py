"""Misconfiguration is reported by system checks with stable ids, never by a traceback."""

import os
import subprocess
import sys

import pytest
from conftest import ROOT

CASES = [
    ({"DEBUG": "0", "SECRET_KEY": ""}, "console.E001"),
    ({"DATABASE_URL": "nosuchdb://x"}, "console.E002"),
    ({"REDIS_URL": "http://localhost:6379"}, "console.E003"),
    ({"EMAIL_URL": "smtp://"}, "console.E004"),
    ({"DEBUG": "maybe"}, "console.E005"),
    ({"PORT": "eighty"}, "console.E005"),
]


def check(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(("env", "check_id"), CASES)
def test_a_bad_setting_fails_the_checks_with_its_id(env, check_id):
    result = check(env)
    assert result.returncode != 0
    assert check_id in result.stderr
    assert "Traceback" not in result.stderr


def test_a_production_configuration_passes():
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "console.example.com",
        "EMAIL_URL": "smtp://mailer:p%40ss@smtp.example.com:587?starttls=1",
    }
    result = check(env)
    assert result.returncode == 0, result.stderr
