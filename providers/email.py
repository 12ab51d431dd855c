"""email.send: the document by email, through one of the workspace's SMTP connections or the
console's own (`default`, from the EMAIL_URL setting).

Delivery is all or nothing: every recipient is offered to the server (RCPT) before the message
is, and when the server refuses one the message is not sent to anybody. A refusal for good
(5xx) is a KO; a temporary one (4xx), an unreachable server or a dropped connection is an ERR,
retried by the engine. A retry after a crash in the middle may send the email twice: the
Message-ID comes from the step's ref, the same on every attempt, so that mail systems and
people can recognise the copy.
"""

import base64
import binascii
import re
import smtplib
import ssl
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME
from django.core.validators import validate_email

from . import outbound, templating
from .base import StepContext, err, ko, ok
from .models import EmailConnection, Security
from .registry import provider

SMTP_TIMEOUT = 30  # seconds for each exchange with the server
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
ADDRESSES = {
    "type": "array",
    "items": {"type": "string"},
    "description": "One address per line; templates such as {{args.email}} work here too.",
}

SCHEMA = {
    "type": "object",
    "properties": {
        "connection_id": {
            "type": "string",
            "title": "Connection",
            "default": "default",
            "description": "An email connection of the workspace (Configuration), by name or "
            "id; default sends through the console's own mail server.",
        },
        "subject": {
            "type": "string",
            "title": "Subject",
            "examples": ["Invoice {{.full_code}} from {{.supplier_name}}"],
            "description": "The document's code when empty. Templates: {{.full_code}}, "
            "{{.supplier_name}}, {{.issue_date}}, {{args.x}}…",
        },
        "body": {
            "type": "string",
            "title": "Body",
            "format": "textarea",
            "description": "Plain text, or base64 as Invopop stores it. Templates as in the "
            "subject, and {{.faults}}.",
        },
        "attach": {
            "type": ["array", "string"],
            "title": "Attach",
            "items": {"type": "string"},
            "examples": [["pdf"]],
            "description": "Files of the entry by key, category or extension, such as pdf "
            "(one as text, as some of Invopop's templates have it; empty: none).",
        },
        "add_invoice_customer": {
            "type": "boolean",
            "title": "To the invoice's customer",
            "default": False,
        },
        "add_invoice_supplier": {
            "type": "boolean",
            "title": "To the invoice's supplier",
            "default": False,
        },
        "add_party": {
            "type": "boolean",
            "title": "To the party",
            "default": False,
            "description": "For party documents: the party's own email addresses.",
        },
        "to": {**ADDRESSES, "title": "To"},
        "cc": {**ADDRESSES, "title": "Cc"},
        "bcc": {**ADDRESSES, "title": "Bcc"},
        "reply_to": {"type": "string", "title": "Reply to"},
    },
}


@dataclass
class Server:
    host: str
    port: int
    security: str
    username: str
    password: str
    from_email: str
    # EMAIL_URL's server is the operator's choice, not a user's: no SSRF guard for it.
    trusted: bool = False


def check(config: dict) -> list[tuple[str, str]]:
    """An email needs someone to go to: an address, or a party of the document."""
    if any(config.get(key) for key in ("to", "cc", "bcc")):
        return []
    if any(config.get(flag) is True for flag in RECIPIENT_FLAGS):
        return []
    return [
        (
            "/to",
            "Recipient is required: an address in To, Cc or Bcc, or the invoice's customer, "
            "supplier or party",
        )
    ]


RECIPIENT_FLAGS = ("add_invoice_customer", "add_invoice_supplier", "add_party")


@provider(
    "email.send",
    name="Send email",
    category="Notify",
    summary="Email the document to its customer, supplier or any address, with its files.",
    icon="mail",
    config_schema=SCHEMA,
    check=check,
)
def send_email(context: StepContext):
    config = context.config
    values = templating.values(context)
    fill = partial(templating.render, values=values, args=context.args)
    try:
        to, cc, bcc = recipients(config, context.doc, values, context.args)
    except ValidationError as exc:
        return ko(exc.messages[0], "invalid-recipient")
    if not (to or cc or bcc):
        return ko("the email has no recipients", "no-recipients")
    server = connection_of(context.workspace, config.get("connection_id"))
    if server is None:
        return ko(f"no email connection {config['connection_id']!r}", "connection-not-found")
    try:
        attachments = attachments_of(context.entry, attach_keys(config.get("attach")))
    except LookupError as exc:
        return ko(str(exc), "attachment-missing")
    message = EmailMessage(
        subject=" ".join(fill(config.get("subject") or "{{.full_code}}").split()),  # one line
        body=fill(body_text(config.get("body", ""))),
        from_email=server.from_email or settings.DEFAULT_FROM_EMAIL,
        to=to,
        cc=cc,
        bcc=bcc,
        reply_to=[config["reply_to"]] if config.get("reply_to") else None,
        attachments=attachments,
    )
    message.extra_headers["Message-ID"] = message_id(context.ref, message.from_email)
    if server is DEFAULT:
        return send_with_django(message)
    return deliver(server, message)


