from django.urls import path  # noqa: F401

from . import api_views  # noqa: F401

urlpatterns: list = []
