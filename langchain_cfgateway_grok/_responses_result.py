"""A Responses API `response` object as a LangChain `AIMessage` (pure functions over dicts).

The message has the shape langchain-openai gives Responses answers (`output_version`
"responses/v1"), so LangChain's OpenAI block translator, the next turn's input builder and any
code written for `ChatOpenAI`'s Responses path read it; what differs is xAI's:

- `content`: one block per output item, in order: `reasoning` items (summary, and
  `encrypted_content` when asked for, so reasoning carries into the next turn), server-side
  tool calls as xAI sent them (`web_search_call`, `x_search_call`, `code_interpreter_call`,
  `mcp_call`, ...), `function_call` items, and a `text` block per `output_text` part with its
  `annotations` (`url_citation`s) and the message item id.
- `additional_kwargs`: `reasoning_content` (the reasoning summaries as text, the key the Chat
  Completions path uses), `citations` (xAI's top-level source list), `parsed` (`json_schema`).
  Not `reasoning`: langchain-openai reads that key as its v0.3 format and would move and
  duplicate the reasoning item when the message is sent back.
- `response_metadata`: `model_provider="xai"`, `id`, `model_name`, `status`, `store`,
  `cost_in_usd_ticks`, `num_sources_used`, `num_server_side_tools_used`, `token_usage`.
- `usage_metadata`: output tokens include reasoning and total = input + output (below).

Usage: xAI's Responses usage (emulator docs, "Responses API"; recorded vercel/ai fixtures)
reports `output_tokens` including reasoning and `total_tokens = input + output`, unlike Chat
Completions' `completion_tokens`. Should a response's total instead equal input + output +
reasoning (the Chat Completions semantics), reasoning is added to the output, so LangChain's
numbers mean the same on both APIs either way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Final

from langchain_core.messages import AIMessage, InvalidToolCall, ToolCall
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_openai.chat_models.base import _format_annotation_to_lc

logger = logging.getLogger("langchain_cfgateway_grok")

XAI: Final = "xai"
#: Response fields kept in `response_metadata` (langchain-openai's set, plus `store` and
#: `previous_response_id` so a conversation knows what it can continue from).
_METADATA_FIELDS: Final = (
    "id", "created_at", "model", "object", "status", "incomplete_details", "metadata",
    "service_tier", "user", "store", "previous_response_id",
)  # fmt: skip
#: Usage fields surfaced in `response_metadata` as they are.
_USAGE_FACTS: Final = ("cost_in_usd_ticks", "num_sources_used", "num_server_side_tools_used")
#: Item fields dropped from content blocks: in-flight state, absent from streamed blocks.
_DROPPED_ITEM_FIELDS: Final = {"reasoning": ("status",), "function_call": ("status",)}
REASONING_SEPARATOR: Final = "\n\n"


def usage_metadata(usage: Mapping[str, Any]) -> UsageMetadata:
    """LangChain usage from xAI Responses usage: output includes reasoning, total = in + out."""
    input_tokens = _int(usage.get("input_tokens"))
    output_tokens = _int(usage.get("output_tokens"))
    input_details = usage.get("input_tokens_details") or {}
    output_details = usage.get("output_tokens_details") or {}
    reasoning = output_details.get("reasoning_tokens")
    total = usage.get("total_tokens")
    if reasoning and total == input_tokens + output_tokens + reasoning:
        output_tokens += reasoning  # Chat Completions semantics: output excluded reasoning
    input_token_details = InputTokenDetails()
    if (cached := input_details.get("cached_tokens")) is not None:
        input_token_details["cache_read"] = cached
    output_token_details = OutputTokenDetails()
    if reasoning is not None:
        output_token_details["reasoning"] = reasoning
    return UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
        input_token_details=input_token_details,
        output_token_details=output_token_details,
    )


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def response_metadata(response: Mapping[str, Any]) -> dict[str, Any]:
    """`response_metadata` for a finished response (see the module docstring)."""
    metadata: dict[str, Any] = {
        field: response[field] for field in _METADATA_FIELDS if response.get(field) is not None
    }
    metadata["model_provider"] = XAI
    metadata["model_name"] = response.get("model")
    usage = response.get("usage")
    if isinstance(usage, Mapping):
        for fact in _USAGE_FACTS:
            value = usage.get(fact)
            if isinstance(value, int) and not isinstance(value, bool):
                metadata[fact] = value
        metadata["token_usage"] = dict(usage)
    return metadata


def item_block(item: Mapping[str, Any]) -> dict[str, Any]:
    """An output item (not a message) as a content block: the item, minus in-flight fields."""
    dropped = _DROPPED_ITEM_FIELDS.get(str(item.get("type")), ())
    return {key: value for key, value in item.items() if key not in dropped}


def text_block(part: Mapping[str, Any], item_id: object) -> dict[str, Any]:
    """An `output_text` part as a `text` block (annotations kept, LangChain-safe keys)."""
    annotations = part.get("annotations")
    return {
        "type": "text",
        "text": part.get("text") or "",
        "annotations": [
            _format_annotation_to_lc(dict(a)) for a in annotations or () if isinstance(a, Mapping)
        ],
        "id": item_id,
    }


def tool_call_of(item: Mapping[str, Any]) -> ToolCall | InvalidToolCall:
    """The LangChain tool call of a `function_call` item (invalid when its arguments are)."""
    arguments = item.get("arguments") or ""
    name = item.get("name")
    call_id = item.get("call_id")
    try:
        args = json.loads(arguments, strict=False) if arguments else {}
    except json.JSONDecodeError as exc:
        return invalid_tool_call(name=name, args=arguments, id=call_id, error=str(exc))
    if not isinstance(args, dict):
        error = "the arguments are not a JSON object"
        return invalid_tool_call(name=name, args=arguments, id=call_id, error=error)
    return tool_call(name=name or "", args=args, id=call_id)


def reasoning_text(item: Mapping[str, Any]) -> str:
    """The summary text of a reasoning item."""
    return REASONING_SEPARATOR.join(
        part.get("text") or ""
        for part in item.get("summary") or ()
        if isinstance(part, Mapping) and part.get("text")
    )


def output_text(response: Mapping[str, Any]) -> str:
    """Every `output_text` of the response's message items, joined."""
    return "".join(
        part.get("text") or ""
        for item in response.get("output") or ()
        if isinstance(item, Mapping) and item.get("type") == "message"
        for part in item.get("content") or ()
        if isinstance(part, Mapping) and part.get("type") == "output_text"
    )


