from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from invopop_console.accounts.access import get_owned, workspace_view
from invopop_console.accounts.models import Role
from invopop_console.api import ApiError
from jobs.models import Job

from .models import Trigger, TriggerKind, Workflow
from .schemas import DocSchema
from .trigger_api import cleaned


@workspace_view()
def workflow_list(request):
    last_run = Job.objects.filter(workflow=OuterRef("pk")).order_by("-created_at")
    workflows = (
        Workflow.objects.filter(workspace=request.workspace)
        .annotate(last_status=Subquery(last_run.values("status")[:1]))
        .order_by("name")
    )
    query = request.GET.get("q", "").strip()
    if query:
        workflows = workflows.filter(name__icontains=query)
    can_create = request.membership.allows(Role.EDITOR)
    context = {"workflows": workflows, "q": query, "can_create": can_create}
    return render(request, "workflows/list.html", context)


@workspace_view()
def workflow_detail(request, workflow_id):
    workflow = get_owned(Workflow, request.workspace, pk=workflow_id)
    context = {
        "workflow": workflow,
        "versions": workflow.versions.all(),
        "triggers": workflow.triggers.select_related("silo_entry"),
        "trigger_kinds": TriggerKind.choices,
        "doc_types": DocSchema.choices,
        "can_edit": request.membership.allows(Role.EDITOR),
        "hook_base": request.build_absolute_uri("/hooks/"),
    }
    return render(request, "workflows/detail.html", context)


@require_POST
@workspace_view(role=Role.EDITOR)
def trigger_create(request, workflow_id):
    workflow = get_owned(Workflow, request.workspace, pk=workflow_id)
    data = {k: v for k, v in request.POST.items() if v != "" and k != "csrfmiddlewaretoken"}
    if "interval" in data and data["interval"].isdigit():
        data["interval"] = int(data["interval"])
    try:
        Trigger.objects.create(workspace=request.workspace, workflow=workflow, **cleaned(data))
    except ApiError as exc:
        problems = "; ".join(f"{k.strip('/')}: {v}" for k, v in exc.fields.items())
        messages.error(request, f"The trigger was not added: {problems}")
    else:
        messages.success(request, "Trigger added.")
    return redirect("workflow_detail", slug=request.workspace.slug, workflow_id=workflow.id)


@require_POST
@workspace_view(role=Role.EDITOR)
def trigger_delete(request, workflow_id, trigger_id):
    workflow = get_owned(Workflow, request.workspace, pk=workflow_id)
    workflow.triggers.filter(pk=trigger_id).delete()
    messages.success(request, "Trigger removed.")
    return redirect("workflow_detail", slug=request.workspace.slug, workflow_id=workflow.id)
