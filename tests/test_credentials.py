"""The workspace's credentials: owners set them in Configuration (sealed, shown only by how
they end), steps name them, and the engine resolves them at run time through StepContext."""

import base64

import pytest
from django.db import connection
from django.urls import reverse
from engine_helpers import run, start, step
from receivers import Receiver

from jobs.models import JobStatus
from providers import registry
from providers.base import StepContext
from providers.models import Credential, CredentialKind

pytestmark = pytest.mark.django_db
TOKEN = "erp-t0ken-0123456789-abcd"


def credential(workspace, name="erp-token", kind=CredentialKind.BEARER, secret=TOKEN, **fields):
    found = Credential(workspace=workspace, name=name, kind=kind, **fields)
    found.secret = secret
    found.save()
    return found


def page(workspace):
    return reverse("configuration", args=[workspace.slug])


# --- Configuration


def test_an_owner_adds_a_credential_that_is_sealed_and_shown_only_by_its_end(
    client, owner, workspace
):
    client.force_login(owner)
    data = {"name": "erp-token", "kind": "bearer", "secret": TOKEN}
    response = client.post(reverse("add_credential", args=[workspace.slug]), data, follow=True)
    found = Credential.objects.get(workspace=workspace)
    assert (found.name, found.kind, found.secret, found.created_by) == (
        "erp-token",
        "bearer",
        TOKEN,
        owner,
    )
    shown = response.content.decode()
    assert "erp-token" in shown and "…abcd" in shown and TOKEN not in shown
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM providers_credential")
        assert TOKEN not in repr(cursor.fetchall())
    assert TOKEN not in repr(found)


def test_a_short_secret_shows_none_of_itself(workspace):
    assert credential(workspace, secret="pa:ss").hint == ""


def test_an_owner_replaces_and_removes_a_credential(client, owner, workspace):
    found = credential(workspace, kind=CredentialKind.BASIC, username="erp", secret="old")
    client.force_login(owner)
    url = reverse("replace_credential", args=[workspace.slug, found.id])
    client.post(url, {"secret": "new-value-0123456789", "username": "erp2"})
    found.refresh_from_db()
    assert (found.username, found.secret, found.hint) == ("erp2", "new-value-0123456789", "6789")
    client.post(reverse("remove_credential", args=[workspace.slug, found.id]))
    assert not Credential.objects.exists()


def test_a_credential_needs_a_free_valid_name_and_basic_needs_a_username(client, owner, workspace):
    credential(workspace)
    client.force_login(owner)
    url = reverse("add_credential", args=[workspace.slug])
    for data in (
        {"name": "erp-token", "kind": "bearer", "secret": "x"},
        {"name": "has space", "kind": "bearer", "secret": "x"},
        {"name": "erp-basic", "kind": "basic", "secret": "x"},
        {"name": "no-value", "kind": "secret", "secret": ""},
    ):
        client.post(url, data)
    assert list(Credential.objects.values_list("name", flat=True)) == ["erp-token"]


@pytest.mark.parametrize("persona", ["teammate", "viewer"])
def test_only_owners_manage_credentials_and_see_how_they_end(client, request, persona, workspace):
    found = credential(workspace)
    client.force_login(request.getfixturevalue(persona))
    shown = client.get(page(workspace)).content.decode()
    assert "erp-token" in shown  # editors choose credentials by name
    assert "…abcd" not in shown and TOKEN not in shown
    slug = workspace.slug
    for url, data in (
        (reverse("add_credential", args=[slug]), {"name": "x", "kind": "secret", "secret": "y"}),
        (reverse("replace_credential", args=[slug, found.id]), {"secret": "y"}),
        (reverse("remove_credential", args=[slug, found.id]), {}),
    ):
        assert client.post(url, data).status_code == 403
    found.refresh_from_db()
    assert found.secret == TOKEN and Credential.objects.count() == 1


def test_an_outsider_cannot_touch_anothers_credentials(
    client, outsider, other_workspace, workspace
):
    found = credential(workspace)
    client.force_login(outsider)
    url = reverse("remove_credential", args=[other_workspace.slug, found.id])
    assert client.post(url).status_code == 404
    assert Credential.objects.filter(pk=found.pk).exists()


# --- Steps name credentials; StepContext resolves them


@pytest.fixture
def endpoint(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    with Receiver() as found:
        yield found


def run_step(workspace, provider, config):
    context = StepContext(workspace, None, None, {}, config, {}, [], "ref-1", 1)
    return registry.get(provider).run(context)


def test_http_request_sends_a_bearer_credential(workspace, endpoint):
    credential(workspace)
    config = {"url": endpoint.url, "auth": "bearer", "token": {"credential": "erp-token"}}
    assert run_step(workspace, "http.request", config).status == "OK"
    assert endpoint.received[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_http_request_takes_basic_auth_and_its_username_from_a_credential(workspace, endpoint):
    credential(workspace, "erp-login", CredentialKind.BASIC, "pa:ss", username="erp-user")
    config = {"url": endpoint.url, "auth": "basic", "password": {"credential": "erp-login"}}
    assert run_step(workspace, "http.request", config).status == "OK"
    expected = "Basic " + base64.b64encode(b"erp-user:pa:ss").decode()
    assert endpoint.received[0].headers["Authorization"] == expected


def test_header_values_name_credentials_and_are_not_templates(workspace, endpoint):
    credential(workspace, "erp-key", CredentialKind.HEADER, "k-{{args.x}}")
    config = {"url": endpoint.url, "headers": {"X-Api-Key": {"credential": "erp-key"}}}
    run_step(workspace, "http.request", config)
    assert endpoint.received[0].headers["X-Api-Key"] == "k-{{args.x}}"


def test_webhook_sends_its_bearer_token_and_headers_from_credentials(workspace, endpoint):
    credential(workspace)
    credential(workspace, "crm-auth", CredentialKind.BEARER, "crm-0123456789xyz")
    config = {
        "url": endpoint.url,
        "bearer_token": {"credential": "erp-token"},
        "headers": {"X-Crm-Authorization": {"credential": "crm-auth"}},
    }
    assert run_step(workspace, "webhook", config).status == "OK"
    headers = endpoint.received[0].headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["X-Crm-Authorization"] == "Bearer crm-0123456789xyz"


@pytest.mark.parametrize("provider", ["http.request", "webhook"])
def test_a_step_naming_a_missing_credential_is_a_ko(workspace, endpoint, provider):
    config = {
        "url": endpoint.url,
        "auth": "bearer",
        "token": {"credential": "gone"},
        "bearer_token": {"credential": "gone"},
    }
    outcome = run_step(workspace, provider, config)
    assert (outcome.status, outcome.code) == ("KO", "credential-missing")
    assert "gone" in outcome.message and endpoint.received == []


def test_another_workspaces_credential_is_missing(workspace, other_workspace, endpoint):
    credential(other_workspace)
    config = {"url": endpoint.url, "bearer_token": {"credential": "erp-token"}}
    assert run_step(workspace, "webhook", config).code == "credential-missing"


def test_the_engine_resolves_a_credential_when_the_step_runs(workspace, endpoint, both_paths):
    found = credential(workspace, secret="first-0123456789")
    config = {"url": endpoint.url, "auth": "bearer", "token": {"credential": "erp-token"}}
    job = start(workspace, [step("http.request", config)])
    found.secret = "replaced-0123456789"  # replaced after publishing: the run uses the new one
    found.save()
    assert run(job).status == JobStatus.OK
    assert endpoint.received[0].headers["Authorization"] == "Bearer replaced-0123456789"
    assert "replaced-0123456789" not in repr(job.workflow_version.definition)
