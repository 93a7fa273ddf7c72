"""A validated `POST /v1/responses` request, as the emulated model and the renderer see it.

Parameters: xai-api.md §1.1 (Responses: `store`, `previous_response_id`, `include`,
`max_output_tokens` including reasoning, server-side tools) and the OpenAI Responses request shape
the openai SDK sends (`openai/types/responses/response_create_params.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from langchain_cfgateway_grok.emulator._xai.models import Resolution
from langchain_cfgateway_grok.emulator._xai.request import ResponseFormat, ToolDef

#: Server-side tools the emulated model runs (the rest are accepted and never called).
SEARCH_TOOLS = ("web_search", "x_search")
CODE_TOOL = "code_interpreter"
#: Every server-side tool type accepted in `tools` (xai-api.md §1.1; docs.x.ai "Agent Tools").
SERVER_TOOL_TYPES = ("web_search", "x_search", "code_interpreter", "mcp", "collections_search",
                     "file_search")  # fmt: skip

ToolChoiceMode = Literal["auto", "none", "required", "function", "server"]


@dataclass(frozen=True)
class ServerTool:
    """A server-side tool offered in `tools`: its type and the object as sent."""

    kind: str
    spec: Mapping[str, Any]


@dataclass(frozen=True)
class ResponsesToolChoice:
    """`tool_choice`: a mode, plus the function name or the server tool type it forces."""

    mode: ToolChoiceMode
    name: str | None = None


@dataclass(frozen=True)
class ResponsesRequest:
    """Everything the emulated model needs from a valid Responses request.

    Attributes:
        resolution: Requested id and the serving model.
        reported_model: The `model` the response names.
        instructions: `instructions` (a system message that is not carried over).
        input_items: `input` as items (a string becomes one user message).
        function_tools: Client (function) tools, in order.
        server_tools: Server-side tools, in order.
        tools_echo: `tools` as sent (echoed in the response).
        tool_choice: The parsed tool choice.
        tool_choice_echo: `tool_choice` as sent (`"auto"` when absent).
        parallel_tool_calls: False = at most one function call per turn.
        effort: Effective reasoning effort (`none` = no reasoning).
        requested_effort: `reasoning.effort` as sent.
        summary: `reasoning.summary` as sent.
        include_encrypted: `include` has `reasoning.encrypted_content`.
        store: Keep the response (default true).
        previous_response_id: Continue this stored response.
        prompt_cache_key: Conversation id for prompt-cache stickiness.
        max_output_tokens: Budget for reasoning plus visible output.
        text_format: `text.format` json_schema / json_object, else None.
        text_echo: `text` as echoed (`{"format": {"type": "text"}}` when absent).
        stream: Answer as SSE events.
        temperature: Echoed.
        top_p: Echoed.
        metadata: Echoed.
        user: Echoed.
    """

    resolution: Resolution
    reported_model: str
    instructions: str | None
    input_items: tuple[Mapping[str, Any], ...]
    function_tools: tuple[ToolDef, ...]
    server_tools: tuple[ServerTool, ...]
    tools_echo: tuple[Mapping[str, Any], ...]
    tool_choice: ResponsesToolChoice
    tool_choice_echo: Any
    parallel_tool_calls: bool
    effort: str
    requested_effort: str | None
    summary: str | None
    include_encrypted: bool
    store: bool
    previous_response_id: str | None
    prompt_cache_key: str | None
    max_output_tokens: int | None
    text_format: ResponseFormat | None
    text_echo: Mapping[str, Any]
    stream: bool
    temperature: float | None
    top_p: float | None
    metadata: Mapping[str, Any]
    user: str | None

    def offers(self, kind: str) -> ServerTool | None:
        """The offered server tool of this type, if any."""
        return next((tool for tool in self.server_tools if tool.kind == kind), None)
