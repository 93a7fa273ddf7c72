"""ChatTransport on real loopback sockets: event loops, stalls, resets, truncation, descriptors.

Not the gateway emulator: a tiny scripted HTTP/1.1 server of our own (stdlib sockets, 127.0.0.1,
port 0) so each fault is exact — an RST via `SO_LINGER` 0, a `Content-Length` body cut short, a
stream that stops sending, a port bound then closed — and every request is recorded as it
arrived on the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import openai
import pytest

from langchain_cfgateway_grok import _errors as errors
from langchain_cfgateway_grok._transport import ChatTransport

LOG_ID = "0199c3a8-5f5e-7e4b-9f55-loopback0001"
BODY = {"model": "grok-4", "messages": [{"role": "user", "content": "hi"}]}
COMPLETION = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1,
    "model": "grok-4",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hi"}}
    ],
}


@dataclass
class Seen:
    """One request as it arrived on the wire."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Action = Callable[[socket.socket, "LoopbackServer"], bool]
"""Answers one request on a connection; returns whether the connection stays open."""


@dataclass
class LoopbackServer:
    """HTTP/1.1 over 127.0.0.1:0 answering each request with the next scripted action."""

    script: list[Action] = field(default_factory=list)
    default: Action | None = None
    requests: list[Seen] = field(default_factory=list)
    connections: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=512)
        self._lock = threading.Lock()
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/v1/acct/gw/grok/v1/chat/completions"
        self._threads: list[threading.Thread] = []
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        with contextlib.suppress(OSError):
            while not self.stop.is_set():
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                body, buffer = buffer[:length], buffer[length:]
                with self._lock:
                    self.requests.append(Seen(method, path, headers, body))
                    action = self.script.pop(0) if self.script else self.default
                assert action is not None, "no scripted answer left"
                if not action(conn, self):
                    return
        with contextlib.suppress(OSError):
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self._listener.close()


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer()
    yield srv
    srv.close()


# -- scripted answers ----------------------------------------------------------------------------


def head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def respond(
    status: int = 200, body: object = COMPLETION, headers: dict[str, str] | None = None
) -> Action:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()

    def action(conn: socket.socket, _: LoopbackServer) -> bool:
        base = {
            "content-type": "application/json",
            "content-length": str(len(content)),
            "cf-aig-log-id": LOG_ID,
        }
        conn.sendall(head(status, {**base, **(headers or {})}) + content)
        return True

    return action


def chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts)


def sse_events(n: int, *, newline: bytes = b"\n") -> list[bytes]:
    events = []
    for i in range(n):
        payload = {
            "id": "c1",
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": f"t{i} "}}],
        }
        events.append(b"data: " + json.dumps(payload).encode() + newline + newline)
    return events


SSE_HEAD = head(
    200,
    {"content-type": "text/event-stream", "transfer-encoding": "chunked", "cf-aig-log-id": LOG_ID},
)


def stream(n: int, *, done: bool = True, newline: bytes = b"\n") -> Action:
    def action(conn: socket.socket, _: LoopbackServer) -> bool:
        events = sse_events(n, newline=newline)
        if done:
            events.append(b"data: [DONE]" + newline + newline)
        conn.sendall(SSE_HEAD)
        for event in events:  # one write per event, split in two to exercise reassembly
            conn.sendall(chunked(event[:7], event[7:]))
        conn.sendall(b"0\r\n\r\n")
        return True

    return action


def reset(prefix: bytes = b"") -> Action:
    """Send `prefix`, then abort the connection with an RST (SO_LINGER 0)."""

    def action(conn: socket.socket, _: LoopbackServer) -> bool:
        if prefix:
            conn.sendall(prefix)
            time.sleep(0.05)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        return False

    return action


def stall(prefix: bytes = b"", seconds: float = 10.0) -> Action:
    """Send `prefix`, then nothing for `seconds` (or until the server stops)."""

    def action(conn: socket.socket, srv: LoopbackServer) -> bool:
        if prefix:
            conn.sendall(prefix)
        srv.stop.wait(seconds)
        conn.close()
        return False

    return action


def truncated(declared: int, body: bytes) -> Action:
    """A `Content-Length: declared` response whose body stops after `body`, then a close."""

    def action(conn: socket.socket, _: LoopbackServer) -> bool:
        conn.sendall(
            head(200, {"content-type": "application/json", "content-length": str(declared)}) + body
        )
        conn.close()
        return False

    return action


