"""The VERI*FACTU section of the Configuration page (invopop_console/accounts/sections.py):
its form posts to the page itself, with section=verifactu, as it carries the certificate."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from invopop_console.accounts.access import require_role, workspace_view
from invopop_console.accounts.models import Role
from invopop_console.accounts.sections import Section

from .api_views import zip_response
from .forms import VerifactuConfigForm
from .models import Chain, Mode, VerifactuConfig
from .signature import SigningError


def configuration_context(request) -> dict:
    config = VerifactuConfig.objects.filter(workspace=request.workspace).first()
    issuers = Chain.objects.filter(workspace=request.workspace, mode=Mode.NOVERIFACTU)
    return {
        "verifactu": config,
        "verifactu_form": VerifactuConfigForm(instance=config),
        "noverifactu_issuers": issuers.order_by("issuer_nif"),
        "can_export": request.membership.allows(Role.EDITOR),
    }


@require_POST
@workspace_view(role=Role.EDITOR)
def noverifactu_export(request, nif: str):
    """The inspection export of one NO VERI*FACTU issuer. A POST by an editor: the export is
    logged in the issuer's event chain (events 08 and 09)."""
    found = Chain.objects.filter(
        workspace=request.workspace, issuer_nif=nif.upper(), mode=Mode.NOVERIFACTU
    ).first()
    if found is None:
        raise Http404("No such NO VERI*FACTU issuer")
    try:
        return zip_response(found)
    except SigningError as exc:
        messages.error(request, f"NO VERI*FACTU export not made: {exc}")
        return redirect("configuration", slug=request.workspace.slug)


def save(request):
    require_role(request.membership, Role.OWNER)
    config = VerifactuConfig.objects.filter(workspace=request.workspace).first()
    form = VerifactuConfigForm(
        request.POST,
        request.FILES,
        instance=config or VerifactuConfig(workspace=request.workspace),
    )
    if form.is_valid():
        form.save()
        messages.success(request, "VERI*FACTU configuration saved.")
        return redirect("configuration", slug=request.workspace.slug)
    field, errors = next(iter(form.errors.items()))
    where = "" if field == "__all__" else f"{field}: "
    messages.error(request, f"VERI*FACTU configuration not saved: {where}{errors[0]}")
    return redirect("configuration", slug=request.workspace.slug)


SECTION = Section(
    "providers/verifactu/configuration.html", configuration_context, key="verifactu", post=save
)
