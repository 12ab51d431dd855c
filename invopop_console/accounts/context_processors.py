from .access import user_workspaces


def workspaces(request):
    """The workspace switcher's list; the current one is set by access.workspace_view."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "my_workspaces": user_workspaces(request.user),
        "workspace": getattr(request, "workspace", None),
        "membership": getattr(request, "membership", None),
    }
