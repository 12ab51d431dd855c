"""How the OpenAPI document describes the workflows API (Invopop's TransformWorkflow)."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers as s


def _step() -> s.DictField:
    return s.DictField(help_text="A step: id, name, provider, config, summary, notes, next[]")


PROBLEM = inline_serializer(
    "WorkflowProblem",
    {"path": s.CharField(), "message": s.CharField(), "level": s.CharField()},
    many=True,
)
VERSION = inline_serializer(
    "TransformWorkflowVersion",
    {
        "version": s.CharField(),
        "hash": s.CharField(),
        "name": s.CharField(),
        "src": s.CharField(),
        "src_id": s.CharField(),
        "created_at": s.DateTimeField(),
    },
    many=True,
)


def _definition(**extra) -> dict:
    return {
        "name": s.CharField(),
        "description": s.CharField(required=False),
        "schema": s.CharField(required=False),
        "country": s.CharField(required=False),
        "steps": s.ListField(child=_step(), required=False),
        "rescue": s.ListField(child=_step(), required=False, allow_null=True),
        "draft": s.BooleanField(required=False),
        "disabled": s.BooleanField(required=False),
        **extra,
    }


WORKFLOW = inline_serializer(
    "TransformWorkflow",
    _definition(
        id=s.UUIDField(),
        version=s.CharField(),
        hash=s.CharField(),
        created_at=s.DateTimeField(),
        updated_at=s.DateTimeField(),
        problems=PROBLEM,
        versions=VERSION,
    ),
)
WORKFLOW_IN = inline_serializer("TransformUpdateWorkflow", _definition())
COLLECTION = inline_serializer(
    "TransformWorkflowCollection",
    {
        "list": s.ListField(child=s.DictField()),
        "limit": s.IntegerField(),
        "next_cursor": s.CharField(),
        "schema": s.CharField(),
        "created_at": s.DateTimeField(
            required=False, help_text="The first workflow's, or the ?created_at asked for"
        ),
        "next_created_at": s.DateTimeField(
            required=False, help_text="Where the next page starts; absent on the last page"
        ),
    },
)
