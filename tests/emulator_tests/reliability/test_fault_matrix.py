"""The fault matrix (issue 7): every fault x every operation, through `ChatCloudflareGrok`.

Each fault happens on a real loopback socket: the gateway emulator's edge and upstream faults
(statuses, gateway envelopes, late first bytes, stalls, cut and malformed streams, truncated
bodies), its real gateway features (spend limit, Guardrails buffering, authentication, xAI's key
check), and a raw-socket proxy of our own (`_raw_server.py`) for what only a socket can do: an
RST before or in the middle of an answer (`SO_LINGER` 0), keep-alives without chunks, and a port
bound then closed.

`FAULTS` is the one table of expected outcomes. It is asserted here, case by case, and rendered
into docs/reliability.md (a test keeps the two identical; `python -m
tests.emulator_tests.reliability.test_fault_matrix` prints the rendering). For each fault and
each operation it says: whether the call ends with the complete answer or raises, the exception
class, the attempts the server saw (exactly `max_retries + 1` where the client retries), who
retried, which of `status_code` / `gateway_code` / `log_id` the error carries (the log id is
compared with the one the emulator answered), and the transport exception at the root of its
`__cause__` chain for socket faults. Faults that are retried are also run a second time hitting
only the first `max_retries` attempts: the call must then succeed with the complete answer.

Operations: `invoke`, `ainvoke`, `stream`, `astream`, and one tool-calling agent step
(`langchain.agents.create_agent` with one tool) run with `invoke` (the model's calls are JSON
requests) and with `stream_mode="messages"` (the model's calls stream). Each prompt carries a
nonce the emulated model echoes, so "complete answer" means exactly the reply to that request.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest

from langchain_cfgateway_grok import GatewayErrorInfo
from langchain_cfgateway_grok.emulator import (
    GatewayConfig,
    GatewayEmulator,
    Guardrails,
    SpendLimit,
)
from tests.emulator_tests.reliability import _raw_server as raw
from tests.emulator_tests.reliability._bench import (
    GATEWAY_TOKEN,
    OPERATIONS,
    STREAMING,
    XAI_KEY,
    answer_for,
    make_model,
    prompt_for,
    record_waits,
    run,
)
from tests.emulator_tests.reliability._canaries import error_text, leaks

MAX_RETRIES = 2
WRONG_TOKEN = "cf-wrong-token-0001"
WRONG_KEY = "xai-not-a-valid-key-0001"
SECRETS = (XAI_KEY, GATEWAY_TOKEN, WRONG_TOKEN, WRONG_KEY)
PERSISTENT = 100  # a fault on every attempt of the call
READ_TIMEOUT = 0.2  # the client's read timeout in the timeout rows (seconds)
CHUNK_TIMEOUT = 0.3  # `stream_chunk_timeout` in the keep-alive row (seconds)
DOC = Path(__file__).resolve().parents[3] / "docs" / "reliability.md"
TABLE_START = "<!-- fault-table:start (generated from FAULTS in test_fault_matrix.py) -->"
TABLE_END = "<!-- fault-table:end -->"


# -- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """What one kind of call does under a fault (with `max_retries=2`)."""

    error: str | None
    """Exception class name; None: the call returns the complete answer."""
    attempts: int = 1
    """Requests the client sent for the faulted model call."""
    by: str = "—"
    """Who retried: `client`, `gateway`, `gateway, then client`, or `—` (nobody)."""
    status_code: int | None = None
    gateway_code: int | None = None
    log_id: bool = False
    """The error carries the `cf-aig-log-id` of the answer the server sent."""
    cause: str | None = None
    """The httpx2 exception that is the error's `__cause__` (`A|B`: either, by timing)."""
    seen: int | None = None
    """Requests the server saw, when not `attempts` (a refused connection: none)."""
    upstream: int | None = None
    """Gateway → xAI attempts, for the rows about the gateway's own retries."""

    @property
    def server_saw(self) -> int:
        return self.attempts if self.seen is None else self.seen


OK = Expect(None)


@dataclass(frozen=True)
class Bench:
    """What a fault can be armed on: the emulator and the raw proxy in front of it."""

    emu: GatewayEmulator
    proxy: raw.FaultProxy
    refused_url: str


