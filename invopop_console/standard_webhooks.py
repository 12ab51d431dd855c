"""Standard Webhooks (standardwebhooks.com): the secrets and signatures of the webhooks the
console sends (providers/webhook.py) and receives (workflows/triggers.py). Here, below both,
so that neither imports the other."""

import base64
import hashlib
import hmac
import secrets


def new_secret() -> str:
    """A Standard Webhooks secret: "whsec_" and the base64 of 256 random bits."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret: the base64 after "whsec_", as every
    Standard Webhooks library decodes it. Trigger secrets made before were not base64
    (token_urlsafe, 43 characters: never valid padded base64) and sign with their text, so
    their senders keep working."""
    encoded = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(encoded, validate=True)
    except ValueError:  # binascii.Error is a ValueError
        return encoded.encode()


def sign(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    """The Standard Webhooks signature of a message with a "whsec_" secret."""
    key = secret_key(secret)
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
