"""API authentication: `Authorization: Bearer <token>`, one token acts for one workspace."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from invopop_console import rows

from .models import ApiToken, hash_token

# Recording every use would turn each API read into a write; once a minute says enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenActor:
    """Stands in for request.user on API calls: the workspace acting through a token."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, token: ApiToken):
        self.token = token
        self.workspace = token.workspace

    def __str__(self) -> str:
        return f"token {self.token.hint}…"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise exceptions.AuthenticationFailed("Use the header: Authorization: Bearer <token>")
        # Plain SQL (rows.py): the ORM's compiler took longer than the query, on every call.
        token = rows.find(
            ApiToken, "token_hash", hash_token(secret.strip()), related=("workspace",)
        )
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Unknown or revoked API token")
        self._touch(token)
        request.workspace = token.workspace
        return TokenActor(token), token

    def authenticate_header(self, request):
        return self.keyword

    @staticmethod
    def _touch(token: ApiToken) -> None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
