"""Wire shapes: chat.completion vs its chunks, usage semantics, ids (xai-api.md §1.3, §1.4)."""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langchain_cfgateway_grok.emulator._xai import XaiSettings
from langchain_cfgateway_grok.emulator._xai.render import split_text
from tests.unit_tests.emulator_xai._helpers import NOW, assemble, body, call, ok, stream, tool

ORDER = tool("lookup_order", {"order_id": {"type": "integer"}}, ["order_id"])
SHIP = tool("fetch_shipping_quote", {"city": {"type": "string"}}, ["city"])
JSON_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "film",
        "schema": {
            "type": "object",
            "properties": {"title": {"type": "string"}},
            "required": ["title"],
        },
    },
}

SAME_ID = "0b6ad1f4-2d47-4b8e-9a51-3f1c2e7d9a60"
REQUESTS: dict[str, dict[str, Any]] = {
    "text, reasoning": body("Tell me about Oslo"),
    "text, no reasoning": body("Tell me about Oslo", model="grok-4.20-0309-non-reasoning"),
    "unicode text": body("说你好 and こんにちは, 'ünïcødé' 🙂"),
    "nonce": body("echo nonce:abc-123"),
    "parallel tools": body("order 7 and a shipping quote for Lima", tools=[ORDER, SHIP]),
    "json schema": body("Film 'Blue Harbor'", response_format=JSON_FORMAT),
    "json object": body("JSON with 'title' key", response_format={"type": "json_object"}),
    "length": body("a long message " * 20, max_tokens=3),
    "stop": body("alpha beta", model="grok-4.20-0309-non-reasoning", stop=["beta"]),
    "two choices": body("Hello", n=2),
    "high effort": body("Hello", reasoning_effort="high"),
}


def json_message(choice: dict[str, Any]) -> dict[str, Any]:
    message = choice["message"]
    return {
        "content": message["content"] or "",
        "reasoning_content": message.get("reasoning_content", ""),
        "tool_calls": message.get("tool_calls", []),
        "finish_reason": choice["finish_reason"],
    }


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_stream_deltas_concatenate_to_the_json_message(name: str) -> None:
    request = REQUESTS[name]
    # Same id for both calls, so tool-call ids (derived from it) match too.
    answer = ok(request, completion_id_override=SAME_ID)
    chunks = stream(
        {**request, "stream_options": {"include_usage": True}}, completion_id_override=SAME_ID
    )
    merged = assemble(chunks)
    assert sorted(merged) == [c["index"] for c in answer["choices"]]
    for choice in answer["choices"]:
        assert merged[choice["index"]] == json_message(choice)
    assert chunks[-1]["usage"] == answer["usage"]
    for chunk in chunks:
        assert chunk["id"] == answer["id"]
        assert chunk["created"] == answer["created"]
        assert chunk["model"] == answer["model"]
        assert chunk["system_fingerprint"] == answer["system_fingerprint"]
        assert chunk["object"] == "chat.completion.chunk"


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_stream_order_reasoning_then_content_then_tools_then_finish(name: str) -> None:
    chunks = stream({**REQUESTS[name], "stream_options": {"include_usage": True}})
    *deltas, usage_chunk = chunks
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"] is not None
    by_choice: dict[int, list[str]] = {}
    for chunk in deltas:
        assert chunk["usage"] is None  # xai-api.md §1.2: other chunks carry usage: null
        (choice,) = chunk["choices"]
        delta = choice["delta"]
        if choice["finish_reason"]:
            kind = "finish"
        else:
            kind = next(k for k in ("reasoning_content", "content", "tool_calls") if k in delta)
        # The role rides on the first delta of each choice only.
        assert ("role" in delta) == (choice["index"] not in by_choice)
        by_choice.setdefault(choice["index"], []).append(kind)
    rank = {"reasoning_content": 0, "content": 1, "tool_calls": 2, "finish": 3}
    for kinds in by_choice.values():
        assert [rank[k] for k in kinds] == sorted(rank[k] for k in kinds)
        assert kinds[-1] == "finish"
        assert kinds.count("finish") == 1
        assert kinds.count("tool_calls") <= 1  # tool calls arrive whole, in one chunk


def test_whole_tool_calls_in_one_chunk() -> None:
    chunks = stream(REQUESTS["parallel tools"])
    tool_chunks = [c for c in chunks if c["choices"] and "tool_calls" in c["choices"][0]["delta"]]
    assert len(tool_chunks) == 1
    calls = tool_chunks[0]["choices"][0]["delta"]["tool_calls"]
    assert [c["index"] for c in calls] == [0, 1]
    assert [json.loads(c["function"]["arguments"]) for c in calls] == [
        {"order_id": 7},
        {"city": "Lima"},
    ]
    assert all(c["id"].startswith("call_") and c["type"] == "function" for c in calls)
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_without_include_usage_no_chunk_has_usage() -> None:
    chunks = stream(REQUESTS["text, reasoning"], completion_id_override=SAME_ID)
    assert all("usage" not in c for c in chunks)
    assert all(c["choices"] for c in chunks)
    explicit_false = stream(
        {**REQUESTS["text, reasoning"], "stream_options": {"include_usage": False}},
        completion_id_override=SAME_ID,
    )
    assert explicit_false == chunks


