"""The demo workspace that `make run` seeds when DEBUG is on: sample workflows and documents,
and a VERI*FACTU configuration that submits to the local agency sandbox.

Idempotent: running it again adds what is missing and changes nothing that exists, with two
exceptions. A demo workflow that was never published and nobody has touched since a seed made
it (or whose definition has errors: an earlier seed's, made before its providers existed) is
brought up to date from its file; one that was published or edited is somebody's and is left
alone. And the VERI*FACTU configuration follows the sandbox to the port it runs on this time,
as long as it still points at a local sandbox.
"""

import json
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from invopop_console.accounts.models import Workspace
from invopop_console.accounts.services import create_workspace, get_or_create_user
from providers.models import Credential, CredentialKind
from providers.verifactu.models import VerifactuConfig
from providers.verifactu.sandbox import SOAP_PATH as SANDBOX_PATH
from silo.models import SiloEntry
from workflows.definition import errors
from workflows.models import Workflow

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo"
DEMO_SLUG = "demo"
HERE = Path(__file__).parent
# Workflow ids derive from the file name, so a second seed finds the first one's workflows.
WORKFLOW_NAMESPACE = uuid.UUID("6f1c2a8e-4b7d-4c0e-9a51-3d2b8f0e7c11")
# Workflows that stay drafts on purpose: they talk to an endpoint the demo cannot have (a
# placeholder URL), so the person trying the demo sets their own before publishing.
DRAFTS = {"notify-webhook", "export-erp-api"}
# The demo document each workflow runs on (file stems). Issuing an invoice signs it, so every
# issuing workflow has an invoice of its own.
DOCUMENT_OF = {
    "issue-invoice": "invoice",
    "email-invoice": "invoice-email",
    "export-erp": "invoice-export",
    "verifactu-invoice": "invoice-verifactu",
    "peppol-invoice": "invoice-peppol",
    "mark-payment-received": "payment",
    "order-to-delivery": "order",
    "register-party": "party",
    "peppol-register-party": "party-peppol",
    "peppol-send-invoice": "invoice-peppol-network",
}
# The supplier of the demo invoices: the issuer of the VERI*FACTU chain.
ISSUER_NIF = "B46731824"
ISSUER_NAME = "Distribuciones Alimentarias Turia S.L."
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# A seeded workflow's one save lands within milliseconds of its creation; an edit comes later.
UNTOUCHED = timedelta(seconds=2)
# What Export to ERP (HTTP API) sends as its bearer token: replace it in Configuration.
DEMO_CREDENTIALS = [("erp-token", CredentialKind.BEARER, "replace-with-your-erp-token")]


def sandbox_url(port: int, host: str = "127.0.0.1") -> str:
    """The SOAP endpoint of an agency sandbox (`manage.py agency_sandbox`) on `port`."""
    return f"http://{host}:{port}{SANDBOX_PATH}"


@transaction.atomic
def seed_demo(agency_sandbox_url: str | None = None) -> Workspace:
    """The demo workspace, completed. `agency_sandbox_url`: where VERI*FACTU submits (a
    sandbox that `serve` started); without it, a new configuration points at port 8790."""
    user = get_or_create_user(DEMO_EMAIL, DEMO_PASSWORD)
    workspace = Workspace.objects.filter(slug=DEMO_SLUG).first()
    if workspace is None:
        workspace = create_workspace("Demo", user, slug=DEMO_SLUG)
    for path in sorted((HERE / "documents").glob("*.json")):
        _seed_document(workspace, path)
    _seed_credentials(workspace)
    for path in sorted((HERE / "workflows").glob("*.json")):
        _seed_workflow(workspace, path)
    _seed_verifactu(workspace, agency_sandbox_url)
    return workspace


def document_key(stem: str) -> str:
    return f"demo-{stem}"


def workflow_id(workspace: Workspace, stem: str) -> uuid.UUID:
    return uuid.uuid5(WORKFLOW_NAMESPACE, f"{workspace.id}/{stem}")


def _seed_document(workspace: Workspace, path: Path) -> None:
    key = document_key(path.stem)
    if SiloEntry.objects.filter(workspace=workspace, key=key).exists():
        return
    SiloEntry.create_with_version(workspace, json.loads(path.read_text()), key=key)


def _seed_workflow(workspace: Workspace, path: Path) -> None:
    pk = workflow_id(workspace, path.stem)
    definition = json.loads(path.read_text())
    workflow = Workflow.objects.filter(pk=pk).first()
    if workflow is None:
        workflow = Workflow(id=pk, workspace=workspace)
    elif not _seeded_draft(workflow):
        return
    if workflow.definition() != definition:
        workflow.created_at = timezone.now()  # made again, so still untouched next time
        workflow.apply_definition(definition)
        workflow.save()
    if path.stem not in DRAFTS and not errors(workflow.problems()):
        workflow.publish()


def _seeded_draft(workflow: Workflow) -> bool:
    """Never published, and as the seed left it (or unusable, as an earlier seed left it)."""
    if workflow.version:
        return False
    untouched = workflow.updated_at - workflow.created_at < UNTOUCHED
    return untouched or bool(errors(workflow.problems()))


def _seed_credentials(workspace: Workspace) -> None:
    """The credentials the demo workflows name, with placeholder values to replace."""
    for name, kind, secret in DEMO_CREDENTIALS:
        if not Credential.objects.filter(workspace=workspace, name=name).exists():
            credential = Credential(workspace=workspace, name=name, kind=kind)
            credential.secret = secret
            credential.save()


def _seed_verifactu(workspace: Workspace, agency_sandbox_url: str | None) -> None:
    config = VerifactuConfig.objects.filter(workspace=workspace).first()
    if config is None:
        VerifactuConfig.objects.create(
            workspace=workspace,
            issuer_nif=ISSUER_NIF,
            issuer_name=ISSUER_NAME,
            sandbox_url=agency_sandbox_url or sandbox_url(8790),
        )
        return
    # Someone who pointed the demo at the AEAT's test service (or elsewhere) keeps it.
    local = urlsplit(config.sandbox_url).hostname in LOCAL_HOSTS
    if agency_sandbox_url and local and config.sandbox_url != agency_sandbox_url:
        config.sandbox_url = agency_sandbox_url
        config.save(update_fields=["sandbox_url", "updated_at"])
