from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from jobs import hook_views as job_hook_views
from jobs import views as job_views
from providers import api_views as provider_api_views
from providers.verifactu import api_views as verifactu_api_views
from workflows import hook_views

from . import api_views, converters, views  # noqa: F401 (converters registers "anyuuid")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("utils/v1/ping", api_views.ping, name="api_ping"),
    path("hooks/<anyuuid:trigger_id>", hook_views.inbound, name="webhook_trigger"),
    path(
        "hooks/peppol/approvals/<anyuuid:entry_id>/<str:token>",
        job_hook_views.peppol_approval,
        name="peppol_approval_callback",
    ),
    path("api/schema/", api_views.openapi_schema, name="api_schema"),
    path("api/docs/", api_views.openapi_docs, name="api_docs"),
    path("transform/v1/", include("workflows.api_urls")),
    path("transform/v1/", include("jobs.api_urls")),
    # Signing needs the workspace's key, which the providers app keeps (see its api_views).
    path("silo/v1/gobl/sign", provider_api_views.gobl_sign, name="api_gobl_sign"),
    path("silo/v1/", include("silo.api_urls")),
    path("sequence/v1/", include("providers.api_urls")),
    path("gov-es/v1/noverifactu/export", verifactu_api_views.export, name="api_noverifactu_export"),
    path("w/<slug:slug>/", job_views.dashboard, name="dashboard"),
    path("w/<slug:slug>/", include("invopop_console.accounts.urls")),
    path("w/<slug:slug>/", include("providers.urls")),
    path("w/<slug:slug>/workflows/", include("workflows.urls")),
    path("w/<slug:slug>/silo/", include("silo.urls")),
    path("w/<slug:slug>/jobs/", include("jobs.urls")),
]

# Anything else under the API's prefixes is a JSON 404, not the console's HTML page.
urlpatterns.append(re_path(r"^(transform|silo|sequence|utils|gov-es)/", api_views.not_found))
