"""VERI*FACTU: fingerprints, records, and workflows that submit them to the agency simulator
over real HTTP(S)."""

import io
import json
import threading
from decimal import Decimal

import pytest
from conftest import shared_path
from django.db import connections
from engine_helpers import entry, run, start, start_on, state, step, trace, workflow
from lxml import etree
from pypdf import PdfReader
from verifactu_helpers import (
    FIXTURES,
    PASSWORD,
    certificates,
    configure,
    fixture,
    invoice,
    running_sandbox,
    script,
)

from jobs import engine, queue
from jobs.models import Job
from jobs.services import create_job, poke
from providers import registry, sign
from providers.verifactu import actions, client, records
from providers.verifactu.models import Chain, Record, Verdict, VerifactuConfig
from providers.verifactu.sandbox import expected_fingerprint
from providers.verifactu.xml import RESPONSE, SUM, SUM1, Line, parse_answer
from workflows.definition import errors, walk
from workflows.models import Workflow

pytestmark = pytest.mark.django_db
NS = {"sum": SUM, "sum1": SUM1, "tikR": RESPONSE}
AEAT = json.loads(fixture("aeat-fingerprints.json"))
PDF = {"date_format": "%Y-%m-%d", "layout": "A4", "locale": "es", "logo_height": 60}


def number():
    return step("sequence.enumerate", {"name": "Verifactu", "padding": 6, "start": 1})


def issue_steps(**send_fields):
    """Invopop's es__verifactu-invoice.json, in short."""
    return [
        number(),
        step("silo.close"),
        step("verifactu.generate", name="generate"),
        step("verifactu.send", name="send", **send_fields),
        step("pdf", PDF, name="pdf"),
        state("sent"),
    ]


def submitted_record(silo_entry) -> etree._Element:
    found = Record.objects.get(silo_entry_id=silo_entry.pk, kind="alta")
    return etree.fromstring(found.xml.encode())


def content(stored) -> bytes:
    with stored.file.open("rb") as handle:
        return handle.read()


def events_of(job, name: str) -> list[str]:
    return dict(trace(job))[name]


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    """The simulator runs on loopback, which the SSRF guard refuses unless allowed."""
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]


@pytest.fixture
def sandbox():
    with running_sandbox() as (server, url):
        yield server, url


# --- Fingerprints


def test_the_first_record_fingerprint_is_the_aeats_worked_example():
    example = AEAT["alta_first"]
    assert records.alta_fingerprint(**example["fields"]) == example["huella"]


def test_a_chained_record_fingerprint_is_the_aeats_worked_example():
    example = AEAT["alta_chained"]
    assert example["fields"]["previous"] == AEAT["alta_first"]["huella"]
    assert records.alta_fingerprint(**example["fields"]) == example["huella"]


def test_a_cancellation_fingerprint_is_the_aeats_worked_example():
    example = AEAT["anulacion"]
    assert example["fields"]["previous"] == AEAT["alta_chained"]["huella"]
    assert records.anulacion_fingerprint(**example["fields"]) == example["huella"]


def test_the_fingerprint_hashes_the_aeats_field_text_with_trimmed_values():
    pairs = [tuple(part.split("=", 1)) for part in AEAT["alta_first"]["text"].split("&")]
    padded = [(name, f" {value} ") for name, value in pairs]
    assert records.fingerprint(padded) == AEAT["alta_first"]["huella"]


def test_the_generation_time_is_spanish_local_time_with_its_offset():
    import datetime

    winter = datetime.datetime(2024, 1, 1, 18, 20, 30, tzinfo=datetime.UTC)
    summer = datetime.datetime(2024, 7, 1, 18, 20, 30, tzinfo=datetime.UTC)
    assert records.generated_now(winter) == "2024-01-01T19:20:30+01:00"
    assert records.generated_now(summer) == "2024-07-01T20:20:30+02:00"


def test_the_qr_url_percent_encodes_the_aeats_example_series():
    url = records.qr_url(
        "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR",
        nif="89890001K",
        num_serie="12345678&G33",
        issue_date="01-01-2024",
        total="241.40",
    )
    assert url == (
        "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR"
        "?nif=89890001K&numserie=12345678%26G33&fecha=01-01-2024&importe=241.40"
    )


# --- From GOBL to the record


