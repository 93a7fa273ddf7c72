"""The model table: ids, redirects, reasoning, efforts, context and prices (xai-api.md §1.6)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from langchain_cfgateway_grok.emulator._xai import XaiSettings, model_ids
from langchain_cfgateway_grok.emulator._xai.models import (
    ALIASES,
    DEACTIVATED,
    MODELS,
    REDIRECTS,
    resolve,
    ticks_per_token,
)
from langchain_cfgateway_grok.emulator._xai.usage import cost_in_usd_ticks
from tests.unit_tests.emulator_xai._helpers import body, error, message, ok

CHAT_MODELS = sorted(spec.id for spec in MODELS.values() if spec.kind == "chat")


@pytest.mark.parametrize("model", CHAT_MODELS)
def test_every_chat_model_answers_and_reports_itself(model: str) -> None:
    answer = ok(body("Hello", model=model))
    assert answer["model"] == model
    assert answer["choices"][0]["message"]["content"] == "You said: Hello"


@pytest.mark.parametrize("model", CHAT_MODELS)
def test_reasoning_flag_decides_reasoning_tokens(model: str) -> None:
    spec = MODELS[model]
    usage = ok(body("Hello", model=model))["usage"]
    reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
    assert (reasoning > 0) == (spec.reasoning and spec.default_effort != "none")


@pytest.mark.parametrize("slug", sorted(REDIRECTS))
def test_retired_slugs_redirect_silently(slug: str) -> None:
    target, effort = REDIRECTS[slug]
    if MODELS[target].kind != "chat":
        status, _, text = error(body(model=slug))
        assert status == 400
        assert target in text
        return
    answer = ok(body("Hello", model=slug))
    assert answer["model"] == target
    reasoning = answer["usage"]["completion_tokens_details"]["reasoning_tokens"]
    assert (reasoning > 0) == (effort != "none")
    echoed = ok(body("Hello", model=slug), settings=XaiSettings(report_resolved_model=False))
    assert echoed["model"] == slug


def test_redirect_is_billed_at_target_prices() -> None:
    usage = ok(body("Hello", model="grok-code-fast-1"))["usage"]
    assert usage["cost_in_usd_ticks"] == cost_in_usd_ticks(
        MODELS["grok-4.3"],
        prompt_tokens=usage["prompt_tokens"],
        cached_tokens=0,
        completion_tokens=usage["completion_tokens"],
        reasoning_tokens=usage["completion_tokens_details"]["reasoning_tokens"],
    )


@pytest.mark.parametrize(("alias", "target"), sorted(ALIASES.items()))
def test_aliases_report_the_canonical_id(alias: str, target: str) -> None:
    assert ok(body(model=alias))["model"] == target


@pytest.mark.parametrize(
    "model", [*DEACTIVATED, "grok-9", "grok-4.3-turbo", "gpt-4o", "", "GROK-4.3"]
)
def test_deactivated_and_unknown_ids_are_not_found(model: str) -> None:
    assert error(body(model=model)) == (
        400,
        "Client specified an invalid argument",
        f"Model not found: {model}",
    )


def test_grok_3_mini_is_a_switch() -> None:
    assert ok(body(model="grok-3-mini"))["model"] == "grok-3-mini"
    off = XaiSettings(grok_3_mini_available=False)
    assert error(body(model="grok-3-mini"), settings=off)[2] == "Model not found: grok-3-mini"
    assert "grok-3-mini" not in model_ids(settings=off)
    assert "grok-3-mini" in model_ids()


def test_model_ids_lists_every_table_entry_once() -> None:
    ids = model_ids()
    assert sorted(ids) == sorted(MODELS)
    assert all(resolve(i, XaiSettings()) is not None for i in ids)


@pytest.mark.parametrize("model", sorted(m for m in MODELS if MODELS[m].kind != "chat"))
def test_generation_models_refuse_chat(model: str) -> None:
    status, _, text = error(body(model=model))
    assert status == 400
    assert text == f"Model {model} does not support chat completions."


@pytest.mark.parametrize(
    ("model", "effort", "accepted"),
    [
        ("grok-4.3", "none", True),
        ("grok-4.3", "low", True),
        ("grok-4.3", "high", True),
        ("grok-4.3", "xhigh", False),
        ("grok-4.7", "xhigh", True),
        ("grok-4.5", "none", False),
        ("grok-3-mini", "medium", False),
        ("grok-3-mini", "high", True),
        ("grok-4.20-multi-agent-0309", "xhigh", True),
    ],
)
def test_effort_values_per_model(model: str, effort: str, accepted: bool) -> None:
    request = body(model=model, reasoning_effort=effort)
    if accepted:
        ok(request)
    else:
        status, _, text = error(request)
        assert status == 400
        assert text.startswith(f"Invalid reasoning_effort `{effort}` for model {model}")


@pytest.mark.parametrize(
    "model",
    [
        "grok-4.20-0309-reasoning",
        "grok-4.20-0309-non-reasoning",
        "grok-build-0.1",
        "grok-composer-2.5-fast",
    ],
)
def test_models_without_efforts_reject_the_parameter(model: str) -> None:
    assert error(body(model=model, reasoning_effort="low")) == (
        400,
        "invalid-argument",
        f"Model {model} does not support parameter reasoning_effort.",
    )


def test_effort_scales_reasoning() -> None:
    def reasoning(effort: str) -> int:
        usage = ok(body("Hello", reasoning_effort=effort))["usage"]
        return usage["completion_tokens_details"]["reasoning_tokens"]  # type: ignore[no-any-return]

    assert reasoning("none") == 0
    assert 0 < reasoning("low") < reasoning("medium") < reasoning("high")
    assert "reasoning_content" not in message(body("Hello", reasoning_effort="none"))


def test_grok_4_3_price_matches_the_reference() -> None:
    # xai-api.md §1.6: $1.25 / $2.50 per million; 1 USD = 10^10 ticks (§1.3).
    spec = MODELS["grok-4.3"]
    assert ticks_per_token(spec.price.input) == 12_500
    assert ticks_per_token(spec.price.output) == 25_000
    # 200k prompt tokens (the last count before tier prices) cost $1.25 * 0.2.
    assert cost_in_usd_ticks(
        spec, prompt_tokens=200_000, cached_tokens=0, completion_tokens=0, reasoning_tokens=0
    ) == (int(Decimal("1.25") * Decimal("0.2") * 10**10))
    assert cost_in_usd_ticks(
        spec, prompt_tokens=0, cached_tokens=0, completion_tokens=600_000, reasoning_tokens=400_000
    ) == (int(Decimal("2.50") * 10**10))


def test_cached_and_tier_prices() -> None:
    spec = MODELS["grok-4.3"]
    cached = cost_in_usd_ticks(
        spec, prompt_tokens=100, cached_tokens=40, completion_tokens=0, reasoning_tokens=0
    )
    assert cached == 60 * 12_500 + 40 * ticks_per_token(spec.price.cached_input)
    assert spec.tier_price is not None
    big = cost_in_usd_ticks(
        spec, prompt_tokens=200_001, cached_tokens=0, completion_tokens=1, reasoning_tokens=0
    )
    assert big == 200_001 * ticks_per_token(spec.tier_price.input) + ticks_per_token(
        spec.tier_price.output
    )


@pytest.mark.parametrize("model", CHAT_MODELS)
def test_context_window_comes_from_the_table(model: str) -> None:
    limit = MODELS[model].context_window
    assert limit > 100_000
    # Shrink every window with the switch and hit it exactly.
    request = body("x" * 400, model=model)
    prompt_tokens = ok(request)["usage"]["prompt_tokens"]
    ok(request, settings=XaiSettings(context_window_override=prompt_tokens))
    assert error(request, settings=XaiSettings(context_window_override=prompt_tokens - 1)) == (
        400,
        "Client specified an invalid argument",
        f"This model's maximum prompt length is {prompt_tokens - 1} "
        f"but the request contains {prompt_tokens} tokens.",
    )


def test_context_window_default_rejects_a_real_oversized_prompt() -> None:
    limit = MODELS["grok-3-mini"].context_window  # the smallest window: 131,072 tokens
    request = body("y" * (limit * 4 + 8), model="grok-3-mini")
    status, _, text = error(request)
    assert status == 400
    assert text.startswith(
        f"This model's maximum prompt length is {limit} but the request contains "
    )
