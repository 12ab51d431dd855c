"""The sandbox's child process: runs jq programs for its parent (providers/sandbox.py).

Started as `python -m providers.sandbox_child MEMORY_MB MAX_OUTPUT_BYTES`. It imports no
Django and holds no connection: killing it at any moment loses nothing. Requests and replies
are a 4-byte big-endian length and that many bytes: a request is a JSON header line
(`{"program": ..., "first": bool}`) followed by the input as JSON text; a reply is JSON,
`{"results": [...]}`, `{"error": "..."}` or `{"limit": "..."}`.
"""

import json
import resource
import signal
import struct
import sys

CACHE_SIZE = 128


def main(memory_mb: int, max_output: int) -> None:
    # Ctrl-C in a terminal reaches the whole process group; the parent decides for us, and
    # we end when it closes our stdin.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import jq

    programs: dict = {}
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        request = read(source)
        if request is None:
            return
        reply = answer(jq, programs, request, max_output)
        sink.write(struct.pack(">I", len(reply)) + reply)
        sink.flush()


def read(source) -> bytes | None:
    header = source.read(4)
    if len(header) < 4:
        return None
    (size,) = struct.unpack(">I", header)
    body = source.read(size)
    return body if len(body) == size else None


def answer(jq, programs: dict, request: bytes, max_output: int) -> bytes:
    head, _, text = request.partition(b"\n")
    query = json.loads(head)
    try:
        results = run(jq, programs, query["program"], text.decode(), query["first"])
        reply = json.dumps({"results": results}, ensure_ascii=False).encode()
    except ValueError as exc:  # the jq library's compile and runtime errors
        return json.dumps({"error": str(exc)}).encode()
    except (MemoryError, RecursionError):
        return json.dumps({"limit": "memory"}).encode()
    if len(reply) > max_output:
        return json.dumps({"limit": "output"}).encode()
    return reply


def run(jq, programs: dict, program: str, text: str, first: bool) -> list:
    compiled = programs.get(program)
    if compiled is None:
        if len(programs) >= CACHE_SIZE:
            programs.clear()
        compiled = programs[program] = jq.compile(program)
    outputs = iter(compiled.input_text(text))
    if first:
        missing = object()
        found = next(outputs, missing)
        return [] if found is missing else [found]
    return list(outputs)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