def test_an_invoice_becomes_an_f1_with_its_vat_breakdown():
    doc = invoice(series="FAC", code="000001")["doc"]
    found = records.invoice_of(doc)
    assert (found.issuer_nif, found.num_serie, found.issue_date) == (
        "B98602642",
        "FAC-000001",
        "15-01-2026",
    )
    assert found.type == "F1"
    assert [(line.operation, line.percent, line.base, line.amount) for line in found.lines] == [
        ("S1", Decimal("21.0"), Decimal("800.00"), Decimal("168.00")),
        ("S1", Decimal("4.0"), Decimal("50.00"), Decimal("2.00")),
    ]
    assert (found.tax_total, found.total) == ("170.00", "1020.00")
    assert found.recipient == {"name": "Sample Consumer S.A.", "nif": "A28017895"}


def test_retained_irpf_is_left_out_and_the_total_is_before_retention():
    doc = json.loads((FIXTURES.parent / "gobl" / "es-freelance.json").read_text())
    found = records.invoice_of(invoice(**doc)["doc"])
    assert {line.tax for line in found.lines} == {"01"}
    assert (found.tax_total, found.total) == ("122.54", "763.54")


def test_an_invoice_without_an_identified_customer_is_simplified():
    doc = invoice(code="1", customer=None)["doc"]
    assert records.invoice_of(doc).type == "F2"


def test_a_credit_note_is_an_r1_by_differences_with_negative_amounts():
    doc = invoice(
        code="7",
        type="credit-note",
        preceding=[{"series": "FAC", "code": "000001", "issue_date": "2026-01-10"}],
    )["doc"]
    found = records.invoice_of(doc)
    assert (found.type, found.corrective) == ("R1", "I")
    assert found.corrected == [{"num_serie": "FAC-000001", "issue_date": "10-01-2026"}]
    assert (found.tax_total, found.total) == ("-170.00", "-1020.00")


def test_an_exempt_line_has_no_rate_and_no_quota():
    doc = invoice(code="2")["doc"]
    doc["totals"]["taxes"]["categories"][0]["rates"][1].update(key="exempt", amount="0.00")
    exempt = records.invoice_of(doc).lines[1]
    assert (exempt.operation, exempt.percent, exempt.amount) == ("E1", None, None)


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"supplier": {"name": "GB Ltd", "tax_id": {"country": "GB", "code": "123"}}}, "NIF"),
        ({"code": ""}, "code"),
        ({"$schema": "https://gobl.org/draft-0/note/message"}, "invoices"),
    ],
)
def test_documents_that_cannot_be_recorded_say_why(changes, problem):
    doc = {**invoice(code="1")["doc"], **changes}
    with pytest.raises(records.NotRecordable, match=problem):
        records.invoice_of(doc)


# --- verifactu.generate


MANDATORY = [
    "sum1:IDVersion",
    "sum1:IDFactura/sum1:IDEmisorFactura",
    "sum1:IDFactura/sum1:NumSerieFactura",
    "sum1:IDFactura/sum1:FechaExpedicionFactura",
    "sum1:NombreRazonEmisor",
    "sum1:TipoFactura",
    "sum1:DescripcionOperacion",
    "sum1:Destinatarios/sum1:IDDestinatario/sum1:NombreRazon",
    "sum1:Destinatarios/sum1:IDDestinatario/sum1:NIF",
    "sum1:Desglose/sum1:DetalleDesglose/sum1:Impuesto",
    "sum1:Desglose/sum1:DetalleDesglose/sum1:ClaveRegimen",
    "sum1:Desglose/sum1:DetalleDesglose/sum1:CalificacionOperacion",
    "sum1:Desglose/sum1:DetalleDesglose/sum1:TipoImpositivo",
    "sum1:Desglose/sum1:DetalleDesglose/sum1:BaseImponibleOimporteNoSujeto",
    "sum1:Desglose/sum1:DetalleDesglose/sum1:CuotaRepercutida",
    "sum1:CuotaTotal",
    "sum1:ImporteTotal",
    "sum1:Encadenamiento/sum1:PrimerRegistro",
    "sum1:SistemaInformatico/sum1:NombreRazon",
    "sum1:SistemaInformatico/sum1:NIF",
    "sum1:SistemaInformatico/sum1:NombreSistemaInformatico",
    "sum1:SistemaInformatico/sum1:IdSistemaInformatico",
    "sum1:SistemaInformatico/sum1:Version",
    "sum1:SistemaInformatico/sum1:NumeroInstalacion",
    "sum1:SistemaInformatico/sum1:TipoUsoPosibleSoloVerifactu",
    "sum1:SistemaInformatico/sum1:TipoUsoPosibleMultiOT",
    "sum1:SistemaInformatico/sum1:IndicadorMultiplesOT",
    "sum1:FechaHoraHusoGenRegistro",
    "sum1:TipoHuella",
    "sum1:Huella",
]


