"""The HTTP hot path: one POST to the chat completions URL, retried like the openai SDK.

`ChatTransport` sends pre-serialized JSON over shared httpx2 clients and returns plain dicts (no
pydantic or openai objects per response or per chunk). It keeps the SDK's behaviour where users
can see it: the retry policy (copied below, function by function), the timeouts, and exceptions of
the SDK's classes (see `_errors.py`).

Shared clients: one `httpx2.Client` per (timeout, proxy, limits, verify) for the process, and one
`httpx2.AsyncClient` per such key *and event loop*; a loop's clients close when the loop shuts
down its async generators (what `asyncio.run` and pytest-asyncio do), so successive
`asyncio.run` calls and loops in several threads each get working connections and leak none.
Clients passed in by the user are used as given and never closed here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import random
import ssl
import threading
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

import anyio
import anyio.lowlevel
import httpx2

from langchain_cfgateway_grok._compat import is_legacy_httpx_client, request_errors, timeout_errors
from langchain_cfgateway_grok._errors import (
    LOG_ID_HEADER,
    SPEND_LIMIT_CODE,
    CloudflareGrokTimeoutError,
    IncompleteStreamError,
    MalformedStreamError,
    body_excerpt,
    error_from_response,
    error_from_stream_event,
    error_from_transport,
    gateway_code_of,
    invalid_response_error,
    stream_error,
)
from langchain_cfgateway_grok._sse import (
    DONE,
    EventStreamEnd,
    SseDecoder,
    chunks_from_completion,
    parse_json,
)
from langchain_cfgateway_grok._version import __version__

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "AsyncSseStream",
    "ChatTransport",
    "JsonReply",
    "SseStream",
    "encode_body",
    "parse_retry_after",
    "retry_delay",
    "should_retry",
]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
_Buffered = list[dict[str, Any]] | bytes | None
"""A stream's body when it was read up front: chunks to replay, or SSE bytes; None if streaming."""

# -- the openai SDK's retry policy (openai 3.57 `_constants.py` / `_base_client.py`) ------------

DEFAULT_TIMEOUT = httpx2.Timeout(timeout=600, connect=5.0)
"""The openai SDK's default client timeout (`_constants.DEFAULT_TIMEOUT`): 10 min, connect 5 s."""
DEFAULT_LIMITS = httpx2.Limits(max_connections=1000, max_keepalive_connections=20)
"""Pool limits of the shared clients: the SDK's 1,000 connections, httpx2's 20 idle ones.

The SDK keeps 100 idle connections (`_constants.DEFAULT_CONNECTION_LIMITS`), but httpcore2's pool
checks every idle connection each time it assigns a request, so 100 idle connections cost about
30 % of the calls/s of 100 concurrent `ainvoke` on loopback (measured: 870 vs 1,290 calls/s).
Idle connections close after 5 s anyway (`keepalive_expiry`). Pass `limits=` to change it.
"""
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER_DELAY = 2 * 60  # server-directed delays are honoured up to two minutes


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds the server asked us to wait, or None (mirrors `_parse_retry_after_header`).

    `retry-after-ms` first, then `retry-after` as (possibly fractional) seconds, then as an HTTP
    date. A numeric overflow is an excessive delay, not a malformed value.
    """
    if headers is None:
        return None
    for header, divisor in (("retry-after-ms", 1000), ("retry-after", 1)):
        value = headers.get(header)
        if value is None:
            continue
        try:
            delay = float(value)
        except ValueError:
            continue
        if delay == math.inf and value.strip().lower() not in (
            "inf",
            "+inf",
            "infinity",
            "+infinity",
        ):
            return MAX_RETRY_AFTER_DELAY + 1
        return delay / divisor

    import email.utils  # rarely needed: keep it off the import path

    retry_header = headers.get("retry-after")
    try:
        retry_date_tuple = email.utils.parsedate_tz(retry_header)
        if retry_date_tuple is None:
            return None
        retry_date = email.utils.mktime_tz(retry_date_tuple)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return float(retry_date - time.time())


def should_retry(response: httpx2.Response) -> bool:
    """Whether an error response (body read) is worth another attempt.

    Mirrors `BaseClient._should_retry`: never when `Retry-After` exceeds two minutes; else
    `x-should-retry: true|false` decides; else 408, 409, 429 and every 5xx are retried. One
    addition: a gateway spend-limit 429 (code 2041) is never retried, it cannot succeed until the
    budget window passes.
    """
    if response.status_code == 429 and gateway_code_of(response) == SPEND_LIMIT_CODE:
        return False
    headers = response.headers
    retry_after = parse_retry_after(headers)
    if (
        retry_after is not None
        and math.isfinite(retry_after)
        and retry_after > MAX_RETRY_AFTER_DELAY
    ):
        logger.debug(
            "Not retrying: Retry-After of %s s exceeds %s s", retry_after, MAX_RETRY_AFTER_DELAY
        )
        return False
    should_retry_header = headers.get("x-should-retry")
    if should_retry_header == "true":
        return True
    if should_retry_header == "false":
        return False
    status = response.status_code
    return status in (408, 409, 429) or status >= 500


def retry_delay(
    retries_taken: int,
    headers: Mapping[str, str] | None,
    *,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds before retry number `retries_taken + 1` (mirrors `_calculate_retry_timeout`).

    A server-directed delay in (0, 120] s wins; else 0.5 s * 2**retries_taken, at most 8 s, minus
    up to 25 % jitter.
    """
    retry_after = parse_retry_after(headers)
    if (
        retry_after is not None
        and math.isfinite(retry_after)
        and 0 < retry_after <= MAX_RETRY_AFTER_DELAY
    ):
        return retry_after
    nb_retries = min(retries_taken, 1000)  # capped to avoid overflow in pow
    sleep_seconds = min(INITIAL_RETRY_DELAY * pow(2.0, nb_retries), MAX_RETRY_DELAY)
    timeout = sleep_seconds * (1 - 0.25 * rand())
    return timeout if timeout >= 0 else 0


