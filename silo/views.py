import json

from django.http import Http404
from django.shortcuts import render

from invopop_console.accounts.access import get_owned, workspace_view

from .models import SiloEntry

# The sidebar's sections: URL word -> (GOBL document type, title).
KINDS = {
    "invoices": ("bill/invoice", "Invoices"),
    "parties": ("org/party", "Parties"),
    "payments": ("bill/payment", "Payments"),
    "orders": ("bill/order", "Orders"),
    "deliveries": ("bill/delivery", "Deliveries"),
}
PAGE_SIZE = 50


@workspace_view()
def entry_list(request, kind):
    if kind not in KINDS:
        raise Http404("Unknown document type")
    doc_type, title = KINDS[kind]
    entries = SiloEntry.objects.filter(workspace=request.workspace, doc_type=doc_type)
    context = {"entries": entries[:PAGE_SIZE], "kind": kind, "title": title}
    return render(request, "silo/list.html", context)


@workspace_view()
def entry_detail(request, entry_id):
    entry = get_owned(SiloEntry, request.workspace, pk=entry_id)
    context = {
        "entry": entry,
        "data_json": json.dumps(entry.data, indent=2, ensure_ascii=False),
        "states": entry.states.all()[:20],
        "files": entry.files.all(),
        "jobs": entry.jobs.select_related("workflow")[:20],
    }
    return render(request, "silo/detail.html", context)
