"""The providers' sections of the Configuration page (invopop_console/accounts/sections.py):
the email connections of email.send, the credentials that steps name (webhook,
http.request) and the webhook signing secret. Changed by owners only."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from invopop_console.accounts.access import get_owned, workspace_view
from invopop_console.accounts.models import Role
from invopop_console.accounts.sections import Section

from .models import Credential, CredentialKind, EmailConnection, WebhookSecret


def configuration_context(request) -> dict:
    workspace = request.workspace
    can_manage = request.membership.allows(Role.OWNER)
    return {
        "email_connections": workspace.email_connections.all(),
        "credentials": workspace.credentials.all(),
        "credential_kinds": CredentialKind.choices,
        "email_form": EmailConnectionForm(),
        # Only owners see the webhook secret: it lets anyone sign as the workspace.
        "webhook_secret": WebhookSecret.of(workspace).secret if can_manage else "",
    }


SECTION = Section("providers/configuration.html", configuration_context)


# --- Email connections (email.send) and the webhook signing secret (webhook)


class EmailConnectionForm(forms.ModelForm):
    # Never rendered back: the page shows only whether a connection has a password.
    password = forms.CharField(required=False, strip=False, widget=forms.PasswordInput)

    class Meta:
        model = EmailConnection
        fields = ["name", "host", "port", "security", "username", "from_email"]


@require_POST
@workspace_view(role=Role.OWNER)
def add_email_connection(request):
    connection = EmailConnection(workspace=request.workspace)
    form = EmailConnectionForm(request.POST, instance=connection)
    name = request.POST.get("name", "").strip()
    if request.workspace.email_connections.filter(name=name).exists():
        form.add_error("name", "An email connection of this name exists.")
    if form.is_valid():
        connection.password = form.cleaned_data["password"]
        form.save()
        messages.success(request, f"Email connection “{connection.name}” added.")
    else:
        messages.error(request, f"Email connection not added: {_first_error(form)}")
    return redirect("configuration", slug=request.workspace.slug)


@require_POST
@workspace_view(role=Role.OWNER)
def remove_email_connection(request, connection_id):
    connection = get_owned(EmailConnection, request.workspace, pk=connection_id)
    connection.delete()
    messages.success(request, f"Email connection “{connection.name}” removed.")
    return redirect("configuration", slug=request.workspace.slug)


@require_POST
@workspace_view(role=Role.OWNER)
def rotate_webhook_secret(request):
    WebhookSecret.of(request.workspace).rotate()
    messages.success(request, "New webhook secret; the previous one also signs for 24 hours.")
    return redirect("configuration", slug=request.workspace.slug)


# --- Credentials (providers/credentials.py): secrets that steps name, set by owners only


class CredentialForm(forms.ModelForm):
    # Write-only: never rendered back, the page shows only its last characters.
    secret = forms.CharField(strip=False, widget=forms.PasswordInput, max_length=10_000)

    class Meta:
        model = Credential
        fields = ["name", "kind", "username"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == CredentialKind.BASIC and not cleaned.get("username"):
            self.add_error("username", "A username and password credential needs a username.")
        return cleaned


@require_POST
@workspace_view(role=Role.OWNER)
def add_credential(request):
    credential = Credential(workspace=request.workspace, created_by=request.user)
    form = CredentialForm(request.POST, instance=credential)
    name = request.POST.get("name", "").strip()
    if request.workspace.credentials.filter(name=name).exists():
        form.add_error("name", "A credential of this name exists: replace its value instead.")
    if form.is_valid():
        credential.secret = form.cleaned_data["secret"]
        form.save()
        messages.success(request, f"Credential “{credential.name}” added.")
    else:
        messages.error(request, f"Credential not added: {_first_error(form)}")
    return redirect(f"{_page(request)}#credentials")


@require_POST
@workspace_view(role=Role.OWNER)
def replace_credential(request, credential_id):
    """A new value (and username) for a credential: the steps naming it use it from now on."""
    credential = get_owned(Credential, request.workspace, pk=credential_id)
    secret = request.POST.get("secret", "")
    if not secret:
        messages.error(request, f"Credential “{credential.name}” not replaced: give the value.")
        return redirect(f"{_page(request)}#credentials")
    credential.secret = secret
    if credential.kind == CredentialKind.BASIC and request.POST.get("username", "").strip():
        credential.username = request.POST["username"].strip()[:255]
    credential.save()
    messages.success(request, f"Credential “{credential.name}” replaced.")
    return redirect(f"{_page(request)}#credentials")


@require_POST
@workspace_view(role=Role.OWNER)
def remove_credential(request, credential_id):
    credential = get_owned(Credential, request.workspace, pk=credential_id)
    credential.delete()
    messages.success(request, f"Credential “{credential.name}” removed.")
    return redirect(f"{_page(request)}#credentials")


def _page(request) -> str:
    return reverse("configuration", args=[request.workspace.slug])


def _first_error(form) -> str:
    field, errors = next(iter(form.errors.items()))
    return errors[0] if field == "__all__" else f"{field}: {errors[0]}"
