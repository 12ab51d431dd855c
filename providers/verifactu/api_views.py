"""The NO VERI*FACTU inspection export through the API:

    GET /gov-es/v1/noverifactu/export?nif=B98602642[&since=…&until=…&requirement=…]
        200 application/zip

`since` and `until` (ISO 8601 date-times, UTC unless they say) bound when the records were
generated; without them, the whole of the issuer's chains. `requirement` is the reference of
the AEAT's request, written into the header (RefRequerimiento). The ZIP is inspection.py's.
"""

from datetime import UTC, datetime

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view

from invopop_console import api

from . import inspection
from .models import Chain, Mode


@extend_schema(
    operation_id="noverifactu_export",
    description="The issuer's NO VERI*FACTU invoice and event records, signed, in the AEAT's "
    "schemas (SuministroLR.xsd, EventosSIF.xsd), as a ZIP for an inspection.",
    parameters=[
        OpenApiParameter("nif", str, required=True),
        OpenApiParameter("since", str),
        OpenApiParameter("until", str),
        OpenApiParameter("requirement", str),
    ],
    responses={(200, "application/zip"): bytes},
)
@api_view(["GET"])
def export(request):
    params = request.query_params
    nif = (params.get("nif") or "").strip().upper()
    if not nif:
        raise api.invalid({"/nif": "required: the issuer's NIF"})
    since, until = _moment(params, "since"), _moment(params, "until")
    requirement = (params.get("requirement") or "").strip()
    if len(requirement) > inspection.REQUIREMENT_MAX:
        raise api.invalid({"/requirement": "at most 18 characters (RefRequerimiento)"})
    found = Chain.objects.filter(
        workspace=request.workspace, issuer_nif=nif, mode=Mode.NOVERIFACTU
    ).first()
    if found is None:
        raise api.not_found("NO VERI*FACTU issuer")
    return zip_response(found, since, until, requirement)


def zip_response(found: Chain, since=None, until=None, requirement="") -> HttpResponse:
    content = inspection.export(found, since, until, requirement)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{inspection.filename(found)}"'
    return response


def _moment(params, name: str) -> datetime | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise api.invalid({f"/{name}": "not an ISO 8601 date-time"}) from None
    return api.in_utc(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
