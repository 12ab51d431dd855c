"""Who may see what: the one place that turns a URL or a token into a workspace.

Console URLs carry the workspace slug (/w/<slug>/...); API requests carry a bearer token that
acts for exactly one workspace. Objects of another workspace are answered with 404, never 403,
so that nobody can even learn that they exist: every view, API view and websocket finds an
object of its workspace through get_owned() or owned_or_none(), and a member through
membership_of().
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404

from invopop_console import api, json_input, rows

from .models import Membership, Role, Workspace


def workspace_view(role: str = Role.VIEWER):
    """Decorate a console view taking `slug`: sets request.workspace and request.membership.

    A non-member gets 404; a member whose role is too low for the view gets 403.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, slug, *args, **kwargs):
            membership = membership_of(request.user, slug)
            if membership is None:
                raise Http404("No such workspace")
            require_role(membership, role)
            request.workspace = membership.workspace
            request.membership = membership
            if request.session.get("workspace") != slug:
                request.session["workspace"] = slug
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def require_role(membership: Membership, role: str) -> None:
    """403 unless the member's role is `role` or above: for a view whose POST needs more
    than its page (the configuration page is for viewers, saving a section for owners)."""
    if not membership.allows(role):
        raise PermissionDenied(f"This needs the {role} role")


def owned_or_none(found, workspace, *, via="workspace", **lookup) -> models.Model | None:
    """The object in `found` (a model, manager or queryset) of `workspace` matching `lookup`, or
    None: also for another workspace's, and for a lookup that names nothing, such as a
    malformed UUID or a key with a NUL (which PostgreSQL cannot even compare). `via` is the
    way from the object to its workspace, for objects that belong to it through another (a
    sequence entry through its series)."""
    if json_input.problems(lookup):
        return None
    if isinstance(found, type) and via == "workspace" and list(lookup) == ["pk"]:
        return _owned_by_pk(found, workspace, lookup["pk"])
    queryset = found.objects.all() if isinstance(found, type) else found.all()
    try:
        return queryset.filter(**{via: workspace}, **lookup).first()
    except (ValueError, ValidationError):  # a malformed UUID, from the URL or a form
        return None


def _owned_by_pk(model, workspace, pk) -> models.Model | None:
    """owned_or_none() of one object by its primary key, in plain SQL (rows.py): what the jobs
    API asks for each job it creates (its workflow, its entry), where the ORM's compiler cost
    more than the query. The object comes with its workspace, which is `workspace`."""
    try:
        found = rows.get_many(model, [pk])
    except (ValueError, ValidationError):  # a malformed UUID, from the URL or a form
        return None
    if not found or found[0].workspace_id != workspace.pk:
        return None
    found[0].workspace = workspace
    return found[0]


def get_owned(found, workspace, *, what="object", via="workspace", **lookup) -> models.Model:
    """owned_or_none(), or a 404 for `what`: the API's JSON error ("No such job") on an API
    path, the 404 page on a console page."""
    owned = owned_or_none(found, workspace, via=via, **lookup)
    if owned is None:
        raise api.not_found(what)
    return owned


def user_workspaces(user) -> models.QuerySet:
    if not user.is_authenticated:
        return Workspace.objects.none()
    return Workspace.objects.filter(memberships__user=user).order_by("name")


def membership_of(user, slug: str) -> Membership | None:
    """The user's membership of the workspace with that slug (with the workspace), or None:
    console pages and the live websocket both let in only members."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("workspace")
        .filter(user=user, workspace__slug=slug)
        .first()
    )