def parsed_output(response: Mapping[str, Any]) -> Any:
    """The `json_schema` answer parsed, or None when there is no valid JSON text."""
    text = output_text(response)
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        logger.debug("json_schema reply was not valid JSON; left unparsed")
        return None


def content_of(
    response: Mapping[str, Any],
) -> tuple[list[dict[str, Any]], list[ToolCall], list[InvalidToolCall], list[str]]:
    """Content blocks, tool calls, invalid tool calls and reasoning texts of a response."""
    content: list[dict[str, Any]] = []
    tool_calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    reasoning: list[str] = []
    for item in response.get("output") or ():
        if not isinstance(item, Mapping):
            continue
        kind = item.get("type")
        if kind == "message":
            for part in item.get("content") or ():
                if not isinstance(part, Mapping):
                    continue
                if part.get("type") == "output_text":
                    content.append(text_block(part, item.get("id")))
                elif part.get("type") == "refusal":
                    content.append(
                        {"type": "refusal", "refusal": part.get("refusal"), "id": item.get("id")}
                    )
            continue
        content.append(item_block(item))
        if kind == "function_call":
            call = tool_call_of(item)
            if call["type"] == "tool_call":
                tool_calls.append(call)  # type: ignore[arg-type]
            else:
                invalid.append(call)  # type: ignore[arg-type]
        elif kind == "reasoning" and (text := reasoning_text(item)):
            reasoning.append(text)
    return content, tool_calls, invalid, reasoning


def message_from_response(response: Mapping[str, Any], *, parse_json: bool) -> AIMessage:
    """The `AIMessage` for a finished response (module docstring)."""
    content, tool_calls, invalid, reasoning = content_of(response)
    additional_kwargs: dict[str, Any] = {}
    if reasoning:
        additional_kwargs["reasoning_content"] = REASONING_SEPARATOR.join(reasoning)
    if citations := response.get("citations"):
        additional_kwargs["citations"] = list(citations)
    if parse_json and (parsed := parsed_output(response)) is not None:
        additional_kwargs["parsed"] = parsed
    usage = response.get("usage")
    return AIMessage(
        content=content,  # type: ignore[arg-type]
        id=response.get("id"),
        additional_kwargs=additional_kwargs,
        response_metadata=response_metadata(response),
        tool_calls=tool_calls,
        invalid_tool_calls=invalid,
        usage_metadata=usage_metadata(usage) if isinstance(usage, Mapping) else None,
    )


def chat_result(
    response: Mapping[str, Any],
    generation_info: dict[str, Any] | None,
    *,
    parse_json: bool,
) -> ChatResult:
    """One `ChatResult` for a finished response; `generation_info` carries the gateway facts."""
    message = message_from_response(response, parse_json=parse_json)
    return ChatResult(
        generations=[ChatGeneration(message=message, generation_info=generation_info or None)],
        llm_output={"model_name": response.get("model"), "model_provider": XAI},
    )
