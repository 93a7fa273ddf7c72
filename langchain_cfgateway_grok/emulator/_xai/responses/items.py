"""Responses `input` items: their shapes, and the Chat-style messages the emulated model reads.

Item shapes are the OpenAI Responses input items the openai SDK and langchain-openai send
(`openai/types/responses/response_input_item_param.py`; langchain-openai
`_construct_responses_api_input`): messages `{"role", "content"}` (optionally `"type":
"message"`, content a string or `input_text`/`output_text`/`input_image`/`input_file`/`refusal`
parts), `function_call`, `function_call_output`, `reasoning` (with `encrypted_content` when it
was requested), and the server-side tool call items a client replays (`web_search_call`,
`x_search_call`, `code_interpreter_call`, `mcp_call`, ...). xAI accepts the same item kinds
(vercel/ai `packages/xai/src/responses/xai-responses-api.ts`, `XaiResponsesInputItem`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_cfgateway_grok.emulator._xai import errors
from langchain_cfgateway_grok.emulator._xai.validate import describe, wrong_type

MESSAGE_ROLES = ("user", "assistant", "system", "developer")
PART_TYPES = ("input_text", "output_text", "input_image", "input_file", "refusal", "text")
#: Non-message item types accepted in `input`.
ITEM_TYPES = (
    "message", "function_call", "function_call_output", "reasoning", "web_search_call",
    "x_search_call", "code_interpreter_call", "mcp_call", "mcp_list_tools", "custom_tool_call",
    "custom_tool_call_output", "file_search_call", "item_reference",
)  # fmt: skip
#: Replayed server-side tool calls the emulated model recognises as already run.
SERVER_CALL_TYPES = ("web_search_call", "x_search_call", "code_interpreter_call")
_CONTENT_ENUM = "data did not match any variant of untagged enum ResponseInputContent"


def as_items(raw: object) -> tuple[dict[str, Any], ...]:
    """`input` as a tuple of items: a string is one user message (xai-api.md §1.1)."""
    if isinstance(raw, str):
        return ({"type": "message", "role": "user", "content": raw},)
    if not isinstance(raw, list):
        raise wrong_type("input", raw, "a string or a sequence of input items")
    return tuple(raw)


def _check_parts(path: str, content: object) -> None:
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise errors.undeserializable(f"{path}.content: {_CONTENT_ENUM}")
    for j, part in enumerate(content):
        where = f"{path}.content[{j}]"
        if not isinstance(part, dict) or part.get("type") not in PART_TYPES:
            kind = part.get("type") if isinstance(part, dict) else describe(part)
            expected = ", ".join(f"`{t}`" for t in PART_TYPES)
            raise errors.undeserializable(f"{where}: unknown variant `{kind}`, expected {expected}")
        kind = part["type"]
        if kind in ("input_text", "output_text", "text") and not isinstance(part.get("text"), str):
            raise wrong_type(f"{where}.text", part.get("text"), "a string")
        if kind == "refusal" and not isinstance(part.get("refusal"), str):
            raise wrong_type(f"{where}.refusal", part.get("refusal"), "a string")


def _require_str(path: str, item: Mapping[str, Any], key: str) -> None:
    value = item.get(key)
    if value is None:
        raise errors.undeserializable(f"{path}: missing field `{key}`")
    if not isinstance(value, str):
        raise wrong_type(f"{path}.{key}", value, "a string")


def _check_reasoning(path: str, item: Mapping[str, Any]) -> None:
    summary = item.get("summary", [])
    if not isinstance(summary, list):
        raise wrong_type(f"{path}.summary", summary, "a sequence")
    for j, part in enumerate(summary):
        if not isinstance(part, dict) or not isinstance(part.get("text"), str):
            raise errors.undeserializable(f"{path}.summary[{j}]: missing field `text`")
    encrypted = item.get("encrypted_content")
    if encrypted is not None and not isinstance(encrypted, str):
        raise wrong_type(f"{path}.encrypted_content", encrypted, "a string")


def check_items(items: Sequence[object]) -> None:
    """Raise xAI's 422 for the first malformed input item.

    Args:
        items: `input` as items.

    Raises:
        XaiError: 422 naming the item and the field.
    """
    for i, item in enumerate(items):
        path = f"input[{i}]"
        if not isinstance(item, dict):
            raise wrong_type(path, item, "struct InputItem")
        kind = item.get("type", "message")
        if kind not in ITEM_TYPES:
            expected = ", ".join(f"`{t}`" for t in ITEM_TYPES)
            raise errors.undeserializable(f"{path}: unknown variant `{kind}`, expected {expected}")
        if kind == "message":
            role = item.get("role")
            if role not in MESSAGE_ROLES:
                shown = role if isinstance(role, str) else describe(role)
                expected = ", ".join(f"`{r}`" for r in MESSAGE_ROLES)
                raise errors.undeserializable(
                    f"{path}.role: unknown variant `{shown}`, expected one of {expected}"
                )
            if "content" not in item:
                raise errors.undeserializable(f"{path}: missing field `content`")
            _check_parts(path, item["content"])
        elif kind == "function_call":
            for key in ("name", "arguments", "call_id"):
                _require_str(path, item, key)
        elif kind == "function_call_output":
            _require_str(path, item, "call_id")
            output = item.get("output")
            if not isinstance(output, (str, list)):
                raise wrong_type(f"{path}.output", output, "a string or a sequence")
        elif kind == "reasoning":
            _check_reasoning(path, item)


def part_text(content: object) -> str:
    """Text of message content: the string, or its text parts joined by newlines."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    texts = []
    for part in content:
        if isinstance(part, dict):
            text = part.get("text", part.get("refusal"))
            if isinstance(text, str):
                texts.append(text)
    return "\n".join(texts)


