"""The demo that `make run` seeds: its workflows are published and valid, and each one runs OK
on its own demo document through the real engine, offline (the agency sandbox in a thread)."""

import csv
import io
import json
from datetime import timedelta
from email.utils import parseaddr

import pytest
from django.core import mail
from django.utils import timezone
from engine_helpers import run, trace
from pypdf import PdfReader
from verifactu_helpers import running_sandbox, script

from invopop_console.demo.seed import (
    DOCUMENT_OF,
    DRAFTS,
    HERE,
    ISSUER_NIF,
    document_key,
    seed_demo,
    workflow_id,
)
from jobs.models import JobStatus
from jobs.services import create_job
from providers.verifactu.actions import QR_STAMP
from providers.verifactu.models import Record, Verdict, VerifactuConfig
from silo.models import SiloEntry
from workflows.definition import walk
from workflows.models import Workflow

pytestmark = pytest.mark.django_db
STEMS = sorted(path.stem for path in (HERE / "workflows").glob("*.json"))
RUNNABLE = sorted(set(STEMS) - DRAFTS)


@pytest.fixture
def sandbox(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]  # the simulator is on loopback (SSRF guard)
    with running_sandbox() as (server, url):
        yield url


@pytest.fixture
def demo(sandbox, settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return seed_demo(agency_sandbox_url=sandbox)


def demo_run(workspace, stem: str):
    """Run the demo workflow `stem` on its demo document, to the end, in this process."""
    workflow = Workflow.objects.get(pk=workflow_id(workspace, stem))
    entry = SiloEntry.objects.get(workspace=workspace, key=document_key(DOCUMENT_OF[stem]))
    job = run(create_job(workflow, entry=entry))
    job.silo_entry.refresh_from_db()
    return job


def content(entry, key: str) -> bytes:
    with entry.files.get(key=key).file.open("rb") as handle:
        return handle.read()


def pdf_text(entry) -> str:
    reader = PdfReader(io.BytesIO(content(entry, "pdf")))
    return "".join(page.extract_text() for page in reader.pages)


def assert_ok(job):
    assert job.status == JobStatus.OK, (job.faults, trace(job))


# --- What is seeded


def test_the_demo_has_every_workflow_published_but_the_deliberate_drafts(demo):
    workflows = {w.name: w for w in Workflow.objects.filter(workspace=demo)}
    assert {
        "Issue invoice",
        "Send invoice by email",
        "Notify by webhook",
        "Export to ERP",
        "Export to ERP (HTTP API)",
        "VERI*FACTU invoice",
        "Peppol/UBL invoice",
    } <= set(workflows)
    for stem in STEMS:
        workflow = Workflow.objects.get(pk=workflow_id(demo, stem))
        assert workflow.draft == (stem in DRAFTS), stem
        assert (workflow.version == 0) == (stem in DRAFTS), stem


@pytest.mark.parametrize("stem", STEMS)
def test_each_demo_workflow_validates_without_problems(demo, stem):
    workflow = Workflow.objects.get(pk=workflow_id(demo, stem))
    assert workflow.problems() == []


def test_the_demo_workflows_use_every_kind_of_provider(demo):
    used = {
        step["provider"]
        for workflow in Workflow.objects.filter(workspace=demo)
        for _, step in walk(workflow.definition())
    }
    assert {
        "sequence.enumerate",
        "gobl.build",
        "silo.close",
        "pdf",
        "email.send",
        "webhook",
        "http.request",
        "file.export",
        "ubl.generate",
        "verifactu.generate",
        "verifactu.send",
        "silo.state",
        "silo.folder",
        "silo.modify",
        "silo.if",
    } <= used


def test_every_runnable_demo_workflow_has_a_document_of_its_own_schema(demo):
    assert set(DOCUMENT_OF) == set(RUNNABLE)
    for stem in RUNNABLE:
        workflow = Workflow.objects.get(pk=workflow_id(demo, stem))
        entry = SiloEntry.objects.get(workspace=demo, key=document_key(DOCUMENT_OF[stem]))
        assert entry.doc_type == workflow.schema, stem
    issuing = [s for s in RUNNABLE if DOCUMENT_OF[s].startswith("invoice")]
    assert len({DOCUMENT_OF[s] for s in issuing}) == len(issuing)  # signing uses one up


def test_the_demo_invoices_are_issued_by_the_verifactu_issuer_and_have_no_totals_yet(demo):
    config = VerifactuConfig.objects.get(workspace=demo)
    for path in (HERE / "documents").glob("invoice*.json"):
        doc = json.loads(path.read_text())["doc"]
        assert doc["supplier"]["tax_id"]["code"] == config.issuer_nif == ISSUER_NIF, path.name
        assert "totals" not in doc and "code" not in doc, path.name  # the workflows add them


def test_seeding_again_follows_the_sandbox_to_its_new_port_and_duplicates_nothing(demo):
    counts = (Workflow.objects.count(), SiloEntry.objects.count(), VerifactuConfig.objects.count())
    seed_demo(agency_sandbox_url="http://127.0.0.1:9/wlpl/TIKE-CONT/ws/VerifactuSOAP")
    assert (
        Workflow.objects.count(),
        SiloEntry.objects.count(),
        VerifactuConfig.objects.count(),
    ) == counts
    assert VerifactuConfig.objects.get(workspace=demo).sandbox_url.startswith("http://127.0.0.1:9/")


def test_seeding_again_keeps_a_configuration_that_points_at_the_agency(demo):
    config = VerifactuConfig.objects.get(workspace=demo)
    config.sandbox_url = "https://prewww1.aeat.es/wlpl/TIKE-CONT/ws/VerifactuSOAP"
    config.save()
    seed_demo(agency_sandbox_url="http://127.0.0.1:9/wlpl/TIKE-CONT/ws/VerifactuSOAP")
    config.refresh_from_db()
    assert config.sandbox_url.startswith("https://prewww1.aeat.es/")


def test_a_demo_workflow_an_earlier_seed_left_invalid_is_brought_up_to_date(demo):
    workflow = Workflow.objects.get(pk=workflow_id(demo, "issue-invoice"))
    workflow.versions.all().delete()
    workflow.apply_definition({**workflow.definition(), "steps": [{"provider": "nope"}]})
    workflow.version, workflow.draft = 0, True
    workflow.save()
    seed_demo()
    workflow.refresh_from_db()
    assert not workflow.draft and workflow.version == 1
    assert workflow.problems() == []


def test_an_untouched_draft_of_an_earlier_seed_is_brought_up_to_date(demo):
    workflow = Workflow.objects.get(pk=workflow_id(demo, "notify-webhook"))
    workflow.steps[0]["config"] = {"callback_url": "http://127.0.0.1:8765/hooks/invoices"}
    workflow.save()  # within moments of its creation: as a seed made it
    seed_demo()
    workflow.refresh_from_db()
    assert workflow.steps[0]["config"]["callback_url"] == "https://example.com/webhooks/invopop"
    assert workflow.draft


def test_a_draft_someone_edited_is_left_alone(demo):
    workflow = Workflow.objects.get(pk=workflow_id(demo, "notify-webhook"))
    Workflow.objects.filter(pk=workflow.pk).update(created_at=timezone.now() - timedelta(hours=1))
    workflow.refresh_from_db()
    config = {"callback_url": "https://hooks.example.org/mine"}
    workflow.steps[0]["config"] = config
    workflow.save()
    seed_demo()
    workflow.refresh_from_db()
    assert workflow.steps[0]["config"] == config


def test_a_published_demo_workflow_is_never_changed_by_seeding(demo):
    workflow = Workflow.objects.get(pk=workflow_id(demo, "issue-invoice"))
    workflow.save_draft({**workflow.definition(), "description": "mine"})
    seed_demo()
    workflow.refresh_from_db()
    assert (workflow.description, workflow.draft, workflow.version) == ("mine", True, 1)


# --- Each workflow on its document


def test_issue_invoice_numbers_builds_signs_and_prints_the_invoice(demo):
    job = demo_run(demo, "issue-invoice")
    assert_ok(job)
    entry = job.silo_entry
    assert entry.state == "sent" and entry.signed
    doc = entry.data["doc"]
    assert (doc["series"], doc["code"]) == ("FAC", "000001")
    assert doc["totals"]["payable"] == "1655.31"
    assert content(entry, "pdf").startswith(b"%PDF")
    assert "FAC-000001" in pdf_text(entry)


def test_send_invoice_by_email_mails_the_pdf_to_the_customer(demo):
    job = demo_run(demo, "email-invoice")
    assert_ok(job)
    assert job.silo_entry.state == "sent"
    [message] = mail.outbox
    assert [parseaddr(to)[1] for to in message.to] == ["administracion@costacantabrica.example"]
    assert message.subject == "Factura FAC-000001 de Distribuciones Alimentarias Turia S.L."
    [(name, attached, mime)] = message.attachments
    assert (name, mime) == ("FAC-000001.pdf", "application/pdf")
    assert attached.startswith(b"%PDF")


def test_export_to_erp_writes_the_csv_and_the_pdf_into_the_export_folder(demo, settings):
    job = demo_run(demo, "export-erp")
    assert_ok(job)
    entry = job.silo_entry
    assert (entry.state, entry.folder) == ("exported", "exported")
    folder = settings.EXPORT_ROOT / "erp" / ISSUER_NIF
    rows = list(csv.DictReader(io.StringIO((folder / "FAC-000001.csv").read_text()), delimiter=";"))
    assert [row["item_name"] for row in rows] == [
        "Arroz bomba D.O. Valencia, 1 kg",
        "Azafrán en hebra, 1 g",
        "Transporte refrigerado",
    ]
    assert {row["payable"] for row in rows} == {entry.data["doc"]["totals"]["payable"]}
    assert (folder / "FAC-000001.pdf").read_bytes().startswith(b"%PDF")


def test_verifactu_invoice_is_accepted_by_the_sandbox_and_its_pdf_has_the_qr_code(demo):
    job = demo_run(demo, "verifactu-invoice")
    assert_ok(job)
    entry = job.silo_entry
    assert entry.state == "sent"
    stamps = {s["prv"]: s["val"] for s in entry.data["head"]["stamps"]}
    assert stamps[QR_STAMP].startswith("https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?")
    assert f"nif={ISSUER_NIF}" in stamps[QR_STAMP] and "numserie=VF-000001" in stamps[QR_STAMP]
    record = Record.objects.get(silo_entry_id=entry.pk, kind="alta")
    assert record.verdict == Verdict.ACCEPTED and record.csv
    assert entry.meta["verifactu_status"] == Verdict.ACCEPTED
    text = pdf_text(entry)
    assert "QR tributario" in text and "VERI*FACTU" in text


def test_verifactu_invoice_rejected_by_the_agency_ends_rejected_with_its_code(demo, sandbox):
    script(sandbox, {"reject": "1109"})
    job = demo_run(demo, "verifactu-invoice")
    entry = job.silo_entry
    assert entry.state == "rejected"
    assert job.faults[0]["provider"] == "verifactu.send" and job.faults[0]["code"] == "1109"
    assert not entry.files.filter(key="pdf").exists()


def test_peppol_invoice_attaches_a_validated_ubl_document_and_the_pdf(demo):
    job = demo_run(demo, "peppol-invoice")
    assert_ok(job)
    entry = job.silo_entry
    assert entry.state == "completed"
    ubl = content(entry, "ubl")
    assert b"urn:fdc:peppol.eu:2017:poacc:billing:3.0" in ubl
    assert b"<cbc:ID>FAC-000001</cbc:ID>" in ubl
    assert content(entry, "pdf").startswith(b"%PDF")


@pytest.mark.parametrize(
    ("stem", "state"),
    [
        ("mark-payment-received", "received"),
        ("order-to-delivery", "completed"),
        ("register-party", "registered"),
    ],
)
def test_the_other_demo_workflows_end_in_their_state(demo, stem, state):
    job = demo_run(demo, stem)
    assert_ok(job)
    assert job.silo_entry.state == state


def test_peppol_registers_the_party_then_sends_the_invoice_with_its_receipt(demo, settings):
    """The walk of a new user: register the supplier, then send an invoice to a customer on
    the network (the Peppol simulator in a thread, approving at once as Invopop's sandbox)."""
    import threading

    from providers.peppol import sandbox as peppol

    server = peppol.make_server(0, approve_after=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.PEPPOL_URL = f"http://127.0.0.1:{server.server_port}"
    try:
        registered = demo_run(demo, "peppol-register-party")
        assert_ok(registered)
        assert registered.silo_entry.state == "registered"
        job = demo_run(demo, "peppol-send-invoice")
    finally:
        server.shutdown()
        server.server_close()
    assert_ok(job)
    entry = job.silo_entry
    assert entry.state == "sent" and entry.meta["peppol_message_id"]
    assert b"<cbc:ID>PPL-000001</cbc:ID>" in content(entry, "ubl")
    assert b"Receipt" in content(entry, "peppol-signal")
    [delivered] = server.network.delivered
    assert delivered["receiver"] == "0208:0403019261"
