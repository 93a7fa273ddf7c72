"""ChatTransport: the SDK's retry policy, SSE edge cases, buffered-JSON streams, headers, clients.

Unit, not emulator: responses come from an `httpx2.MockTransport` (sockets are off here), sleeps
from an injected fake, so each rule is pinned exactly and the file runs in well under a second.
Real-socket behaviour (event loops, stalls, resets, file descriptors) is in
tests/emulator_tests/test_transport_loopback.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import openai
import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langchain_cfgateway_grok import _errors as errors
from langchain_cfgateway_grok._sse import (
    ErrorEventData,
    SseDecoder,
    chunks_from_completion,
    parse_json,
)
from langchain_cfgateway_grok._transport import (
    DEFAULT_LIMITS,
    ChatTransport,
    encode_body,
    parse_retry_after,
    retry_delay,
    should_retry,
)

URL = "https://gateway.ai.cloudflare.com/v1/acct/gw/grok/v1/chat/completions"
BODY = {"model": "grok-4", "messages": [{"role": "user", "content": "hi"}]}
LOG_ID = "01JABCDEF0123456789ABCDEFG"
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "grok-4",
    "system_fingerprint": "fp_1",
    "citations": ["https://x.ai"],
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": "Let me check.",
                "reasoning_content": "The user wants the weather.",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"city":"Paris"}'},
                    },
                    {
                        "id": "call_2",
                        "type": "function",
                        "function": {"name": "time", "arguments": "{}"},
                    },
                ],
            },
        }
    ],
    "usage": {
        "prompt_tokens": 12,
        "completion_tokens": 9,
        "total_tokens": 40,
        "completion_tokens_details": {"reasoning_tokens": 19},
    },
}


def chunk(content: str, *, index: int = 0) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "grok-4",
        "choices": [{"index": index, "delta": {"content": content}, "finish_reason": None}],
    }


def sse(*events: bytes | dict[str, Any]) -> bytes:
    parts = [
        e if isinstance(e, bytes) else b"data: " + json.dumps(e).encode() + b"\n\n" for e in events
    ]
    return b"".join(parts)


Handler = Callable[[httpx2.Request], httpx2.Response]


class Recorder:
    """A MockTransport handler answering from a script and recording every request."""

    def __init__(
        self, *answers: httpx2.Response | Exception | Callable[[], httpx2.Response]
    ) -> None:
        self.answers = list(answers)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer() if callable(answer) else answer


def ok() -> httpx2.Response:
    return httpx2.Response(200, json=COMPLETION, headers={"cf-aig-log-id": LOG_ID})


def status(
    code: int, headers: dict[str, str] | None = None, body: object = None
) -> Callable[[], httpx2.Response]:
    return lambda: httpx2.Response(
        code, json=body or {"code": "x", "error": f"status {code}"}, headers=headers
    )


def make(
    recorder: Recorder,
    *,
    max_retries: int = 2,
    headers: dict[str, str] | None = None,
    client: httpx2.Client | None = None,
    timeout: float | None = 5.0,
) -> tuple[ChatTransport, list[float]]:
    sleeps: list[float] = []
    transport = ChatTransport(
        url=URL,
        headers=headers if headers is not None else {"authorization": "Bearer xai-k"},
        timeout=timeout,
        max_retries=max_retries,
        http_client=client or httpx2.Client(transport=httpx2.MockTransport(recorder)),
        sleep=sleeps.append,
    )
    return transport, sleeps


# -- the retry policy as pure functions (openai 3.57 `_base_client.py`) -------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),  # milliseconds win
        ({"retry-after-ms": "junk", "retry-after": "2"}, 2.0),
        ({"retry-after": "1e999"}, 121.0),  # an overflow is an excessive delay, not malformed
        ({"retry-after": "junk"}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(httpx2.Headers(headers)) == expected


def test_parse_retry_after_http_date() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    delay = parse_retry_after(httpx2.Headers({"retry-after": when}))
    assert delay is not None
    assert 28 <= delay <= 31


@pytest.mark.parametrize(
    ("retries_taken", "rand", "expected"),
    [
        (0, 0.0, 0.5),
        (0, 1.0, 0.375),  # at most 25 % jitter off
        (1, 0.0, 1.0),
        (2, 0.0, 2.0),
        (3, 0.0, 4.0),
        (4, 0.0, 8.0),
        (5, 0.0, 8.0),  # capped at 8 s
        (10_000, 0.5, 7.0),
    ],
)
def test_retry_delay_backoff(retries_taken: int, rand: float, expected: float) -> None:
    assert retry_delay(retries_taken, None, rand=lambda: rand) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after-ms": "20"}, 0.02),
        ({"retry-after": "120"}, 120.0),
        ({"retry-after": "0"}, 0.5),  # not > 0: backoff instead
        ({"retry-after": "-3"}, 0.5),
        ({"retry-after": "121"}, 0.5),  # beyond two minutes: backoff (and no retry at all, below)
    ],
)
def test_retry_delay_honours_retry_after(headers: dict[str, str], expected: float) -> None:
    assert retry_delay(0, httpx2.Headers(headers), rand=lambda: 0.0) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("code", "headers", "body", "expected"),
    [
        (400, {}, None, False),
        (401, {}, None, False),
        (403, {}, None, False),
        (404, {}, None, False),
        (408, {}, None, True),
        (409, {}, None, True),
        (422, {}, None, False),
        (429, {}, None, True),
        (500, {}, None, True),
        (502, {}, None, True),
        (503, {}, None, True),
        (504, {}, None, True),
        (400, {"x-should-retry": "true"}, None, True),
        (503, {"x-should-retry": "false"}, None, False),
        (429, {"retry-after": "121"}, None, False),
        (429, {"retry-after": "121", "x-should-retry": "true"}, None, False),
        (
            429,
            {},
            {
                "success": False,
                "error": [{"code": 2041, "message": "Spend"}],
                "name": "AiGatewayError",
            },
            False,
        ),
        (429, {"x-should-retry": "true"}, {"name": "AiGatewayError", "internalCode": 2041}, False),
        (
            429,
            {},
            {
                "success": False,
                "error": [{"code": 2003, "message": "Rate limited"}],
                "name": "AiGatewayError",
            },
            True,
        ),
    ],
)
def test_should_retry(code: int, headers: dict[str, str], body: object, expected: bool) -> None:
    response = httpx2.Response(code, headers=headers, json=body)
    assert should_retry(response) is expected


# -- the retry loop ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", [408, 409, 429, 500, 502, 503, 504])
@pytest.mark.parametrize("max_retries", [0, 1, 2, 4])
def test_retryable_status_makes_exactly_max_retries_plus_one_attempts(
    code: int, max_retries: int
) -> None:
    recorder = Recorder(status(code))
    transport, sleeps = make(recorder, max_retries=max_retries)
    with pytest.raises(openai.APIStatusError) as caught:
        transport.post(BODY)
    assert caught.value.status_code == code
    assert len(recorder.requests) == max_retries + 1
    assert len(sleeps) == max_retries
    for retries_taken, slept in enumerate(sleeps):
        base = min(0.5 * 2**retries_taken, 8.0)
        assert 0.75 * base <= slept <= base


@pytest.mark.parametrize(
    ("code", "body"),
    [
        (400, None),
        (401, None),
        (403, None),
        (404, None),
        (422, None),
        (
            429,
            {
                "success": False,
                "error": [{"code": 2041, "message": "Spend limit exceeded"}],
                "name": "AiGatewayError",
                "internalCode": 2041,
            },
        ),
    ],
)
def test_no_retry_for_final_errors(code: int, body: object) -> None:
    recorder = Recorder(status(code, body=body))
    transport, sleeps = make(recorder, max_retries=3)
    with pytest.raises(openai.APIStatusError):
        transport.post(BODY)
    assert len(recorder.requests) == 1
    assert sleeps == []


def test_retry_then_success() -> None:
    recorder = Recorder(status(503), status(429, {"retry-after": "2"}), ok)
    transport, sleeps = make(recorder, max_retries=2)
    reply = transport.post(BODY)
    assert reply.json == COMPLETION
    assert reply.status_code == 200
    assert reply.headers["cf-aig-log-id"] == LOG_ID
    assert len(recorder.requests) == 3
    assert 0.375 <= sleeps[0] <= 0.5
    assert sleeps[1] == 2.0


def test_retry_after_ms_and_seconds_are_honoured() -> None:
    recorder = Recorder(
        status(429, {"retry-after-ms": "1234"}), status(503, {"retry-after": "42"}), ok
    )
    transport, sleeps = make(recorder, max_retries=2)
    transport.post(BODY)
    assert sleeps == [1.234, 42.0]


def test_retry_after_beyond_two_minutes_is_not_retried() -> None:
    recorder = Recorder(status(429, {"retry-after": "600"}))
    transport, sleeps = make(recorder, max_retries=2)
    with pytest.raises(openai.RateLimitError):
        transport.post(BODY)
    assert len(recorder.requests) == 1
    assert sleeps == []


def test_x_should_retry_header_is_obeyed() -> None:
    recorder = Recorder(status(400, {"x-should-retry": "true"}), ok)
    transport, _ = make(recorder, max_retries=2)
    assert transport.post(BODY).json == COMPLETION
    assert len(recorder.requests) == 2

    recorder = Recorder(status(500, {"x-should-retry": "false"}))
    transport, _ = make(recorder, max_retries=2)
    with pytest.raises(openai.InternalServerError):
        transport.post(BODY)
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (httpx2.ConnectError("refused"), errors.CloudflareGrokConnectionError),
        (httpx2.ReadError("reset by peer"), errors.CloudflareGrokConnectionError),
        (
            httpx2.RemoteProtocolError("peer closed connection"),
            errors.CloudflareGrokConnectionError,
        ),
        (httpx2.ConnectTimeout("connect timed out"), errors.CloudflareGrokTimeoutError),
        (httpx2.ReadTimeout("read timed out"), errors.CloudflareGrokTimeoutError),
        (httpx2.PoolTimeout("pool"), errors.CloudflareGrokTimeoutError),
    ],
)
def test_connection_errors_and_timeouts_are_retried(raised: Exception, expected: type) -> None:
    recorder = Recorder(raised)
    transport, sleeps = make(recorder, max_retries=3)
    with pytest.raises(expected) as caught:
        transport.post(BODY)
    assert len(recorder.requests) == 4
    assert len(sleeps) == 3
    assert caught.value.__cause__ is raised

    recorder = Recorder(raised, ok)
    transport, _ = make(recorder, max_retries=1)
    assert transport.post(BODY).json == COMPLETION


def test_async_retries_use_the_injected_async_sleep() -> None:
    recorder = Recorder(status(502), status(429, {"retry-after-ms": "5"}), ok)
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    transport = ChatTransport(
        url=URL,
        headers={},
        timeout=5,
        max_retries=2,
        http_async_client=httpx2.AsyncClient(transport=httpx2.MockTransport(recorder)),
        asleep=fake_sleep,
    )
    started = time.perf_counter()
    reply = asyncio.run(transport.apost(BODY))
    assert time.perf_counter() - started < 0.5
    assert reply.json == COMPLETION
    assert len(recorder.requests) == 3
    assert slept[1] == 0.005


def test_stream_setup_is_retried_but_never_a_started_stream() -> None:
    recorder = Recorder(
        status(503),
        lambda: httpx2.Response(
            200,
            headers={"content-type": "text/event-stream"},
            content=iter([sse(chunk("a")), b"data: {not json\n\n"]),
        ),
    )
    transport, sleeps = make(recorder, max_retries=3)
    received: list[dict[str, Any]] = []
    with pytest.raises(errors.MalformedStreamError), transport.stream(BODY) as stream:
        received.extend(stream)
    assert len(recorder.requests) == 2  # one retry of the setup, none after chunks flowed
    assert len(sleeps) == 1
    assert [c["choices"][0]["delta"]["content"] for c in received] == ["a"]


def test_redirects_are_not_followed() -> None:
    recorder = Recorder(
        lambda: httpx2.Response(307, headers={"location": "https://elsewhere.example/steal"})
    )
    transport, _ = make(recorder, headers={"cf-aig-authorization": "Bearer tok"})
    with pytest.raises(errors.CloudflareGrokAPIStatusError) as caught:
        transport.post(BODY)
    assert caught.value.status_code == 307
    assert [str(r.url) for r in recorder.requests] == [URL]


# -- SSE decoding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reads", "expected"),
    [
        ([b"data: {}\n\n"], [b"{}"]),
        ([b"data: a\r\n\r\n"], [b"a"]),
        ([b"data: a\r\rdata: b\r\r"], [b"a", b"b"]),
        ([b"data: a\r", b"\n\r", b"\n"], [b"a"]),  # CRLF split across reads
        ([b"data: line1\ndata: line2\n\n"], [b"line1\nline2"]),
        ([b": keep-alive\n\n", b"data: x\n\n"], [b"x"]),
        ([b":\n", b"data: x\n: comment inside\n\n"], [b"x"]),
        ([b"data:nospace\n\n"], [b"nospace"]),
        ([b"data:  two spaces\n\n"], [b" two spaces"]),
        ([b"data\n\n"], [b""]),
        ([b"id: 7\nretry: 100\nevent: message\ndata: x\n\n"], [b"x"]),
        ([b"\n\n\n"], []),
        ([b"da", b'ta: {"a"', b":1}\n", b"\n"], [b'{"a":1}']),
        ([b"data: a\n\ndata: b\n\ndata: [DONE]\n\n"], [b"a", b"b", b"[DONE]"]),
    ],
)
def test_sse_decoder(reads: list[bytes], expected: list[bytes]) -> None:
    decoder = SseDecoder()
    events = [event for read in reads for event in decoder.feed(read)]
    events += decoder.flush()
    assert events == expected


def test_sse_decoder_marks_error_events_and_flushes_an_unterminated_event() -> None:
    decoder = SseDecoder()
    events = decoder.feed(b'event: error\ndata: {"message":"overloaded"}\n\ndata: [DONE]')
    assert events == [b'{"message":"overloaded"}']
    assert type(events[0]) is ErrorEventData
    assert decoder.flush() == [b"[DONE]"]
    assert type(decoder.feed(b"data: x\n\n")[0]) is bytes


@settings(max_examples=100, deadline=None)
@given(
    payloads=st.lists(
        st.text(
            alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"),
            max_size=20,
        ),
        max_size=6,
    ),
    newline=st.sampled_from([b"\n", b"\r\n", b"\r"]),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=12),
    comments=st.booleans(),
)
def test_sse_decoder_is_independent_of_how_reads_are_split(
    payloads: list[str], newline: bytes, cuts: list[int], comments: bool
) -> None:
    body = b""
    for payload in payloads:
        if comments:
            body += b": ping" + newline
        body += b"data: " + payload.encode() + newline + newline
    points = sorted({min(cut, len(body)) for cut in cuts} | {0, len(body)})
    decoder = SseDecoder()
    events = [e for a, b in itertools.pairwise(points) for e in decoder.feed(body[a:b])]
    events += decoder.flush()
    assert events == [payload.encode() for payload in payloads]


def test_parse_json() -> None:
    assert parse_json(b'{"a": [1, "\\u00e9"]}') == {"a": [1, "é"]}
    assert parse_json(b'  {"a": 1}  ') == {"a": 1}
    with pytest.raises(ValueError, match="Extra data"):
        parse_json(b'{"a": 1} junk')
    with pytest.raises(ValueError):
        parse_json(b'{"a": ')
    with pytest.raises(ValueError):
        parse_json(b"\xff\xfe")


# -- streams through the transport ----------------------------------------------------------------


def streaming(*reads: bytes | Exception, content_type: str = "text/event-stream") -> Recorder:
    def body() -> Iterator[bytes]:
        for read in reads:
            if isinstance(read, Exception):
                raise read
            yield read

    return Recorder(
        lambda: httpx2.Response(
            200, headers={"content-type": content_type, "cf-aig-log-id": LOG_ID}, content=body()
        )
    )


def read_stream(transport: ChatTransport) -> list[dict[str, Any]]:
    with transport.stream(BODY) as stream:
        assert stream.log_id == LOG_ID
        assert stream.status_code == 200
        return list(stream)


def contents(chunks: list[dict[str, Any]]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])


def test_stream_yields_chunks_until_done() -> None:
    recorder = streaming(
        b": connected\r\n\r\n",
        sse(chunk("Hel"))[:-1],
        b"\n" + sse(chunk("lo"), chunk(" wor")).replace(b"\n", b"\r\n"),
        b'data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":\ndata: {"content":"ld"}}]}\n\n',
        b"data: [DONE]\n\n",
        b"data: after-done-is-ignored\n\n",
    )
    transport, _ = make(recorder)
    chunks = read_stream(transport)
    assert contents(chunks) == "Hello world"
    assert len(chunks) == 4


@pytest.mark.parametrize(
    ("reads", "expected", "detail"),
    [
        ([sse(chunk("a"))], errors.IncompleteStreamError, "before `data: [DONE]`, after 1 chunks"),
        (
            [sse(chunk("a")), b'data: {"id": "x", "choi\n\n'],
            errors.MalformedStreamError,
            "not JSON",
        ),
        (
            [sse(chunk("a")), b"data: [1, 2]\n\n"],
            errors.MalformedStreamError,
            "list, not an object",
        ),
        ([b"data: \xff\xfe\n\n"], errors.MalformedStreamError, "not JSON"),
        (
            [
                sse(chunk("a")),
                b'data: {"error": {"message": "Model overloaded", "type": "server_error"}}\n\n',
            ],
            errors.MidStreamError,
            "Model overloaded",
        ),
        (
            [b'data: {"code": "Internal", "error": "upstream died"}\n\n'],
            errors.MidStreamError,
            "xAI: upstream died (Internal)",
        ),
        (
            [b"event: error\ndata: service unavailable\n\n"],
            errors.MidStreamError,
            "service unavailable",
        ),
        (
            [sse(chunk("a")), httpx2.ReadError("connection reset by peer")],
            errors.CloudflareGrokConnectionError,
            "ReadError",
        ),
        (
            [sse(chunk("a")), httpx2.RemoteProtocolError("incomplete chunked read")],
            errors.CloudflareGrokConnectionError,
            "incomplete chunked read",
        ),
        (
            [sse(chunk("a")), httpx2.ReadTimeout("timed out")],
            errors.CloudflareGrokTimeoutError,
            "ReadTimeout",
        ),
    ],
)
def test_broken_streams_raise_with_log_id(
    reads: list[bytes | Exception], expected: type[openai.APIError], detail: str
) -> None:
    recorder = streaming(*reads)
    transport, sleeps = make(recorder, max_retries=2)
    with pytest.raises(expected) as caught:
        read_stream(transport)
    error = caught.value
    assert isinstance(error, openai.APIError)
    assert error.log_id == LOG_ID
    assert error.status_code is None
    assert detail in str(error)
    assert error.is_retryable is True
    assert len(recorder.requests) == 1  # a started stream is never re-sent
    assert sleeps == []
    if isinstance(reads[-1], Exception):
        assert error.__cause__ is reads[-1]


def test_mid_stream_error_keeps_the_sdk_body() -> None:
    recorder = streaming(b'data: {"error": {"message": "boom", "code": 2005}}\n\n')
    transport, _ = make(recorder)
    with pytest.raises(errors.MidStreamError) as caught:
        read_stream(transport)
    assert caught.value.body == {"message": "boom", "code": 2005}
    assert caught.value.code == "2005"  # the SDK's APIError reads `code` from the body


def test_chunk_with_null_error_is_not_an_error() -> None:
    recorder = streaming(b'data: {"choices": [], "error": null}\n\n', b"data: [DONE]\n\n")
    transport, _ = make(recorder)
    assert read_stream(transport) == [{"choices": [], "error": None}]


def test_gzip_encoded_stream_is_decoded() -> None:
    import gzip

    compressed = gzip.compress(sse(chunk("zip"), b"data: [DONE]\n\n"))
    recorder = Recorder(
        lambda: httpx2.Response(
            200,
            headers={"content-type": "text/event-stream", "content-encoding": "gzip"},
            content=iter([compressed[:10], compressed[10:]]),
        )
    )
    transport, _ = make(recorder)
    with transport.stream(BODY) as stream:
        assert contents(list(stream)) == "zip"


def test_async_stream() -> None:
    async def body() -> Any:
        yield sse(chunk("as"))
        yield b": ping\n\n"
        yield sse(chunk("ync"), b"data: [DONE]\n\n")

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    transport = ChatTransport(
        url=URL,
        headers={},
        timeout=5,
        max_retries=0,
        http_async_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )

    async def run() -> list[dict[str, Any]]:
        async with transport.astream(BODY) as stream:
            return [c async for c in stream]

    assert contents(asyncio.run(run())) == "async"


def test_async_stream_without_done_raises() -> None:
    async def body() -> Any:
        yield sse(chunk("half"))

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            200,
            headers={"content-type": "text/event-stream", "cf-aig-log-id": LOG_ID},
            content=body(),
        )

    transport = ChatTransport(
        url=URL,
        headers={},
        timeout=5,
        max_retries=0,
        http_async_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )

    async def run() -> None:
        async with transport.astream(BODY) as stream:
            async for _ in stream:
                pass

    with pytest.raises(errors.IncompleteStreamError) as caught:
        asyncio.run(run())
    assert caught.value.log_id == LOG_ID


# -- a stream request answered with one JSON body (Guardrails buffering) ------------------------


def merge(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """Reassemble a message from chunks the way a client accumulates deltas."""
    message: dict[str, Any] = {"content": "", "reasoning_content": "", "tool_calls": {}}
    finish_reason = usage = None
    for c in chunks:
        usage = c.get("usage") or usage
        for choice in c["choices"]:
            delta = choice["delta"]
            message["role"] = delta.get("role", message.get("role"))
            message["content"] += delta.get("content") or ""
            message["reasoning_content"] += delta.get("reasoning_content") or ""
            for call in delta.get("tool_calls") or ():
                message["tool_calls"][call["index"]] = call
            finish_reason = choice["finish_reason"] or finish_reason
    return {"message": message, "finish_reason": finish_reason, "usage": usage}


def test_buffered_json_answer_to_a_stream_is_replayed_as_chunks() -> None:
    recorder = Recorder(
        lambda: httpx2.Response(200, json=COMPLETION, headers={"cf-aig-log-id": LOG_ID})
    )
    transport, _ = make(recorder)
    with transport.stream(BODY) as stream:
        assert stream.buffered is True
        assert stream.log_id == LOG_ID
        chunks = list(stream)
    merged = merge(chunks)
    original = COMPLETION["choices"][0]["message"]
    assert merged["message"]["role"] == "assistant"
    assert merged["message"]["content"] == original["content"]
    assert merged["message"]["reasoning_content"] == original["reasoning_content"]
    assert [merged["message"]["tool_calls"][i]["function"] for i in (0, 1)] == [
        call["function"] for call in original["tool_calls"]
    ]
    assert merged["finish_reason"] == "tool_calls"
    assert merged["usage"] == COMPLETION["usage"]
    for c in chunks:
        assert c["object"] == "chat.completion.chunk"
        assert c["id"] == "chatcmpl-1"
        assert c["citations"] == ["https://x.ai"]


def test_chunks_from_completion_keeps_every_choice_and_existing_indexes() -> None:
    completion = {
        "id": "c",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": "a"},
                "logprobs": {"content": []},
            },
            {
                "index": 1,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "index": 3,
                            "id": "t",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
            },
        ],
    }
    chunks = chunks_from_completion(completion)
    assert len(chunks) == 2  # no usage: no usage chunk
    assert chunks[0]["choices"][0]["logprobs"] == {"content": []}
    assert chunks[1]["choices"][0]["index"] == 1
    assert chunks[1]["choices"][0]["delta"]["tool_calls"][0]["index"] == 3


def test_async_buffered_json_answer() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=COMPLETION)

    transport = ChatTransport(
        url=URL,
        headers={},
        timeout=5,
        max_retries=0,
        http_async_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )

    async def run() -> list[dict[str, Any]]:
        async with transport.astream(BODY) as stream:
            assert stream.buffered
            return [c async for c in stream]

    assert merge(asyncio.run(run()))["message"]["content"] == "Let me check."


def test_sse_sent_without_its_content_type_is_still_parsed() -> None:
    recorder = streaming(sse(chunk("plain"), b"data: [DONE]\n\n"), content_type="text/plain")
    transport, _ = make(recorder)
    with transport.stream(BODY) as stream:
        assert stream.buffered is False
        assert contents(list(stream)) == "plain"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<html>oops</html>", errors.CloudflareGrokResponseError),
        (b'{"id": "x"}', errors.CloudflareGrokResponseError),
        (b'{"error": {"message": "late failure"}}', errors.MidStreamError),
    ],
)
def test_unusable_buffered_bodies_raise(content: bytes, expected: type[Exception]) -> None:
    recorder = streaming(content, content_type="application/json")
    transport, _ = make(recorder)
    with pytest.raises(expected), transport.stream(BODY) as stream:
        list(stream)


@pytest.mark.parametrize("content", [b"<html>proxy login</html>", b"[1, 2]", b""])
def test_non_object_2xx_bodies_raise_a_response_error(content: bytes) -> None:
    recorder = Recorder(
        lambda: httpx2.Response(200, content=content, headers={"cf-aig-log-id": LOG_ID})
    )
    transport, _ = make(recorder)
    with pytest.raises(openai.APIResponseValidationError) as caught:
        transport.post(BODY)
    assert caught.value.log_id == LOG_ID
    assert caught.value.status_code == 200


# -- headers ---------------------------------------------------------------------------------------


def test_per_call_headers_merge_and_none_removes() -> None:
    recorder = Recorder(ok)
    client = httpx2.Client(
        transport=httpx2.MockTransport(recorder),
        headers={"x-client-default": "1", "authorization": "Bearer from-client"},
    )
    transport, _ = make(
        recorder,
        client=client,
        headers={
            "authorization": "Bearer xai-k",
            "cf-aig-authorization": "Bearer tok",
            "cf-aig-skip-cache": "false",
        },
    )
    transport.post(
        BODY,
        headers={
            "Authorization": None,
            "CF-AIG-Skip-Cache": "true",
            "x-client-default": None,
            "cf-aig-event-id": "run-1",
        },
    )
    sent = recorder.requests[0].headers
    assert "authorization" not in sent
    assert "x-client-default" not in sent
    assert sent["cf-aig-skip-cache"] == "true"
    assert sent["cf-aig-event-id"] == "run-1"
    assert sent["cf-aig-authorization"] == "Bearer tok"
    assert sent["content-type"] == "application/json"
    assert json.loads(recorder.requests[0].content) == BODY

    transport.post(BODY)  # per-call headers do not stick
    assert recorder.requests[1].headers["authorization"] == "Bearer xai-k"
    assert recorder.requests[1].headers["cf-aig-skip-cache"] == "false"


def test_stored_keys_mode_sends_no_authorization_on_any_attempt() -> None:
    recorder = Recorder(
        status(503),
        lambda: httpx2.Response(
            200, headers={"content-type": "text/event-stream"}, content=sse(b"data: [DONE]\n\n")
        ),
    )
    client = httpx2.Client(
        transport=httpx2.MockTransport(recorder), auth=httpx2.BasicAuth("u", "p")
    )
    transport, _ = make(
        recorder,
        client=client,
        headers={"cf-aig-authorization": "Bearer tok", "authorization": "Bearer stale"},
    )
    with transport.stream(BODY, headers={"authorization": None}) as stream:
        assert list(stream) == []
    recorder.answers = [status(500), ok]
    transport.post(BODY, headers={"authorization": None})
    assert len(recorder.requests) == 4
    for request in recorder.requests:
        assert "authorization" not in request.headers
        assert request.headers["cf-aig-authorization"] == "Bearer tok"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"x-evil": "a\r\nInjected: 1"}, "x-evil"),
        ({"cf-aig-metadata": "caf\u00e9"}, "cf-aig-metadata"),
        ({"bad name": "v"}, "not a valid HTTP header name"),
        ({"x-pad": " v"}, "x-pad"),
    ],
)
def test_unsendable_headers_fail_before_any_request(headers: dict[str, str], message: str) -> None:
    recorder = Recorder(ok)
    transport, _ = make(recorder)
    with pytest.raises(ValueError, match=message) as caught:
        transport.post(BODY, headers=headers)
    assert "Injected" not in str(caught.value)
    with pytest.raises(ValueError, match=message):
        make(recorder, headers=headers)
    assert recorder.requests == []


def test_body_encoding_matches_the_sdk() -> None:
    class Schema(pydantic.BaseModel):
        name: str = "n"
        extra: int | None = None

    encoded = encode_body(
        {"msg": "café ✓", "when": dt.datetime(2026, 1, 2, 3, 4, 5), "schema": Schema(name="x")}
    )
    assert encoded == '{"msg":"café ✓","when":"2026-01-02T03:04:05","schema":{"name":"x"}}'.encode()
    assert encode_body(b"raw") == b"raw"
    for bad in ({"t": float("nan")}, {"s": {1, 2}}, {"lone": "\ud800"}):
        with pytest.raises(ValueError, match="cannot be sent as JSON"):
            encode_body(bad)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"timeout": -1.0}, "timeout"),
        ({"timeout": "soon"}, "timeout"),
        ({"chunk_timeout": 0}, "chunk_timeout"),
        ({"chunk_timeout": -5.0}, "chunk_timeout"),
        ({"url": "ftp://x/y"}, "http"),
        ({"url": "/relative/path"}, "http"),
        ({"proxy": "http://proxy:3128", "http_client": httpx2.Client()}, "proxy"),
    ],
)
def test_invalid_settings_are_refused(kwargs: dict[str, Any], message: str) -> None:
    settings_: dict[str, Any] = {
        "url": URL,
        "headers": {},
        "timeout": 5.0,
        "max_retries": 2,
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        ChatTransport(**settings_)


# -- shared clients ------------------------------------------------------------------------------


def shared(**kwargs: Any) -> ChatTransport:
    settings_: dict[str, Any] = {
        "url": URL,
        "headers": {},
        "timeout": 30.0,
        "max_retries": 2,
        **kwargs,
    }
    return ChatTransport(**settings_)


def test_sync_clients_are_shared_per_settings_not_per_headers() -> None:
    first = shared(headers={"authorization": "Bearer a"})
    second = shared(
        headers={"authorization": "Bearer b", "cf-aig-cache-ttl": "60"},
        url=URL + "x",
        max_retries=0,
    )
    assert first._client() is second._client()
    assert shared(timeout=31.0)._client() is not first._client()
    assert shared(proxy="http://127.0.0.1:3128")._client() is not first._client()
    assert shared(limits=httpx2.Limits(max_connections=5))._client() is not first._client()
    assert shared(verify=False)._client() is not first._client()
    client = first._client()
    assert client.timeout.read == 30.0
    assert client.follow_redirects is False
    assert DEFAULT_LIMITS.max_connections == 1000


def test_user_clients_are_used_as_given() -> None:
    recorder = Recorder(ok)
    client = httpx2.Client(transport=httpx2.MockTransport(recorder))
    transport, _ = make(recorder, client=client)
    assert transport._client() is client
    transport.post(BODY)
    assert not client.is_closed


def test_async_clients_are_per_event_loop_and_closed_with_it() -> None:
    transport = shared()

    async def get() -> tuple[httpx2.AsyncClient, httpx2.AsyncClient]:
        return transport._aclient(), shared(headers={"x": "y"})._aclient()

    a1, a2 = asyncio.run(get())
    assert a1 is a2  # one client per loop and settings
    b1, _ = asyncio.run(get())
    assert b1 is not a1  # a new loop gets its own client ...
    assert a1.is_closed  # ... and the old loop closed its client when it shut down
    assert b1.is_closed

    results: dict[str, httpx2.AsyncClient] = {}

    def in_thread(name: str) -> None:
        results[name] = asyncio.run(get())[0]

    threads = [threading.Thread(target=in_thread, args=(name,)) for name in ("t1", "t2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["t1"] is not results["t2"]
    assert results["t1"].is_closed
    assert results["t2"].is_closed


def test_loop_closed_without_shutting_down_async_generators_is_forgotten() -> None:
    transport = shared()

    async def get() -> httpx2.AsyncClient:
        return transport._aclient()

    loop = asyncio.new_event_loop()
    stale = loop.run_until_complete(get())
    loop.close()  # no shutdown_asyncgens(): our closer never ran
    fresh = asyncio.run(get())
    assert fresh is not stale
    from langchain_cfgateway_grok._transport import _SHARED

    assert loop not in _SHARED._async


def test_user_async_client_is_never_closed() -> None:
    client = httpx2.AsyncClient(transport=httpx2.MockTransport(Recorder(ok)))
    transport = ChatTransport(
        url=URL, headers={}, timeout=5, max_retries=0, http_async_client=client
    )
    assert asyncio.run(transport.apost(BODY)).json == COMPLETION
    assert not client.is_closed
