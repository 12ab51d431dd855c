"""The silo API's URLs, under /silo/v1/ as Invopop's (no trailing slashes).

`entries/key/<key>` cannot be taken for an entry id: ids match only as UUIDs, and a path
that is not one falls through to the API's JSON 404.
"""

from django.urls import path

from . import api_views

urlpatterns = [
    path("entries", api_views.entries, name="api_silo_entries"),
    path("entries/key/<path:key>", api_views.entry_by_key, name="api_silo_entry_by_key"),
    path("entries/<anyuuid:entry_id>", api_views.entry, name="api_silo_entry"),
    path("entries/<anyuuid:entry_id>/files", api_views.entry_files, name="api_silo_files"),
    path(
        "entries/<anyuuid:entry_id>/files/<anyuuid:file_id>",
        api_views.entry_file,
        name="api_silo_file",
    ),
    path("entries/<anyuuid:entry_id>/states", api_views.entry_states, name="api_silo_states"),
    # gobl/sign is the providers app's (it signs with the workspace's key): invopop_console/urls.py
    path("gobl/build", api_views.gobl_build, name="api_gobl_build"),
    path("gobl/correct", api_views.gobl_correct, name="api_gobl_correct"),
    path("gobl/replicate", api_views.gobl_replicate, name="api_gobl_replicate"),
]
