"""xAI's `usage` object and its price (xai-api.md §1.3).

`completion_tokens` excludes reasoning tokens, `total_tokens` includes them (prompt + completion +
reasoning). `cost_in_usd_ticks` is an integer, 1 USD = 10^10 ticks, priced from the model table:
uncached prompt tokens at the input price, cached ones at the cached-input price, completion and
reasoning tokens at the output price; tier prices when the prompt exceeds 200k tokens.
`cached_tokens` comes from the emulated prompt cache (`store.XaiStore.cached_tokens`: only with a
conversation id) unless a scripted reply sets it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_cfgateway_grok.emulator._xai.models import (
    PRICE_TIER_PROMPT_TOKENS,
    ModelSpec,
    ticks_per_token,
)
from langchain_cfgateway_grok.emulator._xai.reply import AssistantTurn
from langchain_cfgateway_grok.emulator._xai.tokens import PromptCount, count_tokens


def output_tokens(turn: AssistantTurn) -> tuple[int, int]:
    """(completion tokens, reasoning tokens) of one choice: text plus tool names and arguments."""
    visible = (turn.text or "") + "".join(call.name + call.arguments for call in turn.tool_calls)
    return count_tokens(visible), count_tokens(turn.reasoning or "")


def cost_in_usd_ticks(
    spec: ModelSpec,
    *,
    prompt_tokens: int,
    cached_tokens: int,
    completion_tokens: int,
    reasoning_tokens: int,
) -> int:
    """Price of a request in ticks (module docstring)."""
    price = (
        spec.tier_price
        if spec.tier_price and prompt_tokens > PRICE_TIER_PROMPT_TOKENS
        else spec.price
    )
    uncached = max(prompt_tokens - cached_tokens, 0)
    return (
        uncached * ticks_per_token(price.input)
        + cached_tokens * ticks_per_token(price.cached_input)
        + (completion_tokens + reasoning_tokens) * ticks_per_token(price.output)
    )


def merge_overrides(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `overrides` applied; nested objects merge key by key."""
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def build_usage(
    spec: ModelSpec,
    prompt: PromptCount,
    *,
    completion_tokens: int,
    reasoning_tokens: int,
    sources: int = 0,
    cached_tokens: int = 0,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The `usage` object.

    Args:
        spec: The serving model (prices).
        prompt: Prompt token counts.
        completion_tokens: Visible output tokens (all choices).
        reasoning_tokens: Reasoning tokens (all choices).
        sources: `num_sources_used` (the number of citations).
        cached_tokens: Prompt tokens served from the prompt cache (`x-grok-conv-id`).
        overrides: Keys replacing computed ones (nested detail objects merge key by key);
            `total_tokens` and `cost_in_usd_ticks` are recomputed unless overridden.

    Returns:
        The usage object.
    """
    usage: dict[str, Any] = {
        "prompt_tokens": prompt.total,
        "completion_tokens": completion_tokens,
        "total_tokens": 0,
        "prompt_tokens_details": {
            "text_tokens": prompt.text_tokens,
            "audio_tokens": 0,
            "image_tokens": prompt.image_tokens,
            "cached_tokens": min(cached_tokens, prompt.total),
        },
        "completion_tokens_details": {
            "reasoning_tokens": reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
        "num_sources_used": sources,
        "cost_in_usd_ticks": 0,
    }
    overrides = overrides or {}
    usage = merge_overrides(usage, overrides)
    reasoning = usage["completion_tokens_details"].get("reasoning_tokens", 0)
    if "total_tokens" not in overrides:
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"] + reasoning
    if "cost_in_usd_ticks" not in overrides:
        usage["cost_in_usd_ticks"] = cost_in_usd_ticks(
            spec,
            prompt_tokens=usage["prompt_tokens"],
            cached_tokens=usage["prompt_tokens_details"].get("cached_tokens", 0),
            completion_tokens=usage["completion_tokens"],
            reasoning_tokens=reasoning,
        )
    return usage
