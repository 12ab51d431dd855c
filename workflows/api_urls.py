"""The workflows of the transform API (Invopop's transform_v1), mounted under /transform/v1/."""

from django.urls import path

from . import api_views, trigger_api

urlpatterns = [
    path("workflows", api_views.all_workflows, name="api_workflows"),
    path("workflows/<str:workflow_id>", api_views.one_workflow, name="api_workflow"),
    path("workflows/<anyuuid:workflow_id>/triggers", trigger_api.triggers, name="api_triggers"),
    path(
        "workflows/<anyuuid:workflow_id>/triggers/<anyuuid:trigger_id>",
        trigger_api.trigger_detail,
        name="api_trigger",
    ),
]
