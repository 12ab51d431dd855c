from django.urls import path

from . import editor_views, views

urlpatterns = [
    path("", views.workflow_list, name="workflow_list"),
    path("new/", editor_views.create, name="workflow_create"),
    path("new/<slug:template>/", editor_views.new, name="workflow_new"),
    path("new/<slug:template>/<slug:action>/", editor_views.new_act, name="workflow_new_act"),
    path("<anyuuid:workflow_id>/", views.workflow_detail, name="workflow_detail"),
    path("<anyuuid:workflow_id>/edit/", editor_views.editor, name="workflow_editor"),
    path("<anyuuid:workflow_id>/edit/<slug:action>/", editor_views.act, name="workflow_act"),
    path("<anyuuid:workflow_id>/triggers/", views.trigger_create, name="trigger_create"),
    path(
        "<anyuuid:workflow_id>/triggers/<anyuuid:trigger_id>/delete/",
        views.trigger_delete,
        name="trigger_delete",
    ),
    path(
        "<anyuuid:workflow_id>/triggers/<anyuuid:trigger_id>/secret/",
        views.trigger_secret,
        name="trigger_secret",
    ),
]