Arm = Callable[[Bench, int, bool], None]
"""Schedules a fault for the next `times` attempts; the bool says whether the call streams."""


@dataclass(frozen=True)
class Fault:
    """One row of the table."""

    key: str
    what: str
    calls: Expect
    """`invoke`, `ainvoke`, `agent` (JSON requests)."""
    streams: Expect
    """`stream`, `astream`, `agent_stream` (streaming requests)."""
    arm: Arm = field(repr=False)
    model: dict[str, Any] = field(default_factory=dict, repr=False)
    """Model settings for this row; `gateway_url` "proxy" / "refused" name a bench URL."""
    wait: float | None = None
    """The server-directed wait the client must use before each retry (else: its backoff)."""
    recovery: Expect | None = None
    """Outcome when the fault hits only the first `max_retries` attempts (retried rows)."""


def edge(**fault: Any) -> Arm:
    def arm(bench: Bench, times: int, _streaming: bool) -> None:
        bench.emu.faults.add(times=times, **fault)

    return arm


def proxied(action: raw.Action) -> Arm:
    def arm(bench: Bench, times: int, _streaming: bool) -> None:
        bench.proxy.plan(action, times)

    return arm


def upstream(status: int) -> Arm:
    def arm(bench: Bench, times: int, _streaming: bool) -> None:
        bench.emu.faults.add(upstream_status=status, times=times)

    return arm


def nothing(_bench: Bench, _times: int, _streaming: bool) -> None:
    """The fault is the gateway's configuration (or the route), not a scheduled event."""


def mid_stream_error_event(bench: Bench, times: int, streaming: bool) -> None:
    if not streaming:
        return  # an error event is a stream's fault
    chunk = (
        '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"grok-4.3",'
        '"choices":[{"index":0,"delta":{"content":"par"},"finish_reason":null}]}'
    )
    error = '{"error":{"message":"upstream overloaded","type":"server_error"}}'
    for _ in range(min(times, 3)):
        bench.emu.script_raw(
            200, f"data: {chunk}\n\ndata: {error}\n\n", {"content-type": "text/event-stream"}
        )


def server_error(status: int) -> Expect:
    return Expect("CloudflareGrokServerError", 3, "client", status_code=status, log_id=True)


RECOVERS = Expect(None, 3, "client")
TIMEOUT = {"timeout": httpx2.Timeout(10.0, read=READ_TIMEOUT)}

