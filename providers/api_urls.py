"""The sequence API (Invopop's sequence_v1), mounted under /sequence/v1/."""

from django.urls import path

from . import api_views

urlpatterns = [
    path("series", api_views.all_series, name="api_series_list"),
    path("series/<str:series_id>", api_views.one_series, name="api_series"),
    path("series/<str:series_id>/entries", api_views.series_entries, name="api_series_entries"),
    path(
        "series/<str:series_id>/entries/<str:entry_id>",
        api_views.series_entry,
        name="api_series_entry",
    ),
]
