"""The emulated model's rules: tool choice, arguments, text, JSON, limits and reasoning."""

from __future__ import annotations

import json
from typing import Any

import pytest

from langchain_cfgateway_grok.emulator._xai import XaiSettings
from langchain_cfgateway_grok.emulator._xai.policy import requested_keys, tool_mention
from tests.unit_tests.emulator_xai._helpers import body, message, ok, tool, tool_calls, user

ORDER = tool("lookup_order", {"order_id": {"type": "integer"}}, ["order_id"])
CONVERT = tool(
    "convertCurrency",
    {
        "amount": {"type": "number"},
        "currency": {"type": "string", "enum": ["EUR", "USD", "JPY"]},
    },
    ["amount", "currency"],
)
SHIP = tool(
    "fetch_shipping_quote", {"city": {"type": "string"}, "express": {"type": "boolean"}}, ["city"]
)
NON_REASONING = "grok-4.20-0309-non-reasoning"


def conversation(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"model": "grok-4.3", "messages": list(messages), **extra}


def assistant_call(name: str, arguments: dict[str, Any], call_id: str) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
        ],
    }


def result(call_id: str, content: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": content}


# --- which tool is named -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "named"),
    [
        ("Call lookup_order now", "lookup_order", True),
        ("please LOOKUP ORDER 7", "lookup_order", True),
        ("what about my order?", "lookup_order", True),  # content word "order"
        ("what about my orders?", "lookup_order", True),  # simple plural
        ("look it up", "lookup_order", False),
        ("convert currency please", "convertCurrency", True),
        ("a shipping quote to Oslo", "fetch_shipping_quote", True),
        ("a quote to Oslo", "fetch_shipping_quote", False),  # "shipping" is missing
        ("lookup_orders_v2 is different", "lookup_order", False),  # another identifier
        ("reorder", "lookup_order", False),
        ("run the tool", "get_tool", False),  # a name of generic words only needs the full name
        ("use get_tool", "get_tool", True),
    ],
)
def test_tool_mention(text: str, name: str, named: bool) -> None:
    assert (tool_mention(text, name) is not None) == named


def test_named_tool_is_called_with_prompt_values() -> None:
    assert tool_calls(body("Where is order 4411?", tools=[ORDER])) == [
        ("lookup_order", {"order_id": 4411})
    ]


def test_unnamed_tools_are_not_called_under_auto() -> None:
    answer = message(body("Good morning", tools=[ORDER, CONVERT]))
    assert "tool_calls" not in answer
    assert answer["content"] == "You said: Good morning"


def test_several_named_tools_are_called_in_order_of_first_mention() -> None:
    request = body(
        "Convert currency: 12.5 EUR, then find order 9 and the shipping quote for Lima",
        tools=[ORDER, SHIP, CONVERT],
    )
    assert tool_calls(request) == [
        ("convertCurrency", {"amount": 12.5, "currency": "EUR"}),
        ("lookup_order", {"order_id": 9}),
        ("fetch_shipping_quote", {"city": "Lima"}),
    ]


def test_parallel_tool_calls_false_calls_one_at_a_time() -> None:
    request = body(
        "order 3 and a shipping quote for Lima", tools=[SHIP, ORDER], parallel_tool_calls=False
    )
    assert tool_calls(request) == [("lookup_order", {"order_id": 3})]


def test_answered_tools_are_not_called_again_and_the_next_one_is() -> None:
    request = conversation(
        user("order 3 and a shipping quote for Lima"),
        assistant_call("lookup_order", {"order_id": 3}, "c1"),
        result("c1", "Order 3: shipped"),
        tools=[ORDER, SHIP],
        parallel_tool_calls=False,
    )
    assert tool_calls(request) == [("fetch_shipping_quote", {"city": "Lima"})]


def test_results_before_the_last_user_message_do_not_count() -> None:
    request = conversation(
        user("order 3"),
        assistant_call("lookup_order", {"order_id": 3}, "c1"),
        result("c1", "Order 3: shipped"),
        {"role": "assistant", "content": "It shipped."},
        user("and order 5?"),
        tools=[ORDER],
    )
    assert tool_calls(request) == [("lookup_order", {"order_id": 5})]


