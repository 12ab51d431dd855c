from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from providers.models import Credential, CredentialKind, EmailConnection, WebhookSecret
from providers.verifactu.forms import VerifactuConfigForm
from providers.verifactu.models import VerifactuConfig

from .access import get_owned, require_role, workspace_view
from .models import ApiToken, Role


@workspace_view()
def configuration(request):
    if request.method == "POST" and request.POST.get("section") == "verifactu":
        return save_verifactu(request)
    return _configuration_page(request)


def _configuration_page(request, new_secret: str = ""):
    workspace = request.workspace
    can_manage = request.membership.allows(Role.OWNER)
    context = {
        "members": workspace.memberships.select_related("user").order_by("user__email"),
        "tokens": workspace.api_tokens.select_related("created_by"),
        "can_manage": can_manage,
        "new_secret": new_secret,
        "email_connections": workspace.email_connections.all(),
        "credentials": workspace.credentials.all(),
        "credential_kinds": CredentialKind.choices,
        "email_form": EmailConnectionForm(),
        # Only owners see the webhook secret: it lets anyone sign as the workspace.
        "webhook_secret": WebhookSecret.of(workspace).secret if can_manage else "",
        **_verifactu_context(workspace),
    }
    response = render(request, "accounts/configuration.html", context)
    if new_secret:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@workspace_view(role=Role.OWNER)
def create_token(request):
    name = request.POST.get("name", "").strip()
    if not name or len(name) > 100:
        messages.error(request, "Give the API key a name of at most 100 characters.")
        return redirect("configuration", slug=request.workspace.slug)
    token, secret = ApiToken.issue(request.workspace, name, created_by=request.user)
    # Stored hashed, and shown once on this very answer. Keeping it in the session for the
    # page after a redirect wrote it in plain text into django_session; a refresh of this
    # answer asks to post again (and so makes another key), which is the lesser evil.
    return _configuration_page(request, new_secret=secret)


@require_POST
@workspace_view(role=Role.OWNER)
def revoke_token(request, token_id):
    token = get_owned(ApiToken, request.workspace, pk=token_id)
    if not token.revoked:
        token.revoke()
        messages.success(request, f"API key “{token.name}” revoked.")
    return redirect("configuration", slug=request.workspace.slug)


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
        field, errors = next(iter(form.errors.items()))
        messages.error(request, f"Email connection not added: {field}: {errors[0]}")
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


# --- VERI*FACTU (providers/verifactu): posted to the configuration page itself


def _verifactu_context(workspace, form=None) -> dict:
    config = VerifactuConfig.objects.filter(workspace=workspace).first()
    return {
        "verifactu": config,
        "verifactu_form": form or VerifactuConfigForm(instance=config),
    }


def save_verifactu(request):
    require_role(request.membership, Role.OWNER)
    config = VerifactuConfig.objects.filter(workspace=request.workspace).first()
    form = VerifactuConfigForm(
        request.POST,
        request.FILES,
        instance=config or VerifactuConfig(workspace=request.workspace),
    )
    if form.is_valid():
        form.save()
        messages.success(request, "VERI*FACTU configuration saved.")
        return redirect("configuration", slug=request.workspace.slug)
    field, errors = next(iter(form.errors.items()))
    where = "" if field == "__all__" else f"{field}: "
    messages.error(request, f"VERI*FACTU configuration not saved: {where}{errors[0]}")
    return redirect("configuration", slug=request.workspace.slug)
