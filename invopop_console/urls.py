from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import api_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("utils/v1/ping", api_views.ping, name="api_ping"),
    path("w/<slug:slug>/", views.dashboard, name="dashboard"),
    path("w/<slug:slug>/", include("invopop_console.accounts.urls")),
    path("w/<slug:slug>/workflows/", include("workflows.urls")),
    path("w/<slug:slug>/silo/", include("silo.urls")),
    path("w/<slug:slug>/jobs/", include("jobs.urls")),
]
