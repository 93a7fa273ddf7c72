"""Scripted replies: a test's assistant turn that replaces the emulated model's."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_cfgateway_grok.emulator._xai.reply import AssistantTurn, ToolCall


@dataclass(frozen=True)
class ScriptedReply:
    """A scripted assistant turn; overrides the policy and renders in the same wire shape.

    Attributes:
        text: Content, verbatim (neither `stop` nor max tokens are applied).
        reasoning: `reasoning_content`, always emitted when given.
        tool_calls: `[{"name": str, "arguments": dict | str, "id": str (optional)}]`.
        finish_reason: Default `tool_calls` when there are tool calls, else `stop`.
        usage: Keys that replace the computed usage (nested objects merge key by key).
        citations: Source URLs (`citations`; `num_sources_used` counts them).
    """

    text: str | None = None
    reasoning: str | None = None
    tool_calls: Sequence[Mapping[str, Any]] | None = None
    finish_reason: str | None = None
    usage: Mapping[str, Any] | None = None
    citations: Sequence[str] | None = None

    def __post_init__(self) -> None:
        for index, call in enumerate(self.tool_calls or ()):
            name = call.get("name")
            if not isinstance(name, str) or not name:
                msg = (
                    f"ScriptedReply.tool_calls[{index}] needs a non-empty string `name`; "
                    f"got {name!r}."
                )
                raise ValueError(msg)
            arguments = call.get("arguments")
            if arguments is not None and not isinstance(arguments, (str, Mapping)):
                msg = (
                    f"ScriptedReply.tool_calls[{index}].arguments must be a dict or a JSON string; "
                    f"got {type(arguments).__name__}."
                )
                raise ValueError(msg)
        if isinstance(self.citations, str):
            msg = "ScriptedReply.citations must be a list of URLs, not a single string."
            raise ValueError(msg)


def _arguments(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    return json.dumps(raw if raw is not None else {}, ensure_ascii=False, separators=(",", ":"))


def scripted_turn(reply: ScriptedReply) -> AssistantTurn:
    """The assistant turn a scripted reply describes (validated at construction)."""
    calls: list[ToolCall] = []
    for call in reply.tool_calls or ():
        call_id = call.get("id")
        calls.append(
            ToolCall(
                call["name"],
                _arguments(call.get("arguments")),
                call_id if isinstance(call_id, str) else None,
            )
        )
    finish = reply.finish_reason or ("tool_calls" if calls else "stop")
    return AssistantTurn(
        text=reply.text,
        reasoning=reply.reasoning,
        tool_calls=tuple(calls),
        finish_reason=finish,
        citations=tuple(reply.citations or ()),
        usage_overrides=reply.usage,
    )