def test_after_results_the_answer_quotes_them() -> None:
    request = conversation(
        user("order 3 and a shipping quote for Lima"),
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "a",
                    "type": "function",
                    "function": {"name": "lookup_order", "arguments": "{}"},
                },
                {
                    "id": "b",
                    "type": "function",
                    "function": {"name": "fetch_shipping_quote", "arguments": "{}"},
                },
            ],
        },
        result("a", "Order 3: shipped"),
        result("b", [{"type": "text", "text": "12 USD"}]),  # type: ignore[arg-type]
        tools=[ORDER, SHIP],
    )
    answer = message(request)
    assert "tool_calls" not in answer
    assert (
        answer["content"]
        == "lookup_order returned: Order 3: shipped\nfetch_shipping_quote returned: 12 USD"
    )
    assert ok(request)["choices"][0]["finish_reason"] == "stop"


def test_tool_message_name_is_used_when_the_call_id_is_unknown() -> None:
    request = conversation(
        user("order 3"),
        {"role": "tool", "tool_call_id": "zz", "name": "lookup_order", "content": "ok"},
        tools=[ORDER],
    )
    assert message(request)["content"] == "lookup_order returned: ok"


def test_required_without_a_named_tool_calls_the_first() -> None:
    assert [
        name
        for name, _ in tool_calls(body("Hi there", tools=[SHIP, ORDER], tool_choice="required"))
    ] == ["fetch_shipping_quote"]


def test_required_prefers_named_tools() -> None:
    request = body("order 8", tools=[SHIP, ORDER], tool_choice="required")
    assert tool_calls(request) == [("lookup_order", {"order_id": 8})]


def test_required_calls_again_after_results() -> None:
    request = conversation(
        user("order 8"),
        assistant_call("lookup_order", {"order_id": 8}, "c1"),
        result("c1", "done"),
        tools=[ORDER],
        tool_choice="required",
    )
    assert [name for name, _ in tool_calls(request)] == ["lookup_order"]


def test_named_tool_choice_forces_that_tool() -> None:
    choice = {"type": "function", "function": {"name": "fetch_shipping_quote"}}
    assert tool_calls(body("order 8 to Quito", tools=[ORDER, SHIP], tool_choice=choice)) == [
        ("fetch_shipping_quote", {"city": "Quito"})
    ]


def test_tool_choice_none_never_calls() -> None:
    answer = message(body("order 8", tools=[ORDER], tool_choice="none"))
    assert "tool_calls" not in answer
    assert answer["content"] == "You said: order 8"


def test_tool_call_turn_shape() -> None:
    answer = ok(body("order 8", tools=[ORDER]))
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function"
    assert call["id"].startswith("call_")
    assert call["index"] == 0


def test_no_argument_tools_get_an_empty_object() -> None:
    request = body("ping_server please", tools=[tool("ping_server")])
    assert tool_calls(request) == [("ping_server", {})]
    no_parameters = {"type": "function", "function": {"name": "ping_server"}}
    assert tool_calls(body("ping_server please", tools=[no_parameters])) == [("ping_server", {})]


# --- arguments from the prompt -------------------------------------------------------------

REGISTER = tool(
    "register_supplier",
    {
        "supplier_name": {"type": "string"},
        "notes": {"type": "string"},
        "active": {"type": "boolean"},
        "rating": {"type": "integer", "minimum": 1, "maximum": 5, "default": 3},
        "region": {"type": "string", "enum": ["north", "south"], "default": "north"},
    },
    ["supplier_name", "notes", "active", "rating", "region"],
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Register supplier '北京你好贸易' (Beijing Trade) south, active true",
            {
                "supplier_name": "北京你好贸易",
                "notes": "Beijing Trade",
                "active": True,
                "rating": 3,
                "region": "south",
            },
        ),
        (
            "Register supplier 「こんにちは商店」 rating 9 and rating: 4",
            {
                "supplier_name": "こんにちは商店",
                "notes": "Register supplier 「こんにちは商店」 rating 9 and rating: 4",
                "active": False,
                "rating": 4,
                "region": "north",
            },
        ),
        (
            'Register supplier: "Acme GmbH", notes = "pays late", active: false',
            {
                "supplier_name": "Acme GmbH",
                "notes": "pays late",
                "active": False,
                "rating": 3,
                "region": "north",
            },
        ),
    ],
)
def test_arguments_follow_the_documented_precedence(text: str, expected: dict[str, Any]) -> None:
    assert tool_calls(body(text, tools=[REGISTER])) == [("register_supplier", expected)]


def test_values_are_read_from_the_tools_mention_onwards() -> None:
    request = body("order 1 then a shipping quote for Lima and another order 2", tools=[ORDER])
    assert tool_calls(request) == [("lookup_order", {"order_id": 1})]
    quote_then_order = body("a shipping quote for 5 boxes, then order 42", tools=[ORDER, SHIP])
    assert dict(tool_calls(quote_then_order))["lookup_order"] == {"order_id": 42}


