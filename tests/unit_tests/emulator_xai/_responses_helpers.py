"""Builders and readers shared by the emulated Responses API unit tests (sockets off)."""

from __future__ import annotations

import json
from typing import Any

from langchain_cfgateway_grok.emulator._xai import (
    ScriptedReply,
    XaiResult,
    XaiSettings,
    XaiStore,
    create_response,
)

NOW = 1_760_000_000.0
KEY = "xai-test-key"
REASONING = "grok-4.3"
PLAIN = "grok-4.20-0309-non-reasoning"


def fn_tool(name: str, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    """A Responses function tool (flat shape)."""
    return {
        "type": "function",
        "name": name,
        "description": f"The {name} tool.",
        "parameters": {"type": "object", "properties": properties or {}},
    }


def body(
    prompt: str | list[dict[str, Any]] = "Hello", *, model: str = REASONING, **extra: Any
) -> dict[str, Any]:
    return {"model": model, "input": prompt, **extra}


def call(
    request: object,
    *,
    store: XaiStore | None = None,
    api_key: str | None = KEY,
    scripted: ScriptedReply | None = None,
    settings: XaiSettings | None = None,
    now: float = NOW,
    **kwargs: Any,
) -> XaiResult:
    return create_response(
        request,
        api_key=api_key,
        store=store if store is not None else XaiStore(),
        scripted=scripted,
        now=now,
        settings=settings or XaiSettings(),
        **kwargs,
    )


def ok(request: object, **kwargs: Any) -> dict[str, Any]:
    """A successful JSON response object (fails loudly otherwise)."""
    result = call(request, **kwargs)
    assert result.status == 200, result.body
    assert result.body is not None
    assert result.chunks is None
    # Every response must survive the gateway's JSON framing.
    return json.loads(json.dumps(result.body))  # type: ignore[no-any-return]


def error(request: object, **kwargs: Any) -> tuple[int, str, str]:
    result = call(request, **kwargs)
    assert result.body is not None
    assert set(result.body) == {"code", "error"}, result.body
    return result.status, result.body["code"], result.body["error"]


def events(request: dict[str, Any], **kwargs: Any) -> list[dict[str, Any]]:
    result = call({**request, "stream": True}, **kwargs)
    assert result.status == 200, result.body
    assert result.body is None
    assert result.chunks is not None
    assert result.sse_event_names
    return [json.loads(json.dumps(chunk)) for chunk in result.chunks]


def items_of(response: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [item for item in response["output"] if item["type"] == kind]


def output_text(response: dict[str, Any]) -> str:
    return "".join(
        part["text"]
        for item in items_of(response, "message")
        for part in item["content"]
        if part["type"] == "output_text"
    )