def test_the_record_xml_has_every_mandatory_field_in_the_schemas_order(workspace):
    configure(workspace, "http://127.0.0.1:9/")
    job = run(start(workspace, [number(), step("verifactu.generate")], data=invoice()))
    assert job.status == "OK", trace(job)

    root = submitted_record(job.silo_entry)
    assert root.tag == f"{{{SUM}}}RegFactuSistemaFacturacion"
    assert root.findtext("sum:Cabecera/sum1:ObligadoEmision/sum1:NIF", namespaces=NS) == (
        "B98602642"
    )
    alta = root.find("sum:RegistroFactura/sum1:RegistroAlta", NS)
    missing = [path for path in MANDATORY if alta.find(path, NS) is None]
    assert not missing
    assert [etree.QName(child).localname for child in alta][-5:] == [
        "Encadenamiento",
        "SistemaInformatico",
        "FechaHoraHusoGenRegistro",
        "TipoHuella",
        "Huella",
    ]
    values = {path: alta.findtext(path, namespaces=NS) for path in MANDATORY}
    assert values["sum1:IDFactura/sum1:NumSerieFactura"] == "000001"
    assert values["sum1:IDFactura/sum1:FechaExpedicionFactura"] == "15-01-2026"
    assert (values["sum1:CuotaTotal"], values["sum1:ImporteTotal"]) == ("170.00", "1020.00")
    assert values["sum1:Huella"] == expected_fingerprint(alta, alta=True)


def test_generate_stamps_the_qr_code_and_keeps_the_signature_valid(workspace):
    configure(workspace, "http://127.0.0.1:9/")
    steps = [number(), step("silo.close"), step("verifactu.generate")]
    job = run(start(workspace, steps, data=invoice()))
    assert job.status == "OK", trace(job)

    silo_entry = job.silo_entry
    silo_entry.refresh_from_db()
    stamps = {s["prv"]: s["val"] for s in silo_entry.data["head"]["stamps"]}
    url = (
        "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR"
        "?nif=B98602642&numserie=000001&fecha=15-01-2026&importe=1020.00"
    )
    assert stamps["verifactu-qr"] == url
    assert silo_entry.meta["verifactu_qr"] == url
    assert stamps["verifactu-hash"] == silo_entry.meta["verifactu_huella"]
    assert silo_entry.signed and sign.verify(silo_entry.data, workspace)
    request = silo_entry.files.get(category="request")
    assert request.key == "verifactu-alta" and request.mime == "application/xml"


def test_production_invoices_point_their_qr_code_at_the_aeats_production_site(workspace):
    configure(workspace, "http://127.0.0.1:9/", environment="production")
    job = run(start(workspace, [number(), step("verifactu.generate")], data=invoice()))
    assert job.silo_entry.meta["verifactu_qr"].startswith(
        "https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQR?nif=B98602642"
    )


def test_the_second_record_chains_to_the_first(workspace):
    configure(workspace, "http://127.0.0.1:9/")
    steps = [number(), step("verifactu.generate")]
    first = run(start(workspace, steps, data=invoice()))
    second = run(start(workspace, steps, data=invoice()))

    earlier = Record.objects.get(silo_entry_id=first.silo_entry_id)
    anterior = submitted_record(second.silo_entry).find(
        ".//sum1:Encadenamiento/sum1:RegistroAnterior", NS
    )
    assert [child.text for child in anterior] == [
        "B98602642",
        "000001",
        "15-01-2026",
        earlier.fingerprint,
    ]
    assert Chain.objects.get(workspace=workspace).length == 2


def test_generating_again_for_the_same_invoice_answers_the_same_record(workspace):
    configure(workspace, "http://127.0.0.1:9/")
    job = run(start(workspace, [number(), step("verifactu.generate")], data=invoice()))
    again = run(start_on(job.silo_entry, [step("verifactu.generate")]))
    assert again.status == "OK", trace(again)
    assert Record.objects.count() == 1


