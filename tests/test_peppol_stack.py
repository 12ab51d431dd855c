"""Peppol through the real stack: a django-q2 worker cluster registers a participant (the
approval wait QUEUED, woken by the simulator's callback once it approves), sends an invoice over
AS4, and reads the inbox by itself, where a received invoice starts the incoming workflow."""

import threading
import time

import pytest
import requests
from conftest import free_port, running_stack
from engine_helpers import entry, step, trace, workflow
from test_peppol import INVOICE, PARTY, SUPPLIER_ID, _ubl_invoice, envelope, receive_steps

from jobs.models import Job, JobStatus
from jobs.services import create_job
from providers.peppol import sandbox
from workflows.models import Trigger, TriggerKind

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def network():
    server = sandbox.make_server(0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def wait_until(check, timeout: float = 60, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"still waiting for {what}")


def completed(job: Job) -> Job | None:
    job.refresh_from_db()
    return job if job.completed else None


def test_a_worker_cluster_registers_sends_and_receives_through_peppol(workspace, network):
    server, base = network
    register = workflow(
        workspace,
        [
            step("peppol.register.approval"),
            step("peppol.wait.approval", name="wait"),
            step("peppol.register", {"doc_groups": ["ubl-invoice"]}),
        ],
        schema="org/party",
    )
    send = workflow(
        workspace,
        [
            step("sequence.enumerate", {"name": "PPL", "prefix": "PPL", "padding": 6}),
            step("silo.close"),
            step("ubl.generate", {"doc_type": "bis-invoice-v3"}),
            step("peppol.send"),
        ],
    )
    incoming = workflow(workspace, receive_steps())
    Trigger.objects.create(
        workspace=workspace, workflow=incoming, kind=TriggerKind.DOCUMENT_RECEIVED
    )
    party = entry(workspace, envelope(PARTY))
    port = free_port()
    env = {
        "PEPPOL_URL": base,
        "OUTBOUND_ALLOW": "127.0.0.0/8",
        "PEPPOL_INBOX_INTERVAL": "1",
        # The approval's callback URL, which the simulator calls on the web server.
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    with running_stack(workers=2, web=True, port=port, **env):
        job = create_job(register, entry=party)

        def waiting():
            job.refresh_from_db()
            party.refresh_from_db()
            return job.status == JobStatus.QUEUED and party.meta.get("peppol_approval_id")

        approval = wait_until(waiting, what="the approval wait")
        # Approved at the provider, which calls the console back: the step asks again at
        # once (its next poll would be 15 s away; the wait below is shorter).
        decided = f"{base}/sandbox/approvals/{approval}"
        requests.post(decided, json={"status": "approved"}, timeout=5).raise_for_status()
        job = wait_until(lambda: completed(job), timeout=12, what="the registration")
        assert job.status == JobStatus.OK, (job.faults, trace(job))
        assert "POKE" in dict(trace(job))["wait"]  # the callback's
        assert server.network.participants[SUPPLIER_ID]["ours"]

        sending = create_job(send, entry=entry(workspace, envelope(INVOICE)))
        sending = wait_until(lambda: completed(sending), what="the delivery")
        assert sending.status == JobStatus.OK, (sending.faults, trace(sending))
        assert len(server.network.delivered) == 1

        requests.post(
            f"{base}/sandbox/inbound",
            json={
                "sender": "0208:0403019261",
                "receiver": SUPPLIER_ID,
                "document": _ubl_invoice().decode(),
            },
            timeout=5,
        ).raise_for_status()
        received = wait_until(
            lambda: Job.objects.filter(workflow=incoming).first(), what="the inbox"
        )
        received = wait_until(lambda: completed(received), what="the import")
    assert received.status == JobStatus.OK, (received.faults, trace(received))
    imported = received.silo_entry
    assert (imported.state, imported.folder) == ("registered", "expenses")
    assert imported.data["doc"]["customer"]["name"] == "Benelux Trading NV"
    assert server.network.inbox == {}
