from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from providers.models import EmailConnection, WebhookSecret
from providers.verifactu.forms import VerifactuConfigForm
from providers.verifactu.models import VerifactuConfig

from .access import get_owned, workspace_view
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


# --- VERI*FACTU (providers/verifactu): posted to the configuration page itself


def _verifactu_context(workspace, form=None) -> dict:
    config = VerifactuConfig.objects.filter(workspace=workspace).first()
    return {
        "verifactu": config,
        "verifactu_form": form or VerifactuConfigForm(instance=config),
    }


def save_verifactu(request):
    if not request.membership.allows(Role.OWNER):
        raise PermissionDenied("This needs the owner role")
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