# -- request bodies and headers -------------------------------------------------------------------


def _json_default(value: object) -> object:
    # What the SDK's `openapi_dumps` encoder accepts beyond plain JSON types.
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return value.model_dump(exclude_unset=True, mode="json", by_alias=True)
    msg = f"Object of type {type(value).__name__} is not JSON serializable"
    raise TypeError(msg)


# Same output as the SDK and httpx2 (`ensure_ascii=False`, compact, no NaN); built once.
_encode_json = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_json_default
).encode


def encode_body(body: Mapping[str, Any] | bytes) -> bytes:
    """The request body as UTF-8 JSON bytes (bytes pass through unchanged).

    Raises:
        ValueError: the body holds something JSON cannot carry (NaN, a set, a lone surrogate ...).
    """
    if isinstance(body, bytes):
        return body
    try:
        return _encode_json(body).encode()
    except (TypeError, ValueError) as exc:
        msg = (
            f"The request body cannot be sent as JSON: {exc}. Pass only JSON values "
            "(str, int, finite float, bool, None, lists and dicts of them) in messages, tools "
            "and model kwargs."
        )
        raise ValueError(msg) from exc


_DEFAULT_HEADERS = {
    "accept": "application/json",
    "content-type": "application/json",
    "accept-encoding": "gzip, deflate",
    "user-agent": f"langchain-cfgateway-grok/{__version__}",
}
_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz")


def _encode_header(name: str, value: str) -> tuple[bytes, bytes]:
    """One header as wire bytes; ValueError (naming the header, never its value) if unsendable."""
    if not name or not _TOKEN_CHARS.issuperset(name):
        msg = f"Header name {name!r} is not a valid HTTP header name."
        raise ValueError(msg)
    if not value.isascii() or not value.isprintable() or value != value.strip():
        msg = (
            f"Header {name!r} has a value that cannot be sent: use printable ASCII without "
            "control characters (CR/LF) or leading/trailing spaces."
        )
        raise ValueError(msg)
    return name.encode(), value.encode()


class _Headers:
    """Transport headers merged once; per-call overrides merged per request (None removes)."""

    __slots__ = ("encoded", "removed", "text")

    def __init__(
        self,
        text: dict[str, str],
        encoded: dict[str, tuple[bytes, bytes]],
        removed: frozenset[str] = frozenset(),
    ) -> None:
        self.text = text
        self.encoded = encoded
        self.removed = removed  # names set to None: also dropped from a user client's defaults

    @classmethod
    def build(cls, headers: Mapping[str, str | None]) -> _Headers:
        return cls({}, {}).merged(headers)

    def merged(self, overrides: Mapping[str, str | None]) -> _Headers:
        text = dict(self.text)
        encoded = dict(self.encoded)
        removed = set(self.removed)
        for raw_name, value in overrides.items():
            name = raw_name.lower()
            if value is None:
                text.pop(name, None)
                encoded.pop(name, None)
                removed.add(name)
                continue
            encoded[name] = _encode_header(name, value)
            text[name] = value
            removed.discard(name)
        return _Headers(text, encoded, frozenset(removed))


# -- replies and streams -------------------------------------------------------------------------


class JsonReply:
    """A 2xx chat completion: the JSON object, the response headers and the status code."""

    __slots__ = ("headers", "json", "status_code")

    def __init__(self, json: dict[str, Any], headers: httpx2.Headers, status_code: int) -> None:
        self.json = json
        self.headers = headers
        self.status_code = status_code


def _json_object(response: httpx2.Response) -> dict[str, Any]:
    """The body of a 2xx response as a dict, or a `CloudflareGrokResponseError`."""
    content = response.content
    try:
        value = parse_json(content)
    except ValueError:
        detail = f"not JSON: {body_excerpt(content.decode('utf-8', 'replace'))}"
        raise invalid_response_error(response, detail) from None
    if type(value) is not dict:
        detail = f"expected a JSON object, got {type(value).__name__}"
        raise invalid_response_error(response, detail, body=value)
    return value


def _is_event_stream(response: httpx2.Response) -> bool:
    return "event-stream" in response.headers.get("content-type", "")


def _is_identity(response: httpx2.Response) -> bool:
    encoding = response.headers.get("content-encoding")
    return encoding is None or encoding.strip().lower() in ("", "identity")


