"""The emulated model in the Responses API: server-side tools, function tools, answers, budgets.

Rules under test: docs/emulator-xai.md "Responses API" (server-side tool policy, sources, inline
citations `[[N]](url)` from docs.x.ai/docs/guides/tools/overview, `max_output_tokens` including
reasoning from xai-api.md §1.1).
"""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest

from langchain_cfgateway_grok.emulator._xai import XaiStore
from langchain_cfgateway_grok.emulator._xai.responses.server_tools import (
    canned_output,
    search_query,
    slug,
    wants_code,
    wants_web,
    wants_x,
)
from langchain_cfgateway_grok.emulator._xai.tokens import count_tokens
from tests.unit_tests.emulator_xai._responses_helpers import (
    PLAIN,
    body,
    fn_tool,
    items_of,
    ok,
    output_text,
)

WEB = {"type": "web_search"}
X = {"type": "x_search"}
CODE = {"type": "code_interpreter"}
ALL_SERVER = [WEB, X, CODE]


@pytest.mark.parametrize(
    ("text", "web", "x", "code"),
    [
        ("Search the web for rust 2.0", True, False, False),
        ("look it up online please", True, False, False),
        ("What is the latest news about Mars?", True, False, False),
        ("What are people saying on X about Grok?", False, True, False),
        ("Find tweets about the launch", False, True, False),
        ("search X posts and the web for Grok", True, True, False),
        ("Search the web and X for Oslo events", True, True, False),
        ("Calculate 2**10", False, False, True),
        ("```python\nprint(1)\n```", False, False, True),
        ("Tell me a joke about cats", False, False, False),
        ("The letter x is small", False, False, False),
    ],
)
def test_intent_words(text: str, web: bool, x: bool, code: bool) -> None:
    assert (wants_web(text), wants_x(text), wants_code(text)) == (web, x, code)


def test_query_and_slug() -> None:
    assert search_query("Search the web for Rust 2.0 release notes? nonce:abc") == (
        "Rust 2.0 release notes"
    )
    assert search_query("   ") == "query"
    assert slug("Rust 2.0 release notes: what changed in the borrow checker") == (
        "rust-2-0-release-notes-what"
    )
    assert slug("!!!") == "query"


def test_web_search_call_sources_and_cited_answer() -> None:
    response = ok(body("Search the web for Rust 2.0 release notes", tools=[WEB]))
    (call,) = items_of(response, "web_search_call")
    query = "Rust 2.0 release notes"
    urls = [f"https://example.com/search/rust-2-0-release-notes/{n}" for n in (1, 2, 3)]
    assert call["action"] == {
        "type": "search",
        "query": query,
        "sources": [{"type": "url", "url": url} for url in urls],
    }
    assert call["status"] == "completed"
    text = output_text(response)
    assert text == f'Web results for "{query}": ' + " ".join(
        f"[[{n}]]({url})" for n, url in enumerate(urls, 1)
    )
    (message,) = items_of(response, "message")
    annotations = message["content"][0]["annotations"]
    assert [a["url"] for a in annotations] == urls
    for n, annotation in enumerate(annotations, 1):
        assert annotation["type"] == "url_citation"
        assert annotation["title"] == annotation["url"]
        span = text[annotation["start_index"] : annotation["end_index"]]
        assert span == f"[[{n}]]({annotation['url']})"
    assert response["citations"] == urls
    assert response["usage"]["num_sources_used"] == 3
    assert response["usage"]["num_server_side_tools_used"] == 1


def test_x_search_and_web_search_in_one_turn_number_sources_once() -> None:
    response = ok(body("search X posts and the web for Grok", tools=ALL_SERVER))
    kinds = [item["type"] for item in response["output"]]
    assert kinds == ["reasoning", "web_search_call", "x_search_call", "message"]
    x_urls = [s["url"] for s in items_of(response, "x_search_call")[0]["action"]["sources"]]
    assert all(re.fullmatch(r"https://example\.com/x/[a-z0-9-]+/status/[12]", u) for u in x_urls)
    text = output_text(response)
    assert text.splitlines()[1].startswith('X posts for "posts and the web for Grok": [[4]](')
    assert len(response["citations"]) == 5
    details = response["usage"]["server_side_tool_usage_details"]
    assert (details["web_search_calls"], details["x_search_calls"]) == (1, 1)


