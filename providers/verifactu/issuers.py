"""The supplier steps of Invopop's es__verifactu-supplier-registration.json and
es__verifactu-unregister.json, on an org/party document.

Invopop submits for its customers' suppliers under a collaboration agreement that each
supplier uploads and Invopop approves. A self-hosted console submits with the workspace's own
certificate, so registering is local bookkeeping, and the two waits are steps that wait for a
person: QUEUED until a poke names them (ref "verifactu.upload" / "verifactu.approval").
"""

from ..base import StepContext, ko, ok, queued
from ..registry import provider
from .models import Chain, Mode
from .records import spanish_nif, valid_nif

NO_CONFIG = {"type": "object", "properties": {}}
WAIT_HOURS = 7 * 24  # a person answers within a week, or the step times out


@provider(
    "gov-es.lookup.verify",
    name="Verify Spanish Tax ID",
    category="Tax agencies",
    summary="Check the party's Spanish NIF, NIE or CIF by its check character.",
    icon="landmark",
    config_schema=NO_CONFIG,
)
def verify_tax_id(context: StepContext):
    nif = spanish_nif(context.doc)
    if not nif:
        return ko("the party has no Spanish tax ID", "no-tax-id")
    if not valid_nif(nif):
        return ko(f"{nif} is not a valid NIF: its check character is wrong", "invalid-tax-id")
    # The AEAT's census service needs the workspace's certificate and is not consulted.
    return ok(message=f"{nif} is a well-formed Spanish tax ID")


@provider(
    "verifactu.register",
    name="Register supplier with VERI*FACTU",
    category="Tax agencies",
    summary="Make the party an issuer of this workspace, with its own fingerprint chain.",
    icon="landmark",
    config_schema=NO_CONFIG,
)
def register(context: StepContext):
    nif = spanish_nif(context.doc)
    if not nif:
        return ko("the party has no Spanish tax ID", "no-tax-id")
    chain, made = Chain.objects.get_or_create(
        workspace=context.workspace, issuer_nif=nif, mode=Mode.VERIFACTU
    )
    said = "registered" if made else f"already registered ({chain.length} records)"
    return ok(message=f"{nif} {said}", meta={"verifactu_issuer": nif})


def _wait_for_person(context: StepContext, ref: str, what: str):
    if context.poke is None:
        return queued(f"waiting for {what}; poke ref {ref!r}", "waiting", WAIT_HOURS * 3600, ref)
    if context.poke.get("code") in ("rejected", "KO"):
        return ko(context.poke.get("message") or f"{what}: rejected", "rejected")
    return ok(message=context.poke.get("message") or f"{what}: done")


@provider(
    "verifactu.wait.upload",
    name="Wait for supplier agreement upload",
    category="Tax agencies",
    summary="Wait until the supplier's agreement is uploaded (a poke says so).",
    icon="landmark",
    config_schema=NO_CONFIG,
)
def wait_upload(context: StepContext):
    return _wait_for_person(context, "verifactu.upload", "the supplier's agreement")


@provider(
    "verifactu.wait.approval",
    name="Wait for supplier approval",
    category="Tax agencies",
    summary="Wait until the supplier is approved (a poke says so; code rejected is a KO).",
    icon="landmark",
    config_schema=NO_CONFIG,
)
def wait_approval(context: StepContext):
    return _wait_for_person(context, "verifactu.approval", "the supplier's approval")


@provider(
    "verifactu.unregister",
    name="Unregister supplier from VERI*FACTU",
    category="Tax agencies",
    summary="Stop issuing for the party; its chain and records are kept, as the law asks.",
    icon="landmark",
    config_schema=NO_CONFIG,
)
def unregister(context: StepContext):
    nif = spanish_nif(context.doc)
    if not nif:
        return ko("the party has no Spanish tax ID", "no-tax-id")
    return ok(message=f"{nif} unregistered; its records stay", meta={"verifactu_issuer": ""})
