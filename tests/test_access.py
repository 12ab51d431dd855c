"""Owner, teammate, viewer and outsider on every console page, and API tokens."""

import pytest
from django.urls import reverse

from invopop_console.accounts.models import ApiToken, Membership, Role
from jobs.models import Job
from silo.models import SiloEntry
from workflows.models import Workflow

pytestmark = pytest.mark.django_db

INVOICE = {"doc": {"$schema": "https://gobl.org/draft-0/bill/invoice", "code": "INV-77"}}


@pytest.fixture
def objects(workspace):
    step = {"id": "sent", "provider": "silo.state", "config": {"state": "sent"}}
    workflow = Workflow.objects.create(workspace=workspace, name="Issue invoices", steps=[step])
    entry = SiloEntry.create_with_version(workspace, INVOICE)
    job = Job.objects.create(
        workspace=workspace,
        workflow=workflow,
        workflow_version=workflow.publish(),
        silo_entry=entry,
    )
    return {"workflow": workflow, "entry": entry, "job": job}


def pages(slug, objects):
    return [
        reverse("dashboard", args=[slug]),
        reverse("workflow_list", args=[slug]),
        reverse("workflow_detail", args=[slug, objects["workflow"].id]),
        reverse("entry_list", args=[slug, "invoices"]),
        reverse("entry_detail", args=[slug, objects["entry"].id]),
        reverse("job_list", args=[slug]),
        reverse("job_detail", args=[slug, objects["job"].id]),
        reverse("configuration", args=[slug]),
    ]


def test_the_login_page_renders(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_a_user_logs_in_with_their_email(client, owner, workspace):
    response = client.post(
        reverse("login"), {"username": "OWNER@example.com", "password": "owner-password"}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).url == reverse("dashboard", args=["acme"])


def test_a_wrong_password_is_refused(client, owner):
    response = client.post(reverse("login"), {"username": owner.email, "password": "nope"})
    assert response.status_code == 200
    assert b"do not match" in response.content


def test_pages_need_a_login(client, workspace, objects):
    for url in pages(workspace.slug, objects):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["owner", "teammate", "viewer"])
def test_members_see_every_page(client, request, persona, workspace, objects):
    client.force_login(request.getfixturevalue(persona))
    for url in pages(workspace.slug, objects):
        assert client.get(url).status_code == 200, url


def test_an_outsider_gets_404_everywhere(client, outsider, other_workspace, workspace, objects):
    client.force_login(outsider)
    for url in pages(workspace.slug, objects):
        assert client.get(url).status_code == 404, url


def test_another_workspaces_object_is_404_even_through_ones_own_workspace(
    client, outsider, other_workspace, workspace, objects
):
    client.force_login(outsider)
    for url in pages(other_workspace.slug, objects)[2::2]:  # the detail pages
        assert client.get(url).status_code == 404, url


def test_the_switcher_lists_only_ones_workspaces(client, owner, workspace, other_workspace):
    Membership.objects.create(workspace=other_workspace, user=owner, role=Role.VIEWER)
    client.force_login(owner)
    body = client.get(reverse("dashboard", args=[workspace.slug])).content.decode()
    assert "Other Corp" in body
    other = client.get(reverse("dashboard", args=[other_workspace.slug]))
    assert other.status_code == 200
    assert client.get(reverse("home")).url == reverse("dashboard", args=["other"])


def test_an_unknown_document_kind_is_404(client, owner, workspace):
    client.force_login(owner)
    assert client.get(reverse("entry_list", args=[workspace.slug, "receipts"])).status_code == 404


def test_roles_rank_owner_over_editor_over_viewer(owner, teammate, viewer, workspace):
    roles = {m.user.email: m for m in workspace.memberships.all()}
    assert roles[owner.email].allows(Role.OWNER)
    assert roles[teammate.email].allows(Role.EDITOR)
    assert not roles[teammate.email].allows(Role.OWNER)
    assert roles[viewer.email].allows(Role.VIEWER)
    assert not roles[viewer.email].allows(Role.EDITOR)


def test_a_token_acts_for_its_workspace(client, workspace):
    token, secret = ApiToken.issue(workspace, "ERP")
    response = client.get("/utils/v1/ping", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.json()["workspace"]["slug"] == workspace.slug
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic dXNlcjpwYXNz"])
def test_a_missing_or_bad_token_is_401(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/utils/v1/ping", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_is_401(client, workspace):
    token, secret = ApiToken.issue(workspace, "Old")
    token.revoke()
    response = client.get("/utils/v1/ping", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
