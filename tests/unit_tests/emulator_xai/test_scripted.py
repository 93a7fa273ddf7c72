"""Scripted replies override the model and render in the same wire shape, JSON and stream."""

from __future__ import annotations

import json
from typing import Any

import pytest

from langchain_cfgateway_grok.emulator._xai import ScriptedReply
from tests.unit_tests.emulator_xai._helpers import assemble, body, call, error, ok, stream

SAME_ID = "5f0e3c1a-8a8e-4c5b-9a62-0d2f1b7e4c11"
CITATIONS = ["https://example.org/a", "https://example.org/b"]


def both(
    request: dict[str, Any], reply: ScriptedReply
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    answer = ok(request, scripted=reply, completion_id_override=SAME_ID)
    chunks = stream(
        {**request, "stream_options": {"include_usage": True}},
        scripted=reply,
        completion_id_override=SAME_ID,
    )
    return answer, chunks


def test_text_and_reasoning_are_verbatim() -> None:
    reply = ScriptedReply(
        text="Scripted answer, with stop words you", reasoning="Scripted thought."
    )
    answer, chunks = both(
        body("anything", model="grok-4.20-0309-non-reasoning", stop=["you"], max_tokens=1), reply
    )
    message = answer["choices"][0]["message"]
    assert message["content"] == "Scripted answer, with stop words you"
    assert message["reasoning_content"] == "Scripted thought."
    assert answer["choices"][0]["finish_reason"] == "stop"
    merged = assemble(chunks)[0]
    assert merged["content"] == message["content"]
    assert merged["reasoning_content"] == message["reasoning_content"]


def test_tool_calls_with_dict_or_string_arguments_and_ids() -> None:
    reply = ScriptedReply(
        tool_calls=[
            {"name": "alpha", "arguments": {"x": 1, "s": "ü"}, "id": "call_fixed"},
            {"name": "beta", "arguments": '{"raw": true}'},
            {"name": "gamma"},
        ]
    )
    answer, chunks = both(body("Hello"), reply)
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    calls = choice["message"]["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["alpha", "beta", "gamma"]
    assert json.loads(calls[0]["function"]["arguments"]) == {"x": 1, "s": "ü"}
    assert calls[1]["function"]["arguments"] == '{"raw": true}'
    assert calls[2]["function"]["arguments"] == "{}"
    assert calls[0]["id"] == "call_fixed"
    assert calls[1]["id"].startswith("call_")
    assert assemble(chunks)[0]["tool_calls"] == calls


def test_finish_reason_override() -> None:
    answer = ok(body("Hello"), scripted=ScriptedReply(text="cut", finish_reason="length"))
    assert answer["choices"][0]["finish_reason"] == "length"
    answer = ok(body("Hello"), scripted=ScriptedReply(text="done", finish_reason="end_turn"))
    assert answer["choices"][0]["finish_reason"] == "end_turn"


def test_usage_overrides_merge_and_recompute_totals_and_cost() -> None:
    reply = ScriptedReply(
        text="hi",
        usage={
            "prompt_tokens": 10,
            "completion_tokens": 5,
            "completion_tokens_details": {"reasoning_tokens": 20},
            "prompt_tokens_details": {"cached_tokens": 4},
        },
    )
    usage = ok(body("Hello"), scripted=reply)["usage"]
    assert usage["total_tokens"] == 35
    assert usage["completion_tokens_details"]["audio_tokens"] == 0  # untouched keys stay
    assert usage["prompt_tokens_details"]["cached_tokens"] == 4
    # grok-4.3: 6 uncached * 12,500 + 4 cached * 2,000 + (5 + 20) * 25,000 ticks
    assert usage["cost_in_usd_ticks"] == 6 * 12_500 + 4 * 2_000 + 25 * 25_000
    fixed = ok(
        body("Hello"),
        scripted=ScriptedReply(text="hi", usage={"total_tokens": 1, "cost_in_usd_ticks": 7}),
    )["usage"]
    assert (fixed["total_tokens"], fixed["cost_in_usd_ticks"]) == (1, 7)


def test_citations_on_json_and_stream() -> None:
    answer, chunks = both(
        body("Hello"), ScriptedReply(text="Cited words here", citations=CITATIONS)
    )
    assert answer["citations"] == CITATIONS
    assert answer["usage"]["num_sources_used"] == 2
    with_citations = [c for c in chunks if "citations" in c]
    assert len(with_citations) == 2
    first_content = next(
        c for c in chunks if c["choices"] and "content" in c["choices"][0]["delta"]
    )
    assert first_content["citations"] == CITATIONS
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["citations"] == CITATIONS


def test_citations_without_content_ride_on_the_tool_call_or_finish_chunk() -> None:
    tools_only = ScriptedReply(tool_calls=[{"name": "f"}], citations=CITATIONS)
    (cited,) = [c for c in stream(body("Hello"), scripted=tools_only) if "citations" in c]
    assert "tool_calls" in cited["choices"][0]["delta"]
    chunks = stream(body("Hello"), scripted=ScriptedReply(citations=CITATIONS))
    assert [c for c in chunks if "citations" in c] == [chunks[-1]]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_empty_reply_has_empty_content() -> None:
    answer, chunks = both(body("Hello"), ScriptedReply())
    assert answer["choices"][0]["message"]["content"] == ""
    assert "reasoning_content" not in answer["choices"][0]["message"]
    assert assemble(chunks)[0]["content"] == ""


def test_validation_still_applies() -> None:
    reply = ScriptedReply(text="never seen")
    assert error(body(model="grok-beta"), scripted=reply)[2] == "Model not found: grok-beta"
    assert error(body(), scripted=reply, api_key=None)[0] == 401


def test_scripted_reasoning_is_shown_even_when_the_switch_hides_the_policys() -> None:
    from langchain_cfgateway_grok.emulator._xai import XaiSettings

    result = call(
        body("Hello"),
        scripted=ScriptedReply(text="a", reasoning="r"),
        settings=XaiSettings(emit_reasoning_content=False),
    )
    assert result.body is not None
    assert result.body["choices"][0]["message"]["reasoning_content"] == "r"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"tool_calls": [{"arguments": {}}]}, "tool_calls[0] needs a non-empty string `name`"),
        ({"tool_calls": [{"name": ""}]}, "tool_calls[0] needs a non-empty string `name`"),
        (
            {"tool_calls": [{"name": "f", "arguments": 5}]},
            "tool_calls[0].arguments must be a dict or a JSON string",
        ),
        ({"citations": "https://example.org"}, "citations must be a list of URLs"),
    ],
)
def test_bad_scripted_replies_fail_at_construction(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError, match="ScriptedReply") as info:
        ScriptedReply(**kwargs)
    assert fragment in str(info.value)
