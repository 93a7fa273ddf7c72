"""The HTTP app: plain ASGI over the `Gateway`, streaming SSE one event per send.

Plain ASGI (no framework) because the edge faults need byte-level control: a `Content-Length` larger
than the body, a connection dropped mid-stream, a stall between two events. Each SSE event goes out
in its own `http.response.body` message with `more_body=True`, so a client sees every chunk when it
is sent; nothing is buffered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from langchain_cfgateway_grok.emulator._faults import Fault
from langchain_cfgateway_grok.emulator._pipeline import Answer, Gateway, IncomingRequest

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


_NO_SHAPING = Fault()


class DeliberateDisconnect(Exception):  # noqa: N818 - it is a signal, not an error
    """Raised by the app to make the server drop the connection (a fault, not a bug).

    `_server.py` filters these out of uvicorn's error log.
    """


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _encode_headers(
    headers: tuple[tuple[str, str], ...], extra: list[tuple[str, str]]
) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("utf-8")) for name, value in (*headers, *extra)]


class GatewayApp:
    """ASGI application serving the emulated gateway."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request (other scope types are ignored)."""
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        request = IncomingRequest(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=tuple(
                (name.decode("latin-1").lower(), value.decode("latin-1"))
                for name, value in scope["headers"]
            ),
            body=body,
        )
        answer = await self.gateway.handle(request)
        await send_answer(answer, send)


async def send_answer(answer: Answer, send: Send) -> None:
    """Write `answer`, applying its edge shaping (delays, stalls, cuts, truncation)."""
    shaping = answer.shaping or _NO_SHAPING
    if shaping.first_byte_delay:
        await asyncio.sleep(shaping.first_byte_delay)
    if answer.events is None:
        await _send_body(answer, shaping, send)
    else:
        await _send_events(answer, answer.events, shaping, send)


async def _send_body(answer: Answer, shaping: Fault, send: Send) -> None:
    length = [("content-length", str(len(answer.body)))]
    await send(
        {
            "type": "http.response.start",
            "status": answer.status,
            "headers": _encode_headers(answer.headers, length),
        }
    )
    if shaping.truncate_body and answer.body:
        await send(
            {
                "type": "http.response.body",
                "body": answer.body[: len(answer.body) // 2],
                "more_body": True,
            }
        )
        raise DeliberateDisconnect
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


async def _send_events(
    answer: Answer, events: tuple[bytes, ...], shaping: Fault, send: Send
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": answer.status,
            "headers": _encode_headers(answer.headers, []),
        }
    )
    for sent, event in enumerate(events):
        if shaping.malformed_sse_after_chunks == sent:
            await send(
                {
                    "type": "http.response.body",
                    "body": shaping.malformed_sse_line,
                    "more_body": True,
                }
            )
        if shaping.stall_after_chunks == sent and shaping.stall_seconds:
            await asyncio.sleep(shaping.stall_seconds)
        if shaping.cut_stream_after_chunks is not None and (
            sent >= shaping.cut_stream_after_chunks or sent == len(events) - 1
        ):
            if shaping.cut_abruptly:
                raise DeliberateDisconnect
            break
        await send({"type": "http.response.body", "body": event, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})
