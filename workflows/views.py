from django.shortcuts import render

from invopop_console.accounts.access import get_owned, workspace_view

from .models import Workflow


@workspace_view()
def workflow_list(request):
    workflows = Workflow.objects.filter(workspace=request.workspace).order_by("name")
    query = request.GET.get("q", "").strip()
    if query:
        workflows = workflows.filter(name__icontains=query)
    return render(request, "workflows/list.html", {"workflows": workflows, "q": query})


@workspace_view()
def workflow_detail(request, workflow_id):
    workflow = get_owned(Workflow, request.workspace, pk=workflow_id)
    context = {"workflow": workflow, "versions": workflow.versions.all()}
    return render(request, "workflows/detail.html", context)
