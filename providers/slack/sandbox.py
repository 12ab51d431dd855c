"""A Slack Web API simulator for `slack.send`: `POST /api/chat.postMessage` as Slack answers it.

What it checks, as Slack does: a bot token (`Authorization: Bearer xoxb-…`, or `token` in a
form body), a JSON (`application/json; charset=utf-8`) or form-encoded body, a `channel` the
bot is a member of (by name, `#name`, or id), and a `text` (or `blocks`) of at most 40,000
characters. It answers HTTP 200 with `{"ok": true, "channel", "ts", "message"}` or `{"ok":
false, "error": "<Slack's code>"}` (invalid_auth, not_authed, channel_not_found, not_in_channel,
is_archived, no_text, msg_too_long, invalid_json), and HTTP 429 with Retry-After when told to
rate-limit.

Told what to do next by `POST /sandbox/script` with a list of answers, each taken by one
request: `{"error": "channel_not_found"}`, `{"status": 429, "retry_after": 3}` (ratelimited),
`{"status": 500}`, `{"delay": 2.5}` (then answers as usual). `GET /sandbox/messages` lists
what was posted; `DELETE /sandbox/messages` forgets it.
"""

import json
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from providers import simulators

PORT = 8791
API_PATH = "/api"
MAX_TEXT = 40_000  # Slack truncates past 40,000 characters; msg_too_long beyond 4,000 blocks
# The workspace the simulator plays: the bot is in #general and #invoices; #random exists
# without it; #old-news is archived.
CHANNELS = {
    "C0000000001": {"name": "general", "member": True, "archived": False},
    "C0000000002": {"name": "invoices", "member": True, "archived": False},
    "C0000000003": {"name": "random", "member": False, "archived": False},
    "C0000000004": {"name": "old-news", "member": True, "archived": True},
}
REVOKED_TOKEN = "xoxb-revoked"


class Workspace:
    """The Slack workspace's state: channels, posted messages and the scripted answers."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[dict] = []
        self.script: deque[dict] = deque()
        self.clock = 1_700_000_000

    def next_script(self) -> dict:
        with self.lock:
            return self.script.popleft() if self.script else {}

    def post(self, token: str, fields: dict) -> dict:
        """chat.postMessage's answer for a request with a well-formed body."""
        if not token:
            return {"ok": False, "error": "not_authed"}
        if not token.startswith("xoxb-") or token == REVOKED_TOKEN:
            return {"ok": False, "error": "invalid_auth"}
        channel_id = self._channel_id(str(fields.get("channel") or ""))
        if channel_id is None:
            return {"ok": False, "error": "channel_not_found"}
        channel = CHANNELS[channel_id]
        if channel["archived"]:
            return {"ok": False, "error": "is_archived"}
        if not channel["member"]:
            return {"ok": False, "error": "not_in_channel"}
        text = fields.get("text")
        if not isinstance(text, str) or not text.strip():
            if not fields.get("blocks"):
                return {"ok": False, "error": "no_text"}
            text = ""
        if len(text) > MAX_TEXT:
            return {"ok": False, "error": "msg_too_long"}
        with self.lock:
            self.clock += 1
            ts = f"{self.clock}.{len(self.messages):06d}"
            message = {"type": "message", "text": text, "ts": ts, "bot_id": "B0000000001"}
            self.messages.append({**message, "channel": channel_id, "token": token})
        return {"ok": True, "channel": channel_id, "ts": ts, "message": message}

    def _channel_id(self, named: str) -> str | None:
        if named in CHANNELS:
            return named
        name = named.removeprefix("#")
        return next((i for i, c in CHANNELS.items() if c["name"] == name), None)


def read_body(content_type: str, body: bytes) -> tuple[dict | None, str]:
    """(fields, token from the body) of a JSON or form-encoded request; None when malformed."""
    if content_type.startswith("application/json"):
        try:
            fields = json.loads(body or b"{}")
        except ValueError:
            return None, ""
        return (fields, "") if isinstance(fields, dict) else (None, "")
    form = {key: values[-1] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}
    return form, form.pop("token", "")


class Handler(BaseHTTPRequestHandler):
    server_version = "SlackSimulator/1"
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path.rstrip("/") == "/sandbox/messages":
            with self.server.workspace.lock:
                return self._json(200, list(self.server.workspace.messages))
        return self._json(200, {"ok": True, "simulator": "Slack Web API"})

    def do_DELETE(self):
        with self.server.workspace.lock:
            self.server.workspace.messages.clear()
            self.server.workspace.script.clear()
        self._json(200, {"ok": True})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/") == "/sandbox/script":
            return self._script(body)
        if self.path.split("?")[0] != f"{API_PATH}/chat.postMessage":
            return self._json(404, {"ok": False, "error": "unknown_method"})
        self._post_message(body)

    def _post_message(self, body: bytes):
        workspace = self.server.workspace
        script = workspace.next_script()
        time.sleep(float(script.get("delay", 0)))
        if script.get("status") == 429:
            return self._json(
                429,
                {"ok": False, "error": "ratelimited"},
                {"Retry-After": str(script.get("retry_after", 1))},
            )
        if script.get("status"):
            return self._json(int(script["status"]), {"ok": False, "error": "internal_error"})
        if script.get("error"):
            return self._json(200, {"ok": False, "error": script["error"]})
        fields, token = read_body(self.headers.get("Content-Type", ""), body)
        if fields is None:
            return self._json(200, {"ok": False, "error": "invalid_json"})
        bearer = self.headers.get("Authorization", "")
        token = bearer.removeprefix("Bearer ").strip() if bearer.startswith("Bearer ") else token
        self._json(200, workspace.post(token, fields))

    def _script(self, body: bytes):
        answers = json.loads(body or b"[]")
        with self.server.workspace.lock:
            self.server.workspace.script.extend(answers)
        self._json(200, {"ok": True, "queued": len(answers)})

    def _json(self, status: int, data, headers: dict | None = None):
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        if self.server.verbose:
            sys.stderr.write(f"slack simulator: {format % args}\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, verbose=False):
        super().__init__(address, Handler)
        self.workspace = Workspace()
        self.verbose = verbose


def make_server(port: int, host: str = "127.0.0.1", verbose: bool = False) -> Server:
    """The simulator, bound (port 0: any free one), not yet serving."""
    return Server((host, port), verbose=verbose)


def serve(port: int) -> None:
    server = make_server(port)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def api_url(port: int, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{port}{API_PATH}"


simulators.register(
    simulators.Simulator(
        key="slack",
        name="Slack Web API simulator",
        port=PORT,
        endpoint=api_url,
        health=lambda port: f"http://127.0.0.1:{port}/",
        setting="SLACK_API_URL",
        serve=serve,
    )
)