def test_search_filters_shape_the_sources() -> None:
    web = {"type": "web_search", "allowed_domains": ["docs.example.org", "blog.example.org"]}
    xs = {"type": "x_search", "allowed_x_handles": ["@grok"]}
    response = ok(body("search the web and on X for pricing", tools=[web, xs]))
    web_urls = response["citations"][:3]
    assert web_urls[0].startswith("https://docs.example.org/search/")
    assert web_urls[1].startswith("https://blog.example.org/search/")
    assert response["citations"][3] == "https://example.com/x/grok/status/1"


def test_code_interpreter_runs_nothing_and_reports_a_canned_output() -> None:
    code = "print(sum(range(10)))"
    response = ok(body(f"Run this:\n```python\n{code}\n```", tools=[CODE]))
    (call,) = items_of(response, "code_interpreter_call")
    assert call["code"] == code
    assert call["outputs"] == [{"type": "logs", "logs": canned_output(code)}]
    assert canned_output(code).startswith("emulated run: code not executed (1 line(s), sha256 ")
    assert json.loads(call["arguments"]) == {"code": code}
    assert output_text(response) == f"code_interpreter returned: {canned_output(code)}"


def test_no_intent_means_no_server_call() -> None:
    response = ok(body("Tell me a joke about cats", tools=ALL_SERVER))
    assert [item["type"] for item in response["output"]] == ["reasoning", "message"]
    assert output_text(response) == "You said: Tell me a joke about cats"
    assert response["citations"] == []
    assert response["usage"]["num_server_side_tools_used"] == 0


def test_tool_choice_forces_none_and_required() -> None:
    forced = ok(body("Tell me a joke", tools=[WEB, X], tool_choice={"type": "x_search"}))
    assert [i["type"] for i in forced["output"]][1:] == ["x_search_call", "message"]
    assert items_of(forced, "x_search_call")[0]["action"]["query"] == "Tell me a joke"
    none = ok(body("search the web for cats", tools=[WEB], tool_choice="none"))
    assert items_of(none, "web_search_call") == []
    required = ok(body("Tell me a joke", tools=[X, WEB], tool_choice="required"))
    assert [i["type"] for i in required["output"]][1:] == ["x_search_call", "message"]


def test_forcing_a_tool_the_model_never_runs_has_no_effect() -> None:
    mcp = {"type": "mcp", "server_url": "https://mcp.example.com", "server_label": "docs"}
    response = ok(body("hello", tools=[mcp], tool_choice={"type": "mcp"}))
    assert [item["type"] for item in response["output"]] == ["reasoning", "message"]
    assert response["tools"] == [mcp]


def test_function_tool_call_with_server_search_in_the_same_turn() -> None:
    weather = {**fn_tool("get_forecast", {"city": {"type": "string"}})}
    weather["parameters"]["required"] = ["city"]
    response = ok(body("Search the web for Oslo events and get the forecast", tools=[WEB, weather]))
    kinds = [item["type"] for item in response["output"]]
    assert kinds == ["reasoning", "web_search_call", "function_call"]
    (fc,) = items_of(response, "function_call")
    assert fc["name"] == "get_forecast"
    assert json.loads(fc["arguments"]) == {"city": "Oslo"}
    assert re.fullmatch(r"call_\d{8}", fc["call_id"])
    assert fc["id"] == f"fc_{response['id']}_0"
    assert (
        'search the web for "Oslo events and get the forecast", then call get_forecast'
        in (items_of(response, "reasoning")[0]["summary"][0]["text"])
    )


def test_tool_loop_replays_the_search_and_cites_it_with_the_function_result() -> None:
    weather = fn_tool("get_forecast", {"city": {"type": "string"}})
    tools = [WEB, weather]
    first = ok(body("Search the web for Oslo events and get the forecast", tools=tools))
    search, call = first["output"][1], first["output"][2]
    follow_up = [
        {"role": "user", "content": "Search the web for Oslo events and get the forecast"},
        search,
        call,
        {"type": "function_call_output", "call_id": call["call_id"], "output": "sunny, 21C"},
    ]
    second = ok(body(follow_up, tools=tools))
    assert items_of(second, "web_search_call") == []  # already run this turn
    text = output_text(second)
    lines = text.splitlines()
    assert lines[0].startswith('Web results for "Oslo events and get the forecast": [[1]](')
    assert lines[1] == "get_forecast returned: sunny, 21C"
    assert second["citations"] == [s["url"] for s in search["action"]["sources"]]
    assert second["usage"]["num_server_side_tools_used"] == 0


