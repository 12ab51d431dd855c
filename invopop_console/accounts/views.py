from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .access import get_owned, workspace_view
from .models import ApiToken, Role
from .sections import sections


@workspace_view()
def configuration(request):
    """The workspace's members and API keys, then the sections of the apps above (see
    sections.py), one of which may take a POST to this page."""
    posted = request.POST.get("section") if request.method == "POST" else None
    for section in sections():
        if posted and section.key == posted:
            return section.post(request)
    return _configuration_page(request)


def _configuration_page(request, new_secret: str = ""):
    workspace = request.workspace
    shown = sections()
    context = {
        "members": workspace.memberships.select_related("user").order_by("user__email"),
        "tokens": workspace.api_tokens.select_related("created_by"),
        "can_manage": request.membership.allows(Role.OWNER),
        "new_secret": new_secret,
        "sections": [section.template for section in shown],
    }
    for section in shown:
        context.update(section.context(request))
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
