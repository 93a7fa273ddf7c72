"""Rendering a Responses turn: output items and the `response` object.

Shapes and sources (docs/emulator-xai.md, "Responses API", lists them with their Unconfirmed
parts):

- Response object: the field set of xAI's 2026 recording (vercel/ai fixture
  `xai-13218-web-search-provider-tool-result.1.chunks.txt`): `created_at`, `completed_at`, `id` (a
  UUID), `max_output_tokens`, `model`, `object: "response"`, `output`, `parallel_tool_calls`,
  `previous_response_id`, `reasoning {effort, summary}` (as requested, else null), `temperature`,
  `text {format}`, `tool_choice`, `tools`, `top_p`, `usage`, `user`, `incomplete_details`,
  `status`, `store`, `metadata` (with `system_fingerprint`), `background`, `service_tier`,
  `truncation`, `top_logprobs`, `presence_penalty`, `frequency_penalty`, `prompt_cache_key`,
  `max_tool_calls`, `safety_identifier`, `error`, `instructions`; plus top-level `citations`
  (switch). Types: openai `Response`.
- `reasoning`: `{id: "rs_<response id>", summary: [{type: "summary_text", text}], type,
  status, encrypted_content?}` (recordings `xai-text-with-reasoning-streaming*`; openai
  `ResponseReasoningItem`).
- `message`: `{id: "msg_<response id>", type, role: "assistant", status, content: [{type:
  "output_text", text, logprobs: [], annotations: [url_citation...]}]}` (recordings; openai
  `ResponseOutputMessage`). `url_citation`: `{type, url, start_index, end_index, title}` with the
  URL as title (2026 recording; openai `AnnotationURLCitation`).
- `function_call`: `{id: "fc_<response id>_<n>", type, call_id: "call_<8 digits>", name,
  arguments, status}` (openai `ResponseFunctionToolCall`; xAI's ids Unconfirmed).
- `web_search_call` / `x_search_call`: `{id, type, status, action: {type: "search", query,
  sources: [{type: "url", url}]}}` (2026 recording; openai `ResponseFunctionWebSearch`) plus, with
  the legacy switch, `name`, `arguments`, `call_id: ""` (2025 recordings). `code_interpreter_call`:
  `{id, type, status, code, container_id, outputs: [{type: "logs", logs}]}` (openai
  `ResponseCodeInterpreterToolCall`) plus the legacy fields (2025 recording: `name:
  "code_execution"`, `arguments: {"code"}`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from langchain_cfgateway_grok.emulator._xai.render import tool_call_id
from langchain_cfgateway_grok.emulator._xai.responses.model import ResponsesTurn
from langchain_cfgateway_grok.emulator._xai.responses.request import ResponsesRequest
from langchain_cfgateway_grok.emulator._xai.responses.sealed import seal
from langchain_cfgateway_grok.emulator._xai.responses.server_tools import ServerCall
from langchain_cfgateway_grok.emulator._xai.responses.validate import SUMMARY_MODES
from langchain_cfgateway_grok.emulator._xai.settings import XaiSettings

_SERVER_ID_PREFIX = {"web_search": "ws", "x_search": "xs", "code_interpreter": "ci"}


@dataclass(frozen=True)
class ResponseIds:
    """Ids of one response and its items, all derived from the response id."""

    response: str

    @property
    def message(self) -> str:
        """The message item id."""
        return f"msg_{self.response}"

    @property
    def reasoning(self) -> str:
        """The reasoning item id."""
        return f"rs_{self.response}"

    def function(self, index: int) -> str:
        """The id of the `index`-th function call item."""
        return f"fc_{self.response}_{index}"

    def call_id(self, index: int) -> str:
        """The `call_id` of the `index`-th function call (Chat Completions' `call_<8 digits>`)."""
        return tool_call_id(self.response, 0, index)

    def server(self, kind: str, index: int) -> str:
        """The id of the `index`-th server-side call item (`ws_`, `xs_`, `ci_` prefixes)."""
        return f"{_SERVER_ID_PREFIX[kind]}_{self.response}_call-{index}"


def _reasoning_item(
    ids: ResponseIds,
    turn: ResponsesTurn,
    request: ResponsesRequest,
    settings: XaiSettings,
    secret: bytes,
) -> dict[str, Any]:
    text = turn.reasoning or ""
    summarise = request.summary in SUMMARY_MODES or settings.responses_summary_by_default
    item: dict[str, Any] = {
        "id": ids.reasoning,
        "summary": [{"type": "summary_text", "text": text}] if summarise else [],
        "type": "reasoning",
        "status": "completed",
    }
    if request.include_encrypted:
        payload = {
            "v": 1,
            "response_id": ids.response,
            "item_id": ids.reasoning,
            "model": request.resolution.spec.id,
            "text": text,
        }
        item["encrypted_content"] = seal(secret, payload)
    return item


def server_call_item(
    ids: ResponseIds, call: ServerCall, index: int, settings: XaiSettings
) -> dict[str, Any]:
    """A completed server-side call item."""
    item: dict[str, Any] = {
        "id": ids.server(call.kind, index),
        "type": f"{call.kind}_call",
        "status": "completed",
    }
    if call.kind == "code_interpreter":
        item["code"] = call.code
        item["container_id"] = f"cntr_{ids.response}"
        item["outputs"] = [{"type": "logs", "logs": call.output}]
    else:
        item["action"] = {
            "type": "search",
            "query": call.query,
            "sources": [{"type": "url", "url": url} for url in call.sources],
        }
    if settings.responses_server_tool_legacy_fields:
        item.update(name=call.legacy_name, arguments=call.legacy_arguments, call_id="")
    return item


def _message_item(ids: ResponseIds, turn: ResponsesTurn, settings: XaiSettings) -> dict[str, Any]:
    zero = settings.responses_citation_offsets == "zero"
    annotations = [
        {
            "type": "url_citation",
            "url": c.url,
            "start_index": 0 if zero else c.start,
            "end_index": 0 if zero else c.end,
            "title": c.url,
        }
        for c in turn.citations
    ]
    return {
        "id": ids.message,
        "type": "message",
        "role": "assistant",
        "status": "incomplete" if turn.incomplete else "completed",
        "content": [
            {
                "type": "output_text",
                "text": turn.text or "",
                "logprobs": [],
                "annotations": annotations,
            }
        ],
    }


def output_items(
    ids: ResponseIds,
    turn: ResponsesTurn,
    request: ResponsesRequest,
    settings: XaiSettings,
    secret: bytes,
) -> list[dict[str, Any]]:
    """The `output` array: reasoning, server-side calls, function calls, then the message."""
    items: list[dict[str, Any]] = []
    if turn.reasoning is not None:
        items.append(_reasoning_item(ids, turn, request, settings, secret))
    items += [server_call_item(ids, call, i, settings) for i, call in enumerate(turn.server_calls)]
    for index, call in enumerate(turn.function_calls):
        items.append(
            {
                "id": ids.function(index),
                "type": "function_call",
                "call_id": call.id or ids.call_id(index),
                "name": call.name,
                "arguments": call.arguments,
                "status": "completed",
            }
        )
    if turn.text is not None:
        items.append(_message_item(ids, turn, settings))
    return items


def system_fingerprint(model_id: str) -> str:
    """A stable `fp_<16 hex>` per model (the 2026 recording's length)."""
    return "fp_" + hashlib.sha256(model_id.encode("utf-8")).hexdigest()[:16]


def response_object(
    ids: ResponseIds,
    request: ResponsesRequest,
    *,
    created_at: int,
    output: list[dict[str, Any]],
    usage: Mapping[str, Any],
    incomplete: bool,
    sources: tuple[str, ...],
    settings: XaiSettings,
) -> dict[str, Any]:
    """The finished `response` object."""
    body: dict[str, Any] = {
        "created_at": created_at,
        "completed_at": created_at,
        "id": ids.response,
        "max_output_tokens": request.max_output_tokens,
        "model": request.reported_model,
        "object": "response",
        "output": output,
        "parallel_tool_calls": request.parallel_tool_calls,
        "previous_response_id": request.previous_response_id,
        "reasoning": {"effort": request.requested_effort, "summary": request.summary},
        "temperature": request.temperature,
        "text": dict(request.text_echo),
        "tool_choice": request.tool_choice_echo,
        "tools": [dict(tool) for tool in request.tools_echo],
        "top_p": request.top_p,
        "usage": dict(usage),
        "user": request.user,
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
        "status": "incomplete" if incomplete else "completed",
        "store": request.store,
        "metadata": {
            **request.metadata,
            "system_fingerprint": system_fingerprint(request.resolution.spec.id),
        },
        "background": False,
        "service_tier": "default",
        "truncation": "disabled",
        "top_logprobs": 0,
        "presence_penalty": 0,
        "frequency_penalty": 0,
        "prompt_cache_key": request.prompt_cache_key,
        "max_tool_calls": None,
        "safety_identifier": None,
        "error": None,
        "instructions": request.instructions,
    }
    if settings.responses_top_level_citations:
        body["citations"] = list(sources)
    return body
