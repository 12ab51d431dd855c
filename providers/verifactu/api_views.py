"""The NO VERI*FACTU inspection export through the API:

    POST /gov-es/v1/noverifactu/export  {"nif", "since"?, "until"?, "requirement"?}
        200 application/zip

A POST, not a GET: exporting is logged as the issuer's events 08 and 09 (inspection.py).
`since` and `until` (ISO 8601 date-times, UTC unless they say) bound when the records were
generated; without them, the whole of the issuer's chains. `requirement` is the reference of
the AEAT's request, written into the header (RefRequerimiento).
"""

from datetime import UTC, datetime

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view

from invopop_console import api

from . import inspection, signature
from .models import Chain, Mode, VerifactuConfig


@extend_schema(
    operation_id="noverifactu_export",
    description="The issuer's NO VERI*FACTU invoice and event records, signed, in the AEAT's "
    "schemas (SuministroLR.xsd, EventosSIF.xsd), as a ZIP for an inspection; the export is "
    "logged as the issuer's events 08 and 09.",
    request=inline_serializer(
        "NoVerifactuExport",
        {
            "nif": serializers.CharField(),
            "since": serializers.DateTimeField(required=False),
            "until": serializers.DateTimeField(required=False),
            "requirement": serializers.CharField(required=False, max_length=18),
        },
    ),
    responses={
        (200, "application/zip"): bytes,
        404: OpenApiResponse(description="No NO VERI*FACTU issuer of this NIF"),
        409: OpenApiResponse(description="The workspace cannot sign the export's events"),
    },
)
@api_view(["POST"])
def export(request):
    fields = api.Fields(api.json_object(request.data))
    nif = fields.string("nif", max_length=9, required=True).strip().upper()
    moments = {name: fields.string(name) for name in ("since", "until")}
    for name, raw in moments.items():
        fields.rule(name, lambda raw=raw: _moment(raw))
    requirement = fields.string("requirement", max_length=inspection.REQUIREMENT_MAX).strip()
    fields.check()
    found = Chain.objects.filter(
        workspace=request.workspace, issuer_nif=nif, mode=Mode.NOVERIFACTU
    ).first()
    if found is None:
        raise api.not_found("NO VERI*FACTU issuer")
    since, until = _moment(moments["since"]), _moment(moments["until"])
    try:
        return zip_response(found, since, until, requirement)
    except signature.SigningError as exc:
        raise api.conflict(f"The export cannot be logged: {exc}") from None


def zip_response(found: Chain, since=None, until=None, requirement="") -> HttpResponse:
    """Raises signature.SigningError when the workspace cannot sign the export's events."""
    config = VerifactuConfig.objects.filter(workspace_id=found.workspace_id).first()
    content = inspection.export(found, config, since, until, requirement)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{inspection.filename(found)}"'
    return response


def _moment(raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time") from None
    return api.in_utc(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
