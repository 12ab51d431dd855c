"""Secrets at rest (SMTP passwords, webhook signing secrets): sealed with Fernet under a key
derived from SECRET_KEY, so a copy of the database alone does not give them away.

The key follows SECRET_KEY: when it is rotated, keep the old one in SECRET_KEY_FALLBACKS
(Django's own setting) and the secrets sealed under it still open. Secrets are not re-sealed
on their own; saving them again (or rotating them) seals them under the new key.
"""

import base64

from django.conf import settings

# HKDF's info: a key for this use only, unrelated to Django's own uses of SECRET_KEY.
PURPOSE = b"invopop-console secrets at rest v1"


class SealBroken(ValueError):
    """A sealed value that no current or fallback key opens (or that is not a sealed value)."""


def seal(secret: str) -> str:
    return _box().encrypt(secret.encode()).decode()


def open_sealed(sealed: str) -> str:
    from cryptography.fernet import InvalidToken

    try:
        return _box().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SealBroken("the secret cannot be opened: was SECRET_KEY changed?") from None


def sealed(field: str) -> property:
    """A model's secret as text, kept sealed in its `field`: read opens it, write seals it."""
    return property(
        lambda self: open_sealed(getattr(self, field)),
        lambda self, value: setattr(self, field, seal(value)),
    )


def _box():
    # cryptography here, not at the top: the models import this module, and the processes
    # that never open a secret (django-q2's sentinel, pusher, monitor) would hold 9 MB for it.
    from cryptography.fernet import Fernet, MultiFernet

    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(_derived(key)) for key in keys])


def _derived(secret_key: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE)
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))
