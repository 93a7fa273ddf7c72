"""The request side of xAI's Responses API: its URL and the JSON body (pure functions).

Facts: xai-api.md §1.1 (`/v1/responses`: `store` defaults to true server-side,
`previous_response_id`, `include: ["reasoning.encrypted_content"]`, `max_output_tokens` counts
reasoning, server-side tools), §1.2 (`prompt_cache_key`, reasoning efforts per model), §2.5/§2.8
(what langchain-openai's Responses payload does); gateway-protocol.md §1.2 (the gateway route
`/grok/v1/responses` is Unconfirmed).

Choices made here (docs/responses-api.md explains them to users):

- `store=False` by default, with `include: ["reasoning.encrypted_content"]` on reasoning models,
  so reasoning carries into the next turn statelessly: the encrypted reasoning item comes back
  in the message content and is sent again as an input item. `use_previous_response_id=True`
  (or an explicit `previous_response_id`) makes `store=True` the default instead.
- The conversation is rendered by langchain-openai's `_construct_responses_api_input` (it reads
  every LangChain message format); assistant items it does not know, such as xAI's
  `x_search_call`, are carried through it unchanged.
- `stop` does not exist on the Responses API and is dropped (as langchain-openai does);
  `max_tokens` becomes `max_output_tokens`, which on xAI also counts reasoning tokens.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from langchain_core.messages import AIMessage, BaseMessage
from langchain_openai.chat_models.base import (
    _construct_responses_api_input,
    _convert_to_openai_response_format,
    _is_pydantic_class,
)
from openai.lib._parsing._completions import type_to_response_format_param

from langchain_cfgateway_grok import _gateway, _grok, _profiles, _server_tools

logger = logging.getLogger("langchain_cfgateway_grok")

_CHAT_PATH: Final = "/chat/completions"
#: Path of the Responses API next to `/chat/completions` (xAI: `/v1/responses`).
RESPONSES_PATH: Final = "/responses"
ENCRYPTED_REASONING: Final = "reasoning.encrypted_content"
_XAI: Final = "xai"

#: Assistant content blocks langchain-openai's input builder replays as they are; other
#: `*_call` items (xAI's `x_search_call`, ...) are carried through it in a wrapper.
_REPLAYED_BY_LANGCHAIN_OPENAI: Final = frozenset(
    {
        "compaction",
        "web_search_call",
        "file_search_call",
        "function_call",
        "computer_call",
        "custom_tool_call",
        "code_interpreter_call",
        "mcp_call",
        "mcp_list_tools",
        "mcp_approval_request",
        "tool_search_call",
        "tool_search_output",
        "apply_patch_call",
        "apply_patch_call_output",
    }
)
#: LangChain's own block types ending in `_call` (never xAI output items).
_LANGCHAIN_CALL_BLOCKS: Final = frozenset({"tool_call", "invalid_tool_call", "server_tool_call"})
_CARRIER_TYPE: Final = "mcp_list_tools"  # replayed verbatim (minus `index`) by langchain-openai
_CARRIED_KEY: Final = "_cfgateway_xai_item"


def responses_url(chat_url: str) -> str:
    """The Responses API URL next to a chat completions URL.

    `…/grok/v1/chat/completions` → `…/grok/v1/responses` (and `…/grok/chat/completions` →
    `…/grok/responses` for a `base_url` ending in `/grok`). Whether the gateway serves xAI's
    Responses API on its grok route is Unconfirmed (gateway-protocol.md §1.2); a `base_url`
    pointing elsewhere (a proxy) moves both URLs together.
    """
    parts = urlsplit(chat_url)
    if not parts.path.endswith(_CHAT_PATH):
        msg = f"Expected a chat completions URL ending in {_CHAT_PATH!r}, got {chat_url!r}."
        raise ValueError(msg)
    path = parts.path[: -len(_CHAT_PATH)] + RESPONSES_PATH
    return urlunsplit(parts._replace(path=path))  # a `default_query` stays as it was


def build_body(
    payload: dict[str, Any],
    messages: Sequence[BaseMessage],
    *,
    prompt_cache_key: str | None,
    use_previous_response_id: bool,
) -> tuple[dict[str, Any], bool]:
    """The Responses API body for one call, checked before anything is sent.

    Args:
        payload: The model's default params merged with the call's kwargs (Chat Completions
            names: `max_tokens`, `reasoning_effort`, `response_format`, `tools`, ...), with
            this package's call-only kwargs already removed. Consumed.
        messages: The conversation.
        prompt_cache_key: xAI's prompt-cache conversation id, if any.
        use_previous_response_id: Continue from the last stored xAI response in `messages`.

    Returns:
        The body, and whether it asks for `json_schema` output (so `parsed` is attached).

    Raises:
        ValueError: settings the Responses API (or the model) cannot take, naming the field and
            the fix.
    """
    _grok.refuse_live_search(payload)
    bare = _gateway.wire_model(payload.pop("model"), "grok")
    row = _profiles.lookup(bare)
    reasoning_model = _grok.is_reasoning(bare, row)
    _refuse_n(payload.pop("n", None))
    reasoning = _reasoning_and_limits(payload, bare, row, reasoning_model=reasoning_model)

    explicit_previous = payload.get("previous_response_id")
    store = payload.pop("store", None)
    if store is None:
        # Stateless by default; continuing a stored response needs the chain to be stored.
        store = bool(use_previous_response_id or explicit_previous)
    body: dict[str, Any] = {"model": bare}
    if use_previous_response_id and not explicit_previous:
        messages, previous = continue_from(messages)
        if previous is not None:
            body["previous_response_id"] = previous
    body["input"] = input_items(messages, store=store)
    body["store"] = store
    if reasoning:
        body["reasoning"] = reasoning
    include = list(payload.pop("include", None) or ())
    if not store and reasoning_model and ENCRYPTED_REASONING not in include:
        include.append(ENCRYPTED_REASONING)
    if include:
        body["include"] = include
    _add_tools_and_format(payload, body)
    if prompt_cache_key is not None:
        body["prompt_cache_key"] = _checked_cache_key(prompt_cache_key)
    if not payload.get("stream"):
        payload.pop("stream", None)
    payload.pop("stream_options", None)  # Responses streams always end with the usage
    body.update(payload)
    format_type = (body.get("text") or {}).get("format", {}).get("type")
    return body, format_type == "json_schema"


def _reasoning_and_limits(
    payload: dict[str, Any], bare: str, row: _profiles.GrokModel | None, *, reasoning_model: bool
) -> dict[str, Any]:
    """`reasoning` for the body; Chat Completions names in `payload` checked and renamed.

    The Chat Completions rules hold here too (`_grok.shape_request`): the effort is checked per
    model, `stop` and the penalties are dropped for reasoning models, `max_tokens` is renamed and
    `extra_body` merged into the top level. Then `stop` goes for every model (the Responses API
    has none) and the token limit becomes `max_output_tokens`.
    """
    reasoning = dict(payload.pop("reasoning", None) or {})
    effort = reasoning.get("effort") or payload.get("reasoning_effort")
    payload.pop("reasoning_effort", None)
    if effort is not None:
        payload["reasoning_effort"] = effort  # checked per model by `shape_request`
    _grok.shape_request(payload, model=bare, reasoning=reasoning_model, row=row)
    if payload.pop("reasoning_effort", None) is not None:
        reasoning["effort"] = effort
    if payload.pop("stop", None) is not None:
        logger.debug("dropping `stop`: the Responses API has no stop sequences")
    limit = payload.pop("max_completion_tokens", None)
    if limit is not None:
        payload.setdefault("max_output_tokens", limit)
    return reasoning


def _add_tools_and_format(payload: dict[str, Any], body: dict[str, Any]) -> None:
    """`tools`, `tool_choice` and `text` (structured output, verbosity) in Responses shapes."""
    if (tools := payload.pop("tools", None)) is not None:
        body["tools"] = _server_tools.wire_tools(tools)
    if (tool_choice := payload.pop("tool_choice", None)) is not None:
        body["tool_choice"] = _server_tools.wire_tool_choice(tool_choice)
    text = dict(payload.pop("text", None) or {})
    response_format = payload.pop("response_format", None)
    strict = payload.pop("strict", None)
    if response_format is not None:
        text["format"] = text_format(response_format, strict=strict)
    if (verbosity := payload.pop("verbosity", None)) is not None:
        text["verbosity"] = verbosity
    if text:
        body["text"] = text


def _refuse_n(n: object) -> None:
    if n is not None and n != 1:
        msg = (
            f"`n={n!r}`: the Responses API returns one answer per request. Fix: drop `n` (or "
            "use the Chat Completions API: use_responses_api=False and no server-side tools)."
        )
        raise ValueError(msg)


def _checked_cache_key(value: object) -> str:
    if not isinstance(value, str) or not value:
        msg = (
            f"`prompt_cache_key` must be a non-empty string (a stable conversation id); "
            f"got {value!r}."
        )
        raise ValueError(msg)
    return value


def text_format(response_format: object, *, strict: bool | None = None) -> dict[str, Any]:
    """`text.format` for a Chat Completions `response_format` (or a schema, or a pydantic class).

    `{"type": "json_schema", "json_schema": {"name", "schema", "strict"}}` becomes the flat
    Responses `{"type": "json_schema", "name", "schema", "strict"}`; a pydantic class gets the
    strict schema the openai SDK's `parse()` sends; `json_object` and `text` stay as they are.

    Raises:
        ValueError: something that is neither a schema nor a response format.
    """
    if _is_pydantic_class(response_format):
        converted: Any = type_to_response_format_param(response_format)  # type: ignore[arg-type]
    elif isinstance(response_format, Mapping):
        kind = response_format.get("type")
        if kind in ("text", "json_object") and "json_schema" not in response_format:
            return {"type": kind}
        converted = _convert_to_openai_response_format(dict(response_format), strict=strict)
    else:
        msg = (
            "`response_format` must be a JSON schema dict, a response format dict or a pydantic "
            f"class; got {type(response_format).__name__}."
        )
        raise ValueError(msg)
    return {"type": "json_schema", **converted["json_schema"]}


def continue_from(messages: Sequence[BaseMessage]) -> tuple[Sequence[BaseMessage], str | None]:
    """The messages after the last stored xAI response, and that response's id.

    A response can be continued with `previous_response_id` only if xAI stored it, so only
    messages this package made from a response with `store: true` count; without one the whole
    conversation is sent.
    """
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if not isinstance(message, AIMessage):
            continue
        metadata = message.response_metadata
        response_id = metadata.get("id")
        if (
            metadata.get("model_provider") == _XAI
            and metadata.get("store") is True
            and isinstance(response_id, str)
            and response_id
        ):
            return messages[index + 1 :], response_id
    return messages, None


def input_items(messages: Sequence[BaseMessage], *, store: bool) -> list[dict[str, Any]]:
    """The conversation as Responses input items.

    langchain-openai's builder does the work (messages, content parts, tool outputs, function
    calls, reasoning items: with `store=False` only those with `encrypted_content`, assistant
    message ids dropped); xAI items it does not replay are carried through it and put back in
    place.
    """
    wrapped = [_wrap_unknown_items(message) for message in messages]
    items = _construct_responses_api_input(wrapped, store=store)
    return [_unwrap(item) for item in items]


def _xai_item(raw: object) -> dict[str, Any] | None:
    """The item to carry for an assistant block langchain-openai would drop, else None."""
    if not isinstance(raw, dict):
        return None
    block: dict[str, Any] = raw
    if block.get("type") == "non_standard" and isinstance(block.get("value"), dict):
        block = block["value"]  # v1 output: unknown items become non-standard blocks
    kind = block.get("type")
    if not isinstance(kind, str) or not kind.endswith("_call"):
        return None
    if kind in _REPLAYED_BY_LANGCHAIN_OPENAI or kind in _LANGCHAIN_CALL_BLOCKS:
        return None
    return {key: value for key, value in block.items() if key != "index"}


def _wrap_unknown_items(message: BaseMessage) -> BaseMessage:
    if not isinstance(message, AIMessage) or not isinstance(message.content, list):
        return message
    content: list[Any] = []
    changed = False
    for block in message.content:
        item = _xai_item(block)
        if item is None:
            content.append(block)
        else:
            content.append({"type": _CARRIER_TYPE, _CARRIED_KEY: item})
            changed = True
    return message.model_copy(update={"content": content}) if changed else message


def _unwrap(item: Any) -> Any:
    if isinstance(item, dict) and _CARRIED_KEY in item:
        return item[_CARRIED_KEY]
    return item
