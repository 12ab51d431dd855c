"""Inbound webhooks: another system (an ERP, an embedded app) POSTs a document to a
trigger's URL; it becomes a silo entry and the trigger's workflow runs on it."""

import uuid

from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from invopop_console import json_input
from invopop_console.api import error_body
from jobs.models import Job
from silo.models import SiloEntry
from silo.serializers import as_envelope, gobl_problems

from .models import Trigger, TriggerKind
from .triggers import start, verify_webhook


def _error(status: int, key: str, message: str, fields=None) -> JsonResponse:
    return JsonResponse(error_body(key, message, fields), status=status)


@csrf_exempt
@require_POST
def inbound(request, trigger_id):
    trigger = (
        Trigger.objects.filter(pk=trigger_id, kind=TriggerKind.WEBHOOK, enabled=True)
        .select_related("workflow", "workspace")
        .first()
    )
    if trigger is None:
        return _error(404, "not-found", "No such webhook")
    if not verify_webhook(trigger, request.headers, request.body):
        return _error(
            401,
            "unauthorized",
            "Send the trigger's secret as a bearer token or sign the request (Standard Webhooks)",
        )
    try:
        data = json_input.parse(request.body)
    except json_input.NotJson as exc:
        return _error(400, "invalid-json", f"The body is not valid JSON: {exc}")
    except json_input.BadJson as exc:
        return _error(422, "invalid", "The body holds what cannot be stored", exc.problems)
    problems = gobl_problems(data)
    if problems:
        fields = {pointer or "/": message for pointer, message in problems.items()}
        return _error(422, "invalid", "The body is not a GOBL document", fields)
    return _accept(trigger, as_envelope(data, uuid.uuid4()), _delivery_id(request))


def _delivery_id(request) -> str:
    """The sender's id of this delivery: the same id twice is one job."""
    return request.headers.get("webhook-id") or request.headers.get("Idempotency-Key") or ""


def _accept(trigger: Trigger, envelope: dict, delivery: str) -> JsonResponse:
    key = f"webhook:{trigger.id}:{delivery}" if delivery else ""
    job = Job.objects.filter(workspace=trigger.workspace, key=key).first() if key else None
    if job is None:
        with transaction.atomic():
            entry = SiloEntry.create_with_version(trigger.workspace, envelope, key=key)
            job = start(trigger, entry=entry, key=key)
            if job is None:
                transaction.set_rollback(True)
                return _error(409, "conflict", "The workflow cannot run: is it published?")
    return JsonResponse(
        {"job_id": str(job.id), "silo_entry_id": str(job.silo_entry_id)}, status=202
    )
