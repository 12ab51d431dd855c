"""The workflow editor: one page, and one POST per editor action.

Each action changes the person's working copy (EditSession) and answers with the editor
re-rendered on the server (HTMX swaps it in; without JavaScript the browser is redirected back
to the page). Nothing reaches the workflow until Save draft or Publish.
"""

import json
from urllib.parse import urlencode

from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST
from django_htmx.http import replace_url

from invopop_console import json_input
from invopop_console.accounts.access import get_owned, workspace_view
from invopop_console.accounts.models import Role
from providers import credentials, registry
from providers.models import Credential

from . import catalogue, config_form, editing, secrets
from . import definition as definitions
from .canvas import ProblemLink, cards, problem_links, problems_by_step
from .models import EditSession, InvalidDefinition, RefusedDefinition, Workflow
from .schemas import DocSchema


class EditResult(dict):
    """What an action leaves for the re-render: selected step, panel, messages."""


@workspace_view()
def editor(request, workflow_id):
    workflow = get_owned(Workflow, request.workspace, pk=workflow_id)
    view = dict(request.GET.items())
    if "version" in request.GET:
        version = get_object_or_404(workflow.versions, number=_int(request.GET["version"], 0))
        return _render(
            request, workflow, None, version.definition, EditResult(view, version=version)
        )
    session = _session(request, workflow)
    current = session.definition if session else workflow.definition()
    return _render(request, workflow, session, current, EditResult(view))


@workspace_view(role=Role.EDITOR)
def create(request):
    """The template picker (GET), and a new draft workflow from a template (POST)."""
    if request.method != "POST":
        context = {"groups": _template_groups()}
        return render(request, "workflows/editor/picker.html", context)
    template = catalogue.get(request.POST.get("template", ""))
    if template is None:
        return HttpResponseBadRequest("Unknown template")
    return redirect("workflow_new", slug=request.workspace.slug, template=template.key)


@workspace_view(role=Role.EDITOR)
def new(request, template):
    """The editor on a template, before anything is saved: the workflow is made by the first
    edit (new_act), so that looking at a template and backing out leaves nothing behind."""
    if catalogue.get(template) is None:
        return HttpResponseBadRequest("Unknown template")
    workflow = Workflow(workspace=request.workspace)  # never saved here
    definition = catalogue.instantiate(template)
    view = EditResult(request.GET.items(), new=template)
    return _render(request, workflow, None, definition, view)


@require_POST
@workspace_view(role=Role.EDITOR)
def new_act(request, template, action):
    """The first edit on a template: the workflow is saved as a draft, then edited; the page's
    address becomes the workflow's own."""
    if catalogue.get(template) is None or action not in ACTIONS:
        return HttpResponseBadRequest("Unknown template or editor action")
    workflow = Workflow(workspace=request.workspace)
    workflow.save_draft(catalogue.instantiate(template))
    response = _act(request, workflow, action)
    url = reverse("workflow_editor", args=[workflow.workspace.slug, workflow.id])
    return replace_url(response, url) if request.htmx else response


@require_POST
@workspace_view(role=Role.EDITOR)
def act(request, workflow_id, action):
    workflow = get_owned(Workflow, request.workspace, pk=workflow_id)
    return _act(request, workflow, action)


def _act(request, workflow, action):
    handler = ACTIONS.get(action)
    if handler is None:
        return HttpResponseBadRequest(f"Unknown editor action {action!r}")
    session = EditSession.open(workflow, request.user)
    try:
        result = handler(request, session)
    except (editing.EditError, RefusedDefinition) as error:  # a version from before a limit
        result = EditResult(error=str(error))
    if not request.htmx:
        return _back_to_page(workflow, result)
    return _render(request, workflow, session, session.definition, result)


def _template_groups() -> list[tuple[str, list]]:
    """The catalogue by category: the empty templates first, then each category in the order
    its first template comes."""
    groups: dict[str, list] = {}
    for template in catalogue.templates():
        groups.setdefault(template.category, []).append(template)
    return list(groups.items())


def _session(request, workflow):
    if not request.membership.allows(Role.EDITOR):
        return None
    return EditSession.open(workflow, request.user)


def _back_to_page(workflow, result):
    url = reverse("workflow_editor", args=[workflow.workspace.slug, workflow.id])
    keep = {k: v for k, v in result.items() if k in ("step", "mode") and v}
    return redirect(f"{url}?{urlencode(keep)}" if keep else url)


