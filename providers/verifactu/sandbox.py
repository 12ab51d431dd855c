"""A local stand-in for the AEAT's VERI*FACTU test service, so that the demo and the tests
work offline: `python manage.py agency_sandbox --port 8790`.

It takes the same SOAP submissions and answers as the AEAT does, with its own checks:

- a submission without a mandatory field is refused whole: a SOAP Fault, Codigo[4102];
- IDEmisorFactura other than the header's NIF: Incorrecto, 1108;
- an issuer NIF whose check character is wrong (our stand-in for "not in the census"): 1109;
- a record already registered: Incorrecto, 3000, with the earlier one under RegistroDuplicado;
- cancelling an unknown record: 3002; cancelling it twice: 3001;
- a fingerprint that does not match the record: AceptadoConErrores, 2000;
- a recipient NIF whose check character is wrong: AceptadoConErrores, 2001;
- every answer carries TiempoEsperaEnvio (--wait, 60 s like the AEAT by default).

Scripted answers for tests and demos go to POST /sandbox/script, a JSON list taken one per
submission, in order: {"status": 503}, {"delay": 5}, {"reject": "1109"},
{"accept_with_errors": "2001"}, {"fault": "4102"}, {"wait": 30}; keys may be combined
(a delay with a rejection). GET /sandbox/records lists what was registered.
"""

import json
import secrets
import ssl
import string
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lxml import etree

from providers import simulators

from .records import SPAIN, alta_fingerprint, anulacion_fingerprint, valid_nif
from .xml import RESPONSE, SOAP, SUM, SUM1, safe_parser, to_bytes

DEFAULT_WAIT = 60  # seconds: what the AEAT asks for between submissions
SOAP_PATH = "/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"  # as the AEAT's endpoint
MESSAGES = {
    "1108": "El NIF del IDEmisorFactura debe ser el mismo que el NIF del ObligadoEmision.",
    "1109": "El NIF no está identificado en el censo de la AEAT.",
    "2000": "El cálculo de la huella suministrada es incorrecta.",
    "2001": "El NIF del bloque Destinatarios no está identificado en el censo de la AEAT.",
    "3000": "Registro de facturación duplicado.",
    "3001": "El registro de facturación ya ha sido dado de baja.",
    "3002": "No existe el registro de facturación.",
    "4102": "El XML no cumple el esquema. Falta informar campo obligatorio.",
    "4104": "Error en la cabecera: el valor del campo NIF del bloque ObligadoEmision no está "
    "identificado.",
}
ALTA_FIELDS = [
    "IDVersion",
    "IDFactura/IDEmisorFactura",
    "IDFactura/NumSerieFactura",
    "IDFactura/FechaExpedicionFactura",
    "NombreRazonEmisor",
    "TipoFactura",
    "DescripcionOperacion",
    "Desglose/DetalleDesglose/BaseImponibleOimporteNoSujeto",
    "CuotaTotal",
    "ImporteTotal",
    "Encadenamiento",
    "SistemaInformatico/NIF",
    "SistemaInformatico/NombreSistemaInformatico",
    "SistemaInformatico/IdSistemaInformatico",
    "SistemaInformatico/Version",
    "SistemaInformatico/NumeroInstalacion",
    "FechaHoraHusoGenRegistro",
    "TipoHuella",
    "Huella",
]
ANULACION_FIELDS = [
    "IDVersion",
    "IDFactura/IDEmisorFacturaAnulada",
    "IDFactura/NumSerieFacturaAnulada",
    "IDFactura/FechaExpedicionFacturaAnulada",
    "Encadenamiento",
    "SistemaInformatico/NIF",
    "FechaHoraHusoGenRegistro",
    "TipoHuella",
    "Huella",
]