def test_minimal_values_when_the_prompt_offers_none() -> None:
    strict = tool(
        "reserve_seat",
        {
            "row": {"type": "integer", "exclusiveMinimum": 10, "maximum": 20},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        ["row", "tags"],
    )
    assert tool_calls(body("reserve seat", tools=[strict])) == [
        ("reserve_seat", {"row": 11, "tags": []})
    ]


def test_optional_properties_appear_when_the_prompt_names_them() -> None:
    quote = tool(
        "quote_price", {"city": {"type": "string"}, "express": {"type": "boolean"}}, ["city"]
    )
    assert tool_calls(body("quote price for Lima", tools=[quote])) == [
        ("quote_price", {"city": "Lima"})
    ]
    assert tool_calls(body("quote price for Lima, express true", tools=[quote])) == [
        ("quote_price", {"city": "Lima", "express": True})
    ]


def test_tool_results_feed_later_arguments() -> None:
    request = conversation(
        user("order 3, then a shipping quote"),
        assistant_call("lookup_order", {"order_id": 3}, "c1"),
        result("c1", "Order 3 ships from Valparaiso"),
        tools=[ORDER, SHIP],
    )
    assert tool_calls(request) == [("fetch_shipping_quote", {"city": "Valparaiso"})]


# --- text answers --------------------------------------------------------------------------


def test_plain_answer_echoes_the_last_user_message() -> None:
    request = conversation(
        {"role": "system", "content": "sys"},
        user("first"),
        {"role": "assistant", "content": "a"},
        user("  second\n turn "),
    )
    assert message(request)["content"] == "You said: second turn"


def test_long_messages_are_shortened_in_the_echo() -> None:
    content = message(body("word " * 100))["content"]
    assert content.startswith("You said: word word")
    assert content.endswith("…")
    assert len(content) == len("You said: ") + 200


def test_text_parts_are_read() -> None:
    request = conversation(
        {
            "role": "user",
            "content": [{"type": "text", "text": "part one"}, {"type": "text", "text": "part two"}],
        }
    )
    assert message(request)["content"] == "You said: part one part two"


def test_no_user_message() -> None:
    assert (
        message(conversation({"role": "system", "content": "only system"}))["content"]
        == "No user message was given."
    )


@pytest.mark.parametrize(
    ("text", "echo"),
    [
        ("say it back nonce:Ab_9-z please", "nonce:Ab_9-z"),
        ("NONCE:xyz", "nonce:xyz"),
        ("first nonce:one then nonce:two", "nonce:one"),
        ("mynonce:abc is not a nonce", None),
        ("nonce: spaced", None),
    ],
)
def test_nonce_echo(text: str, echo: str | None) -> None:
    content = message(body(text))["content"]
    assert content == (echo if echo is not None else f"You said: {text}")


def test_nonce_follows_a_tool_result_answer() -> None:
    request = conversation(
        user("order 3 nonce:q1"),
        assistant_call("lookup_order", {}, "c1"),
        result("c1", "shipped"),
        tools=[ORDER],
    )
    assert message(request)["content"] == "lookup_order returned: shipped nonce:q1"


def test_nonce_is_not_an_argument_value() -> None:
    request = body("order nonce:77 please", tools=[ORDER])
    assert tool_calls(request) == [("lookup_order", {"order_id": 0})]


# --- limits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
def test_max_tokens_truncates_with_length(field: str) -> None:
    limit: dict[str, Any] = {field: 5}
    answer = ok(body("héllo wörld " * 10, **limit))
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "length"
    content = choice["message"]["content"]
    assert len(content.encode()) <= 20
    assert "You said: héllo wörld".startswith(content)
    assert answer["usage"]["completion_tokens"] <= 5


def test_max_completion_tokens_wins_over_max_tokens() -> None:
    answer = ok(body("a long enough message here", max_tokens=1, max_completion_tokens=100))
    assert answer["choices"][0]["finish_reason"] == "stop"


def test_max_tokens_does_not_bound_reasoning() -> None:
    usage = ok(body("some question here", max_tokens=1, reasoning_effort="high"))["usage"]
    assert usage["completion_tokens"] == 1
    assert usage["completion_tokens_details"]["reasoning_tokens"] > 1


def test_tool_calls_are_not_truncated() -> None:
    answer = ok(body("order 123456", tools=[ORDER], max_tokens=1))
    assert answer["choices"][0]["finish_reason"] == "tool_calls"
    assert tool_calls(body("order 123456", tools=[ORDER], max_tokens=1)) == [
        ("lookup_order", {"order_id": 123456})
    ]


def test_stop_cuts_at_the_earliest_sequence() -> None:
    choice = ok(body("alpha beta gamma", model=NON_REASONING, stop=["gamma", "beta"]))["choices"][0]
    assert choice["message"]["content"] == "You said: alpha "
    assert choice["finish_reason"] == "stop"
    assert (
        ok(body("alpha", model=NON_REASONING, stop="zzz"))["choices"][0]["message"]["content"]
        == "You said: alpha"
    )


def test_stop_then_length() -> None:
    choice = ok(body("alpha beta gamma", model=NON_REASONING, stop=["gamma"], max_tokens=2))[
        "choices"
    ][0]
    assert choice["finish_reason"] == "length"
    assert choice["message"]["content"] == "You said"


# --- JSON output ----------------------------------------------------------------------------


def test_json_schema_output_is_filled_from_the_prompt() -> None:
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "year": {"type": "integer"},
            "genres": {
                "type": "array",
                "items": {"type": "string", "enum": ["drama", "comedy", "horror"]},
            },
            "sequel": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
        "required": ["title", "year", "genres", "sequel"],
        "additionalProperties": False,
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "film", "schema": schema, "strict": True}}
    content = message(
        body('Describe "Blue Harbor", a 1987 comedy and drama.', response_format=fmt)
    )["content"]
    assert json.loads(content) == {
        "title": "Blue Harbor",
        "year": 1987,
        "genres": ["comedy", "drama"],
        "sequel": None,
    }


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("Reply as JSON with 'title' and 'year' keys.", ["title", "year"]),
        ("Return JSON with the keys title and year only.", ["title", "year"]),
        ("Use fields: `city`, `country` and `zip_code`.", ["city", "country", "zip_code"]),
        ("Return a JSON object please.", []),
        ("He said 'hello' to me. Return JSON.", []),
    ],
)
def test_requested_keys(text: str, keys: list[str]) -> None:
    assert requested_keys(text) == keys


