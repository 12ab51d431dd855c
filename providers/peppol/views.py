"""The Peppol participant lookup (Configuration → Peppol): is a participant registered in the
network, and for which document types — the SMP's answer, as peppol.lookup reads it. Any
member may look up; the page only reads the network."""

from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import render

from invopop_console.accounts.access import workspace_view
from invopop_console.accounts.sections import Section

from . import identifiers as ids


@dataclass
class Row:
    document_type: str
    title: str  # "UBL Invoice", or the identifier's root when it is none of ours
    processes: list  # [(process, [smp.Endpoint])]


def configuration_context(request) -> dict:
    return {"peppol_url": settings.PEPPOL_URL}


SECTION = Section("providers/peppol/configuration.html", configuration_context)


@workspace_view()
def lookup(request):
    scheme = request.GET.get("scheme", "").strip()
    code = request.GET.get("code", "").strip()
    context = {"scheme": scheme, "code": code, "peppol_url": settings.PEPPOL_URL}
    if scheme or code:
        context.update(_looked_up(scheme, code))
    return render(request, "providers/peppol/lookup.html", context)


def _looked_up(scheme: str, code: str) -> dict:
    from .. import outbound  # here: the web process loads requests and lxml only when asked
    from . import smp

    participant = ids.participant(scheme, code)
    if not ids.valid(participant):
        return {
            "error": "The scheme is four digits (such as 0208) and the code up to 50 characters."
        }
    if not settings.PEPPOL_URL:
        return {"error": "Peppol is not configured: set PEPPOL_URL."}
    try:
        found = smp.service_group(participant)
        if found is None:
            return {"participant": participant, "registered": False}
        rows = [_row(participant, document_type) for document_type in found]
    except (*outbound.FAILURES, smp.SMPError) as exc:
        return {"participant": participant, "error": f"The SMP could not be read: {exc}"}
    return {"participant": participant, "registered": True, "rows": rows}


def _row(participant: str, document_type: str) -> Row:
    from . import smp

    capability = smp.capability(participant, document_type)
    processes = list(capability.processes.items()) if capability else []
    return Row(document_type, _title(document_type), processes)


def _title(document_type: str) -> str:
    namespace, _, rest = document_type.partition("::")
    root = rest.split("##", 1)[0]
    kind = ids.document_type_of(namespace, root)
    return f"{kind.syntax} {kind.root}" if kind else root or document_type
