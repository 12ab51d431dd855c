"""email.send against a real SMTP server (aiosmtpd) started by the tests."""

import base64
import copy
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from conftest import free_port
from django.core import mail
from django.urls import reverse
from engine_helpers import INVOICE, entry, run, start_on, step
from jsonschema import Draft202012Validator
from receivers import fake_dns

from jobs.models import JobStatus
from providers import registry, templating
from providers.base import StepContext
from providers.email import body_text
from providers.models import EmailConnection
from silo.services import attach_file
from workflows import catalogue

PDF = b"%PDF-1.4\n% a test PDF\n%%EOF\n"


class Inbox:
    """An aiosmtpd handler keeping what it receives; it refuses RCPT for some domains."""

    def __init__(self):
        self.envelopes = []
        self.logins = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@nowhere.test"):
            return "550 5.1.1 no such user"
        if address.endswith("@busy.test"):
            return "450 4.2.1 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret pass", handled=False)

    def messages(self):
        return [
            email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes
        ]


@pytest.fixture
def inbox(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]  # the test server is on loopback
    handler = Inbox()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=handler.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def office(workspace, inbox):
    return EmailConnection.objects.create(
        workspace=workspace,
        name="Office",
        host="127.0.0.1",
        port=inbox.port,
        security="none",
        from_email="Provide One <billing@provide.test>",
    )


def invoice(workspace, **doc):
    data = copy.deepcopy(INVOICE)
    data["doc"].update(
        series="INV",
        code="000001",
        customer={"name": "Sample Consumer", "emails": [{"addr": "buyer@customer.test"}]},
        supplier={**data["doc"]["supplier"], "emails": [{"addr": "sales@provide.test"}]},
        **doc,
    )
    found = entry(workspace, data)
    attach_file(found, name="INV-000001.pdf", content=PDF, mime="application/pdf", key="pdf")
    return found


def context(workspace, silo_entry, config, args=None, faults=None) -> StepContext:
    return StepContext(workspace, None, silo_entry, {}, config, args or {}, faults or [], "r1", 1)


def send(workspace, silo_entry, config, **kwargs):
    return registry.get("email.send").run(context(workspace, silo_entry, config, **kwargs))


def test_it_emails_the_invoice_and_its_pdf_through_a_real_server(workspace, inbox, office):
    body = "Dear {{.customer_name}},\n\nInvoice {{.full_code}} of {{.issue_date}}: {{args.note}}"
    config = {
        "connection_id": "Office",
        "add_invoice_customer": True,
        "subject": "Invoice {{.full_code}} from {{.supplier_name}}",
        "body": base64.b64encode(body.encode()).decode(),  # Invopop's way
        "attach": ["pdf"],
        "cc": ["books@provide.test"],
        "bcc": ["archive@provide.test"],
    }
    job = run(start_on(invoice(workspace), [step("email.send", config)], args={"note": "thanks"}))
    assert job.status == JobStatus.OK
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "billing@provide.test"
    assert sorted(envelope.rcpt_tos) == [
        "archive@provide.test",
        "books@provide.test",
        "buyer@customer.test",
    ]
    [message] = inbox.messages()
    assert message["Subject"] == "Invoice INV-000001 from Provide One S.L."
    assert message["To"] == "Sample Consumer <buyer@customer.test>"
    assert message["Cc"] == "books@provide.test"
    assert message["Bcc"] is None  # Bcc recipients stay hidden
    assert message["Message-ID"] == f"<{job.intents.get().ref}@provide.test>"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.strip() == "Dear Sample Consumer,\n\nInvoice INV-000001 of 2026-01-15: thanks"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "INV-000001.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF


def test_a_plain_text_body_is_sent_as_it_is(workspace, inbox, office):
    config = {"connection_id": str(office.id), "to": ["a@example.com"], "subject": "Hi"}
    outcome = send(workspace, invoice(workspace), {**config, "body": "Test {{.full_code}}"})
    assert outcome.status == "OK"
    assert inbox.messages()[0].get_content().strip() == "Test INV-000001"


def test_a_rejected_recipient_is_a_ko_and_nobody_gets_the_email(workspace, inbox, office):
    config = {"connection_id": "Office", "to": ["ok@example.com", "ghost@nowhere.test"]}
    outcome = send(workspace, invoice(workspace), config)
    assert (outcome.status, outcome.code) == ("KO", "recipient-refused")
    assert "ghost@nowhere.test (550" in outcome.message
    assert inbox.envelopes == []


def test_a_recipient_deferred_for_now_is_an_err(workspace, inbox, office):
    outcome = send(
        workspace, invoice(workspace), {"connection_id": "Office", "to": ["x@busy.test"]}
    )
    assert (outcome.status, outcome.code) == ("ERR", "recipient-deferred")


