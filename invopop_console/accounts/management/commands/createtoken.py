from django.core.management.base import BaseCommand, CommandError

from invopop_console.accounts.models import ApiToken, Workspace


class Command(BaseCommand):
    help = "Issue an API token for a workspace. The token is printed once, alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, metavar="SLUG")
        parser.add_argument("--name", default="Command line")

    def handle(self, workspace, name, **options):
        found = Workspace.objects.filter(slug=workspace).first()
        if found is None:
            raise CommandError(f"No workspace with slug {workspace!r}")
        token, secret = ApiToken.issue(found, name)
        self.stderr.write(f"Token {token.name!r} for {found.slug}; it is not shown again.")
        self.stdout.write(secret)
