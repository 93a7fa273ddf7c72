"""ChatTransport with an `EventStreamEnd`: typed-event streams (xAI's Responses API) and `with_url`.

Responses streams carry `event:` lines, end with a terminal event and the end of the body, and
never send `data: [DONE]`. Unit, not emulator: answers come from an `httpx2.MockTransport`
(sockets are off here). The Responses path itself is tested end to end against the emulator in
tests/emulator_tests/test_responses_api.py.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import pytest

from langchain_cfgateway_grok import _errors as errors
from langchain_cfgateway_grok._sse import EventStreamEnd
from langchain_cfgateway_grok._transport import ChatTransport

CHAT_URL = "https://gateway.ai.cloudflare.com/v1/acct/gw/grok/v1/chat/completions"
RESPONSES_URL = "https://gateway.ai.cloudflare.com/v1/acct/gw/grok/v1/responses"
LOG_ID = "01JRESPONSESSTREAM00000000"
BODY = {"model": "grok-4.3", "input": "hi", "stream": True}


def _replay(body: dict[str, Any]) -> list[dict[str, Any]] | None:
    if body.get("object") != "response":
        return None
    return [{"type": "done", "response": body}]


END = EventStreamEnd(
    name="`done`", done=frozenset({"done"}), failed=frozenset({"failed"}), replay=_replay
)


def event(kind: str, **fields: Any) -> bytes:
    payload = json.dumps({"type": kind, **fields}).encode()
    return b"event: " + kind.encode() + b"\ndata: " + payload + b"\n\n"


def sse_response(body: bytes, *, content_type: str = "text/event-stream") -> httpx2.Response:
    return httpx2.Response(
        200, content=body, headers={"content-type": content_type, "cf-aig-log-id": LOG_ID}
    )


class Recorder:
    def __init__(self, answer: httpx2.Response) -> None:
        self.answer = answer
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return self.answer


def transports(answer: httpx2.Response) -> tuple[ChatTransport, Recorder]:
    recorder = Recorder(answer)
    chat = ChatTransport(
        url=CHAT_URL,
        headers={"authorization": "Bearer xai-k", "cf-aig-cache-ttl": "60"},
        timeout=5.0,
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(recorder)),
        http_async_client=httpx2.AsyncClient(transport=httpx2.MockTransport(recorder)),
    )
    return chat.with_url(RESPONSES_URL), recorder


def read_sync(transport: ChatTransport) -> list[dict[str, Any]]:
    with transport.stream(BODY, end=END) as stream:
        return list(stream)


def read_async(transport: ChatTransport) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        async with transport.astream(BODY, end=END) as stream:
            return [value async for value in stream]

    return asyncio.run(run())


READERS = pytest.mark.parametrize("read", [read_sync, read_async], ids=["sync", "async"])


@READERS
def test_a_typed_stream_ends_at_its_terminal_event(read: Any) -> None:
    body = event("start", n=1) + event("delta", text="hi") + event("done", n=3)
    transport, recorder = transports(sse_response(body))
    values = read(transport)
    assert [v["type"] for v in values] == ["start", "delta", "done"]
    assert str(recorder.requests[0].url) == RESPONSES_URL


@READERS
def test_events_after_the_terminal_one_are_not_read(read: Any) -> None:
    # A `[DONE]` (or anything) after the terminal event is never reached.
    body = event("start") + event("done") + b"data: [DONE]\n\n" + event("late")
    transport, _ = transports(sse_response(body))
    assert [v["type"] for v in read(transport)] == ["start", "done"]


@READERS
def test_a_body_ending_before_the_terminal_event_is_incomplete(read: Any) -> None:
    transport, _ = transports(sse_response(event("start") + event("delta", text="cut")))
    with pytest.raises(errors.IncompleteStreamError) as caught:
        read(transport)
    assert caught.value.log_id == LOG_ID
    assert "ended before `done`, after 2 chunks" in str(caught.value)
    assert LOG_ID in str(caught.value)


@READERS
def test_done_marker_before_the_terminal_event_is_incomplete(read: Any) -> None:
    transport, _ = transports(sse_response(event("start") + b"data: [DONE]\n\n"))
    with pytest.raises(errors.IncompleteStreamError, match="ended before `done`"):
        read(transport)


@READERS
def test_a_failed_event_raises_with_the_error_of_its_response(read: Any) -> None:
    failed = {"id": "r1", "status": "failed", "error": {"code": "server_error", "message": "boom"}}
    transport, _ = transports(sse_response(event("start") + event("failed", response=failed)))
    with pytest.raises(errors.MidStreamError) as caught:
        read(transport)
    assert "boom" in str(caught.value)
    assert caught.value.log_id == LOG_ID


@READERS
def test_an_error_event_raises(read: Any) -> None:
    body = event("start") + b'event: error\ndata: {"type":"error","code":"x","message":"bad"}\n\n'
    transport, _ = transports(sse_response(body))
    with pytest.raises(errors.MidStreamError, match="bad"):
        read(transport)


@READERS
def test_a_json_body_answering_the_stream_request_is_replayed(read: Any) -> None:
    response = {"id": "r1", "object": "response", "status": "completed", "output": []}
    answer = httpx2.Response(200, json=response, headers={"cf-aig-log-id": LOG_ID})
    transport, _ = transports(answer)
    assert read(transport) == [{"type": "done", "response": response}]


@READERS
def test_a_json_body_that_stands_for_no_stream_is_an_invalid_response(read: Any) -> None:
    answer = httpx2.Response(200, json={"choices": []}, headers={"cf-aig-log-id": LOG_ID})
    transport, _ = transports(answer)
    with pytest.raises(errors.CloudflareGrokResponseError, match="does not stand for `done`"):
        read(transport)


@READERS
def test_a_json_error_body_answering_the_stream_request_raises(read: Any) -> None:
    answer = httpx2.Response(200, json={"code": "x", "error": "nope"})
    transport, _ = transports(answer)
    with pytest.raises(errors.MidStreamError, match="nope"):
        read(transport)


def test_with_url_keeps_headers_and_posts_to_the_new_url() -> None:
    response = {"id": "r1", "object": "response", "status": "completed", "output": []}
    transport, recorder = transports(httpx2.Response(200, json=response))
    reply = transport.post({"model": "grok-4.3", "input": "hi"})
    assert reply.json == response
    request = recorder.requests[0]
    assert str(request.url) == RESPONSES_URL
    assert request.headers["authorization"] == "Bearer xai-k"
    assert request.headers["cf-aig-cache-ttl"] == "60"
    assert request.headers["host"] == "gateway.ai.cloudflare.com"


def test_with_url_refuses_a_relative_url() -> None:
    transport, _ = transports(httpx2.Response(200, json={}))
    with pytest.raises(ValueError, match="absolute http"):
        transport.with_url("/v1/responses")


def test_an_openai_style_stream_is_unchanged_without_an_end_rule() -> None:
    body = b'data: {"choices": []}\n\n' + event("done")
    transport, _ = transports(sse_response(body))
    with pytest.raises(errors.IncompleteStreamError, match=r"before `data: \[DONE\]`"):  # noqa: SIM117
        with transport.stream(BODY) as stream:
            list(stream)