FAULTS: tuple[Fault, ...] = (
    Fault(
        "429-retry-after-ms",
        "429 from xAI with `retry-after-ms: 5`",
        calls=(rate := Expect("CloudflareGrokRateLimitError", 3, "client", 429, log_id=True)),
        streams=rate,
        arm=edge(status=429, retry_after_ms=5),
        wait=0.005,
        recovery=RECOVERS,
    ),
    Fault(
        "429-retry-after",
        "429 from xAI with `Retry-After: 1`",
        calls=rate,
        streams=rate,
        arm=edge(status=429, retry_after=1),
        wait=1.0,
        recovery=RECOVERS,
    ),
    Fault(
        "429-no-retry-after",
        "429 from xAI without `Retry-After`",
        calls=rate,
        streams=rate,
        arm=edge(status=429),
        recovery=RECOVERS,
    ),
    Fault(
        "429-retry-after-over-120s",
        "429 with `Retry-After: 121` (over the SDK's 120 s cap)",
        calls=(once := Expect("CloudflareGrokRateLimitError", 1, "—", 429, log_id=True)),
        streams=once,
        arm=edge(status=429, retry_after=121),
    ),
    *(
        Fault(
            f"{status}",
            f"{status} from the gateway or xAI (JSON body)",
            calls=server_error(status),
            streams=server_error(status),
            arm=edge(status=status),
            recovery=RECOVERS,
        )
        for status in (500, 502, 503, 504)
    ),
    Fault(
        "gateway-2003",
        "gateway rate limit: 429 / 2003",
        calls=(limited := Expect("GatewayRateLimitError", 3, "client", 429, 2003, log_id=True)),
        streams=limited,
        arm=edge(gateway_error="rate_limited"),
        recovery=RECOVERS,
    ),
    Fault(
        "gateway-2041",
        "gateway spend limit: 429 / 2041 (a real `SpendLimit` of $0)",
        calls=(spent := Expect("GatewaySpendLimitError", 1, "—", 429, 2041, log_id=True)),
        streams=spent,
        arm=nothing,
        model={"gateway_id": "budget"},
    ),
    Fault(
        "upstream-503-gateway-retries",
        "xAI answers 503; gateway `max_attempts=3`",
        calls=(
            both := Expect(
                "CloudflareGrokServerError",
                3,
                "gateway, then client",
                503,
                log_id=True,
                upstream=9,
            )
        ),
        streams=both,
        arm=upstream(status=503),
        model={"gateway_options": {"max_attempts": 3, "retry_delay": 0.1}},
        recovery=Expect(None, 1, "gateway", upstream=3),
    ),
    Fault(
        "refused",
        "connection refused (a port bound, then closed)",
        calls=(
            refused := Expect(
                "CloudflareGrokConnectionError", 3, "client", cause="ConnectError", seen=0
            )
        ),
        streams=refused,
        arm=nothing,
        model={"gateway_url": "refused"},
    ),
    Fault(
        "reset-before-response",
        "RST (`SO_LINGER` 0) after the request, before any byte of the answer",
        calls=(
            reset := Expect(
                "CloudflareGrokConnectionError",
                3,
                "client",
                cause="ReadError|RemoteProtocolError",
            )
        ),
        streams=reset,
        arm=proxied(raw.reset_before_response),
        model={"gateway_url": "proxy"},
        recovery=RECOVERS,
    ),
    Fault(
        "reset-mid-body",
        "RST in the middle of the body (a stream: after 2 events)",
        calls=Expect(
            "CloudflareGrokConnectionError",
            3,
            "client",
            log_id=True,
            cause="ReadError|RemoteProtocolError",
        ),
        streams=Expect("CloudflareGrokConnectionError", 1, log_id=True, cause="ReadError"),
        arm=proxied(raw.reset_mid_body(events=2)),
        model={"gateway_url": "proxy"},
        recovery=RECOVERS,
    ),
    Fault(
        "stream-cut",
        "connection dropped after 2 SSE events (incomplete chunked body)",
        calls=OK,
        streams=Expect(
            "CloudflareGrokConnectionError", 1, log_id=True, cause="RemoteProtocolError"
        ),
        arm=edge(cut_stream_after_chunks=2),
    ),
    Fault(
        "stream-ends-early",
        "stream body ends cleanly after 2 events, without `data: [DONE]`",
        calls=OK,
        streams=Expect("IncompleteStreamError", 1, log_id=True),
        arm=edge(cut_stream_after_chunks=2, cut_abruptly=False),
    ),
    Fault(
        "malformed-sse",
        "a malformed SSE line after 1 event",
        calls=OK,
        streams=Expect("MalformedStreamError", 1, log_id=True),
        arm=edge(malformed_sse_after_chunks=1),
    ),
    Fault(
        "error-event",
        'an `{"error": ...}` event after 1 chunk',
        calls=OK,
        streams=Expect("MidStreamError", 1, log_id=True),
        arm=mid_stream_error_event,
    ),
    Fault(
        "truncated-json",
        "JSON body cut at half its `Content-Length`, then closed",
        calls=Expect(
            "CloudflareGrokConnectionError", 3, "client", log_id=True, cause="RemoteProtocolError"
        ),
        streams=OK,
        arm=edge(truncate_body=True),
        recovery=RECOVERS,
    ),
    Fault(
        "html-502",
        "502 with an HTML page (Cloudflare's edge)",
        calls=server_error(502),
        streams=server_error(502),
        arm=edge(
            status=502,
            body="<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>",
            body_kind="html",
        ),
        recovery=RECOVERS,
    ),
    Fault(
        "text-403",
        "403 with a plain-text body (`error code: 1010`)",
        calls=(denied := Expect("CloudflareGrokPermissionDeniedError", 1, "—", 403, log_id=True)),
        streams=denied,
        arm=edge(status=403, body="error code: 1010", body_kind="text"),
    ),
    Fault(
        "html-200",
        "200 with an HTML body (a captive portal or proxy)",
        calls=(portal := Expect("CloudflareGrokResponseError", 1, "—", 200, log_id=True)),
        streams=portal,
        arm=edge(status=200, body="<html><title>Sign in</title></html>", body_kind="html"),
    ),
    Fault(
        "no-first-byte",
        f"no first byte within the client's read timeout ({READ_TIMEOUT} s)",
        calls=(late := Expect("CloudflareGrokTimeoutError", 3, "client", cause="ReadTimeout")),
        streams=late,
        arm=edge(first_byte_delay=1.0),
        model=TIMEOUT,
        recovery=RECOVERS,
    ),
    Fault(
        "stall-mid-stream",
        f"stream stalls after 2 events (read timeout {READ_TIMEOUT} s)",
        calls=OK,
        streams=Expect("CloudflareGrokTimeoutError", 1, log_id=True, cause="ReadTimeout"),
        arm=edge(stall_after_chunks=2, stall_seconds=1.5),
        model=TIMEOUT,
    ),
    Fault(
        "keep-alive-stall",
        f"only `: ping` keep-alives after 1 event (`stream_chunk_timeout={CHUNK_TIMEOUT}`)",
        calls=OK,
        streams=Expect("CloudflareGrokTimeoutError", 1, log_id=True),
        arm=proxied(raw.keep_alives_after(events=1)),
        model={"gateway_url": "proxy", "stream_chunk_timeout": CHUNK_TIMEOUT},
    ),
    Fault(
        "guardrails-buffered",
        "Guardrails on: a stream request answered with one buffered JSON body",
        calls=OK,
        streams=OK,
        arm=nothing,
        model={"gateway_id": "guarded"},
    ),
    Fault(
        "gateway-401-2009",
        "gateway authentication fails: 401 / 2009",
        calls=(unauth := Expect("GatewayUnauthorizedError", 1, "—", 401, 2009, log_id=True)),
        streams=unauth,
        arm=nothing,
        model={"gateway_id": "authenticated", "gateway_token": WRONG_TOKEN},
    ),
    Fault(
        "provider-400-bad-key",
        "xAI rejects the key: 400 `Incorrect API key` (no gateway code)",
        calls=(bad_key := Expect("InvalidAPIKeyError", 1, "—", 400, log_id=True)),
        streams=bad_key,
        arm=nothing,
        model={"api_key": WRONG_KEY},
    ),
)
FAULTS_BY_KEY = {fault.key: fault for fault in FAULTS}


