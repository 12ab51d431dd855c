from django.db.models import Prefetch
from django.shortcuts import render

from invopop_console.accounts.access import get_owned, workspace_view

from .models import Intent, Job

PAGE_SIZE = 50


@workspace_view()
def job_list(request):
    jobs = Job.objects.filter(workspace=request.workspace).select_related(
        "workflow", "workflow_version", "silo_entry"
    )
    return render(request, "jobs/list.html", {"jobs": jobs[:PAGE_SIZE]})


@workspace_view()
def job_detail(request, job_id):
    intents = Intent.objects.prefetch_related("events")
    queryset = Job.objects.select_related("workflow", "workflow_version", "silo_entry")
    job = get_owned(
        queryset.prefetch_related(Prefetch("intents", intents)), request.workspace, pk=job_id
    )
    return render(request, "jobs/detail.html", {"job": job})
