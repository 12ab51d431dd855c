"""`manage.py simulator KEY --port PORT`: serve one registered simulator (providers/
simulators.py) until stopped; those with a `serve(port)` of their own."""

import contextlib

from django.core.management.base import BaseCommand, CommandError

from providers import simulators


class Command(BaseCommand):
    help = "Serve a counterpart's simulator (slack, ...) until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("key")
        parser.add_argument("--port", type=int, required=True)

    def handle(self, key, port, **options):
        found = simulators.get(key)
        serve = getattr(found, "serve", None)
        if serve is None:
            known = ", ".join(s.key for s in simulators.all_simulators())
            raise CommandError(f"no simulator {key!r} served by this command (known: {known})")
        self.stdout.write(f"{found.name} at {found.endpoint(port)}")
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C or serve's SIGINT: stop quietly
            serve(port)
