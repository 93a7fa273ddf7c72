"""Table tests for `_options`: validation of every key, limits at the edges, merge, rendering.

Unit, not emulator: pure functions; the emulator tests prove each option's effect on the wire.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langchain_cfgateway_grok._options import (
    CUSTOM_COST_KEYS,
    OPTION_HEADERS,
    CustomCost,
    GatewayOptions,
    gateway_option_headers,
    merge_gateway_options,
    seconds_to_ms,
    validate_gateway_options,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "gateway-options.md"


def error_for(options: object, source: str = "gateway_options") -> str:
    with pytest.raises(ValueError) as info:
        validate_gateway_options(options, source=source)
    return str(info.value)


def headers_for(options: dict[str, Any]) -> dict[str, str]:
    return gateway_option_headers(validate_gateway_options(options))


# --- the key set is one list everywhere -----------------------------------------------------


def test_every_key_has_a_header_and_a_doc_row() -> None:
    keys = set(GatewayOptions.__optional_keys__)
    assert keys == set(OPTION_HEADERS)
    assert len(keys) == 15
    assert not GatewayOptions.__required_keys__
    assert set(CustomCost.__optional_keys__) == set(CUSTOM_COST_KEYS)
    assert all(header == header.lower() for header in OPTION_HEADERS.values())
    docs = DOCS.read_text(encoding="utf-8")
    for key, header in OPTION_HEADERS.items():
        assert re.search(rf"^\| `{key}` \|.*`{header}`", docs, re.MULTILINE), key


# --- valid values, at the edges ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "header_value"),
    [
        ("cache_ttl", 60, "60"),
        ("cache_ttl", 3600, "3600"),
        ("cache_ttl", 2_592_000, "2592000"),
        ("cache_key", "user-42:prompt-v3", "user-42:prompt-v3"),
        ("cache_key", "a b~!@#$%^&*()", "a b~!@#$%^&*()"),
        ("skip_cache", True, "true"),
        ("skip_cache", False, "false"),
        ("first_byte_timeout", 0.001, "1"),
        ("first_byte_timeout", 2.5, "2500"),
        ("first_byte_timeout", 30, "30000"),
        ("first_byte_timeout", 86_400, "86400000"),
        ("max_attempts", 1, "1"),
        ("max_attempts", 5, "5"),
        ("retry_delay", 0.1, "100"),
        ("retry_delay", 1, "1000"),
        ("retry_delay", 5, "5000"),
        ("retry_delay", 5.0, "5000"),
        ("backoff", "constant", "constant"),
        ("backoff", "linear", "linear"),
        ("backoff", "exponential", "exponential"),
        ("collect_log", True, "true"),
        ("collect_log", False, "false"),
        ("collect_log_payload", False, "false"),
        (
            "event_id",
            "0199c1b2-7a4e-7cc0-9b6e-1f2a3b4c5d6e",
            "0199c1b2-7a4e-7cc0-9b6e-1f2a3b4c5d6e",
        ),
        ("byok_alias", "production", "production"),
        ("no_wholesale", True, "true"),
        ("zdr", False, "false"),
        (
            "metadata",
            {"team": "AI", "user": 12345, "test": True},
            '{"team":"AI","user":12345,"test":true}',
        ),
        ("metadata", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}, '{"a":1,"b":2,"c":3,"d":4,"e":5}'),
        (
            "metadata",
            {"max": 2**53 - 1, "min": -(2**53 - 1)},
            '{"max":9007199254740991,"min":-9007199254740991}',
        ),
        ("metadata", {"f": 0.5, "neg": -1.25}, '{"f":0.5,"neg":-1.25}'),
        (
            "custom_cost",
            {"per_token_in": 1e-06, "per_token_out": 2e-06},
            '{"per_token_in":1e-06,"per_token_out":2e-06}',
        ),
        (
            "custom_cost",
            {
                "per_token_in": 0,
                "per_token_out": 0.5,
                "per_cache_read_token": 0.1,
                "per_cache_write_token": 3,
            },
            '{"per_token_in":0,"per_token_out":0.5,"per_cache_read_token":0.1,"per_cache_write_token":3}',
        ),
    ],
)
def test_valid_value_and_its_header(key: str, value: object, header_value: str) -> None:
    validated = validate_gateway_options({key: value})
    assert list(validated) == [key]
    assert gateway_option_headers(validated) == {OPTION_HEADERS[key]: header_value}


# --- invalid values: each message names source, key, header, the limit and the fix --------------


@pytest.mark.parametrize(
    ("key", "value", "fragments"),
    [
        ("cache_ttl", 59, ["an int from 60 to 2592000 seconds", "got 59", "skip_cache=True"]),
        ("cache_ttl", 2_592_001, ["from 60 to 2592000", "got 2592001"]),
        ("cache_ttl", 0, ["got 0"]),
        ("cache_ttl", True, ["got True"]),
        ("cache_ttl", 3600.0, ["got 3600.0"]),
        ("cache_ttl", "3600", ["got '3600'"]),
        ("max_attempts", 0, ["an int from 1 to 5", "got 0"]),
        ("max_attempts", 6, ["got 6"]),
        ("max_attempts", False, ["got False"]),
        ("max_attempts", True, ["got True"]),
        ("max_attempts", 2.0, ["got 2.0"]),
        ("retry_delay", 0.0999, ["from 0.1 to 5.0", "got 0.0999", "milliseconds"]),
        ("retry_delay", 5.0001, ["got 5.0001"]),
        ("retry_delay", 100, ["got 100"]),
        ("retry_delay", math.nan, ["got nan"]),
        ("retry_delay", True, ["got True"]),
        ("retry_delay", "1", ["got '1'"]),
        ("first_byte_timeout", 0, [">= 0.001 (1 ms)", "got 0"]),
        ("first_byte_timeout", 0.0009, ["got 0.0009"]),
        ("first_byte_timeout", -1, ["got -1"]),
        ("first_byte_timeout", math.inf, ["got inf"]),
        ("first_byte_timeout", math.nan, ["got nan"]),
        ("first_byte_timeout", True, ["got True"]),
        (
            "backoff",
            "Exponential",
            ["one of 'constant', 'linear', 'exponential'", "got 'Exponential'"],
        ),
        ("backoff", "", ["got ''"]),
        ("backoff", 1, ["got 1"]),
        ("skip_cache", "true", ["True or False", "got 'true'"]),
        ("skip_cache", 1, ["got 1"]),
        ("collect_log", "false", ["got 'false'"]),
        ("collect_log_payload", 0, ["got 0"]),
        ("no_wholesale", "yes", ["got 'yes'"]),
        ("zdr", 1.0, ["got 1.0"]),
        ("cache_key", "", ["non-empty string of printable ASCII", "got ''"]),
        ("cache_key", " key", ["no leading or trailing spaces"]),
        ("cache_key", "key ", ["got 'key '"]),
        ("cache_key", "clé", ["got 'clé'", "sha256"]),
        ("cache_key", 42, ["got 42"]),
        ("event_id", "a\tb", ["got 'a\\tb'"]),
        ("event_id", "x\x00", ["got 'x\\x00'"]),
        ("event_id", "x\x7f", ["got 'x\\x7f'"]),
        ("byok_alias", "alias\u2028", ["printable ASCII"]),
        ("byok_alias", ["a"], ["got a list"]),
    ],
)
def test_invalid_value(key: str, value: object, fragments: list[str]) -> None:
    message = error_for({key: value})
    assert message.startswith(f"gateway_options[{key!r}] ({OPTION_HEADERS[key]}) must be ")
    assert "Fix:" in message
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("key", "injection"),
    [
        (key, injection)
        for key in ("cache_key", "event_id", "byok_alias")
        for injection in ("v\r\nX-Evil: 1", "v\nX-Evil: 1", "v\rX", "v\r\n\r\nbody")
    ],
)
def test_header_injection_is_refused_naming_the_key(key: str, injection: str) -> None:
    message = error_for({key: injection})
    assert f"[{key!r}]" in message
    assert "no CR/LF" in message


def test_source_is_named() -> None:
    source = "config['configurable']['gateway_options']"
    message = error_for({"cache_ttl": 1}, source=source)
    assert message.startswith(f"{source}['cache_ttl']")
    assert error_for({"nope": 1}, source=source).startswith(f"{source} has unknown key 'nope'")


# --- metadata -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metadata", "fragments"),
    [
        ({str(i): i for i in range(6)}, ["at most 5 entries", "got 6 entries", "silently drop"]),
        ({"a": {"nested": 1}}, ["entry 'a' is a dict", "nested"]),
        ({"a": [1, 2]}, ["entry 'a' is a list"]),
        ({"a": None}, ["entry 'a' is None", "omit the entry"]),
        ({"a": math.nan}, ["entry 'a' is nan", "NaN"]),
        ({"a": math.inf}, ["entry 'a' is inf"]),
        ({"a": -math.inf}, ["entry 'a' is -inf"]),
        ({"big": 2**53}, ["entry 'big' is an int beyond 2**53 - 1", "as a string"]),
        ({"small": -(2**53)}, ["beyond 2**53 - 1"]),
        ({"": "x"}, ["got key ''", "non-empty string keys"]),
        ({1: "x"}, ["got key 1"]),
        ({"b": b"bytes"}, ["entry 'b' is a bytes"]),
        ([("a", 1)], ["got a list"]),
        ("a=1", ["got 'a=1'"]),
    ],
)
def test_invalid_metadata(metadata: object, fragments: list[str]) -> None:
    message = error_for({"metadata": metadata})
    assert message.startswith("gateway_options['metadata'] (cf-aig-metadata) must be a mapping")
    for fragment in fragments:
        assert fragment in message


def test_metadata_json_is_ascii_safe_and_round_trips() -> None:
    metadata = {"ünï": "日本語 ✓", "quote": 'say "hi"\\', "ctl": "a\nb\x7f", "n": -3, "ok": False}
    header = headers_for({"metadata": metadata})["cf-aig-metadata"]
    assert header.isascii()
    assert header.isprintable()
    assert ", " not in header
    assert ": " not in header
    assert "\\u65e5" in header
    assert "\\u007f" in header
    assert json.loads(header) == metadata


def test_empty_metadata_is_sent_as_an_empty_object() -> None:
    assert headers_for({"metadata": {}}) == {"cf-aig-metadata": "{}"}


def test_validation_copies_nested_mappings() -> None:
    metadata = {"team": "ai"}
    cost = {"per_token_in": 1.0}
    validated = validate_gateway_options({"metadata": metadata, "custom_cost": cost})
    metadata["team"] = "changed"
    cost["per_token_in"] = 9.0
    assert validated == {"metadata": {"team": "ai"}, "custom_cost": {"per_token_in": 1.0}}


def test_any_mapping_is_accepted() -> None:
    options = MappingProxyType({"cache_ttl": 120, "metadata": MappingProxyType({"a": 1})})
    validated = validate_gateway_options(options)
    assert validated == {"cache_ttl": 120, "metadata": {"a": 1}}
    assert type(validated) is dict


# --- custom cost --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cost", "fragments"),
    [
        ({"per_token": 1e-6}, ["unknown cost key 'per_token'", "did you mean 'per_token_in'?"]),
        ({"per_token_in": -1e-9}, ["'per_token_in' is -1e-09", "price >= 0"]),
        ({"per_token_out": math.nan}, ["'per_token_out' is nan"]),
        ({"per_token_out": math.inf}, ["is inf"]),
        ({"per_token_in": True}, ["'per_token_in' is True"]),
        ({"per_token_in": "0.1"}, ["'per_token_in' is '0.1'"]),
        ({"per_token_in": None}, ["'per_token_in' is None"]),
        (0.1, ["got 0.1"]),
        ({}, ["got an empty mapping", "at least one price"]),
    ],
)
def test_invalid_custom_cost(cost: object, fragments: list[str]) -> None:
    message = error_for({"custom_cost": cost})
    assert message.startswith("gateway_options['custom_cost'] (cf-aig-custom-cost) must be")
    assert "non-negative finite numbers" in message
    for fragment in fragments:
        assert fragment in message


# --- top level ----------------------------------------------------------------------------------


def test_none_and_empty_are_no_options() -> None:
    assert validate_gateway_options(None) == {}
    assert validate_gateway_options({}) == {}
    assert validate_gateway_options(MappingProxyType({})) == {}
    assert gateway_option_headers({}) == {}


@pytest.mark.parametrize("value", [[("cache_ttl", 60)], "cache_ttl=60", 60, True])
def test_not_a_mapping(value: object) -> None:
    message = error_for(value)
    assert message.startswith("gateway_options must be a dict of gateway options (GatewayOptions)")
    assert "Fix:" in message


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("gateway_cache_ttl", "Drop the 'gateway_' prefix: 'cache_ttl'."),
        ("cf-aig-skip-cache", "Use the option name 'skip_cache', not the header name."),
        ("CF-AIG-Metadata", "Use the option name 'metadata'"),
        ("request_timeout", "'first_byte_timeout' (seconds)"),
        ("cach_ttl", "(did you mean 'cache_ttl'?)"),
        ("max_retries", "Known keys: backoff, byok_alias"),
        (3, "unknown key 3"),
    ],
)
def test_unknown_key(key: object, hint: str) -> None:
    message = error_for({key: 1})
    assert f"unknown key {key!r}" in message
    assert hint in message
    assert "docs/gateway-options.md" in message


def test_none_value_is_refused_with_the_fix() -> None:
    message = error_for({"cache_ttl": None})
    assert message == (
        "gateway_options['cache_ttl'] is None. Fix: omit the key to leave it unset "
        "(a later layer can override it with a real value)."
    )


# --- merge --------------------------------------------------------------------------------------


def test_later_layers_override_earlier_ones_per_key() -> None:
    constructor: GatewayOptions = {"cache_ttl": 60, "skip_cache": False, "metadata": {"app": "x"}}
    configurable: GatewayOptions = {"cache_ttl": 120, "event_id": "cfg"}
    bound: GatewayOptions = {"skip_cache": True, "max_attempts": 2}
    per_call: GatewayOptions = {"max_attempts": 3, "metadata": {"user": "u"}}
    merged = merge_gateway_options(constructor, configurable, bound, per_call)
    assert merged == {
        "cache_ttl": 120,
        "skip_cache": True,
        "metadata": {"user": "u"},  # replaced whole, not merged entry by entry
        "event_id": "cfg",
        "max_attempts": 3,
    }
    # Inputs untouched, result is a new dict.
    assert constructor == {"cache_ttl": 60, "skip_cache": False, "metadata": {"app": "x"}}
    assert merged is not per_call


def test_merge_skips_none_and_empty_layers() -> None:
    only: GatewayOptions = {"zdr": True}
    assert merge_gateway_options() == {}
    assert merge_gateway_options(None, {}, None) == {}
    assert merge_gateway_options(None, only, None) == {"zdr": True}
    assert merge_gateway_options(only) is not only


def test_empty_metadata_in_a_later_layer_clears_it() -> None:
    earlier: GatewayOptions = {"metadata": {"a": 1}, "skip_cache": True}
    later: GatewayOptions = {"metadata": {}}
    expected = {"cf-aig-metadata": "{}", "cf-aig-skip-cache": "true"}
    assert gateway_option_headers(merge_gateway_options(earlier, later)) == expected
    # Same result when rendered per layer and layered as headers.
    layered = {**gateway_option_headers(earlier), **gateway_option_headers(later)}
    assert layered == expected


def test_metadata_limit_holds_for_what_is_sent() -> None:
    five = {str(i): i for i in range(5)}
    merged = merge_gateway_options({"metadata": five}, {"metadata": {"x": 1}})
    assert json.loads(gateway_option_headers(merged)["cf-aig-metadata"]) == {"x": 1}


# --- rendering ----------------------------------------------------------------------------------


def test_all_options_render_to_lower_case_headers() -> None:
    options = validate_gateway_options(
        {
            "cache_ttl": 3600,
            "cache_key": "k1",
            "skip_cache": False,
            "metadata": {"team": "ai"},
            "custom_cost": {"per_token_in": 0.5},
            "first_byte_timeout": 1.5,
            "max_attempts": 3,
            "retry_delay": 0.25,
            "backoff": "linear",
            "collect_log": True,
            "collect_log_payload": False,
            "event_id": "ev-1",
            "byok_alias": "prod",
            "no_wholesale": True,
            "zdr": False,
        }
    )
    assert gateway_option_headers(options) == {
        "cf-aig-cache-ttl": "3600",
        "cf-aig-cache-key": "k1",
        "cf-aig-skip-cache": "false",
        "cf-aig-metadata": '{"team":"ai"}',
        "cf-aig-custom-cost": '{"per_token_in":0.5}',
        "cf-aig-request-timeout": "1500",
        "cf-aig-max-attempts": "3",
        "cf-aig-retry-delay": "250",
        "cf-aig-backoff": "linear",
        "cf-aig-collect-log": "true",
        "cf-aig-collect-log-payload": "false",
        "cf-aig-event-id": "ev-1",
        "cf-aig-byok-alias": "prod",
        "cf-aig-no-wholesale": "true",
        "cf-aig-zdr": "false",
    }


@pytest.mark.parametrize(
    ("seconds", "ms"),
    [
        (0.001, 1),
        (0.0015, 2),
        (0.0125, 13),  # half up, not banker's rounding
        (0.1, 100),
        (0.25, 250),
        (1, 1000),
        (1.0004, 1000),
        (1.0006, 1001),
        (2.5, 2500),
        (5, 5000),
        (3600, 3_600_000),
    ],
)
def test_seconds_to_ms(seconds: float, ms: int) -> None:
    assert seconds_to_ms(seconds) == ms
    assert isinstance(seconds_to_ms(seconds), int)


def test_durations_are_converted_only_in_seconds_to_ms() -> None:
    headers = headers_for({"first_byte_timeout": 0.0125, "retry_delay": 0.1005})
    assert headers == {"cf-aig-request-timeout": "13", "cf-aig-retry-delay": "101"}


# --- properties ---------------------------------------------------------------------------------

_metadata_values = st.one_of(
    st.text(max_size=20),
    st.booleans(),
    st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
)


@given(st.dictionaries(st.text(min_size=1, max_size=10), _metadata_values, max_size=5))
def test_any_valid_metadata_renders_printable_ascii_json_that_round_trips(
    metadata: dict[str, Any],
) -> None:
    header = headers_for({"metadata": metadata})["cf-aig-metadata"]
    assert header.isascii()
    assert header.isprintable()
    assert json.loads(header) == metadata


@given(st.text(max_size=30))
def test_header_text_is_sent_verbatim_or_refused(text: str) -> None:
    sendable = (
        text != "" and text.isascii() and text.isprintable() and text[0] != " " and text[-1] != " "
    )
    if not sendable:
        with pytest.raises(ValueError, match="printable ASCII"):
            headers_for({"cache_key": text})
        return
    headers = headers_for({"cache_key": text, "event_id": text})
    assert headers == {"cf-aig-cache-key": text, "cf-aig-event-id": text}
    assert "\r" not in text
    assert "\n" not in text


_option_values: dict[str, st.SearchStrategy[Any]] = {
    "cache_ttl": st.integers(60, 2_592_000),
    "cache_key": st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1),
    "skip_cache": st.booleans(),
    "metadata": st.dictionaries(st.text(min_size=1, max_size=5), _metadata_values, max_size=5),
    "custom_cost": st.dictionaries(
        st.sampled_from(CUSTOM_COST_KEYS),
        st.floats(min_value=0, allow_nan=False, allow_infinity=False),
        min_size=1,
    ),
    "first_byte_timeout": st.floats(0.001, 1e6),
    "max_attempts": st.integers(1, 5),
    "retry_delay": st.floats(0.1, 5.0),
    "backoff": st.sampled_from(["constant", "linear", "exponential"]),
    "collect_log": st.booleans(),
    "collect_log_payload": st.booleans(),
    "event_id": st.uuids().map(str),
    "byok_alias": st.sampled_from(["default", "prod", "team-a"]),
    "no_wholesale": st.booleans(),
    "zdr": st.booleans(),
}
_layers = st.fixed_dictionaries({}, optional=_option_values)


@given(_layers, _layers, _layers)
def test_rendering_commutes_with_merging(
    a: dict[str, Any], b: dict[str, Any], c: dict[str, Any]
) -> None:
    layers = [validate_gateway_options(layer) for layer in (a, b, c)]
    merged = gateway_option_headers(merge_gateway_options(*layers))
    layered: dict[str, str] = {}
    for layer in layers:
        layered.update(gateway_option_headers(layer))
    assert merged == layered
    assert all(value.isascii() and value.isprintable() for value in merged.values())
