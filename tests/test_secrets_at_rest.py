"""Secrets at rest: webhook-trigger secrets and silo.close signing keys are sealed in the
database (existing rows by a data migration), and no secret is kept in plain text anywhere
else, not even for a moment in the session."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from engine_helpers import state, workflow

from invopop_console.secrets_box import open_sealed
from providers.models import SigningKey
from providers.sign import signing_key
from workflows.models import Trigger

pytestmark = pytest.mark.django_db


def table_text(table: str) -> str:
    """Every value of every row of `table`, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_a_webhook_triggers_secret_is_sealed_in_the_database(workspace):
    hook = Trigger.objects.create(
        workspace=workspace, workflow=workflow(workspace, [state("x")]), kind="webhook"
    )
    assert hook.secret.startswith("whsec_")
    assert hook.secret not in table_text(Trigger._meta.db_table)


def test_a_workspaces_signing_key_is_sealed_in_the_database(workspace):
    key = signing_key(workspace)
    assert "PRIVATE KEY" in SigningKey.objects.get(pk=key.pk).private_pem
    stored = table_text(SigningKey._meta.db_table)
    assert "PRIVATE KEY" not in stored and key.private_pem.splitlines()[1] not in stored


@pytest.mark.django_db(transaction=True)
def test_the_data_migrations_seal_the_secrets_stored_before(workspace):
    executor = MigrationExecutor(connection)
    before = [
        ("workflows", "0004_edit_session"),
        ("providers", "0003_webhooksecret_emailconnection"),
    ]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    flow = old.get_model("workflows", "Workflow").objects.create(
        workspace_id=workspace.pk, name="Old"
    )
    old.get_model("workflows", "Trigger").objects.create(
        workspace_id=workspace.pk, workflow_id=flow.pk, kind="webhook", secret="whsec_old"
    )
    pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAold\n-----END PRIVATE KEY-----\n"
    old.get_model("providers", "SigningKey").objects.create(
        workspace_id=workspace.pk, kid="0123456789abcdef", private_pem=pem
    )
    call_command("migrate", verbosity=0)
    assert Trigger.objects.get(workflow_id=flow.pk).secret == "whsec_old"
    assert "whsec_old" not in table_text(Trigger._meta.db_table)
    sealed = SigningKey.objects.get(workspace=workspace).private_sealed
    assert open_sealed(sealed) == pem
    assert "PRIVATE KEY" not in table_text(SigningKey._meta.db_table)
