"""VERI*FACTU in tests: the agency simulator on a free port, TLS certificates made on the
spot, a configured workspace and a built Spanish invoice."""

import datetime
import json
import threading
from contextlib import contextmanager
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from providers.verifactu.models import VerifactuConfig
from providers.verifactu.sandbox import make_server
from silo.gobl import build_envelope

FIXTURES = Path(__file__).parent / "fixtures" / "verifactu"
ISSUER = ("B98602642", "Provide One S.L.")
PASSWORD = "p12-password"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def invoice(**changes) -> dict:
    """The fixture invoice, built (totals and taxes), without a code: a sequence gives it.
    A change to None leaves the field out."""
    doc = {**json.loads(fixture("invoice.json")), **changes}
    doc = {key: value for key, value in doc.items() if value is not None}
    envelope, problems = build_envelope(doc)
    assert not problems, problems
    return envelope


@contextmanager
def running_sandbox(**options):
    """(server, url) of a simulator serving in a thread of this process."""
    server = make_server(0, wait=options.pop("wait", 0), **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if options.get("certfile") else "http"
    try:
        yield server, f"{scheme}://127.0.0.1:{server.server_port}/wlpl/TIKE-CONT/ws/VerifactuSOAP"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def script(url: str, *answers: dict, **tls) -> None:
    """Queue the simulator's next answers."""
    base = url.split("/wlpl/")[0]
    requests.post(f"{base}/sandbox/script", json=list(answers), timeout=5, **tls).raise_for_status()


def configure(workspace, url: str, **fields) -> VerifactuConfig:
    return VerifactuConfig.objects.create(
        workspace=workspace,
        issuer_nif=fields.pop("issuer_nif", ISSUER[0]),
        issuer_name=fields.pop("issuer_name", ISSUER[1]),
        sandbox_url=url,
        **fields,
    )


# --- Certificates: a CA, the simulator's server certificate, and a client certificate


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _certificate(subject: str, key, issuer_name=None, issuer_key=None, ca=False, san=None):
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def _pem(value) -> bytes:
    if isinstance(value, x509.Certificate):
        return value.public_bytes(serialization.Encoding.PEM)
    return value.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def certificates(folder: Path) -> dict:
    """Files and values for a simulator over mutual TLS: its certificate and key, the CA
    that signed every certificate (trusted both ways), and the client's PKCS#12."""
    import ipaddress

    ca_key = _key()
    ca = _certificate("Sandbox CA", ca_key, ca=True)
    server_key = _key()
    server = _certificate(
        "127.0.0.1",
        server_key,
        ca.subject,
        ca_key,
        san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")],
    )
    client_key = _key()
    client = _certificate("PROVIDE ONE S.L. - B98602642", client_key, ca.subject, ca_key)
    paths = {name: folder / f"{name}.pem" for name in ("ca", "server", "server-key")}
    paths["ca"].write_bytes(_pem(ca))
    paths["server"].write_bytes(_pem(server))
    paths["server-key"].write_bytes(_pem(server_key))
    p12 = pkcs12.serialize_key_and_certificates(
        b"client",
        client_key,
        client,
        None,
        serialization.BestAvailableEncryption(PASSWORD.encode()),
    )
    return {
        "certfile": str(paths["server"]),
        "keyfile": str(paths["server-key"]),
        "client_ca": str(paths["ca"]),
        "ca_pem": _pem(ca).decode(),
        "p12": p12,
        "client_pem": (_pem(client), _pem(client_key)),
    }
