"""A validated Chat Completions request, as the policy and the renderer see it (xai-api.md §1.2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from langchain_cfgateway_grok.emulator._xai.models import Resolution

ToolChoiceMode = Literal["auto", "none", "required", "function"]
ResponseFormatKind = Literal["text", "json_object", "json_schema"]


@dataclass(frozen=True)
class ToolDef:
    """A function tool offered by the client."""

    name: str
    description: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class ToolChoice:
    """`tool_choice`: a mode, plus the tool name when the mode is `function`."""

    mode: ToolChoiceMode
    name: str | None = None


@dataclass(frozen=True)
class ResponseFormat:
    """`response_format`: its kind and, for `json_schema`, the schema and its name."""

    kind: ResponseFormatKind
    schema: Mapping[str, Any] | None = None
    name: str | None = None


@dataclass(frozen=True)
class ChatRequest:
    """Everything the emulated model needs from a valid request.

    Attributes:
        resolution: Requested id and the model that serves it.
        reported_model: The `model` the response names.
        messages: The messages as sent (validated shapes).
        tools: Offered function tools, in order.
        tool_choice: The tool choice (`auto` when absent).
        parallel_tool_calls: False = at most one call per turn.
        response_format: The response format, None for plain text.
        max_output_tokens: `max_completion_tokens`, else `max_tokens`; visible output only.
        stop: Stop sequences (non-reasoning models only).
        stream: Answer as SSE chunks.
        include_usage: `stream_options.include_usage`.
        effort: Effective reasoning effort; `none` = no reasoning.
        n: Number of choices.
    """

    resolution: Resolution
    reported_model: str
    messages: tuple[Mapping[str, Any], ...]
    tools: tuple[ToolDef, ...]
    tool_choice: ToolChoice
    parallel_tool_calls: bool
    response_format: ResponseFormat | None
    max_output_tokens: int | None
    stop: tuple[str, ...]
    stream: bool
    include_usage: bool
    effort: str
    n: int
