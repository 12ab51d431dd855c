"""Creating workspaces and users, shared by the management commands and the demo seed."""

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Membership, Role, Workspace


def get_or_create_user(email: str, password: str | None = None):
    """The user with this email; a new one gets `password`, or an unusable one."""
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(username=email.lower(), email=email.lower())
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    return user


@transaction.atomic
def create_workspace(name: str, owner, slug: str | None = None) -> Workspace:
    workspace = Workspace.objects.create(name=name, slug=slug or Workspace.unique_slug(name))
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    return workspace
