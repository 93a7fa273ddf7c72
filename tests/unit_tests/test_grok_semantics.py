"""Grok request shaping and usage semantics, as tables (xai-api.md §1.2, §1.3, §1.6)."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_cfgateway_grok import _grok, _profiles


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("grok-4.5", True),
        ("grok-4.3", True),
        ("grok-4.20-0309-non-reasoning", False),
        ("grok-composer-2.5-fast", False),
        ("grok-9-unknown", True),  # unknown grok-* ids count as reasoning (the safe side)
        ("dynamic/support", False),  # a dynamic route may serve anything: leave params alone
    ],
)
def test_is_reasoning(model: str, expected: bool) -> None:
    assert _grok.is_reasoning(model, _profiles.lookup(model)) is expected


@pytest.mark.parametrize(
    ("model", "given", "expected"),
    [
        # reasoning models reject stop and penalties: dropped
        (
            "grok-4.5",
            {"stop": ["x"], "frequency_penalty": 0.5, "presence_penalty": 0.1, "max_tokens": 9},
            {"max_completion_tokens": 9},
        ),
        # a non-reasoning model keeps them
        (
            "grok-4.20-0309-non-reasoning",
            {"stop": ["x"], "presence_penalty": 0.1},
            {"stop": ["x"], "presence_penalty": 0.1},
        ),
        # extra_body lands at the top level, as the openai SDK would send it
        ("grok-4.3", {"extra_body": {"deferred": False}}, {"deferred": False}),
        # an explicit max_completion_tokens wins over the deprecated max_tokens
        (
            "grok-4.3",
            {"max_tokens": 5, "max_completion_tokens": 7},
            {"max_completion_tokens": 7},
        ),
        ("grok-4.3", {"reasoning_effort": "none"}, {"reasoning_effort": "none"}),
    ],
)
def test_shape_request(model: str, given: dict[str, Any], expected: dict[str, Any]) -> None:
    row = _profiles.lookup(model)
    shaped = _grok.shape_request(
        dict(given), model=model, reasoning=_grok.is_reasoning(model, row), row=row
    )
    assert shaped == expected


@pytest.mark.parametrize(
    ("model", "effort", "needle"),
    [
        ("grok-4.20-0309-reasoning", "low", "not accepted by grok-4.20-0309-reasoning"),
        ("grok-4.5", "none", "use one of low, medium, high"),
        ("grok-3-mini", "medium", "use one of low, high"),
    ],
)
def test_reasoning_effort_refused_before_sending(model: str, effort: str, needle: str) -> None:
    row = _profiles.lookup(model)
    with pytest.raises(ValueError, match="reasoning_effort") as info:
        _grok.shape_request({"reasoning_effort": effort}, model=model, reasoning=True, row=row)
    assert needle in str(info.value)


def test_unknown_model_effort_is_sent_unchecked() -> None:
    shaped = _grok.shape_request(
        {"reasoning_effort": "ultra"}, model="grok-9", reasoning=True, row=None
    )
    assert shaped == {"reasoning_effort": "ultra"}


@pytest.mark.parametrize(
    "payload",
    [{"search_parameters": {"mode": "on"}}, {"extra_body": {"search_parameters": {}}}],
)
def test_live_search_refused_with_pointer_to_tools(payload: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="web_search"):
        _grok.refuse_live_search(payload)


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        # xai-api.md §1.3's OpenAPI example: prompt 32, completion 9, reasoning 94, total 135
        (
            {
                "prompt_tokens": 32,
                "completion_tokens": 9,
                "total_tokens": 135,
                "completion_tokens_details": {"reasoning_tokens": 94},
            },
            {
                "input_tokens": 32,
                "output_tokens": 103,
                "total_tokens": 135,
                "input_token_details": {},
                "output_token_details": {"reasoning": 94},
            },
        ),
        (
            {
                "prompt_tokens": 10,
                "completion_tokens": 5,
                "total_tokens": 35,
                "prompt_tokens_details": {"cached_tokens": 3, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 20, "audio_tokens": 0},
            },
            {
                "input_tokens": 10,
                "output_tokens": 25,
                "total_tokens": 35,
                "input_token_details": {"cache_read": 3, "audio": 0},
                "output_token_details": {"reasoning": 20, "audio": 0},
            },
        ),
        (
            {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6},
            {
                "input_tokens": 4,
                "output_tokens": 2,
                "total_tokens": 6,
                "input_token_details": {},
                "output_token_details": {},
            },
        ),
    ],
)
def test_usage_metadata(usage: dict[str, Any], expected: dict[str, Any]) -> None:
    assert _grok.usage_metadata(usage) == expected


def test_cost_conversion() -> None:
    assert _grok.cost_in_usd(12_500_000) == pytest.approx(0.00125)
    assert _grok.cost_in_usd(None) is None


def test_profiles_table() -> None:
    assert _profiles.DEFAULT_MODEL in _profiles.MODELS
    assert _profiles.MODELS[_profiles.DEFAULT_MODEL].retired_to is None
    profile = _profiles.to_profile(_profiles.MODELS["grok-4.3"])
    assert profile["reasoning_output"] is True
    assert profile["reasoning_effort_levels"] == ["none", "low", "medium", "high"]
    assert profile["max_input_tokens"] == 1_000_000
    assert _profiles.MODELS["grok-4"].retired_to == "grok-4.3"
    assert (
        _profiles.to_profile(_profiles.MODELS["grok-4.20-multi-agent-0309"])["tool_calling"]
        is False
    )
