from django.urls import path

from . import views

urlpatterns = [
    path("<str:kind>/", views.entry_list, name="entry_list"),
    path("entries/<uuid:entry_id>/", views.entry_detail, name="entry_detail"),
]
