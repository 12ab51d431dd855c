from django.core.management.base import BaseCommand

from invopop_console.demo.seed import DEMO_EMAIL, DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create (or complete) the demo workspace with sample workflows and documents."

    def handle(self, **options):
        workspace = seed_demo()
        self.stdout.write(
            f"Demo workspace {workspace.slug!r}: log in as {DEMO_EMAIL} / {DEMO_PASSWORD}"
        )
