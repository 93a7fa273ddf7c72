"""The fault plan: failures a test schedules, at the edge (what the client sees) or upstream.

Two kinds, kept in two FIFO queues:

- **Upstream faults** (`upstream_status`, `upstream_delay`) happen between the gateway and "xAI".
  The gateway sees them like real provider failures: it retries them per `cf-aig-max-attempts`,
  times them out per `cf-aig-request-timeout`, and logs them. One is used per upstream attempt.
- **Edge faults** shape the HTTP answer the client gets: a replaced status/body (429 with
  `Retry-After`, 5xx, a gateway envelope, plain text or HTML), a late first byte, a stalled or cut
  stream, a malformed SSE line, a truncated body. One is used per incoming request.

Each fault applies to the next `times` requests (or attempts) of its kind. Delays on the edge are
real seconds (they must hold a real socket); `upstream_delay` runs on the emulator clock.
No I/O here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from langchain_cfgateway_grok.emulator._gateway_errors import GATEWAY_ERRORS

BodyKind = Literal["json", "text", "html"]

#: What a malformed SSE event looks like unless a test supplies its own line.
DEFAULT_MALFORMED_SSE = b'data: {"id": "chatcmpl-broken", "choices": [\n\n'


@dataclass(frozen=True)
class Fault:
    """One scheduled failure; build it with `FaultPlan.add(...)`."""

    times: int = 1
    # Upstream: what "xAI" does, as the gateway sees it.
    upstream_status: int | None = None
    upstream_body: Any = None
    upstream_headers: Mapping[str, str] | None = None
    upstream_delay: float | None = None
    # Edge: the answer the client gets instead of (or on top of) the gateway's.
    status: int | None = None
    body: Any = None
    body_kind: BodyKind | None = None
    gateway_error: str | None = None
    headers: Mapping[str, str] | None = None
    retry_after: float | None = None
    retry_after_ms: float | None = None
    first_byte_delay: float | None = None
    stall_after_chunks: int | None = None
    stall_seconds: float | None = None
    cut_stream_after_chunks: int | None = None
    cut_abruptly: bool = True
    malformed_sse_after_chunks: int | None = None
    malformed_sse_line: bytes = DEFAULT_MALFORMED_SSE
    truncate_body: bool = False

    @property
    def is_upstream(self) -> bool:
        """True for faults between gateway and xAI."""
        return self.upstream_status is not None or self.upstream_delay is not None

    @property
    def replaces_answer(self) -> bool:
        """True when the edge answers with its own status/body instead of the gateway's."""
        return self.status is not None or self.gateway_error is not None


def _check_non_negative(name: str, value: float | None) -> None:
    if value is not None and not value >= 0:
        msg = f"`{name}` must be >= 0 seconds; got {value!r}."
        raise ValueError(msg)


def _validate(fault: Fault) -> None:
    if fault.times < 1:
        msg = f"`times` must be >= 1; got {fault.times}."
        raise ValueError(msg)
    if fault.upstream_body is not None and fault.upstream_status is None:
        msg = "`upstream_body` needs `upstream_status`."
        raise ValueError(msg)
    edge_fields = {
        "status": fault.status,
        "body": fault.body,
        "body_kind": fault.body_kind,
        "gateway_error": fault.gateway_error,
        "headers": fault.headers,
        "retry_after": fault.retry_after,
        "retry_after_ms": fault.retry_after_ms,
        "first_byte_delay": fault.first_byte_delay,
        "stall_after_chunks": fault.stall_after_chunks,
        "cut_stream_after_chunks": fault.cut_stream_after_chunks,
        "malformed_sse_after_chunks": fault.malformed_sse_after_chunks,
        "truncate_body": fault.truncate_body or None,
    }
    used_edge = sorted(name for name, value in edge_fields.items() if value is not None)
    if fault.is_upstream and used_edge:
        msg = (
            "A fault is either upstream (`upstream_*`) or at the edge; got both "
            f"(edge fields: {', '.join(used_edge)}). Add two faults instead."
        )
        raise ValueError(msg)
    if not fault.is_upstream and not used_edge:
        msg = "An empty fault does nothing: pass e.g. `upstream_status=503` or `status=429`."
        raise ValueError(msg)
    for name, code in (("upstream_status", fault.upstream_status), ("status", fault.status)):
        if code is not None and not 100 <= code <= 599:
            msg = f"`{name}` must be an HTTP status 100..599; got {code}."
            raise ValueError(msg)
    if fault.gateway_error is not None and fault.gateway_error not in GATEWAY_ERRORS:
        names = ", ".join(sorted(GATEWAY_ERRORS))
        msg = f"Unknown `gateway_error` {fault.gateway_error!r}; use one of: {names}."
        raise ValueError(msg)
    if (fault.body is not None or fault.body_kind is not None) and fault.status is None:
        msg = "`body`/`body_kind` need `status` (use `gateway_error` for an envelope)."
        raise ValueError(msg)
    if (fault.stall_after_chunks is None) != (fault.stall_seconds is None):
        msg = "`stall_after_chunks` and `stall_seconds` go together."
        raise ValueError(msg)
    for name in (
        "upstream_delay",
        "first_byte_delay",
        "stall_seconds",
        "retry_after",
        "retry_after_ms",
    ):
        _check_non_negative(name, getattr(fault, name))
    for name in ("stall_after_chunks", "cut_stream_after_chunks", "malformed_sse_after_chunks"):
        value = getattr(fault, name)
        if value is not None and value < 0:
            msg = f"`{name}` must be >= 0; got {value}."
            raise ValueError(msg)