class _StreamState:
    """What a sync or async stream shares: headers, log id, and how to judge each payload."""

    __slots__ = (
        "body",
        "buffered",
        "chunk_timeout",
        "chunks",
        "end",
        "headers",
        "idle_since",
        "log_id",
        "request",
        "response",
        "status_code",
    )

    def __init__(
        self,
        response: httpx2.Response,
        buffered: _Buffered,
        chunk_timeout: float | None,
        end: EventStreamEnd | None = None,
    ) -> None:
        self.response = response
        self.end = end  # None: an OpenAI-style stream ending with `data: [DONE]`
        self.request = response.request
        self.headers = response.headers
        self.status_code = response.status_code
        self.log_id: str | None = response.headers.get(LOG_ID_HEADER)
        # A body already read: replayed chunks (Guardrails JSON) or SSE sent without its type.
        self.buffered = buffered if isinstance(buffered, list) else None
        self.body = buffered if isinstance(buffered, bytes) else None
        self.chunks = 0
        self.chunk_timeout = chunk_timeout
        self.idle_since: float | None = None  # first read without an event since the last one

    def note_idle(self) -> None:
        """A read completed no event (a keep-alive comment, part of a line): mind `chunk_timeout`.

        Keep-alives reset the socket's read timeout, so a server sending only them would hold a
        stream open forever; this bounds the wait for the next chunk in wall-clock time.
        """
        if self.chunk_timeout is None:
            return
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        elif now - self.idle_since > self.chunk_timeout:
            message = (
                f"No stream chunk for {self.chunk_timeout} s (only keep-alives) after "
                f"{self.chunks} chunks; raise the chunk timeout if the model thinks that long."
            )
            if self.log_id:
                message = f"{message} (cf-aig-log-id: {self.log_id})"
            error = CloudflareGrokTimeoutError(self.request, message=message)
            error.log_id = self.log_id
            raise error

    def malformed(self, data: bytes, reason: str) -> Exception:
        detail = body_excerpt(data.decode("utf-8", "replace"))
        message = f"Malformed stream after {self.chunks} chunks: {reason}: {detail}"
        return stream_error(MalformedStreamError, message, request=self.request, log_id=self.log_id)

    def event_error(self, data: bytes) -> Exception:
        try:
            payload: object = parse_json(data)
        except ValueError:
            payload = data.decode("utf-8", "replace")
        return error_from_stream_event(payload, request=self.request, log_id=self.log_id)

    def checked(self, value: dict[str, Any]) -> dict[str, Any]:
        """A chunk with an `error` key: raise if it is set (the SDK's mid-stream error rule)."""
        if value.get("error"):
            raise error_from_stream_event(value, request=self.request, log_id=self.log_id)
        return value

    def decode(self, data: bytes) -> dict[str, Any] | None:
        """Slow path for any payload: a chunk dict, None for `[DONE]`, or a typed error."""
        if type(data) is not bytes:  # `event: error`
            raise self.event_error(data)
        if data.startswith(DONE):
            return None
        try:
            value = parse_json(data)
        except ValueError:
            raise self.malformed(data, "a data line that is not JSON") from None
        if type(value) is not dict:
            raise self.malformed(data, f"a JSON {type(value).__name__}, not an object")
        return self.checked(value)

    def typed(self, data: bytes, end: EventStreamEnd) -> dict[str, Any]:
        """One event of a typed-event stream; a typed error for failures and early `[DONE]`."""
        if type(data) is bytes and data.startswith(DONE):
            raise self.incomplete()  # `[DONE]` before the terminal event
        value = self.decode(data)
        if value is None:  # unreachable: `[DONE]` handled above
            raise self.incomplete()
        if value.get("type") in end.failed:
            failed = value.get("response")
            # `response.failed` carries the error in its response; an `error` event is one.
            payload = failed if isinstance(failed, Mapping) else value
            raise error_from_stream_event(payload, request=self.request, log_id=self.log_id)
        return value

    def incomplete(self) -> Exception:
        expected = "`data: [DONE]`" if self.end is None else self.end.name
        message = f"The stream ended before {expected}, after {self.chunks} chunks"
        return stream_error(
            IncompleteStreamError, message, request=self.request, log_id=self.log_id
        )

    def transport_error(self, exc: BaseException) -> Exception:
        return error_from_transport(exc, self.request, log_id=self.log_id)


