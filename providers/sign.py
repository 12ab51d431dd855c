"""silo.close: sign the envelope, as GOBL does: a digest of the document in head.dig, and a
JSON Web Signature (RFC 7515, compact form) of the head in sigs, with the workspace's key.

Keys are ECDSA P-256 (JWS alg ES256), one per workspace, made on first use and stored in
SigningKey. verify() checks an envelope against its workspace's key.
"""

import base64
import hashlib
import json
import uuid

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from django.db import IntegrityError, transaction

from silo.snippets import doc_type

from .base import StepContext, ko, ok, skip
from .models import SigningKey
from .registry import provider

ENVELOPE_SCHEMA = "https://gobl.org/draft-0/envelope"
ALG = "ES256"
DIGEST_ALG = "sha256"
COORDINATE = 32  # bytes of r and of s on P-256
NEEDS_CODE = {"bill/invoice"}  # GOBL signs only invoices that have their code


@provider(
    "silo.close",
    name="Sign envelope",
    transactional=True,  # database work only: one transaction with its outcome
    category="Documents",
    summary="Sign the envelope: compute its digest and seal it.",
    icon="lock",
)
def close(context: StepContext):
    if context.entry is None:
        return ko("there is no envelope to sign", "not-signable")
    if context.entry.signed:
        return skip("already signed", "signed")
    problem = unsignable(context.doc)
    if problem:
        return ko(problem, "not-signable")
    key = signing_key(context.workspace)
    envelope = seal(context.envelope, context.workspace, key=key)
    return ok(message=f"signed with key {key.kid}", envelope=envelope, sign=True)


def unsignable(doc: dict) -> str:
    """Why `doc` cannot be signed, or ""."""
    if not doc:
        return "the envelope has no document"
    schema = doc.get("$schema")
    if not schema:
        return "the document has no $schema"
    if doc_type(schema) in NEEDS_CODE and not doc.get("code"):
        return "an invoice needs a code before it is signed (add a sequence step first)"
    return ""


# --- Digest and signature


def canonical(value) -> bytes:
    """The JSON that is digested and signed: keys sorted, no whitespace, UTF-8 as is.

    GOBL canonicalises JSON the same way before digesting (its c14n package: sorted keys,
    no insignificant whitespace), so a document reads the same however it was formatted or
    re-serialised by the database. Numbers are written as Python writes them, so this digest
    is not guaranteed to match the GOBL CLI's byte for byte on unusual numbers; GOBL documents
    keep amounts as strings, where the two agree."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(doc: dict) -> dict:
    return {"alg": DIGEST_ALG, "val": hashlib.sha256(canonical(doc)).hexdigest()}


def seal(envelope: dict, workspace, key: SigningKey | None = None) -> dict:
    """A copy of `envelope` with head.uuid (kept, or a new one), head.dig and sigs."""
    head = dict(envelope.get("head") or {})
    if not head.get("uuid"):
        head["uuid"] = str(uuid.uuid4())
    head["dig"] = digest(envelope.get("doc") or {})
    jws = sign_jws(canonical(head), key or signing_key(workspace))
    return {"$schema": ENVELOPE_SCHEMA, **envelope, "head": head, "sigs": [jws]}


def verify(envelope: dict, workspace) -> bool:
    """True when the document matches head.dig and a signature in sigs is the workspace's
    over this very head."""
    head = envelope.get("head") if isinstance(envelope, dict) else None
    if not isinstance(head, dict) or head.get("dig") != digest(envelope.get("doc") or {}):
        return False
    key = SigningKey.objects.filter(workspace=workspace).first()
    if key is None:
        return False
    return any(_verify_jws(jws, key, head) for jws in envelope.get("sigs") or [])


def sign_jws(payload: bytes, key: SigningKey) -> str:
    header = json.dumps({"alg": ALG, "kid": key.kid}, separators=(",", ":")).encode()
    signing_input = f"{b64(header)}.{b64(payload)}".encode("ascii")
    der = private_key(key).sign(signing_input, ec.ECDSA(hashes.SHA256()))
    # JWS wants r || s, each a fixed 32 bytes (RFC 7518 §3.4), not the DER that
    # cryptography produces.
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(COORDINATE, "big") + s.to_bytes(COORDINATE, "big")
    return f"{signing_input.decode('ascii')}.{b64(raw)}"


def _verify_jws(jws, key: SigningKey, head: dict) -> bool:
    try:
        header_b64, payload_b64, signature_b64 = jws.split(".")
        header = json.loads(unb64(header_b64))
        if header.get("alg") != ALG or header.get("kid") != key.kid:
            return False
        if json.loads(unb64(payload_b64)) != head:
            return False
        raw = unb64(signature_b64)
        if len(raw) != 2 * COORDINATE:
            return False
        r = int.from_bytes(raw[:COORDINATE], "big")
        s = int.from_bytes(raw[COORDINATE:], "big")
        private_key(key).public_key().verify(
            encode_dss_signature(r, s),
            f"{header_b64}.{payload_b64}".encode("ascii"),
            ec.ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, ValueError, TypeError, AttributeError):
        return False  # a malformed token is as good as a wrong one
    return True


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- Keys


def signing_key(workspace) -> SigningKey:
    """The workspace's key, made and stored the first time it is needed."""
    key = SigningKey.objects.filter(workspace=workspace).first()
    if key is not None:
        return key
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    try:
        with transaction.atomic():
            return SigningKey.objects.create(
                workspace=workspace, kid=fingerprint(private.public_key()), private_pem=pem
            )
    except IntegrityError:  # another worker made the workspace's key meanwhile
        return SigningKey.objects.get(workspace=workspace)


def fingerprint(public: ec.EllipticCurvePublicKey) -> str:
    """16 hex digits of the SHA-256 of the public key (DER SubjectPublicKeyInfo)."""
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()[:16]


def private_key(key: SigningKey) -> ec.EllipticCurvePrivateKey:
    return serialization.load_pem_private_key(key.private_pem.encode("ascii"), password=None)


def public_pem(key: SigningKey) -> str:
    return (
        private_key(key)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