# -- the bench ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bench() -> Iterator[Bench]:
    gateways = {
        "gw": GatewayConfig(),
        "budget": GatewayConfig(spend_limit=SpendLimit(limit=0.0)),
        "guarded": GatewayConfig(guardrails=Guardrails()),
        "authenticated": GatewayConfig(auth_tokens=[GATEWAY_TOKEN]),
    }
    with GatewayEmulator(gateways=gateways, xai_keys=[XAI_KEY]) as emu:
        host, port = emu.url.removeprefix("http://").split("/")[0].split(":")
        proxy = raw.FaultProxy((host, int(port)))
        try:
            yield Bench(emu, proxy, f"http://127.0.0.1:{raw.closed_port()}/v1")
        finally:
            proxy.close()


@pytest.fixture
def fresh(bench: Bench) -> Iterator[Bench]:
    bench.emu.reset()
    bench.proxy.plan(raw.forward, 0)
    bench.proxy.requests = 0
    yield bench
    bench.emu.reset()
    bench.proxy.plan(raw.forward, 0)


def model_settings(fault: Fault, bench: Bench) -> dict[str, Any]:
    settings = {"max_retries": MAX_RETRIES, "gateway_token": GATEWAY_TOKEN, **fault.model}
    url = settings.get("gateway_url")
    if url == "proxy":
        settings["gateway_url"] = bench.proxy.url
    elif url == "refused":
        settings["gateway_url"] = bench.refused_url
    else:
        settings["gateway_url"] = bench.emu.url
    return settings


def cause_chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    cause = error.__cause__
    while cause is not None and len(chain) < 10:
        chain.append(cause)
        cause = cause.__cause__
    return chain


# -- the matrix -----------------------------------------------------------------------------------

