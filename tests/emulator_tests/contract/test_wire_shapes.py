"""Routes and the bytes of successful answers: JSON, SSE framing, usage chunk, provider errors.

References: gateway-protocol.md §1.1 (both `/grok` forms), §1.2 (`/grok/v1/messages`), §1.3
(compat, `grok/<model>`), §1.5 (dynamic routes, `cf-aig-model`/`cf-aig-provider`), §4.3 (provider
errors pass through unchanged), checklist §7.1/§7.9; xai-api.md §1.3 (response), §1.4 (SSE), §1.5
(flat errors).
"""

from __future__ import annotations

import json
import time

import httpx2
import pytest

from langchain_cfgateway_grok.emulator import DynamicRoute, GatewayConfig, GatewayEmulator
from tests.emulator_tests.contract._support import (
    COMPAT_PATH,
    GROK_PATH,
    MODEL,
    XAI_AUTH,
    chat,
    origin,
    post,
    sse_events,
    sse_json,
)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/acct/gw/grok/v1/chat/completions",  # the docs' cURL form
        "/v1/acct/gw/grok/chat/completions",  # the docs' SDK form (base_url=.../grok)
    ],
)
def test_both_grok_paths_serve_chat_completions(
    cfgateway_emulator: GatewayEmulator, path: str
) -> None:
    """§1.1: both forms are implied to work (Unconfirmed; switch `accept_unversioned_grok_path`)."""
    response = post(cfgateway_emulator.url, path, chat("ping"))
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["model"] == MODEL
    assert body["choices"][0]["message"]["role"] == "assistant"
    assert isinstance(body["choices"][0]["message"]["content"], str)
    assert body["choices"][0]["finish_reason"] == "stop"
    usage = body["usage"]
    assert (
        usage["total_tokens"]
        == usage["prompt_tokens"]
        + usage["completion_tokens"]
        + (usage["completion_tokens_details"]["reasoning_tokens"])
    )


def test_unversioned_path_can_be_switched_off() -> None:
    """§1.1 Unconfirmed: with the switch off, `/grok/chat/completions` is an xAI 404."""
    from langchain_cfgateway_grok.emulator import Switches

    with GatewayEmulator(switches=Switches(accept_unversioned_grok_path=False)) as emu:
        response = post(emu.url, "/v1/acct/gw/grok/chat/completions")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not-found",
        "error": "No route found for /chat/completions.",
    }


def test_compat_strips_the_grok_prefix(cfgateway_emulator: GatewayEmulator) -> None:
    """§1.3: `grok/<model>` on compat reaches xAI as `<model>`."""
    response = post(cfgateway_emulator.url, COMPAT_PATH, chat(model=f"grok/{MODEL}"))
    assert response.status_code == 200
    assert response.json()["model"] == MODEL
    assert cfgateway_emulator.logs[-1].model == MODEL


def test_dynamic_route_reports_model_and_provider(cfgateway_emulator: GatewayEmulator) -> None:
    """§1.5: `dynamic/<route>` on compat, answered with `cf-aig-model` and `cf-aig-provider`."""
    cfgateway_emulator.set_gateway(
        "gw",
        GatewayConfig(auth_tokens=["t"], dynamic_routes={"support": DynamicRoute(model=MODEL)}),
    )
    response = post(
        cfgateway_emulator.url,
        COMPAT_PATH,
        chat(model="dynamic/support"),
        headers={"cf-aig-authorization": "Bearer t"},
    )
    assert response.status_code == 200
    assert response.headers["cf-aig-model"] == MODEL
    assert response.headers["cf-aig-provider"] == "grok"
    assert response.json()["model"] == MODEL


def test_dynamic_routes_need_an_authenticated_gateway() -> None:
    """§1.5: dynamic routing needs an authenticated gateway; the config refuses otherwise."""
    with pytest.raises(ValueError, match="dynamic_routes"):
        GatewayConfig(dynamic_routes={"r": DynamicRoute(model=MODEL)})


def test_retired_messages_endpoint_answers_as_xai(cfgateway_emulator: GatewayEmulator) -> None:
    """§1.2 + xai-api.md §1.1: `/grok/v1/messages` gets xAI's retired-endpoint answer."""
    body = {"model": "grok-beta", "max_tokens": 8, "messages": [{"role": "user", "content": "x"}]}
    response = post(cfgateway_emulator.url, "/v1/acct/gw/grok/v1/messages", body)
    assert response.status_code in (404, 410)  # the status is an `_xai` switch (default 410)
    assert set(response.json()) == {"code", "error"}
    assert "cf-aig-log-id" in response.headers


def test_other_grok_paths_are_xai_404(cfgateway_emulator: GatewayEmulator) -> None:
    """§6.2 double `/v1`: the gateway forwards, xAI answers 404 in its flat shape."""
    response = post(cfgateway_emulator.url, "/v1/acct/gw/grok/v1/v1/chat/completions")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not-found",
        "error": "No route found for /v1/v1/chat/completions.",
    }


def test_wrong_method_is_xai_405(cfgateway_emulator: GatewayEmulator) -> None:
    """xai-api.md §1.5: 405 method not allowed, relayed by the gateway."""
    response = httpx2.get(origin(cfgateway_emulator.url) + GROK_PATH, headers=XAI_AUTH)
    assert response.status_code == 405
    assert set(response.json()) == {"code", "error"}


def test_xai_errors_pass_through_unchanged(cfgateway_emulator: GatewayEmulator) -> None:
    """§4.3: provider errors keep xAI's status and flat body; xai-api.md §1.5/§1.6 (`grok-beta`)."""
    response = post(cfgateway_emulator.url, body=chat(model="grok-beta"))
    assert response.status_code == 400
    assert response.json() == {
        "code": "Client specified an invalid argument",
        "error": "Model not found: grok-beta",
    }
    scripted = {"code": "teapot", "error": "scripted"}
    cfgateway_emulator.script_error(418, scripted, headers={"x-ratelimit-remaining": "0"})
    response = post(cfgateway_emulator.url)
    assert response.status_code == 418
    assert response.content == json.dumps(scripted, separators=(",", ":")).encode()
    assert response.headers["x-ratelimit-remaining"] == "0"  # a provider header, relayed


def test_sse_framing_and_usage_chunk(cfgateway_emulator: GatewayEmulator) -> None:
    """xai-api.md §1.4: `data: {chunk}\\n\\n` events, usage-only chunk (`choices: []`), `[DONE]`."""
    response = post(
        cfgateway_emulator.url,
        body=chat("stream me", stream=True, stream_options={"include_usage": True}),
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    assert "content-length" not in response.headers
    assert response.content.endswith(b"data: [DONE]\n\n")
    for event in sse_events(response.content):
        assert event.startswith(b"data: ")
        assert b"\n" not in event  # one line per event
    chunks = sse_json(response.content)
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert len({chunk["id"] for chunk in chunks}) == 1
    *content_chunks, usage_chunk = chunks
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"]["total_tokens"] > 0
    assert content_chunks[-1]["choices"][0]["finish_reason"] == "stop"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in content_chunks)
    assert text


def test_no_usage_chunk_without_include_usage(cfgateway_emulator: GatewayEmulator) -> None:
    """xai-api.md §1.2 `stream_options.include_usage`: no usage-only chunk unless asked."""
    chunks = sse_json(post(cfgateway_emulator.url, body=chat(stream=True)).content)
    assert all(chunk["choices"] for chunk in chunks)


def test_sse_is_sent_incrementally(cfgateway_emulator: GatewayEmulator) -> None:
    """§1.1 streaming relayed: the first event reaches the client before a mid-stream stall ends."""
    cfgateway_emulator.faults.add(stall_after_chunks=1, stall_seconds=0.4)
    started = time.monotonic()
    arrivals: list[float] = []
    with httpx2.stream(
        "POST", origin(cfgateway_emulator.url) + GROK_PATH, json=chat(stream=True), headers=XAI_AUTH
    ) as response:
        for raw in response.iter_raw():
            if raw:
                arrivals.append(time.monotonic() - started)
    assert arrivals[0] < 0.3
    assert arrivals[-1] >= 0.4


async def test_async_httpx2_streams_incrementally(cfgateway_emulator: GatewayEmulator) -> None:
    """Sync and async clients share one server; async reads each SSE event as it is sent."""
    cfgateway_emulator.faults.add(stall_after_chunks=1, stall_seconds=0.3)
    async with httpx2.AsyncClient() as client:
        started = time.monotonic()
        async with client.stream(
            "POST",
            origin(cfgateway_emulator.url) + GROK_PATH,
            json=chat(stream=True),
            headers=XAI_AUTH,
        ) as response:
            lines = [
                (line, time.monotonic() - started)
                async for line in response.aiter_lines()
                if line.startswith("data: ")
            ]
    assert lines[0][1] < 0.25
    assert lines[-1] == ("data: [DONE]", lines[-1][1])
    assert lines[-1][1] >= 0.3
    sync = post(cfgateway_emulator.url)  # the sync client on the same server
    assert sync.status_code == 200


def test_xai_settings_reach_the_emulated_xai() -> None:
    """`GatewayEmulator(xai_settings=...)` configures the xAI side (docs/emulator-xai.md)."""
    from langchain_cfgateway_grok.emulator import XaiSettings

    body = {"model": "grok-beta", "max_tokens": 8, "messages": [{"role": "user", "content": "x"}]}
    with GatewayEmulator(xai_settings=XaiSettings(retired_endpoint_status=404)) as emu:
        response = post(emu.url, "/v1/acct/gw/grok/v1/messages", body)
    assert response.status_code == 404
