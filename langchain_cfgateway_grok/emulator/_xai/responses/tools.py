"""`tools` and `tool_choice` of a Responses request.

Function tools have the Responses shape `{"type": "function", "name", "description",
"parameters", "strict"}` (openai `FunctionToolParam`; not Chat Completions' nested `function`).
Server-side tools (xai-api.md §1.1; docs.x.ai/docs/guides/tools/overview): `web_search`
(`allowed_domains` or `excluded_domains`, at most five, not both), `x_search` (`allowed_x_handles`
or `excluded_x_handles`, at most ten, not both; `from_date`/`to_date` ISO dates) — limits quoted
from docs.x.ai/docs/guides/tools/search-tools —, `code_interpreter` (code execution), `mcp`
(`server_url`, `server_label`; docs.x.ai/docs/guides/tools/remote-mcp-tools), and
`collections_search` / `file_search` (with `collection_ids` or `vector_store_ids`). The Responses
name of code execution is `code_interpreter` (vercel/ai `xai-responses-api.ts`); the xAI SDK's
`code_execution` is refused with a hint. Messages of the 400s here are Unconfirmed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_cfgateway_grok.emulator._xai import errors
from langchain_cfgateway_grok.emulator._xai.request import ToolDef
from langchain_cfgateway_grok.emulator._xai.responses.request import (
    SERVER_TOOL_TYPES,
    ResponsesToolChoice,
    ServerTool,
)
from langchain_cfgateway_grok.emulator._xai.validate import MAX_TOOLS, wrong_type

MAX_DOMAINS = 5
MAX_HANDLES = 10
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _string_list(path: str, value: object, limit: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise wrong_type(path, value, "a sequence of strings")
    if len(value) > limit:
        msg = f"`{path}` takes at most {limit} entries; got {len(value)}."
        raise errors.invalid_argument(msg)
    return value


def _exclusive(path: str, tool: Mapping[str, Any], allowed: str, excluded: str, limit: int) -> None:
    present = [key for key in (allowed, excluded) if tool.get(key) is not None]
    for key in present:
        _string_list(f"{path}.{key}", tool[key], limit)
    if len(present) == 2:
        msg = f"`{path}`: `{allowed}` cannot be set together with `{excluded}`."
        raise errors.invalid_argument(msg)


def _check_server_tool(path: str, tool: Mapping[str, Any]) -> None:
    kind = tool["type"]
    if kind == "web_search":
        _exclusive(path, tool, "allowed_domains", "excluded_domains", MAX_DOMAINS)
    elif kind == "x_search":
        _exclusive(path, tool, "allowed_x_handles", "excluded_x_handles", MAX_HANDLES)
        for key in ("from_date", "to_date"):
            value = tool.get(key)
            if value is not None and not (isinstance(value, str) and _ISO_DATE.match(value)):
                msg = f"`{path}.{key}` must be an ISO 8601 date (YYYY-MM-DD); got {value!r}."
                raise errors.invalid_argument(msg)
    elif kind == "mcp":
        for key in ("server_url", "server_label"):
            if not isinstance(tool.get(key), str) or not tool[key]:
                raise errors.undeserializable(f"{path}: missing field `{key}`")
    elif kind in ("collections_search", "file_search"):
        ids = tool.get("collection_ids", tool.get("vector_store_ids"))
        if not isinstance(ids, list) or not ids:
            msg = f"`{path}` ({kind}) needs a non-empty `collection_ids` (or `vector_store_ids`)."
            raise errors.invalid_argument(msg)


def _function_tool(path: str, tool: Mapping[str, Any]) -> ToolDef:
    if "function" in tool and "name" not in tool:
        msg = (
            f"{path}: missing field `name` (Responses function tools are flat: "
            '{"type": "function", "name": ..., "parameters": ...})'
        )
        raise errors.undeserializable(msg)
    name = tool.get("name")
    if not isinstance(name, str) or not name:
        raise wrong_type(f"{path}.name", name, "a non-empty string")
    parameters = tool.get("parameters")
    if parameters is None:
        parameters = {"type": "object", "properties": {}}
    if not isinstance(parameters, dict):
        raise wrong_type(f"{path}.parameters", parameters, "a map")
    description = tool.get("description")
    return ToolDef(name, description if isinstance(description, str) else "", parameters)


def parse_tools(raw: object) -> tuple[tuple[ToolDef, ...], tuple[ServerTool, ...]]:
    """Function tools and server-side tools, validated.

    Raises:
        XaiError: 422 for malformed tools, 400 for limits, duplicates and unknown types.
    """
    if raw is None:
        return (), ()
    if not isinstance(raw, list):
        raise wrong_type("tools", raw, "a sequence")
    if len(raw) > MAX_TOOLS:
        raise errors.invalid_argument(
            f"A maximum of {MAX_TOOLS} tools is supported; got {len(raw)}."
        )
    functions: list[ToolDef] = []
    servers: list[ServerTool] = []
    for i, tool in enumerate(raw):
        path = f"tools[{i}]"
        if not isinstance(tool, dict):
            raise wrong_type(path, tool, "struct Tool")
        kind = tool.get("type")
        if kind == "function":
            functions.append(_function_tool(path, tool))
        elif kind in SERVER_TOOL_TYPES:
            _check_server_tool(path, tool)
            servers.append(ServerTool(kind, dict(tool)))
        elif kind == "code_execution":
            msg = f"Unsupported tool type `code_execution` in {path}; use `code_interpreter`."
            raise errors.invalid_argument(msg)
        else:
            known = ", ".join(("function", *SERVER_TOOL_TYPES))
            raise errors.invalid_argument(f"Unsupported tool type `{kind}` in {path}; use {known}.")
    names = [t.name for t in functions]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise errors.invalid_argument(
            f"Tool names must be unique; duplicated: {', '.join(duplicates)}."
        )
    return tuple(functions), tuple(servers)


def parse_tool_choice(
    raw: object, functions: Sequence[ToolDef], servers: Sequence[ServerTool]
) -> ResponsesToolChoice:
    """Parse `tool_choice`.

    `auto`/`none`/`required`, `{"type": "function", "name"}`, or a server tool type such as
    `{"type": "web_search"}` (OpenAI `ToolChoiceFunction` / `ToolChoiceTypes`).

    Raises:
        XaiError: 422 for an unknown shape, 400 for a choice that names no offered tool.
    """
    if raw is None:
        return ResponsesToolChoice("auto")
    if isinstance(raw, str):
        if raw not in ("auto", "none", "required"):
            msg = (
                f"tool_choice: unknown variant `{raw}`, expected one of `none`, `auto`, `required`"
            )
            raise errors.undeserializable(msg)
        if raw == "required" and not functions and not servers:
            raise errors.invalid_argument(
                "tool_choice `required` needs at least one tool in `tools`."
            )
        return ResponsesToolChoice(raw)  # type: ignore[arg-type]
    if not isinstance(raw, dict):
        raise wrong_type("tool_choice", raw, "a string or struct ToolChoice")
    kind = raw.get("type")
    if kind == "function":
        name = raw.get("name")
        if not isinstance(name, str):
            raise errors.undeserializable("tool_choice: missing field `name`")
        if name not in {t.name for t in functions}:
            raise errors.invalid_argument(f"tool_choice names `{name}`, which is not in `tools`.")
        return ResponsesToolChoice("function", name)
    if kind in SERVER_TOOL_TYPES:
        if kind not in {t.kind for t in servers}:
            raise errors.invalid_argument(f"tool_choice names `{kind}`, which is not in `tools`.")
        return ResponsesToolChoice("server", kind)
    raise errors.undeserializable(f"tool_choice: unknown variant `{kind}`")
