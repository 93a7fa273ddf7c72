"""A cheap loopback HTTP/1.1 server answering with pre-rendered chat completions.

Used by `bench/run.py` as the far end of every stack under test. It is a raw asyncio
`Protocol` (no framework, no per-request objects) so that it stays far below half a core
while the fastest client (raw httpx2) hammers it from the other core.

The reply is chosen by the first `bench-…` model id found in the request body, so every
stack can select it through its normal API (`model="bench-json"` and so on):

| model id            | reply                                                           |
|---------------------|-----------------------------------------------------------------|
| `bench-json`        | a `chat.completion` with a short assistant message              |
| `bench-tools`       | a `chat.completion` whose message is one tool call              |
| `bench-stream-200`  | SSE: 200 content chunks, a usage chunk, `data: [DONE]`          |
| `bench-stream-1000` | SSE: 1,000 content chunks, a usage chunk, `data: [DONE]`        |

Any request path is accepted (the stacks build different URLs). `GET /__stats` answers
the server's own CPU seconds, for platforms without `/proc`.

Streams are framed as a real SSE server frames them (`--stream-framing chunked`, the
default): `transfer-encoding: chunked`, one HTTP chunk per SSE event, so each client pays the
per-event framing cost it pays in production. The whole stream still goes out in one write, so
the server does no per-chunk work. `--stream-framing length` sends one `content-length` body
instead (fewer client-side read events; the raw-httpx2 per-chunk baseline drops about 3x).

Run: `python bench/server.py [--cpu N] [--max-seconds S] [--stream-framing chunked|length]
[--watch-stdin]`; the first stdout line is the URL. The server exits by itself after
`--max-seconds` (default 900), or as soon as its stdin closes with `--watch-stdin`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

CREATED = 1_767_225_600
SYSTEM_FINGERPRINT = "fp_bench"
#: Gateway headers a real Cloudflare AI Gateway answer carries (parsed by our model).
GATEWAY_HEADERS = (
    b"cf-aig-cache-status: MISS\r\n"
    b"cf-aig-log-id: 01JBENCH00000000000000000000\r\n"
    b"x-request-id: req_bench\r\n"
)
USAGE = {
    "prompt_tokens": 19,
    "completion_tokens": 6,
    "total_tokens": 25,
    "prompt_tokens_details": {"text_tokens": 19, "cached_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0},
}
TOOL_CALL = {
    "id": "call_bench_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}
STREAM_SIZES = (200, 1000)


def _http(status: str, content_type: bytes, body: bytes, extra: bytes = b"") -> bytes:
    """One complete keep-alive HTTP/1.1 response."""
    return (
        b"HTTP/1.1 "
        + status.encode()
        + b"\r\ncontent-type: "
        + content_type
        + b"\r\ncontent-length: "
        + str(len(body)).encode()
        + b"\r\n"
        + extra
        + b"\r\n"
        + body
    )


def _dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def completion(model: str, message: dict[str, object], finish_reason: str) -> bytes:
    """A `chat.completion` body as xAI returns it."""
    return _dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": CREATED,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": USAGE,
            "system_fingerprint": SYSTEM_FINGERPRINT,
        }
    )


def _http_chunked(status: str, content_type: bytes, parts: list[bytes], extra: bytes) -> bytes:
    """One complete keep-alive HTTP/1.1 response, one transfer-encoding chunk per part."""
    framed = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts)
    return (
        b"HTTP/1.1 "
        + status.encode()
        + b"\r\ncontent-type: "
        + content_type
        + b"\r\ntransfer-encoding: chunked\r\n"
        + extra
        + b"\r\n"
        + framed
        + b"0\r\n\r\n"
    )


def sse_events(model: str, n_chunks: int) -> list[bytes]:
    """SSE events: `n_chunks` content chunks, one usage chunk, then `data: [DONE]`."""
    events = []
    for i in range(n_chunks):
        delta: dict[str, object] = {"content": "tok "}
        if i == 0:
            delta["role"] = "assistant"
        last = i == n_chunks - 1
        events.append(
            {
                "id": "chatcmpl-bench",
                "object": "chat.completion.chunk",
                "created": CREATED,
                "model": model,
                "choices": [
                    {"index": 0, "delta": delta, "finish_reason": "stop" if last else None}
                ],
                "system_fingerprint": SYSTEM_FINGERPRINT,
            }
        )
    events.append(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": model,
            "choices": [],
            "usage": USAGE,
            "system_fingerprint": SYSTEM_FINGERPRINT,
        }
    )
    lines = [b"data: " + _dumps(event) + b"\n\n" for event in events]
    lines.append(b"data: [DONE]\n\n")
    return lines


def render_replies(stream_framing: str = "chunked") -> dict[bytes, bytes]:
    """Every reply, fully rendered (status line, headers and body), keyed by model id."""
    json_type = b"application/json"
    sse_type = b"text/event-stream"
    sse_extra = GATEWAY_HEADERS + b"cache-control: no-cache\r\n"
    replies = {
        b"bench-json": _http(
            "200 OK",
            json_type,
            completion(
                "bench-json",
                {"role": "assistant", "content": "Hello from the bench server.", "refusal": None},
                "stop",
            ),
            GATEWAY_HEADERS,
        ),
        b"bench-tools": _http(
            "200 OK",
            json_type,
            completion(
                "bench-tools",
                {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]},
                "tool_calls",
            ),
            GATEWAY_HEADERS,
        ),
    }
    for size in STREAM_SIZES:
        name = f"bench-stream-{size}"
        events = sse_events(name, size)
        replies[name.encode()] = (
            _http_chunked("200 OK", sse_type, events, sse_extra)
            if stream_framing == "chunked"
            else _http("200 OK", sse_type, b"".join(events), sse_extra)
        )
    return replies


REPLIES = render_replies()
NOT_FOUND = _http(
    "404 Not Found",
    b"application/json",
    _dumps({"error": {"message": "unknown bench model id", "type": "not_found"}}),
)
BAD_REQUEST = _http(
    "400 Bad Request",
    b"application/json",
    _dumps({"error": {"message": "bench server needs content-length bodies"}}),
    b"connection: close\r\n",
)


def pick_reply(body: bytes) -> bytes:
    """The pre-rendered reply for the first `bench-…` model id in `body`."""
    start = body.find(b"bench-")
    if start < 0:
        return NOT_FOUND
    end = body.find(b'"', start)
    return REPLIES.get(body[start:end], NOT_FOUND)


def stats_reply() -> bytes:
    """Own CPU seconds (user + system), for `GET /__stats`."""
    return _http("200 OK", b"application/json", _dumps({"cpu_seconds": time.process_time()}))


class BenchProtocol(asyncio.Protocol):
    """One keep-alive connection: parse requests just enough to pick a reply."""

    __slots__ = ("_buffer", "_transport")

    def __init__(self) -> None:
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        transport = self._transport
        assert transport is not None
        buffer = self._buffer + data if self._buffer else data
        while True:
            head_end = buffer.find(b"\r\n\r\n")
            if head_end < 0:
                break
            head = buffer[:head_end].lower()
            if b"\r\ntransfer-encoding:" in head:
                transport.write(BAD_REQUEST)
                transport.close()
                return
            length = 0
            at = head.find(b"\r\ncontent-length:")
            if at >= 0:
                line_end = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : line_end if line_end >= 0 else None])
            total = head_end + 4 + length
            if len(buffer) < total:
                break
            if head.startswith(b"get /__stats"):
                transport.write(stats_reply())
            else:
                transport.write(pick_reply(buffer[head_end + 4 : total]))
            buffer = buffer[total:]
            if b"\r\nconnection: close" in head:
                transport.close()
                return
        self._buffer = buffer


async def serve(host: str, port: int, max_seconds: float, *, watch_stdin: bool = False) -> None:
    """Serve until `max_seconds` have passed (or stdin closes), printing the URL first.

    With `watch_stdin`, the server also stops when its stdin reaches EOF: a parent that holds
    the other end of a pipe and dies (even by SIGKILL) takes the server down with it.
    """
    loop = asyncio.get_running_loop()
    server = await loop.create_server(BenchProtocol, host, port, backlog=1024)
    bound_port = server.sockets[0].getsockname()[1]
    print(f"http://{host}:{bound_port}", flush=True)
    stop = asyncio.Event()
    if watch_stdin:
        fd = sys.stdin.fileno()

        def on_stdin() -> None:
            if not os.read(fd, 4096):
                loop.remove_reader(fd)
                stop.set()

        loop.add_reader(fd, on_stdin)
    try:
        await asyncio.wait_for(stop.wait(), max_seconds)
    except asyncio.TimeoutError:
        pass
    finally:
        server.close()


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, pin to a core if asked, serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cpu", type=int, default=None, help="pin the server to this core")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    parser.add_argument("--stream-framing", choices=("chunked", "length"), default="chunked")
    parser.add_argument(
        "--watch-stdin", action="store_true", help="exit when stdin closes (parent gone)"
    )
    args = parser.parse_args(argv)
    REPLIES.update(render_replies(args.stream_framing))
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        parser.error("the bench server binds loopback only")
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    try:
        asyncio.run(serve(args.host, args.port, args.max_seconds, watch_stdin=args.watch_stdin))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