def test_json_object_uses_the_requested_keys() -> None:
    fmt = {"type": "json_object"}
    content = json.loads(
        message(
            body(
                "Film 'Blue Harbor'. Reply as JSON with 'title' and 'year' keys.",
                response_format=fmt,
            )
        )["content"]
    )
    assert content == {"title": "Blue Harbor", "year": "Film 'Blue Harbor'."}
    fallback = json.loads(message(body("Just JSON please.", response_format=fmt))["content"])
    assert fallback == {"response": "You said: Just JSON please."}


def test_json_output_can_be_cut_by_max_tokens() -> None:
    fmt = {"type": "json_object"}
    choice = ok(body("Reply as JSON with 'title' key.", response_format=fmt, max_tokens=2))[
        "choices"
    ][0]
    assert choice["finish_reason"] == "length"
    with pytest.raises(json.JSONDecodeError):
        json.loads(choice["message"]["content"])


def test_tools_win_over_response_format_when_named() -> None:
    fmt = {"type": "json_object"}
    assert tool_calls(body("order 5", tools=[ORDER], response_format=fmt)) == [
        ("lookup_order", {"order_id": 5})
    ]


# --- reasoning ------------------------------------------------------------------------------


def test_reasoning_models_explain_their_plan() -> None:
    reasoning = message(body("order 5", tools=[ORDER]))["reasoning_content"]
    assert reasoning == 'The user wrote: "order 5". Plan: call lookup_order.'


def test_non_reasoning_models_send_no_reasoning() -> None:
    answer = ok(body("Hello", model=NON_REASONING))
    assert "reasoning_content" not in answer["choices"][0]["message"]
    assert answer["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0


def test_reasoning_content_switch_hides_text_but_counts_tokens() -> None:
    shown = ok(body("Hello"))
    hidden = ok(body("Hello"), settings=XaiSettings(emit_reasoning_content=False))
    assert "reasoning_content" not in hidden["choices"][0]["message"]
    assert hidden["usage"] == shown["usage"]


# --- determinism ----------------------------------------------------------------------------


def test_same_request_same_answer_and_n_choices_are_identical() -> None:
    request = body("order 5 and a shipping quote for Lima", tools=[ORDER, SHIP], n=3)
    first, second = ok(request), ok(request)
    assert first == second
    messages = [c["message"] for c in first["choices"]]
    assert [c["index"] for c in first["choices"]] == [0, 1, 2]
    assert all(
        m["tool_calls"][0]["function"] == messages[0]["tool_calls"][0]["function"] for m in messages
    )
    single = ok(body("order 5 and a shipping quote for Lima", tools=[ORDER, SHIP]))
    assert first["usage"]["completion_tokens"] == 3 * single["usage"]["completion_tokens"]
