"""`POST /v1/responses` validation: xAI's flat error bodies, the field named, the order of checks.

References: xai-api.md §1.1 (Responses parameters), §1.2 (reasoning per model), §1.5 (errors),
§1.6 (models); docs.x.ai/docs/guides/tools/search-tools (filter limits).
"""

from __future__ import annotations

from typing import Any

import pytest

from langchain_cfgateway_grok.emulator._xai import XaiSettings, XaiStore
from tests.unit_tests.emulator_xai._responses_helpers import (
    PLAIN,
    REASONING,
    body,
    call,
    error,
    fn_tool,
    ok,
)


def test_credentials_and_body_bytes_come_first() -> None:
    assert error(body(), api_key=None)[0] == 401
    status, code, message = error(body(), accepted_keys={"other-key"})
    assert (status, code) == (400, "Client specified an invalid argument")
    assert "Incorrect API key provided: xa***ey" in message
    assert error(b"", content_type="application/json")[0] == 415
    assert error(b"{not json", content_type="application/json")[0] == 400
    assert error(body(), content_type="text/plain")[0] == 415


@pytest.mark.parametrize(
    ("request_body", "needle"),
    [
        ({"input": "hi"}, "missing field `model`"),
        ({"model": REASONING}, "missing field `input`"),
        (body(input=5), "input: invalid type: integer `5`"),
        (body(input=[{"role": "robot", "content": "x"}]), "input[0].role: unknown variant `robot`"),
        (body(input=[{"role": "user"}]), "input[0]: missing field `content`"),
        (body(input=[{"type": "banana"}]), "input[0]: unknown variant `banana`"),
        (
            body(input=[{"role": "user", "content": [{"type": "image"}]}]),
            "input[0].content[0]: unknown variant `image`",
        ),
        (body(input=[{"type": "function_call", "name": "f"}]), "missing field `arguments`"),
        (body(input=[{"type": "function_call_output", "call_id": "c"}]), "input[0].output"),
        (body(input=[{"type": "reasoning", "summary": "x"}]), "input[0].summary"),
        (body(stream="yes"), "stream: invalid type: string"),
        (body(max_output_tokens=-1), "max_output_tokens: invalid value"),
        (body(include=[1]), "include[0]"),
        (body(reasoning={"summary": "verbose"}), "reasoning.summary: unknown variant `verbose`"),
        (body(text={"format": {"type": "xml"}}), "text.format: unknown variant `xml`"),
        (body(text={"format": {"type": "json_schema", "name": "x"}}), "missing field `schema`"),
        (body(tool_choice="any"), "tool_choice: unknown variant `any`"),
        (
            body(tools=[{"type": "function", "function": {"name": "f"}}]),
            "Responses function tools are flat",
        ),
        (body(tools=[{"type": "mcp", "server_label": "x"}]), "missing field `server_url`"),
    ],
)
def test_malformed_bodies_get_422_naming_the_field(
    request_body: dict[str, Any], needle: str
) -> None:
    status, _, message = error(request_body)
    assert status == 422, message
    assert needle in message


@pytest.mark.parametrize(
    ("request_body", "needle"),
    [
        (body(model="grok-2-latest"), "Model not found: grok-2-latest"),
        (body(model="grok-imagine-image"), "does not support the Responses API"),
        (body(model=PLAIN, reasoning={"effort": "high"}), "does not support parameter reasoning"),
        (body(reasoning={"effort": "xhigh"}), "Invalid reasoning.effort `xhigh`"),
        (body(temperature=3), "`temperature` must be between 0 and 2"),
        (body(max_output_tokens=0), "`max_output_tokens` must be at least 1"),
        (body(tools=[{"type": "code_execution"}]), "use `code_interpreter`"),
        (body(tools=[{"type": "browser"}]), "Unsupported tool type `browser`"),
        (body(tools=[fn_tool("f"), fn_tool("f")]), "duplicated: f"),
        (
            body(
                tools=[
                    {
                        "type": "web_search",
                        "allowed_domains": ["a.com"],
                        "excluded_domains": ["b.com"],
                    }
                ]
            ),
            "cannot be set together",
        ),
        (
            body(
                tools=[{"type": "web_search", "allowed_domains": [f"d{i}.com" for i in range(6)]}]
            ),
            "at most 5 entries",
        ),
        (
            body(tools=[{"type": "x_search", "allowed_x_handles": [f"h{i}" for i in range(11)]}]),
            "at most 10 entries",
        ),
        (body(tools=[{"type": "x_search", "from_date": "yesterday"}]), "ISO 8601 date"),
        (body(tools=[{"type": "collections_search"}]), "collection_ids"),
        (body(tool_choice="required"), "needs at least one tool"),
        (body(tools=[fn_tool("f")], tool_choice={"type": "function", "name": "g"}), "`g`"),
        (body(tools=[fn_tool("f")], tool_choice={"type": "web_search"}), "`web_search`"),
        (body(instructions="be brief", previous_response_id="r"), "cannot be used with"),
    ],
)
def test_invalid_arguments_get_400(request_body: dict[str, Any], needle: str) -> None:
    status, _, message = error(request_body)
    assert status == 400, message
    assert needle in message


def test_multi_agent_model_takes_server_tools_but_not_function_tools() -> None:
    model = "grok-4.20-multi-agent-0309"
    status, code, message = error(body(model=model, tools=[fn_tool("f")]))
    assert (status, code) == (400, "invalid-argument")
    assert message == f"Model {model} does not support parameter tools."
    assert ok(body("search the web for x", model=model, tools=[{"type": "web_search"}]))


def test_unknown_previous_response_is_404_or_400_by_switch() -> None:
    status, code, message = error(body(previous_response_id="resp-missing"))
    assert (status, code) == (404, "not-found")
    assert message == "Response with id 'resp-missing' not found."
    settings = XaiSettings(previous_response_not_found_status=400)
    status, code, _ = error(body(previous_response_id="resp-missing"), settings=settings)
    assert (status, code) == (400, "Client specified an invalid argument")


def test_context_length_counts_the_whole_conversation() -> None:
    settings = XaiSettings(context_window_override=10)
    status, _, message = error(body("word " * 20), settings=settings)
    assert status == 400
    assert message.startswith("This model's maximum prompt length is 10 but the request contains")


def test_failed_requests_store_nothing() -> None:
    store = XaiStore()
    assert call(body(tool_choice="any"), store=store).status == 422
    assert store.stored_ids == []


def test_unknown_fields_and_include_values_are_ignored() -> None:
    response = ok(body(include=["message.output_text.logprobs"], service_tier="auto", seed=3))
    assert response["status"] == "completed"
