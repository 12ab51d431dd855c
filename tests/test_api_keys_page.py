"""Configuration → API keys: owners create (shown once) and revoke; others only look."""

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from invopop_console.accounts.models import ApiToken, hash_token

pytestmark = pytest.mark.django_db


def page(workspace):
    return reverse("configuration", args=[workspace.slug])


def test_an_owner_creates_a_key_and_sees_it_once(client, owner, workspace):
    client.force_login(owner)
    response = client.post(reverse("create_token", args=[workspace.slug]), {"name": "ERP"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(workspace=workspace)
    secret = response.context["new_secret"]
    assert token.token_hash == hash_token(secret)
    assert token.created_by == owner
    assert secret in response.content.decode()
    assert secret not in client.get(page(workspace)).content.decode()


def test_a_new_key_is_never_written_into_the_session(client, owner, workspace):
    client.force_login(owner)
    response = client.post(reverse("create_token", args=[workspace.slug]), {"name": "ERP"})
    secret = response.context["new_secret"]
    stored = [s.get_decoded() for s in Session.objects.all()]
    assert stored and secret not in repr(stored)
    assert all(secret not in s.session_data for s in Session.objects.all())


def test_the_new_key_works_on_the_api(client, owner, workspace):
    client.force_login(owner)
    response = client.post(
        reverse("create_token", args=[workspace.slug]), {"name": "ERP"}, follow=True
    )
    secret = response.context["new_secret"]
    client.logout()
    ping = client.get("/utils/v1/ping", headers={"Authorization": f"Bearer {secret}"})
    assert ping.json()["workspace"]["slug"] == workspace.slug


def test_a_key_needs_a_name(client, owner, workspace):
    client.force_login(owner)
    response = client.post(reverse("create_token", args=[workspace.slug]), {"name": " "})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_an_owner_revokes_a_key(client, owner, workspace):
    token, secret = ApiToken.issue(workspace, "Old")
    client.force_login(owner)
    client.post(reverse("revoke_token", args=[workspace.slug, token.id]))
    token.refresh_from_db()
    assert token.revoked
    assert (
        client.get("/utils/v1/ping", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )


@pytest.mark.parametrize("persona", ["teammate", "viewer"])
def test_only_owners_manage_keys(client, request, persona, workspace):
    token, _ = ApiToken.issue(workspace, "Keep")
    client.force_login(request.getfixturevalue(persona))
    assert (
        client.post(reverse("create_token", args=[workspace.slug]), {"name": "x"}).status_code
        == 403
    )
    assert client.post(reverse("revoke_token", args=[workspace.slug, token.id])).status_code == 403
    assert b"Create API key" not in client.get(page(workspace)).content
    token.refresh_from_db()
    assert not token.revoked


def test_another_workspaces_key_cannot_be_revoked(client, outsider, other_workspace, workspace):
    token, _ = ApiToken.issue(workspace, "Theirs")
    client.force_login(outsider)
    url = reverse("revoke_token", args=[other_workspace.slug, token.id])
    assert client.post(url).status_code == 404
    token.refresh_from_db()
    assert not token.revoked
