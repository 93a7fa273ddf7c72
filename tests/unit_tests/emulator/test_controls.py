"""`parse_controls`: the `cf-aig-*` request headers (gateway-protocol.md §2), table-tested."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_cfgateway_grok.emulator._controls import (
    parse_controls,
    parse_custom_cost,
    parse_metadata,
)


@pytest.mark.parametrize(
    ("headers", "field", "expected"),
    [
        ({}, "skip_cache", False),
        ({"cf-aig-skip-cache": "true"}, "skip_cache", True),
        ({"cf-aig-skip-cache": "TRUE"}, "skip_cache", True),
        ({"cf-aig-skip-cache": "yes"}, "skip_cache", False),
        ({"cf-skip-cache": "true"}, "skip_cache", True),  # deprecated alias
        ({"cf-aig-skip-cache": "false", "cf-skip-cache": "true"}, "skip_cache", False),
        ({"cf-aig-cache-ttl": "120"}, "cache_ttl", 120),
        ({"cf-cache-ttl": "90"}, "cache_ttl", 90),  # deprecated alias
        ({"cf-aig-cache-ttl": "soon"}, "cache_ttl", None),
        ({"cf-aig-cache-ttl": "5"}, "cache_ttl", 5),  # clamping is the cache's job
        ({"cf-aig-cache-key": "k"}, "cache_key", "k"),
        ({"cf-aig-max-attempts": "3"}, "max_attempts", 3),
        ({"cf-aig-max-attempts": "9"}, "max_attempts", 5),
        ({"cf-aig-max-attempts": "0"}, "max_attempts", 1),
        ({"cf-aig-max-attempts": "x"}, "max_attempts", None),
        ({"cf-aig-retry-delay": "250"}, "retry_delay_ms", 250),
        ({"cf-aig-retry-delay": "60000"}, "retry_delay_ms", 5000),
        ({"cf-aig-backoff": "Exponential"}, "backoff", "exponential"),
        ({"cf-aig-backoff": "fibonacci"}, "backoff", None),
        ({"cf-aig-request-timeout": "1500"}, "request_timeout_ms", 1500),
        ({"cf-aig-collect-log": "false"}, "collect_log", False),
        ({"cf-aig-collect-log-payload": "false"}, "collect_log_payload", False),
        ({"cf-aig-event-id": "e-1"}, "event_id", "e-1"),
        ({"cf-aig-byok-alias": "team"}, "byok_alias", "team"),
        ({"cf-aig-no-wholesale": "true"}, "no_wholesale", True),
        ({"cf-aig-zdr": "false"}, "zdr", False),
        ({"authorization": "Bearer k"}, "provider_authorization", "Bearer k"),
        ({"cf-aig-authorization": "Bearer t"}, "gateway_authorization", "Bearer t"),
    ],
)
def test_parse_controls(headers: dict[str, str], field: str, expected: Any) -> None:
    assert getattr(parse_controls(headers), field) == expected


def test_ignored_headers_say_why() -> None:
    controls = parse_controls(
        {
            "cf-aig-max-attempts": "9",
            "cf-aig-backoff": "fibonacci",
            "cf-aig-metadata": "[1, 2]",
            "cf-aig-skip-cache": "maybe",
        }
    )
    assert sorted(controls.ignored) == [
        "cf-aig-backoff: not constant/linear/exponential",
        "cf-aig-max-attempts: 9 clamped to 5",
        "cf-aig-metadata: not a JSON object",
        "cf-aig-skip-cache: not true/false",
    ]


@pytest.mark.parametrize(
    ("raw", "kept", "dropped"),
    [
        ('{"team":"AI","user":12345,"test":true}', {"team": "AI", "user": 12345, "test": True}, ()),
        (
            '{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7}',
            {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5},
            ("f", "g"),
        ),
        ('{"obj":{"x":1},"list":[1],"null":null,"ok":1.5}', {"ok": 1.5}, ("obj", "list", "null")),
        ("{}", {}, ()),
    ],
)
def test_metadata_first_five_flat_entries(
    raw: str, kept: dict[str, Any], dropped: tuple[str, ...]
) -> None:
    """§2 `cf-aig-metadata`: max 5 entries, extras silently dropped, no objects."""
    assert parse_metadata(raw) == (kept, dropped)


@pytest.mark.parametrize("raw", ["not json", "[1]", '"text"'])
def test_metadata_not_an_object(raw: str) -> None:
    assert parse_metadata(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            '{"per_token_in":0.000001,"per_token_out":0.000002}',
            {"per_token_in": 1e-6, "per_token_out": 2e-6},
        ),
        (
            '{"per_token_in":1,"per_cache_read_token":0.5}',
            {"per_token_in": 1.0, "per_cache_read_token": 0.5},
        ),
        ('{"per_token_in":-1}', None),
        ('{"per_token_in":true}', None),
        ('{"other":1}', None),
        ("nope", None),
    ],
)
def test_custom_cost(raw: str, expected: dict[str, float] | None) -> None:
    """§2 `cf-aig-custom-cost` (cache read/write keys since 2026-09-09)."""
    assert parse_custom_cost(raw) == expected
