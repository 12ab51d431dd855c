from django.urls import path

from . import views

urlpatterns = [
    path("", views.workflow_list, name="workflow_list"),
    path("<uuid:workflow_id>/", views.workflow_detail, name="workflow_detail"),
    path("<uuid:workflow_id>/triggers/", views.trigger_create, name="trigger_create"),
    path(
        "<uuid:workflow_id>/triggers/<uuid:trigger_id>/delete/",
        views.trigger_delete,
        name="trigger_delete",
    ),
]
