"""http.request: send the document, or a jq projection of it, to any HTTP API (an ERP, an
accounting system) and keep what the answer says in the entry's meta, such as the record id
the ERP gave the invoice.

The request goes through the SSRF guard of providers/outbound.py. It carries the step's ref
as `Idempotency-Key`, the same on every retry, for APIs that de-duplicate on it. The answer:

- an expected status (any 2xx unless the step lists them) is OK, and its JSON is mapped into
  the entry's meta with jq (`{"erp_id": ".id"}`);
- 408, 425, 429 and 5xx are ERR, retried (after Retry-After when the server says so);
- anything else (400, 401, 404, 409…) is a KO: sending the same request again would not help.
"""

import json
from urllib.parse import urlsplit

from . import outbound, sandbox, templating
from .base import StepContext, err, ko, ok
from .credentials import CredentialMissing, header_map, reference_name, secret_property
from .email import attachments_of
from .registry import provider

METHODS = ["POST", "PUT", "PATCH", "GET", "DELETE"]
RETRIED = {408, 425, 429}
USER_AGENT = "invopop-console/1"

SCHEMA = {
    "type": "object",
    "required": ["url"],
    "properties": {
        "method": {"title": "Method", "enum": METHODS, "default": "POST"},
        "url": {
            "type": "string",
            "title": "URL",
            "examples": ["https://erp.example.com/api/invoices"],
            "description": "Templates work here: https://erp.example.com/invoices/{{.meta.erp_id}}",
        },
        "headers": header_map(
            "Headers",
            'Extra HTTP headers, such as {"X-Api-Key": {"credential": "erp-key"}}: a value '
            "names one of the workspace's credentials (Configuration), or is text, where "
            "templates work.",
        ),
        "auth": {"title": "Authentication", "enum": ["none", "bearer", "basic"], "default": "none"},
        "token": secret_property("Bearer token", "One of the workspace's credentials."),
        "username": {
            "type": "string",
            "title": "Username (basic)",
            "description": "Without one, the username of the password's credential.",
        },
        "password": secret_property(
            "Password (basic)", "One of the workspace's credentials (username and password)."
        ),
        "jq": {
            "type": "string",
            "title": "Body: jq projection",
            "examples": ["{number: .doc.code, total: .doc.totals.payable}"],
            "description": "A jq program over the envelope; its result is sent as JSON. Without "
            "a program or a body template, the whole envelope is sent.",
        },
        "body": {
            "type": "string",
            "title": "Body: template",
            "format": "textarea",
            "description": "Text with {{.full_code}}, {{.customer_name}}, {{args.x}}… sent as "
            "it is (instead of JSON).",
        },
        "content_type": {
            "type": "string",
            "title": "Content type",
            "default": "application/json",
        },
        "expected_status": {
            "type": "array",
            "title": "Expected status",
            "items": {"type": "integer", "minimum": 100, "maximum": 599},
            "examples": [[200, 201]],
            "description": "The statuses that mean success; any 2xx when empty.",
        },
        "meta": {
            "type": "object",
            "title": "Keep in meta",
            "additionalProperties": {"type": "string"},
            "examples": [{"erp_id": ".id"}],
            "description": "Meta key → jq program over the JSON answer.",
        },
        "attach": {
            "type": "array",
            "title": "Attach",
            "items": {"type": "string"},
            "description": "Files of the entry (pdf…): the request becomes multipart/form-data, "
            'the body in the part "document" and the files in parts "files".',
        },
    },
}


