from django.shortcuts import render

from .access import workspace_view


@workspace_view()
def configuration(request):
    workspace = request.workspace
    context = {
        "members": workspace.memberships.select_related("user").order_by("user__email"),
        "tokens": workspace.api_tokens.all(),
    }
    return render(request, "accounts/configuration.html", context)
