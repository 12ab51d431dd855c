"""The XAdES enveloped signature of NO VERI*FACTU's records (Orden HAC/1177/2024, art. 12:
each invoice and event record kept by a system that does not send them is signed by the
issuer), with the workspace's VERI*FACTU certificate.

signxml, not xmlsec: a pure-Python wheel over lxml and cryptography, both already here,
where python-xmlsec needs libxmlsec1 built against the very libxml2 of lxml's wheel.

Canonical XML 1.0 (inclusive), the XML-DSig default: signxml digests XAdES's
SignedProperties with the signature's canonicalisation but writes no Transform for it, so a
verifier falls back on the default; exclusive c14n would not verify anywhere else. Inside the
inspection export a record keeps the same in-scope namespaces (its document declares the same
two), so a record taken out of the export still verifies.
"""

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from lxml import etree
from signxml import CanonicalizationMethod, SignatureMethod
from signxml.xades import XAdESSigner, XAdESVerifier

DS = "http://www.w3.org/2000/09/xmldsig#"


class SigningError(ValueError):
    """The workspace cannot sign: no certificate, or one that does not open."""


def credentials(config) -> tuple:
    """(private key, [certificates]) of the workspace's PKCS#12."""
    found = config.certificate() if config is not None else None
    if found is None:
        raise SigningError(
            "NO VERI*FACTU signs every record: add the issuer's certificate to the "
            "workspace's VERI*FACTU configuration"
        )
    data, password = found
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, password.encode())
    except ValueError as exc:
        raise SigningError(f"the certificate does not open: {exc}") from None
    if key is None or certificate is None:
        raise SigningError("the certificate file holds no private key and certificate")
    return key, [certificate, *(chain or [])]


def sign(record: etree._Element, key, certificates: list) -> bytes:
    """The record with its enveloped XAdES signature, as bytes to keep unchanged: any
    re-serialisation (pretty printing) would break the digest."""
    signer = XAdESSigner(
        signature_algorithm=_algorithm(key),
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    signed = signer.sign(record, key=key, cert=certificates)
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def verify(document: bytes, certificate_pem: bytes) -> None:
    """Raises signxml.exceptions.InvalidSignature unless `document` carries a valid
    signature by `certificate_pem`'s key."""
    XAdESVerifier().verify(document, x509_cert=certificate_pem, expect_references=3)


def _algorithm(key) -> SignatureMethod:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return SignatureMethod.ECDSA_SHA256
    if isinstance(key, rsa.RSAPrivateKey):
        return SignatureMethod.RSA_SHA256
    raise SigningError("the certificate's key is neither RSA nor EC")