def test_usage_semantics() -> None:
    # xai-api.md §1.3: completion excludes reasoning, total includes it.
    usage = ok(body("Tell me about Oslo", reasoning_effort="high"))["usage"]
    reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
    assert reasoning > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] + reasoning
    assert usage["prompt_tokens_details"]["text_tokens"] == usage["prompt_tokens"]
    assert usage["prompt_tokens_details"]["cached_tokens"] == 0
    assert usage["num_sources_used"] == 0
    assert isinstance(usage["cost_in_usd_ticks"], int)
    assert set(usage) == {
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "prompt_tokens_details",
        "completion_tokens_details",
        "num_sources_used",
        "cost_in_usd_ticks",
    }


def test_token_counts_are_ceil_of_utf8_bytes_over_four() -> None:
    answer = ok(body("héllo", model="grok-4.20-0309-non-reasoning"))
    content = answer["choices"][0]["message"]["content"]
    assert content == "You said: héllo"
    assert answer["usage"]["completion_tokens"] == math.ceil(len(content.encode()) / 4)
    prompt = "user: héllo"
    assert answer["usage"]["prompt_tokens"] == math.ceil(len(prompt.encode()) / 4)


def test_envelope_fields() -> None:
    answer = ok(body())
    assert answer["object"] == "chat.completion"
    assert answer["created"] == int(NOW)
    assert str(uuid.UUID(answer["id"])) == answer["id"]
    assert answer["system_fingerprint"].startswith("fp_")
    assert answer["choices"][0]["message"]["refusal"] is None
    assert "citations" not in answer


def test_ids_change_with_the_clock_and_the_body() -> None:
    first = call(body("a"), now=1.0).body
    assert first is not None
    assert call(body("a"), now=1.0).body == first
    later = call(body("a"), now=2.0).body
    other = call(body("b"), now=1.0).body
    assert later is not None
    assert other is not None
    assert len({first["id"], later["id"], other["id"]}) == 3
    assert later["created"] == 2
    forced = call(body("a"), now=1.0, completion_id_override="fixed-id").body
    assert forced is not None
    assert forced["id"] == "fixed-id"


def test_role_in_every_delta_switch() -> None:
    repeated = XaiSettings(role_in_every_delta=True)
    chunks = stream(body("Tell me about Oslo"), settings=repeated)
    *deltas, finish = chunks
    assert all(c["choices"][0]["delta"]["role"] == "assistant" for c in deltas)
    assert finish["choices"][0]["delta"] == {}


def test_an_empty_turn_puts_the_role_on_the_finish_chunk() -> None:
    from langchain_cfgateway_grok.emulator._xai import ScriptedReply

    (only,) = stream(body("x"), scripted=ScriptedReply())
    assert only["choices"][0]["delta"] == {"role": "assistant"}
    assert only["choices"][0]["finish_reason"] == "stop"


def test_reasoning_switch_also_applies_to_streams() -> None:
    chunks = stream(body("Hello"), settings=XaiSettings(emit_reasoning_content=False))
    assert not any("reasoning_content" in c["choices"][0]["delta"] for c in chunks if c["choices"])


@settings(max_examples=100, deadline=None)
@given(
    text=st.text(min_size=1, max_size=120),
    model=st.sampled_from(["grok-4.3", "grok-4.20-0309-non-reasoning", "grok-3-mini"]),
    max_tokens=st.one_of(st.none(), st.integers(1, 40)),
    with_tools=st.booleans(),
)
def test_stream_equals_json_for_any_prompt(
    text: str, model: str, max_tokens: int | None, with_tools: bool
) -> None:
    request = body(text, model=model)
    if max_tokens is not None:
        request["max_completion_tokens"] = max_tokens
    if with_tools:
        request["tools"] = [ORDER, SHIP]
    answer = ok(request, completion_id_override=SAME_ID)
    chunks = stream(
        {**request, "stream_options": {"include_usage": True}}, completion_id_override=SAME_ID
    )
    assert assemble(chunks)[0] == json_message(answer["choices"][0])
    assert chunks[-1]["usage"] == answer["usage"]
    content = answer["choices"][0]["message"]["content"] or ""
    if max_tokens is not None:
        assert len(content.encode()) <= 4 * max_tokens
        assert (
            answer["usage"]["completion_tokens"] <= max_tokens
            or answer["choices"][0]["finish_reason"] == "tool_calls"
        )


@pytest.mark.parametrize(
    "text",
    ["", "one", "two words", "  lead and trail  ", "a" * 40, "日本語のテキスト" * 4, "x\n\ny"],
)
def test_split_text_round_trips(text: str) -> None:
    pieces = split_text(text)
    assert "".join(pieces) == text
    assert all(0 < len(p) <= 16 for p in pieces)