def test_without_a_configuration_the_steps_go_ko_saying_so(workspace):
    job = run(start(workspace, [number(), step("verifactu.generate")], data=invoice()))
    assert job.status == "KO"
    assert job.faults[0]["code"] == "not-configured"


def test_a_document_that_is_not_recordable_goes_ko(workspace):
    configure(workspace, "http://127.0.0.1:9/")
    data = invoice()
    data["doc"]["supplier"]["tax_id"] = {"country": "PT", "code": "545259045"}
    job = run(start(workspace, [number(), step("verifactu.generate")], data=data))
    assert job.faults[0]["code"] == "not-recordable"
    assert not Record.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_generate_calls_keep_the_chain_gapless(workspace, monkeypatch):
    monkeypatch.setattr(queue, "wake", lambda: None)  # the threads are the workers
    configure(workspace, "http://127.0.0.1:9/")
    flow = workflow(workspace, [number(), step("verifactu.generate")])
    jobs = [create_job(flow, entry=entry(workspace, invoice())) for _ in range(12)]
    barrier = threading.Barrier(len(jobs))
    failures = []

    def worker(job_id):
        try:
            barrier.wait(timeout=30)
            engine.advance(job_id)
        except Exception as exc:  # reported below: an assertion in a thread is lost
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(job.id,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    assert [j.status for j in Job.objects.filter(pk__in=[j.pk for j in jobs])] == ["OK"] * 12

    chain = Chain.objects.get(workspace=workspace)
    found = list(chain.records.order_by("position"))
    assert [r.position for r in found] == list(range(1, 13))
    assert chain.length == 12 and chain.last_fingerprint == found[-1].fingerprint
    previous = ""
    for record in found:
        alta = etree.fromstring(record.xml.encode()).find(".//sum1:RegistroAlta", NS)
        assert record.previous_fingerprint == previous
        assert record.fingerprint == expected_fingerprint(alta, alta=True)
        previous = record.fingerprint
    assert len({r.silo_entry_id for r in found}) == 12


# --- verifactu.send against the simulator


def test_an_invoice_is_numbered_signed_recorded_sent_and_printed_over_mutual_tls(
    workspace, tmp_path
):
    tls = certificates(tmp_path)
    with running_sandbox(
        certfile=tls["certfile"], keyfile=tls["keyfile"], client_ca=tls["client_ca"]
    ) as (server, url):
        config = configure(workspace, url, server_ca=tls["ca_pem"])
        subject, expires = client.describe(tls["p12"], PASSWORD)
        config.set_certificate(tls["p12"], PASSWORD, subject=subject, expires=expires)
        config.save()
        job = run(start(workspace, issue_steps(), data=invoice()))
        registered = server.sandbox.listing()

    assert job.status == "OK", trace(job)
    silo_entry = job.silo_entry
    silo_entry.refresh_from_db()
    assert silo_entry.state == "sent"
    assert registered == [
        {"nif": "B98602642", "num_serie": "000001", "date": "15-01-2026", "state": "Correcta"}
        | {"request": "1"}
    ]
    record = Record.objects.get(silo_entry_id=silo_entry.pk)
    assert record.verdict == Verdict.ACCEPTED and record.csv.startswith("A-")
    assert silo_entry.meta["verifactu_status"] == "accepted"
    assert silo_entry.meta["verifactu_csv"] == record.csv
    response = silo_entry.files.get(category="response")
    assert b"<tikR:EstadoEnvio>Correcto</tikR:EstadoEnvio>" in content(response)
    pdf = silo_entry.files.get(category="format", key="pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content(pdf))).pages)
    assert "QR tributario" in text and "VERI*FACTU" in text


def test_without_the_client_certificate_the_agency_refuses_the_connection(workspace, tmp_path):
    tls = certificates(tmp_path)
    with running_sandbox(
        certfile=tls["certfile"], keyfile=tls["keyfile"], client_ca=tls["client_ca"]
    ) as (_, url):
        configure(workspace, url, server_ca=tls["ca_pem"])
        job = start(workspace, [number(), step("verifactu.generate"), step("verifactu.send")])
        job.silo_entry.change_data(invoice())
        engine.advance(job.id)
        job.refresh_from_db()
    assert events_of(job, "verifactu.send")[-1] == "ERR"
    assert job.faults == [] and job.status == "ERR"


def test_a_rejection_goes_ko_with_the_aeat_code_into_a_matching_next_block(workspace, sandbox):
    _, url = sandbox
    configure(workspace, url, issuer_nif="A28017895", issuer_name="Someone Else S.A.")
    rejected = {"status": "KO", "code": "1108", "stop": True, "steps": [state("rejected")]}
    job = run(start(workspace, issue_steps(next=[rejected]), data=invoice()))

    assert events_of(job, "send")[-1] == "KO"
    assert job.silo_entry.state == "rejected"
    assert "state sent" not in dict(trace(job))
    record = Record.objects.get(silo_entry_id=job.silo_entry_id)
    assert (record.verdict, record.code) == (Verdict.REJECTED, "1108")
    response = job.silo_entry.files.get(category="response")
    assert b"<tikR:CodigoErrorRegistro>1108</tikR:CodigoErrorRegistro>" in content(response)


def test_a_scripted_rejection_code_reaches_the_step(workspace, sandbox):
    _, url = sandbox
    configure(workspace, url)
    script(url, {"reject": "1109"})
    job = run(start(workspace, issue_steps(), data=invoice()))
    assert job.status == "KO"
    assert job.faults[0] == {
        "provider": "verifactu.send",
        "code": "1109",
        "message": "rejected by the AEAT: [1109] "
        "El NIF no está identificado en el censo de la AEAT.",
    }


def test_a_record_the_agency_already_has_is_rejected_as_a_duplicate(
    workspace, other_workspace, sandbox
):
    _, url = sandbox
    configure(workspace, url)
    configure(other_workspace, url)  # the same issuer, numbering its own 000001
    assert run(start(workspace, issue_steps(), data=invoice())).status == "OK"
    job = run(start(other_workspace, issue_steps(), data=invoice()))
    assert job.status == "KO"
    assert job.faults[0]["code"] == "3000"


def test_a_503_is_retried_and_then_ok(workspace, sandbox):
    _, url = sandbox
    configure(workspace, url)
    script(url, {"status": 503})
    job = run(start(workspace, issue_steps(), data=invoice()))
    assert job.status == "OK", trace(job)
    assert events_of(job, "send") == ["RUN", "ERR", "RUN", "OK"]


def test_accepted_with_errors_is_ok_with_the_warnings_kept(workspace, sandbox):
    _, url = sandbox
    configure(workspace, url)
    data = invoice()
    data["doc"]["customer"]["tax_id"]["code"] = "A28017896"  # a wrong check digit
    job = run(start(workspace, issue_steps(), data=data))
    assert job.status == "OK", trace(job)
    silo_entry = job.silo_entry
    silo_entry.refresh_from_db()
    assert silo_entry.meta["verifactu_status"] == "accepted_with_errors"
    assert silo_entry.meta["verifactu_warnings"].startswith("[2001]")
    send = job.intents.get(name="send").events.order_by("index").last()
    assert send.code == "accepted-with-errors" and "2001" in send.message


def test_the_agencys_wait_time_makes_the_next_submission_wait_until_due_or_poked(workspace):
    with running_sandbox(wait=120) as (_, url):
        configure(workspace, url)
        assert run(start(workspace, issue_steps(), data=invoice())).status == "OK"
        job = run(start(workspace, issue_steps(), data=invoice()), passes=3)
        assert job.status == "QUEUED"
        waiting = job.intents.get(name="send")
        assert waiting.ref == "verifactu:B98602642:000002"
        assert 100 < (job.run_at - waiting.events.last().at).total_seconds() <= 120

        poke(workspace, job_id=job.id, ref=waiting.ref)
        job = run(job)
    assert job.status == "OK", trace(job)
    assert events_of(job, "send")[-2:] == ["RUN", "OK"]


def test_an_unreachable_agency_is_an_err_to_retry(workspace):
    configure(workspace, "http://127.0.0.1:9/unreachable")
    job = start(workspace, [number(), step("verifactu.generate"), step("verifactu.send")])
    job.silo_entry.change_data(invoice())
    engine.advance(job.id)
    job.refresh_from_db()
    assert job.status == "ERR"
    event = job.intents.get(provider="verifactu.send").events.order_by("index").last()
    assert (event.status, event.code) == ("ERR", "unreachable")


def test_an_endpoint_on_a_refused_address_is_a_ko_and_is_never_contacted(
    workspace, sandbox, settings
):
    settings.OUTBOUND_ALLOW = []
    server, url = sandbox
    configure(workspace, url)
    job = run(start(workspace, issue_steps(), data=invoice()))
    assert job.status == "KO"
    event = job.intents.get(provider="verifactu.send").events.order_by("index").last()
    assert (event.status, event.code) == ("KO", "address-refused")
    assert "loopback" in event.message
    assert server.sandbox.submissions == 0


def test_send_without_a_record_goes_ko(workspace, sandbox):
    configure(workspace, sandbox[1])
    job = run(start(workspace, [step("verifactu.send")], data=invoice(code="1")))
    assert job.faults[0]["code"] == "no-record"


# --- verifactu.cancel


def test_cancel_chains_a_cancellation_to_the_invoice_and_the_agency_voids_it(workspace, sandbox):
    server, url = sandbox
    configure(workspace, url)
    issued = run(start(workspace, issue_steps(), data=invoice()))
    cancelled = run(start_on(issued.silo_entry, [step("verifactu.cancel"), state("void")]))

    assert cancelled.status == "OK", trace(cancelled)
    alta, anulacion = Chain.objects.get(workspace=workspace).records.order_by("position")
    assert anulacion.kind == "anulacion"
    assert anulacion.previous_fingerprint == alta.fingerprint
    assert anulacion.verdict == Verdict.ACCEPTED
    assert server.sandbox.listing()[0]["state"] == "Anulada"
    silo_entry = cancelled.silo_entry
    silo_entry.refresh_from_db()
    assert silo_entry.state == "void" and silo_entry.meta["verifactu_status"] == "cancelled"
    assert silo_entry.files.filter(category="request", key="verifactu-anulacion").exists()


def test_cancelling_what_the_agency_never_had_goes_ko_with_its_code(workspace, sandbox):
    configure(workspace, sandbox[1])
    job = run(start(workspace, [step("verifactu.cancel")], data=invoice(code="404")))
    assert job.faults[0]["code"] == "3002"


# --- Reading the agency's answers


@pytest.mark.parametrize(
    "name, status, code",
    [
        ("response-accepted.xml", "OK", ""),
        ("response-with-errors.xml", "OK", "accepted-with-errors"),
        ("response-rejected.xml", "KO", "1108"),
        ("response-fault.xml", "KO", "4102"),
    ],
)
def test_the_agencys_answers_become_step_outcomes(name, status, code):
    body = fixture(name)
    http = 500 if "fault" in name else 200
    outcome = actions.judge(client.Delivery(http, body), parse_answer(body))
    assert (outcome.status, outcome.code) == (status, code)


def test_the_answer_says_how_long_to_wait_and_the_receipt():
    answer = parse_answer(fixture("response-accepted.xml"))
    assert (answer.wait, answer.csv, answer.state) == (60, "A-YDSW8NLFLANWPM", "Correcto")
    assert answer.lines == [Line(state="Correcto")]


@pytest.mark.parametrize("http", [500, 502, 503, 504, 429])
def test_server_errors_without_a_soap_answer_are_retried(http):
    outcome = actions.judge(client.Delivery(http, b"<html>busy</html>", 7.0), None)
    assert (outcome.status, outcome.code, outcome.retry_in) == ("ERR", f"http-{http}", 7.0)


def test_a_duplicate_of_our_own_earlier_attempt_is_ok():
    body = fixture("response-rejected.xml").replace(b">1108<", b">3000<")
    answer = parse_answer(body)
    answer.lines[0].duplicate_state = "Correcta"
    delivery = client.Delivery(200, body)
    assert actions.judge(delivery, answer, attempt=1).status == "KO"
    assert actions.judge(delivery, answer, attempt=2).code == "already-registered"


# --- Configuration at rest


def test_the_certificate_is_sealed_at_rest_and_opens_again(workspace, tmp_path):
    tls = certificates(tmp_path)
    config = configure(workspace, "http://127.0.0.1:9/")
    config.set_certificate(tls["p12"], PASSWORD)
    config.save()
    config.refresh_from_db()
    assert tls["p12"] not in config.certificate_sealed.encode()
    assert PASSWORD not in config.certificate_password_sealed
    assert config.certificate() == (tls["p12"], PASSWORD)
    assert config.certificate_sealed not in repr(config)


def test_a_wrong_certificate_password_is_said_plainly(tmp_path):
    tls = certificates(tmp_path)
    with pytest.raises(client.CertificateError):
        client.describe(tls["p12"], "wrong")


# --- Invopop's templates


TEMPLATES = [
    "es__verifactu-invoice",
    "es__verifactu-cancel",
    "es__verifactu-supplier-registration",
    "es__verifactu-unregister",
]


@pytest.mark.parametrize("name", TEMPLATES)
def test_invopops_verifactu_templates_load_with_every_provider_known(workspace, name):
    template = json.loads(shared_path("reference/invopop/templates", f"{name}.json").read_text())
    known = {p.key for p in registry.all_providers()}
    assert {s["provider"] for _, s in walk(template)} <= known
    flow = Workflow(workspace=workspace)
    flow.apply_definition(template)
    flow.save()
    assert not errors(flow.problems())
    assert flow.publish().definition == template


def test_the_verifactu_providers_are_tax_agency_actions():
    for key in ("verifactu.generate", "verifactu.send", "verifactu.cancel"):
        found = registry.get(key)
        assert (found.category, found.icon) == ("Tax agencies", "landmark")
    assert registry.get("verifactu.generate").transactional


# --- The Configuration page


def settings_form(**fields) -> dict:
    return {
        "section": "verifactu",
        "issuer_nif": "b98602642",
        "issuer_name": "Provide One S.L.",
        "environment": "sandbox",
        "sandbox_url": "http://127.0.0.1:8790/verifactu",
        "production_url": "https://www1.agenciatributaria.gob.es/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP",
        **fields,
    }


def test_an_owner_configures_verifactu_with_a_certificate(client, owner, workspace, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    tls = certificates(tmp_path)
    client.force_login(owner)
    page = reverse("configuration", args=[workspace.slug])
    upload = SimpleUploadedFile("client.p12", tls["p12"], "application/x-pkcs12")
    form = settings_form(certificate=upload, certificate_password=PASSWORD)
    assert client.post(page, form).status_code == 302

    config = workspace.verifactu
    assert (config.issuer_nif, config.endpoint) == ("B98602642", "http://127.0.0.1:8790/verifactu")
    assert config.certificate() == (tls["p12"], PASSWORD)
    assert "B98602642" in config.certificate_subject
    shown = client.get(page).content.decode()
    assert "VERI*FACTU" in shown and "PROVIDE ONE S.L." in shown
    assert PASSWORD not in shown


def test_a_certificate_with_the_wrong_password_is_not_saved(client, owner, workspace, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(owner)
    upload = SimpleUploadedFile("client.p12", certificates(tmp_path)["p12"])
    page = reverse("configuration", args=[workspace.slug])
    response = client.post(page, settings_form(certificate=upload, certificate_password="no"))
    assert response.status_code == 302
    assert not VerifactuConfig.objects.filter(workspace=workspace).exists()
    assert "not saved" in client.get(page).content.decode()


def test_only_owners_change_the_verifactu_configuration(client, teammate, workspace):
    from django.urls import reverse

    client.force_login(teammate)
    page = reverse("configuration", args=[workspace.slug])
    assert client.post(page, settings_form()).status_code == 403
    assert client.get(page).status_code == 200


def test_a_supplier_is_verified_registered_and_waits_for_two_pokes(workspace):
    template = json.loads(
        shared_path(
            "reference/invopop/templates", "es__verifactu-supplier-registration.json"
        ).read_text()
    )
    party = {
        "$schema": "https://gobl.org/draft-0/org/party",
        "name": "Provide One S.L.",
        "tax_id": {"country": "ES", "code": "B98602642"},
    }
    flow = Workflow(workspace=workspace)
    flow.apply_definition(template)
    flow.save()
    flow.publish()
    job = run(create_job(flow, entry=entry(workspace, {"doc": party})), passes=3)
    assert job.status == "QUEUED" and job.silo_entry.state == "processing"
    poke(workspace, job_id=job.id, ref="verifactu.upload")
    job = run(job, passes=3)
    assert job.status == "QUEUED" and job.silo_entry.state == "registered"
    poke(workspace, job_id=job.id, ref="verifactu.approval")
    assert run(job).status == "OK"
    assert Chain.objects.filter(workspace=workspace, issuer_nif="B98602642").exists()


def test_an_invalid_tax_id_fails_the_verification(workspace):
    party = {
        "$schema": "https://gobl.org/draft-0/org/party",
        "name": "Typo S.L.",
        "tax_id": {"country": "ES", "code": "B98602643"},
    }
    job = run(start(workspace, [step("gov-es.lookup.verify")], data={"doc": party}))
    assert job.faults[0]["code"] == "invalid-tax-id"