# Actions: each takes the request and the session, changes the working copy, and says what to
# show next.


def add_step(request, session):
    container = request.POST.get("container", "/steps")
    index = _int(request.POST.get("index"), default=10**6)
    changed, where = editing.add_step(
        session.definition, container, index, request.POST.get("provider", "")
    )
    session.change(changed)
    return EditResult(step=where)


def move_step(request, session):
    changed, where = editing.move_step(
        session.definition,
        request.POST.get("step", ""),
        request.POST.get("container", ""),
        _int(request.POST.get("index"), default=10**6),
    )
    session.change(changed)
    return EditResult(step=where)


def nudge(request, session):
    offset = -1 if request.POST.get("direction") == "up" else 1
    changed, where = editing.nudge(session.definition, request.POST.get("step", ""), offset)
    session.change(changed)
    return EditResult(step=where)


def delete_step(request, session):
    session.change(editing.delete_step(session.definition, request.POST.get("step", "")))
    return EditResult()


def duplicate_step(request, session):
    changed, where = editing.duplicate_step(session.definition, request.POST.get("step", ""))
    session.change(changed)
    return EditResult(step=where)


def replace_action(request, session):
    where = request.POST.get("step", "")
    provider = request.POST.get("provider", "")
    session.change(editing.replace_action(session.definition, where, provider))
    return EditResult(step=where)


def update_step(request, session):
    """The step panel: name, notes and the config form, sent whenever a field is left."""
    where = request.POST.get("step", "")
    steps, index = editing.locate(session.definition, where)
    step = steps[index]
    changed = editing.update_step(
        session.definition,
        where,
        name=request.POST.get("name", step.get("name", "")),
        notes=request.POST.get("notes", step.get("notes", "")),
    )
    found = registry.get(definitions.step_provider(step))
    form_errors = {}
    if found is not None:
        schema, config = found.config_schema, step.get("config") or {}
        # The form showed inline secrets by their masks: what comes back unmasked keeps them.
        shown = credentials.masked(schema, config)
        parsed, form_errors = config_form.parse(schema, shown, request.POST)
        changed = editing.set_config(changed, where, credentials.unmasked(schema, parsed, config))
    session.change(changed)
    submitted = request.POST if form_errors else None  # show what was typed, to fix it
    return EditResult(step=where, form_errors=form_errors, submitted=submitted)


def add_condition(request, session):
    where = request.POST.get("step", "")
    changed, container = editing.add_condition(
        session.definition,
        where,
        status=request.POST.get("status", "OK"),
        code=request.POST.get("code", "").strip(),
        stop=bool(request.POST.get("stop")),
    )
    session.change(changed)
    return EditResult(step=where, panel="picker", container=container, index="0")


def remove_condition(request, session):
    session.change(editing.remove_condition(session.definition, request.POST.get("block", "")))
    return EditResult()


def handle_errors(request, session):
    """Switch the error-handling flow on (an empty rescue list) or off (when empty)."""
    changed = dict(session.definition)
    if request.POST.get("on"):
        changed["rescue"] = changed.get("rescue") or []
        session.change(changed)
        return EditResult(rescue_open=True)
    if changed.get("rescue"):
        raise editing.EditError("move or delete the error-handling steps first")
    changed["rescue"] = []
    session.change(changed)
    return EditResult(rescue_open="")


def update_settings(request, session):
    fields = {
        key: request.POST[key].strip()
        for key in ("name", "description", "schema")
        if key in request.POST
    }
    session.change(editing.update_settings(session.definition, **fields))
    return EditResult()


def apply_json(request, session):
    """Developer mode → visual: take the pasted definition if its shape can be drawn."""
    text = request.POST.get("definition", "")
    try:
        pasted = json_input.parse(text)
    except json_input.NotJson as error:
        problem = definitions.Problem("", f"not valid JSON: {error}")
        return EditResult(mode="json", text=text, json_problems=[problem])
    except json_input.BadJson as error:
        found = [definitions.Problem(where, message) for where, message in error.problems.items()]
        return EditResult(mode="json", text=text, json_problems=found)
    problems = definitions.structure_problems(pasted)
    if problems:
        return EditResult(mode="json", text=text, json_problems=problems)
    # The JSON showed inline secrets by their masks: steps that kept theirs keep the secret.
    session.change(secrets.unmasked(pasted, session.definition))
    return EditResult(message="Definition applied from developer mode.")