class Refused(Exception):
    """The whole submission is refused: a SOAP Fault."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"Codigo[{code}].{MESSAGES.get(code, '')}{detail}")
        self.code = code


@dataclass
class Verdict:
    state: str  # EstadoRegistro
    code: str = ""
    duplicate: dict | None = None


@dataclass
class Sandbox:
    """The simulator's memory: what was registered, and the scripted answers to come."""

    wait: int = DEFAULT_WAIT
    delay: float = 0.0
    records: dict = field(default_factory=dict)  # (nif, num_serie, date) -> registration
    script: deque = field(default_factory=deque)
    submissions: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_script(self) -> dict:
        with self.lock:
            self.submissions += 1
            return self.script.popleft() if self.script else {}

    def answer(self, body: bytes, script: dict) -> tuple[int, bytes]:
        """(HTTP status, SOAP answer) for a submission."""
        try:
            if script.get("fault"):
                raise Refused(str(script["fault"]))
            root = _submission(body)
            with self.lock:
                return 200, self._registered(root, script)
        except Refused as exc:
            return 500, fault(str(exc))

    def _registered(self, root, script: dict) -> bytes:
        header_nif = _text(root, "Cabecera/ObligadoEmision/NIF", SUM)
        lines = []
        for record in root.iterfind(f"{{{SUM}}}RegistroFactura/*"):
            alta = etree.QName(record).localname == "RegistroAlta"
            _check_fields(record, ALTA_FIELDS if alta else ANULACION_FIELDS)
            lines.append((record, alta, self._verdict(record, alta, header_nif, script)))
        return response(root, lines, script.get("wait", self.wait))

    def _verdict(self, record, alta: bool, header_nif: str, script: dict) -> Verdict:
        scripted = _scripted(script)
        if scripted is not None and scripted.state == "Incorrecto":
            return scripted  # refused as asked, and so not registered
        verdict = self._judge(record, alta, header_nif)
        if scripted is not None and verdict.state == "Correcto":
            return scripted  # registered, with the error asked for
        return verdict

    def _judge(self, record, alta: bool, header_nif: str) -> Verdict:
        suffix = "" if alta else "Anulada"
        nif = _text(record, f"IDFactura/IDEmisorFactura{suffix}")
        key = (
            nif,
            _text(record, f"IDFactura/NumSerieFactura{suffix}"),
            _text(record, f"IDFactura/FechaExpedicionFactura{suffix}"),
        )
        if nif != header_nif:
            return Verdict("Incorrecto", "1108")
        if not valid_nif(nif):
            return Verdict("Incorrecto", "1109")
        earlier = self.records.get(key)
        if alta and earlier is not None:
            return Verdict("Incorrecto", "3000", duplicate=earlier)
        if not alta and earlier is None:
            return Verdict("Incorrecto", "3002")
        if not alta and earlier["state"] == "Anulada":
            return Verdict("Incorrecto", "3001")
        verdict = _warned(record, alta)
        if alta:
            self.records[key] = {"state": "Correcta", "request": str(self.submissions)}
        else:
            earlier["state"] = "Anulada"
        return verdict

    def listing(self) -> list[dict]:
        with self.lock:
            return [
                {"nif": nif, "num_serie": num, "date": date, **found}
                for (nif, num, date), found in self.records.items()
            ]


def _scripted(script: dict) -> Verdict | None:
    if script.get("reject"):
        return Verdict("Incorrecto", str(script["reject"]))
    if script.get("accept_with_errors"):
        return Verdict("AceptadoConErrores", str(script["accept_with_errors"]))
    return None


def _warned(record, alta: bool) -> Verdict:
    """Admissible errors: the record is registered, with the error reported."""
    if _text(record, "Huella") != expected_fingerprint(record, alta):
        return Verdict("AceptadoConErrores", "2000")
    recipient = _text(record, "Destinatarios/IDDestinatario/NIF")
    if alta and recipient and not valid_nif(recipient):
        return Verdict("AceptadoConErrores", "2001")
    return Verdict("Correcto")


def expected_fingerprint(record, alta: bool) -> str:
    previous = _text(record, "Encadenamiento/RegistroAnterior/Huella")
    generated_at = _text(record, "FechaHoraHusoGenRegistro")
    if not alta:
        return anulacion_fingerprint(
            issuer=_text(record, "IDFactura/IDEmisorFacturaAnulada"),
            num_serie=_text(record, "IDFactura/NumSerieFacturaAnulada"),
            issue_date=_text(record, "IDFactura/FechaExpedicionFacturaAnulada"),
            previous=previous,
            generated_at=generated_at,
        )
    return alta_fingerprint(
        issuer=_text(record, "IDFactura/IDEmisorFactura"),
        num_serie=_text(record, "IDFactura/NumSerieFactura"),
        issue_date=_text(record, "IDFactura/FechaExpedicionFactura"),
        type=_text(record, "TipoFactura"),
        tax_total=_text(record, "CuotaTotal"),
        total=_text(record, "ImporteTotal"),
        previous=previous,
        generated_at=generated_at,
    )