def _chat_content(content: object) -> object:
    """Chat Completions content for a Responses message (images kept for token counting)."""
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for part in content if isinstance(content, list) else []:
        kind = part.get("type")
        if kind == "input_image":
            parts.append({"type": "image_url", "image_url": {"url": part.get("image_url", "")}})
        elif kind == "input_file":
            parts.append({"type": "file", "file": {k: v for k, v in part.items() if k != "type"}})
        else:
            parts.append({"type": "text", "text": part_text([part])})
    return parts


def _tool_output(output: object) -> str:
    if isinstance(output, str):
        return output
    return part_text(output) or json.dumps(output, ensure_ascii=False, separators=(",", ":"))


def to_messages(
    items: Sequence[Mapping[str, Any]], reasoning_texts: Mapping[int, str] | None = None
) -> list[dict[str, Any]]:
    """The Chat-style messages the policy reads (`conversation.read_turn`, token counting).

    Messages keep their role (`developer` becomes `system`); a `function_call` becomes an
    assistant `tool_calls` entry and a `function_call_output` a `tool` message; a reasoning item
    becomes assistant `reasoning_content` (its summary, or the decrypted text given in
    `reasoning_texts` by item position); server-side tool call items are not messages.

    Args:
        items: Validated input items (previous turns first).
        reasoning_texts: Decrypted reasoning text by item index.

    Returns:
        The messages, in order.
    """
    messages: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        kind = item.get("type", "message")
        if kind == "message":
            role = item["role"] if item["role"] != "developer" else "system"
            messages.append({"role": role, "content": _chat_content(item["content"])})
        elif kind == "function_call":
            call = {
                "id": item["call_id"],
                "type": "function",
                "function": {"name": item["name"], "arguments": item["arguments"]},
            }
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": item["call_id"],
                    "content": _tool_output(item.get("output")),
                }
            )
        elif kind == "reasoning":
            text = (reasoning_texts or {}).get(index)
            if text is None:
                text = "\n".join(part["text"] for part in item.get("summary") or [])
            if text:
                messages.append({"role": "assistant", "content": None, "reasoning_content": text})
    return messages


def last_user_index(items: Sequence[Mapping[str, Any]]) -> int:
    """Index of the last user message item, -1 when there is none."""
    return max(
        (
            i
            for i, item in enumerate(items)
            if item.get("type", "message") == "message" and item.get("role") == "user"
        ),
        default=-1,
    )


def replayed_server_calls(items: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Server-side tool call items after the last user message (already run this turn)."""
    start = last_user_index(items) + 1
    return [item for item in items[start:] if item.get("type") in SERVER_CALL_TYPES]