def move_secrets(request, session):
    """The offer of an inline secret (or of all, without `where`): each becomes a credential
    of the workspace, named where it was, and leaves every copy of this workflow: the
    working copies, their undo history and the saved draft (workflows/secrets.py)."""
    if not request.membership.allows(Role.OWNER):
        raise editing.EditError("Only owners add credentials: ask one to move the secrets.")
    inline = dict(secrets.inline_secrets(session.definition))
    wanted = [request.POST["where"]] if request.POST.get("where") else list(inline)
    if not wanted or any(where not in inline for where in wanted):
        raise editing.EditError("There is no inline secret there (any more).")
    definition, moved = session.definition, {}
    for where in wanted:
        if where in dict(secrets.inline_secrets(definition)):  # else moved with its twin
            credential, definition = secrets.move_inline(
                request.workspace, definition, where, request.user
            )
            moved[inline[where]] = credential.name
    session.change(definition)
    for secret, name in moved.items():
        session.workflow.forget_secret(secret, name)
    session.refresh_from_db()
    names = ", ".join(sorted(set(moved.values())))
    return EditResult(
        step=request.POST.get("step", ""), message=f"Moved into credentials: {names}."
    )


def undo(request, session):
    if not session.undo():
        return EditResult(error="Nothing to undo.")
    return EditResult(message="Undone.", step=request.POST.get("step", ""))


def save(request, session):
    session.workflow.save_draft(session.definition)
    session.reset()
    return EditResult(message="Draft saved.")


def publish(request, session):
    workflow = session.workflow
    workflow.save_draft(session.definition)
    session.reset()
    try:
        version = workflow.publish(request.user)
    except InvalidDefinition as invalid:
        return EditResult(
            error="Saved as a draft; not published.", publish_problems=invalid.problems
        )
    session.reset()
    return EditResult(message=f"Published as version {version.number}.")


def discard(request, session):
    session.change(session.workflow.definition())
    session.base_hash = session.workflow.hash
    session.save(update_fields=["base_hash"])
    return EditResult(message="Unsaved changes discarded (undo brings them back).")


def restore(request, session):
    version = get_object_or_404(session.workflow.versions, number=_int(request.POST.get("version")))
    session.workflow.save_draft(version.definition)
    session.change(session.workflow.definition())
    session.base_hash = session.workflow.hash
    session.save(update_fields=["base_hash"])
    return EditResult(message=f"Version {version.number} restored as the draft.")


ACTIONS = {
    "add": add_step,
    "move": move_step,
    "nudge": nudge,
    "delete": delete_step,
    "duplicate": duplicate_step,
    "replace": replace_action,
    "step": update_step,
    "condition": add_condition,
    "uncondition": remove_condition,
    "rescue": handle_errors,
    "settings": update_settings,
    "json": apply_json,
    "undo": undo,
    "save": save,
    "publish": publish,
    "discard": discard,
    "restore": restore,
    "secrets": move_secrets,
}


# Rendering


def _render(request, workflow, session, definition, result):
    template = "workflows/editor/_editor.html" if request.htmx else "workflows/editor/page.html"
    context = editor_context(request, workflow, session, definition, result)
    return render(request, template, context)


def editor_context(request, workflow, session, definition, result) -> dict:
    problems = [
        *definitions.validate(definition),
        *secrets.reference_problems(workflow.workspace_id, definition),
    ]
    by_step = problems_by_step(definition, problems)
    selected = result.get("step", "")
    version = result.get("version")
    template = result.get("new", "")  # a template not saved yet: see new()
    context = {
        "workflow": workflow,
        "session": session,
        "definition": definition,
        "unsaved_template": template,
        "readonly": (session is None and not template) or version is not None,
        "version": version,
        "versions": workflow.versions.all(),
        "steps": cards(definition, "/steps", by_step),
        "rescue": cards(definition, "/rescue", by_step),
        "rescue_on": bool(definition.get("rescue")) or _rescue_open(request, result),
        "problems": problems,
        "error_count": len(definitions.errors(problems)),
        "general_problems": by_step.get("", []),
        "publish_problems": problem_links(definition, result.get("publish_problems") or []),
        "focus_field": result.get("field", ""),
        "first_problem": next(iter(problem_links(definition, definitions.errors(problems))), None),
        "dirty": bool(session and session.dirty and version is None),
        "stale": bool(session and session.stale and session.dirty_against_base()),
        "can_undo": bool(session and session.history),
        "result": result,
        "mode": result.get("mode", ""),
        "doc_types": DocSchema.choices,
        "schema_label": _schema_label(definition.get("schema")),
        "selected": selected,
        "can_edit": request.membership.allows(Role.EDITOR),
        **_addresses(workflow, template),
        "run_url": _run_url(request),
        "inline_secrets": [where for where, _ in secrets.inline_secrets(definition)],
        "can_manage_credentials": request.membership.allows(Role.OWNER),
    }
    if context["mode"] == "json":
        shown = secrets.masked(definition)  # nobody sees an inline secret again
        context["json_text"] = result.get("text") or json.dumps(shown, indent=2)
        context["json_problems"] = result.get("json_problems", [])
    context.update(_panel(request.workspace, definition, problems, result))
    return context


