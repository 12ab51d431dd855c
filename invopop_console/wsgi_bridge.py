"""HTTP through Django's WSGI handler, in fixed pools of threads, under the ASGI server.

The ASGI server (uvicorn) stays: websockets need it. But its HTTP requests no longer go
through Django's ASGI handler, which gives every request a thread of its own (asgiref's
ThreadSensitiveContext) and crosses between the event loop and threads at each boundary of
sync and async middleware: in a py-spy profile of job creation through the API that was
~40 % of the web process's CPU (bench/api.py, issue 15). Here a request crosses twice: the
event loop reads its body and hands it to a pool thread, which runs the whole of Django
(middleware, view, response) and hands the response back in one piece.

Fixed pools also let each thread keep its database connection (CONN_MAX_AGE), which the
per-request threads of the ASGI handler could not: it made one connection per request.

Not a2wsgi, the library for this: it hands each part of a response back to the event loop
as it is made (start, each chunk, the end: three crossings at least, each waking the loop
and waiting for it), and reads the body in the same piecemeal way.

Requests that ask to wait (`?wait=` on the jobs API: the answer is held until the job
completes, up to a minute) run in a pool of their own, so that clients waiting on jobs
cannot take every thread from the requests that do not wait.
"""

import asyncio
import io
import sys
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

# A streamed response (a file download) goes to the client in pieces of about this size.
STREAM_PIECE = 256 * 1024


class WsgiBridge:
    """An ASGI application for HTTP that runs `handler` (a WSGI application) in threads."""

    def __init__(self, handler=None, threads: int = 16, waiting_threads: int = 256):
        self.handler = handler or WSGIHandler()
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="http")
        # Threads are made as needed and mostly sleep on Redis: many cost little.
        self.waiting_pool = ThreadPoolExecutor(waiting_threads, thread_name_prefix="http-wait")

    async def __call__(self, scope, receive, send):
        body, too_large = await read_body(scope, receive)
        environ = wsgi_environ(scope, body, too_large)
        loop = asyncio.get_running_loop()
        pool = self.waiting_pool if waits(scope) else self.pool
        response = Response(loop, send)
        await loop.run_in_executor(pool, response.run, self.handler, environ)
        await response.finish()


async def read_body(scope, receive) -> tuple[bytes, bool]:
    """The whole body, unless it is larger than any request may be: then nothing of it, and
    the view answers 413 (BodyLimitMiddleware) without it."""
    limit = settings.API_MAX_BODY_BYTES
    declared = header(scope, b"content-length")
    if declared.isdigit() and int(declared) > limit:
        return b"", True
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        part = message.get("body", b"")
        size += len(part)
        if size > limit:
            return b"", True
        parts.append(part)
        if not message.get("more_body"):
            break
    return b"".join(parts), False


def header(scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""


def waits(scope) -> bool:
    return b"wait=" in scope["query_string"]


def wsgi_environ(scope, body: bytes, too_large: bool) -> dict:
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode().decode("latin-1"),
        "PATH_INFO": scope["path"].encode().decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or 80),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "REMOTE_ADDR": client[0],
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope["headers"]:
        key = name.decode("latin-1").upper().replace("-", "_")
        if key not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            key = "HTTP_" + key
        text = value.decode("latin-1")
        environ[key] = f"{environ[key]},{text}" if key in environ else text
    # A chunked body has no length, which WSGI needs to read it; a refused one keeps the
    # length it declared, for the 413 to judge.
    if not too_large:
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


class Response:
    """What the handler answers, carried from its thread to the event loop: in one piece,
    unless it streams (then in pieces of STREAM_PIECE, each waiting for the client)."""

    def __init__(self, loop, send):
        self.loop = loop
        self.send = send
        self.start = None
        self.pending: list[bytes] = []
        self.size = 0

    def run(self, handler, environ) -> None:
        """In a pool thread: the whole request, including closing the response, which is
        when Django ends the request (request_finished: database connections tidied)."""
        iterable = handler(environ, self.start_response)
        try:
            for chunk in iterable:
                self.pending.append(chunk)
                self.size += len(chunk)
                if self.size >= STREAM_PIECE:
                    self._send_pending(more=True)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()

    def start_response(self, status: str, headers, exc_info=None):
        self.start = {
            "type": "http.response.start",
            "status": int(status.split(" ", 1)[0]),
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        }
        return self._write

    def _write(self, chunk: bytes) -> None:  # WSGI's legacy write(); Django never calls it
        self.pending.append(chunk)

    def _send_pending(self, more: bool) -> None:
        """From the handler's thread: what it has so far, sent by the event loop."""
        future = asyncio.run_coroutine_threadsafe(self._flush(more), self.loop)
        future.result()

    async def _flush(self, more: bool) -> None:
        if self.start is not None:
            await self.send(self.start)
            self.start = None
        body, self.pending, self.size = b"".join(self.pending), [], 0
        await self.send({"type": "http.response.body", "body": body, "more_body": more})

    async def finish(self) -> None:
        await self._flush(more=False)