# --- Reading and writing the XML


def _submission(body: bytes):
    try:
        root = etree.fromstring(body, parser=safe_parser())
    except etree.XMLSyntaxError:
        raise Refused("4102", " XML mal formado.") from None
    found = root.find(f"{{{SOAP}}}Body/{{{SUM}}}RegFactuSistemaFacturacion")
    if found is None:
        raise Refused("4102", " RegFactuSistemaFacturacion")
    if not _text(found, "Cabecera/ObligadoEmision/NIF", SUM):
        raise Refused("4102", " ObligadoEmision")
    return found


def _check_fields(record, names: list[str]) -> None:
    for name in names:
        if record.find(_path(name)) is None:
            raise Refused("4102", f" {name.split('/')[-1]}")


def _path(name: str, first=SUM1) -> str:
    parts = name.split("/")
    return "/".join([f"{{{first}}}{parts[0]}", *(f"{{{SUM1}}}{p}" for p in parts[1:])])


def _text(node, name: str, first=SUM1) -> str:
    return (node.findtext(_path(name, first)) or "").strip()


def response(root, lines: list, wait: int) -> bytes:
    states = {verdict.state for _, _, verdict in lines}
    if states == {"Correcto"}:
        overall = "Correcto"
    elif states == {"Incorrecto"}:
        overall = "Incorrecto"
    else:
        overall = "ParcialmenteCorrecto"
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"env": SOAP})
    etree.SubElement(envelope, f"{{{SOAP}}}Header")
    body = etree.SubElement(envelope, f"{{{SOAP}}}Body", Id="Body")
    answer = _r(body, "RespuestaRegFactuSistemaFacturacion", nsmap={"tikR": RESPONSE, "tik": SUM1})
    if overall != "Incorrecto":
        _r(answer, "CSV", "A-" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(14)))
    header_nif = _text(root, "Cabecera/ObligadoEmision/NIF", SUM)
    presented = _r(answer, "DatosPresentacion")
    _t(presented, "NIFPresentador", header_nif)
    _t(presented, "TimestampPresentacion", datetime.now(SPAIN).isoformat(timespec="seconds"))
    obligado = _t(_r(answer, "Cabecera"), "ObligadoEmision")
    _t(obligado, "NombreRazon", _text(root, "Cabecera/ObligadoEmision/NombreRazon", SUM))
    _t(obligado, "NIF", header_nif)
    _r(answer, "TiempoEsperaEnvio", str(wait))
    _r(answer, "EstadoEnvio", overall)
    for record, alta, verdict in lines:
        _line(answer, record, alta, verdict)
    return to_bytes(envelope)


def _line(answer, record, alta: bool, verdict: Verdict) -> None:
    suffix = "" if alta else "Anulada"
    line = _r(answer, "RespuestaLinea")
    id_factura = _r(line, "IDFactura")
    for name in ("IDEmisorFactura", "NumSerieFactura", "FechaExpedicionFactura"):
        _t(id_factura, name, _text(record, f"IDFactura/{name}{suffix}"))
    _t(_r(line, "Operacion"), "TipoOperacion", "Alta" if alta else "Anulacion")
    _r(line, "EstadoRegistro", verdict.state)
    if verdict.code:
        _r(line, "CodigoErrorRegistro", verdict.code)
        _r(line, "DescripcionErrorRegistro", MESSAGES.get(verdict.code, "Error."))
    if verdict.duplicate:
        duplicate = _r(line, "RegistroDuplicado")
        _t(duplicate, "IdPeticionRegistroDuplicado", verdict.duplicate["request"])
        _t(duplicate, "EstadoRegistroDuplicado", verdict.duplicate["state"])


