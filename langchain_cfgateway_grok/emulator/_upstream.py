"""The gateway's view of "xAI": one answer per upstream call, from the model, a script or a fault.

Rendering xAI's answers is the `_xai` subpackage's job (docs/emulator-xai.md); this module only
adapts its `XaiResult` to what the gateway needs and builds the answers for scripted raw bodies and
injected upstream faults.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_cfgateway_grok.emulator import _xai
from langchain_cfgateway_grok.emulator._faults import Fault, default_upstream_body


@dataclass(frozen=True)
class UpstreamAnswer:
    """What xAI answered to one call, as the gateway relays it."""

    status: int
    body: bytes
    """The JSON (or raw) body; empty for a successful stream."""
    content_type: str
    chunks: tuple[dict[str, Any], ...] | None = None
    """Chunk objects of a successful stream, to be framed as SSE."""
    headers: Mapping[str, str] = field(default_factory=dict)
    json_body: Any = None
    """The parsed body when it is JSON (for logs, guardrails, cost)."""
    source: str = "model"
    sse_event_names: bool = False
    """Frame each chunk with an `event: <chunk["type"]>` line (the Responses API's events)."""
    sse_done_marker: bool = True
    """End the stream with `data: [DONE]` (Chat Completions)."""


SSE_DONE = b"data: [DONE]\n\n"


def frame_event(chunk: Mapping[str, Any], *, named: bool = False) -> bytes:
    """One SSE event: `data: <compact json>` and a blank line (xai-api.md §1.4).

    Named events (the Responses API, framed as OpenAI frames them) start with `event: <type>`.
    """
    data = b"data: " + _encode_json(chunk) + b"\n\n"
    name = chunk.get("type")
    if named and isinstance(name, str):
        return b"event: " + name.encode("utf-8") + b"\n" + data
    return data


def frame_stream(upstream: UpstreamAnswer) -> tuple[bytes, ...]:
    """The SSE events of a streamed answer, with `[DONE]` when its API ends streams with it."""
    events = tuple(
        frame_event(chunk, named=upstream.sse_event_names) for chunk in upstream.chunks or ()
    )
    return (*events, SSE_DONE) if upstream.sse_done_marker else events


def _encode_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def from_result(result: _xai.XaiResult, source: str) -> UpstreamAnswer:
    """Adapt an `XaiResult` (JSON body, or chunks for a stream)."""
    headers = {name.lower(): value for name, value in result.headers.items()}
    if result.chunks is not None and result.status == 200:
        return UpstreamAnswer(
            status=200,
            body=b"",
            content_type="text/event-stream",
            chunks=tuple(result.chunks),
            headers=headers,
            source=source,
            sse_event_names=result.sse_event_names,
            sse_done_marker=result.sse_done_marker,
        )
    return UpstreamAnswer(
        status=result.status,
        body=_encode_json(result.body),
        content_type="application/json",
        headers=headers,
        json_body=result.body,
        source=source,
    )


def raw(status: int, body: Any, headers: Mapping[str, str] | None, source: str) -> UpstreamAnswer:
    """An answer given as a raw body: dict/list -> JSON, str/bytes as is."""
    extra = {name.lower(): value for name, value in (headers or {}).items()}
    if isinstance(body, dict | list):
        return UpstreamAnswer(
            status,
            _encode_json(body),
            "application/json",
            headers=extra,
            json_body=body,
            source=source,
        )
    data = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
    content_type = extra.pop("content-type", None)
    parsed: Any = None
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = None
    if content_type is None:
        content_type = "application/json" if parsed is not None else "text/plain; charset=utf-8"
    return UpstreamAnswer(
        status, data, content_type, headers=extra, json_body=parsed, source=source
    )


def from_fault(fault: Fault) -> UpstreamAnswer:
    """The answer of an injected upstream status."""
    status = fault.upstream_status or 500
    body = fault.upstream_body if fault.upstream_body is not None else default_upstream_body(status)
    return raw(status, body, fault.upstream_headers, "fault")


def chat(
    body: Any,
    *,
    api_key: str | None,
    accepted_keys: Collection[str] | None,
    scripted: _xai.ScriptedReply | None,
    now: float,
    content_type: str | None,
    settings: _xai.XaiSettings,
    store: _xai.XaiStore | None = None,
    conversation_id: str | None = None,
) -> UpstreamAnswer:
    """Ask the emulated xAI for a chat completion.

    `body` is the parsed JSON, or the raw bytes when they are not JSON (xAI then answers its own
    parse error); `content_type` is the request's, None when absent. `conversation_id` is the
    forwarded `x-grok-conv-id` header (prompt-cache stickiness, kept in `store`).
    """
    result = _xai.chat_completions(
        body,
        api_key=api_key,
        accepted_keys=accepted_keys,
        scripted=scripted,
        now=now,
        settings=settings,
        content_type=content_type,
        store=store,
        conversation_id=conversation_id,
    )
    return from_result(result, "scripted" if scripted is not None else "model")


def responses(
    body: Any,
    *,
    api_key: str | None,
    accepted_keys: Collection[str] | None,
    scripted: _xai.ScriptedReply | None,
    now: float,
    content_type: str | None,
    settings: _xai.XaiSettings,
    store: _xai.XaiStore,
) -> UpstreamAnswer:
    """Ask the emulated xAI's Responses API (`POST /v1/responses`); see docs/emulator-xai.md."""
    result = _xai.create_response(
        body,
        api_key=api_key,
        store=store,
        accepted_keys=accepted_keys,
        scripted=scripted,
        now=now,
        settings=settings,
        content_type=content_type,
    )
    return from_result(result, "scripted" if scripted is not None else "model")


def response_item(
    method: str,
    response_id: str,
    *,
    api_key: str | None,
    accepted_keys: Collection[str] | None,
    now: float,
    store: _xai.XaiStore,
) -> UpstreamAnswer:
    """`GET` or `DELETE /v1/responses/{id}` of the emulated xAI (other methods: its 405)."""
    if method == "GET":
        action = _xai.get_response
    elif method == "DELETE":
        action = _xai.delete_response
    else:
        return method_not_allowed(method, f"/v1/responses/{response_id}")
    result = action(response_id, api_key=api_key, store=store, accepted_keys=accepted_keys, now=now)
    return from_result(result, "model")


def retired(path: str, settings: _xai.XaiSettings) -> UpstreamAnswer:
    """The answer of xAI for a retired endpoint such as `/v1/messages`."""
    return from_result(_xai.retired_endpoint(path, settings=settings), "model")


def unknown_endpoint(path: str) -> UpstreamAnswer:
    """The 404 of xAI for a path it does not serve (xai-api.md §1.5 "endpoint not found").

    Body text Unconfirmed, in the style of the `_xai` error bodies.
    """
    return raw(404, {"code": "not-found", "error": f"No route found for {path}."}, None, "model")


def method_not_allowed(method: str, path: str) -> UpstreamAnswer:
    """The 405 of xAI for a wrong method (xai-api.md §1.5; body text Unconfirmed)."""
    body = {"code": "method-not-allowed", "error": f"Method {method} is not allowed for {path}."}
    return raw(405, body, None, "model")
