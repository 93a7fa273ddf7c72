"""The Responses route through the gateway pipeline, without sockets (`Gateway.handle` directly).

gateway-protocol.md §1.2 (the route is Unconfirmed: switch `responses_route_enabled`), §2
(credentials, headers), §5 (guardrails buffer streams, cache, logs); xai-api.md §1.1.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import pytest

from langchain_cfgateway_grok.emulator import FakeClock, GatewayConfig, Guardrails, Switches
from langchain_cfgateway_grok.emulator._pipeline import Answer, Gateway, IncomingRequest
from langchain_cfgateway_grok.emulator._routes import match_route, responses_kind
from langchain_cfgateway_grok.emulator._state import EmulatorState

ROOT = "/v1/acct/gw/grok"
AUTH = {"authorization": "Bearer xai-k"}


def _handle(
    state: EmulatorState,
    path: str,
    body: Any = None,
    *,
    method: str = "POST",
    headers: Mapping[str, str | None] | None = None,
) -> Answer:
    """Drive one request; a header set to None is not sent."""
    sent = {name: value for name, value in {**AUTH, **(headers or {})}.items() if value is not None}
    request = IncomingRequest(
        method=method,
        path=path,
        query="",
        headers=(("content-type", "application/json"), *sent.items()),
        body=json.dumps(body).encode() if body is not None else b"",
    )
    return asyncio.run(Gateway(state, FakeClock(start=1_000.0)).handle(request))


def _json(answer: Answer) -> Any:
    return json.loads(answer.body)


@pytest.mark.parametrize(
    ("endpoint", "unversioned", "kind"),
    [
        ("v1/responses", False, "grok_responses"),
        ("responses", True, "grok_responses"),
        ("responses", False, None),
        ("v1/responses/abc-123", False, "grok_response_item"),
        ("responses/abc-123", True, "grok_response_item"),
        ("v1/responses/abc/input_items", False, None),
        ("v1/responses/", False, None),
        ("v1/chat/completions", True, None),
    ],
)
def test_responses_kind(endpoint: str, unversioned: bool, kind: str | None) -> None:
    assert responses_kind(endpoint, accept_unversioned_grok_path=unversioned) == kind


def test_match_route_classifies_the_responses_paths() -> None:
    assert match_route(f"{ROOT}/v1/responses").kind == "grok_responses"
    item = match_route(f"{ROOT}/v1/responses/r-1")
    assert (item.kind, item.endpoint) == ("grok_response_item", "v1/responses/r-1")


def test_post_get_delete_through_the_gateway() -> None:
    state = EmulatorState(default_gateway=GatewayConfig())
    created = _handle(state, f"{ROOT}/v1/responses", {"model": "grok-4.3", "input": "hi"})
    assert created.status == 200
    headers = dict(created.headers)
    assert headers["content-type"] == "application/json"
    response = _json(created)
    assert state.xai_store.stored_ids == [response["id"]]
    log = state.logs[-1]
    assert (log.path, log.model, log.status_code) == ("v1/responses", "grok-4.3", 200)
    assert log.tokens_in == response["usage"]["input_tokens"]
    assert log.tokens_out == response["usage"]["output_tokens"]
    assert log.cost == response["usage"]["cost_in_usd_ticks"] / 10**10
    got = _handle(state, f"{ROOT}/v1/responses/{response['id']}", method="GET")
    assert (got.status, _json(got)) == (200, response)
    gone = _handle(state, f"{ROOT}/v1/responses/{response['id']}", method="DELETE")
    assert _json(gone)["deleted"] is True
    missing = _handle(state, f"{ROOT}/v1/responses/{response['id']}", method="GET")
    assert missing.status == 404
    assert _json(missing)["code"] == "not-found"
    wrong = _handle(state, f"{ROOT}/v1/responses", method="GET")
    assert wrong.status == 405
    wrong_item = _handle(state, f"{ROOT}/v1/responses/{response['id']}", method="PUT")
    assert wrong_item.status == 405


def test_stored_keys_reach_the_item_endpoints() -> None:
    config = GatewayConfig(auth_tokens=["cf"], stored_keys={"default": "xai-stored"})
    state = EmulatorState(default_gateway=config, xai_keys=frozenset({"xai-stored"}))
    gateway_auth = {"cf-aig-authorization": "Bearer cf"}
    created = _handle(
        state,
        f"{ROOT}/v1/responses",
        {"model": "grok-4.3", "input": "hi"},
        headers={**gateway_auth, "authorization": None},
    )
    assert created.status == 200, created.body
    rid = _json(created)["id"]
    got = _handle(
        state,
        f"{ROOT}/v1/responses/{rid}",
        method="GET",
        headers={**gateway_auth, "authorization": None},
    )
    assert got.status == 200
    unauthenticated = _handle(state, f"{ROOT}/v1/responses/{rid}", method="GET")
    assert _json(unauthenticated)["internalCode"] == 2009


def test_switch_off_answers_like_an_unknown_provider_path() -> None:
    state = EmulatorState(
        default_gateway=GatewayConfig(), switches=Switches(responses_route_enabled=False)
    )
    for path, method in ((f"{ROOT}/v1/responses", "POST"), (f"{ROOT}/v1/responses/x", "GET")):
        answer = _handle(state, path, {"model": "grok-4.3", "input": "hi"}, method=method)
        assert answer.status == 404
        assert _json(answer) == {
            "code": "not-found",
            "error": f"No route found for /{path.split('/grok/')[1]}.",
        }
    assert state.xai_store.stored_ids == []


def test_stream_is_named_events_without_done() -> None:
    state = EmulatorState(default_gateway=GatewayConfig())
    answer = _handle(
        state, f"{ROOT}/v1/responses", {"model": "grok-4.3", "input": "hi", "stream": True}
    )
    assert dict(answer.headers)["content-type"] == "text/event-stream"
    assert answer.events is not None
    first = answer.events[0].decode()
    assert first.startswith("event: response.created\ndata: {")
    assert first.endswith("\n\n")
    last = answer.events[-1].decode()
    assert last.startswith("event: response.completed\ndata: ")
    assert b"[DONE]" not in b"".join(answer.events)
    for event in answer.events:
        name, data = event.decode().removesuffix("\n\n").split("\n")
        assert json.loads(data.removeprefix("data: "))["type"] == name.removeprefix("event: ")
    log = state.logs[-1]
    assert log.stream is True
    assert log.tokens_in is not None
    assert log.tokens_out is not None


def test_guardrails_buffer_the_stream_and_read_responses_text() -> None:
    guard = Guardrails(blocked_prompt_terms=["forbidden"], blocked_response_terms=["secretword"])
    state = EmulatorState(default_gateway=GatewayConfig(guardrails=guard))
    buffered = _handle(
        state, f"{ROOT}/v1/responses", {"model": "grok-4.3", "input": "hi", "stream": True}
    )
    assert buffered.events is None
    assert _json(buffered)["object"] == "response"
    blocked = _handle(
        state, f"{ROOT}/v1/responses", {"model": "grok-4.3", "input": "a forbidden word"}
    )
    assert _json(blocked)["internalCode"] == 2016
    echoed = _handle(
        state, f"{ROOT}/v1/responses", {"model": "grok-4.3", "input": "say secretword"}
    )
    assert _json(echoed)["internalCode"] == 2017


def test_gateway_cache_replays_a_response() -> None:
    state = EmulatorState(default_gateway=GatewayConfig(cache_ttl=600))
    request = {"model": "grok-4.3", "input": "cache me"}
    first = _handle(state, f"{ROOT}/v1/responses", request)
    second = _handle(state, f"{ROOT}/v1/responses", request)
    assert dict(second.headers)["cf-aig-cache-status"] == "HIT"
    assert _json(second)["id"] == _json(first)["id"]
    assert len(state.xai_store.stored_ids) == 1  # the hit never reached xAI


def test_x_grok_conv_id_is_the_chat_prompt_cache_key() -> None:
    state = EmulatorState(default_gateway=GatewayConfig())
    path = f"{ROOT}/v1/chat/completions"
    messages: list[dict[str, Any]] = [{"role": "system", "content": "Stable system prompt. " * 8}]
    messages.append({"role": "user", "content": "one"})
    turn = {"model": "grok-4.3", "messages": messages}
    conv = {"x-grok-conv-id": "conv-7"}
    first = _json(_handle(state, path, turn, headers=conv))
    assert first["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
    messages += [first["choices"][0]["message"], {"role": "user", "content": "two"}]
    second = _json(_handle(state, path, turn, headers=conv))
    assert second["usage"]["prompt_tokens_details"]["cached_tokens"] > 0
    third = _json(_handle(state, path, turn))
    assert third["usage"]["prompt_tokens_details"]["cached_tokens"] == 0


def test_reset_clears_the_xai_store() -> None:
    state = EmulatorState(default_gateway=GatewayConfig())
    _handle(state, f"{ROOT}/v1/responses", {"model": "grok-4.3", "input": "hi"})
    assert state.xai_store.stored_ids
    state.reset()
    assert state.xai_store.stored_ids == []
