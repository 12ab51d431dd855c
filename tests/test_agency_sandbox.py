"""`manage.py agency_sandbox`: the local VERI*FACTU test service answers as the AEAT's does."""

import socket
import time

import pytest
import requests
from verifactu_helpers import fixture, invoice, script

from providers.verifactu import records, xml
from providers.verifactu.records import alta_fingerprint, invoice_of, valid_nif
from providers.verifactu.sandbox import start_sandbox

HEADER = xml.Header("B98602642", "Provide One S.L.", "test")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def agency():
    """The command itself, as `make run` starts it: a child process on a free port."""
    port = free_port()
    process = start_sandbox(port, wait=42)
    url = f"http://127.0.0.1:{port}/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            break
        except requests.ConnectionError:
            assert process.poll() is None, "the sandbox stopped"
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


def alta(code: str, *, previous: xml.Previous | None = None, fingerprint=None, **doc) -> bytes:
    found = invoice_of(invoice(code=code, **doc)["doc"])
    at = records.generated_now()
    right = alta_fingerprint(
        issuer=found.issuer_nif,
        num_serie=found.num_serie,
        issue_date=found.issue_date,
        type=found.type,
        tax_total=found.tax_total,
        total=found.total,
        previous=previous.fingerprint if previous else "",
        generated_at=at,
    )
    record = xml.registro_alta(found, HEADER, previous, at, fingerprint or right)
    return xml.soap(xml.to_bytes(xml.submission(HEADER, record)))


def anulacion(code: str) -> bytes:
    at = records.generated_now()
    issue_date = "15-01-2026"
    print_ = records.anulacion_fingerprint(
        issuer="B98602642", num_serie=code, issue_date=issue_date, previous="", generated_at=at
    )
    record = xml.registro_anulacion("B98602642", code, issue_date, HEADER, None, at, print_)
    return xml.soap(xml.to_bytes(xml.submission(HEADER, record)))


def submit(url: str, body: bytes) -> tuple[int, xml.Answer]:
    response = requests.post(url, data=body, headers={"Content-Type": "text/xml"}, timeout=30)
    return response.status_code, xml.parse_answer(response.content)


def line(answer: xml.Answer) -> tuple[str, str]:
    return answer.lines[0].state, answer.lines[0].code


def test_a_correct_record_is_accepted_with_a_receipt_and_the_wait_time(agency):
    status, answer = submit(agency, alta("S-1"))
    assert status == 200
    assert (answer.state, line(answer)) == ("Correcto", ("Correcto", ""))
    assert answer.csv.startswith("A-") and answer.wait == 42


def test_the_same_record_twice_is_a_duplicate_3000(agency):
    submit(agency, alta("S-2"))
    _, answer = submit(agency, alta("S-2"))
    assert (answer.state, line(answer)) == ("Incorrecto", ("Incorrecto", "3000"))
    assert answer.lines[0].duplicate_state == "Correcta"


def test_a_wrong_fingerprint_is_accepted_with_error_2000(agency):
    _, answer = submit(agency, alta("S-3", fingerprint="0" * 64))
    assert (answer.state, line(answer)) == ("ParcialmenteCorrecto", ("AceptadoConErrores", "2000"))


def test_an_issuer_other_than_the_headers_is_rejected_with_1108(agency):
    supplier = {"name": "Other S.A.", "tax_id": {"country": "ES", "code": "A28017895"}}
    _, answer = submit(agency, alta("S-4", supplier=supplier))
    assert line(answer) == ("Incorrecto", "1108")


def test_a_missing_mandatory_field_refuses_the_whole_submission_with_4102(agency):
    body = (
        alta("S-5")
        .replace(b"<sum1:Huella>", b"<sum1:Other>")
        .replace(b"</sum1:Huella>", b"</sum1:Other>")
    )
    status, answer = submit(agency, body)
    assert status == 500
    assert answer.fault_code == "4102" and "Huella" in answer.fault


def test_cancellations_of_unknown_and_already_cancelled_records_are_refused(agency):
    assert line(submit(agency, anulacion("S-404"))[1]) == ("Incorrecto", "3002")
    submit(agency, alta("S-6"))
    assert line(submit(agency, anulacion("S-6"))[1]) == ("Correcto", "")
    assert line(submit(agency, anulacion("S-6"))[1]) == ("Incorrecto", "3001")
    listed = requests.get(agency.split("/wlpl/")[0] + "/sandbox/records", timeout=5).json()
    assert {"nif": "B98602642", "num_serie": "S-6", "date": "15-01-2026"}.items() <= next(
        found for found in listed if found["num_serie"] == "S-6"
    ).items()


def test_scripted_answers_come_one_per_submission_in_order(agency):
    script(
        agency,
        {"status": 503},
        {"reject": "4104"},
        {"accept_with_errors": "2001", "wait": 5},
        {"fault": "4102"},
    )
    response = requests.post(agency, data=alta("S-7"), timeout=10)
    assert response.status_code == 503
    assert line(submit(agency, alta("S-7"))[1]) == ("Incorrecto", "4104")
    _, answer = submit(agency, alta("S-7"))
    assert (line(answer), answer.wait) == (("AceptadoConErrores", "2001"), 5)
    assert submit(agency, alta("S-8"))[1].fault_code == "4102"
    assert line(submit(agency, alta("S-8"))[1]) == ("Correcto", "")


def test_a_slow_answer_takes_its_time(agency):
    script(agency, {"delay": 1.5})
    started = time.monotonic()
    assert line(submit(agency, alta("S-9"))[1]) == ("Correcto", "")
    assert time.monotonic() - started >= 1.5


def test_the_script_takes_only_a_json_list(agency):
    base = agency.split("/wlpl/")[0]
    assert requests.post(f"{base}/sandbox/script", data=b"{}", timeout=5).status_code == 400


def test_the_aeat_fixture_answers_read_like_the_sandboxs(agency):
    ours = submit(agency, alta("S-10"))[1]
    theirs = xml.parse_answer(fixture("response-accepted.xml"))
    assert (ours.state, ours.lines[0].state) == (theirs.state, theirs.lines[0].state)


@pytest.mark.parametrize(
    "nif, valid",
    [
        ("89890001K", True),  # the AEAT's test NIF
        ("B98602642", True),
        ("12345678Z", True),
        ("X1234567L", True),
        ("12345678A", False),
        ("B98602643", False),
        ("", False),
    ],
)
def test_nif_check_characters(nif, valid):
    assert valid_nif(nif) is valid
