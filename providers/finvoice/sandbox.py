"""A Finnish e-invoicing operator simulator for the gov-fi.* actions: the operator's API, as
an accredited operator (Apix, for Invopop) offers it to a partner, on one port
(`python manage.py simulator finvoice`).

- `POST /api/companies` {"business_id", "name", "address"}: a company account for a party
  (the same Business ID again finds the same one); 422 naming the field when the Business ID
  fails its check digit or the name is missing. A new account is `pending` until its
  services are in force (after `activate_after` seconds, or when told) and then `active`,
  with its e-invoice address, the OVT code 0037 + Business ID.
- `GET /api/companies/{id}`: the account and its status.
- `GET /api/addresses/{ovt}`: how the operator network reaches an address: `einvoice`
  (an operator's Finvoice receiver), `peppol`, or what a non-networked receiver gets
  (`paper`, `email`, `e-lasku`, `suoramaksu`, `netposti`). Unknown addresses are printed:
  `paper`.
- `POST /api/invoices` (a Finvoice 3.0 message; headers X-Company-Id and Idempotency-Key):
  checks the account is active and is the message's sender, the message's structure
  (providers/finvoice/document.py `problems`: required elements, forms, arithmetic, check
  digits; no XSD), that the receiver is reachable as an e-invoice; answers 201 {"id",
  "status": "accepted", "channel"} or 4xx {"code", …}. The same Idempotency-Key again gets
  the first answer and sends nothing (an accept is the operator's final word). An invoice
  to one of the simulator's own accounts lands in that account's inbox.
- `GET /api/companies/{id}/inbox` (documents received, kept three months: never deleted by
  reading) and `GET /api/companies/{id}/inbox/{doc}` (the Finvoice XML).

Told what to do through `/sandbox/`: `POST /sandbox/script` a list of answers, one per
invoice: {"reject": "code", "detail": "…"}, {"status": 503, "retry_after": 2},
{"delay": 1.5}, {"lose_answer": true} (accepted, then a 502);
`POST /sandbox/companies/{id}/activate`; `POST /sandbox/inbound` {"receiver": ovt,
"document": xml} (an invoice another operator delivers);
`GET /sandbox/invoices`; `DELETE /sandbox` forgets everything.
"""

import json
import sys
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from providers import simulators

from ..xml_input import NotXML, parse_xml
from . import document

PORT = 8793
OPERATOR = "SIMFIOP"  # the simulated operator's own identifier (its intermediator code)
# Receivers elsewhere in the network, as verkkolaskuosoite.fi would list them: the sample
# customer (a Finvoice receiver), a Peppol one, and receivers that are no e-invoice.
NETWORK = {
    "003711223349": ("einvoice", "003721291126"),
    "003701234561": ("peppol", "PEPPOL"),
    "003709876545": ("email", ""),
    "FI4950009420028730": ("e-lasku", "OKOYFIHH"),
}
EINVOICE = ("einvoice", "peppol")


class Operator:
    """The operator's state, shared by the handler threads."""

    def __init__(self, activate_after: float | None = None):
        self.activate_after = activate_after
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.companies: dict[str, dict] = {}
            self.invoices: list[dict] = []
            self.answers: dict[str, tuple[int, dict]] = {}  # by Idempotency-Key
            self.inboxes: dict[str, list[dict]] = {}
            self.script: deque = deque()

    def company(self, company_id: str) -> dict | None:
        found = self.companies.get(company_id)
        due = self.activate_after is not None and found is not None
        if due and time.monotonic() - found["_since"] >= self.activate_after:
            found["status"] = "active"
        return found

    def by_address(self, ovt: str) -> dict | None:
        return next((c for c in self.companies.values() if c["address"] == ovt), None)

    def channel(self, ovt: str) -> tuple[str, str]:
        found = self.by_address(ovt)
        if found is not None and found["status"] == "active":
            return "einvoice", OPERATOR
        return NETWORK.get(ovt, ("paper", ""))

    def receive(self, company: dict, sender: str, xml: bytes, message_id: str) -> dict:
        received = {
            "id": uuid.uuid4().hex[:16],
            "message_id": message_id,
            "sender": sender,
            "received_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "_xml": xml,
        }
        self.inboxes.setdefault(company["id"], []).append(received)
        return received


