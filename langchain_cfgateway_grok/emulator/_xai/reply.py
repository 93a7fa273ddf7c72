"""The assistant turn an answer carries, whether the policy or a scripted reply produced it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FinishReason = str  # "stop", "length", "tool_calls" or "end_turn" (xai-api.md §1.3)


@dataclass(frozen=True)
class ToolCall:
    """A function call: name, arguments as JSON text, and an id when one was scripted."""

    name: str
    arguments: str
    id: str | None = None


@dataclass(frozen=True)
class AssistantTurn:
    """One assistant turn, before rendering.

    Attributes:
        text: Visible content; None when the turn only calls tools.
        reasoning: `reasoning_content`; None when the model did not reason.
        tool_calls: Calls, in order.
        finish_reason: Why generation ended.
        citations: Source URLs (top-level `citations`).
        usage_overrides: Keys that replace the computed usage (scripted replies).
    """

    text: str | None
    reasoning: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: FinishReason = "stop"
    citations: tuple[str, ...] = ()
    usage_overrides: Mapping[str, Any] | None = None
