"""The web process's HTTP bridge (invopop_console/wsgi_bridge.py): ASGI messages in, a WSGI
application run in a pool thread, ASGI messages out. Driven here with a small WSGI
application of the test's own, so that each case shows what the bridge itself does."""

import asyncio
import threading

import pytest

from invopop_console.wsgi_bridge import STREAM_PIECE, WsgiBridge


def echo_app(environ, start_response):
    """Answers what it was given: the body read by its length, and the environ's keys."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    start_response("201 Created", [("Content-Type", "text/plain"), ("X-Thread", thread_name())])
    seen = "|".join(
        f"{key}={environ.get(key, '')}"
        for key in ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "CONTENT_LENGTH", "HTTP_X_TWO")
    )
    return [seen.encode(), b"|", body]


def thread_name() -> str:
    return threading.current_thread().name


def call(app, *, method="POST", path="/p", query=b"", headers=(), body_parts=(b"",)):
    """Run one request through the bridge; (status, headers, body parts as sent)."""
    sent = []
    incoming = [
        {"type": "http.request", "body": part, "more_body": index < len(body_parts) - 1}
        for index, part in enumerate(body_parts)
    ]

    async def receive():
        return incoming.pop(0)

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "http_version": "1.1",
        "headers": list(headers),
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 5000),
    }
    asyncio.run(app(scope, receive, send))
    start, *bodies = sent
    return start["status"], dict(start["headers"]), bodies


def test_it_runs_the_application_with_the_body_and_headers_it_was_sent():
    bridge = WsgiBridge(echo_app, threads=2)
    status, headers, bodies = call(
        bridge,
        query=b"a=1",
        headers=[(b"x-two", b"one"), (b"x-two", b"two")],
        body_parts=[b"hel", b"lo"],  # a body in two messages, as a chunked upload comes
    )
    assert status == 201
    assert headers[b"content-type"] == b"text/plain"
    assert [b["more_body"] for b in bodies] == [False]  # one piece: one crossing
    assert bodies[0]["body"] == b"REQUEST_METHOD=POST|PATH_INFO=/p|QUERY_STRING=a=1|" + (
        b"CONTENT_LENGTH=5|HTTP_X_TWO=one,two|hello"
    )


def test_a_body_over_the_limit_is_not_read_and_keeps_its_declared_length(settings):
    settings.API_MAX_BODY_BYTES = 10
    bridge = WsgiBridge(echo_app, threads=1)
    _, _, bodies = call(bridge, headers=[(b"content-length", b"11")], body_parts=[b"x" * 11])
    assert b"CONTENT_LENGTH=11|" in bodies[0]["body"]
    assert bodies[0]["body"].endswith(b"|")  # nothing of it reached the application


def test_a_body_without_a_length_that_grows_over_the_limit_is_refused(settings):
    settings.API_MAX_BODY_BYTES = 10
    bridge = WsgiBridge(echo_app, threads=1)
    _, _, bodies = call(bridge, body_parts=[b"x" * 6, b"y" * 6])
    assert bodies[0]["body"].endswith(b"|")


def test_requests_that_wait_on_a_job_run_in_their_own_pool():
    bridge = WsgiBridge(echo_app, threads=1)
    _, plain, _ = call(bridge)
    _, waiting, _ = call(bridge, query=b"wait=30")
    assert plain[b"x-thread"].startswith(b"http_")
    assert waiting[b"x-thread"].startswith(b"http-wait_")


def test_a_streamed_response_goes_out_in_pieces_and_is_closed_in_its_thread():
    closed_in = []

    class Streamed:
        def __iter__(self):
            for _ in range(5):
                yield b"z" * (STREAM_PIECE // 2)

        def close(self):
            closed_in.append(thread_name())

    def app(environ, start_response):
        start_response("200 OK", [])
        return Streamed()

    _, _, bodies = call(WsgiBridge(app, threads=1), method="GET")
    assert [b["more_body"] for b in bodies] == [True, True, False]
    assert sum(len(b["body"]) for b in bodies) == 5 * (STREAM_PIECE // 2)
    assert closed_in[0].startswith("http_")


@pytest.mark.django_db
def test_django_answers_through_it():
    from django.core.wsgi import get_wsgi_application

    status, headers, bodies = call(WsgiBridge(get_wsgi_application()), path="/nowhere/")
    assert status == 404
    assert b"text/html" in headers[b"content-type"]
    assert bodies[-1]["more_body"] is False
