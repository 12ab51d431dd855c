"""Triggers through the API: /transform/v1/workflows/{id}/triggers."""

from datetime import datetime, timedelta

from croniter import croniter
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from invopop_console import api
from invopop_console.accounts.access import get_owned

from .models import Trigger, TriggerKind, Workflow, new_trigger_secret
from .schemas import DocSchema
from .triggers import TriggerError, check_cron, interval_seconds


def _trigger_fields() -> dict:
    return {
        "id": serializers.UUIDField(),
        "workflow_id": serializers.UUIDField(),
        "kind": serializers.ChoiceField(TriggerKind.choices),
        "enabled": serializers.BooleanField(),
        "doc_type": serializers.CharField(),
        "folder": serializers.CharField(),
        "interval": serializers.IntegerField(allow_null=True),
        "cron": serializers.CharField(),
        "args": serializers.DictField(child=serializers.CharField()),
        "url": serializers.URLField(allow_null=True),
        # Only in the answer that creates a webhook trigger: the secret is never shown again.
        "secret": serializers.CharField(allow_null=True),
        "secret_hint": serializers.CharField(allow_null=True),
        "next_run_at": serializers.DateTimeField(allow_null=True),
        "last_run_at": serializers.DateTimeField(allow_null=True),
        "created_at": serializers.DateTimeField(),
    }


TRIGGER = inline_serializer("Trigger", _trigger_fields())
TRIGGER_LIST = inline_serializer(
    "TriggerCollection",
    {"list": inline_serializer("TriggerItem", _trigger_fields(), many=True)},
)
TRIGGER_IN = inline_serializer(
    "TriggerCreate",
    {
        "kind": serializers.ChoiceField(TriggerKind.choices),
        "enabled": serializers.BooleanField(required=False),
        "doc_type": serializers.CharField(required=False),
        "folder": serializers.CharField(required=False),
        "interval": serializers.CharField(required=False),
        "factor": serializers.IntegerField(required=False),
        "cron": serializers.CharField(required=False),
        "args": serializers.DictField(child=serializers.CharField(), required=False),
    },
)


def trigger_json(request, trigger: Trigger, secret: str | None = None) -> dict:
    """The trigger; `secret` only when it was just made (the one time it is shown)."""
    webhook = trigger.kind == TriggerKind.WEBHOOK
    return {
        "id": str(trigger.id),
        "workflow_id": str(trigger.workflow_id),
        "kind": trigger.kind,
        "enabled": trigger.enabled,
        "doc_type": trigger.doc_type,
        "folder": trigger.folder,
        "interval": trigger.interval,
        "cron": trigger.cron,
        "args": trigger.args,
        "url": request.build_absolute_uri(f"/hooks/{trigger.id}") if webhook else None,
        "secret": secret if webhook else None,
        "secret_hint": trigger.secret_hint if webhook else None,
        "next_run_at": trigger.next_run_at.isoformat() if trigger.next_run_at else None,
        "last_run_at": trigger.last_run_at.isoformat() if trigger.last_run_at else None,
        "created_at": trigger.created_at.isoformat(),
    }


@extend_schema(methods=["GET"], operation_id="list_triggers", responses={200: TRIGGER_LIST})
@extend_schema(methods=["POST"], request=TRIGGER_IN, responses={201: TRIGGER})
@api_view(["GET", "POST"])
def triggers(request, workflow_id):
    workflow = get_owned(Workflow, request.workspace, what="workflow", pk=workflow_id)
    if request.method == "GET":
        found = workflow.triggers.all()
        return Response({"list": [trigger_json(request, t) for t in found]})
    trigger = Trigger(workspace=request.workspace, workflow=workflow, **cleaned(request.data))
    secret = new_trigger_secret()
    trigger.secret = secret
    trigger.save()
    return Response(trigger_json(request, trigger, secret), status=status.HTTP_201_CREATED)


@extend_schema(methods=["GET"], responses={200: TRIGGER})
@extend_schema(methods=["PATCH"], request=TRIGGER_IN, responses={200: TRIGGER})
@extend_schema(methods=["DELETE"], responses={204: None})
@api_view(["GET", "PATCH", "DELETE"])
def trigger_detail(request, workflow_id, trigger_id):
    workflow = get_owned(Workflow, request.workspace, what="workflow", pk=workflow_id)
    trigger = get_owned(workflow.triggers, request.workspace, what="trigger", pk=trigger_id)
    if request.method == "DELETE":
        trigger.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
    if request.method == "PATCH":
        for field, value in cleaned(request.data, kind=trigger.kind).items():
            setattr(trigger, field, value)
        trigger.save()
    return Response(trigger_json(request, trigger))


def cleaned(data, kind: str | None = None) -> dict:
    """The trigger's fields from a request body, or a 422 naming each bad one."""
    data = api.json_object(data)
    kind = kind or data.get("kind")
    if kind not in TriggerKind.values:
        raise api.invalid({"/kind": f"must be one of {', '.join(TriggerKind.values)}"})
    fields, problems = {"kind": kind}, {}
    if "enabled" in data:
        if isinstance(data["enabled"], bool):
            fields["enabled"] = data["enabled"]
        else:
            problems["/enabled"] = "must be true or false"
    _strings(data, fields, problems)
    if kind == TriggerKind.SCHEDULE:
        _schedule(data, fields, problems)
    if problems:
        raise api.invalid(problems)
    return fields


def _strings(data, fields, problems) -> None:
    doc_type = data.get("doc_type", "")
    if doc_type not in ("", *DocSchema.values):
        problems["/doc_type"] = "must be a GOBL document type such as bill/invoice"
    elif "doc_type" in data:
        fields["doc_type"] = doc_type
    folder = data.get("folder", "")
    if not isinstance(folder, str) or len(folder) > 100:
        problems["/folder"] = "must be a text of at most 100 characters"
    elif "folder" in data:
        fields["folder"] = folder
    args = data.get("args", {})
    if not isinstance(args, dict) or not all(isinstance(v, str) for v in args.values()):
        problems["/args"] = "must be an object of texts"
    elif "args" in data:
        fields["args"] = args


def _schedule(data, fields, problems) -> None:
    interval, cron = data.get("interval"), data.get("cron")
    if (interval is None) == (cron in (None, "")):
        problems["/interval"] = "a schedule needs an interval or a cron expression, not both"
        return
    try:
        if interval is not None:
            seconds = interval_seconds(interval, data.get("factor"))
            fields.update(interval=seconds, cron="")
            fields["next_run_at"] = timezone.now() + timedelta(seconds=seconds)
        else:
            check_cron(str(cron))
            fields.update(cron=str(cron), interval=None)
            fields["next_run_at"] = croniter(str(cron), timezone.now()).get_next(datetime)
    except TriggerError as exc:
        problems[exc.field] = str(exc)
