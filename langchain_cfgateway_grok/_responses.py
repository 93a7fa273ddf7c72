"""xAI's Responses API (`…/grok/v1/responses`) for `ChatCloudflareGrok`: the four entry points.

`ChatCloudflareGrok` routes a call here when it asks for the Responses API
(`use_responses_api=True`, `reasoning`, `include`, `truncation`, `use_previous_response_id`) or
binds a server-side tool such as `web_search`; off the grok route that is refused before
sending. Each entry point sends one request through a sibling of the model's own transport
(same headers, timeout, retries and HTTP clients, the Responses URL) and returns what the
Chat Completions path returns: typed errors, gateway facts on the first chunk, the run id as
the event id.

- body: `_responses_request.build_body` (stateless `store=False` with encrypted reasoning by
  default, `prompt_cache_key`, server-side tools, `text.format` for structured output);
- answer: `_responses_result` (a whole response) and `_responses_stream` (its events).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import httpx2

from langchain_cfgateway_grok import _responses_result, chat_models
from langchain_cfgateway_grok._errors import invalid_response_error
from langchain_cfgateway_grok._responses_request import build_body, responses_url
from langchain_cfgateway_grok._responses_stream import RESPONSES_STREAM_END, EventReader

if TYPE_CHECKING:
    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )
    from langchain_core.messages import BaseMessage
    from langchain_core.outputs import ChatGenerationChunk, ChatResult

    from langchain_cfgateway_grok._transport import ChatTransport
    from langchain_cfgateway_grok.chat_models import ChatCloudflareGrok


class _Call(NamedTuple):
    """One prepared Responses call."""

    transport: ChatTransport
    body: dict[str, Any]
    headers: dict[str, str | None] | None
    parse_json: bool


def _prepare(
    model: ChatCloudflareGrok,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None,
    kwargs: dict[str, Any],
    *,
    stream: bool,
) -> _Call:
    """Body, headers and transport for one call; every check runs here, before sending."""
    run_id, run_metadata = chat_models._run_facts(run_manager, kwargs)
    # Gateway options, stored-key Authorization removal, event id = run id, extra_headers.
    headers = model._call_headers(run_id, run_metadata, kwargs)
    cache_key = kwargs.get("prompt_cache_key") or model.prompt_cache_key
    for name in chat_models._CALL_ONLY_KWARGS:
        kwargs.pop(name, None)
    payload: dict[str, Any] = {**model._default_params, **kwargs, "stream": stream}
    if stop is not None:
        payload["stop"] = stop
    if model.disabled_params:
        payload = model._filter_disabled_params(**payload)
    body, parse_json = build_body(
        payload,
        messages,
        prompt_cache_key=cache_key,
        use_previous_response_id=bool(model.use_previous_response_id),
    )
    transport = model._transport
    return _Call(transport.with_url(responses_url(transport.url)), body, headers, parse_json)


def _generation_info(model: ChatCloudflareGrok, headers: httpx2.Headers) -> dict[str, Any]:
    """Gateway facts (and all headers with `include_response_headers`), as on Chat Completions."""
    return chat_models._gateway_generation_info(
        headers, include_headers=model.include_response_headers
    )


def _result(
    model: ChatCloudflareGrok, call: _Call, data: dict[str, Any], headers: httpx2.Headers
) -> ChatResult:
    _raise_if_failed(call, data, headers)
    info = _generation_info(model, headers)
    return _responses_result.chat_result(data, info, parse_json=call.parse_json)


def _raise_if_failed(call: _Call, data: Mapping[str, Any], headers: httpx2.Headers) -> None:
    """A 200 whose response failed (`status: "failed"`, `error` set) is an error, not a reply."""
    error = data.get("error")
    if not error and data.get("status") != "failed":
        return
    if isinstance(error, Mapping):
        detail = f"{error.get('code') or 'error'}: {error.get('message') or error}"
    else:
        detail = str(error or "no error details")
    response = httpx2.Response(
        200, headers=headers, request=httpx2.Request("POST", call.transport.url)
    )
    message = f"xAI reports the response failed ({detail})"
    raise invalid_response_error(response, message, body=dict(data)) from None


def generate(
    model: ChatCloudflareGrok,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: CallbackManagerForLLMRun | None,
    kwargs: dict[str, Any],
) -> ChatResult:
    """Invoke through `/responses`."""
    call = _prepare(model, messages, stop, run_manager, kwargs, stream=False)
    reply = call.transport.post(call.body, headers=call.headers)
    return _result(model, call, reply.json, reply.headers)


async def agenerate(
    model: ChatCloudflareGrok,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: AsyncCallbackManagerForLLMRun | None,
    kwargs: dict[str, Any],
) -> ChatResult:
    """Async invoke through `/responses`."""
    call = _prepare(model, messages, stop, run_manager, kwargs, stream=False)
    reply = await call.transport.apost(call.body, headers=call.headers)
    return _result(model, call, reply.json, reply.headers)


def stream(
    model: ChatCloudflareGrok,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: CallbackManagerForLLMRun | None,
    kwargs: dict[str, Any],
) -> Iterator[ChatGenerationChunk]:
    """Stream through `/responses`; gateway facts ride on the first chunk only."""
    call = _prepare(model, messages, stop, run_manager, kwargs, stream=True)
    with call.transport.stream(call.body, headers=call.headers, end=RESPONSES_STREAM_END) as events:
        info = _generation_info(model, events.headers)
        reader = EventReader(info, parse_json=call.parse_json)
        for event in events:
            chunk = reader.read(event)
            if chunk is None:
                continue
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


async def astream(
    model: ChatCloudflareGrok,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: AsyncCallbackManagerForLLMRun | None,
    kwargs: dict[str, Any],
) -> AsyncIterator[ChatGenerationChunk]:
    """Async stream through `/responses`."""
    call = _prepare(model, messages, stop, run_manager, kwargs, stream=True)
    async with call.transport.astream(
        call.body, headers=call.headers, end=RESPONSES_STREAM_END
    ) as events:
        info = _generation_info(model, events.headers)
        reader = EventReader(info, parse_json=call.parse_json)
        async for event in events:
            chunk = reader.read(event)
            if chunk is None:
                continue
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk
