"""The emulated `/grok/v1/responses` over loopback: raw httpx2 and the official openai SDK.

References: gateway-protocol.md §1.2 (route Unconfirmed: `Switches.responses_route_enabled`),
xai-api.md §1.1 (Responses: store, previous_response_id, encrypted reasoning, server-side tools),
docs/emulator-xai.md "Responses API" (every shape and its source).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import httpx2
import openai
import pytest
from openai.types.responses import (
    Response,
    ResponseCodeInterpreterToolCall,
    ResponseFunctionToolCall,
    ResponseFunctionWebSearch,
    ResponseOutputMessage,
    ResponseReasoningItem,
)

from langchain_cfgateway_grok.emulator import GatewayConfig, GatewayEmulator, Switches
from tests.emulator_tests.contract._support import (
    ACCOUNT,
    GATEWAY,
    MODEL,
    REASONING_MODEL,
    XAI_AUTH,
    XAI_KEY,
    origin,
)

RESPONSES_PATH = f"/v1/{ACCOUNT}/{GATEWAY}/grok/v1/responses"
# `Any`: xAI's tool shapes are not the openai SDK's typed params (no `container`, `x_search`).
WEB: Any = {"type": "web_search"}
X: Any = {"type": "x_search"}
CODE: Any = {"type": "code_interpreter"}
GET_TIME: Any = {
    "type": "function",
    "name": "get_time",
    "description": "Current time in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
ALL_KINDS_PROMPT = (
    "Search the web and X for Oslo events, run ```\nprint(1)\n``` and get time in Oslo nonce:c1"
)


def _client(emu: GatewayEmulator, endpoint: str = "grok/v1") -> openai.OpenAI:
    return openai.OpenAI(api_key=XAI_KEY, base_url=emu.base_url(endpoint=endpoint), max_retries=0)


def _post(emu: GatewayEmulator, body: Any, path: str = RESPONSES_PATH) -> httpx2.Response:
    return httpx2.post(origin(emu.url) + path, json=body, headers=XAI_AUTH)


def _sse(raw: bytes) -> list[tuple[str, dict[str, Any]]]:
    """(event name, data) pairs of a named-event SSE body (asserting its framing)."""
    assert raw.endswith(b"\n\n")
    pairs = []
    for block in raw[:-2].split(b"\n\n"):
        name, data = block.split(b"\n")
        assert name.startswith(b"event: ")
        assert data.startswith(b"data: ")
        pairs.append((name[7:].decode(), json.loads(data[6:])))
    return pairs


# --- raw HTTP -----------------------------------------------------------------------------------
def test_raw_json_response(cfgateway_emulator: GatewayEmulator) -> None:
    r = _post(cfgateway_emulator, {"model": REASONING_MODEL, "input": "hello"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.headers["cf-aig-cache-status"] == "MISS"
    body = r.json()
    assert body["object"] == "response"
    assert body["status"] == "completed"
    assert [item["type"] for item in body["output"]] == ["reasoning", "message"]
    assert body["output"][-1]["content"][0]["text"] == "You said: hello"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["cost_in_usd_ticks"] > 0
    assert cfgateway_emulator.logs[-1].path == "v1/responses"


def test_raw_stream_is_named_sse_events_in_order(cfgateway_emulator: GatewayEmulator) -> None:
    body = {
        "model": REASONING_MODEL,
        "input": "Search the web for tea",
        "tools": [WEB],
        "stream": True,
    }
    r = _post(cfgateway_emulator, body)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/event-stream"
    pairs = _sse(r.content)
    assert all(name == data["type"] for name, data in pairs)
    assert [data["sequence_number"] for _, data in pairs] == list(range(len(pairs)))
    names = [name for name, _ in pairs]
    assert names[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert names[-1] == "response.completed"
    assert b"[DONE]" not in r.content
    counts = Counter(names)
    assert counts["response.web_search_call.searching"] == 1
    assert counts["response.output_text.annotation.added"] == 3
    assert counts["response.output_item.added"] == counts["response.output_item.done"] == 3


def test_raw_unversioned_path_and_the_route_switch(cfgateway_emulator: GatewayEmulator) -> None:
    unversioned = f"/v1/{ACCOUNT}/{GATEWAY}/grok/responses"
    assert (
        _post(cfgateway_emulator, {"model": MODEL, "input": "hi"}, unversioned).status_code == 200
    )
    cfgateway_emulator.switches = Switches(responses_route_enabled=False)
    off = _post(cfgateway_emulator, {"model": MODEL, "input": "hi"})
    assert off.status_code == 404
    assert off.json() == {"code": "not-found", "error": "No route found for /v1/responses."}
    assert "cf-aig-log-id" in off.headers


def test_raw_get_and_delete(cfgateway_emulator: GatewayEmulator) -> None:
    created = _post(cfgateway_emulator, {"model": MODEL, "input": "keep me"}).json()
    url = origin(cfgateway_emulator.url) + f"{RESPONSES_PATH}/{created['id']}"
    assert httpx2.get(url, headers=XAI_AUTH).json() == created
    assert httpx2.get(url, headers={"authorization": "Bearer xai-someone-else"}).status_code == 404
    deleted = httpx2.delete(url, headers=XAI_AUTH)
    assert deleted.json() == {"id": created["id"], "object": "response", "deleted": True}
    assert httpx2.get(url, headers=XAI_AUTH).status_code == 404


def test_raw_errors_are_xai_flat_bodies(cfgateway_emulator: GatewayEmulator) -> None:
    r = _post(cfgateway_emulator, {"model": MODEL, "input": "hi", "previous_response_id": "nope"})
    assert r.status_code == 404
    assert r.json() == {"code": "not-found", "error": "Response with id 'nope' not found."}
    r = _post(
        cfgateway_emulator, {"model": MODEL, "input": "hi", "tools": [{"type": "code_execution"}]}
    )
    assert r.status_code == 400
    assert "use `code_interpreter`" in r.json()["error"]


# --- the openai SDK -----------------------------------------------------------------------------
def _check_every_item(response: Response) -> dict[str, Any]:
    kinds: dict[str, Any] = {}
    for item in response.output:
        kinds[item.type] = item
    assert isinstance(kinds["reasoning"], ResponseReasoningItem)
    assert isinstance(kinds["web_search_call"], ResponseFunctionWebSearch)
    assert isinstance(kinds["code_interpreter_call"], ResponseCodeInterpreterToolCall)
    assert isinstance(kinds["function_call"], ResponseFunctionToolCall)
    # `x_search_call` is xAI's own item: the SDK keeps it as a loosely parsed model.
    x_item = kinds["x_search_call"].model_dump(warnings=False)
    assert x_item["action"]["sources"][0]["url"].startswith("https://example.com/x/")
    return kinds


def test_sdk_parses_every_output_item_type(cfgateway_emulator: GatewayEmulator) -> None:
    response = _client(cfgateway_emulator).responses.create(
        model=REASONING_MODEL,
        input=ALL_KINDS_PROMPT,
        tools=[WEB, X, CODE, GET_TIME],
        include=["reasoning.encrypted_content"],
        store=False,
    )
    assert isinstance(response, Response)
    kinds = _check_every_item(response)
    assert kinds["reasoning"].encrypted_content
    assert kinds["reasoning"].summary[0].text.startswith("The user wrote:")
    assert kinds["web_search_call"].action.type == "search"
    assert len(kinds["web_search_call"].action.sources) == 3
    assert kinds["code_interpreter_call"].outputs[0].logs.startswith("emulated run:")
    assert json.loads(kinds["function_call"].arguments) == {"city": "Oslo"}
    usage = response.usage
    assert usage is not None
    assert usage.output_tokens_details.reasoning_tokens > 0
    assert usage.input_tokens_details.cached_tokens == 0
    extra = usage.model_extra or {}
    assert extra["num_server_side_tools_used"] == 3
    assert extra["server_side_tool_usage_details"]["x_search_calls"] == 1
    assert isinstance(extra["cost_in_usd_ticks"], int)
    assert (response.model_extra or {})["citations"] == [
        s.url for s in kinds["web_search_call"].action.sources
    ] + [s["url"] for s in kinds["x_search_call"].model_dump(warnings=False)["action"]["sources"]]


def test_sdk_message_with_citations(cfgateway_emulator: GatewayEmulator) -> None:
    response = _client(cfgateway_emulator).responses.create(
        model=MODEL, input="Search the web for Oslo events", tools=[WEB]
    )
    message = response.output[-1]
    assert isinstance(message, ResponseOutputMessage)
    text = response.output_text
    annotations = message.content[0].annotations  # type: ignore[union-attr]
    assert [a.type for a in annotations] == ["url_citation"] * 3
    for number, annotation in enumerate(annotations, 1):
        assert text[annotation.start_index : annotation.end_index] == (
            f"[[{number}]]({annotation.url})"
        )


def test_sdk_stream_parses_every_event(cfgateway_emulator: GatewayEmulator) -> None:
    stream = _client(cfgateway_emulator).responses.create(
        model=REASONING_MODEL,
        input=ALL_KINDS_PROMPT,
        tools=[WEB, X, CODE, GET_TIME],
        include=["reasoning.encrypted_content"],
        stream=True,
    )
    names: list[str] = []
    deltas: dict[str, str] = {}
    final: Response | None = None
    for event in stream:
        names.append(event.type)
        data = event.model_dump(warnings=False)
        if event.type.endswith(".delta"):
            deltas[event.type] = deltas.get(event.type, "") + data["delta"]
        if event.type == "response.completed":
            final = event.response
    assert final is not None
    kinds = _check_every_item(final)
    assert deltas["response.reasoning_summary_text.delta"] == kinds["reasoning"].summary[0].text
    assert deltas["response.function_call_arguments.delta"] == kinds["function_call"].arguments
    assert deltas["response.code_interpreter_call_code.delta"] == "print(1)"
    assert kinds["code_interpreter_call"].code == "print(1)"
    assert "response.output_text.delta" not in deltas  # ends with a function call: no message
    assert {
        "response.created", "response.in_progress", "response.output_item.added",
        "response.reasoning_summary_part.added", "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done", "response.web_search_call.in_progress",
        "response.web_search_call.searching", "response.web_search_call.completed",
        "response.x_search_call.searching", "response.code_interpreter_call.interpreting",
        "response.code_interpreter_call_code.done", "response.function_call_arguments.done",
        "response.output_item.done", "response.completed",
    } <= set(names)  # fmt: skip


def test_sdk_async_create_and_stream(cfgateway_emulator: GatewayEmulator) -> None:
    async def run() -> tuple[Response, str]:
        async with openai.AsyncOpenAI(
            api_key=XAI_KEY, base_url=cfgateway_emulator.base_url(), max_retries=0
        ) as client:
            response = await client.responses.create(model=MODEL, input="hello async")
            stream = await client.responses.create(
                model=MODEL, input="Search the web for tea", tools=[WEB], stream=True
            )
            text = ""
            async for event in stream:
                if event.type == "response.output_text.delta":
                    text += event.model_dump(warnings=False)["delta"]
            return response, text

    response, text = asyncio.run(run())
    assert response.output_text == "You said: hello async"
    assert text.startswith('Web results for "tea": [[1]](https://example.com/search/tea/1)')


def test_sdk_tool_loop_with_previous_response_id(cfgateway_emulator: GatewayEmulator) -> None:
    client = _client(cfgateway_emulator)
    first = client.responses.create(
        model=MODEL,
        input="Search the web for Oslo events and get time in Oslo",
        tools=[WEB, GET_TIME],
    )
    call = next(item for item in first.output if item.type == "function_call")
    assert isinstance(call, ResponseFunctionToolCall)
    second = client.responses.create(
        model=MODEL,
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "09:30"}],
        tools=[WEB, GET_TIME],
    )
    assert second.previous_response_id == first.id
    lines = second.output_text.splitlines()
    assert lines[0].startswith('Web results for "Oslo events and get time in Oslo": [[1]](')
    assert lines[1] == "get_time returned: 09:30"
    assert client.responses.retrieve(second.id).output_text == second.output_text
    client.responses.delete(second.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(second.id)


def test_sdk_encrypted_reasoning_round_trip(cfgateway_emulator: GatewayEmulator) -> None:
    client = _client(cfgateway_emulator)
    first = client.responses.create(
        model=REASONING_MODEL,
        input="What is 6 times 7?",
        store=False,
        include=["reasoning.encrypted_content"],
    )
    reasoning = first.output[0]
    assert isinstance(reasoning, ResponseReasoningItem)
    assert cfgateway_emulator.stored_response_ids == []
    history: list[Any] = [
        {"role": "user", "content": "What is 6 times 7?"},
        reasoning.model_dump(exclude_none=True, warnings=False),
        {"role": "assistant", "content": first.output_text},
        {"role": "user", "content": "And plus one?"},
    ]
    second = client.responses.create(
        model=REASONING_MODEL, input=history, store=False, include=["reasoning.encrypted_content"]
    )
    summary = second.output[0].summary[0].text  # type: ignore[union-attr]
    assert summary.endswith("Continuing from 1 earlier reasoning item(s).")
    (seen,) = cfgateway_emulator.responses_seen_encrypted_reasoning
    assert (seen.response_id, seen.item_id, seen.source_response_id) == (
        second.id,
        reasoning.id,
        first.id,
    )
    history[1] = {**history[1], "encrypted_content": "AAAA" + str(reasoning.encrypted_content)}
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model=REASONING_MODEL, input=history, store=False)
    assert caught.value.status_code == 400
    assert len(cfgateway_emulator.responses_seen_encrypted_reasoning) == 1


def test_sdk_prompt_cache_key_reports_cached_tokens(cfgateway_emulator: GatewayEmulator) -> None:
    client = _client(cfgateway_emulator)
    history: list[Any] = [{"role": "system", "content": "A long stable system prompt. " * 10}]
    history.append({"role": "user", "content": "first question"})
    first = client.responses.create(model=MODEL, input=history, prompt_cache_key="conv-42")
    assert first.usage is not None
    assert first.usage.input_tokens_details.cached_tokens == 0
    history += [
        {"role": "assistant", "content": first.output_text},
        {"role": "user", "content": "second question"},
    ]
    second = client.responses.create(model=MODEL, input=history, prompt_cache_key="conv-42")
    assert second.usage is not None
    cached = second.usage.input_tokens_details.cached_tokens
    assert first.usage.input_tokens - 1 <= cached < second.usage.input_tokens
    third = client.responses.create(model=MODEL, input=history)
    assert third.usage is not None
    assert third.usage.input_tokens_details.cached_tokens == 0


def test_chat_completions_x_grok_conv_id(cfgateway_emulator: GatewayEmulator) -> None:
    client = _client(cfgateway_emulator)
    messages: list[Any] = [
        {"role": "system", "content": "A long stable system prompt. " * 10},
        {"role": "user", "content": "one"},
    ]
    conv = {"x-grok-conv-id": "conv-chat"}
    first = client.chat.completions.create(model=MODEL, messages=messages, extra_headers=conv)
    messages += [{"role": "assistant", "content": first.choices[0].message.content}]
    messages += [{"role": "user", "content": "two"}]
    second = client.chat.completions.create(model=MODEL, messages=messages, extra_headers=conv)
    assert second.usage is not None
    assert second.usage.prompt_tokens_details is not None
    assert second.usage.prompt_tokens_details.cached_tokens
    assert first.usage is not None
    assert second.usage.prompt_tokens_details.cached_tokens >= first.usage.prompt_tokens - 1
    assert cfgateway_emulator.requests[-1].headers["x-grok-conv-id"] == "conv-chat"


def test_sdk_structured_output(cfgateway_emulator: GatewayEmulator) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "nights": {"type": "integer"}},
        "required": ["city", "nights"],
        "additionalProperties": False,
    }
    response = _client(cfgateway_emulator).responses.create(
        model=MODEL,
        input="A booking in Lima for 3 nights",
        text={
            "format": {"type": "json_schema", "name": "booking", "schema": schema, "strict": True}
        },
    )
    assert json.loads(response.output_text) == {"city": "Lima", "nights": 3}


def test_sdk_through_guardrails_gets_one_buffered_response(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    from langchain_cfgateway_grok.emulator import Guardrails

    cfgateway_emulator.set_gateway(GATEWAY, GatewayConfig(guardrails=Guardrails()))
    r = _post(cfgateway_emulator, {"model": MODEL, "input": "hi", "stream": True})
    assert r.headers["content-type"] == "application/json"
    assert r.json()["output"][-1]["content"][0]["text"] == "You said: hi"
