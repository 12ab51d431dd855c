from django.urls import path

from . import views

urlpatterns = [
    path("configuration/", views.configuration, name="configuration"),
    path("configuration/api-keys/", views.create_token, name="create_token"),
    path(
        "configuration/api-keys/<anyuuid:token_id>/revoke/",
        views.revoke_token,
        name="revoke_token",
    ),
]
