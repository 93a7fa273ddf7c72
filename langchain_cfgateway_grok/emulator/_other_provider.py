"""A minimal non-xAI provider behind a dynamic route: OpenAI-shaped answers, no xAI-only fields.

Cloudflare's dynamic routes may pick any provider (§1.5); a client must then parse the answer as
that provider's and skip Grok-only parsing. The emulator does not model OpenAI or Anthropic. It
asks the emulated xAI for the assistant turn (so scripted replies, tools and structured output
work the same way) and re-renders it through a whitelist as an OpenAI `chat.completion` (or its
chunks): `id`, `object`, `created`, `model` (the route's), `choices` (`message`/`delta` with
`role`, `content`, `refusal`, `tool_calls`), `finish_reason` and `usage` with `prompt_tokens`,
`completion_tokens` and `total_tokens` only. No `reasoning_content`, `cost_in_usd_ticks`,
`citations`, `num_sources_used` or `system_fingerprint`. Errors get OpenAI's error shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_cfgateway_grok.emulator import _upstream, _xai

#: The emulated xAI model that writes the turn (its reasoning is dropped from the answer).
ENGINE_MODEL = "grok-4.3"
#: The key the stand-in passes to the emulated xAI: the provider's own key check is not modelled.
_ENGINE_KEY = "emulated-other-provider"


def chat(
    body: Any,
    *,
    model: str,
    scripted: _xai.ScriptedReply | None,
    now: float,
    content_type: str | None,
    settings: _xai.XaiSettings,
) -> _upstream.UpstreamAnswer:
    """One chat completion from the route's provider, model `model`, in OpenAI's shape.

    The provider's own key check is not modelled: dynamic routing requires keys stored in the
    gateway (BYOK, §1.5), so the stand-in answers as if the route's provider key were stored,
    whatever credential the request carries.
    """
    engine_body = {**body, "model": ENGINE_MODEL} if isinstance(body, dict) else body
    answer = _upstream.chat(
        engine_body,
        api_key=_ENGINE_KEY,
        accepted_keys=None,
        scripted=scripted,
        now=now,
        content_type=content_type,
        settings=settings,
    )
    return openai_shaped(answer, model=model)


def openai_shaped(answer: _upstream.UpstreamAnswer, *, model: str) -> _upstream.UpstreamAnswer:
    """Re-render an emulated-xAI answer as an OpenAI provider's answer for `model`."""
    if answer.chunks is not None:
        chunks = [_chunk(chunk, model) for chunk in answer.chunks]
        kept = tuple(chunk for chunk in chunks if chunk is not None)
        return _upstream.UpstreamAnswer(
            status=answer.status,
            body=b"",
            content_type="text/event-stream",
            chunks=kept,
            source=answer.source,
        )
    if answer.status == 200 and isinstance(answer.json_body, Mapping):
        return _upstream.raw(200, _completion(answer.json_body, model), None, answer.source)
    message = _error_text(answer.json_body) or f"Upstream error (HTTP {answer.status})."
    kind = "server_error" if answer.status >= 500 else "invalid_request_error"
    return _upstream.raw(answer.status, _error_body(message, kind), None, answer.source)


def _error_body(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def _error_text(body: Any) -> str | None:
    if not isinstance(body, Mapping):
        return None
    error = body.get("error")
    if isinstance(error, str):
        return error
    if isinstance(error, Mapping) and isinstance(error.get("message"), str):
        return str(error["message"])
    return None


def _usage(usage: Any) -> dict[str, int] | None:
    if not isinstance(usage, Mapping):
        return None
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _tool_calls(calls: Any, *, with_index: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for call in calls if isinstance(calls, list) else ():
        if not isinstance(call, Mapping):
            continue
        kept: dict[str, Any] = {}
        if with_index and "index" in call:
            kept["index"] = call["index"]
        for key in ("id", "type"):
            if key in call:
                kept[key] = call[key]
        function = call.get("function")
        if isinstance(function, Mapping):
            kept["function"] = {k: function[k] for k in ("name", "arguments") if k in function}
        out.append(kept)
    return out


def _completion(body: Mapping[str, Any], model: str) -> dict[str, Any]:
    choices = []
    for choice in body.get("choices") or ():
        wire = choice.get("message") or {}
        message: dict[str, Any] = {
            "role": "assistant",
            "content": wire.get("content"),
            "refusal": None,
        }
        if wire.get("tool_calls"):
            message["tool_calls"] = _tool_calls(wire["tool_calls"], with_index=False)
        choices.append(
            {
                "index": choice.get("index", 0),
                "message": message,
                "logprobs": None,
                "finish_reason": choice.get("finish_reason"),
            }
        )
    completion: dict[str, Any] = {
        "id": body.get("id"),
        "object": "chat.completion",
        "created": body.get("created"),
        "model": model,
        "choices": choices,
    }
    usage = _usage(body.get("usage"))
    if usage is not None:
        completion["usage"] = usage
    return completion


def _chunk(chunk: Mapping[str, Any], model: str) -> dict[str, Any] | None:
    """The OpenAI chunk for an xAI chunk; None when nothing is left (a reasoning-only delta)."""
    choices = []
    for choice in chunk.get("choices") or ():
        wire = choice.get("delta") or {}
        delta: dict[str, Any] = {k: wire[k] for k in ("role", "content") if k in wire}
        if wire.get("tool_calls"):
            delta["tool_calls"] = _tool_calls(wire["tool_calls"], with_index=True)
        finish = choice.get("finish_reason")
        if not delta and finish is None:
            continue
        choices.append(
            {
                "index": choice.get("index", 0),
                "delta": delta,
                "logprobs": None,
                "finish_reason": finish,
            }
        )
    usage = _usage(chunk.get("usage"))
    if not choices and usage is None:
        return None
    out: dict[str, Any] = {
        "id": chunk.get("id"),
        "object": "chat.completion.chunk",
        "created": chunk.get("created"),
        "model": model,
        "choices": choices,
    }
    if usage is not None:
        out["usage"] = usage
    return out