# --- Recipients


def recipients(config: dict, doc: dict, values: dict, args: dict):
    """(to, cc, bcc), each without repeats; ValidationError for an address that is none."""
    to = [render(address, values, args) for address in _listed(config.get("to"))]
    if config.get("add_invoice_customer"):
        to += party_addresses(doc.get("customer"))
    if config.get("add_invoice_supplier"):
        to += party_addresses(doc.get("supplier"))
    if config.get("add_party"):
        to += party_addresses(doc)
    cc = [render(address, values, args) for address in _listed(config.get("cc"))]
    bcc = [render(address, values, args) for address in _listed(config.get("bcc"))]
    seen: set[str] = set()
    return _unique(to, seen), _unique(cc, seen), _unique(bcc, seen)


def render(address: str, values: dict, args: dict) -> str:
    return templating.render(address, values, args).strip()


def party_addresses(party) -> list[str]:
    """A GOBL party's emails ({"addr": ...}), named after the party."""
    if not isinstance(party, dict):
        return []
    name = party.get("name") or ""
    emails = party.get("emails") if isinstance(party.get("emails"), list) else []
    return [
        formataddr((name, email["addr"]))
        for email in emails
        if isinstance(email, dict) and isinstance(email.get("addr"), str)
    ]


def _listed(value) -> list[str]:
    if isinstance(value, str):  # a hand-written config may give one address, or several
        return [part for part in value.split(",") if part.strip()]
    return [str(item) for item in value or [] if str(item).strip()]


def _unique(addresses: list[str], seen: set[str]) -> list[str]:
    found = []
    for address in addresses:
        if not address:
            continue  # a template that found nothing
        bare = parseaddr(address)[1].lower()
        validate_email(bare)
        if bare not in seen:
            seen.add(bare)
            found.append(address)
    return found


# --- Content