def _addresses(workflow, template: str) -> dict:
    """Where the page asks for views (`here`) and sends edits (`act`)."""
    slug = workflow.workspace.slug
    if template:
        here = reverse("workflow_new", args=[slug, template])
        return {"here": here, "act": reverse("workflow_new_act", args=[slug, template, "-"])[:-2]}
    return {
        "here": reverse("workflow_editor", args=[slug, workflow.id]),
        "act": reverse("workflow_act", args=[slug, workflow.id, "-"])[:-2],
    }


def _panel(workspace, definition, problems, result) -> dict:
    """The right sidebar: the action picker, a step's settings, or the workflow's."""
    panel = result.get("panel", "")
    if panel == "picker" or result.get("replace"):
        return {
            "panel": "picker",
            "categories": _categories(),
            "picker_container": result.get("container", "/steps"),
            "picker_index": result.get("index", ""),
            "picker_replace": result.get("replace", ""),
        }
    selected = result.get("step", "")
    if selected:
        try:
            steps, index = editing.locate(definition, selected)
        except editing.EditError:
            return {"panel": "settings"}
        step_panel = _step_panel(workspace, selected, steps[index], problems, result)
        return {"panel": "step", **step_panel}
    return {"panel": "settings"}


def _step_panel(workspace, where: str, step: dict, problems, result) -> dict:
    found = registry.get(definitions.step_provider(step))
    known = config_form.problems_for_step(problems, where)
    known.update(result.get("form_errors") or {})
    fields = []
    if found is not None:
        schema = found.config_schema
        config = credentials.masked(schema, step.get("config") or {})
        choices = _credential_choices(workspace) if credentials.has_secrets(schema) else []
        fields = config_form.fields(schema, config, known, result.get("submitted"), choices)
        wanted = result.get("field", "")
        if wanted.startswith("/config/"):
            config_form.focus(fields, wanted.removeprefix("/config"))
    return {
        "step": step,
        "step_provider": found,
        "fields": fields,
        "booleans": config_form.boolean_pointers(fields),
        "step_problems": [
            ProblemLink(p.path, p.message, where, p.path[len(where) :])
            for p in problems
            if p.path.startswith(where + "/")
        ],
        "focus_field": result.get("field", ""),
    }


def _credential_choices(workspace) -> list[tuple[str, str]]:
    """The workspace's credentials by name and kind: never their values."""
    found = Credential.objects.filter(workspace=workspace).only("name", "kind")
    return [(c.name, f"{c.name} · {c.get_kind_display()}") for c in found]


def _run_url(request) -> str:
    """The jobs app's run panel, for editors (the console has it once jobs/ is installed)."""
    if not request.membership.allows(Role.EDITOR):
        return ""
    try:
        return reverse("job_run", args=[request.workspace.slug])
    except NoReverseMatch:
        return ""


def _schema_label(schema) -> str:
    if not schema:
        return "Any document"
    return dict(DocSchema.choices).get(schema, str(schema))


def _rescue_open(request, result) -> bool:
    """Whether the (still empty) error-handling area was switched on: the page sends it back
    with every request, since an empty area leaves no trace in the definition."""
    if "rescue_open" in result:
        return bool(result["rescue_open"])
    return bool(request.POST.get("rescue_open") or request.GET.get("rescue_open"))


def _categories():
    grouped: dict[str, list] = {}
    for found in registry.all_providers():
        grouped.setdefault(found.category, []).append(found)
    return [(name, grouped.get(name, [])) for name in registry.CATEGORIES]


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        if default is None:
            raise editing.EditError(f"not a number: {value!r}") from None
        return default
