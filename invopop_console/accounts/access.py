"""Who may see what: the one place that turns a URL or a token into a workspace.

Console URLs carry the workspace slug (/w/<slug>/...); API requests carry a bearer token that
acts for exactly one workspace. Objects of another workspace are answered with 404, never 403,
so that nobody can even learn that they exist.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Membership, Role, Workspace


def workspace_view(role: str = Role.VIEWER):
    """Decorate a console view taking `slug`: sets request.workspace and request.membership.

    A non-member gets 404; a member whose role is too low for the view gets 403.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, slug, *args, **kwargs):
            membership = (
                Membership.objects.select_related("workspace")
                .filter(user=request.user, workspace__slug=slug)
                .first()
            )
            if membership is None:
                raise Http404("No such workspace")
            if not membership.allows(role):
                raise PermissionDenied(f"This needs the {role} role")
            request.workspace = membership.workspace
            request.membership = membership
            if request.session.get("workspace") != slug:
                request.session["workspace"] = slug
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def get_owned(model_or_queryset, workspace: Workspace, **lookup) -> models.Model:
    """The object of `workspace` matching lookup, or 404 (also for another workspace's)."""
    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset.objects.all()
    )
    return get_object_or_404(queryset, workspace=workspace, **lookup)


def user_workspaces(user) -> models.QuerySet:
    if not user.is_authenticated:
        return Workspace.objects.none()
    return Workspace.objects.filter(memberships__user=user).order_by("name")


def membership_of(user, workspace_id) -> Membership | None:
    """The user's membership of a workspace given by id, used by websocket consumers."""
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, workspace_id=workspace_id).first()
