"""Connections and file descriptors stay steady over many faulted calls (issue 7).

1,000 faulted calls with `max_retries=0`, cycling through every kind of failure the fault matrix
has that ends fast (status errors, a body cut short, streams cut, malformed or carrying an error
event, an RST before or during an answer, a refused connection) on all four operations; then 50
calls that each need two client retries (server-directed waits of 1 ms, slept for real). Open
descriptors (and sockets among them) are counted from `/proc/self/fd` after a warm-up and at the
end; the emulator and the proxy run in this process, so their sides count too.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import openai
import pytest

from langchain_cfgateway_grok import ChatCloudflareGrok
from langchain_cfgateway_grok.emulator import GatewayEmulator
from tests.emulator_tests.reliability import _raw_server as raw
from tests.emulator_tests.reliability._bench import (
    XAI_KEY,
    make_model,
    merged,
    open_fds,
    open_sockets,
    settle,
)

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")

FAULTED_CALLS = 1000
RETRIED_CALLS = 50
CHECKPOINT = 250  # descriptors are counted after every block of this many calls
TOLERANCE = 3  # descriptors: a lazily created client or a socket still closing on a server thread


@dataclass
class Rig:
    emu: GatewayEmulator
    proxy: raw.FaultProxy
    direct: ChatCloudflareGrok
    proxied: ChatCloudflareGrok
    refused: ChatCloudflareGrok


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    with GatewayEmulator(xai_keys=[XAI_KEY]) as emu:
        host, port = emu.url.removeprefix("http://").split("/")[0].split(":")
        proxy = raw.FaultProxy((host, int(port)))
        timeout = 7.3  # a shared client of its own, not reused by other modules' tests
        try:
            yield Rig(
                emu,
                proxy,
                make_model(emu.url, max_retries=0, timeout=timeout),
                make_model(proxy.url, max_retries=0, timeout=timeout),
                make_model(
                    f"http://127.0.0.1:{raw.closed_port()}/v1", max_retries=0, timeout=timeout
                ),
            )
        finally:
            proxy.close()


Fault = Callable[[Rig], ChatCloudflareGrok]
"""Arms one fault for the next request and returns the model to call."""


def edge(**fault: object) -> Fault:
    def arm(rig: Rig) -> ChatCloudflareGrok:
        rig.emu.faults.add(**fault)  # type: ignore[arg-type]
        return rig.direct

    return arm


def proxied(action: raw.Action) -> Fault:
    def arm(rig: Rig) -> ChatCloudflareGrok:
        rig.proxy.plan(action, 1)
        return rig.proxied

    return arm


def refused(rig: Rig) -> ChatCloudflareGrok:
    return rig.refused


def error_event(rig: Rig) -> ChatCloudflareGrok:
    chunk = '{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{}}]}'
    rig.emu.script_raw(
        200,
        f'data: {chunk}\n\ndata: {{"error": {{"message": "overloaded"}}}}\n\n',
        {"content-type": "text/event-stream"},
    )
    return rig.direct


ANY_CALL = ("invoke", "ainvoke", "stream", "astream")
STREAMS = ("stream", "astream")
JSON_CALLS = ("invoke", "ainvoke")
#: (fault, the operations it breaks). Each faulted call below must raise.
FAULTS: tuple[tuple[Fault, tuple[str, ...]], ...] = (
    (edge(status=503), ANY_CALL),
    (edge(status=429, retry_after_ms=1), ANY_CALL),
    (edge(gateway_error="spend_limit"), ANY_CALL),
    (edge(status=502, body="<html><title>502</title></html>", body_kind="html"), ANY_CALL),
    (edge(truncate_body=True), JSON_CALLS),
    (edge(cut_stream_after_chunks=2), STREAMS),
    (edge(cut_stream_after_chunks=2, cut_abruptly=False), STREAMS),
    (edge(malformed_sse_after_chunks=1), STREAMS),
    (error_event, STREAMS),
    (proxied(raw.reset_before_response), ANY_CALL),
    (proxied(raw.reset_mid_body(events=2)), ANY_CALL),
    (refused, ANY_CALL),
)
SCHEDULE = [(fault, operation) for fault, operations in FAULTS for operation in operations]


def call(model: ChatCloudflareGrok, operation: str, prompt: str) -> str:
    if operation == "invoke":
        return model.invoke(prompt).text
    if operation == "stream":
        return merged(model.stream(prompt)).text
    msg = f"not a sync operation: {operation}"
    raise AssertionError(msg)


async def acall(model: ChatCloudflareGrok, operation: str, prompt: str) -> str:
    if operation == "ainvoke":
        return (await model.ainvoke(prompt)).text
    return merged([chunk async for chunk in model.astream(prompt)]).text


def faulted_calls(rig: Rig, start: int, count: int) -> int:
    """Run `count` faulted calls (sync ones directly, async ones in one event loop per run of
    consecutive async calls); the number that raised an openai.APIError."""
    raised = 0
    pending_async: list[tuple[Fault, str]] = []

    def flush_async() -> None:
        nonlocal raised

        async def run_all() -> int:
            failures = 0
            for fault, operation in pending_async:
                model = fault(rig)
                try:
                    await acall(model, operation, "nonce:leak")
                except openai.APIError:
                    failures += 1
            return failures

        if pending_async:
            raised += asyncio.run(run_all())
            pending_async.clear()

    for index in range(start, start + count):
        fault, operation = SCHEDULE[index % len(SCHEDULE)]
        if operation.startswith("a"):
            pending_async.append((fault, operation))
            continue
        flush_async()
        model = fault(rig)
        try:
            call(model, operation, "nonce:leak")
        except openai.APIError:
            raised += 1
    flush_async()
    return raised


def test_descriptors_steady_over_1000_faulted_calls(rig: Rig) -> None:
    rig.emu.reset()
    assert faulted_calls(rig, 0, 2 * len(SCHEDULE)) == 2 * len(SCHEDULE)  # warm-up: every kind
    baseline = settle(0, timeout=0.3)
    sockets_before = open_sockets()
    threads_before = threading.active_count()
    started = time.monotonic()

    raised, series = 0, []
    for start in range(0, FAULTED_CALLS, CHECKPOINT):
        raised += faulted_calls(rig, start, CHECKPOINT)
        series.append(settle(baseline + TOLERANCE))  # steady: no growth from one block to the next

    elapsed = time.monotonic() - started
    after = series[-1]
    sockets_after = open_sockets()
    print(
        f"\nLEAKS faulted: calls={FAULTED_CALLS} raised={raised} fds {baseline}->{series} "
        f"sockets {sockets_before}->{sockets_after} requests={len(rig.emu.requests)} "
        f"proxy={rig.proxy.requests} seconds={elapsed:.1f}"
    )
    assert raised == FAULTED_CALLS  # every call met its fault and raised
    assert max(series) <= baseline + TOLERANCE
    assert after <= baseline + TOLERANCE
    assert sockets_after <= sockets_before + TOLERANCE
    deadline = time.monotonic() + 3
    while threading.active_count() > threads_before + TOLERANCE and time.monotonic() < deadline:
        time.sleep(0.02)
    assert threading.active_count() <= threads_before + TOLERANCE


def test_descriptors_steady_over_50_retried_calls(rig: Rig) -> None:
    """Each call fails twice (429, 503 or 2003 with `retry-after-ms: 1`), then succeeds."""
    rig.emu.reset()
    model = make_model(rig.emu.url, max_retries=2, timeout=7.3)
    faults: tuple[dict[str, Any], ...] = (
        {"status": 429, "retry_after_ms": 1},
        {"status": 503, "retry_after_ms": 1},
        {"gateway_error": "rate_limited", "retry_after_ms": 1},
    )

    def retried_call(index: int) -> None:
        rig.emu.faults.add(times=2, **faults[index % len(faults)])
        nonce = uuid.uuid4().hex
        operation = ANY_CALL[index % len(ANY_CALL)]
        if operation.startswith("a"):
            text = asyncio.run(acall(model, operation, f"nonce:{nonce}"))
        else:
            text = call(model, operation, f"nonce:{nonce}")
        assert text == f"nonce:{nonce}"

    for index in range(8):
        retried_call(index)
    baseline = settle(0, timeout=0.3)
    requests_before = len(rig.emu.requests)
    started = time.monotonic()
    for index in range(RETRIED_CALLS):
        retried_call(index)
    elapsed = time.monotonic() - started
    after = settle(baseline + TOLERANCE)
    print(
        f"\nLEAKS retried: calls={RETRIED_CALLS} requests={len(rig.emu.requests) - requests_before}"
        f" fds {baseline}->{after} seconds={elapsed:.1f}"
    )
    assert len(rig.emu.requests) - requests_before == 3 * RETRIED_CALLS
    assert after <= baseline + TOLERANCE


def test_fds_counter_sees_a_leak() -> None:
    """The counter is sensitive: five sockets left open are seen (so the tests above can fail)."""
    baseline = open_fds()
    import socket

    leaked = [socket.socket() for _ in range(5)]
    try:
        assert open_fds() == baseline + 5
    finally:
        for sock in leaked:
            sock.close()
    assert settle(baseline) == baseline
