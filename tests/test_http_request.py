"""http.request against a real local HTTP server: the body, auth, expected status and the
answer kept in the entry's meta."""

import base64
import email
import email.policy

import pytest
from engine_helpers import entry, run, start_on, step
from receivers import Receiver, Reply

from jobs.models import JobStatus
from providers import registry
from providers.base import StepContext
from silo.services import attach_file


@pytest.fixture
def erp(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    with Receiver() as found:
        yield found


def request(workspace, config, silo_entry=None, args=None):
    silo_entry = silo_entry or entry(workspace)
    context = StepContext(workspace, None, silo_entry, {}, config, args or {}, [], "ref-9", 1)
    return registry.get("http.request").run(context)


def test_it_posts_the_envelope_and_keeps_the_erps_id_in_meta(workspace, erp):
    erp.reply(Reply(201, {"id": 4711, "status": "booked"}))
    config = {"url": erp.url + "/api/invoices", "meta": {"erp_id": ".id", "erp": ".status"}}
    silo_entry = entry(workspace)
    job = run(start_on(silo_entry, [step("http.request", config)]))
    assert job.status == JobStatus.OK
    [received] = erp.received
    assert received.method == "POST" and received.path == "/api/invoices"
    assert received.json() == silo_entry.data
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["Idempotency-Key"] == job.intents.get().ref
    silo_entry.refresh_from_db()
    assert silo_entry.meta == {"erp_id": "4711", "erp": "booked"}


def test_basic_auth(workspace, erp):
    config = {"url": erp.url, "auth": "basic", "username": "erp-user", "password": "pa:ss"}
    assert request(workspace, config).status == "OK"
    expected = "Basic " + base64.b64encode(b"erp-user:pa:ss").decode()
    assert erp.received[0].headers["Authorization"] == expected


def test_bearer_auth_and_templated_headers(workspace, erp):
    config = {
        "url": erp.url,
        "auth": "bearer",
        "token": "t0k",
        "headers": {"X-Invoice": "{{.full_code}}", "X-Tenant": "{{args.tenant}}"},
    }
    request(workspace, config, args={"tenant": "acme"})
    headers = erp.received[0].headers
    assert headers["Authorization"] == "Bearer t0k"
    assert headers["X-Tenant"] == "acme"


def test_a_jq_projection_is_the_body(workspace, erp):
    config = {"url": erp.url, "jq": "{supplier: .doc.supplier.name, total: .doc.totals.payable}"}
    request(workspace, config)
    assert erp.received[0].json() == {"supplier": "Provide One S.L.", "total": "121.00"}


def test_a_body_template_is_sent_as_it_is(workspace, erp):
    config = {
        "url": erp.url,
        "method": "PUT",
        "body": "<invoice total='{{.payable}}'/>",
        "content_type": "application/xml",
    }
    request(workspace, config)
    assert erp.received[0].method == "PUT"
    assert erp.received[0].body == b"<invoice total='121.00'/>"
    assert erp.received[0].headers["Content-Type"] == "application/xml"


def test_a_get_sends_no_body(workspace, erp):
    request(workspace, {"url": erp.url + "/ping", "method": "GET"})
    assert erp.received[0].body == b""


@pytest.mark.parametrize(
    ("expected", "status", "outcome"),
    [
        ([201], 201, "OK"),
        ([201], 200, "KO"),
        ([], 204, "OK"),
        (None, 202, "OK"),
        ([404], 404, "OK"),
    ],
)
def test_the_expected_status(workspace, erp, expected, status, outcome):
    erp.reply(Reply(status, b""))
    config = {"url": erp.url, "expected_status": expected} if expected is not None else {}
    assert request(workspace, {"url": erp.url, **config}).status == outcome


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(400, "KO"), (401, "KO"), (409, "KO"), (429, "ERR"), (500, "ERR"), (503, "ERR")],
)
def test_temporary_failures_are_retried_and_the_rest_are_final(workspace, erp, status, outcome):
    erp.reply(Reply(status, {"error": "nope"}, {"Retry-After": "30"}))
    found = request(workspace, {"url": erp.url})
    assert (found.status, found.code) == (outcome, f"http-{status}")
    assert "nope" in found.message
    if outcome == "ERR":
        assert found.retry_in == 30.0


def test_an_answer_that_is_not_json_cannot_fill_meta(workspace, erp):
    erp.reply(Reply(200, b"<ok/>"))
    found = request(workspace, {"url": erp.url, "meta": {"erp_id": ".id"}})
    assert (found.status, found.code) == ("KO", "invalid-answer")


def test_an_invalid_jq_program_is_a_ko(workspace, erp):
    found = request(workspace, {"url": erp.url, "jq": "{{{"})
    assert (found.status, found.code) == ("KO", "invalid-jq")
    assert erp.received == []


def test_private_addresses_are_refused(workspace, erp, settings):
    settings.OUTBOUND_ALLOW = []
    found = request(workspace, {"url": erp.url})
    assert (found.status, found.code) == ("KO", "address-refused")
    assert erp.received == []


def test_files_make_a_multipart_request(workspace, erp):
    silo_entry = entry(workspace)
    attach_file(
        silo_entry, name="INV-1.pdf", content=b"%PDF-1.4", mime="application/pdf", key="pdf"
    )
    request(workspace, {"url": erp.url, "attach": ["pdf"]}, silo_entry)
    received = erp.received[0]
    head = f"Content-Type: {received.headers['Content-Type']}\r\n\r\n".encode()
    parts = list(
        email.message_from_bytes(head + received.body, policy=email.policy.HTTP).iter_parts()
    )
    names = [p.get_param("name", header="content-disposition") for p in parts]
    assert names == ["document", "files"]
    assert parts[1].get_filename() == "INV-1.pdf"
    assert parts[1].get_payload(decode=True) == b"%PDF-1.4"
