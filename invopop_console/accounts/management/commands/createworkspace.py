from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email, validate_slug

from invopop_console.accounts.models import Workspace
from invopop_console.accounts.services import create_workspace, get_or_create_user


class Command(BaseCommand):
    help = "Create a workspace owned by a user (created too if the email is new)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--owner", required=True, metavar="EMAIL")
        parser.add_argument("--slug", help="URL name; derived from NAME when absent")
        parser.add_argument("--password", help="for a new owner; otherwise set it later")

    def handle(self, name, owner, slug, password, **options):
        try:
            validate_email(owner)
            if slug:
                validate_slug(slug)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if slug and Workspace.objects.filter(slug=slug).exists():
            raise CommandError(f"A workspace with slug {slug!r} already exists")
        user = get_or_create_user(owner, password)
        workspace = create_workspace(name, user, slug)
        self.stdout.write(
            f"Created workspace {workspace.name!r} ({workspace.slug}) owned by {user.email}"
        )
        if not user.has_usable_password():
            self.stdout.write(
                f"Set the owner's password with: manage.py changepassword {user.username}"
            )
        self.stdout.write(workspace.slug)
