"""HTTP-level faults for client retry and robustness tests (docs/emulator.md "Fault plan").

These shape what the client receives; the exact failure modes are the emulator's, chosen to cover
what real edges do: 429 with or without `Retry-After` (§5 rate limiting: header Unconfirmed), 5xx
(xai-api.md §1.5), gateway envelopes (§4.1), plain-text/HTML edge bodies (§4.3: "Edge 403s may be
plain text, e.g. `error code: 1010`"), broken SSE (xai-api.md §1.4), late or stalled bytes.
"""

from __future__ import annotations

import time
from typing import Any

import httpx2
import pytest

from langchain_cfgateway_grok.emulator import GatewayEmulator
from tests.emulator_tests.contract._support import (
    GROK_PATH,
    UUID7,
    XAI_AUTH,
    chat,
    origin,
    post,
    sse_events,
)


def _stream_raw(url: str) -> tuple[list[bytes], BaseException | None]:
    received: list[bytes] = []
    error: BaseException | None = None
    try:
        with httpx2.stream(
            "POST", origin(url) + GROK_PATH, json=chat(stream=True), headers=XAI_AUTH
        ) as response:
            for raw in response.iter_raw():
                received.append(raw)
    except httpx2.HTTPError as e:
        error = e
    return received, error


def test_status_fault_for_the_next_n_requests(cfgateway_emulator: GatewayEmulator) -> None:
    """`times=2`: two 503s, then the normal answer; each still carries the gateway ids."""
    cfgateway_emulator.faults.add(status=503, times=2)
    statuses = [post(cfgateway_emulator.url) for _ in range(3)]
    assert [r.status_code for r in statuses] == [503, 503, 200]
    assert all(UUID7.match(r.headers["cf-aig-log-id"]) for r in statuses)
    assert set(statuses[0].json()) == {"code", "error"}  # xAI-style flat body by default
    assert len(cfgateway_emulator.faults) == 0


@pytest.mark.parametrize(
    ("kwargs", "header", "value"),
    [
        ({"retry_after": 2}, "retry-after", "2"),
        ({"retry_after_ms": 250}, "retry-after-ms", "250"),
        ({}, "retry-after", None),
    ],
)
def test_429_with_and_without_retry_after(
    cfgateway_emulator: GatewayEmulator, kwargs: dict[str, Any], header: str, value: str | None
) -> None:
    cfgateway_emulator.faults.add(status=429, **kwargs)
    response = post(cfgateway_emulator.url)
    assert response.status_code == 429
    assert response.headers.get(header) == value


def test_gateway_error_envelope_fault(cfgateway_emulator: GatewayEmulator) -> None:
    """§4.1 envelope by name; `status` may override the table's status."""
    cfgateway_emulator.faults.add(gateway_error="rate_limited")
    cfgateway_emulator.faults.add(gateway_error="unauthorized", status=403)
    first, second = post(cfgateway_emulator.url), post(cfgateway_emulator.url)
    assert (first.status_code, first.json()["internalCode"]) == (429, 2003)
    assert first.json()["error"] == [{"code": 2003, "message": "Rate limited"}]
    assert (second.status_code, second.json()["httpCode"]) == (403, 403)


@pytest.mark.parametrize(
    ("body", "kind", "content_type"),
    [
        ("error code: 1010", "text", "text/plain; charset=utf-8"),
        ("<html><body>502 Bad Gateway</body></html>", "html", "text/html; charset=utf-8"),
    ],
)
def test_non_json_error_bodies(
    cfgateway_emulator: GatewayEmulator, body: str, kind: str, content_type: str
) -> None:
    cfgateway_emulator.faults.add(status=502, body=body, body_kind=kind)  # type: ignore[arg-type]
    response = post(cfgateway_emulator.url)
    assert response.status_code == 502
    assert response.headers["content-type"] == content_type
    assert response.text == body


def test_malformed_sse_line(cfgateway_emulator: GatewayEmulator) -> None:
    cfgateway_emulator.faults.add(malformed_sse_after_chunks=1)
    response = post(cfgateway_emulator.url, body=chat(stream=True))
    events = sse_events(response.content)
    assert events[0].startswith(b'data: {"id"')
    assert events[1] == b'data: {"id": "chatcmpl-broken", "choices": ['
    assert events[-1] == b"data: [DONE]"


def test_stream_cut_abruptly_without_done(cfgateway_emulator: GatewayEmulator) -> None:
    cfgateway_emulator.faults.add(cut_stream_after_chunks=2)
    received, error = _stream_raw(cfgateway_emulator.url)
    assert isinstance(error, httpx2.RemoteProtocolError)
    data = b"".join(received)
    assert data.count(b"data: ") == 2
    assert b"[DONE]" not in data


def test_stream_ended_cleanly_without_done(cfgateway_emulator: GatewayEmulator) -> None:
    cfgateway_emulator.faults.add(cut_stream_after_chunks=2, cut_abruptly=False)
    received, error = _stream_raw(cfgateway_emulator.url)
    assert error is None
    data = b"".join(received)
    assert data.count(b"data: ") == 2
    assert b"[DONE]" not in data


def test_first_byte_delay_is_real(cfgateway_emulator: GatewayEmulator) -> None:
    """Real seconds (it must hold a socket): a client read timeout below it fires."""
    cfgateway_emulator.faults.add(first_byte_delay=0.3, times=2)
    with pytest.raises(httpx2.ReadTimeout):
        httpx2.post(
            origin(cfgateway_emulator.url) + GROK_PATH, json=chat(), headers=XAI_AUTH, timeout=0.1
        )
    started = time.monotonic()
    assert post(cfgateway_emulator.url).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_stall_mid_stream(cfgateway_emulator: GatewayEmulator) -> None:
    cfgateway_emulator.faults.add(stall_after_chunks=2, stall_seconds=0.3)
    started = time.monotonic()
    received, error = _stream_raw(cfgateway_emulator.url)
    assert error is None
    assert b"".join(received).endswith(b"data: [DONE]\n\n")
    assert time.monotonic() - started >= 0.3


def test_truncated_json_body(cfgateway_emulator: GatewayEmulator) -> None:
    """`Content-Length` promises the whole body, half arrives, the connection closes."""
    cfgateway_emulator.faults.add(truncate_body=True)
    with pytest.raises(httpx2.RemoteProtocolError, match=r"complete message"):
        post(cfgateway_emulator.url)
    assert post(cfgateway_emulator.url).status_code == 200  # the server survives


def test_contradictory_faults_are_refused(cfgateway_emulator: GatewayEmulator) -> None:
    with pytest.raises(ValueError, match="either upstream"):
        cfgateway_emulator.faults.add(upstream_status=503, status=429)
    with pytest.raises(ValueError, match="empty fault"):
        cfgateway_emulator.faults.add()
    with pytest.raises(ValueError, match="gateway_error"):
        cfgateway_emulator.faults.add(gateway_error="no_such_error")
    with pytest.raises(ValueError, match="times"):
        cfgateway_emulator.faults.add(status=500, times=0)