def test_an_unreachable_server_is_an_err_and_retried(workspace, office):
    office.port = free_port()  # nothing listens there
    office.save()
    config = {"connection_id": "Office", "to": ["a@example.com"]}
    job = run(
        start_on(
            invoice(workspace),
            [step("email.send", config, retry={"initial": 0.001, "give_up_after": 0.001})],
        )
    )
    assert job.status == JobStatus.KO
    err = job.intents.get().events.get(status="ERR")
    assert err.code == "unreachable"
    outcome = send(workspace, invoice(workspace), config)
    assert (outcome.status, outcome.code) == ("ERR", "unreachable")


def test_a_connection_to_a_refused_address_is_a_ko_and_nothing_is_sent(
    workspace, inbox, office, settings
):
    settings.OUTBOUND_ALLOW = []
    outcome = send(workspace, invoice(workspace), {"connection_id": "Office", "to": ["a@b.test"]})
    assert (outcome.status, outcome.code) == ("KO", "address-refused")
    assert "loopback" in outcome.message
    assert inbox.envelopes == []


def test_a_refusal_does_not_tell_an_open_port_from_a_closed_one(workspace, inbox, office, settings):
    """Without the guard, "Connection refused" and an SMTP banner (or its absence) would
    let a workflow scan the console's own network."""
    settings.OUTBOUND_ALLOW = []
    outcomes = set()
    with socket.create_server(("127.0.0.1", 0)) as not_smtp:  # open, but not a mail server
        for port in (inbox.port, free_port(), not_smtp.getsockname()[1]):
            office.port = port
            office.save()
            outcome = send(
                workspace, invoice(workspace), {"connection_id": "Office", "to": ["a@b.test"]}
            )
            outcomes.add((outcome.status, outcome.code, outcome.message))
    assert len(outcomes) == 1, outcomes


def test_the_smtp_connection_goes_to_the_address_that_was_checked(
    workspace, inbox, office, settings, monkeypatch
):
    """DNS rebinding: a second lookup would answer a private address; there is none."""
    settings.OUTBOUND_ALLOW = ["127.0.0.1/32"]
    looked_up = fake_dns(monkeypatch, {"mail.test": [["127.0.0.1"], ["10.0.0.1"]]})
    office.host = "mail.test"
    office.save()
    outcome = send(workspace, invoice(workspace), {"connection_id": "Office", "to": ["a@b.test"]})
    assert outcome.status == "OK", outcome.message
    assert looked_up == ["mail.test"]
    assert len(inbox.envelopes) == 1


def test_a_named_smtp_host_may_be_allowed(workspace, inbox, office, settings):
    settings.OUTBOUND_ALLOW = []
    settings.OUTBOUND_ALLOW_HOSTS = ["localhost"]
    office.host = "localhost"
    office.save()
    outcome = send(workspace, invoice(workspace), {"connection_id": "Office", "to": ["a@b.test"]})
    assert outcome.status == "OK", outcome.message


def test_the_sealed_password_logs_in(workspace, inbox, office):
    office.username = "mailer"
    office.password = "s3cret pass"
    office.save()
    assert "s3cret" not in office.password_sealed
    outcome = send(workspace, invoice(workspace), {"connection_id": "Office", "to": ["a@b.test"]})
    assert outcome.status == "OK"
    assert inbox.logins == [(b"mailer", b"s3cret pass")]


def test_a_wrong_password_is_a_ko(workspace, inbox, office):
    office.username, office.password = "mailer", "wrong"
    office.save()
    outcome = send(workspace, invoice(workspace), {"connection_id": "Office", "to": ["a@b.test"]})
    assert (outcome.status, outcome.code) == ("KO", "smtp-refused")
    assert inbox.envelopes == []


def test_default_goes_through_the_console_smtp_settings(workspace, inbox, settings):
    settings.OUTBOUND_ALLOW = []  # EMAIL_URL is the operator's own server: not guarded
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", inbox.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.DEFAULT_FROM_EMAIL = "console@console.test"
    outcome = send(workspace, invoice(workspace), {"add_invoice_supplier": True, "subject": "S"})
    assert outcome.status == "OK"
    assert inbox.envelopes[0].rcpt_tos == ["sales@provide.test"]
    assert inbox.envelopes[0].mail_from == "console@console.test"


def test_default_with_another_backend_lets_django_send(workspace):
    config = {"add_invoice_customer": True, "subject": "{{.full_code}}", "attach": ["pdf"]}
    assert send(workspace, invoice(workspace), config).status == "OK"
    [message] = mail.outbox
    assert message.subject == "INV-000001"
    assert message.attachments[0][1] == PDF


@pytest.mark.parametrize(
    ("config", "code"),
    [
        ({"subject": "x"}, "no-recipients"),
        ({"to": ["not an address"]}, "invalid-recipient"),
        ({"to": ["a@b.test"], "connection_id": "Nope"}, "connection-not-found"),
        ({"to": ["a@b.test"], "attach": ["xml"]}, "attachment-missing"),
    ],
)
def test_what_cannot_be_sent_is_a_ko(workspace, config, code):
    outcome = send(workspace, invoice(workspace), config)
    assert (outcome.status, outcome.code) == ("KO", code)


