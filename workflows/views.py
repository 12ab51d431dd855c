import unicodedata

from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from invopop_console.accounts.access import get_owned, workspace_view
from invopop_console.accounts.models import Role
from invopop_console.api import ApiError
from jobs.models import Job

from .models import Trigger, TriggerKind, Workflow, new_trigger_secret
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
        workflows = [w for w in workflows if matches(query, f"{w.name} {w.description}")]
    can_create = request.membership.allows(Role.EDITOR)
    context = {"workflows": workflows, "q": query, "can_create": can_create}
    return render(request, "workflows/list.html", context)


def folded(text: str) -> str:
    """Letters and digits only, without accents or case: "VERI*FACTU" reads "verifactu"."""
    plain = unicodedata.normalize("NFKD", text).casefold()
    return "".join(c for c in plain if c.isalnum())


def matches(query: str, text: str) -> bool:
    """Every word of the query is in the text, whatever their punctuation, accents or case
    (a workspace has tens of workflows: they are matched here, not by the database)."""
    found = folded(text)
    return all(folded(word) in found for word in query.split())


@workspace_view()
def workflow_detail(request, workflow_id):
    workflow = get_owned(Workflow, request.workspace, pk=workflow_id)
    return _detail_page(request, workflow)


def _detail_page(request, workflow, new_secret=None):
    """The workflow's page; `new_secret` (trigger, secret) shows a webhook trigger's secret
    the one time it exists in plain text. It is rendered on the POST that made it, not kept
    in the session for a redirect: nothing stores it unsealed, not even for a moment. A
    refresh asks to post again (and so makes another secret), which is the lesser evil."""
    context = {
        "workflow": workflow,
        "versions": workflow.versions.all(),
        "triggers": workflow.triggers.select_related("silo_entry"),
        "trigger_kinds": TriggerKind.choices,
        "doc_types": DocSchema.choices,
        "can_edit": request.membership.allows(Role.EDITOR),
        "hook_base": request.build_absolute_uri("/hooks/"),
        "new_secret": new_secret,
    }
    response = render(request, "workflows/detail.html", context)
    if new_secret:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@workspace_view(role=Role.EDITOR)
def trigger_create(request, workflow_id):
    workflow = get_owned(Workflow, request.workspace, pk=workflow_id)
    data = {k: v for k, v in request.POST.items() if v != "" and k != "csrfmiddlewaretoken"}
    if "interval" in data and data["interval"].isdigit():
        data["interval"] = int(data["interval"])
    try:
        trigger = Trigger(workspace=request.workspace, workflow=workflow, **cleaned(data))
    except ApiError as exc:
        problems = "; ".join(f"{k.strip('/')}: {v}" for k, v in exc.fields.items())
        messages.error(request, f"The trigger was not added: {problems}")
        return redirect("workflow_detail", slug=request.workspace.slug, workflow_id=workflow.id)
    secret = new_trigger_secret()
    trigger.secret = secret
    trigger.save()
    messages.success(request, "Trigger added.")
    if trigger.kind == TriggerKind.WEBHOOK:
        return _detail_page(request, workflow, new_secret=(trigger, secret))
    return redirect("workflow_detail", slug=request.workspace.slug, workflow_id=workflow.id)


@require_POST
@workspace_view(role=Role.EDITOR)
def trigger_secret(request, workflow_id, trigger_id):
    """A new secret for a webhook trigger, shown once: the way back from a lost one."""
    workflow = get_owned(Workflow, request.workspace, pk=workflow_id)
    trigger = get_object_or_404(workflow.triggers, pk=trigger_id, kind=TriggerKind.WEBHOOK)
    messages.success(request, "New secret made; the previous one no longer works.")
    return _detail_page(request, workflow, new_secret=(trigger, trigger.new_secret()))


@require_POST
@workspace_view(role=Role.EDITOR)
def trigger_delete(request, workflow_id, trigger_id):
    workflow = get_owned(Workflow, request.workspace, pk=workflow_id)
    get_object_or_404(workflow.triggers, pk=trigger_id).delete()  # another's: 404, not a no-op
    messages.success(request, "Trigger removed.")
    return redirect("workflow_detail", slug=request.workspace.slug, workflow_id=workflow.id)
