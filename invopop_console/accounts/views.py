from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .access import get_owned, workspace_view
from .models import ApiToken, Role


@workspace_view()
def configuration(request):
    return _configuration_page(request)


def _configuration_page(request, new_secret: str = ""):
    workspace = request.workspace
    context = {
        "members": workspace.memberships.select_related("user").order_by("user__email"),
        "tokens": workspace.api_tokens.select_related("created_by"),
        "can_manage": request.membership.allows(Role.OWNER),
        "new_secret": new_secret,
    }
    return render(request, "accounts/configuration.html", context)


@require_POST
@workspace_view(role=Role.OWNER)
def create_token(request):
    name = request.POST.get("name", "").strip()
    if not name or len(name) > 100:
        messages.error(request, "Give the API key a name of at most 100 characters.")
        return redirect("configuration", slug=request.workspace.slug)
    token, secret = ApiToken.issue(request.workspace, name, created_by=request.user)
    # Shown on this response only: it is stored hashed and cannot be shown again.
    return _configuration_page(request, new_secret=secret)


@require_POST
@workspace_view(role=Role.OWNER)
def revoke_token(request, token_id):
    token = get_owned(ApiToken, request.workspace, pk=token_id)
    if not token.revoked:
        token.revoke()
        messages.success(request, f"API key “{token.name}” revoked.")
    return redirect("configuration", slug=request.workspace.slug)
