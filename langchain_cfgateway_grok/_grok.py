"""Grok's own request and response semantics, as pure functions over wire dicts.

Request side (`xai-api.md` §1.2): reasoning models reject `stop` and the penalties with a 400,
`reasoning_effort` is accepted only by some models and only with some values, `max_tokens` is
deprecated for `max_completion_tokens`, and `search_parameters` (Live Search) answers 410.

Response side (§1.3): `completion_tokens` excludes reasoning tokens while `total_tokens`
includes them, cost comes as integer `cost_in_usd_ticks` (10^10 ticks = 1 USD), and
`reasoning_content` and `citations` sit outside the OpenAI schema.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata

from langchain_cfgateway_grok import _profiles

logger = logging.getLogger("langchain_cfgateway_grok")

#: USD per tick of `cost_in_usd_ticks` (xai-api.md §1.3: 1 dollar = 10^10 ticks).
USD_PER_TICK = 1e-10

_REJECTED_BY_REASONING_MODELS = ("stop", "frequency_penalty", "presence_penalty")


def is_reasoning(model: str, row: _profiles.GrokModel | None) -> bool:
    """Whether `model` reasons; an unknown `grok-*` id counts as reasoning (the safe side)."""
    if row is not None:
        return row.reasoning
    return model.startswith("grok-") and _profiles.UNKNOWN_GROK.reasoning


def refuse_live_search(payload: Mapping[str, Any]) -> None:
    """Refuse `search_parameters` before sending: xAI answers it with 410 Gone."""
    extra_body = payload.get("extra_body")
    if "search_parameters" in payload or (
        isinstance(extra_body, Mapping) and "search_parameters" in extra_body
    ):
        msg = (
            "`search_parameters` (xAI Live Search) was retired: xAI answers it with 410 Gone. "
            "Use xAI's server-side tools instead, e.g. "
            '`model.bind_tools([{"type": "web_search"}])` with `use_responses_api=True`.'
        )
        raise ValueError(msg)


def shape_request(
    payload: dict[str, Any], *, model: str, reasoning: bool, row: _profiles.GrokModel | None
) -> dict[str, Any]:
    """Make an OpenAI-style Chat Completions body what xAI accepts for `model` (in place)."""
    if reasoning:
        for name in _REJECTED_BY_REASONING_MODELS:
            if payload.get(name) is not None:
                # Debug only: LangChain's standard `stop` test must pass on reasoning models.
                logger.debug("dropping %r: %s is a reasoning model and rejects it", name, model)
            payload.pop(name, None)
    effort = payload.get("reasoning_effort")
    if effort is not None and row is not None:
        if not row.efforts:
            msg = (
                f"`reasoning_effort` is not accepted by {model} (xAI answers 400). "
                "Remove `reasoning_effort`, or pick a model that takes it, such as grok-4.3."
            )
            raise ValueError(msg)
        if effort not in row.efforts:
            msg = (
                f"`reasoning_effort={effort!r}` is not accepted by {model}; "
                f"use one of {', '.join(row.efforts)}."
            )
            raise ValueError(msg)
    if "max_tokens" in payload:
        max_tokens = payload.pop("max_tokens")
        if max_tokens is not None:
            payload.setdefault("max_completion_tokens", max_tokens)
    extra_body = payload.pop("extra_body", None)
    if extra_body:
        # The openai SDK merges `extra_body` into the top level of the JSON body; so do we.
        payload.update(extra_body)
    return payload


def usage_metadata(usage: Mapping[str, Any]) -> UsageMetadata:
    """LangChain usage from xAI usage: output = completion + reasoning, total = input + output."""
    input_tokens = usage.get("prompt_tokens") or 0
    completion = usage.get("completion_tokens") or 0
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    reasoning = completion_details.get("reasoning_tokens")
    output_tokens = completion + (reasoning or 0)
    input_details = InputTokenDetails()
    if (cached := prompt_details.get("cached_tokens")) is not None:
        input_details["cache_read"] = cached
    if (audio_in := prompt_details.get("audio_tokens")) is not None:
        input_details["audio"] = audio_in
    output_details = OutputTokenDetails()
    if reasoning is not None:
        output_details["reasoning"] = reasoning
    if (audio_out := completion_details.get("audio_tokens")) is not None:
        output_details["audio"] = audio_out
    return UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
        input_token_details=input_details,
        output_token_details=output_details,
    )


def cost_in_usd(ticks: int | None) -> float | None:
    """USD for a `cost_in_usd_ticks` value (None stays None)."""
    return None if ticks is None else ticks * USD_PER_TICK