def body_text(body: str) -> str:
    """Invopop's configs carry the body in base64; ours may carry plain text. Base64 that does
    not decode to readable UTF-8 text is taken for plain text."""
    compact = "".join(body.split())
    if not compact or len(compact) % 4 or not BASE64.match(compact):
        return body
    try:
        decoded = base64.b64decode(compact, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return body
    readable = all(c.isprintable() or c in "\n\r\t" for c in decoded)
    return decoded if readable else body


def attach_keys(attach) -> list:
    """`attach` as a list: Invopop's templates also write one key as text, or "" for none."""
    if isinstance(attach, str):
        return [attach] if attach else []
    return attach or []


def attachments_of(entry, selectors: list[str]) -> list[tuple[str, bytes, str]]:
    """The entry's files that match the selectors, as (name, content, mime); LookupError when
    a selector matches nothing (an invoice email without its PDF is worse than no email)."""
    if not selectors:
        return []
    files = list(entry.files.all()) if entry is not None else []
    chosen = []
    for selector in selectors:
        matching = [f for f in files if _matches(f, selector.lower())]
        if not matching:
            raise LookupError(f"the entry has no {selector} file to attach")
        chosen += [f for f in matching if f not in chosen]
    return [(f.name, _read(f), f.mime) for f in chosen]


def _matches(silo_file, selector: str) -> bool:
    extension = silo_file.name.rsplit(".", 1)[-1].lower() if "." in silo_file.name else ""
    return selector in (silo_file.key.lower(), silo_file.category.lower(), extension)


def _read(silo_file) -> bytes:
    with silo_file.file.open("rb") as stream:
        return stream.read()


def message_id(ref: str, from_email: str) -> str:
    domain = parseaddr(from_email)[1].rpartition("@")[2] or str(DNS_NAME)
    return f"<{ref}@{domain}>"


# --- Connections


DEFAULT = Server("", 0, Security.NONE, "", "", "")  # Django's mail settings, whatever they are


def connection_of(workspace, connection_id) -> Server | None:
    """The server of `connection_id` (a connection's id or name, or default); None if none."""
    if not connection_id or connection_id == "default":
        return default_server()
    connections = EmailConnection.objects.filter(workspace=workspace)
    try:
        found = connections.filter(pk=uuid.UUID(str(connection_id))).first()
    except ValueError:
        found = connections.filter(name=connection_id).first()
    if found is None:
        return None
    return Server(
        found.host,
        found.port,
        found.security,
        found.username,
        found.password,
        found.from_email,
    )


def default_server() -> Server:
    """The SMTP server of EMAIL_URL; DEFAULT when another backend is configured (the console
    backend in development, memory in tests): Django then sends the message."""
    if settings.EMAIL_BACKEND != SMTP_BACKEND:
        return DEFAULT
    security = (
        Security.TLS
        if settings.EMAIL_USE_SSL
        else Security.STARTTLS
        if settings.EMAIL_USE_TLS
        else Security.NONE
    )
    return Server(
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        security,
        settings.EMAIL_HOST_USER,
        settings.EMAIL_HOST_PASSWORD,
        settings.DEFAULT_FROM_EMAIL,
        trusted=True,
    )


def send_with_django(message: EmailMessage):
    try:
        message.connection = get_connection(fail_silently=False)
        message.send()
    except OSError as exc:  # smtplib's exceptions are OSErrors too
        return err(f"the email could not be sent: {exc}", "unreachable")
    return ok(message=f"sent to {', '.join(message.recipients())}")


# --- SMTP


def deliver(server: Server, message: EmailMessage):
    sender = parseaddr(message.from_email)[1]
    data = message.message().as_bytes(linesep="\r\n")
    try:
        with smtp_session(server) as smtp:
            return converse(smtp, sender, message.recipients(), data)
    except outbound.Refused as exc:
        return ko(str(exc), "address-refused")
    except smtplib.SMTPResponseException as exc:
        return answer(exc.smtp_code, exc.smtp_error, "the server")
    except smtplib.SMTPNotSupportedError as exc:
        return ko(f"{server.host}: {exc}", "smtp-unsupported")
    except ssl.SSLCertVerificationError as exc:
        return ko(f"{server.host}: {exc.verify_message}", "tls-certificate")
    except OSError as exc:  # unreachable, timed out, disconnected (smtplib's are OSErrors)
        return err(f"{server.host}:{server.port} unreachable: {exc}", "unreachable")


@contextmanager
def smtp_session(server: Server):
    tls = ssl.create_default_context()
    options = {"timeout": SMTP_TIMEOUT, "local_hostname": str(DNS_NAME)}
    if server.security == Security.TLS:
        tls_class = smtplib.SMTP_SSL if server.trusted else GuardedSMTP_SSL
        smtp = tls_class(server.host, server.port, context=tls, **options)
    else:
        plain_class = smtplib.SMTP if server.trusted else GuardedSMTP
        smtp = plain_class(server.host, server.port, **options)
    try:
        smtp.ehlo()
        if server.security == Security.STARTTLS:
            smtp.starttls(context=tls)
            smtp.ehlo()
        if server.username:
            smtp.login(server.username, server.password)
        yield smtp
    finally:
        _close(smtp)


class GuardedSMTP(smtplib.SMTP):
    """An SMTP client whose connection goes through the SSRF guard: a workspace's
    connection is a user's choice of host, as a webhook's URL is (providers/outbound.py)."""

    def _get_socket(self, host, port, timeout):
        return outbound.connect(host, port, timeout, self.source_address)


class GuardedSMTP_SSL(smtplib.SMTP_SSL):
    def _get_socket(self, host, port, timeout):
        sock = outbound.connect(host, port, timeout, self.source_address)
        return self.context.wrap_socket(sock, server_hostname=self._host)


def converse(smtp, sender: str, recipients: list[str], data: bytes):
    """MAIL, every RCPT, then DATA only if the server took every recipient."""
    code, reply = smtp.mail(sender)
    if code != 250:
        return answer(code, reply, f"the sender {sender}")
    refused = {}
    for recipient in recipients:
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
    if refused:
        smtp.rset()
        return refusal(refused)
    code, reply = smtp.data(data)
    if code != 250:
        return answer(code, reply, "the message")
    return ok(message=f"sent to {', '.join(recipients)}")


def refusal(refused: dict):
    listed = "; ".join(f"{r} ({code} {_text(reply)})" for r, (code, reply) in refused.items())
    if any(400 <= code < 500 for code, _ in refused.values()):
        return err(f"recipients refused for now: {listed}", "recipient-deferred")
    return ko(f"recipients refused: {listed}", "recipient-refused")


def answer(code: int, reply, what: str):
    """An SMTP refusal: temporary (4xx) is retried, anything else is final."""
    message = f"{what} was refused: {code} {_text(reply)}"
    if 400 <= code < 500:
        return err(message, "smtp-deferred")
    return ko(message, "smtp-refused")


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _close(smtp) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
