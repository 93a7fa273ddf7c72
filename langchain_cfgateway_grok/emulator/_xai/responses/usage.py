"""The Responses API `usage` object and its price.

Keys, in the order xAI's recorded responses use (vercel/ai fixtures
`xai-13218-web-search-provider-tool-result.1.chunks.txt`, `issue-19652-live-generate.json`;
docs.x.ai/developers/advanced-api-usage/prompt-caching/usage-and-pricing):
`input_tokens`, `input_tokens_details {cached_tokens}`, `output_tokens` (visible **plus**
reasoning, unlike Chat Completions' `completion_tokens`: the recordings' totals are input + output),
`output_tokens_details {reasoning_tokens}`, `total_tokens` (input + output), `num_sources_used`,
`num_server_side_tools_used`, `cost_in_usd_ticks`, `server_side_tool_usage_details
{web_search_calls, x_search_calls, code_interpreter_calls, file_search_calls, mcp_calls,
document_search_calls, image_generation_calls}`. Recordings also show `context_details`, whose
meaning is undocumented; it is not emitted. `num_sources_used` is the number of distinct sources
cited (recordings show 0 even with sources, so the count is the emulator's choice).

Cost: tokens as in Chat Completions (usage.py: uncached input, cached input, output and reasoning at
the output price) plus `XaiSettings.server_tool_call_ticks` per server-side call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_cfgateway_grok.emulator._xai.models import ModelSpec
from langchain_cfgateway_grok.emulator._xai.responses.server_tools import ServerCall
from langchain_cfgateway_grok.emulator._xai.tokens import PromptCount
from langchain_cfgateway_grok.emulator._xai.usage import cost_in_usd_ticks, merge_overrides

_OTHER_COUNT_KEYS = ("file_search_calls", "mcp_calls", "document_search_calls",
                     "image_generation_calls")  # fmt: skip
_TOOL_COUNT_KEYS = {
    "web_search": "web_search_calls",
    "x_search": "x_search_calls",
    "code_interpreter": "code_interpreter_calls",
}


def build_responses_usage(
    spec: ModelSpec,
    prompt: PromptCount,
    *,
    cached_tokens: int,
    visible_tokens: int,
    reasoning_tokens: int,
    sources: int,
    calls: Sequence[ServerCall],
    tool_call_ticks: int,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The `usage` object of a response.

    Args:
        spec: The serving model (prices).
        prompt: Prompt token counts (the whole conversation).
        cached_tokens: Prompt tokens served from the prompt cache.
        visible_tokens: Output text plus function-call names and arguments.
        reasoning_tokens: Reasoning tokens.
        sources: `num_sources_used`.
        calls: Server-side calls made in this response.
        tool_call_ticks: Price of one server-side call.
        overrides: Scripted keys (nested objects merge key by key); `total_tokens` and
            `cost_in_usd_ticks` are recomputed unless overridden.

    Returns:
        The usage object.
    """
    details = dict.fromkeys((*_TOOL_COUNT_KEYS.values(), *_OTHER_COUNT_KEYS), 0)
    for call in calls:
        details[_TOOL_COUNT_KEYS[call.kind]] += 1
    usage: dict[str, Any] = {
        "input_tokens": prompt.total,
        "input_tokens_details": {"cached_tokens": min(cached_tokens, prompt.total)},
        "output_tokens": visible_tokens + reasoning_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
        "total_tokens": 0,
        "num_sources_used": sources,
        "num_server_side_tools_used": len(calls),
        "cost_in_usd_ticks": 0,
        "server_side_tool_usage_details": details,
    }
    overrides = overrides or {}
    usage = merge_overrides(usage, overrides)
    if "total_tokens" not in overrides:
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
    if "cost_in_usd_ticks" not in overrides:
        reasoning = usage["output_tokens_details"].get("reasoning_tokens", 0)
        usage["cost_in_usd_ticks"] = (
            cost_in_usd_ticks(
                spec,
                prompt_tokens=usage["input_tokens"],
                cached_tokens=usage["input_tokens_details"].get("cached_tokens", 0),
                completion_tokens=max(usage["output_tokens"] - reasoning, 0),
                reasoning_tokens=reasoning,
            )
            + tool_call_ticks * usage["num_server_side_tools_used"]
        )
    return usage