class Handler(BaseHTTPRequestHandler):
    server: "Server"

    @property
    def operator(self) -> Operator:
        return self.server.operator

    def do_GET(self):
        path = self._path()
        if path == "/":
            return self._send(200, b"Finvoice operator simulator", "text/plain")
        if path == "/sandbox/invoices":
            return self._json(200, [_public(i) for i in self.operator.invoices])
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "companies"] and len(parts) == 3:
            found = self.operator.company(parts[2])
            return self._json(200, _public(found)) if found else self._missing("company")
        if parts[:2] == ["api", "companies"] and len(parts) >= 4 and parts[3] == "inbox":
            return self._inbox(parts[2], parts[4] if len(parts) == 5 else "")
        if parts[:2] == ["api", "addresses"] and len(parts) == 3:
            channel, operator = self.operator.channel(unquote(parts[2]))
            return self._json(200, {"address": parts[2], "channel": channel, "operator": operator})
        return self._missing("resource")

    def do_POST(self):
        path = self._path()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = path.strip("/").split("/")
        if path == "/api/companies":
            return self._register(_loads(body))
        if path == "/api/invoices":
            return self._invoice(body)
        if path == "/sandbox/script":
            self.operator.script.extend(_loads(body) or [])
            return self._json(200, {"queued": len(self.operator.script)})
        if parts[:2] == ["sandbox", "companies"] and parts[-1] == "activate":
            found = self.operator.companies.get(parts[2])
            if found is None:
                return self._missing("company")
            found["status"] = "active"
            return self._json(200, _public(found))
        if path == "/sandbox/inbound":
            return self._inbound(_loads(body) or {})
        return self._missing("resource")

    def do_DELETE(self):
        if self._path() == "/sandbox":
            self.operator.reset()
            return self._json(200, {})
        return self._missing("resource")

    # --- Companies

    def _register(self, data):
        if not isinstance(data, dict):
            return self._json(400, {"code": "invalid-json", "message": "a JSON object"})
        errors = {}
        business_id = str(data.get("business_id") or "")
        if not document.valid_business_id(business_id):
            errors["/business_id"] = f"{business_id!r} is no valid Business ID (check digit)"
        if not str(data.get("name") or "").strip():
            errors["/name"] = "required"
        if errors:
            return self._json(422, {"code": "invalid-company", "errors": errors})
        digits = business_id.replace("-", "")
        with self.operator.lock:
            found = next(
                (c for c in self.operator.companies.values() if c["business_id"] == digits), None
            )
            if found is not None:
                return self._json(200, _public(self.operator.company(found["id"])))
            company = {
                "id": uuid.uuid4().hex[:12],
                "business_id": digits,
                "name": data["name"],
                "address": f"0037{digits}",
                "operator": OPERATOR,
                "status": "active" if self.operator.activate_after == 0 else "pending",
                "_since": time.monotonic(),
            }
            self.operator.companies[company["id"]] = company
        return self._json(201, _public(company))

    def _inbox(self, company_id: str, doc_id: str):
        if self.operator.company(company_id) is None:
            return self._missing("company")
        received = self.operator.inboxes.get(company_id, [])
        if not doc_id:
            return self._json(200, [_public(r) for r in received])
        found = next((r for r in received if r["id"] == doc_id), None)
        if found is None:
            return self._missing("document")
        return self._send(200, found["_xml"], "application/xml")

    # --- Invoices

    def _invoice(self, body: bytes):
        key = self.headers.get("Idempotency-Key") or ""
        with self.operator.lock:
            if key and key in self.operator.answers:
                status, answer = self.operator.answers[key]
                return self._json(200 if status == 201 else status, answer)
        script = self.operator.script.popleft() if self.operator.script else {}
        if script.get("delay"):
            time.sleep(float(script["delay"]))
        if script.get("status"):
            headers = {"Retry-After": str(script.get("retry_after", 1))}
            return self._json(script["status"], {"code": "unavailable"}, headers)
        status, answer = self._judge(body, script)
        if key and status in (201, 422):
            self.operator.answers[key] = (status, answer)
        if script.get("lose_answer"):  # accepted, but the answer never reaches the sender
            return self._json(502, {"code": "bad-gateway"})
        return self._json(status, answer)

    def _judge(self, body: bytes, script: dict) -> tuple[int, dict]:
        company = self.operator.company(self.headers.get("X-Company-Id") or "")
        if company is None:
            return 403, {"code": "unknown-company", "message": "no such company account"}
        if company["status"] != "active":
            return 403, {"code": "company-not-active", "message": "services not in force yet"}
        try:
            root = parse_xml(body)
        except NotXML as exc:
            return 400, {"code": "invalid-xml", "message": str(exc)}
        problems = document.problems(root)
        if problems:
            return 422, {"code": "invalid-finvoice", "errors": problems}
        sender = root.findtext("MessageTransmissionDetails/MessageSenderDetails/FromIdentifier")
        if sender != company["address"]:
            return 422, {
                "code": "sender-mismatch",
                "message": f"FromIdentifier {sender} is not the account's {company['address']}",
            }
        if script.get("reject"):
            return 422, {"code": script["reject"], "message": script.get("detail", "")}
        receiver = root.findtext("MessageTransmissionDetails/MessageReceiverDetails/ToIdentifier")
        channel, _ = self.operator.channel(receiver)
        if channel not in EINVOICE:
            return 422, {"code": "receiver-not-einvoice", "channel": channel}
        return 201, self._accept(company, root, body, sender, receiver, channel)

    def _accept(self, company, root, body, sender, receiver, channel) -> dict:
        message_id = root.findtext("MessageTransmissionDetails/MessageDetails/MessageIdentifier")
        accepted = {
            "id": uuid.uuid4().hex[:16],
            "status": "accepted",
            "channel": "finvoice" if channel == "einvoice" else channel,
            "message_id": message_id,
        }
        with self.operator.lock:
            self.operator.invoices.append(
                {**accepted, "company": company["id"], "receiver": receiver, "_xml": body}
            )
            ours = self.operator.by_address(receiver)
            if ours is not None:
                self.operator.receive(ours, sender, body, message_id)
        return accepted

    def _inbound(self, data: dict):
        company = self.operator.by_address(str(data.get("receiver") or ""))
        if company is None:
            return self._missing("receiver")
        xml = str(data.get("document") or "").encode()
        try:
            problems = document.problems(parse_xml(xml))
        except NotXML as exc:
            problems = [str(exc)]
        if problems:
            return self._json(422, {"code": "invalid-finvoice", "errors": problems})
        root = parse_xml(xml)
        sender = root.findtext("MessageTransmissionDetails/MessageSenderDetails/FromIdentifier")
        message_id = root.findtext("MessageTransmissionDetails/MessageDetails/MessageIdentifier")
        with self.operator.lock:
            received = self.operator.receive(company, sender, xml, message_id)
        return self._json(201, _public(received))

    # --- Plumbing

    def _path(self) -> str:
        return urlsplit(self.path).path.rstrip("/") or "/"

    def _missing(self, what: str):
        return self._json(404, {"code": "not-found", "message": f"no such {what}"})

    def _json(self, status: int, data, headers=None):
        self._send(status, json.dumps(data).encode(), "application/json", headers)

    def _send(self, status: int, payload: bytes, content_type: str, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        if self.server.verbose:
            sys.stderr.write("finvoice: " + format % args + "\n")


def _public(data: dict) -> dict:
    return {k: v for k, v in data.items() if not k.startswith("_")}


def _loads(body: bytes):
    try:
        return json.loads(body or b"null")
    except ValueError:
        return None


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, verbose=False, activate_after=None):
        super().__init__(address, Handler)
        self.operator = Operator(activate_after)
        self.verbose = verbose


def make_server(
    port: int, host: str = "127.0.0.1", verbose: bool = False, activate_after: float | None = None
) -> Server:
    """The simulator, bound (port 0: any free one), not yet serving. `activate_after`: seconds
    until a new account's services are in force (None: only when told; 0: at once)."""
    return Server((host, port), verbose=verbose, activate_after=activate_after)


def serve(port: int) -> None:
    # A few seconds of activation, so that the register workflow is seen waiting (QUEUED).
    server = make_server(port, activate_after=5)
    try:
        server.serve_forever()
    finally:
        server.server_close()


simulators.register(
    simulators.Simulator(
        key="finvoice",
        name="Finvoice operator simulator",
        port=PORT,
        endpoint=lambda port: f"http://127.0.0.1:{port}",
        health=lambda port: f"http://127.0.0.1:{port}/",
        setting="FINVOICE_URL",
        serve=serve,
    )
)
