from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Log in with the email address (case-insensitive) instead of a username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = (kwargs.get("email") or username or "").strip()
        user = get_user_model().objects.filter(email__iexact=email).order_by("pk").first()
        if user and user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
