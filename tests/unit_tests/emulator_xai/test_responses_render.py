"""Wire shapes of the emulated Responses API: the response object, output items, usage, events.

Checked against the openai SDK's types (`openai.types.responses`) and xAI's recorded field sets
(docs/emulator-xai.md "Responses API" cites each shape).
"""

from __future__ import annotations

import json
import re
import typing
from typing import Any

import pytest
from openai.types.responses import Response, ResponseOutputItem, ResponseStreamEvent
from pydantic import BaseModel, TypeAdapter

from langchain_cfgateway_grok.emulator._xai import ScriptedReply, XaiSettings, XaiStore
from langchain_cfgateway_grok.emulator._xai.tokens import count_tokens
from tests.unit_tests.emulator_xai._responses_helpers import (
    NOW,
    PLAIN,
    body,
    call,
    events,
    fn_tool,
    items_of,
    ok,
    output_text,
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RESPONSE_KEYS = {
    "created_at", "completed_at", "id", "max_output_tokens", "model", "object", "output",
    "parallel_tool_calls", "previous_response_id", "reasoning", "temperature", "text",
    "tool_choice", "tools", "top_p", "usage", "user", "incomplete_details", "status", "store",
    "metadata", "background", "service_tier", "truncation", "top_logprobs", "presence_penalty",
    "frequency_penalty", "prompt_cache_key", "max_tool_calls", "safety_identifier", "error",
    "instructions", "citations",
}  # fmt: skip
USAGE_KEYS = [
    "input_tokens", "input_tokens_details", "output_tokens", "output_tokens_details",
    "total_tokens", "num_sources_used", "num_server_side_tools_used", "cost_in_usd_ticks",
    "server_side_tool_usage_details",
]  # fmt: skip
ITEM_ADAPTER: TypeAdapter[Any] = TypeAdapter(ResponseOutputItem)


def _event_classes() -> dict[str, type[BaseModel]]:
    union = typing.get_args(ResponseStreamEvent)[0]  # Annotated[Union[...], discriminator]
    return {
        typing.get_args(cls.model_fields["type"].annotation)[0]: cls
        for cls in typing.get_args(union)
    }


EVENT_CLASSES = _event_classes()
WEB = {"type": "web_search"}
CODE = {"type": "code_interpreter"}
SEARCH = "search the web for tea and run ```\nprint(1)\n``` nonce:t1"


def _without_usage(response: dict[str, Any]) -> dict[str, Any]:
    # openai 3.57 requires `cache_write_tokens`, which xAI's usage lacks (usage-and-pricing),
    # and a `container` on code_interpreter tools, which xAI's (recorded) tool lacks.
    return {**response, "usage": None, "tools": []}


def test_response_object_fields_and_types() -> None:
    response = ok(body("hello", temperature=0.5, metadata={"run": "7"}, user="u1"))
    assert set(response) == RESPONSE_KEYS
    assert UUID.match(response["id"])
    assert response["object"] == "response"
    assert response["created_at"] == response["completed_at"] == int(NOW)
    assert response["model"] == "grok-4.3"
    assert response["status"] == "completed"
    assert response["store"] is True
    assert response["temperature"] == 0.5
    assert response["user"] == "u1"
    assert response["metadata"]["run"] == "7"
    assert re.fullmatch(r"fp_[0-9a-f]{16}", response["metadata"]["system_fingerprint"])
    assert response["reasoning"] == {"effort": None, "summary": None}
    assert response["text"] == {"format": {"type": "text"}}
    assert response["tool_choice"] == "auto"
    assert response["error"] is None
    assert Response.model_validate(_without_usage(response)).output_text == "You said: hello"


def test_retired_slug_reports_the_serving_model_unless_switched() -> None:
    assert ok(body("hi", model="grok-4"))["model"] == "grok-4.3"
    echoed = ok(body("hi", model="grok-4"), settings=XaiSettings(report_resolved_model=False))
    assert echoed["model"] == "grok-4"


def test_every_output_item_validates_as_its_openai_type() -> None:
    tools = [WEB, CODE, fn_tool("get_time")]
    response = ok(
        body(SEARCH + " and get time", tools=tools, include=["reasoning.encrypted_content"])
    )
    kinds = [item["type"] for item in response["output"]]
    assert kinds == ["reasoning", "web_search_call", "code_interpreter_call", "function_call"]
    for item in response["output"]:
        parsed = ITEM_ADAPTER.validate_python(item)
        assert parsed.type == item["type"]
    reasoning = response["output"][0]
    assert reasoning["id"] == f"rs_{response['id']}"
    assert isinstance(reasoning["encrypted_content"], str)
    web = response["output"][1]
    assert web["id"] == f"ws_{response['id']}_call-0"
    assert (web["name"], web["call_id"]) == ("web_search", "")
    assert json.loads(web["arguments"]) == {"query": web["action"]["query"], "num_results": 3}
    code = response["output"][2]
    assert code["container_id"] == f"cntr_{response['id']}"
    assert code["name"] == "code_execution"


def test_message_item_shape() -> None:
    response = ok(body("hello"))
    (message,) = items_of(response, "message")
    assert message == {
        "id": f"msg_{response['id']}",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [
            {"type": "output_text", "text": "You said: hello", "logprobs": [], "annotations": []}
        ],
    }


def test_usage_semantics_and_cost() -> None:
    response = ok(body(SEARCH, tools=[WEB, CODE]))
    usage = response["usage"]
    assert list(usage) == USAGE_KEYS
    reasoning = items_of(response, "reasoning")[0]["summary"][0]["text"]
    visible = count_tokens(output_text(response))
    assert usage["output_tokens_details"] == {"reasoning_tokens": count_tokens(reasoning)}
    assert usage["output_tokens"] == visible + count_tokens(reasoning)  # includes reasoning
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["input_tokens_details"] == {"cached_tokens": 0}
    assert usage["num_server_side_tools_used"] == 2
    assert usage["server_side_tool_usage_details"] == {
        "web_search_calls": 1, "x_search_calls": 0, "code_interpreter_calls": 1,
        "file_search_calls": 0, "mcp_calls": 0, "document_search_calls": 0,
        "image_generation_calls": 0,
    }  # fmt: skip
    # grok-4.3: 12,500 ticks per input token, 25,000 per output token; $5 per 1,000 tool calls.
    expected = usage["input_tokens"] * 12_500 + usage["output_tokens"] * 25_000 + 2 * 50_000_000
    assert usage["cost_in_usd_ticks"] == expected
    cheap = ok(body(SEARCH, tools=[WEB, CODE]), settings=XaiSettings(server_tool_call_ticks=0))
    assert cheap["usage"]["cost_in_usd_ticks"] == expected - 100_000_000


def _reassemble(stream: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Rebuild every output item from its delta events."""
    built: dict[int, dict[str, Any]] = {}
    for event in stream:
        index: int = event.get("output_index", -1)
        kind = event["type"]
        if kind == "response.output_item.added":
            assert event["item"]["status"] == "in_progress"
            built[index] = {"type": event["item"]["type"], "text": "", "summary": "", "args": "",
                            "annotations": [], "phases": []}  # fmt: skip
        elif kind == "response.output_text.delta":
            built[index]["text"] += event["delta"]
        elif kind == "response.reasoning_summary_text.delta":
            built[index]["summary"] += event["delta"]
        elif kind == "response.function_call_arguments.delta":
            built[index]["args"] += event["delta"]
        elif kind == "response.output_text.annotation.added":
            built[index]["annotations"].append(event["annotation"])
        elif kind.startswith(("response.web_search_call.", "response.code_interpreter_call")):
            built[index]["phases"].append(kind)
    return built


def test_stream_events_rebuild_the_final_response() -> None:
    request = body(SEARCH + " and get time", tools=[WEB, CODE, fn_tool("get_time")])
    stream = events(request)
    assert [e["sequence_number"] for e in stream] == list(range(len(stream)))
    assert [e["type"] for e in stream[:2]] == ["response.created", "response.in_progress"]
    for event in stream[:2]:
        snapshot = event["response"]
        assert (snapshot["output"], snapshot["usage"], snapshot["status"]) == (
            [],
            None,
            "in_progress",
        )
        assert snapshot["completed_at"] is None
    final = stream[-1]["response"]
    assert stream[-1]["type"] == "response.completed"
    done = [e["item"] for e in stream if e["type"] == "response.output_item.done"]
    assert done == final["output"]
    built = _reassemble(stream)
    reasoning = final["output"][0]["summary"][0]["text"]
    assert built[0]["summary"] == reasoning
    assert built[1]["phases"] == [
        "response.web_search_call.in_progress",
        "response.web_search_call.searching",
        "response.web_search_call.completed",
    ]
    assert built[2]["phases"] == [
        "response.code_interpreter_call.in_progress",
        "response.code_interpreter_call_code.delta",
        "response.code_interpreter_call_code.done",
        "response.code_interpreter_call.interpreting",
        "response.code_interpreter_call.completed",
    ]
    assert built[3]["args"] == final["output"][3]["arguments"]
    # The same request without streaming gives the same output (ids aside).
    plain = ok(request)
    assert [i["type"] for i in plain["output"]] == [i["type"] for i in final["output"]]
    assert plain["output"][3]["arguments"] == final["output"][3]["arguments"]


def test_stream_text_and_annotations() -> None:
    stream = events(body("search the web for tea", tools=[WEB]))
    final = stream[-1]["response"]
    message = final["output"][-1]
    built = _reassemble(stream)[len(final["output"]) - 1]
    assert built["text"] == message["content"][0]["text"]
    assert built["annotations"] == message["content"][0]["annotations"]
    kinds = [e["type"] for e in stream if e.get("output_index") == len(final["output"]) - 1]
    assert kinds[:2] == ["response.output_item.added", "response.content_part.added"]
    first_annotation = kinds.index("response.output_text.annotation.added")
    assert set(kinds[2:first_annotation]) == {"response.output_text.delta"}
    assert kinds[-3:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
    ]
    assert all(len(e["delta"]) <= 16 for e in stream if e["type"].endswith("text.delta"))


def test_every_event_validates_as_an_openai_stream_event() -> None:
    tools = [WEB, CODE, fn_tool("get_time")]
    stream = events(body(SEARCH + " and get time", tools=tools, reasoning={"summary": "auto"}))
    for event in stream:
        checked = {**event}
        if "response" in checked:
            checked["response"] = _without_usage(checked["response"])
        parsed = EVENT_CLASSES[event["type"]].model_validate(checked)
        assert parsed.model_dump()["sequence_number"] == event["sequence_number"]


def test_function_call_events() -> None:
    stream = events(body("get time", tools=[fn_tool("get_time")], model=PLAIN))
    added = next(e for e in stream if e["type"] == "response.output_item.added")
    assert added["item"]["arguments"] == ""
    assert added["item"]["name"] == "get_time"
    deltas = [e for e in stream if e["type"] == "response.function_call_arguments.delta"]
    (done,) = [e for e in stream if e["type"] == "response.function_call_arguments.done"]
    assert "".join(e["delta"] for e in deltas) == done["arguments"] == "{}"


def test_incomplete_response_ends_with_response_incomplete() -> None:
    stream = events(body("hello there friend", max_output_tokens=1))
    assert stream[-1]["type"] == "response.incomplete"
    assert stream[-1]["response"]["incomplete_details"] == {"reason": "max_output_tokens"}


def test_encrypted_content_only_on_the_done_item() -> None:
    stream = events(body("hi", include=["reasoning.encrypted_content"]))
    added = next(e for e in stream if e["type"] == "response.output_item.added")
    done = next(e for e in stream if e["type"] == "response.output_item.done")
    assert "encrypted_content" not in added["item"]
    assert done["item"]["encrypted_content"]


@pytest.mark.parametrize("done_marker", [False, True])
def test_done_marker_switch(done_marker: bool) -> None:
    settings = XaiSettings(responses_stream_done_marker=done_marker)
    result = call(body("hi", stream=True), settings=settings)
    assert result.sse_event_names
    assert result.sse_done_marker is done_marker


def test_shape_switches() -> None:
    settings = XaiSettings(
        responses_server_tool_legacy_fields=False,
        responses_citation_offsets="zero",
        responses_top_level_citations=False,
        responses_summary_by_default=False,
    )
    response = ok(body("search the web for tea", tools=[WEB]), settings=settings)
    assert "citations" not in response
    (web,) = items_of(response, "web_search_call")
    assert set(web) == {"id", "type", "status", "action"}
    annotations = items_of(response, "message")[0]["content"][0]["annotations"]
    assert {(a["start_index"], a["end_index"]) for a in annotations} == {(0, 0)}
    assert items_of(response, "reasoning")[0]["summary"] == []
    asked = ok(body("hi", reasoning={"summary": "concise"}), settings=settings)
    assert items_of(asked, "reasoning")[0]["summary"][0]["type"] == "summary_text"


def test_scripted_reply_in_responses_shape() -> None:
    reply = ScriptedReply(
        text="scripted answer",
        reasoning="scripted thought",
        citations=["https://example.com/a"],
        usage={"input_tokens_details": {"cached_tokens": 3}},
    )
    response = ok(body("hi"), scripted=reply)
    assert output_text(response) == "scripted answer"
    assert items_of(response, "reasoning")[0]["summary"][0]["text"] == "scripted thought"
    annotation = items_of(response, "message")[0]["content"][0]["annotations"][0]
    assert (annotation["url"], annotation["start_index"], annotation["end_index"]) == (
        "https://example.com/a", 0, 0
    )  # fmt: skip
    assert response["citations"] == ["https://example.com/a"]
    assert response["usage"]["input_tokens_details"]["cached_tokens"] == 3
    calls = ScriptedReply(tool_calls=[{"name": "f", "arguments": {"a": 1}, "id": "call_x"}])
    called = ok(body("hi"), scripted=calls)
    (fc,) = items_of(called, "function_call")
    assert (fc["name"], fc["arguments"], fc["call_id"]) == ("f", '{"a":1}', "call_x")
    assert items_of(called, "message") == []
    cut = ok(body("hi"), scripted=ScriptedReply(text="x", finish_reason="length"))
    assert cut["status"] == "incomplete"


def test_same_store_same_request_gets_new_ids() -> None:
    store = XaiStore()
    assert ok(body("hi"), store=store)["id"] != ok(body("hi"), store=store)["id"]
