"""A raw-socket HTTP/1.1 listener beside the emulator, for faults only a socket can make.

`FaultProxy` listens on 127.0.0.1 (port 0), forwards every request unchanged to the gateway
emulator (so the emulator records every attempt and writes every real answer, log id included),
and sends the answer back through the next scripted `Action`:

- `forward`: the answer as the emulator wrote it;
- `reset_before_response`: nothing; the connection is aborted with an RST (`SO_LINGER` 0);
- `reset_mid_body(events=2)`: the status line, headers and the first `events` SSE events (a
  JSON body: its first half), then an RST;
- `keep_alives_after(events=1)`: the first `events` SSE events, then only `: ping` comments every
  50 ms: bytes keep arriving but no chunk does.

Stdlib sockets and one thread per connection; nothing here knows about the client under test.
`closed_port()` gives a port that was bound and closed again, for refused connections.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "Action",
    "Answer",
    "FaultProxy",
    "closed_port",
    "forward",
    "keep_alives_after",
    "reset_before_response",
    "reset_mid_body",
]

_READ = 65536
_KEEP_ALIVE_INTERVAL = 0.05
_KEEP_ALIVE_LIMIT = 10.0  # a stalled answer never outlives a test by much


@dataclass(frozen=True)
class Answer:
    """The emulator's answer to one forwarded request, split into its parts."""

    head: bytes
    """Status line and headers, including the blank line."""
    body: bytes
    """The body exactly as framed on the wire (chunked or `Content-Length`)."""

    @property
    def chunked(self) -> bool:
        """True for a `Transfer-Encoding: chunked` body (the emulator's streams)."""
        return b"transfer-encoding: chunked" in self.head.lower()


Action = Callable[[socket.socket, Answer, "FaultProxy"], None]
"""Sends (part of) an answer on the client's connection; the proxy closes it afterwards."""


def forward(conn: socket.socket, answer: Answer, _: FaultProxy) -> None:
    """The emulator's answer, unchanged."""
    conn.sendall(answer.head + answer.body)


def reset_before_response(conn: socket.socket, _answer: Answer, _proxy: FaultProxy) -> None:
    """No byte of the answer: the request was received and processed, then the line died."""
    _abort(conn)


def reset_mid_body(events: int = 2) -> Action:
    """The head and the first `events` SSE events (a JSON body: half of it), then an RST."""

    def action(conn: socket.socket, answer: Answer, _: FaultProxy) -> None:
        if answer.chunked:
            conn.sendall(answer.head + _first_events(answer.body, events))
        else:
            conn.sendall(answer.head + answer.body[: len(answer.body) // 2])
        time.sleep(0.02)  # let the client read the bytes before the reset discards them
        _abort(conn)

    return action


def keep_alives_after(events: int = 1) -> Action:
    """The first `events` SSE events, then `: ping` comments until the client goes away.

    A JSON answer (the request did not stream) is forwarded unchanged: the fault is a stream's.
    """

    def action(conn: socket.socket, answer: Answer, proxy: FaultProxy) -> None:
        if not answer.chunked:
            forward(conn, answer, proxy)
            return
        conn.sendall(answer.head + _first_events(answer.body, events))
        deadline = time.monotonic() + _KEEP_ALIVE_LIMIT
        ping = b"%x\r\n%s\r\n" % (len(b": ping\n\n"), b": ping\n\n")
        with contextlib.suppress(OSError):
            while time.monotonic() < deadline and not proxy.stopped.wait(_KEEP_ALIVE_INTERVAL):
                conn.sendall(ping)

    return action


def closed_port() -> int:
    """A loopback port that was just bound and closed: connecting to it is refused."""
    probe = socket.create_server(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()
    return port


@dataclass
class FaultProxy:
    """Forwards requests to `upstream` (`host`, `port`), answering through scripted actions.

    `script` is used first (one action per request, in order), then `default`.
    """

    upstream: tuple[str, int]
    default: Action = forward
    script: list[Action] = field(default_factory=list)
    requests: int = 0
    stopped: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=256)
        self._lock = threading.Lock()
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        """The gateway root to give the model (`gateway_url`)."""
        threading.Thread(target=self._accept, name="fault-proxy", daemon=True).start()

    def plan(self, action: Action, times: int) -> None:
        """Use `action` for the next `times` requests, `default` after them."""
        with self._lock:
            self.script[:] = [action] * times

    def close(self) -> None:
        """Stop accepting; connections being served finish on their own."""
        self.stopped.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.closing(conn), contextlib.suppress(OSError):
            request = _read_request(conn)
            if request is None:
                return
            answer = self._ask_upstream(request)
            with self._lock:
                self.requests += 1
                action = self.script.pop(0) if self.script else self.default
            action(conn, answer, self)

    def _ask_upstream(self, request: bytes) -> Answer:
        with socket.create_connection(self.upstream, timeout=10) as upstream:
            upstream.sendall(request)
            data = b""
            while chunk := upstream.recv(_READ):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return Answer(head + b"\r\n\r\n", body)


def _read_request(conn: socket.socket) -> bytes | None:
    """One request, re-framed with `connection: close` so the emulator ends its answer."""
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        data = conn.recv(_READ)
        if not data:
            return None
        buffer += data
    head, _, body = buffer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    kept = [lines[0]]
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"connection":
            continue
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        kept.append(line)
    kept.append(b"connection: close")
    while len(body) < length:
        data = conn.recv(_READ)
        if not data:
            return None
        body += data
    return b"\r\n".join(kept) + b"\r\n\r\n" + body[:length]


def _first_events(chunked_body: bytes, events: int) -> bytes:
    """The wire bytes of the chunks that carry the first `events` SSE events."""
    position, seen = 0, 0
    while seen < events:
        size_end = chunked_body.index(b"\r\n", position)
        size = int(chunked_body[position:size_end], 16)
        if size == 0:
            break
        data_start = size_end + 2
        seen += chunked_body[data_start : data_start + size].count(b"\n\n")
        position = data_start + size + 2
    return chunked_body[:position]


def _abort(conn: socket.socket) -> None:
    """Close with an RST instead of a FIN (`SO_LINGER` on, timeout 0)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