def test_a_party_document_sends_to_the_party(workspace):
    party = {"doc": {"$schema": "https://gobl.org/draft-0/org/party", "name": "Lee"}}
    party["doc"]["emails"] = [{"addr": "lee@party.test"}]
    outcome = send(workspace, entry(workspace, party), {"add_party": True, "subject": "Hi"})
    assert outcome.status == "OK"
    assert mail.outbox[0].to == ["Lee <lee@party.test>"]


def test_recipients_are_not_repeated_and_templates_work_in_addresses(workspace):
    config = {
        "add_invoice_customer": True,
        "to": ["BUYER@customer.test", "{{args.email}}"],
        "cc": ["buyer@customer.test"],
    }
    outcome = send(workspace, invoice(workspace), config, args={"email": "x@args.test"})
    assert outcome.status == "OK"
    assert mail.outbox[0].to == ["BUYER@customer.test", "x@args.test"]
    assert mail.outbox[0].cc == []


def test_the_body_may_show_the_faults(workspace):
    faults = [{"provider": "verifactu.send", "code": "rejected", "message": "bad NIF"}]
    config = {"to": ["a@b.test"], "body": "Problems:\n{{.faults}}"}
    send(workspace, invoice(workspace), config, faults=faults)
    assert mail.outbox[0].body == "Problems:\nverifactu.send rejected: bad NIF"


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (base64.b64encode("Hola, ¿qué tal?\n".encode()).decode(), "Hola, ¿qué tal?\n"),
        ("Test", "Test"),
        ("abcd", "abcd"),
        ("Dear {{.customer_name}},", "Dear {{.customer_name}},"),
        ("", ""),
    ],
)
def test_the_body_may_be_base64_or_plain_text(body, text):
    assert body_text(body) == text


@pytest.mark.parametrize(
    ("attach", "keys"), [("", []), (None, []), ("pdf", ["pdf"]), (["pdf", "xml"], ["pdf", "xml"])]
)
def test_attach_may_be_one_key_as_text_or_empty_as_in_invopops_templates(attach, keys):
    from providers.email import attach_keys

    assert attach_keys(attach) == keys


def test_templates_read_the_document_and_the_args():
    values = {"full_code": "INV-1", "customer": {"name": "Ann"}, "lines": [{"sum": "1.00"}]}
    template = "{{.full_code}} {{ .customer.name }} {{.lines.0.sum}} {{args.x}} {{.nope}} {{if}}"
    assert templating.render(template, values, {"x": 7}) == "INV-1 Ann 1.00 7  {{if}}"


def test_the_catalogue_email_configs_fit_the_schema():
    validator = Draft202012Validator(registry.get("email.send").config_schema)
    configs = [
        s["config"]
        for template in catalogue.templates()
        for s in template.definition["steps"]
        if s["provider"] == "email.send"
    ]
    assert configs
    for config in configs:
        assert list(validator.iter_errors(config)) == []


# --- Configuration page: email connections


def add_connection(client, workspace, **fields):
    data = {
        "name": "Billing",
        "host": "smtp.example.com",
        "port": "587",
        "security": "starttls",
        "username": "billing",
        "password": "hunter2-secret",
        "from_email": "Acme <billing@example.com>",
        **fields,
    }
    return client.post(reverse("add_email_connection", args=[workspace.slug]), data)


def test_owners_add_a_connection_whose_password_is_never_shown(client, owner, workspace):
    client.force_login(owner)
    assert add_connection(client, workspace).status_code == 302
    connection = EmailConnection.objects.get(workspace=workspace)
    assert connection.password == "hunter2-secret"
    assert "hunter2" not in connection.password_sealed
    page = client.get(reverse("configuration", args=[workspace.slug])).content.decode()
    assert "smtp.example.com:587" in page and "password set" in page
    assert "hunter2" not in page and connection.password_sealed not in page


def test_a_second_connection_of_the_same_name_is_refused(client, owner, workspace):
    client.force_login(owner)
    add_connection(client, workspace)
    add_connection(client, workspace, host="other.example.com")
    assert EmailConnection.objects.filter(workspace=workspace).count() == 1


def test_owners_remove_a_connection(client, owner, workspace, other_workspace):
    client.force_login(owner)
    add_connection(client, workspace)
    connection = EmailConnection.objects.get()
    url = reverse("remove_email_connection", args=[workspace.slug, connection.id])
    assert client.post(url).status_code == 302
    assert not EmailConnection.objects.exists()


def test_editors_cannot_add_or_remove_connections(client, teammate, workspace, office):
    client.force_login(teammate)
    assert add_connection(client, workspace, name="Mine").status_code == 403
    url = reverse("remove_email_connection", args=[workspace.slug, office.id])
    assert client.post(url).status_code == 403
    assert list(EmailConnection.objects.all()) == [office]


def test_outsiders_cannot_remove_another_workspaces_connection(
    client, outsider, other_workspace, office
):
    client.force_login(outsider)
    url = reverse("remove_email_connection", args=[other_workspace.slug, office.id])
    assert client.post(url).status_code == 404
    assert EmailConnection.objects.filter(pk=office.pk).exists()
