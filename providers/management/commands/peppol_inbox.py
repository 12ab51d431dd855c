"""Read the Peppol access point's inbox now (the workers do it every PEPPOL_INBOX_INTERVAL)."""

from django.core.management.base import BaseCommand, CommandError

from providers import outbound
from providers.peppol import inbox


class Command(BaseCommand):
    help = "Turn the documents waiting in the Peppol inbox into silo entries."

    def handle(self, *args, **options):
        from django.conf import settings

        if not settings.PEPPOL_URL:
            raise CommandError("PEPPOL_URL is not set")
        try:
            made = inbox.collect()
        except (*outbound.FAILURES, ValueError) as exc:
            raise CommandError(f"the Peppol inbox could not be read: {exc}") from exc
        self.stdout.write(f"{len(made)} documents received")