CASES = [
    pytest.param(fault.key, operation, id=f"{fault.key}-{operation}")
    for fault in FAULTS
    for operation in OPERATIONS
]
RECOVERY_CASES = [
    pytest.param(fault.key, operation, id=f"{fault.key}-{operation}")
    for fault in FAULTS
    for operation in OPERATIONS
    if fault.recovery is not None
    and (fault.streams if operation in STREAMING else fault.calls).attempts > 1
]


@pytest.mark.parametrize(("key", "operation"), CASES)
def test_fault(fresh: Bench, key: str, operation: str) -> None:
    fault = FAULTS_BY_KEY[key]
    streaming = operation in STREAMING
    expect = fault.streams if streaming else fault.calls
    model = make_model(**model_settings(fault, fresh))
    waits = record_waits(model)
    fault.arm(fresh, PERSISTENT, streaming)
    nonce = uuid.uuid4().hex
    started = time.monotonic()

    if expect.error is None:
        assert run(operation, model, prompt_for(operation, nonce)) == answer_for(operation, nonce)
        agent_calls = 1 if operation.startswith("agent") else 0  # the call after the tool
        assert len(fresh.emu.requests) == expect.server_saw + agent_calls
        assert waits == []
        return

    with pytest.raises(Exception) as caught:
        run(operation, model, prompt_for(operation, nonce))
    elapsed = time.monotonic() - started
    error = caught.value

    # The class, and the facts it carries.
    assert type(error).__name__ == expect.error, repr(error)
    assert isinstance(error, GatewayErrorInfo)
    assert getattr(error, "status_code", None) == expect.status_code
    assert error.gateway_code == expect.gateway_code
    if expect.log_id:
        answered = fresh.emu.requests[-1].log_id
        assert error.log_id == answered
        assert answered in str(error)
    else:
        assert error.log_id is None
    if expect.error == "GatewaySpendLimitError":
        assert error.is_retryable is False
    assert leaks(error_text(error), SECRETS) == []  # no credential in its text, ever

    # Who retried, and how often: the server's own count, and the waits the client chose.
    assert len(fresh.emu.requests) == expect.server_saw
    if fault.model.get("gateway_url") == "proxy":
        assert fresh.proxy.requests == expect.server_saw
    assert len(waits) == expect.attempts - 1
    if waits and fault.wait is not None:
        assert waits == [fault.wait] * len(waits)  # the server's delay, as sent
    elif waits:
        # The SDK's backoff: 0.5 s * 2**n, minus up to 25 % jitter.
        assert all(0.375 * 2**n <= wait <= 0.5 * 2**n for n, wait in enumerate(waits)), waits
    if expect.upstream is not None:
        assert len(fresh.emu.upstream_attempts) == expect.upstream

    # Socket faults: the cause is the transport's own exception (httpx2's, chained to the
    # socket's OSError or the HTTP parser's complaint); other faults have no transport cause.
    chain = cause_chain(error)
    if expect.cause is None:
        assert not any(isinstance(c, httpx2.TransportError) for c in chain), chain
    else:
        assert isinstance(error.__cause__, httpx2.TransportError), chain
        assert type(error.__cause__).__name__ in expect.cause.split("|"), chain

    # Timeouts end within the timeout (per attempt; retry waits are instant here).
    if expect.error == "CloudflareGrokTimeoutError":
        limit = CHUNK_TIMEOUT if "stream_chunk_timeout" in fault.model else READ_TIMEOUT
        assert elapsed < expect.attempts * limit + 1.5, elapsed


@pytest.mark.parametrize(("key", "operation"), RECOVERY_CASES)
def test_fault_on_the_first_attempts_only_recovers(fresh: Bench, key: str, operation: str) -> None:
    fault = FAULTS_BY_KEY[key]
    expect = fault.recovery
    assert expect is not None
    model = make_model(**model_settings(fault, fresh))
    waits = record_waits(model)
    fault.arm(fresh, MAX_RETRIES, operation in STREAMING)
    nonce = uuid.uuid4().hex

    assert run(operation, model, prompt_for(operation, nonce)) == answer_for(operation, nonce)

    agent_calls = 1 if operation.startswith("agent") else 0
    assert len(fresh.emu.requests) == expect.server_saw + agent_calls
    assert len(waits) == expect.attempts - 1
    if expect.upstream is not None:
        assert len(fresh.emu.upstream_attempts) == expect.upstream + agent_calls


