from django.urls import path

from . import views

urlpatterns = [
    path("entries/<anyuuid:entry_id>/", views.entry_detail, name="entry_detail"),
    path("entries/<anyuuid:entry_id>/correct/", views.entry_correct, name="entry_correct"),
    path("entries/<anyuuid:entry_id>/replicate/", views.entry_replicate, name="entry_replicate"),
    path(
        "entries/<anyuuid:entry_id>/files/<anyuuid:file_id>/",
        views.entry_file,
        name="entry_file",
    ),
    path("<str:kind>/", views.entry_list, name="entry_list"),
    path("<str:kind>/new/", views.entry_create, name="entry_create"),
]
