"""Providers through the real stack (issue 7): a django-q2 worker cluster numbers, signs and
prints an invoice, emails the PDF through a real SMTP server and posts a signed webhook to a
real HTTP server, both started here and reached over TCP by the worker processes."""

import base64
import copy
import email
import email.policy
import hashlib
import hmac
import time

import pytest
from aiosmtpd.controller import Controller
from conftest import free_port, running_stack
from engine_helpers import INVOICE, entry, state, step, trace, workflow
from receivers import Receiver

from jobs.models import Job, JobStatus
from jobs.services import create_job
from providers.models import WebhookSecret

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]
CUSTOMER = "buyer@customer.test"


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes
        ]


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def receiver():
    with Receiver() as found:
        yield found


def invoice() -> dict:
    data = copy.deepcopy(INVOICE)
    data["doc"]["customer"] = {"name": "Sample Consumer", "emails": [{"addr": CUSTOMER}]}
    data["doc"]["lines"] = [
        {
            "i": 1,
            "quantity": "1",
            "item": {"name": "Consulting", "price": "100.00"},
            "sum": "100.00",
            "total": "100.00",
        }
    ]
    return data


def wait_for(job: Job, timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.completed:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job.id} is still {job.status}: {trace(job)}")


def standard_webhooks_valid(secret: str, headers: dict, body: bytes) -> bool:
    """The receiver's check, as the Standard Webhooks specification writes it."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [s.split(",", 1)[1] for s in headers["webhook-signature"].split(" ")]
    return any(hmac.compare_digest(expected, s) for s in offered)


def test_a_worker_cluster_numbers_signs_prints_emails_and_notifies(workspace, inbox, receiver):
    flow = workflow(
        workspace,
        [
            step("sequence.enumerate", {"name": "Invoice", "prefix": "INV", "padding": 6}),
            step("silo.close"),
            step("pdf", {"locale": "en"}),
            step(
                "email.send",
                {
                    "connection_id": "default",
                    "add_invoice_customer": True,
                    "subject": "Invoice {{.full_code}}",
                    "attach": ["pdf"],
                },
            ),
            step("webhook", {"callback_url": f"{receiver.url}/hooks", "event": "invoice_sent"}),
            state("sent"),
        ],
        rescue=[state("error")],
    )
    document = entry(workspace, invoice())
    stack_env = {
        "EMAIL_URL": f"smtp://127.0.0.1:{inbox.port}",
        "OUTBOUND_ALLOW": "127.0.0.0/8",
    }
    with running_stack(workers=2, web=False, **stack_env):
        job = wait_for(create_job(flow, entry=document))

    assert job.status == JobStatus.OK, (job.faults, trace(job))
    assert [statuses[-1] for _, statuses in trace(job)] == ["OK"] * 6

    document.refresh_from_db()
    assert document.state == "sent" and document.signed
    assert (document.data["doc"]["series"], document.data["doc"]["code"]) == ("INV", "000001")
    [pdf] = document.files.filter(key="pdf")
    with pdf.file.open("rb") as handle:
        printed = handle.read()
    assert printed.startswith(b"%PDF") and pdf.mime == "application/pdf"

    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == [CUSTOMER]
    [message] = inbox.messages()
    assert message["Subject"] == "Invoice INV-000001"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == printed

    [delivery] = receiver.received
    assert (delivery.method, delivery.path) == ("POST", "/hooks")
    assert standard_webhooks_valid(
        WebhookSecret.of(workspace).secret, delivery.headers, delivery.body
    )
    payload = delivery.json()
    assert payload["event"] == "invoice_sent"
    assert payload["transform_job_id"] == str(job.id)
    assert payload["silo_entry_id"] == str(document.id)
