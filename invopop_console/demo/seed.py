"""The demo workspace that `make run` seeds when DEBUG is on: sample workflows and documents.

Idempotent: running it again adds what is missing and changes nothing that exists.
"""

import json
import uuid
from pathlib import Path

from django.db import transaction

from invopop_console.accounts.models import Workspace
from invopop_console.accounts.services import create_workspace, get_or_create_user
from silo.models import SiloEntry
from workflows.definition import errors
from workflows.models import Workflow

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo"
DEMO_SLUG = "demo"
HERE = Path(__file__).parent
# Workflow ids derive from the file name, so a second seed finds the first one's workflows.
WORKFLOW_NAMESPACE = uuid.UUID("6f1c2a8e-4b7d-4c0e-9a51-3d2b8f0e7c11")


@transaction.atomic
def seed_demo() -> Workspace:
    user = get_or_create_user(DEMO_EMAIL, DEMO_PASSWORD)
    workspace = Workspace.objects.filter(slug=DEMO_SLUG).first()
    if workspace is None:
        workspace = create_workspace("Demo", user, slug=DEMO_SLUG)
    for path in sorted((HERE / "documents").glob("*.json")):
        _seed_document(workspace, path)
    for path in sorted((HERE / "workflows").glob("*.json")):
        _seed_workflow(workspace, path)
    return workspace


def _seed_document(workspace: Workspace, path: Path) -> None:
    key = f"demo-{path.stem}"
    if SiloEntry.objects.filter(workspace=workspace, key=key).exists():
        return
    SiloEntry.create_with_version(workspace, json.loads(path.read_text()), key=key)


def _seed_workflow(workspace: Workspace, path: Path) -> None:
    workflow_id = uuid.uuid5(WORKFLOW_NAMESPACE, f"{workspace.id}/{path.stem}")
    if Workflow.objects.filter(pk=workflow_id).exists():
        return
    workflow = Workflow(id=workflow_id, workspace=workspace)
    workflow.apply_definition(json.loads(path.read_text()))
    workflow.save()
    # A workflow whose providers are not all available yet stays a draft.
    if not errors(workflow.problems()):
        workflow.publish()
