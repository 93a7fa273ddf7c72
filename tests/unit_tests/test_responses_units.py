"""The Responses API path's pure parts: body rules, input items, results, the event reader, tools.

Sockets are off here; the same code runs end to end against the emulator in
tests/emulator_tests/test_responses_api.py. These pin the rules the emulator cannot reach
(usage reported with Chat Completions semantics, items and events it never sends, refusals).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, SecretStr

from langchain_cfgateway_grok import ChatCloudflareGrok
from langchain_cfgateway_grok._responses_request import (
    build_body,
    continue_from,
    input_items,
    responses_url,
    text_format,
)
from langchain_cfgateway_grok._responses_result import (
    message_from_response,
    tool_call_of,
    usage_metadata,
)
from langchain_cfgateway_grok._responses_stream import EventReader, replay_response
from langchain_cfgateway_grok._server_tools import wire_tool_choice, wire_tools

GROK_URL = "https://gateway.ai.cloudflare.com/v1/acct/gw/grok/v1/chat/completions"


def body_for(payload: dict[str, Any], messages: Any = None, **options: Any) -> dict[str, Any]:
    options = {"prompt_cache_key": None, "use_previous_response_id": False, **options}
    body, _ = build_body(
        {"model": "grok-4.3", **payload}, messages or [HumanMessage("hi")], **options
    )
    return body


# -- URL and body ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chat_url", "expected"),
    [
        (GROK_URL, "https://gateway.ai.cloudflare.com/v1/acct/gw/grok/v1/responses"),
        (
            "http://127.0.0.1:8/v1/a/g/grok/chat/completions",
            "http://127.0.0.1:8/v1/a/g/grok/responses",
        ),
        ("https://proxy.example/xai/chat/completions", "https://proxy.example/xai/responses"),
        (GROK_URL + "?a=1&b=2", GROK_URL.replace("chat/completions", "responses") + "?a=1&b=2"),
    ],
)
def test_the_responses_url_sits_next_to_the_chat_url(chat_url: str, expected: str) -> None:
    assert responses_url(chat_url) == expected


def test_a_url_that_is_not_a_chat_url_is_refused() -> None:
    with pytest.raises(ValueError, match="ending in '/chat/completions'"):
        responses_url("https://gateway.ai.cloudflare.com/v1/acct/gw/grok/v1")


def test_stateless_defaults_on_a_reasoning_model() -> None:
    assert body_for({}) == {
        "model": "grok-4.3",
        "input": [{"type": "message", "role": "user", "content": "hi"}],
        "store": False,
        "include": ["reasoning.encrypted_content"],
    }


def test_no_encrypted_reasoning_without_reasoning_or_with_store() -> None:
    assert "include" not in body_for({"model": "grok-4.20-0309-non-reasoning"})
    stored = body_for({"store": True})
    assert stored["store"] is True
    assert "include" not in stored
    assert body_for({"include": ["message.output_text.logprobs"]})["include"] == [
        "message.output_text.logprobs",
        "reasoning.encrypted_content",
    ]


def test_continuing_a_response_defaults_to_store_true() -> None:
    assert body_for({}, use_previous_response_id=True)["store"] is True
    explicit = body_for({"previous_response_id": "resp-1"})
    assert (explicit["store"], explicit["previous_response_id"]) == (True, "resp-1")
    assert body_for({"store": False}, use_previous_response_id=True)["store"] is False


def test_chat_completions_names_become_responses_names() -> None:
    body = body_for(
        {
            "max_tokens": 100,
            "reasoning_effort": "high",
            "reasoning": {"summary": "auto"},
            "stop": ["x"],
            "presence_penalty": 0.5,
            "stream": False,
            "stream_options": {"include_usage": True},
            "extra_body": {"user": "u-1"},
            "verbosity": "low",
        }
    )
    assert body["max_output_tokens"] == 100
    assert body["reasoning"] == {"summary": "auto", "effort": "high"}
    assert body["text"] == {"verbosity": "low"}
    assert body["user"] == "u-1"
    for gone in ("max_tokens", "reasoning_effort", "stop", "presence_penalty", "stream",
                 "stream_options", "extra_body", "verbosity"):  # fmt: skip
        assert gone not in body
    # A non-reasoning model keeps its penalties; `stop` goes anyway.
    plain = body_for(
        {"model": "grok-4.20-0309-non-reasoning", "presence_penalty": 0.5, "stop": ["x"]}
    )
    assert plain["presence_penalty"] == 0.5
    assert "stop" not in plain


def test_settings_the_api_or_the_model_cannot_take_are_refused() -> None:
    with pytest.raises(ValueError, match=r"`n=3`"):
        body_for({"n": 3})
    with pytest.raises(ValueError, match="`reasoning_effort='xhigh'` is not accepted"):
        body_for({"reasoning": {"effort": "xhigh"}})
    with pytest.raises(ValueError, match=r"not accepted by grok-4\.20-0309-non-reasoning"):
        body_for({"model": "grok-4.20-0309-non-reasoning", "reasoning_effort": "low"})
    with pytest.raises(ValueError, match="`prompt_cache_key` must be a non-empty string"):
        body_for({}, prompt_cache_key="")
    with pytest.raises(ValueError, match="search_parameters"):
        body_for({"extra_body": {"search_parameters": {}}})


def test_tools_and_tool_choice_take_the_responses_shapes() -> None:
    function = {"type": "function", "function": {"name": "f", "parameters": {}}, "strict": True}
    assert wire_tools(
        [function, {"type": "code_execution"}, {"type": "x_search", "from_date": "2026-01-01"}]
    ) == [
        {"type": "function", "name": "f", "parameters": {}, "strict": True},
        {"type": "code_interpreter"},
        {"type": "x_search", "from_date": "2026-01-01"},
    ]
    assert wire_tool_choice({"type": "function", "function": {"name": "f"}}) == {
        "type": "function",
        "name": "f",
    }
    assert wire_tool_choice("web_search") == {"type": "web_search"}
    assert wire_tool_choice("code_execution") == {"type": "code_interpreter"}
    assert wire_tool_choice("any") == "required"
    assert wire_tool_choice("auto") == "auto"
    with pytest.raises(ValueError, match=r"`tools\[1\]` must be a dict with a `type`"):
        wire_tools([function, "web_search"])
    with pytest.raises(ValueError, match="`tools` must be a list"):
        wire_tools({"type": "web_search"})


class Booking(BaseModel):
    city: str
    nights: int


def test_structured_output_becomes_text_format() -> None:
    pydantic_format = text_format(Booking)
    assert (pydantic_format["type"], pydantic_format["name"], pydantic_format["strict"]) == (
        "json_schema",
        "Booking",
        True,
    )
    assert pydantic_format["schema"]["additionalProperties"] is False
    wrapped = {"type": "json_schema", "json_schema": {"name": "b", "schema": {"type": "object"}}}
    assert text_format(wrapped) == {
        "type": "json_schema",
        "name": "b",
        "schema": {"type": "object"},
    }
    schema = {"title": "b", "type": "object", "properties": {"a": {"type": "string"}}}
    assert text_format(schema)["name"] == "b"
    assert text_format({"type": "json_object"}) == {"type": "json_object"}
    with pytest.raises(ValueError, match="`response_format` must be"):
        text_format("json")
    body, parse_json = build_body(
        {"model": "grok-4.3", "response_format": Booking},
        [HumanMessage("hi")],
        prompt_cache_key=None,
        use_previous_response_id=False,
    )
    assert parse_json is True
    assert body["text"]["format"]["name"] == "Booking"


# -- input items ----------------------------------------------------------------------------------

X_CALL = {
    "id": "xs_1",
    "type": "x_search_call",
    "status": "completed",
    "action": {"type": "search", "query": "q", "sources": [{"type": "url", "url": "https://x"}]},
}


def test_xai_items_unknown_to_langchain_openai_are_replayed_in_place() -> None:
    assistant = AIMessage(
        content=[
            {
                "type": "reasoning",
                "id": "rs_1",
                "summary": [],
                "encrypted_content": "enc",
                "index": 0,
            },
            {**X_CALL, "index": 1},
            {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "c1",
                "name": "f",
                "arguments": "{}",
            },
        ],
        tool_calls=[{"name": "f", "args": {}, "id": "c1"}],
    )
    items = input_items(
        [HumanMessage("q"), assistant, ToolMessage("done", tool_call_id="c1")], store=False
    )
    assert [item["type"] for item in items] == [
        "message",
        "reasoning",
        "x_search_call",
        "function_call",
        "function_call_output",
    ]
    assert items[2] == X_CALL


def test_with_store_false_reasoning_without_encrypted_content_stays_home() -> None:
    assistant = AIMessage(
        content=[
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "t"}]},
            {"type": "text", "text": "answer", "id": "msg_1", "annotations": []},
        ]
    )
    stateless = input_items([assistant], store=False)
    assert [item["type"] for item in stateless] == ["message"]
    assert "id" not in stateless[0]
    stored = input_items([assistant], store=True)
    assert [item["type"] for item in stored] == ["reasoning", "message"]
    assert stored[1]["id"] == "msg_1"


def test_continue_from_the_last_stored_xai_response() -> None:
    def ai(response_id: str, *, store: bool) -> AIMessage:
        metadata = {"id": response_id, "model_provider": "xai", "store": store}
        return AIMessage("a", response_metadata=metadata)

    messages = [
        HumanMessage("1"),
        ai("r1", store=True),
        HumanMessage("2"),
        ai("r2", store=False),
        HumanMessage("3"),
    ]
    rest, previous = continue_from(messages)
    assert previous == "r1"
    assert rest == messages[2:]
    assert continue_from([HumanMessage("1"), ai("r0", store=False)]) == (
        [HumanMessage("1"), ai("r0", store=False)],
        None,
    )


# -- results --------------------------------------------------------------------------------------


def test_usage_output_includes_reasoning_whichever_way_xai_reports_it() -> None:
    responses_style = {
        "input_tokens": 10,
        "input_tokens_details": {"cached_tokens": 4},
        "output_tokens": 25,
        "output_tokens_details": {"reasoning_tokens": 20},
        "total_tokens": 35,
    }
    chat_style = {**responses_style, "output_tokens": 5}  # total = 10 + 5 + 20
    expected = {
        "input_tokens": 10,
        "output_tokens": 25,
        "total_tokens": 35,
        "input_token_details": {"cache_read": 4},
        "output_token_details": {"reasoning": 20},
    }
    assert usage_metadata(responses_style) == expected
    assert usage_metadata(chat_style) == expected
    assert usage_metadata({}) == {
        "input_tokens": 0,
        "output_tokens": 0,
        "total_tokens": 0,
        "input_token_details": {},
        "output_token_details": {},
    }


def test_function_call_arguments_that_are_not_an_object_are_invalid_tool_calls() -> None:
    item = {"type": "function_call", "name": "f", "call_id": "c1"}
    assert tool_call_of({**item, "arguments": '{"a": 1}'})["args"] == {"a": 1}
    assert tool_call_of({**item, "arguments": ""})["args"] == {}
    broken = tool_call_of({**item, "arguments": '{"a": '})
    assert broken["type"] == "invalid_tool_call"
    listed = tool_call_of({**item, "arguments": "[1]"})
    assert listed["type"] == "invalid_tool_call"
    assert listed.get("error") == "the arguments are not a JSON object"


def test_a_refusal_and_unparseable_json_schema_output() -> None:
    response = {
        "id": "r1",
        "object": "response",
        "model": "grok-4.3",
        "status": "completed",
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "content": [
                    {"type": "refusal", "refusal": "I cannot help with that."},
                    {"type": "output_text", "text": "{not json", "annotations": None},
                ],
            },
            {
                "type": "function_call",
                "name": "f",
                "call_id": "c1",
                "arguments": "nope",
                "status": "completed",
            },
        ],
    }
    message = message_from_response(response, parse_json=True)
    assert message.content[0] == {
        "type": "refusal",
        "refusal": "I cannot help with that.",
        "id": "msg_1",
    }
    assert message.content[1] == {
        "type": "text",
        "text": "{not json",
        "annotations": [],
        "id": "msg_1",
    }
    function_block = message.content[2]
    assert isinstance(function_block, dict)
    assert "status" not in function_block
    assert "parsed" not in message.additional_kwargs
    assert message.invalid_tool_calls[0]["name"] == "f"
    assert message.usage_metadata is None
    assert message.response_metadata["model_provider"] == "xai"


# -- the event reader -----------------------------------------------------------------------------


def read_all(events: list[Any], *, parse_json: bool = False) -> AIMessageChunk:
    reader = EventReader({"gateway": {"log_id": "L"}}, parse_json=parse_json)
    chunks = [chunk for event in events if (chunk := reader.read(event)) is not None]
    assert chunks[0].generation_info == {"gateway": {"log_id": "L"}}
    assert all(chunk.generation_info is None for chunk in chunks[1:])
    merged = chunks[0].message
    for chunk in chunks[1:]:
        merged = merged + chunk.message
    assert isinstance(merged, AIMessageChunk)
    return merged


def test_an_item_keeps_its_first_output_index() -> None:
    # After server-side calls an item's later events may report a later output_index; its
    # blocks must still merge into one (langchain-openai pins them the same way).
    search = {"id": "ws_1", "type": "web_search_call", "status": "completed", "action": {}}
    message = {"id": "msg_1", "type": "message"}
    text = {"content_index": 0, "item_id": "msg_1"}
    events = [
        {"type": "response.created", "response": {"id": "r1"}},
        {"type": "response.output_item.added", "output_index": 0, "item": search},
        {"type": "response.output_item.done", "output_index": 0, "item": search},
        {"type": "response.output_item.added", "output_index": 1, "item": message},
        {"type": "response.output_text.delta", "output_index": 1, **text, "delta": "Hel"},
        {"type": "response.output_text.delta", "output_index": 3, **text, "delta": "lo"},
        {"type": "response.output_text.done", "output_index": 3, **text},
        {
            "type": "response.completed",
            "response": {"id": "r1", "model": "grok-4.3", "status": "completed", "output": []},
        },
    ]
    merged = read_all(events)
    assert without_index(merged.content) == [
        search,
        {"type": "text", "text": "Hello", "annotations": [], "id": "msg_1"},
    ]
    assert merged.id == "r1"
    assert merged.response_metadata["model_name"] == "grok-4.3"


def without_index(blocks: Any) -> list[Any]:
    return [{k: v for k, v in b.items() if k != "index"} for b in blocks]


def test_summaries_join_like_the_whole_message_and_refusals_stream() -> None:
    item = {"id": "rs_1", "type": "reasoning", "summary": []}
    events = [
        {"type": "response.created", "response": {"id": "r1"}},
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {
            "type": "response.reasoning_summary_part.added",
            "output_index": 0,
            "item_id": "rs_1",
            "summary_index": 0,
        },
        {
            "type": "response.reasoning_summary_text.delta",
            "output_index": 0,
            "item_id": "rs_1",
            "summary_index": 0,
            "delta": "one",
        },
        {
            "type": "response.reasoning_summary_part.added",
            "output_index": 0,
            "item_id": "rs_1",
            "summary_index": 1,
        },
        {
            "type": "response.reasoning_summary_text.delta",
            "output_index": 0,
            "item_id": "rs_1",
            "summary_index": 1,
            "delta": "two",
        },
        {
            "type": "response.refusal.done",
            "output_index": 1,
            "content_index": 0,
            "item_id": "msg_1",
            "refusal": "no",
        },
        {
            "type": "response.completed",
            "response": {"id": "r1", "status": "completed", "output": []},
        },
    ]
    merged = read_all(events)
    assert merged.additional_kwargs["reasoning_content"] == "one\n\ntwo"
    full = {
        "id": "r1",
        "output": [{"type": "reasoning", "summary": [{"text": "one"}, {"text": "two"}]}],
    }
    assert (
        message_from_response(full, parse_json=False).additional_kwargs["reasoning_content"]
        == "one\n\ntwo"
    )
    reasoning = merged.content[0]
    assert isinstance(reasoning, dict)
    assert [p["text"] for p in reasoning["summary"]] == ["one", "two"]
    assert merged.content[1] == {"type": "refusal", "refusal": "no", "id": "msg_1", "index": 1}


def test_a_replayed_buffered_response_streams_as_one_whole_chunk() -> None:
    response = {
        "id": "r1",
        "object": "response",
        "model": "grok-4.3",
        "status": "completed",
        "citations": ["https://a"],
        "output": [
            {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "c1",
                "name": "f",
                "arguments": '{"x": 1}',
            },
            {
                "type": "message",
                "id": "msg_1",
                "content": [{"type": "output_text", "text": '{"k": 2}', "annotations": []}],
            },
        ],
        "usage": {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7},
    }
    events = replay_response(response)
    assert events == [{"type": "response.completed", "response": response}]
    merged = read_all(events, parse_json=True)
    assert merged.tool_calls == [{"type": "tool_call", "name": "f", "args": {"x": 1}, "id": "c1"}]
    assert merged.text == '{"k": 2}'
    assert merged.additional_kwargs["parsed"] == {"k": 2}
    assert merged.additional_kwargs["citations"] == ["https://a"]
    assert merged.usage_metadata is not None
    assert merged.usage_metadata["total_tokens"] == 7
    assert replay_response({"object": "chat.completion"}) is None
    assert replay_response({**response, "status": "incomplete"})[0]["type"] == "response.incomplete"  # type: ignore[index]


def test_unknown_events_carry_nothing() -> None:
    reader = EventReader(None, parse_json=False)
    assert reader.read({"type": "response.web_search_call.searching"}) is None
    assert reader.read({"type": "response.output_item.added", "item": {"type": "message"}}) is None
    assert reader.read({"no": "type"}) is None


# -- bind_tools -----------------------------------------------------------------------------------


@tool
def lookup(order_id: int) -> str:
    """Look up an order."""
    return str(order_id)


def test_bind_tools_keeps_server_side_tools_in_place() -> None:
    model = ChatCloudflareGrok(account_id="0" * 32, gateway_id="gw", api_key=SecretStr("xai-k"))
    bound: Any = model.bind_tools(
        [{"type": "web_search", "allowed_domains": ["x.ai"]}, lookup, {"type": "x_search"}],
        tool_choice="web_search",
        parallel_tool_calls=False,
    )
    tools = bound.kwargs["tools"]
    assert tools[0] == {"type": "web_search", "allowed_domains": ["x.ai"]}
    assert tools[1]["function"]["name"] == "lookup"
    assert tools[2] == {"type": "x_search"}
    assert bound.kwargs["tool_choice"] == {"type": "web_search"}
    assert bound.kwargs["parallel_tool_calls"] is False
    # Without server-side tools nothing changes: tool_choice by name, Chat Completions shapes.
    plain: Any = model.bind_tools([lookup], tool_choice="lookup")
    assert plain.kwargs["tool_choice"] == {"type": "function", "function": {"name": "lookup"}}
    assert json.dumps(plain.kwargs["tools"])  # plain JSON


def _emulated_events(prompt: str) -> list[dict[str, Any]]:
    """A real event stream from the emulated xAI (pure functions, no sockets): reasoning with a
    summary and encrypted content, a web search, then a function call or a cited answer."""
    from langchain_cfgateway_grok.emulator._xai.responses import create_response
    from langchain_cfgateway_grok.emulator._xai.store import XaiStore

    get_time = {
        "type": "function",
        "name": "get_time",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    }
    body = {
        "model": "grok-4.3",
        "input": prompt,
        "tools": [{"type": "web_search"}, get_time],
        "reasoning": {"effort": "low", "summary": "auto"},
        "include": ["reasoning.encrypted_content"],
        "store": False,
        "stream": True,
    }
    result = create_response(body, api_key="xai-k", store=XaiStore(b"s" * 32), now=1.0)
    assert result.status == 200
    return list(result.chunks or ())


CALLING = "Search the web for Oslo events and get time in Oslo"
ANSWERING = "Search the web for Oslo events"
DELTAS = {
    "response.output_text.delta",
    "response.reasoning_summary_text.delta",
    "response.function_call_arguments.delta",
}


@pytest.mark.parametrize("prompt", [CALLING, ANSWERING], ids=["function-call", "answer"])
@pytest.mark.parametrize(
    "dropped",
    [
        {"response.output_text.delta"},
        {"response.output_text.delta", "response.output_text.done"},
        {"response.reasoning_summary_text.delta"},
        {"response.function_call_arguments.delta"},
        {
            *DELTAS,
            "response.output_text.done",
            "response.output_text.annotation.added",
            "response.reasoning_summary_part.added",
        },
    ],
    ids=["no-text-deltas", "no-text-events", "no-summary-deltas", "no-argument-deltas", "none"],
)
def test_an_item_that_never_streamed_arrives_whole_with_its_done_event(
    prompt: str, dropped: set[str]
) -> None:
    # xAI's exact event set is Unconfirmed; the message must be the same either way.
    events = _emulated_events(prompt)
    full = read_all(events)
    partial = read_all([e for e in events if e["type"] not in dropped])
    assert without_index(partial.content) == without_index(full.content)
    assert partial.tool_calls == full.tool_calls
    assert partial.additional_kwargs == full.additional_kwargs
    assert full.additional_kwargs["reasoning_content"].startswith("The user wrote:")


def test_the_emulated_streams_have_the_events_dropped_above() -> None:
    calling, answering = _emulated_events(CALLING), _emulated_events(ANSWERING)
    assert {e["type"] for e in calling + answering} >= DELTAS
    assert read_all(calling).tool_calls[0]["args"] == {"city": "Oslo"}
    answer = read_all(answering)
    assert block_types_of(answer) == ["reasoning", "web_search_call", "text"]
    assert len(answer.content[-1]["annotations"]) == 3  # type: ignore[index]


def block_types_of(message: AIMessageChunk) -> list[str]:
    return [b["type"] for b in message.content if isinstance(b, dict)]
