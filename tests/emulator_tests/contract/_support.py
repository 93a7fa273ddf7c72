"""Shared constants and tiny helpers for the emulator contract tests."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import httpx2

ACCOUNT = "acct"
GATEWAY = "gw"
#: A current model (xai-api.md §1.6) that does not reason, so answers stay short.
MODEL = "grok-4.20-0309-non-reasoning"
REASONING_MODEL = "grok-4.3"
XAI_KEY = "xai-test-key-0001"
XAI_AUTH = {"authorization": f"Bearer {XAI_KEY}"}
GROK_PATH = f"/v1/{ACCOUNT}/{GATEWAY}/grok/v1/chat/completions"
COMPAT_PATH = f"/v1/{ACCOUNT}/{GATEWAY}/compat/chat/completions"
UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ENVELOPE_KEYS = [
    "success",
    "result",
    "messages",
    "error",
    "name",
    "httpCode",
    "internalCode",
    "message",
    "description",
]


def origin(url: str) -> str:
    """`http://127.0.0.1:PORT` from the emulator's `/v1` root."""
    return url.removesuffix("/v1")


def chat(text: str = "hello", *, model: str = MODEL, **extra: Any) -> dict[str, Any]:
    """A minimal Chat Completions body."""
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


def post(
    url: str,
    path: str = GROK_PATH,
    body: Any = None,
    headers: Mapping[str, str | None] | None = None,
) -> httpx2.Response:
    """POST JSON to the emulator with the xAI key; a header set to None is not sent."""
    merged: dict[str, str | None] = {**XAI_AUTH, **(headers or {})}
    sent = {name: value for name, value in merged.items() if value is not None}
    return httpx2.post(origin(url) + path, json=chat() if body is None else body, headers=sent)


def sse_events(raw: bytes) -> list[bytes]:
    """Split an SSE body into events (each without its blank-line terminator)."""
    assert raw.endswith(b"\n\n"), raw[-40:]
    return raw[:-2].split(b"\n\n")


def sse_json(raw: bytes) -> list[dict[str, Any]]:
    """The JSON payloads of an SSE body, `[DONE]` excluded (asserted last)."""
    events = sse_events(raw)
    assert events[-1] == b"data: [DONE]"
    return [json.loads(event.removeprefix(b"data: ")) for event in events[:-1]]
