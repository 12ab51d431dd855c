"""Talking to the AEAT's service: one SOAP POST over mutual TLS.

The endpoint comes from the workspace's VERI*FACTU configuration: only owners edit it, but an
owner is a user all the same, so the request goes through providers/outbound.py's SSRF guard
like a webhook's. The local simulator on loopback is reached by allowing it (`make run`
allows the sandbox it starts; tests allow loopback).

requests (and ssl) load client certificates from files only: the PKCS#12 is opened in memory
and written as PEM to a private temporary folder for the length of one request.
"""

import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)

from providers import outbound

from . import xml
from .models import VerifactuConfig

TIMEOUT = (5.0, 60.0)  # connect, read: the AEAT answers within seconds, or is struggling
MAX_ANSWER_BYTES = 2 * 1024 * 1024
FAILURES = outbound.FAILURES  # Refused among them: the caller tells it apart


@dataclass
class Delivery:
    status: int
    body: bytes
    retry_after: float | None = None


class CertificateError(ValueError):
    """The PKCS#12 cannot be opened (a wrong password, or not a certificate)."""


def post(config: VerifactuConfig, document: bytes) -> Delivery:
    """Send the submission document; raises one of FAILURES when no answer came."""
    with tls_files(config) as (cert, verify):
        answer = outbound.request(
            "POST",
            config.endpoint,
            data=xml.soap(document),
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
            cert=cert,
            verify=verify,
            timeout=TIMEOUT,
            max_bytes=MAX_ANSWER_BYTES,
        )
    return Delivery(answer.status, answer.body, _retry_after(answer))


@contextmanager
def tls_files(config: VerifactuConfig):
    """(cert, verify) for requests: the client certificate as PEM files, and the trusted
    server certificate when the configuration names one."""
    with tempfile.TemporaryDirectory(prefix="verifactu-") as folder:
        cert = verify = None
        opened = config.certificate()
        if opened is not None:
            cert = _write_pem(Path(folder), *opened)
        if config.server_ca.strip():
            verify = str(Path(folder) / "server-ca.pem")
            Path(verify).write_text(config.server_ca)
        yield cert, verify if verify is not None else True


def _write_pem(folder: Path, data: bytes, password: str) -> tuple[str, str]:
    key, certificate, extra = load_pkcs12(data, password)
    cert_path, key_path = folder / "client.pem", folder / "client.key"
    chain = [certificate, *extra]
    cert_path.write_bytes(b"".join(c.public_bytes(Encoding.PEM) for c in chain))
    key_path.touch(mode=0o600)
    key_path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return str(cert_path), str(key_path)


def load_pkcs12(data: bytes, password: str):
    """(private key, certificate, extra certificates); CertificateError when it cannot."""
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(
            data, password.encode() if password else None
        )
    except (ValueError, TypeError) as exc:
        raise CertificateError(f"the certificate cannot be opened: {exc}") from None
    if key is None or certificate is None:
        raise CertificateError("the PKCS#12 file holds no certificate with its private key")
    return key, certificate, list(extra or [])


def describe(data: bytes, password: str) -> tuple[str, object]:
    """The subject and expiry of a PKCS#12 certificate, shown on the Configuration page."""
    _, certificate, _ = load_pkcs12(data, password)
    return certificate.subject.rfc4514_string()[:300], certificate.not_valid_after_utc


def _retry_after(response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None