@provider(
    "http.request",
    name="HTTP request",
    category="ERP",
    summary="Send the document to any HTTP API, such as an ERP, and keep its answer in meta.",
    icon="database",
    config_schema=SCHEMA,
    timeout=90,
)
def http_request(context: StepContext):
    config = context.config
    values = templating.values(context)
    url = templating.render(config["url"], values, context.args)
    method = config.get("method") or "POST"
    host = urlsplit(url).hostname or url
    try:
        options = request_options(context, values)
    except CredentialMissing as exc:
        return ko(str(exc), exc.code)
    except ValueError as exc:  # the jq program's compile and runtime errors
        return ko(f"jq: {exc}", "invalid-jq")
    except sandbox.LimitExceeded as exc:
        return ko(str(exc), "resource-limit")
    except LookupError as exc:
        return ko(str(exc), "attachment-missing")
    try:
        answer = outbound.request(method, url, **options)
    except outbound.FAILURES as exc:
        return outbound.failure(exc, host)
    said = f"{method} {host} answered {answer.status}"
    if not expected(config.get("expected_status"), answer.status):
        return refused(answer, said)
    try:
        meta = mapped(config.get("meta") or {}, answer)
    except ValueError as exc:
        return ko(f"{said}, but its answer cannot be kept in meta: {exc}", "invalid-answer")
    except sandbox.LimitExceeded as exc:
        return ko(f"{said}, but its answer cannot be kept in meta: {exc}", "resource-limit")
    return ok(message=said, meta=meta or None)


def request_options(context: StepContext, values: dict) -> dict:
    config = context.config
    body, content_type = request_body(context, values)
    headers = {
        "Content-Type": content_type,
        "User-Agent": USER_AGENT,
        "Idempotency-Key": context.ref,
        **{
            name: header_value(context, value, values)
            for name, value in (config.get("headers") or {}).items()
        },
    }
    options = {"headers": headers, "auth": basic_auth(context)}
    if config.get("auth") == "bearer":
        headers["Authorization"] = f"Bearer {context.secret(config.get('token', ''))}"
    if config.get("method", "POST") in ("GET", "DELETE") and not config.get("attach"):
        return options  # no body: what would a GET send?
    files = attachments_of(context.entry, config.get("attach") or [])
    if files:  # requests writes the multipart Content-Type, with its boundary
        del headers["Content-Type"]
        options["files"] = [("document", ("document", body, content_type))] + [
            ("files", attachment) for attachment in files
        ]
    else:
        options["data"] = body
    return options


def request_body(context: StepContext, values: dict) -> tuple[bytes, str]:
    config = context.config
    content_type = config.get("content_type") or "application/json"
    if config.get("body"):
        return templating.render(config["body"], values, context.args).encode(), content_type
    data = context.envelope
    if config.get("jq"):
        data = first(config["jq"], context.envelope)
    return json.dumps(data, ensure_ascii=False).encode(), content_type


def header_value(context: StepContext, value, values: dict) -> str:
    """A credential's value as it is (never a template: a secret could hold "{{"), or the
    text rendered as a template."""
    if reference_name(value) is not None:
        return context.secret(value, header=True)
    return templating.render(str(value), values, context.args)


def basic_auth(context: StepContext):
    config = context.config
    if config.get("auth") != "basic":
        return None
    password = config.get("password", "")
    username = config.get("username")
    name = reference_name(password)
    if not username and name is not None:
        username = context.credential(name).username
    return (username or "", context.secret(password))


def expected(statuses, status: int) -> bool:
    return status in statuses if statuses else 200 <= status < 300


def refused(answer: outbound.Answer, said: str):
    detail = answer.text.strip()[:300]
    message = f"{said}: {detail}" if detail else said
    code = f"http-{answer.status}"
    if answer.status in RETRIED or answer.status >= 500:
        return err(message, code, retry_in=outbound.retry_in(answer))
    return ko(message, code)


def mapped(mapping: dict, answer: outbound.Answer) -> dict:
    """The meta the answer gives: each key's jq program over the answer's JSON. Meta holds
    strings (as Invopop's), so numbers and objects are kept as their JSON text."""
    if not mapping:
        return {}
    data = answer.json()
    if data is None:
        raise ValueError("it is not JSON")
    found = {}
    for key, program in mapping.items():
        value = first(program, data)
        if value is not None:
            found[key] = value if isinstance(value, str) else json.dumps(value)
    return found


def first(program: str, data):
    """The program's first result (None when it gives none)."""
    results = sandbox.jq(program, data, first=True)
    return results[0] if results else None
