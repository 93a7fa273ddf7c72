"""`examples/fallbacks.py` and `examples/feedback.py` run as a user would: in a subprocess.

Each run checks what the example prints and what the emulator saw: for the fallbacks, one
Universal request per call with its steps, the failures and the step that served; for the
feedback, the feedback and score on the emulator's log entries. The runs without credentials
have every credential variable removed; the runs on the credentials path set them to loopback
values only (the emulator's gateway root and Cloudflare API root).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from langchain_cfgateway_grok.emulator import GatewayEmulator, LogEntry, fingerprint
from tests.conftest import CREDENTIAL_ENV_VARS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
URL_ENV = "CFGATEWAY_GROK_EXAMPLE_GATEWAY_URL"
ACCOUNT = "0123456789abcdef0123456789abcdef"
EXAMPLE_KEY = fingerprint("Bearer xai-emulator-key")
API_TOKEN = "cf-api-token-for-the-examples"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
SERVED = re.compile(
    rf"^(invoke|stream): served by step (\d) \| model (\S+) \| log id ({UUID})$", re.MULTILINE
)
CHAIN = [
    ("grok", "v1/chat/completions", "grok-4.5"),
    ("grok", "v1/chat/completions", "grok-4.3"),
    ("compat", "chat/completions", "grok/grok-4.20-0309-non-reasoning"),
]


@pytest.fixture(scope="module")
def emulator() -> Iterator[GatewayEmulator]:
    with GatewayEmulator(api_tokens=[API_TOKEN]) as emu:
        yield emu


@pytest.fixture
def emu(emulator: GatewayEmulator) -> Iterator[GatewayEmulator]:
    emulator.reset()
    yield emulator
    emulator.reset()


def run_example(name: str, env_overrides: Mapping[str, str] | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_ENV_VARS}
    env.pop(URL_ENV, None)
    env.update(env_overrides or {})
    env["PYTHONWARNINGS"] = "error::DeprecationWarning:langchain_cfgateway_grok"
    result = subprocess.run(  # noqa: PLW1510 (checked below with the output in the message)
        [sys.executable, str(EXAMPLES / name)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def served(out: str) -> list[tuple[str, int, str, str]]:
    found = [(call, int(step), model, log_id) for call, step, model, log_id in SERVED.findall(out)]
    assert [call for call, *_ in found] == ["invoke", "stream"], out
    return found


def steps_of(body: Any) -> list[tuple[str, str, str]]:
    assert isinstance(body, list), body
    return [(s["provider"], s["endpoint"], s["query"]["model"]) for s in body]


def logs_by_request(emu: GatewayEmulator) -> list[list[LogEntry]]:
    """The log entries of each Universal request, in order: one entry per step tried."""
    return [[e for e in emu.logs if e.request_id == r.log_id] for r in emu.requests]


# -- examples/fallbacks.py ----------------------------------------------------------------------


def test_fallbacks_without_credentials_stages_an_error_and_a_timeout() -> None:
    out = run_example("fallbacks.py")
    assert re.match(r"No credentials set: using a local gateway emulator at http://127", out)
    assert "Emulator: grok-4.5 will answer 503" in out
    assert "Emulator: grok-4.5 will take 10 s to its first byte, grok-4.3 will answer 503" in out
    (_, step1, model1, _), (_, step2, model2, _) = served(out)
    assert (step1, model1) == (1, "grok-4.3")
    assert (step2, model2) == (2, "grok-4.20-0309-non-reasoning")
    assert "  answer: You said: Which model answered? One sentence." in out
    assert "  answer: You said: And when streaming?" in out


def test_fallbacks_on_a_given_emulator_one_universal_request_per_call(
    emu: GatewayEmulator,
) -> None:
    # The failures the example stages when it runs its own emulator, staged here up front.
    # Each upstream attempt takes the next fault, in order, so call 1's successful step needs a
    # place-holder (a zero delay) for call 2's faults to reach call 2.
    emu.faults.add(upstream_status=503)  # call 1, step 0 (grok-4.5)
    emu.faults.add(upstream_delay=0)  # call 1, step 1 (grok-4.3): answers normally
    emu.faults.add(upstream_delay=10)  # call 2, step 0: past its 5 s first-byte timeout
    emu.faults.add(upstream_status=503)  # call 2, step 1
    out = run_example("fallbacks.py", {URL_ENV: emu.url})
    assert out.startswith(f"Using the gateway emulator at {emu.url} ({URL_ENV})")
    assert "Emulator:" not in out  # it did not start (or stage) an emulator itself
    (invoke, stream) = served(out)
    assert emu.faults.pending == []  # every staged failure was used

    # One request per call, to the Universal endpoint, carrying the whole chain.
    requests = emu.requests
    assert [r.path for r in requests] == [f"/v1/{ACCOUNT}/fallbacks"] * 2
    for request in requests:
        assert steps_of(request.body) == CHAIN
        assert request.headers["cf-aig-request-timeout"] == "5000"  # the request-level option
        assert [s.get("config") for s in request.body] == [None, {"requestTimeout": 30000}, None]
        # The xAI key rides in each step, never on the request (every step would inherit it).
        assert "authorization" not in request.headers
        assert [s["headers"]["authorization"] for s in request.body] == [EXAMPLE_KEY] * 3
    assert not any(s["query"].get("stream") for s in requests[0].body)
    assert all(s["query"]["stream"] is True for s in requests[1].body)

    # What the gateway did: the steps tried, why each failed, and which one served.
    first, second = logs_by_request(emu)
    assert [(e.step, e.status_code, e.success) for e in first] == [(0, 503, False), (1, 200, True)]
    assert [(e.step, e.success) for e in second] == [(0, False), (1, False), (2, True)]
    assert second[1].status_code == 503
    timed_out = [a.timed_out for a in emu.attempts_for(second[0].id)]
    assert timed_out == [True]  # step 0 failed by its first-byte timeout, not by an error
    assert invoke == ("invoke", 1, "grok-4.3", first[1].id)
    assert stream == ("stream", 2, "grok-4.20-0309-non-reasoning", second[2].id)
    assert second[2].stream is True


def test_fallbacks_on_the_credentials_path_step_zero_serves(emu: GatewayEmulator) -> None:
    # The real-gateway branch, pointed at the emulator: nothing fails, so grok-4.5 serves.
    out = run_example(
        "fallbacks.py",
        {
            "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
            "CLOUDFLARE_GATEWAY_ID": "real-path",
            "XAI_API_KEY": "xai-from-the-environment",
            "CLOUDFLARE_AI_GATEWAY_URL": emu.url,
        },
    )
    assert out.startswith("Using the real gateway: grok route")
    assert "Emulator:" not in out
    assert [(step, model) for _, step, model, _ in served(out)] == [(0, "grok-4.5")] * 2
    assert [r.path for r in emu.requests] == [f"/v1/{ACCOUNT}/real-path"] * 2
    key = fingerprint("Bearer xai-from-the-environment")
    assert all(s["headers"]["authorization"] == key for r in emu.requests for s in r.body)
    assert [[e.step for e in entries] for entries in logs_by_request(emu)] == [[0], [0]]


# -- examples/feedback.py -----------------------------------------------------------------------


def test_feedback_on_the_credentials_path_lands_on_the_gateway_log(emu: GatewayEmulator) -> None:
    # `tests/emulator_tests/test_feedback.py` runs it without credentials (its own emulator);
    # here its credentials path runs against this emulator, so its log entries can be checked.
    out = run_example(
        "feedback.py",
        {
            "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
            "CLOUDFLARE_GATEWAY_ID": "feedback-env",
            "XAI_API_KEY": "xai-feedback-key",
            "CLOUDFLARE_API_TOKEN": API_TOKEN,
            "CLOUDFLARE_AI_GATEWAY_URL": emu.url,
            "CLOUDFLARE_API_URL": emu.api_url,
        },
    )
    assert out.startswith("Using the real gateway (grok route) and the Cloudflare API")
    log_id = re.search(rf"^Log id: ({UUID})$", out, re.M)
    handler = re.search(rf"^Handler: feedback=-1 on log ({UUID}) \(run ({UUID})\)$", out, re.M)
    assert log_id is not None, out
    assert handler is not None, out
    assert "Feedback sent: thumbs up, score 95" in out

    rated, handled = emu.log(log_id.group(1)), emu.log(handler.group(1))
    assert [e.id for e in emu.logs] == [rated.id, handled.id]  # two calls, nothing else logged
    assert (rated.gateway, rated.feedback, rated.score) == ("feedback-env", 1, 95)
    assert dict(rated.metadata) == {"reviewer": "example"}
    assert (handled.feedback, handled.score) == (-1, None)
    assert handled.event_id == handler.group(2)  # the handler found the log by the run id
    assert 'Log entry: model=grok-4.5 feedback=1 score=95 metadata={"reviewer":"example"}' in out

    api_calls = [(r.method, r.path) for r in emu.requests if r.path.startswith("/client/v4")]
    logs_path = f"/client/v4/accounts/{ACCOUNT}/ai-gateway/gateways/feedback-env/logs"
    assert api_calls == [
        ("PATCH", f"{logs_path}/{rated.id}"),
        ("GET", f"{logs_path}/{rated.id}"),
        ("PATCH", f"{logs_path}/{handled.id}"),
    ]
    token = fingerprint(f"Bearer {API_TOKEN}")
    assert all(
        r.headers["authorization"] == token for r in emu.requests if r.path.startswith("/client")
    )
