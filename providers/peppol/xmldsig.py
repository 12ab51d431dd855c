"""The XML signature of an SMP's SignedServiceMetadata (XMLDSig, as Peppol's SMP
specification asks): one enveloped Reference to the whole document, SHA-256, RSA-SHA256,
inclusive canonical XML 1.0, the signer's certificate in KeyInfo.

verify() checks that the document is what its signer signed; whom to trust (OpenPEPPOL's SMP
CA) is not checked here: the simulator's certificate chains to no such CA.
"""

import base64
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


class BadSignature(Exception):
    pass


def sign(root, key, certificate_der: bytes) -> None:
    """Append the enveloped signature of `root` (an lxml element) by `key`."""
    digest = _digest(root)
    signature = etree.SubElement(root, f"{{{DS}}}Signature", nsmap={"ds": DS})
    info = etree.SubElement(signature, f"{{{DS}}}SignedInfo")
    etree.SubElement(info, f"{{{DS}}}CanonicalizationMethod", Algorithm=C14N)
    etree.SubElement(info, f"{{{DS}}}SignatureMethod", Algorithm=RSA_SHA256)
    reference = etree.SubElement(info, f"{{{DS}}}Reference", URI="")
    transforms = etree.SubElement(reference, f"{{{DS}}}Transforms")
    etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=ENVELOPED)
    etree.SubElement(reference, f"{{{DS}}}DigestMethod", Algorithm=SHA256)
    etree.SubElement(reference, f"{{{DS}}}DigestValue").text = digest
    value = key.sign(_canonical(info), padding.PKCS1v15(), hashes.SHA256())
    etree.SubElement(signature, f"{{{DS}}}SignatureValue").text = base64.b64encode(value).decode()
    data = etree.SubElement(etree.SubElement(signature, f"{{{DS}}}KeyInfo"), f"{{{DS}}}X509Data")
    etree.SubElement(data, f"{{{DS}}}X509Certificate").text = base64.b64encode(
        certificate_der
    ).decode()


def verify(root) -> bytes:
    """The signer's certificate (DER) when `root`'s enveloped signature holds; else raises
    BadSignature saying what does not."""
    from cryptography import x509

    signature = root.find(f"{{{DS}}}Signature")
    if signature is None:
        raise BadSignature("it is not signed")
    info = signature.find(f"{{{DS}}}SignedInfo")
    methods = (
        _attribute(info, "CanonicalizationMethod"),
        _attribute(info, "SignatureMethod"),
        _attribute(info, "Reference/ds:DigestMethod"),
    )
    if methods != (C14N, RSA_SHA256, SHA256):
        raise BadSignature(f"its algorithms are not the ones we check: {methods}")
    try:
        certificate = base64.b64decode(
            signature.findtext(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate", "")
        )
        public_key = x509.load_der_x509_certificate(certificate).public_key()
        value = base64.b64decode(signature.findtext(f"{{{DS}}}SignatureValue", ""))
    except ValueError as exc:
        raise BadSignature(f"its certificate or value is unreadable: {exc}") from None
    expected = info.findtext(f"{{{DS}}}Reference/{{{DS}}}DigestValue", "").strip()
    if _digest(root) != expected:
        raise BadSignature("the document was changed after it was signed (digest)")
    try:
        public_key.verify(value, _canonical(info), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, TypeError, AttributeError):
        raise BadSignature("the signature value does not verify") from None
    return certificate


def _digest(root) -> str:
    """SHA-256 of the document without its signature (the enveloped-signature transform)."""
    copy = etree.fromstring(etree.tostring(root))
    for found in copy.findall(f"{{{DS}}}Signature"):
        copy.remove(found)
    return base64.b64encode(hashlib.sha256(_canonical(copy)).digest()).decode()


def _canonical(element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=False, with_comments=False)


def _attribute(info, path: str) -> str:
    found = info.find(f"ds:{path}", {"ds": DS}) if info is not None else None
    return found.get("Algorithm", "") if found is not None else ""