def make(server: LoopbackServer, **kwargs: Any) -> tuple[ChatTransport, list[float]]:
    sleeps: list[float] = []

    async def asleep(seconds: float) -> None:
        sleeps.append(seconds)

    settings: dict[str, Any] = {
        "url": server.url,
        "headers": {
            "authorization": "Bearer xai-loopback-key",
            "cf-aig-authorization": "Bearer tok",
        },
        "timeout": 5.0,
        "max_retries": 2,
        "sleep": sleeps.append,
        "asleep": asleep,
        **kwargs,
    }
    return ChatTransport(**settings), sleeps


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def fds_settle_at_most(limit: int, timeout: float = 3.0) -> int:
    """Open descriptors once they are <= `limit`, or the count after `timeout`.

    The server runs in this process: its side of a connection closes a moment after the client's,
    on its own thread, so a count taken at once can be off by the sockets still closing.
    """
    deadline = time.monotonic() + timeout
    while (count := open_fds()) > limit and time.monotonic() < deadline:
        time.sleep(0.02)
    return count


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")


# -- event loops and threads -----------------------------------------------------------------------


def test_two_successive_asyncio_runs(server: LoopbackServer) -> None:
    server.default = respond()
    transport, _ = make(server)

    async def burst() -> list[dict[str, Any]]:
        replies = await asyncio.gather(*(transport.apost(BODY) for _ in range(20)))
        return [reply.json for reply in replies]

    assert asyncio.run(burst()) == [COMPLETION] * 20
    assert asyncio.run(burst()) == [COMPLETION] * 20  # a dead loop's connections are not reused
    assert len(server.requests) == 40


def test_two_threads_each_with_its_own_loop(server: LoopbackServer) -> None:
    server.default = respond()
    transport, _ = make(server)
    results: dict[int, list[int]] = {}

    async def burst() -> list[int]:
        replies = await asyncio.gather(*(transport.apost(BODY) for _ in range(20)))
        return [reply.status_code for reply in replies]

    def run(index: int) -> None:
        for _ in range(3):
            results.setdefault(index, []).extend(asyncio.run(burst()))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == {0: [200] * 60, 1: [200] * 60}


@needs_proc
def test_event_loops_do_not_leak_descriptors(server: LoopbackServer) -> None:
    server.default = respond()
    transport, _ = make(server)

    async def burst() -> None:
        await asyncio.gather(*(transport.apost(BODY) for _ in range(30)))

    asyncio.run(burst())
    baseline = fds_settle_at_most(0, timeout=0.2)
    for _ in range(10):
        asyncio.run(burst())
    assert fds_settle_at_most(baseline) <= baseline


def test_sequential_calls_reuse_one_connection(server: LoopbackServer) -> None:
    server.default = respond()
    transport, _ = make(server, timeout=5.5)  # its own shared client: a fresh pool
    for _ in range(5):
        transport.post(BODY)

    async def calls() -> None:
        for _ in range(5):
            await transport.apost(BODY)
        server.script.extend([stream(3), stream(3)])
        for _ in range(2):
            async with transport.astream(BODY) as chunks:
                assert len([c async for c in chunks]) == 3

    asyncio.run(calls())
    # one sync connection; one async one, reused after each [DONE] (drained like the SDK does)
    assert server.connections == 2


# -- streams on the wire ---------------------------------------------------------------------------


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_stream_over_chunked_encoding(server: LoopbackServer, newline: bytes) -> None:
    server.default = stream(50, newline=newline)
    transport, _ = make(server)
    with transport.stream(BODY) as chunks:
        assert chunks.log_id == LOG_ID
        received = [c["choices"][0]["delta"]["content"] for c in chunks]
    assert received == [f"t{i} " for i in range(50)]


def test_async_stream_over_chunked_encoding(server: LoopbackServer) -> None:
    server.default = stream(50)
    transport, _ = make(server)

    async def run() -> list[str]:
        async with transport.astream(BODY) as chunks:
            return [c["choices"][0]["delta"]["content"] async for c in chunks]

    assert asyncio.run(run()) == [f"t{i} " for i in range(50)]


def test_stream_ending_without_done_raises(server: LoopbackServer) -> None:
    server.default = stream(5, done=False)
    transport, _ = make(server)
    received: list[dict[str, Any]] = []
    with pytest.raises(errors.IncompleteStreamError) as caught:
        read_into(transport, received)
    assert len(received) == 5
    assert caught.value.log_id == LOG_ID


def test_reset_mid_stream_raises_a_connection_error_with_log_id(server: LoopbackServer) -> None:
    events = sse_events(3)
    server.default = reset(SSE_HEAD + chunked(*events))
    transport, _ = make(server)
    received: list[dict[str, Any]] = []
    with pytest.raises(errors.CloudflareGrokConnectionError) as caught:
        read_into(transport, received)
    assert len(received) == 3
    assert caught.value.log_id == LOG_ID
    assert isinstance(caught.value.__cause__, httpx2.TransportError)
    assert len(server.requests) == 1  # never re-sent once chunks were yielded


