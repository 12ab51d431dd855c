"""The URL the access point provider calls when a participant's approval is decided, so
that the waiting peppol.wait.approval step asks again at once instead of at its next poll.

The URL names the party's entry and carries an HMAC of it under SECRET_KEY: only the console
can make one. A call only wakes the step, which then asks the provider for the approval's
status (GET approvals/<id>): what the call says is never taken as the answer, so a replayed
or forged one can do no more than an early poll.
"""

import hashlib
import hmac

from django.conf import settings

PREFIX = "peppol.approval:"  # the ref of the waiting step (actions.wait_approval)


def token(entry_id) -> str:
    message = f"{PREFIX}{entry_id}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:40]


def url(entry_id) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/hooks/peppol/approvals/{entry_id}/{token(entry_id)}"


def valid(entry_id, given: str) -> bool:
    return hmac.compare_digest(token(entry_id), given)
