"""The transform API's workflow JSON, as Invopop's transform_v1: reading a workflow request
(TransformCreateWorkflow, TransformUpdateWorkflow), writing TransformWorkflow and
TransformWorkflowCollection.

The definition in a request is not checked here: a draft may hold anything, and
definition.validate reports its problems (they are listed in the workflow's JSON, and they
refuse publishing). Only the body's shape and the `draft` and `disabled` switches are.
"""

from dataclasses import dataclass

from django.db.models.fields.json import KT

from invopop_console import api

from . import secrets
from .models import Workflow

SWITCHES = ("draft", "disabled")
# What the API writes and a client may send back (a fetched workflow PUT elsewhere): ignored.
READ_ONLY = ("id", "version", "hash", "created_at", "updated_at", "versions", "problems")


@dataclass(frozen=True)
class WorkflowRequest:
    definition: dict  # the definition fields given: all of a PUT, some of a PATCH
    draft: bool | None  # None: not given
    disabled: bool | None


def workflow_request(body: dict) -> WorkflowRequest:
    """Read a body made safe by api.json_body."""
    problems = {
        f"/{name}": "must be true or false"
        for name in SWITCHES
        if name in body and not isinstance(body[name], bool)  # null too: absent is absent
    }
    if problems:
        raise api.invalid(problems)
    definition = {k: v for k, v in body.items() if k not in SWITCHES + READ_ONLY}
    return WorkflowRequest(definition, body.get("draft"), body.get("disabled"))


def problem_fields(problems) -> dict[str, str]:
    """Problems as an error's fields: {pointer: message}, messages at one pointer joined."""
    fields: dict[str, str] = {}
    for problem in problems:
        where = problem.path or "/"
        fields[where] = "; ".join(filter(None, [fields.get(where), problem.message]))
    return fields


# --- Responses


def version_label(number: int) -> str:
    """Invopop's versions are strings; "" until one is published."""
    return str(number) if number else ""


def workflow_json(workflow: Workflow, versions=None) -> dict:
    """TransformWorkflow: the definition as stored (unknown fields included; inline
    secrets masked, workflows/secrets.py) with the workflow's state, and `problems`
    [{path, message, level}] of the current definition.
    `versions` (TransformWorkflowVersion) only for a single workflow, as Invopop does."""
    definition = {
        key: value
        for key, value in secrets.masked(workflow.definition()).items()
        if key not in SWITCHES + READ_ONLY
    }
    data = {
        "id": str(workflow.id),
        **definition,
        "draft": workflow.draft,
        "disabled": workflow.disabled,
        "version": version_label(workflow.version),
        "hash": workflow.hash,
        "created_at": api.iso(workflow.created_at),
        "updated_at": api.iso(workflow.updated_at),
        "problems": [problem.as_dict() for problem in workflow.problems()],
    }
    if versions is not None:
        data["versions"] = [version_json(version) for version in versions]
    return data


def versions_of(workflow: Workflow):
    """The published versions, newest first, without loading their definitions."""
    return workflow.versions.order_by("-number").values(
        "number", "hash", "created_at", "created_by_id", name=KT("definition__name")
    )


def version_json(version: dict) -> dict:
    """TransformWorkflowVersion. `src` is "user" for the console's publishes (src_id: the
    user's id) and "api" for this API's (tokens are not recorded on versions)."""
    by = version["created_by_id"]
    return {
        "version": version_label(version["number"]),
        "hash": version["hash"],
        "name": version["name"] or "",
        "src": "user" if by else "api",
        "src_id": str(by) if by else "",
        "created_at": api.iso(version["created_at"]),
    }


def collection_json(page: dict, schema: str, created_at, next_created_at) -> dict:
    """TransformWorkflowCollection, with the cursor of api.paginate: `next_cursor` pages
    exactly; `next_created_at` serves clients that page with ?created_at= as Invopop's do."""
    first = page["list"][0]["created_at"] if page["list"] else None
    collection = {
        **page,
        "schema": schema,
        "created_at": api.iso(created_at) if created_at else first,
    }
    if next_created_at is not None:
        collection["next_created_at"] = api.iso(next_created_at)
    # Left out rather than null: Invopop's schema types them as strings.
    return {key: value for key, value in collection.items() if value is not None}