def test_malformed_line_on_the_wire(server: LoopbackServer) -> None:
    def action(conn: socket.socket, _: LoopbackServer) -> bool:
        conn.sendall(
            SSE_HEAD
            + chunked(sse_events(1)[0], b'data: {"id": "c1", "choices": [\n\n')
            + b"0\r\n\r\n"
        )
        return True

    server.default = action
    transport, _ = make(server)
    with pytest.raises(errors.MalformedStreamError) as caught, transport.stream(BODY) as chunks:
        list(chunks)
    assert caught.value.log_id == LOG_ID


def test_stalled_stream_ends_within_the_read_timeout_sync(server: LoopbackServer) -> None:
    server.default = stall(SSE_HEAD + chunked(*sse_events(2)))
    transport, _ = make(server, timeout=httpx2.Timeout(5.0, read=0.3))
    started = time.monotonic()
    received: list[dict[str, Any]] = []
    with pytest.raises(openai.APITimeoutError) as caught:
        read_into(transport, received)
    assert time.monotonic() - started < 2.0
    assert len(received) == 2
    assert caught.value.log_id == LOG_ID
    assert isinstance(caught.value.__cause__, httpx2.ReadTimeout)


def test_stalled_stream_ends_within_the_read_timeout_async(server: LoopbackServer) -> None:
    server.default = stall(SSE_HEAD + chunked(*sse_events(2)))
    transport, _ = make(server, timeout=httpx2.Timeout(5.0, read=0.3))

    async def run() -> int:
        received = 0
        async with transport.astream(BODY) as chunks:
            async for _ in chunks:
                received += 1
        return received

    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError) as caught:
        asyncio.run(run())
    assert time.monotonic() - started < 2.0
    assert caught.value.log_id == LOG_ID


def keep_alives_forever(conn: socket.socket, srv: LoopbackServer) -> bool:
    """One chunk, then only `: ping` comments every 50 ms: the socket never goes quiet."""
    conn.sendall(SSE_HEAD + chunked(sse_events(1)[0]))
    while not srv.stop.wait(0.05):
        conn.sendall(chunked(b": ping\n\n"))
    return False


