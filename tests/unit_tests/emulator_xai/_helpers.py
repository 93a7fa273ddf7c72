"""Request builders and stream readers shared by the emulated-xAI unit tests."""

from __future__ import annotations

import json
from typing import Any

from langchain_cfgateway_grok.emulator._xai import (
    ScriptedReply,
    XaiResult,
    XaiSettings,
    chat_completions,
)

NOW = 1_760_000_000.25
KEY = "xai-test-key"


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def tool(
    name: str, properties: dict[str, Any] | None = None, required: list[str] | None = None
) -> dict[str, Any]:
    parameters: dict[str, Any] = {"type": "object", "properties": properties or {}}
    if required is not None:
        parameters["required"] = required
    return {
        "type": "function",
        "function": {"name": name, "description": f"The {name} tool.", "parameters": parameters},
    }


def body(text: str = "Hello", *, model: str = "grok-4.3", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [user(text)], **extra}


def call(
    request: object,
    *,
    api_key: str | None = KEY,
    scripted: ScriptedReply | None = None,
    settings: XaiSettings | None = None,
    now: float = NOW,
    **kwargs: Any,
) -> XaiResult:
    return chat_completions(
        request,
        api_key=api_key,
        scripted=scripted,
        now=now,
        settings=settings or XaiSettings(),
        **kwargs,
    )


def ok(request: object, **kwargs: Any) -> dict[str, Any]:
    """A successful JSON answer's body (fails loudly otherwise)."""
    result = call(request, **kwargs)
    assert result.status == 200, result.body
    assert result.body is not None
    assert result.chunks is None
    return result.body


def message(request: object, **kwargs: Any) -> dict[str, Any]:
    return ok(request, **kwargs)["choices"][0]["message"]  # type: ignore[no-any-return]


def tool_calls(request: object, **kwargs: Any) -> list[tuple[str, dict[str, Any]]]:
    calls = message(request, **kwargs).get("tool_calls") or []
    return [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls]


def error(request: object, **kwargs: Any) -> tuple[int, str, str]:
    result = call(request, **kwargs)
    assert result.body is not None
    assert set(result.body) == {"code", "error"}, result.body
    return result.status, result.body["code"], result.body["error"]


def stream(request: dict[str, Any], **kwargs: Any) -> list[dict[str, Any]]:
    result = call({**request, "stream": True}, **kwargs)
    assert result.status == 200, result.body
    assert result.body is None
    assert result.chunks is not None
    # Every chunk must survive the gateway's JSON framing.
    return [json.loads(json.dumps(chunk)) for chunk in result.chunks]


def assemble(chunks: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Merge stream deltas per choice index into message-like dicts."""
    merged: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            entry = merged.setdefault(
                choice["index"],
                {"content": "", "reasoning_content": "", "tool_calls": [], "finish_reason": None},
            )
            delta = choice["delta"]
            entry["content"] += delta.get("content") or ""
            entry["reasoning_content"] += delta.get("reasoning_content") or ""
            entry["tool_calls"] += delta.get("tool_calls") or []
            if choice["finish_reason"] is not None:
                entry["finish_reason"] = choice["finish_reason"]
    return merged
