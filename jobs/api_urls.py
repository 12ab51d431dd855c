"""The transform API's jobs, mounted under /transform/v1/ (Invopop's paths: no slashes)."""

from django.urls import path

from . import api_views

# The fixed paths come before jobs/<anyuuid:id>; a non-UUID id falls through to the JSON 404.
urlpatterns = [
    path("jobs", api_views.jobs, name="api_jobs"),
    path("jobs/intents", api_views.intents, name="api_job_intents"),
    path("jobs/key/<path:key>", api_views.job_by_key, name="api_job_by_key"),
    path("jobs/<anyuuid:id>", api_views.job, name="api_job"),
]