@pytest.mark.parametrize("operation", ["stream", "astream"])
def test_keep_alive_only_stream_ends_within_the_chunk_timeout(
    server: LoopbackServer, operation: str
) -> None:
    server.default = keep_alives_forever
    transport, _ = make(server, timeout=5.0, chunk_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(errors.CloudflareGrokTimeoutError) as caught:
        run_operation(transport, operation)
    assert 0.3 <= time.monotonic() - started < 2.0  # the 5 s read timeout never fires
    assert "No stream chunk for 0.3 s" in str(caught.value)
    assert caught.value.log_id == LOG_ID


def test_guardrails_buffered_body_for_a_stream(server: LoopbackServer) -> None:
    server.default = respond()
    transport, _ = make(server)
    with transport.stream(BODY) as chunks:
        assert chunks.buffered
        received = list(chunks)
    assert received[0]["choices"][0]["delta"]["content"] == "hi"
    assert received[0]["choices"][0]["finish_reason"] == "stop"


# -- faults before an answer -----------------------------------------------------------------------


def test_no_first_byte_within_the_timeout_is_retried_then_raised(server: LoopbackServer) -> None:
    server.default = stall(seconds=5.0)
    transport, sleeps = make(server, timeout=httpx2.Timeout(5.0, read=0.2), max_retries=1)
    started = time.monotonic()
    with pytest.raises(errors.CloudflareGrokTimeoutError) as caught:
        transport.post(BODY)
    assert time.monotonic() - started < 2.0
    assert len(server.requests) == 2
    assert len(sleeps) == 1
    assert isinstance(caught.value.__cause__, httpx2.ReadTimeout)
    assert caught.value.log_id is None  # no response, no log id


@pytest.mark.parametrize("operation", ["post", "stream", "apost", "astream"])
def test_reset_before_the_response(server: LoopbackServer, operation: str) -> None:
    server.default = reset()
    transport, sleeps = make(server, max_retries=2)
    with pytest.raises(errors.CloudflareGrokConnectionError) as caught:
        run_operation(transport, operation)
    assert len(server.requests) == 3
    assert len(sleeps) == 2
    assert isinstance(caught.value.__cause__, httpx2.TransportError)


def test_truncated_json_body_is_retried_then_raised(server: LoopbackServer) -> None:
    server.default = truncated(400, json.dumps(COMPLETION).encode()[:40])
    transport, _ = make(server, max_retries=1)
    with pytest.raises(errors.CloudflareGrokConnectionError) as caught:
        transport.post(BODY)
    assert len(server.requests) == 2
    assert isinstance(caught.value.__cause__, httpx2.RemoteProtocolError)


def test_refused_connection() -> None:
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # bound, then closed: nothing listens there now
    sleeps: list[float] = []
    transport = ChatTransport(
        url=f"http://127.0.0.1:{port}/v1/chat/completions",
        headers={},
        timeout=2.0,
        max_retries=2,
        sleep=sleeps.append,
    )
    with pytest.raises(errors.CloudflareGrokConnectionError) as caught:
        transport.post(BODY)
    assert len(sleeps) == 2
    assert isinstance(caught.value.__cause__, httpx2.ConnectError)


@pytest.mark.parametrize("operation", ["post", "stream", "apost", "astream"])
def test_retry_after_then_success_on_every_operation(
    server: LoopbackServer, operation: str
) -> None:
    server.script = [
        respond(429, {"code": "x", "error": "slow down"}, {"retry-after-ms": "10"}),
        respond(503, b"upstream overloaded", {"content-type": "text/plain"}),
    ]
    server.default = stream(2) if "stream" in operation else respond()
    transport, sleeps = make(server, max_retries=2)
    assert run_operation(transport, operation)
    assert len(server.requests) == 3
    assert sleeps[0] == 0.01


@pytest.mark.parametrize("operation", ["post", "stream", "apost", "astream"])
def test_spend_limit_is_not_retried(server: LoopbackServer, operation: str) -> None:
    body = {
        "success": False,
        "error": [{"code": 2041, "message": "Spend limit exceeded"}],
        "name": "AiGatewayError",
        "internalCode": 2041,
    }
    server.default = respond(429, body)
    transport, sleeps = make(server, max_retries=3)
    with pytest.raises(errors.GatewaySpendLimitError) as caught:
        run_operation(transport, operation)
    assert len(server.requests) == 1
    assert sleeps == []
    assert caught.value.log_id == LOG_ID
    assert caught.value.gateway_code == 2041


def test_stored_keys_mode_sends_no_authorization_on_the_wire(server: LoopbackServer) -> None:
    server.script = [
        respond(500, b"boom", {"content-type": "text/plain"}),
        respond(),
        respond(503, b"x"),
        stream(1),
    ]
    transport, _ = make(
        server, headers={"cf-aig-authorization": "Bearer tok", "authorization": "Bearer old"}
    )
    transport.post(BODY, headers={"authorization": None})
    with transport.stream(BODY, headers={"Authorization": None}) as chunks:
        assert len(list(chunks)) == 1
    assert len(server.requests) == 4
    for seen in server.requests:
        assert "authorization" not in seen.headers
        assert seen.headers["cf-aig-authorization"] == "Bearer tok"
        assert seen.headers["content-type"] == "application/json"
        assert seen.headers["user-agent"].startswith("langchain-cfgateway-grok/")
        assert json.loads(seen.body) == BODY


@needs_proc
def test_descriptors_stay_steady_over_many_faulted_calls(server: LoopbackServer) -> None:
    faults = [reset(), respond(500, b"no"), truncated(100, b"{"), stream(2, done=False)]
    transport, _ = make(server, max_retries=0, timeout=5.7)

    def faulted_call(i: int) -> None:
        server.script.append(faults[i % len(faults)])
        with contextlib.suppress(openai.APIError):
            run_operation(transport, "stream" if i % 4 == 3 else "post")

    for i in range(20):
        faulted_call(i)
    baseline = fds_settle_at_most(0, timeout=0.2)
    for i in range(400):
        faulted_call(i)
    assert fds_settle_at_most(baseline) <= baseline


def read_into(transport: ChatTransport, received: list[dict[str, Any]]) -> None:
    """Stream into `received`, so a test sees what arrived before an error."""
    with transport.stream(BODY) as chunks:
        for chunk in chunks:
            received.append(chunk)


def run_operation(transport: ChatTransport, operation: str) -> bool:
    if operation == "post":
        return transport.post(BODY).status_code == 200
    if operation == "stream":
        with transport.stream(BODY) as chunks:
            list(chunks)
        return True
    if operation == "apost":
        return asyncio.run(transport.apost(BODY)).status_code == 200

    async def astream() -> bool:
        async with transport.astream(BODY) as chunks:
            [c async for c in chunks]
        return True

    return asyncio.run(astream())
