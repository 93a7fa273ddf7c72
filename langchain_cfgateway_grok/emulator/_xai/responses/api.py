"""The emulated xAI's `POST /v1/responses`, `GET /v1/responses/{id}` and `DELETE`.

Create: validate, continue the stored conversation, verify carried reasoning, decide, count,
render.

xai-api.md §1.1: stateful (`store` defaults to true, kept 30 days), `previous_response_id`
continues a stored conversation, `include: ["reasoning.encrypted_content"]` returns encrypted
reasoning, `max_output_tokens` includes reasoning tokens, server-side tools. Prompt caching with
`prompt_cache_key` (docs.x.ai/developers/advanced-api-usage/prompt-caching/maximizing-cache-hits).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from langchain_cfgateway_grok.emulator._xai import errors
from langchain_cfgateway_grok.emulator._xai.models import ModelSpec
from langchain_cfgateway_grok.emulator._xai.render import completion_id
from langchain_cfgateway_grok.emulator._xai.responses.events import stream_events
from langchain_cfgateway_grok.emulator._xai.responses.items import to_messages
from langchain_cfgateway_grok.emulator._xai.responses.model import (
    Citation,
    ResponsesTurn,
    decide_responses,
)
from langchain_cfgateway_grok.emulator._xai.responses.render import (
    ResponseIds,
    output_items,
    response_object,
)
from langchain_cfgateway_grok.emulator._xai.responses.request import ResponsesRequest
from langchain_cfgateway_grok.emulator._xai.responses.sealed import unseal
from langchain_cfgateway_grok.emulator._xai.responses.usage import build_responses_usage
from langchain_cfgateway_grok.emulator._xai.responses.validate import parse_responses_request
from langchain_cfgateway_grok.emulator._xai.result import XaiResult
from langchain_cfgateway_grok.emulator._xai.scripted import ScriptedReply, scripted_turn
from langchain_cfgateway_grok.emulator._xai.settings import XaiSettings
from langchain_cfgateway_grok.emulator._xai.store import (
    ReasoningContinuity,
    StoredResponse,
    XaiStore,
    owner_of,
)
from langchain_cfgateway_grok.emulator._xai.tokens import (
    IMAGE_TOKENS,
    PromptCount,
    count_tokens,
    dump,
    message_text,
)
from langchain_cfgateway_grok.emulator._xai.validate import check_credentials, decode_body

_DEFAULT_SETTINGS = XaiSettings()


def _prompt(request: ResponsesRequest, messages: Sequence[Mapping[str, Any]]) -> tuple[str, int]:
    """The prompt as counted and cached: tools, schema, then the messages (prefix-stable)."""
    lines = [dump(tool.spec) for tool in request.server_tools]
    lines += [
        dump({"name": t.name, "description": t.description, "parameters": t.parameters})
        for t in request.function_tools
    ]
    if request.text_format is not None and request.text_format.schema is not None:
        lines.append(dump(request.text_format.schema))
    images = 0
    for message in messages:
        text, count = message_text(message)
        lines.append(text)
        images += count
    return "\n".join(lines), images


def _conversation(
    request: ResponsesRequest, store: XaiStore, owner: str, now: float, settings: XaiSettings
) -> tuple[list[Mapping[str, Any]], list[tuple[str, str]]]:
    """The stored chain plus `input`, and the (item id, source response) of its reasoning."""
    if request.previous_response_id is None:
        return list(request.input_items), []
    stored = store.get_response(owner, request.previous_response_id, now)
    if stored is None:
        raise errors.response_not_found(
            request.previous_response_id, settings.previous_response_not_found_status
        )
    carried = [
        (str(item.get("id")), str(item["_source_response"]))
        for item in stored.conversation
        if item.get("type") == "reasoning" and item.get("_source_response")
    ]
    return [*stored.conversation, *request.input_items], carried


def _decrypt(
    items: Sequence[Mapping[str, Any]], first_input: int, secret: bytes
) -> dict[int, tuple[str, str, str]]:
    """Verify every reasoning item with `encrypted_content` in `input` (400 when tampered).

    Returns:
        By item index: (decrypted text, reasoning item id, response that produced it).
    """
    opened: dict[int, tuple[str, str, str]] = {}
    for index in range(first_input, len(items)):
        item = items[index]
        token = item.get("encrypted_content") if item.get("type") == "reasoning" else None
        if not token:
            continue
        payload = unseal(secret, str(token))
        item_id = item.get("id")
        if payload is None or (item_id is not None and item_id != payload.get("item_id")):
            raise errors.tampered_reasoning(f"input[{index - first_input}]", str(item_id or "?"))
        opened[index] = (
            str(payload.get("text", "")),
            str(payload.get("item_id")),
            str(payload.get("response_id")),
        )
    return opened


def _scripted(reply: ScriptedReply) -> ResponsesTurn:
    turn = scripted_turn(reply)
    return ResponsesTurn(
        reasoning=turn.reasoning,
        function_calls=turn.tool_calls,
        text=turn.text if turn.text is not None or not turn.tool_calls else None,
        citations=tuple(Citation(url, 0, 0) for url in turn.citations),
        sources=tuple(dict.fromkeys(turn.citations)),
        incomplete=turn.finish_reason == "length",
        usage_overrides=turn.usage_overrides,
    )


def _seed(body: object, now: float, serial: int) -> str:
    return f"{now!r}:{serial}:{json.dumps(body, sort_keys=True, ensure_ascii=False, default=repr)}"


def _usage(
    spec: ModelSpec,
    turn: ResponsesTurn,
    prompt: PromptCount,
    cached: int,
    settings: XaiSettings,
) -> dict[str, Any]:
    visible = (turn.text or "") + "".join(c.name + c.arguments for c in turn.function_calls)
    return build_responses_usage(
        spec,
        prompt,
        cached_tokens=cached,
        visible_tokens=count_tokens(visible),
        reasoning_tokens=count_tokens(turn.reasoning or ""),
        sources=len({c.url for c in turn.citations}),
        calls=turn.server_calls,
        tool_call_ticks=settings.server_tool_call_ticks,
        overrides=turn.usage_overrides,
    )


def create_response(
    body: object,
    *,
    api_key: str | None,
    store: XaiStore,
    accepted_keys: Collection[str] | None = None,
    scripted: ScriptedReply | None = None,
    now: float,
    settings: XaiSettings = _DEFAULT_SETTINGS,
    content_type: str | None = "application/json",
) -> XaiResult:
    """Answer `POST /v1/responses` as xAI would.

    Args:
        body: The request body: parsed JSON, or the raw bytes.
        api_key: Bearer token (or the gateway's stored key); None if absent.
        store: The emulated xAI's memory (stored responses, prompt cache, continuity records).
        accepted_keys: None = any non-empty key; else other keys get xAI's 400.
        scripted: A scripted turn replacing the emulated model's (validation still applies).
        now: Epoch seconds from the emulator's clock.
        settings: Switches for Unconfirmed behaviour.
        content_type: The request's `Content-Type` (None when absent → 415).

    Returns:
        The status with the response object, or with the stream's events for `stream: true`.
    """
    try:
        check_credentials(api_key, accepted_keys)
        decoded = decode_body(body, content_type)
        request = parse_responses_request(decoded, settings)
        owner = owner_of(api_key or "")
        items, from_chain = _conversation(request, store, owner, now, settings)
        first_input = len(items) - len(request.input_items)
        opened = _decrypt(items, first_input, store.secret)
        system = (
            [{"role": "system", "content": request.instructions}] if request.instructions else []
        )
        messages = system + to_messages(items, {i: text for i, (text, _, _) in opened.items()})
        text, images = _prompt(request, messages)
        prompt = PromptCount(count_tokens(text), images * IMAGE_TOKENS)
        limit = settings.context_window_override or request.resolution.spec.context_window
        if prompt.total > limit:
            raise errors.context_too_long(limit, prompt.total)
    except errors.XaiError as e:
        return XaiResult(e.status, body=e.body())

    from_input = [(item_id, source) for _, item_id, source in opened.values()]
    carried = len(from_chain) + len(from_input)
    turn = (
        _scripted(scripted)
        if scripted is not None
        else decide_responses(request, items, messages, carried)
    )
    cached = store.cached_tokens(owner, request.prompt_cache_key, text)
    ids = ResponseIds(completion_id(_seed(decoded, now, store.next_serial())))
    output = output_items(ids, turn, request, settings, store.secret)
    usage = _usage(request.resolution.spec, turn, prompt, cached, settings)
    response = response_object(
        ids,
        request,
        created_at=int(now),
        output=output,
        usage=usage,
        incomplete=turn.incomplete,
        sources=turn.sources,
        settings=settings,
    )
    store.record_continuity(
        [
            *(
                ReasoningContinuity(ids.response, item_id, source, "previous_response_id", now)
                for item_id, source in from_chain
            ),
            *(
                ReasoningContinuity(ids.response, item_id, source, "encrypted_content", now)
                for item_id, source in from_input
            ),
        ]
    )
    if request.store:
        # Reasoning items remember which response produced them, for later continuity records.
        kept = [
            {**item, "_source_response": opened[i][2]} if i in opened else item
            for i, item in enumerate(items)
        ]
        produced = [{**item, "_source_response": ids.response} for item in output]
        store.put_response(StoredResponse(ids.response, owner, response, (*kept, *produced), now))
    if request.stream:
        return XaiResult(
            200,
            chunks=stream_events(response),
            sse_event_names=True,
            sse_done_marker=settings.responses_stream_done_marker,
        )
    return XaiResult(200, body=response)


def get_response(
    response_id: str,
    *,
    api_key: str | None,
    store: XaiStore,
    accepted_keys: Collection[str] | None = None,
    now: float,
) -> XaiResult:
    """`GET /v1/responses/{id}`: the stored response object, or 404."""
    try:
        check_credentials(api_key, accepted_keys)
        stored = store.get_response(owner_of(api_key or ""), response_id, now)
        if stored is None:
            raise errors.response_not_found(response_id)
    except errors.XaiError as e:
        return XaiResult(e.status, body=e.body())
    return XaiResult(200, body=dict(stored.response))


def delete_response(
    response_id: str,
    *,
    api_key: str | None,
    store: XaiStore,
    accepted_keys: Collection[str] | None = None,
    now: float,
) -> XaiResult:
    """`DELETE /v1/responses/{id}`: `{"id", "object": "response", "deleted": true}`, or 404.

    The body is OpenAI's deletion shape; xAI's is Unconfirmed.
    """
    try:
        check_credentials(api_key, accepted_keys)
        if not store.delete_response(owner_of(api_key or ""), response_id, now):
            raise errors.response_not_found(response_id)
    except errors.XaiError as e:
        return XaiResult(e.status, body=e.body())
    return XaiResult(200, body={"id": response_id, "object": "response", "deleted": True})
