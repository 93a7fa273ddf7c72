r"""Data-only server-sent events, decoded fast: the per-chunk hot path of every stream.

xAI (and the gateway in front of it) stream chat completions as `data: {json}\n\n` events
ending with `data: [DONE]` (xai-api.md §1.4). `SseDecoder` turns raw body bytes into the `data`
payloads of complete events; `parse_json` turns one payload into a dict. Both are pure.

Why not httpx2's `iter_lines` or `httpx2.EventSource`: they decode to text, split lines and build an
event object per line in Python, about 3 µs per chunk above `json.loads`. Here one event that
arrives as one network chunk (the common case) costs one `find` and one slice, and JSON is parsed
with the C scanner (`raw_decode`), which skips `json.loads`' wrapper (about 1 µs per chunk).

Also here: `chunks_from_completion`, which turns one buffered chat completion (what Guardrails
returns for a `stream=True` request) into the chunk sequence a stream would have carried, and
`EventStreamEnd`, how a stream of typed events (xAI's Responses API: `event:` lines, no
`[DONE]`) ends instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DONE",
    "ErrorEventData",
    "EventStreamEnd",
    "SseDecoder",
    "chunks_from_completion",
    "parse_json",
]

DONE = b"[DONE]"
"""The payload that ends an OpenAI-style stream."""

_raw_decode = json.JSONDecoder().raw_decode


class ErrorEventData(bytes):
    """The payload of an event named `error` (`event: error`): the stream must raise on it."""

    __slots__ = ()


class SseDecoder:
    r"""Incremental SSE decoder: feed body bytes, get the `data` payloads of complete events.

    Follows the WHATWG rules that matter for data-only streams: lines end with `\n`, `\r\n` or
    `\r` (also when split across reads); a blank line ends an event; several `data:` lines join
    with `\n`; one space after the colon is dropped; `:` lines are comments (keep-alives);
    `id`/`retry` and unknown fields are ignored; `event: error` marks the payload as an
    `ErrorEventData`. At end of body, `flush` returns an event left without its blank line
    (lenient, so a final `data: [DONE]` without `\n\n` still counts).
    """

    __slots__ = ("_buffer", "_data", "_error_event", "_idle", "_pending_cr")

    def __init__(self) -> None:
        self._buffer = b""  # an incomplete line carried to the next read
        self._data: list[bytes] = []  # `data` lines of the event being read
        self._error_event = False
        self._pending_cr = False  # the last read ended with "\r": maybe half of "\r\n"
        self._idle = True  # between events, nothing carried over: the fast path may run

    def feed(self, chunk: bytes) -> list[bytes]:
        """Payloads of the events completed by `chunk` (often exactly one)."""
        # Fast path: the read is exactly one complete one-line event, "data: ...\n\n".
        # (`find` is memchr; `in` on bytes is about twice as slow.)
        if (
            self._idle
            and chunk.find(b"\n") == len(chunk) - 2
            and chunk[-1] == 10  # "\n"
            and chunk.startswith(b"data: ")
            and chunk.find(b"\r") < 0
        ):
            return [chunk[6:-2]]
        events = self._feed_lines(chunk)
        self._idle = not (self._buffer or self._data or self._pending_cr or self._error_event)
        return events

    def flush(self) -> list[bytes]:
        """Payload of an event the body ended inside of, if any (call once, at end of body)."""
        events = self._feed_lines(b"\n") if self._buffer else []
        if self._data:
            events.append(self._dispatch())
        self._pending_cr = False
        self._error_event = False
        self._idle = True
        return events

    def _feed_lines(self, chunk: bytes) -> list[bytes]:
        if self._pending_cr:
            self._pending_cr = False
            if chunk[:1] == b"\n":  # the "\n" of a "\r\n" split across reads
                chunk = chunk[1:]
        if b"\r" in chunk:
            if chunk[-1:] == b"\r":
                self._pending_cr = True
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if self._buffer:
            chunk = self._buffer + chunk
        end = chunk.rfind(b"\n")
        if end < 0:
            self._buffer = chunk
            return []
        self._buffer = chunk[end + 1 :]
        events: list[bytes] = []
        for line in chunk[:end].split(b"\n"):
            self._line(line, events)
        return events

    def _line(self, line: bytes, events: list[bytes]) -> None:
        if not line:  # a blank line ends the event
            if self._data:
                events.append(self._dispatch())
            else:
                self._error_event = False
        elif line[:5] == b"data:":
            self._data.append(line[6:] if line[5:6] == b" " else line[5:])
        elif line[:6] == b"event:":
            self._error_event = line[6:].strip() == b"error"
        elif line == b"data":  # a field name alone is the field with an empty value
            self._data.append(b"")
        # ":" comments (keep-alives), id:, retry: and unknown fields carry nothing for us.

    def _dispatch(self) -> bytes:
        data = self._data[0] if len(self._data) == 1 else b"\n".join(self._data)
        self._data = []
        if self._error_event:
            self._error_event = False
            return ErrorEventData(data)
        return data


@dataclass(frozen=True)
class EventStreamEnd:
    """How a stream of typed JSON events (`{"type": ..., ...}`) ends, in place of `[DONE]`.

    xAI's Responses API streams `event: <type>` / `data: {"type": <type>, ...}` pairs and ends
    with a terminal event and the end of the body (no `data: [DONE]`). A stream read with an
    `EventStreamEnd` is complete only once one of `done` arrived; a body that ends before it
    (or a `[DONE]` before it) is an incomplete stream, and an event of a `failed` type is an
    error.

    Attributes:
        name: The terminal events as error messages name them, e.g. "`response.completed`".
        done: Event types that end the stream normally (the last event read).
        failed: Event types that report a failure (raised as a typed mid-stream error).
        replay: The events a JSON object stands for when the server answered the stream
            request with one JSON body instead (e.g. a buffered answer); None when the object
            does not stand for a stream.
    """

    name: str
    done: frozenset[str]
    failed: frozenset[str]
    replay: Callable[[dict[str, Any]], list[dict[str, Any]] | None]


def parse_json(data: bytes) -> Any:
    """Decode one JSON payload; ValueError (incl. UnicodeDecodeError) if it is not valid JSON."""
    text = data.decode()
    try:
        value, end = _raw_decode(text)
    except ValueError:
        pass  # leading whitespace or invalid: json.loads tells which, with a position
    else:
        if end == len(text):
            return value
    return json.loads(text)


def chunks_from_completion(completion: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The stream chunks equivalent to one buffered chat completion.

    One chunk per choice carries the whole message as its `delta` (content, reasoning_content,
    tool_calls with their `index`, refusal, ...) with the choice's `finish_reason` and `logprobs`;
    a last chunk with no choices carries `usage`, as `stream_options.include_usage` would. Every
    other top-level field (`id`, `model`, `created`, `system_fingerprint`, `citations` ...) is kept
    on each chunk.
    """
    common = {
        key: value for key, value in completion.items() if key not in ("choices", "usage", "object")
    }
    common["object"] = "chat.completion.chunk"
    chunks: list[dict[str, Any]] = []
    for position, choice in enumerate(completion.get("choices") or ()):
        message = dict(choice.get("message") or {})
        if tool_calls := message.get("tool_calls"):
            message["tool_calls"] = [
                {"index": index, **call} if "index" not in call else call
                for index, call in enumerate(tool_calls)
            ]
        chunk_choice: dict[str, Any] = {
            "index": choice.get("index", position),
            "delta": message,
            "finish_reason": choice.get("finish_reason"),
        }
        if "logprobs" in choice:
            chunk_choice["logprobs"] = choice["logprobs"]
        chunks.append({**common, "choices": [chunk_choice], "usage": None})
    if (usage := completion.get("usage")) is not None:
        chunks.append({**common, "choices": [], "usage": usage})
    return chunks
