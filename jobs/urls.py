from django.urls import path

from . import views

urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("run/", views.job_run, name="job_run"),
    path("<anyuuid:job_id>/", views.job_detail, name="job_detail"),
    path("<anyuuid:job_id>/run-again/", views.job_run_again, name="job_run_again"),
    path("<anyuuid:job_id>/retry/", views.job_retry, name="job_retry"),
]
