"""`POST /v1/chat/completions` of the emulated xAI: validate, decide, count, render."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection

from langchain_cfgateway_grok.emulator._xai import errors
from langchain_cfgateway_grok.emulator._xai.policy import decide
from langchain_cfgateway_grok.emulator._xai.render import (
    Envelope,
    completion_id,
    render_chunks,
    render_completion,
    system_fingerprint,
)
from langchain_cfgateway_grok.emulator._xai.result import XaiResult
from langchain_cfgateway_grok.emulator._xai.scripted import ScriptedReply, scripted_turn
from langchain_cfgateway_grok.emulator._xai.settings import XaiSettings
from langchain_cfgateway_grok.emulator._xai.store import XaiStore, owner_of
from langchain_cfgateway_grok.emulator._xai.tokens import cache_text, count_prompt
from langchain_cfgateway_grok.emulator._xai.usage import build_usage, output_tokens
from langchain_cfgateway_grok.emulator._xai.validate import (
    check_credentials,
    decode_body,
    parse_request,
)

_DEFAULT_SETTINGS = XaiSettings()


def _seed(body: object, now: float) -> str:
    try:
        text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=repr)
    except ValueError:  # circular structures cannot come from JSON; be safe anyway
        text = repr(body)
    return f"{now!r}:{text}"


def chat_completions(
    body: object,
    *,
    api_key: str | None,
    accepted_keys: Collection[str] | None = None,
    scripted: ScriptedReply | None = None,
    now: float,
    settings: XaiSettings = _DEFAULT_SETTINGS,
    content_type: str | None = "application/json",
    completion_id_override: str | None = None,
    store: XaiStore | None = None,
    conversation_id: str | None = None,
) -> XaiResult:
    """Answer a Chat Completions request as xAI would.

    Args:
        body: The request body: parsed JSON (any JSON value), or the raw bytes.
        api_key: Bearer token from `Authorization` (or the gateway's stored key); None if absent.
        accepted_keys: None = any non-empty key; else other keys get xAI's 400.
        scripted: A scripted turn replacing the emulated model's (validation still applies).
        now: Epoch seconds from the emulator's clock (`created`, and the id's seed).
        settings: Switches for Unconfirmed behaviour.
        content_type: The request's `Content-Type` (None when absent → 415).
        completion_id_override: Use this `id` instead of one derived from `now` and the body.
        store: The emulated xAI's memory; its prompt cache answers `cached_tokens`.
        conversation_id: The `x-grok-conv-id` header: requests with the same id share a prompt
            cache (none without it).

    Returns:
        The status with a JSON body, or with the stream's chunks for `stream: true`.
    """
    try:
        check_credentials(api_key, accepted_keys)
        decoded = decode_body(body, content_type)
        request = parse_request(decoded, settings)
        prompt = count_prompt(request)
        limit = settings.context_window_override or request.resolution.spec.context_window
        if prompt.total > limit:
            raise errors.context_too_long(limit, prompt.total)
    except errors.XaiError as e:
        return XaiResult(e.status, body=e.body())

    cached = 0
    if store is not None and api_key:
        cached = store.cached_tokens(owner_of(api_key), conversation_id, cache_text(request))
    turn = scripted_turn(scripted) if scripted is not None else decide(request)
    completion, reasoning = output_tokens(turn)
    if scripted is None and not settings.emit_reasoning_content:
        turn = dataclasses.replace(turn, reasoning=None)  # counted, not shown
    turns = [turn] * request.n
    usage = build_usage(
        request.resolution.spec,
        prompt,
        completion_tokens=completion * request.n,
        reasoning_tokens=reasoning * request.n,
        sources=len(turn.citations),
        cached_tokens=cached,
        overrides=turn.usage_overrides,
    )
    envelope = Envelope(
        id=completion_id_override or completion_id(_seed(decoded, now)),
        created=int(now),
        model=request.reported_model,
        system_fingerprint=system_fingerprint(request.resolution.spec.id),
    )
    if request.stream:
        return XaiResult(
            200,
            chunks=render_chunks(
                envelope,
                turns,
                usage,
                include_usage=request.include_usage,
                role_every_delta=settings.role_in_every_delta,
            ),
        )
    return XaiResult(200, body=render_completion(envelope, turns, usage))


def retired_endpoint(path: str, *, settings: XaiSettings = _DEFAULT_SETTINGS) -> XaiResult:
    """How xAI answers a retired endpoint such as `/v1/messages` (xai-api.md §1.1).

    Args:
        path: The request path.
        settings: `retired_endpoint_status` picks 410 Gone (default) or 404.

    Returns:
        The error answer.
    """
    error = errors.retired_endpoint(path, settings.retired_endpoint_status)
    return XaiResult(error.status, body=error.body())