class SseStream:
    """A streamed chat completion: iterate it for chunk dicts, once.

    Ends normally only after `data: [DONE]` (or, with an `EventStreamEnd`, after one of its
    terminal events); a stream that breaks raises an `openai.APIError` subclass carrying
    `log_id` (see `_errors.py`). When the gateway answered the stream request with one JSON body
    (Guardrails buffering), `buffered` is True and the iteration yields the equivalent chunks.
    """

    __slots__ = ("_state",)

    def __init__(
        self,
        response: httpx2.Response,
        buffered: _Buffered = None,
        *,
        chunk_timeout: float | None = None,
        end: EventStreamEnd | None = None,
    ) -> None:
        self._state = _StreamState(response, buffered, chunk_timeout, end)

    @property
    def headers(self) -> httpx2.Headers:
        """The response headers (`cf-aig-log-id`, `cf-aig-cache-status`, ...)."""
        return self._state.headers

    @property
    def status_code(self) -> int:
        """The HTTP status (2xx)."""
        return self._state.status_code

    @property
    def log_id(self) -> str | None:
        """The gateway's `cf-aig-log-id`, if sent."""
        return self._state.log_id

    @property
    def buffered(self) -> bool:
        """True when the answer was one JSON body replayed as chunks (Guardrails)."""
        return self._state.buffered is not None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        state = self._state
        if state.buffered is not None:
            return iter(state.buffered)
        if state.end is not None:
            return self._typed_events(state, state.end)
        return self._events(state)

    def close(self) -> None:
        """Release the connection (the context manager does this)."""
        self._state.response.close()

    @staticmethod
    def _events(state: _StreamState) -> Iterator[dict[str, Any]]:
        response = state.response
        source = _sync_source(state)
        decoder = SseDecoder()
        feed = decoder.feed
        try:
            for raw in source:
                events = feed(raw)
                if not events:
                    state.note_idle()
                    continue
                state.idle_since = None
                for data in events:
                    # Hot path: a JSON object payload. Everything else goes to `state.decode`.
                    if data[:1] == b"{" and type(data) is bytes:
                        try:
                            value = parse_json(data)
                        except ValueError:
                            raise state.malformed(data, "a data line that is not JSON") from None
                        if "error" in value:
                            value = state.checked(value)
                    else:
                        value = state.decode(data)
                        if value is None:
                            # `[DONE]`. Like the SDK's sync stream, stop here: waiting for the
                            # body's end could block for the whole read timeout.
                            response.close()
                            return
                    state.chunks += 1
                    yield value
            for data in decoder.flush():
                value = state.decode(data)
                if value is None:
                    return
                state.chunks += 1
                yield value
        except timeout_errors() as exc:
            raise state.transport_error(exc) from exc
        except request_errors() as exc:
            raise state.transport_error(exc) from exc
        raise state.incomplete()

    @staticmethod
    def _typed_events(state: _StreamState, end: EventStreamEnd) -> Iterator[dict[str, Any]]:
        """Events of a typed-event stream, up to and including its terminal event."""
        response = state.response
        decoder = SseDecoder()
        try:
            for raw in _sync_source(state):
                events = decoder.feed(raw)
                if not events:
                    state.note_idle()
                    continue
                state.idle_since = None
                for data in events:
                    value = state.typed(data, end)
                    state.chunks += 1
                    yield value
                    if value.get("type") in end.done:
                        response.close()  # as after `[DONE]`: never wait for the body's end
                        return
            for data in decoder.flush():
                value = state.typed(data, end)
                state.chunks += 1
                yield value
                if value.get("type") in end.done:
                    return
        except timeout_errors() as exc:
            raise state.transport_error(exc) from exc
        except request_errors() as exc:
            raise state.transport_error(exc) from exc
        raise state.incomplete()


def _sync_source(state: _StreamState) -> Iterable[bytes]:
    if state.body is not None:
        return (state.body,)
    if _is_identity(state.response):
        # The raw stream skips httpx2's decoder layers (about 1 µs per chunk): only gzip & co.
        # need them.
        return state.response.stream  # type: ignore[return-value]
    return state.response.iter_bytes()


def _async_source(state: _StreamState) -> AsyncIterator[bytes]:
    if state.body is not None:
        return _aiter_list([state.body])
    if _is_identity(state.response):
        return state.response.stream.__aiter__()  # type: ignore[union-attr]
    return state.response.aiter_bytes()


_DRAIN_TIMEOUT = 0.1  # the SDK's `_streaming_cleanup._DRAIN_TIMEOUT`


class AsyncSseStream:
    """The async twin of `SseStream`: `async for chunk in stream`."""

    __slots__ = ("_state",)

    def __init__(
        self,
        response: httpx2.Response,
        buffered: _Buffered = None,
        *,
        chunk_timeout: float | None = None,
        end: EventStreamEnd | None = None,
    ) -> None:
        self._state = _StreamState(response, buffered, chunk_timeout, end)

    @property
    def headers(self) -> httpx2.Headers:
        """The response headers (`cf-aig-log-id`, `cf-aig-cache-status`, ...)."""
        return self._state.headers

    @property
    def status_code(self) -> int:
        """The HTTP status (2xx)."""
        return self._state.status_code

    @property
    def log_id(self) -> str | None:
        """The gateway's `cf-aig-log-id`, if sent."""
        return self._state.log_id

    @property
    def buffered(self) -> bool:
        """True when the answer was one JSON body replayed as chunks (Guardrails)."""
        return self._state.buffered is not None

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        state = self._state
        if state.buffered is not None:
            return _aiter_list(state.buffered)
        if state.end is not None:
            return self._typed_events(state, state.end)
        return self._events(state)

    async def aclose(self) -> None:
        """Release the connection (the context manager does this)."""
        await self._state.response.aclose()

    @staticmethod
    async def _events(state: _StreamState) -> AsyncIterator[dict[str, Any]]:
        response = state.response
        source = _async_source(state)
        decoder = SseDecoder()
        feed = decoder.feed
        try:
            async for raw in source:
                events = feed(raw)
                if not events:
                    state.note_idle()
                    continue
                state.idle_since = None
                for data in events:
                    if data[:1] == b"{" and type(data) is bytes:
                        try:
                            value = parse_json(data)
                        except ValueError:
                            raise state.malformed(data, "a data line that is not JSON") from None
                        if "error" in value:
                            value = state.checked(value)
                    else:
                        value = state.decode(data)
                        if value is None:  # `[DONE]`
                            await _drain(source, response)
                            return
                    state.chunks += 1
                    yield value
            for data in decoder.flush():
                value = state.decode(data)
                if value is None:
                    return
                state.chunks += 1
                yield value
        except timeout_errors() as exc:
            raise state.transport_error(exc) from exc
        except request_errors() as exc:
            raise state.transport_error(exc) from exc
        raise state.incomplete()

    @staticmethod
    async def _typed_events(
        state: _StreamState, end: EventStreamEnd
    ) -> AsyncIterator[dict[str, Any]]:
        """The async twin of `SseStream._typed_events`."""
        response = state.response
        source = _async_source(state)
        decoder = SseDecoder()
        try:
            async for raw in source:
                events = decoder.feed(raw)
                if not events:
                    state.note_idle()
                    continue
                state.idle_since = None
                for data in events:
                    value = state.typed(data, end)
                    state.chunks += 1
                    yield value
                    if value.get("type") in end.done:
                        await _drain(source, response)
                        return
            for data in decoder.flush():
                value = state.typed(data, end)
                state.chunks += 1
                yield value
                if value.get("type") in end.done:
                    return
        except timeout_errors() as exc:
            raise state.transport_error(exc) from exc
        except request_errors() as exc:
            raise state.transport_error(exc) from exc
        raise state.incomplete()