def _r(parent, name, text=None, **options):
    node = etree.SubElement(parent, f"{{{RESPONSE}}}{name}", **options)
    if text is not None:
        node.text = text
    return node


def _t(parent, name, text=None):
    node = etree.SubElement(parent, f"{{{SUM1}}}{name}")
    if text is not None:
        node.text = text
    return node


def fault(message: str) -> bytes:
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"env": SOAP})
    body = etree.SubElement(envelope, f"{{{SOAP}}}Body")
    found = etree.SubElement(body, f"{{{SOAP}}}Fault")
    etree.SubElement(found, "faultcode").text = "env:Client"
    etree.SubElement(found, "faultstring").text = message
    return to_bytes(envelope)


# --- The HTTP server


class Handler(BaseHTTPRequestHandler):
    server_version = "AgencySandbox/1"
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path.rstrip("/") == "/sandbox/records":
            return self._send(200, json.dumps(self.server.sandbox.listing()).encode(), "json")
        return self._send(200, b"VERI*FACTU sandbox: POST SOAP submissions here.\n", "plain")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        sandbox = self.server.sandbox
        if self.path.rstrip("/") == "/sandbox/script":
            return self._script(body)
        script = sandbox.next_script()
        time.sleep(float(script.get("delay", sandbox.delay)))
        if script.get("status"):
            return self._send(int(script["status"]), b"Service Unavailable\n", "plain")
        status, answer = sandbox.answer(body, script)
        self._send(status, answer, "xml")

    def do_DELETE(self):
        with self.server.sandbox.lock:
            self.server.sandbox.script.clear()
        self._send(204, b"", "plain")

    def _script(self, body: bytes):
        try:
            steps = json.loads(body or b"[]")
            assert isinstance(steps, list) and all(isinstance(s, dict) for s in steps)
        except (ValueError, AssertionError):
            return self._send(400, b"a JSON list of objects\n", "plain")
        with self.server.sandbox.lock:
            self.server.sandbox.script.extend(steps)
        self._send(200, json.dumps({"queued": len(self.server.sandbox.script)}).encode(), "json")

    def _send(self, status: int, body: bytes, kind: str):
        types = {"xml": "text/xml; charset=utf-8", "json": "application/json"}
        self.send_response(status)
        self.send_header("Content-Type", types.get(kind, "text/plain; charset=utf-8"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        if self.server.verbose:
            sys.stderr.write(f"sandbox: {format % args}\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, sandbox: Sandbox, verbose=False):
        super().__init__(address, Handler)
        self.sandbox = sandbox
        self.verbose = verbose


def make_server(
    port: int,
    host="127.0.0.1",
    *,
    wait=DEFAULT_WAIT,
    delay=0.0,
    certfile=None,
    keyfile=None,
    client_ca=None,
    verbose=False,
) -> Server:
    """The simulator, bound (port 0: any free port); HTTPS with a certificate, and asking
    for client certificates signed by `client_ca` (mutual TLS, as the AEAT does)."""
    server = Server((host, port), Sandbox(wait=wait, delay=delay), verbose=verbose)
    if certfile:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile, keyfile)
        if client_ca:
            context.load_verify_locations(client_ca)
            context.verify_mode = ssl.CERT_REQUIRED
        server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


def start_sandbox(port: int, wait: int = 5) -> subprocess.Popen:
    """The simulator as a child process of `make run` (its own process group, as the
    others). A short flow-control wait: the demo shows it without making anyone wait long."""
    from django.conf import settings

    command = [
        sys.executable,
        "manage.py",
        "agency_sandbox",
        "--port",
        str(port),
        "--wait",
        str(wait),
    ]
    return subprocess.Popen(command, cwd=settings.BASE_DIR, start_new_session=True)


def _health(port: int) -> str:
    return f"http://127.0.0.1:{port}/"


def _endpoint(port: int) -> str:
    return f"http://127.0.0.1:{port}{SOAP_PATH}"


simulators.register(
    simulators.Simulator(
        key="verifactu",
        name="VERI*FACTU agency sandbox",
        port=8790,
        endpoint=_endpoint,
        health=_health,
        start=start_sandbox,
    )
)