class FaultPlan:
    """FIFO queues of upstream and edge faults; thread-safe (tests add, the server consumes)."""

    def __init__(self) -> None:
        self._upstream: list[Fault] = []
        self._edge: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        *,
        times: int = 1,
        upstream_status: int | None = None,
        upstream_body: Any = None,
        upstream_headers: Mapping[str, str] | None = None,
        upstream_delay: float | None = None,
        status: int | None = None,
        body: Any = None,
        body_kind: BodyKind | None = None,
        gateway_error: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
        retry_after_ms: float | None = None,
        first_byte_delay: float | None = None,
        stall_after_chunks: int | None = None,
        stall_seconds: float | None = None,
        cut_stream_after_chunks: int | None = None,
        cut_abruptly: bool = True,
        malformed_sse_after_chunks: int | None = None,
        malformed_sse_line: bytes = DEFAULT_MALFORMED_SSE,
        truncate_body: bool = False,
    ) -> Fault:
        """Schedule a fault for the next `times` requests (edge) or upstream attempts (upstream).

        Args:
            times: How many requests/attempts it applies to.
            upstream_status: "xAI" answers this status (the gateway may retry it).
            upstream_body: Body for `upstream_status`: dict/list -> JSON, str/bytes -> raw.
                Default: an xAI-style flat `{"code", "error"}` body.
            upstream_headers: Extra headers on the upstream answer (e.g. `retry-after`).
            upstream_delay: Seconds, on the emulator clock, before xAI's first byte; compared
                with `cf-aig-request-timeout`.
            status: The client gets this status instead of the gateway's answer.
            body: Body for `status`: dict/list -> JSON, str/bytes -> sent as is.
            body_kind: `json`, `text` (`text/plain`) or `html` (`text/html`); default from `body`.
            gateway_error: Answer a gateway error envelope by name (see `GATEWAY_ERRORS`);
                `status` overrides its HTTP status.
            headers: Extra response headers on the edge answer.
            retry_after: Adds `Retry-After: <seconds>`.
            retry_after_ms: Adds `retry-after-ms: <ms>`.
            first_byte_delay: Real seconds before the status line is sent.
            stall_after_chunks: With `stall_seconds`: pause a stream for real after N SSE events.
            stall_seconds: Real seconds of the stall.
            cut_stream_after_chunks: End a stream after N SSE events without `data: [DONE]`.
            cut_abruptly: True (default) drops the connection mid-body; False ends the HTTP
                body cleanly, just without `[DONE]`.
            malformed_sse_after_chunks: Insert a malformed SSE event after N events.
            malformed_sse_line: The bytes of that event.
            truncate_body: Send a JSON answer with its full `Content-Length` but only half the
                bytes, then close the connection.

        Returns:
            The scheduled `Fault`.

        Raises:
            ValueError: On contradictory or out-of-range arguments.
        """
        fault = Fault(
            times=times,
            upstream_status=upstream_status,
            upstream_body=upstream_body,
            upstream_headers=upstream_headers,
            upstream_delay=upstream_delay,
            status=status,
            body=body,
            body_kind=body_kind,
            gateway_error=gateway_error,
            headers=headers,
            retry_after=retry_after,
            retry_after_ms=retry_after_ms,
            first_byte_delay=first_byte_delay,
            stall_after_chunks=stall_after_chunks,
            stall_seconds=stall_seconds,
            cut_stream_after_chunks=cut_stream_after_chunks,
            cut_abruptly=cut_abruptly,
            malformed_sse_after_chunks=malformed_sse_after_chunks,
            malformed_sse_line=malformed_sse_line,
            truncate_body=truncate_body,
        )
        _validate(fault)
        with self._lock:
            (self._upstream if fault.is_upstream else self._edge).append(fault)
        return fault

    def take_upstream(self) -> Fault | None:
        """Use one upstream fault (for one attempt), or None."""
        with self._lock:
            return _take(self._upstream)

    def take_edge(self) -> Fault | None:
        """Use one edge fault (for one request), or None."""
        with self._lock:
            return _take(self._edge)

    @property
    def pending(self) -> list[Fault]:
        """Faults not used up yet (upstream first), with their remaining `times`."""
        with self._lock:
            return [*self._upstream, *self._edge]

    def clear(self) -> None:
        """Drop every scheduled fault."""
        with self._lock:
            self._upstream.clear()
            self._edge.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._upstream) + len(self._edge)


def _take(queue: list[Fault]) -> Fault | None:
    if not queue:
        return None
    fault = queue[0]
    if fault.times <= 1:
        queue.pop(0)
    else:
        queue[0] = replace(fault, times=fault.times - 1)
    return fault


def default_upstream_body(status: int) -> dict[str, str]:
    """An xAI-style flat error body for an injected upstream status.

    Exact xAI 429/5xx bodies are Unconfirmed (xai-api.md §1.5).
    """
    reasons = {
        429: "Too many requests",
        500: "Internal error",
        502: "Bad gateway",
        503: "Service unavailable",
        504: "Deadline exceeded",
    }
    reason = reasons.get(status, "Upstream error")
    return {"code": reason, "error": f"{reason} (emulated upstream fault, HTTP {status})."}


def encode_body(body: Any, kind: BodyKind | None) -> tuple[bytes, str]:
    """Bytes and content type for a fault body: dict/list -> JSON; str/bytes by `kind`."""
    if isinstance(body, dict | list):
        return json.dumps(body, separators=(",", ":")).encode(), "application/json"
    raw = body.encode() if isinstance(body, str) else bytes(body or b"")
    if kind is None:
        kind = "json" if raw.lstrip()[:1] in (b"{", b"[") else "text"
    content_type = {
        "json": "application/json",
        "text": "text/plain; charset=utf-8",
        "html": "text/html; charset=utf-8",
    }[kind]
    return raw, content_type
