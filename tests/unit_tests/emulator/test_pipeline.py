"""The gateway pipeline without sockets: state and logic are apart from the HTTP app.

Drives `Gateway.handle` directly (the HTTP app only converts ASGI messages), to pin the order of
the gateway's checks (gateway-protocol.md §2, §4.2, §5) with no server running.
"""

from __future__ import annotations

import asyncio
import json

from langchain_cfgateway_grok.emulator import FakeClock, GatewayConfig, RateLimit
from langchain_cfgateway_grok.emulator._pipeline import Answer, Gateway, IncomingRequest
from langchain_cfgateway_grok.emulator._state import EmulatorState

PATH = "/v1/acct/gw/grok/v1/chat/completions"
BODY = json.dumps({"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}]}).encode()


def _handle(state: EmulatorState, headers: dict[str, str], body: bytes = BODY) -> Answer:
    request = IncomingRequest(
        method="POST",
        path=PATH,
        query="",
        headers=(("content-type", "application/json"), *headers.items()),
        body=body,
    )
    return asyncio.run(Gateway(state, FakeClock(start=1_000.0)).handle(request))


def _code(answer: Answer) -> int | None:
    code = json.loads(answer.body).get("internalCode")
    return code if isinstance(code, int) else None


def test_authentication_comes_before_rate_limiting() -> None:
    """Unauthenticated requests are refused (2009) without using up the rate limit (2003)."""
    config = GatewayConfig(auth_tokens=["t"], rate_limit=RateLimit(limit=1, interval=60))
    state = EmulatorState(gateways={"gw": config})
    assert _code(_handle(state, {"authorization": "Bearer k"})) == 2009
    ok = _handle(state, {"authorization": "Bearer k", "cf-aig-authorization": "Bearer t"})
    assert ok.status == 200
    limited = _handle(state, {"authorization": "Bearer k", "cf-aig-authorization": "Bearer t"})
    assert _code(limited) == 2003


def test_success_answer_and_records() -> None:
    state = EmulatorState(default_gateway=GatewayConfig())
    answer = _handle(state, {"authorization": "Bearer k", "cf-aig-event-id": "e"})
    headers = dict(answer.headers)
    assert answer.status == 200
    assert headers["content-type"] == "application/json"
    assert headers["cf-aig-event-id"] == "e"
    assert headers["cf-aig-log-id"] == headers["cf-aig-request-id"] == state.logs[0].id
    assert state.requests[0].received_at == 1_000.0
    assert state.attempts[0].status == 200


def test_stream_answer_is_framed_events() -> None:
    state = EmulatorState(default_gateway=GatewayConfig())
    body = json.dumps(
        {"model": "grok-4.3", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    ).encode()
    answer = _handle(state, {"authorization": "Bearer k"}, body)
    assert answer.events is not None
    assert answer.events[-1] == b"data: [DONE]\n\n"
    assert all(
        event.startswith(b"data: {") and event.endswith(b"}\n\n") for event in answer.events[:-1]
    )
    assert dict(answer.headers)["content-type"] == "text/event-stream"


def test_unknown_gateway_without_default() -> None:
    state = EmulatorState(default_gateway=None)
    answer = _handle(state, {"authorization": "Bearer k"})
    assert (answer.status, _code(answer)) == (400, 2001)
    assert state.logs == []  # no gateway, no log