def test_spend_limit_is_never_retried_even_with_many_retries(fresh: Bench) -> None:
    model = make_model(gateway_url=fresh.emu.url, gateway_id="budget", max_retries=5)
    waits = record_waits(model)
    for operation in OPERATIONS:
        with pytest.raises(Exception) as caught:
            run(operation, model, prompt_for(operation, "budget"))
        assert type(caught.value).__name__ == "GatewaySpendLimitError"
    assert len(fresh.emu.requests) == len(OPERATIONS)
    assert waits == []


def test_real_retry_waits_honour_retry_after_ms(fresh: Bench) -> None:
    """No injected wait: the client really sleeps what the server asked (2 x 100 ms)."""
    model = make_model(gateway_url=fresh.emu.url, max_retries=2)
    fresh.emu.faults.add(status=503, retry_after_ms=100, times=2)
    started = time.monotonic()
    assert model.invoke("nonce:real-wait").text == "nonce:real-wait"
    assert 0.2 <= time.monotonic() - started < 2.0
    assert len(fresh.emu.requests) == 3


# -- the table in the docs ------------------------------------------------------------------------


def _carries(expect: Expect) -> str:
    facts = [
        f"{name}={value}"
        for name, value in (
            ("status_code", expect.status_code),
            ("gateway_code", expect.gateway_code),
        )
        if value is not None
    ]
    if expect.log_id:
        facts.append("log_id")
    return ", ".join(facts) or "—"


def _attempts(expect: Expect) -> str:
    text = str(expect.attempts)
    if expect.seen is not None:
        text += f" (server saw {expect.seen})"
    if expect.upstream is not None:
        text += f"; xAI saw {expect.upstream}"
    return text


def _retried_by(fault: Fault, expect: Expect) -> str:
    if expect.attempts == 1 or "client" not in expect.by:
        return expect.by
    if fault.wait is not None:
        return f"{expect.by} (waits {fault.wait:g} s, as asked)"
    return f"{expect.by} (backoff)"


def _recovery(fault: Fault, expect: Expect) -> str:
    if fault.recovery is None or expect.attempts == 1:
        return "—"
    text = f"complete answer after {fault.recovery.attempts}"
    if fault.recovery.upstream is not None:
        text += f" (xAI saw {fault.recovery.upstream})"
    return text


def render_table() -> str:
    """FAULTS as the Markdown table in docs/reliability.md."""
    lines = [
        "| Fault | Operations | Raises | Retried by | Attempts | Carries | `__cause__` | "
        f"Fault on the first {MAX_RETRIES} attempts only |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for fault in FAULTS:
        if fault.calls == fault.streams:
            groups = [("all six", fault.calls)]
        else:
            groups = [
                ("invoke, ainvoke, agent", fault.calls),
                ("stream, astream, agent (streaming)", fault.streams),
            ]
        for index, (operations, expect) in enumerate(groups):
            cells = [
                f"**{fault.key}**: {fault.what}" if index == 0 else "〃",
                operations,
                "— (complete answer)" if expect.error is None else f"`{expect.error}`",
                _retried_by(fault, expect),
                _attempts(expect),
                _carries(expect),
                "—"
                if expect.cause is None
                else " or ".join(f"`httpx2.{name}`" for name in expect.cause.split("|")),
                _recovery(fault, expect),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"{len(FAULTS)} faults x {len(OPERATIONS)} operations = {len(CASES)} cases, plus "
        f"{len(RECOVERY_CASES)} recovery cases, all with `max_retries={MAX_RETRIES}`."
    )
    return "\n".join(lines)


def test_the_docs_show_this_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(TABLE_START) + len(TABLE_START)
    end = text.index(TABLE_END)
    assert text[start:end].strip() == render_table(), (
        "docs/reliability.md is out of date: paste the output of "
        "`python -m tests.emulator_tests.reliability.test_fault_matrix` between the markers"
    )


if __name__ == "__main__":
    print(render_table())
