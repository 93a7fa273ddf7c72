"""Rendering an assistant turn as xAI's `chat.completion` or its `chat.completion.chunk` stream.

JSON (xai-api.md §1.3): `id`, `object`, `created`, `model`, `choices[{index, message{role,
content, reasoning_content?, tool_calls?, refusal}, finish_reason}]`, `usage`,
`system_fingerprint`, and `citations` when there are any.

Stream (xai-api.md §1.4), per choice: `reasoning_content` deltas first, then content deltas (word
by word, at most 16 characters each), then all tool calls whole in one chunk, then a finish chunk
with an empty delta and the `finish_reason`. Content-bearing deltas carry `role: "assistant"`, as
recorded xAI streams do. With `stream_options.include_usage` every chunk has `usage: null` and a
final chunk with `choices: []` carries the usage; without it no chunk has a `usage` key.
Citations ride on the first content (or tool-call, else finish) chunk and again on the usage chunk.
The gateway frames each chunk as `data: <json>` and appends `data: [DONE]`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_cfgateway_grok.emulator._xai.reply import AssistantTurn

MAX_PIECE_CHARS = 16
_PIECES = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Envelope:
    """Fields every completion object and chunk shares."""

    id: str
    created: int
    model: str
    system_fingerprint: str


def completion_id(seed: str) -> str:
    """A UUID-shaped id derived from `seed` (xAI ids are UUIDs, xai-api.md §1.4)."""
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def system_fingerprint(model_id: str) -> str:
    """A stable `fp_<10 hex>` per model."""
    return "fp_" + hashlib.sha256(model_id.encode("utf-8")).hexdigest()[:10]


def tool_call_id(completion: str, choice: int, index: int) -> str:
    """A `call_<8 digits>` id, stable for a completion, choice and position."""
    digest = hashlib.sha256(f"{completion}:{choice}:{index}".encode()).hexdigest()
    return f"call_{int(digest[:12], 16) % 10**8:08d}"


def split_text(text: str) -> list[str]:
    """Stream pieces: words with their trailing space, long words cut at 16 characters."""
    pieces: list[str] = []
    for piece in _PIECES.findall(text):
        pieces.extend(piece[i : i + MAX_PIECE_CHARS] for i in range(0, len(piece), MAX_PIECE_CHARS))
    return pieces


def _tool_calls(envelope: Envelope, turn: AssistantTurn, choice: int) -> list[dict[str, Any]]:
    return [
        {
            "id": call.id or tool_call_id(envelope.id, choice, index),
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments},
            "index": index,
        }
        for index, call in enumerate(turn.tool_calls)
    ]


def _message(envelope: Envelope, turn: AssistantTurn, choice: int) -> dict[str, Any]:
    content = turn.text if turn.text is not None else (None if turn.tool_calls else "")
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if turn.reasoning is not None:
        message["reasoning_content"] = turn.reasoning
    if turn.tool_calls:
        message["tool_calls"] = _tool_calls(envelope, turn, choice)
    message["refusal"] = None
    return message


def render_completion(
    envelope: Envelope, turns: Sequence[AssistantTurn], usage: dict[str, Any]
) -> dict[str, Any]:
    """The `chat.completion` object, one choice per turn."""
    body: dict[str, Any] = {
        "id": envelope.id,
        "object": "chat.completion",
        "created": envelope.created,
        "model": envelope.model,
        "choices": [
            {
                "index": i,
                "message": _message(envelope, turn, i),
                "finish_reason": turn.finish_reason,
            }
            for i, turn in enumerate(turns)
        ],
        "usage": usage,
        "system_fingerprint": envelope.system_fingerprint,
    }
    if turns and turns[0].citations:
        body["citations"] = list(turns[0].citations)
    return body


def _chunk(
    envelope: Envelope, choices: list[dict[str, Any]], include_usage: bool
) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        "id": envelope.id,
        "object": "chat.completion.chunk",
        "created": envelope.created,
        "model": envelope.model,
        "choices": choices,
        "system_fingerprint": envelope.system_fingerprint,
    }
    if include_usage:
        chunk["usage"] = None
    return chunk


def _choice_chunks(
    envelope: Envelope, turn: AssistantTurn, index: int, include_usage: bool, role_every_delta: bool
) -> list[dict[str, Any]]:
    deltas: list[dict[str, Any]] = [
        {"reasoning_content": p} for p in split_text(turn.reasoning or "")
    ]
    content: list[dict[str, Any]] = [{"content": p} for p in split_text(turn.text or "")]
    if turn.tool_calls:
        content.append({"tool_calls": _tool_calls(envelope, turn, index)})
    deltas += content
    finish: dict[str, Any] = {}
    for position, delta in enumerate([*deltas, finish]):
        if position == 0 or (role_every_delta and delta is not finish):
            delta["role"] = "assistant"
    chunks = [
        _chunk(envelope, [{"index": index, "delta": d, "finish_reason": None}], include_usage)
        for d in deltas
    ]
    chunks.append(
        _chunk(
            envelope,
            [{"index": index, "delta": finish, "finish_reason": turn.finish_reason}],
            include_usage,
        )
    )
    if turn.citations and index == 0:
        first_content = len(deltas) - len(content)
        chunks[first_content]["citations"] = list(turn.citations)
    return chunks


def render_chunks(
    envelope: Envelope,
    turns: Sequence[AssistantTurn],
    usage: dict[str, Any],
    *,
    include_usage: bool,
    role_every_delta: bool = False,
) -> list[dict[str, Any]]:
    """The `chat.completion.chunk` objects in order (without SSE framing).

    Args:
        envelope: Shared fields.
        turns: One assistant turn per choice.
        usage: The usage object (sent last when `include_usage`).
        include_usage: `stream_options.include_usage`.
        role_every_delta: Repeat `role` on every non-final delta (`XaiSettings`).

    Returns:
        The chunks.
    """
    chunks: list[dict[str, Any]] = []
    for index, turn in enumerate(turns):
        chunks.extend(_choice_chunks(envelope, turn, index, include_usage, role_every_delta))
    if include_usage:
        final = _chunk(envelope, [], include_usage=False)
        final["usage"] = usage
        if turns and turns[0].citations:
            final["citations"] = list(turns[0].citations)
        chunks.append(final)
    return chunks
