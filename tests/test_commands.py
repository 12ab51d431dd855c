"""Management commands: createworkspace, createtoken, seed_demo."""

import io

import pytest
from django.core.management import CommandError, call_command

from invopop_console.accounts.models import ApiToken, Membership, Role, Workspace, hash_token
from invopop_console.demo.seed import DRAFTS, seed_demo, workflow_id
from silo.models import SiloEntry
from workflows.definition import errors
from workflows.models import Workflow

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_createworkspace_makes_the_user_its_owner():
    run("createworkspace", "Acme Ltd", "--owner", "Ana@Example.com", "--password", "s3cret-pass")
    workspace = Workspace.objects.get(slug="acme-ltd")
    membership = Membership.objects.get(workspace=workspace)
    assert membership.role == Role.OWNER
    assert membership.user.email == "ana@example.com"
    assert membership.user.check_password("s3cret-pass")


def test_createworkspace_reuses_an_existing_user(owner):
    run("createworkspace", "Second", "--owner", owner.email)
    assert Membership.objects.filter(user=owner, workspace__slug="second").exists()


def test_createworkspace_refuses_a_taken_slug(workspace):
    with pytest.raises(CommandError, match="already exists"):
        run("createworkspace", "Again", "--owner", "a@example.com", "--slug", workspace.slug)


def test_createworkspace_refuses_a_bad_email():
    with pytest.raises(CommandError, match="email"):
        run("createworkspace", "Acme", "--owner", "not-an-email")


def test_createtoken_prints_the_token_alone_on_the_last_line(workspace):
    out = run("createtoken", "--workspace", workspace.slug, "--name", "ERP")
    secret = out.strip().splitlines()[-1]
    token = ApiToken.objects.get(workspace=workspace)
    assert token.name == "ERP"
    assert token.token_hash == hash_token(secret)
    assert secret not in (token.token_hash, token.hint)


def test_createtoken_names_an_unknown_workspace(db):
    with pytest.raises(CommandError, match="nope"):
        run("createtoken", "--workspace", "nope")


def test_the_demo_seed_can_run_twice_without_duplicating(db):
    workspace = seed_demo()
    counts = (Workflow.objects.count(), SiloEntry.objects.count())
    seed_demo()
    assert (Workflow.objects.count(), SiloEntry.objects.count()) == counts
    assert counts[0] >= 5
    types = set(SiloEntry.objects.filter(workspace=workspace).values_list("doc_type", flat=True))
    assert types == {"bill/invoice", "org/party", "bill/payment", "bill/order", "bill/delivery"}
    drafts = {workflow_id(workspace, stem) for stem in DRAFTS}  # placeholders to fill in
    for workflow in Workflow.objects.filter(workspace=workspace):
        expected_draft = workflow.pk in drafts or bool(errors(workflow.problems()))
        assert workflow.draft == expected_draft, workflow.name
