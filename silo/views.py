"""The console's silo pages: a list per document type, new entries, and an entry's page with
its tabs. Each page also answers htmx with the fragment it swaps (`request.htmx`), and as a
whole page otherwise, so that every link and every reload works."""

import json
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from invopop_console.accounts.access import get_owned, workspace_view
from invopop_console.accounts.models import Role

from . import activity, services, snippets, xml_preview
from .api_views import store_entry
from .forms import EntryForm
from .gobl import corrections
from .listing import KINDS, LIST_FIELDS, Filters, keyset_page
from .models import SiloEntry
from .templatetags.silo_tags import STATE_COLOURS

TABS = {
    "activity": "Activity",
    "files": "Files",
    "states": "States",
    "versions": "Versions",
    "meta": "Meta",
}
KIND_OF_TYPE = {doc_type: kind for kind, (doc_type, _, _) in KINDS.items()}
INLINE_TYPES = {"application/pdf"}  # never HTML or SVG: they would run on our origin
PAGE_NUMBER = re.compile(r"[0-9]{1,9}")


def kind_or_404(kind: str) -> tuple[str, str, str]:
    if kind not in KINDS:
        raise Http404("Unknown document type")
    return KINDS[kind]


def fragment(request) -> bool:
    """An htmx request for a part of the page; a history restore wants the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def can_edit(request) -> bool:
    return request.membership.allows(Role.EDITOR)


# --- Lists


@workspace_view()
def entry_list(request, kind):
    doc_type, title, noun = kind_or_404(kind)
    filters = Filters.from_query(request.GET)
    entries = SiloEntry.objects.filter(workspace=request.workspace, doc_type=doc_type)
    page = keyset_page(
        filters.apply(entries.only(*LIST_FIELDS)),
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        text=filters.text(request.workspace, doc_type),
    )
    context = {
        "kind": kind,
        "title": title,
        "noun": noun,
        "filters": filters,
        "page": page,
        "entries": page.entries,
        "can_create": can_edit(request),
        "known_states": list(STATE_COLOURS),
    }
    template = "silo/_results.html" if fragment(request) else "silo/list.html"
    return render(request, template, context)


@workspace_view(role=Role.EDITOR)
def entry_create(request, kind):
    doc_type, title, noun = kind_or_404(kind)
    form = EntryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            fields = form.cleaned_data["fields"]
            entry = store_entry(request, uuid.uuid4(), fields, user=request.user)
        except IntegrityError:  # the key was taken between the check and the insert
            form.add_error("key", "already used by another entry")
        else:
            return redirect("entry_detail", slug=request.workspace.slug, entry_id=entry.id)
    context = {"kind": kind, "title": title, "noun": noun, "form": form}
    return render(request, "silo/new.html", context, status=422 if form.errors else 200)


# --- An entry


@workspace_view()
def entry_detail(request, entry_id):
    entry = get_owned(SiloEntry, request.workspace, pk=entry_id)
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "activity"
    context = {
        "entry": entry,
        "kind": KIND_OF_TYPE.get(entry.doc_type),
        "tab": tab,
        "tabs": TABS,
        "run_url": run_url(request, entry),
        "can_edit": can_edit(request),
    }
    part = request.GET.get("part") if fragment(request) else None
    if part == "head":
        return render(request, "silo/_entry_head.html", context)
    if part in ("lines", "json"):
        context |= document_context(request, entry, with_json=part == "json")
        return render(request, f"silo/_{part}.html", context)
    context |= tab_context(entry, tab)
    if fragment(request):
        return render(request, "silo/_tabs.html", context)
    context |= document_context(request, entry, with_json=request.GET.get("json") == "1")
    return render(request, "silo/detail.html", context)


def document_context(request, entry: SiloEntry, with_json: bool) -> dict:
    """The summary's document: one page of its lines, and the whole envelope as JSON when
    it has a page of lines at most or when asked (a long one is megabytes of page)."""
    doc = snippets.document(entry.data)
    built = snippets.calculated(doc)  # a draft shows its sums as the build will make them
    doc = built or doc
    lines = LinePage.of(doc.get("lines"), request.GET.get("lines"))
    shown = with_json or lines.pages == 1
    return {
        "doc": doc,
        "calculated": built is not None,
        "lines": lines,
        "data_json": activity.pretty(entry.data) if shown else None,
    }


@dataclass(frozen=True)
class LinePage:
    """A page of a document's lines (ENTRY_PAGE_LINES each); `number` counts from 1, and a
    page out of range is the nearest one."""

    lines: list
    number: int
    pages: int
    count: int
    offset: int

    @classmethod
    def of(cls, lines, wanted) -> "LinePage":
        lines = lines if isinstance(lines, list) else []
        size = settings.ENTRY_PAGE_LINES
        pages = max(1, -(-len(lines) // size))
        number = int(wanted) if PAGE_NUMBER.fullmatch(wanted or "") else 1
        number = min(max(number, 1), pages)
        offset = (number - 1) * size
        return cls(lines[offset : offset + size], number, pages, len(lines), offset)

    @property
    def first(self) -> int:
        return self.offset + 1

    @property
    def last(self) -> int:
        return self.offset + len(self.lines)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def tab_context(entry: SiloEntry, tab: str) -> dict:
    if tab == "activity":
        return {"activity": activity.log(entry)}
    if tab == "files":
        files = list(entry.files.all())
        return {"files": files, "xml_previews": xml_preview.previews(files)}
    if tab == "states":
        return {"states": entry.states.order_by("-created_at", "-pk")}
    if tab == "versions":
        return {"changes": activity.version_changes(entry)}
    return {"meta_json": json.dumps(entry.meta, indent=2, ensure_ascii=False)}


def run_url(request, entry: SiloEntry) -> str | None:
    """The jobs app's run panel for this entry; None for viewers, or while that app has no
    such page (the button is then left out)."""
    if not can_edit(request):
        return None
    try:
        url = reverse("job_run", args=[request.workspace.slug])
    except NoReverseMatch:
        return None
    return f"{url}?entry={entry.id}"


@xframe_options_sameorigin  # the entry page previews PDFs in a frame
@workspace_view()
def entry_file(request, entry_id, file_id):
    entry = get_owned(SiloEntry, request.workspace, pk=entry_id)
    stored = get_object_or_404(entry.files, pk=file_id)
    try:
        contents = stored.file.open("rb")
    except (FileNotFoundError, ValueError):  # ValueError: a row with no contents at all
        raise Http404("The file's contents are gone") from None
    inline = request.GET.get("inline") == "1" and stored.mime in INLINE_TYPES
    return FileResponse(
        contents, as_attachment=not inline, filename=stored.name, content_type=stored.mime
    )


# --- Entries made from an entry: its correction, its copy


@workspace_view(role=Role.EDITOR)
def entry_correct(request, entry_id):
    """The Correct… form: the options the invoice's regime and add-ons allow (GOBL's options
    schema); posted, the correction is stored as a new entry and shown."""
    entry = get_owned(SiloEntry, request.workspace, pk=entry_id)
    if entry.doc_type != "bill/invoice":
        raise Http404("Only invoices are corrected")
    schema = corrections.options_schema(entry.data)["$defs"]["bill.CorrectionOptions"]
    options, errors = {}, {}
    if request.method == "POST":
        options = posted_options(request.POST, schema)
        try:
            envelope = services.derived_envelope(entry.data, options, head_uuid=uuid.uuid4())
        except services.DocumentRefused as refused:
            errors = {
                pointer.removeprefix("/options/"): m for pointer, m in refused.problems.items()
            }
        else:
            return made_from(request, entry, envelope)
    form = correction_form(schema, options, errors)
    context = {"entry": entry, "form": form, "errors": errors}
    context["page"] = not request.htmx
    template = "silo/correct.html" if context["page"] else "silo/_correct.html"
    return render(request, template, context, status=422 if errors else 200)


def posted_options(post, schema: dict) -> dict:
    """GOBL's correction options from the form: empty fields are left out."""
    options = {name: post.get(name, "").strip() for name in ("type", "series", "reason")}
    options = {name: value for name, value in options.items() if value}
    offered = schema["properties"].get("ext", {}).get("properties", {})
    ext = {key: post.get(f"ext:{key}", "").strip() for key in offered}
    if any(ext.values()):
        options["ext"] = {key: code for key, code in ext.items() if code}
    if "copy_tax" in schema.get("recommended", []):
        options["copy_tax"] = post.get("copy_tax") == "on"
    return options