def test_parallel_tool_calls_false_keeps_one_call() -> None:
    tools = [fn_tool("get_time"), fn_tool("get_date")]
    both = ok(body("get time and get date", tools=tools))
    assert [c["name"] for c in items_of(both, "function_call")] == ["get_time", "get_date"]
    one = ok(body("get time and get date", tools=tools, parallel_tool_calls=False))
    assert [c["name"] for c in items_of(one, "function_call")] == ["get_time"]


def test_json_schema_text_format() -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city", "days"],
    }
    fmt = {"type": "json_schema", "name": "trip", "schema": schema, "strict": True}
    response = ok(body("A trip to Lima for 4 days", text={"format": fmt}))
    value = json.loads(output_text(response))
    jsonschema.validate(value, schema)
    assert value == {"city": "Lima", "days": 4}
    assert response["text"] == {"format": fmt}


def test_json_schema_with_a_search_answers_json_and_keeps_the_sources() -> None:
    schema = {"type": "object", "properties": {"topic": {"type": "string"}}, "required": ["topic"]}
    fmt = {"type": "json_schema", "name": "t", "schema": schema}
    response = ok(body("search the web for 'Grok'", tools=[WEB], text={"format": fmt}))
    assert json.loads(output_text(response)) == {"topic": "Grok"}
    assert len(response["citations"]) == 3
    assert items_of(response, "message")[0]["content"][0]["annotations"] == []


def test_nonce_is_echoed_after_the_cited_answer() -> None:
    response = ok(body("search the web for tea nonce:n-42", tools=[WEB]))
    assert output_text(response).endswith(" nonce:n-42")
    plain = ok(body("nonce:n-43"))
    assert output_text(plain) == "nonce:n-43"


def test_reasoning_follows_the_model_and_effort() -> None:
    assert items_of(ok(body("hi", model=PLAIN)), "reasoning") == []
    assert items_of(ok(body("hi", reasoning={"effort": "none"})), "reasoning") == []
    low = items_of(ok(body("hi")), "reasoning")[0]["summary"][0]["text"]
    high = items_of(ok(body("hi", reasoning={"effort": "high"})), "reasoning")[0]
    assert len(high["summary"][0]["text"]) > len(low)
    assert "encrypted_content" not in high


def test_max_output_tokens_includes_reasoning() -> None:
    full = ok(body("Please repeat this fairly long sentence back to me now"))
    reasoning = items_of(full, "reasoning")[0]["summary"][0]["text"]
    budget = count_tokens(reasoning) + 3
    cut = ok(
        body("Please repeat this fairly long sentence back to me now", max_output_tokens=budget)
    )
    assert cut["status"] == "incomplete"
    assert cut["incomplete_details"] == {"reason": "max_output_tokens"}
    (message,) = items_of(cut, "message")
    assert message["status"] == "incomplete"
    assert output_text(cut) == output_text(full).encode()[: 3 * 4].decode()
    assert cut["usage"]["output_tokens"] <= budget
    assert cut["max_output_tokens"] == budget


def test_a_budget_below_the_reasoning_leaves_an_empty_incomplete_answer() -> None:
    cut = ok(body("hello there", max_output_tokens=1))
    assert cut["status"] == "incomplete"
    assert output_text(cut) == ""


def test_instructions_are_read_but_not_echoed_as_input() -> None:
    response = ok(body("hello", instructions="Answer in French."))
    assert response["instructions"] == "Answer in French."
    assert output_text(response) == "You said: hello"


def test_message_items_with_parts_and_developer_role() -> None:
    request: list[dict[str, Any]] = [
        {"type": "message", "role": "developer", "content": "be brief"},
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "describe"},
                {"type": "input_image", "image_url": "data:image/png;base64,AAAA"},
            ],
        },
    ]
    response = ok(body(request))
    assert output_text(response) == "You said: describe"
    assert response["usage"]["input_tokens"] >= 256  # an image part counts 256 tokens


def test_server_calls_are_deterministic_for_the_same_prompt() -> None:
    store = XaiStore()
    a = ok(body("search the web for tea", tools=[WEB]), store=store)
    b = ok(body("search the web for tea", tools=[WEB]), store=store)
    assert a["citations"] == b["citations"]
    assert a["id"] != b["id"]  # every response id is unique, even for identical requests