async def _drain(source: AsyncIterator[bytes], response: httpx2.Response) -> None:
    """Read what follows `[DONE]` (the body's end) for up to 0.1 s so the connection is reused.

    Mirrors the SDK's `drain_response_async`; cleanup never turns a complete answer into an error.
    """
    try:
        with (
            anyio.move_on_after(_DRAIN_TIMEOUT),
            contextlib.suppress(*request_errors(), httpx2.StreamError),
        ):
            async for _ in source:
                await anyio.lowlevel.checkpoint()  # the deadline also holds for buffered data
    finally:
        with anyio.CancelScope(shield=True):
            await response.aclose()


async def _aiter_list(items: list[_T]) -> AsyncIterator[_T]:
    for item in items:
        yield item


_SSE_FIELDS = (b"data:", b"data\n", b":", b"event:", b"id:", b"retry:")


def _read_buffered(response: httpx2.Response, end: EventStreamEnd | None = None) -> _Buffered:
    """A stream request answered without `text/event-stream` (its body already read).

    A chat completion becomes the chunks to replay (Guardrails buffering), or, for a
    typed-event stream, the events `end.replay` makes of the JSON object; an SSE body sent
    without its content type is returned as bytes, to be parsed like a stream.
    """
    content = response.content
    if content.lstrip().startswith(_SSE_FIELDS):
        return content
    completion = _json_object(response)
    if end is not None:
        return _replayed_events(response, completion, end)
    if completion.get("error") and "choices" not in completion:
        raise error_from_stream_event(
            completion, request=response.request, log_id=response.headers.get(LOG_ID_HEADER)
        )
    if not isinstance(completion.get("choices"), list):
        detail = "a JSON body without `choices` answered a stream request"
        raise invalid_response_error(response, detail, body=completion)
    return chunks_from_completion(completion)


def _replayed_events(
    response: httpx2.Response, body: dict[str, Any], end: EventStreamEnd
) -> list[dict[str, Any]]:
    """The events a JSON body answering a typed-event stream request stands for."""
    if body.get("error"):
        raise error_from_stream_event(
            body, request=response.request, log_id=response.headers.get(LOG_ID_HEADER)
        )
    events = end.replay(body)
    if events is None:
        detail = f"a JSON body that does not stand for {end.name} answered a stream request"
        raise invalid_response_error(response, detail, body=body)
    return events


# -- shared clients --------------------------------------------------------------------------------

_ClientKey = tuple[
    tuple[float | None, float | None, float | None, float | None],  # timeout
    str | None,  # proxy
    tuple[int | None, int | None, float | None],  # limits
    object,  # verify: bool, CA path or an ssl.SSLContext (hashed by identity)
]


