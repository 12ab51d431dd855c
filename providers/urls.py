"""The providers' forms on the Configuration page (their section: providers/views.py)."""

from django.urls import path

from . import views
from .peppol import views as peppol_views
from .verifactu import views as verifactu_views

urlpatterns = [
    path("configuration/peppol/lookup/", peppol_views.lookup, name="peppol_lookup"),
    path("configuration/email/", views.add_email_connection, name="add_email_connection"),
    path(
        "configuration/email/<anyuuid:connection_id>/remove/",
        views.remove_email_connection,
        name="remove_email_connection",
    ),
    path("configuration/credentials/", views.add_credential, name="add_credential"),
    path(
        "configuration/credentials/<anyuuid:credential_id>/replace/",
        views.replace_credential,
        name="replace_credential",
    ),
    path(
        "configuration/credentials/<anyuuid:credential_id>/remove/",
        views.remove_credential,
        name="remove_credential",
    ),
    path(
        "configuration/noverifactu/<str:nif>/export/",
        verifactu_views.noverifactu_export,
        name="noverifactu_export",
    ),
    path(
        "configuration/webhook-secret/rotate/",
        views.rotate_webhook_secret,
        name="rotate_webhook_secret",
    ),
]
