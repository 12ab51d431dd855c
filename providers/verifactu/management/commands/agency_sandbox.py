"""`python manage.py agency_sandbox --port 8790`: the local VERI*FACTU test service
(providers/verifactu/sandbox.py), until Ctrl-C."""

from django.core.management.base import BaseCommand

from providers.verifactu.sandbox import DEFAULT_WAIT, make_server


class Command(BaseCommand):
    help = "Run a local simulator of the AEAT's VERI*FACTU test service."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8790)
        parser.add_argument(
            "--wait",
            type=int,
            default=DEFAULT_WAIT,
            help="TiempoEsperaEnvio: seconds the answers ask between submissions",
        )
        parser.add_argument("--delay", type=float, default=0.0, help="seconds before answering")
        parser.add_argument("--certfile", help="PEM certificate: serve HTTPS")
        parser.add_argument("--keyfile", help="PEM private key of --certfile")
        parser.add_argument("--client-ca", help="PEM CA: require client certificates it signed")

    def handle(self, host, port, wait, delay, certfile, keyfile, client_ca, **options):
        server = make_server(
            port,
            host,
            wait=wait,
            delay=delay,
            certfile=certfile,
            keyfile=keyfile,
            client_ca=client_ca,
            verbose=options["verbosity"] > 1,
        )
        scheme = "https" if certfile else "http"
        self.stdout.write(f"VERI*FACTU sandbox on {scheme}://{host}:{server.server_port}/")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
