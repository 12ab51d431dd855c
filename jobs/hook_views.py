"""Calls from counterparts that wake waiting steps: the Peppol access point provider's
callback when an approval is decided (providers/peppol/callbacks.py says why it is safe)."""

import logging

from django.db import transaction
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from providers.peppol import callbacks

from .models import Intent, JobStatus
from .services import JobError, poke

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def peppol_approval(request, entry_id, token):
    if not callbacks.valid(entry_id, token):
        raise Http404
    waiting = Intent.objects.filter(
        job__silo_entry_id=entry_id,
        job__status=JobStatus.QUEUED,
        completed=False,
        ref__startswith=callbacks.PREFIX,
    ).select_related("job__workspace")
    woken = 0
    for intent in waiting:
        try:
            with transaction.atomic():
                poke(intent.job.workspace, intent_id=intent.pk, code="callback")
            woken += 1
        except JobError as exc:  # it moved on meanwhile
            log.info("peppol approval callback for %s: %s", intent.pk, exc)
    return JsonResponse({"woken": woken}, status=202)