def correction_form(schema: dict, options: dict, errors: dict) -> dict:
    """What the template shows of the options schema, with what was posted and its errors
    (by the option's pointer: type, reason, ext/<key>; the others under the form)."""
    properties = schema["properties"]
    offered = properties.get("ext", {}).get("properties", {})
    extensions = [
        {
            "key": key,
            "title": ext["title"],
            "codes": [(c["const"], c["title"]) for c in ext.get("oneOf", [])],
            "selected": options.get("ext", {}).get(key, ""),
            "error": errors.get(f"ext/{key}", ""),
        }
        for key, ext in offered.items()
    ]
    fields = {"type", "series", "reason", *(f"ext/{key}" for key in offered)}
    return {
        "types": [(c["const"], c["title"]) for c in properties["type"]["oneOf"]],
        "type": options.get("type") or properties["type"]["default"],
        "series": options.get("series", properties["series"].get("default", "")),
        "reason": options.get("reason", ""),
        "reason_required": "reason" in schema["required"],
        "extensions": extensions,
        "copy_tax": "copy_tax" in schema.get("recommended", []),
        "other_errors": [(p, m) for p, m in errors.items() if p not in fields],
    }


@require_POST
@workspace_view(role=Role.EDITOR)
def entry_replicate(request, entry_id):
    """A new draft copied from the entry's document (GOBL's replicate), shown."""
    entry = get_owned(SiloEntry, request.workspace, pk=entry_id)
    try:
        envelope = services.derived_envelope(entry.data, head_uuid=uuid.uuid4())
    except services.DocumentRefused as refused:
        return render(
            request, "silo/_refused.html", {"entry": entry, "refused": refused}, status=422
        )
    return made_from(request, entry, envelope)


def made_from(request, previous: SiloEntry, envelope: dict):
    entry = SiloEntry.create_with_version(
        request.workspace,
        envelope,
        user=request.user,
        id=uuid.UUID(envelope["head"]["uuid"]),
        previous=previous,
    )
    url = reverse("entry_detail", args=[request.workspace.slug, entry.id])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
