"""Emulator pure parts for the other routes (no sockets): Universal step parsing, config and
header precedence (gateway-protocol.md §1.4), Cloudflare API path matching (§1.6, §5), logs
API parameters, filters and PATCH validation (§5), and the non-xAI stand-in's whitelist (§1.5)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from langchain_cfgateway_grok.emulator import DynamicRoute
from langchain_cfgateway_grok.emulator._cf_api import ApiRoute, match_api_route
from langchain_cfgateway_grok.emulator._controls import parse_controls
from langchain_cfgateway_grok.emulator._logs_api import (
    InvalidQueryError,
    ListQuery,
    LogFilter,
    merged_metadata,
    parse_list_query,
    parse_patch,
    select,
)
from langchain_cfgateway_grok.emulator._other_provider import openai_shaped
from langchain_cfgateway_grok.emulator._state import LogEntry
from langchain_cfgateway_grok.emulator._universal import (
    Step,
    apply_config,
    falls_back,
    parse_steps,
    step_headers,
)
from langchain_cfgateway_grok.emulator._upstream import UpstreamAnswer, raw

STEP = {"provider": "grok", "endpoint": "v1/chat/completions", "query": {"model": "m"}}


# --- Universal ----------------------------------------------------------------------------------


def test_parse_steps_array_object_and_headers() -> None:
    steps = parse_steps(
        json.dumps([STEP, {**STEP, "headers": {"X-A": "1", "cf-aig-ttl": 60}}]).encode()
    )
    assert isinstance(steps, list)
    assert [s.headers for s in steps] == [{}, {"x-a": "1", "cf-aig-ttl": "60"}]
    single = parse_steps(json.dumps(STEP).encode())
    assert isinstance(single, list)
    assert len(single) == 1


def test_parse_steps_drops_a_steps_gateway_token_and_reads_the_legacy_field() -> None:
    body = [{**STEP, "authorization": "xai-k", "headers": {"cf-aig-authorization": "Bearer t"}}]
    steps = parse_steps(json.dumps(body).encode())
    assert isinstance(steps, list)
    assert steps[0].headers == {"authorization": "Bearer xai-k"}
    assert "cf-aig-authorization" in steps[0].notes[0]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"not json", "not JSON"),
        (b"[]", "non-empty"),
        (b"42", "non-empty"),
        (json.dumps([STEP, 3]).encode(), "step 1: not a JSON object"),
        (json.dumps([{**STEP, "provider": ""}]).encode(), "provider"),
        (json.dumps([{**STEP, "endpoint": None}]).encode(), "endpoint"),
        (json.dumps([{"provider": "grok", "endpoint": "x"}]).encode(), "query"),
        (json.dumps([{**STEP, "headers": []}]).encode(), "headers"),
        (json.dumps([{**STEP, "config": 1}]).encode(), "config"),
    ],
)
def test_parse_steps_errors(body: bytes, fragment: str) -> None:
    error = parse_steps(body)
    assert isinstance(error, str)
    assert fragment in error


def test_step_headers_precedence_and_the_gateway_token() -> None:
    http = {
        "cf-aig-authorization": "Bearer gw",
        "cf-aig-cache-ttl": "60",
        "authorization": "Bearer http-key",
        "content-length": "999",
    }
    step = Step("grok", "v1/chat/completions", {"authorization": "Bearer step-key"}, {}, {})
    merged = step_headers(http, step)
    assert merged["authorization"] == "Bearer step-key"  # step > HTTP
    assert merged["cf-aig-cache-ttl"] == "60"  # inherited
    assert merged["cf-aig-authorization"] == "Bearer gw"  # only from the HTTP request
    assert "content-length" not in merged
    no_token = step_headers({}, Step("grok", "e", {"cf-aig-authorization": "Bearer x"}, {}, {}))
    assert "cf-aig-authorization" not in no_token


@pytest.mark.parametrize(
    ("config", "expected", "noted"),
    [
        ({"requestTimeout": 1500}, {"request_timeout_ms": 1500}, False),
        ({"maxAttempts": 9}, {"max_attempts": 5}, True),
        (
            {"retryDelay": 9000, "backoff": "Linear"},
            {"retry_delay_ms": 5000, "backoff": "linear"},
            True,
        ),
        ({"maxAttempts": "two"}, {}, True),
        ({"backoff": "fast"}, {}, True),
        ({"other": 1}, {}, True),
    ],
)
def test_apply_config(config: dict[str, Any], expected: dict[str, Any], noted: bool) -> None:
    base = parse_controls({"cf-aig-max-attempts": "2", "cf-aig-request-timeout": "100"})
    controls = apply_config(base, config)
    for name, value in expected.items():
        assert getattr(controls, name) == value
    assert bool(controls.ignored) == noted
    if "max_attempts" not in expected:
        assert controls.max_attempts == 2  # the step's header stays when config is silent


@pytest.mark.parametrize(
    ("status", "on_4xx", "expected"),
    [
        (200, True, False),
        (503, False, True),
        (429, False, True),
        (504, False, True),
        (400, True, True),
        (400, False, False),
        (401, True, True),
    ],
)
def test_falls_back(status: int, on_4xx: bool, expected: bool) -> None:
    assert falls_back(status, on_client_errors=on_4xx) is expected


# --- Cloudflare API paths ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/v1/a/g", None),
        ("/client/v4/accounts/a/ai/v1/chat/completions", ApiRoute("rest_chat", "a")),
        ("/client/v4/accounts/a/ai-gateway/gateways/g/logs", ApiRoute("logs", "a", "g")),
        ("/client/v4/accounts/a/ai-gateway/gateways/g/logs/", ApiRoute("logs", "a", "g")),
        ("/client/v4/accounts/a/ai-gateway/gateways/g/logs/L", ApiRoute("log", "a", "g", "L")),
        (
            "/client/v4/accounts/a/ai-gateway/gateways/g/logs/L/request",
            ApiRoute("log_request", "a", "g", "L"),
        ),
        (
            "/client/v4/accounts/a/ai-gateway/gateways/g/logs/L/response",
            ApiRoute("log_response", "a", "g", "L"),
        ),
        ("/client/v4/accounts/a/ai-gateway/gateways/g/logs/L/other", ApiRoute("no_route")),
        ("/client/v4/accounts//ai/v1/chat/completions", ApiRoute("no_route")),
        ("/client/v4", ApiRoute("no_route")),
        ("/client/v4/zones", ApiRoute("no_route")),
    ],
)
def test_match_api_route(path: str, route: ApiRoute | None) -> None:
    assert match_api_route(path) == route


# --- logs API ----------------------------------------------------------------------------------


def entry(log_id: str, created: float, **changes: Any) -> LogEntry:
    fields: dict[str, Any] = {
        "id": log_id,
        "request_id": log_id,
        "event_id": f"evt-{log_id}",
        "created_at": created,
        "duration": 0.5,
        "provider": "grok",
        "model": "grok-4.3",
        "path": "v1/chat/completions",
        "success": True,
        "status_code": 200,
        "cached": False,
        "cache_status": "MISS",
        "stream": False,
        "tokens_in": 1,
        "tokens_out": 2,
        "cost": 0.01,
        "custom_cost": None,
        "metadata": {},
        "attempts": 1,
        "step": 0,
        "gateway_error_code": None,
        "request_body": None,
        "response_body": None,
        "payload_collected": True,
        "dlp": None,
        "ignored_headers": (),
    }
    fields.update(changes)
    return LogEntry(**fields)


ENTRIES = [
    entry("a", 100, metadata={"user": "u1", "n": 1}, feedback=1),
    entry("b", 200, success=False, status_code=503, cost=0.5, feedback=-1),
    entry("c", 300, cached=True, provider="openai", metadata={"user": "u2", "n": 3}),
]


@pytest.mark.parametrize(
    ("query", "ids", "total"),
    [
        ("", ["c", "b", "a"], 3),
        ("direction=asc", ["a", "b", "c"], 3),
        ("order_by_direction=asc&per_page=2&page=2", ["c"], 3),
        ("order_by=cost", ["b", "a", "c"], 3),
        ("success=false", ["b"], 1),
        ("cached=true", ["c"], 1),
        ("provider=openai", ["c"], 1),
        ("feedback=1", ["a"], 1),
        ("feedback=0", ["b"], 1),
        ("start_date=1970-01-01T00:02:30Z", ["c", "b"], 2),
        ("end_date=1970-01-01T00:02:30", ["a"], 1),
        ('filters=[{"key":"event_id","operator":"eq","value":["evt-b"]}]', ["b"], 1),
        ('filters=[{"key":"metadata.user","operator":"neq","value":["u1"]}]', ["c", "b"], 2),
        ('filters=[{"key":"metadata.key","operator":"eq","value":["n"]}]', ["c", "a"], 2),
        ('filters=[{"key":"metadata.n","operator":"lt","value":[2]}]', ["a"], 1),
        ('filters=[{"key":"status_code","operator":"gt","value":[299]}]', ["b"], 1),
        ('filters=[{"key":"model","operator":"contains","value":["4.3"]}]', ["c", "b", "a"], 3),
        (
            "filters[0][key]=id&filters[0][operator]=eq&filters[0][value][0]=a&filters[0][value][1]=c",
            ["c", "a"],
            2,
        ),
    ],
)
def test_select(query: str, ids: list[str], total: int) -> None:
    page, count = select(ENTRIES, parse_list_query(query))
    assert ([e.id for e in page], count) == (ids, total)


@pytest.mark.parametrize(
    "query",
    [
        "per_page=0",
        "per_page=51",
        "page=x",
        "order_by=price",
        "direction=sideways",
        "success=yes",
        "feedback=-1",
        "start_date=yesterday",
        "filters=nope",
        'filters=[{"operator":"eq"}]',
        'filters=[{"key":"id","operator":"like"}]',
    ],
)
def test_list_query_errors(query: str) -> None:
    with pytest.raises(InvalidQueryError):
        parse_list_query(query)


def test_list_query_defaults() -> None:
    assert parse_list_query("") == ListQuery()
    assert parse_list_query('filters={"key":"id"}').filters == (LogFilter("id", "eq", ()),)


@pytest.mark.parametrize(
    ("body", "scale", "changes"),
    [
        ({}, "plus_minus_one", {}),
        ({"feedback": 1, "score": 2.5}, "plus_minus_one", {"feedback": 1, "score": 2.5}),
        ({"feedback": -1}, "either", {"feedback": -1}),
        ({"feedback": 0}, "zero_one", {"feedback": 0}),
        ({"feedback": None}, "plus_minus_one", {"feedback": None}),
        ({"metadata": {"a": 1, "b": True}}, "plus_minus_one", {"metadata": {"a": 1, "b": True}}),
    ],
)
def test_parse_patch(body: dict[str, Any], scale: str, changes: dict[str, Any]) -> None:
    assert parse_patch(body, feedback_scale=scale) == changes


@pytest.mark.parametrize(
    ("body", "scale"),
    [
        ({"feedback": 0}, "plus_minus_one"),
        ({"feedback": -1}, "zero_one"),
        ({"feedback": True}, "either"),
        ({"score": float("nan")}, "either"),
        ({"score": "1"}, "either"),
        ({"metadata": {"a": [1]}}, "either"),
        ({"metadata": dict.fromkeys("abcdef", 1)}, "either"),
        ({"other": 1}, "either"),
        ([], "either"),
    ],
)
def test_parse_patch_errors(body: Any, scale: str) -> None:
    with pytest.raises(InvalidQueryError):
        parse_patch(body, feedback_scale=scale)


def test_merged_metadata_keeps_five() -> None:
    current = {"a": 1, "b": 2, "c": 3, "d": 4}
    assert merged_metadata(current, {"a": 9, "e": 5, "f": 6}) == {
        "a": 9,
        "b": 2,
        "c": 3,
        "d": 4,
        "e": 5,
    }


# --- the non-xAI stand-in ----------------------------------------------------------------------


XAI_COMPLETION = {
    "id": "x1",
    "object": "chat.completion",
    "created": 1,
    "model": "grok-4.3",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "hi",
                "reasoning_content": "secret plan",
                "refusal": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "index": 0,
                        "function": {"name": "f", "arguments": "{}"},
                    }
                ],
            },
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {
        "prompt_tokens": 2,
        "completion_tokens": 3,
        "total_tokens": 16,
        "cost_in_usd_ticks": 5,
        "num_sources_used": 0,
    },
    "citations": ["https://x.ai"],
    "system_fingerprint": "fp",
}


def test_openai_shaped_completion_has_no_xai_fields() -> None:
    answer = openai_shaped(raw(200, XAI_COMPLETION, None, "model"), model="gpt-4o-mini")
    body = answer.json_body
    assert body == {
        "id": "x1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "hi",
                    "refusal": None,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
                "logprobs": None,
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5},
    }


def test_openai_shaped_chunks_drop_reasoning_only_deltas() -> None:
    chunks = (
        {
            "id": "s",
            "created": 1,
            "choices": [
                {
                    "index": 0,
                    "delta": {"role": "assistant", "reasoning_content": "r"},
                    "finish_reason": None,
                }
            ],
            "usage": None,
        },
        {
            "id": "s",
            "created": 1,
            "choices": [{"index": 0, "delta": {"reasoning_content": "r"}, "finish_reason": None}],
            "usage": None,
        },
        {
            "id": "s",
            "created": 1,
            "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}],
            "usage": None,
        },
        {
            "id": "s",
            "created": 1,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "usage": None,
        },
        {
            "id": "s",
            "created": 1,
            "choices": [],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 9},
        },
    )
    stream = UpstreamAnswer(200, b"", "text/event-stream", chunks=chunks)
    shaped = openai_shaped(stream, model="claude")
    assert shaped.chunks is not None
    deltas = [c["choices"][0]["delta"] if c["choices"] else None for c in shaped.chunks]
    assert deltas == [{"role": "assistant"}, {"content": "hi"}, {}, None]
    assert shaped.chunks[-1]["usage"] == {
        "prompt_tokens": 1,
        "completion_tokens": 1,
        "total_tokens": 2,
    }
    assert {c["model"] for c in shaped.chunks} == {"claude"}


def test_openai_shaped_errors() -> None:
    answer = openai_shaped(raw(429, {"code": "x", "error": "slow down"}, None, "model"), model="m")
    assert answer.status == 429
    assert answer.json_body == {
        "error": {
            "message": "slow down",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }


def test_dynamic_route_provider_is_checked() -> None:
    assert DynamicRoute("gpt-4o-mini", "openai").is_xai is False
    assert DynamicRoute("grok-4.3").is_xai is True
    with pytest.raises(ValueError, match="not a gateway provider"):
        DynamicRoute("m", "nope")
    with pytest.raises(ValueError, match="model"):
        DynamicRoute("", "openai")