class _SharedClients:
    """Process-wide httpx2 clients keyed by their settings (headers are per request, not here)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sync: dict[_ClientKey, httpx2.Client] = {}
        self._async: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[_ClientKey, tuple[httpx2.AsyncClient, Any]]
        ] = weakref.WeakKeyDictionary()
        self._ssl_context: ssl.SSLContext | None = None

    def sync_client(self, key: _ClientKey) -> httpx2.Client:
        client = self._sync.get(key)
        if client is None:
            with self._lock:
                client = self._sync.get(key)
                if client is None:
                    client = httpx2.Client(**self._client_kwargs(key))
                    self._sync[key] = client
        return client

    def async_client(self, key: _ClientKey) -> httpx2.AsyncClient:
        """The client for `key` on the running event loop (created on first use in that loop)."""
        loop = asyncio.get_running_loop()
        clients = self._async.get(loop)
        if clients is not None:
            entry = clients.get(key)
            if entry is not None:
                return entry[0]
        with self._lock:
            self._forget_closed_loops()
            clients = self._async.setdefault(loop, {})
            entry = clients.get(key)
            if entry is None:
                client = httpx2.AsyncClient(**self._client_kwargs(key))
                closer = _close_with_loop(loop, client, clients, key)
                _start_async_generator(closer)
                entry = (client, closer)
                clients[key] = entry
        return entry[0]

    def _forget_closed_loops(self) -> None:
        """Drop the clients of loops closed without `shutdown_asyncgens` (sockets die with them)."""
        for loop in [loop for loop in self._async if loop.is_closed()]:
            for _, closer in list(self._async.pop(loop, {}).values()):
                with contextlib.suppress(StopIteration, RuntimeError):
                    closer.aclose().send(None)

    def _client_kwargs(self, key: _ClientKey) -> dict[str, Any]:
        (connect, read, write, pool), proxy, (max_conn, max_keepalive, expiry), verify = key
        if verify is True:
            # One CA bundle load for every client (about 19 ms each otherwise).
            if self._ssl_context is None:
                self._ssl_context = httpx2.create_ssl_context()
            verify = self._ssl_context
        return {
            "timeout": httpx2.Timeout(connect=connect, read=read, write=write, pool=pool),
            "limits": httpx2.Limits(
                max_connections=max_conn,
                max_keepalive_connections=max_keepalive,
                keepalive_expiry=expiry,
            ),
            "proxy": proxy,
            "verify": verify,
            # Redirects are not followed: `cf-aig-authorization` must never reach another origin.
            "follow_redirects": False,
        }


async def _close_with_loop(
    loop: asyncio.AbstractEventLoop,
    client: httpx2.AsyncClient,
    clients: dict[_ClientKey, tuple[httpx2.AsyncClient, Any]],
    key: _ClientKey,
) -> AsyncIterator[None]:
    """Closes `client` when its loop shuts down its async generators (as `asyncio.run` does)."""
    try:
        yield
    finally:
        clients.pop(key, None)
        if not loop.is_closed():
            await client.aclose()


def _start_async_generator(agen: Any) -> None:
    # Run to the first `yield` without awaiting: the first `__anext__()` registers the generator
    # with the running loop (`sys.set_asyncgen_hooks`), so `loop.shutdown_asyncgens()` closes it.
    with contextlib.suppress(StopIteration):
        agen.__anext__().send(None)


_SHARED = _SharedClients()


def _client_key(
    timeout: httpx2.Timeout, proxy: str | None, limits: httpx2.Limits, verify: object
) -> _ClientKey:
    return (
        (timeout.connect, timeout.read, timeout.write, timeout.pool),
        proxy,
        (limits.max_connections, limits.max_keepalive_connections, limits.keepalive_expiry),
        verify,
    )


def _checked_timeout(timeout: float | httpx2.Timeout | tuple[Any, ...] | None) -> httpx2.Timeout:
    try:
        value = httpx2.Timeout(timeout)
    except (TypeError, ValueError, IndexError, AssertionError) as exc:
        msg = f"`timeout` must be seconds (a number), an httpx2.Timeout or None, got {timeout!r}."
        raise ValueError(msg) from exc
    for part in (value.connect, value.read, value.write, value.pool):
        if part is not None and (
            isinstance(part, bool) or not isinstance(part, (int, float)) or not part >= 0
        ):
            msg = f"`timeout` values must be numbers >= 0 seconds or None, got {timeout!r}."
            raise ValueError(msg)
    return value


# -- the transport ------------------------------------------------------------------------------


class ChatTransport:
    """POSTs chat completion bodies to one URL with fixed headers, retrying like the openai SDK.

    Cheap to build (no client, no CA bundle: clients are shared per settings and looked up on
    first use). Not tied to a thread or an event loop.

    Args:
        url: The full chat completions URL.
        headers: Headers for every request (credentials, gateway options, user defaults).
        timeout: Seconds, an `httpx2.Timeout` or None (no timeout). With a user client, None
            means "the client's own timeout". The read value bounds each wait for bytes, so a
            stalled stream ends after it with `openai.APITimeoutError`.
        max_retries: Retries after the first attempt (the SDK's default is 2); 0 disables.
        http_client: A user's sync client, used as given and never closed.
        http_async_client: A user's async client, used as given and never closed.
        proxy: Proxy URL for the shared clients (not combinable with user clients).
        limits: Pool limits for the shared clients (default: the SDK's, 1,000 connections).
        verify: TLS verification for the shared clients: True, False, a CA path or an SSLContext.
        chunk_timeout: Wall-clock seconds a stream may go without a chunk while bytes (keep-alive
            comments) still arrive; None (default) leaves only the read timeout.
        sleep: How to wait between retries (tests inject a fake; default `time.sleep`).
        asleep: The async twin of `sleep` (default `asyncio.sleep`).
    """

    __slots__ = (
        "_asleep",
        "_async_client",
        "_chunk_timeout",
        "_extensions",
        "_headers",
        "_host",
        "_key",
        "_max_retries",
        "_sleep",
        "_sync_client",
        "_timeout",
        "_url",
        "_url_text",
        "_user_timeout_unset",
    )

    def __init__(
        self,
        *,
        url: str,
        headers: Mapping[str, str],
        timeout: float | httpx2.Timeout | None,
        max_retries: int,
        http_client: httpx2.Client | None = None,
        http_async_client: httpx2.AsyncClient | None = None,
        proxy: str | None = None,
        limits: httpx2.Limits | None = None,
        verify: bool | str | ssl.SSLContext = True,
        chunk_timeout: float | None = None,
        sleep: Callable[[float], object] = time.sleep,
        asleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            msg = f"`max_retries` must be an int >= 0 (0 disables retries), got {max_retries!r}."
            raise ValueError(msg)
        if proxy is not None and (http_client is not None or http_async_client is not None):
            msg = (
                "Pass either `proxy` or your own `http_client`/`http_async_client` (configure "
                "the proxy on your client), not both."
            )
            raise ValueError(msg)
        self._set_url(url)
        self._headers = _Headers.build({**_DEFAULT_HEADERS, **headers})
        self._timeout = _checked_timeout(timeout)
        self._extensions = {"timeout": self._timeout.as_dict()}
        self._max_retries = max_retries
        self._key = _client_key(self._timeout, proxy, limits or DEFAULT_LIMITS, verify)
        self._sync_client = http_client
        self._async_client = http_async_client
        if chunk_timeout is not None and (
            isinstance(chunk_timeout, bool)
            or not isinstance(chunk_timeout, (int, float))
            or not chunk_timeout > 0
        ):
            msg = f"`chunk_timeout` must be seconds > 0 or None, got {chunk_timeout!r}."
            raise ValueError(msg)
        self._chunk_timeout = chunk_timeout
        self._sleep = sleep
        self._asleep = asleep
        self._user_timeout_unset = timeout is None

    def _set_url(self, url: str) -> None:
        parsed = httpx2.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            msg = f"The transport URL must be an absolute http(s) URL, got {url!r}."
            raise ValueError(msg)
        self._url_text = url
        self._url = parsed
        self._host = parsed.netloc

    @property
    def url(self) -> str:
        """The URL this transport posts to."""
        return self._url_text

    def with_url(self, url: str) -> ChatTransport:
        """The same transport (headers, timeout, retries, clients) posting to another URL.

        Cheap (no client is built): e.g. the Responses API URL next to the chat URL.

        Raises:
            ValueError: `url` is not an absolute http(s) URL.
        """
        sibling = object.__new__(ChatTransport)
        for name in ChatTransport.__slots__:
            setattr(sibling, name, getattr(self, name))
        sibling._set_url(url)
        return sibling

    # The public API: four calls, each one request (plus retries). -------------------------------

    def post(
        self, body: Mapping[str, Any] | bytes, *, headers: Mapping[str, str | None] | None = None
    ) -> JsonReply:
        """Send one non-streaming request; the 2xx JSON object, or a typed error.

        Args:
            body: The chat completions body (a mapping, or JSON bytes).
            headers: Per-call headers over the transport's; a None value removes that header.

        Raises:
            openai.APIStatusError: a non-2xx answer (after retries), see `_errors.py`.
            openai.APIConnectionError: no answer (refused, reset, timeout) after retries.
            openai.APIResponseValidationError: a 2xx body that is not a JSON object.
            ValueError: `body` or a header cannot be sent (before any request).
        """
        response = self._send(encode_body(body), self._call_headers(headers), stream=False)
        return JsonReply(_json_object(response), response.headers, response.status_code)

    async def apost(
        self, body: Mapping[str, Any] | bytes, *, headers: Mapping[str, str | None] | None = None
    ) -> JsonReply:
        """The async twin of `post`."""
        response = await self._asend(encode_body(body), self._call_headers(headers), stream=False)
        return JsonReply(_json_object(response), response.headers, response.status_code)

    @contextlib.contextmanager
    def stream(
        self,
        body: Mapping[str, Any] | bytes,
        *,
        headers: Mapping[str, str | None] | None = None,
        end: EventStreamEnd | None = None,
    ) -> Iterator[SseStream]:
        """Send one streaming request; yields an `SseStream` once the answer started.

        Retries cover the setup only (status errors, connection failures before the first
        byte of the body); a stream that breaks later raises, it is never re-sent.

        Args:
            body: The request body (a mapping, or JSON bytes).
            headers: Per-call headers over the transport's; a None value removes that header.
            end: For typed-event streams (the Responses API): which events end or fail the
                stream. None (default): an OpenAI-style stream ending with `data: [DONE]`.
        """
        response = self._send(encode_body(body), self._call_headers(headers), stream=True)
        try:
            yield SseStream(
                response,
                self._buffered(response, end),
                chunk_timeout=self._chunk_timeout,
                end=end,
            )
        finally:
            response.close()

    @contextlib.asynccontextmanager
    async def astream(
        self,
        body: Mapping[str, Any] | bytes,
        *,
        headers: Mapping[str, str | None] | None = None,
        end: EventStreamEnd | None = None,
    ) -> AsyncIterator[AsyncSseStream]:
        """The async twin of `stream`."""
        response = await self._asend(encode_body(body), self._call_headers(headers), stream=True)
        try:
            yield AsyncSseStream(
                response,
                self._buffered(response, end),
                chunk_timeout=self._chunk_timeout,
                end=end,
            )
        finally:
            await response.aclose()

    # Internals. ---------------------------------------------------------------------------------

    def _call_headers(self, headers: Mapping[str, str | None] | None) -> _Headers:
        return self._headers.merged(headers) if headers else self._headers

    @staticmethod
    def _buffered(response: httpx2.Response, end: EventStreamEnd | None = None) -> _Buffered:
        return None if _is_event_stream(response) else _read_buffered(response, end)

    def _request(
        self, client: httpx2.Client | httpx2.AsyncClient, content: bytes, headers: _Headers
    ) -> httpx2.Request:
        if client is self._sync_client or client is self._async_client:
            return self._user_request(client, content, headers)
        # Shared clients add nothing: build the request directly (build_request re-parses the
        # URL and merges client defaults: ~25 µs against ~3 µs here).
        raw = [(b"host", self._host), *headers.encoded.values()]
        raw.append((b"content-length", str(len(content)).encode()))
        request = httpx2.Request(
            "POST",
            self._url,
            headers=raw,
            stream=httpx2.ByteStream(content),
            extensions=self._extensions,
        )
        request.read()  # so `request.content` works for hooks and mock transports
        return request

    def _user_request(
        self, client: httpx2.Client | httpx2.AsyncClient, content: bytes, headers: _Headers
    ) -> httpx2.Request:
        url: Any = self._url_text if is_legacy_httpx_client(client) else self._url
        request = client.build_request(
            "POST",
            url,
            content=content,
            headers=headers.text,
            timeout=httpx2.USE_CLIENT_DEFAULT if self._user_timeout_unset else self._timeout,
        )
        # A header removed (None) must not come back from the client's defaults.
        for name in headers.removed:
            if name in request.headers:
                del request.headers[name]
        return request

    def _client(self) -> httpx2.Client:
        return self._sync_client or _SHARED.sync_client(self._key)

    def _aclient(self) -> httpx2.AsyncClient:
        return self._async_client or _SHARED.async_client(self._key)

    def _send(self, content: bytes, headers: _Headers, *, stream: bool) -> httpx2.Response:
        """One request with the SDK's retries (mirrors `SyncAPIClient.request`)."""
        client = self._client()
        auth = None if "authorization" not in headers.text else httpx2.USE_CLIENT_DEFAULT
        max_retries = self._max_retries
        retries_taken = 0
        while True:
            request = self._request(client, content, headers)
            remaining = max_retries - retries_taken
            response: httpx2.Response | None = None
            try:
                # Always sent as a stream and read here (what `send(stream=False)` does inside),
                # so a body cut short still leaves its headers, and its log id, to report.
                response = client.send(request, stream=True, auth=auth, follow_redirects=False)
                if not stream or (response.is_success and not _is_event_stream(response)):
                    response.read()  # the whole body (a buffered stream too) within the attempt
            except timeout_errors() as exc:
                log_id = _close_broken(response)
                if remaining > 0:
                    self._sleep(self._retry_wait(retries_taken, max_retries, None, exc))
                    retries_taken += 1
                    continue
                raise error_from_transport(exc, request, log_id=log_id) from exc
            except request_errors() as exc:
                log_id = _close_broken(response)
                if remaining > 0:
                    self._sleep(self._retry_wait(retries_taken, max_retries, None, exc))
                    retries_taken += 1
                    continue
                raise error_from_transport(exc, request, log_id=log_id) from exc
            except BaseException:
                if response is not None:  # interrupted mid-body: release the connection
                    response.close()
                raise
            if response.is_success:
                return response
            if stream:
                _read_error_body(response)  # for the message, and to see a spend-limit code
            if remaining > 0 and should_retry(response):
                self._sleep(self._retry_wait(retries_taken, max_retries, response, None))
                retries_taken += 1
                continue
            raise error_from_response(response) from None

    async def _asend(self, content: bytes, headers: _Headers, *, stream: bool) -> httpx2.Response:
        """The async twin of `_send` (mirrors `AsyncAPIClient.request`)."""
        client = self._aclient()
        auth = None if "authorization" not in headers.text else httpx2.USE_CLIENT_DEFAULT
        max_retries = self._max_retries
        retries_taken = 0
        while True:
            request = self._request(client, content, headers)
            remaining = max_retries - retries_taken
            response: httpx2.Response | None = None
            try:
                response = await client.send(
                    request, stream=True, auth=auth, follow_redirects=False
                )
                if not stream or (response.is_success and not _is_event_stream(response)):
                    await response.aread()
            except timeout_errors() as exc:
                log_id = await _aclose_broken(response)
                if remaining > 0:
                    await self._asleep(self._retry_wait(retries_taken, max_retries, None, exc))
                    retries_taken += 1
                    continue
                raise error_from_transport(exc, request, log_id=log_id) from exc
            except request_errors() as exc:
                log_id = await _aclose_broken(response)
                if remaining > 0:
                    await self._asleep(self._retry_wait(retries_taken, max_retries, None, exc))
                    retries_taken += 1
                    continue
                raise error_from_transport(exc, request, log_id=log_id) from exc
            except BaseException:
                if response is not None:  # cancelled mid-body: release the connection
                    await response.aclose()
                raise
            if response.is_success:
                return response
            if stream:
                await _aread_error_body(response)
            if remaining > 0 and should_retry(response):
                await self._asleep(self._retry_wait(retries_taken, max_retries, response, None))
                retries_taken += 1
                continue
            raise error_from_response(response) from None

    def _retry_wait(
        self,
        retries_taken: int,
        max_retries: int,
        response: httpx2.Response | None,
        exc: BaseException | None,
    ) -> float:
        """The sleep before the next attempt, logged like the SDK's `_sleep_for_retry`."""
        delay = retry_delay(retries_taken, response.headers if response is not None else None)
        reason = f"HTTP {response.status_code}" if response is not None else type(exc).__name__
        logger.info(
            "Retrying %s in %.3f seconds after %s (retry %i of %i)",
            self._url.path,
            delay,
            reason,
            retries_taken + 1,
            max_retries,
        )
        return delay


def _close_broken(response: httpx2.Response | None) -> str | None:
    """Close a response whose body failed mid-read; its log id, if its headers came."""
    if response is None:
        return None
    response.close()
    return response.headers.get(LOG_ID_HEADER)


async def _aclose_broken(response: httpx2.Response | None) -> str | None:
    """The async twin of `_close_broken`."""
    if response is None:
        return None
    await response.aclose()
    return response.headers.get(LOG_ID_HEADER)


def _read_error_body(response: httpx2.Response) -> None:
    # The error body is only for the message: a failure to read it must not hide the status.
    with contextlib.suppress(*request_errors(), httpx2.StreamError):
        response.read()
    response.close()


async def _aread_error_body(response: httpx2.Response) -> None:
    with contextlib.suppress(*request_errors(), httpx2.StreamError):
        await response.aread()
    await response.aclose()
