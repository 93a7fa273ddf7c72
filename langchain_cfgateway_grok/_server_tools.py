"""xAI's server-side tools and the Responses API's `tools` / `tool_choice` shapes (pure functions).

xAI runs these tools itself on the Responses API (xai-api.md §1.1; docs.x.ai "Agent Tools"):
`web_search`, `x_search`, code execution, remote MCP (`mcp`) and collections search
(`collections_search`; OpenAI's `file_search` name is accepted too). On the REST Responses API
code execution is the `code_interpreter` tool type; the xAI SDK calls it `code_execution`, so
that name is accepted and sent as `code_interpreter` (the emulator refuses `code_execution`,
following vercel/ai's `xai-responses-api.ts`; which names xAI accepts is Unconfirmed).

langchain-core's `convert_to_openai_tool` passes OpenAI's built-in tool types through but
rejects `x_search` and `collections_search` ("Unsupported function"), so `bind_tools` keeps the
dicts of these types as given (`ChatCloudflareGrok.bind_tools`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable, RunnableBinding

#: Server-side tool types xAI runs (the `type` of a tool dict).
SERVER_TOOL_TYPES: Final = frozenset(
    {
        "web_search",
        "x_search",
        "code_interpreter",
        "code_execution",
        "mcp",
        "collections_search",
        "file_search",
    }
)
#: Names a server-side tool type goes by on the REST Responses API.
_WIRE_TYPE: Final = {"code_execution": "code_interpreter"}


def is_server_tool(tool: object) -> bool:
    """Whether `tool` is an xAI server-side tool dict (`{"type": "x_search", ...}`)."""
    return isinstance(tool, Mapping) and tool.get("type") in SERVER_TOOL_TYPES


def wire_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    """One tool as the Responses API takes it.

    A Chat Completions function tool (`{"type": "function", "function": {...}}`) becomes the
    flat Responses shape (`{"type": "function", "name": ..., "parameters": ...}`); server-side
    tools are sent as given, `code_execution` renamed `code_interpreter`.
    """
    kind = tool.get("type")
    if kind == "function" and isinstance(tool.get("function"), Mapping):
        extra = {k: v for k, v in tool.items() if k not in ("type", "function")}
        return {"type": "function", **tool["function"], **extra}
    if isinstance(kind, str) and kind in _WIRE_TYPE:
        return {**tool, "type": _WIRE_TYPE[kind]}
    return dict(tool)


def wire_tools(tools: object) -> list[dict[str, Any]]:
    """Every tool of a payload's `tools` as the Responses API takes it (`wire_tool`).

    Raises:
        ValueError: `tools` is not a list of dicts that each have a string `type`.
    """
    if not isinstance(tools, (list, tuple)):
        msg = f"`tools` must be a list of tool dicts; got {type(tools).__name__}."
        raise ValueError(msg)
    wired = []
    for position, tool in enumerate(tools):
        if not isinstance(tool, Mapping) or not isinstance(tool.get("type"), str):
            msg = (
                f"`tools[{position}]` must be a dict with a `type` (e.g. "
                '{"type": "web_search"}); use bind_tools() to convert functions, pydantic '
                "models and LangChain tools."
            )
            raise ValueError(msg)
        wired.append(wire_tool(tool))
    return wired


def wire_tool_choice(choice: object) -> object:
    """`tool_choice` as the Responses API takes it.

    `{"type": "function", "function": {"name": N}}` becomes `{"type": "function", "name": N}`;
    a bare server tool type (`"web_search"`) becomes `{"type": "web_search"}`; `"any"` (other
    providers' word) becomes `"required"`; everything else is sent as given.
    """
    if isinstance(choice, Mapping):
        if choice.get("type") == "function" and isinstance(choice.get("function"), Mapping):
            return {"type": "function", **choice["function"]}
        kind = choice.get("type")
        if isinstance(kind, str) and kind in _WIRE_TYPE:
            return {**choice, "type": _WIRE_TYPE[kind]}
        return dict(choice)
    if choice == "any":
        return "required"
    if isinstance(choice, str) and choice in SERVER_TOOL_TYPES:
        return {"type": _WIRE_TYPE.get(choice, choice)}
    return choice


def bind_tools(
    parent_bind_tools: Callable[..., Runnable[LanguageModelInput, AIMessage]],
    tools: Sequence[Any],
    *,
    tool_choice: object = None,
    **kwargs: Any,
) -> Runnable[LanguageModelInput, AIMessage]:
    """`bind_tools` that passes xAI's server-side tool dicts through, in their place.

    Every other tool goes through the parent's `bind_tools` (`convert_to_openai_tool`, strict,
    tool_choice by name, response_format), which would reject `x_search`; the server-side dicts
    are then put back at their positions. A `tool_choice` naming a server-side tool type
    (`"web_search"`) becomes `{"type": "web_search"}`.

    Args:
        parent_bind_tools: `BaseChatOpenAI.bind_tools`, bound to the model.
        tools: Tools as `bind_tools` takes them, server-side tool dicts among them.
        tool_choice: As `bind_tools` takes it.
        **kwargs: The other `bind_tools` arguments.

    Returns:
        The model bound to the tools.
    """
    server = {i: dict(tool) for i, tool in enumerate(tools) if is_server_tool(tool)}
    if not server:
        return parent_bind_tools(tools, tool_choice=tool_choice, **kwargs)
    if isinstance(tool_choice, str) and tool_choice in SERVER_TOOL_TYPES:
        tool_choice = {"type": tool_choice}
    others = [tool for i, tool in enumerate(tools) if i not in server]
    bound = parent_bind_tools(others, tool_choice=tool_choice, **kwargs)
    if not isinstance(bound, RunnableBinding):  # pragma: no cover - the parent always binds
        msg = f"bind_tools returned {type(bound).__name__}, not a RunnableBinding"
        raise TypeError(msg)
    converted = iter(bound.kwargs["tools"])
    merged = [server[i] if i in server else next(converted) for i in range(len(tools))]
    return bound.bind(tools=merged)
