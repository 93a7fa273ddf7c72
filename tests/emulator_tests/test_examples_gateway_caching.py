"""`examples/gateway_caching.py` runs as a user would run it: a subprocess without credentials.

Two runs: on the emulator the example starts itself (nothing set), and on an emulator this
module started (`CFGATEWAY_GROK_EXAMPLE_GATEWAY_URL`), where the printed log ids and cache
statuses are checked against the gateway's own log.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from langchain_cfgateway_grok.emulator import GatewayEmulator
from tests.conftest import CREDENTIAL_ENV_VARS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "gateway_caching.py"
URL_ENV = "CFGATEWAY_GROK_EXAMPLE_GATEWAY_URL"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
LINE = re.compile(rf"^(Call 1|Call 2|With skip_cache=True): cache (\w+) \| log id: ({UUID})$", re.M)
ANSWER = "  answer: You said: What does a CDN cache? Answer in one sentence."


def _run(gateway_url: str | None) -> str:
    env = {name: value for name, value in os.environ.items() if name not in CREDENTIAL_ENV_VARS}
    env.pop(URL_ENV, None)
    if gateway_url is not None:
        env[URL_ENV] = gateway_url
    result = subprocess.run(  # noqa: PLW1510 (checked below, with the output in the message)
        [sys.executable, str(EXAMPLE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout


def _statuses_and_ids(out: str) -> list[tuple[str, str, str]]:
    found = LINE.findall(out)
    assert [label for label, _, _ in found] == ["Call 1", "Call 2", "With skip_cache=True"], out
    return found


def test_without_credentials_it_starts_an_emulator_miss_then_hit() -> None:
    out = _run(gateway_url=None)
    assert re.match(
        r"No credentials set: using a local gateway emulator at http://127\.0\.0\.1:", out
    )
    found = _statuses_and_ids(out)
    assert [status for _, status, _ in found] == ["MISS", "HIT", "MISS"]
    assert len({log_id for _, _, log_id in found}) == 3  # a new log id for each answer
    assert out.count(ANSWER) == 2
    assert "Same answer both times: True" in out


@pytest.fixture(scope="module")
def emulator() -> Iterator[GatewayEmulator]:
    with GatewayEmulator() as emu:
        yield emu


def test_printed_ids_and_statuses_match_the_gateway_log(emulator: GatewayEmulator) -> None:
    emulator.reset()
    out = _run(gateway_url=emulator.url)
    assert out.startswith(f"Using the gateway emulator at {emulator.url}")
    found = _statuses_and_ids(out)
    logs = emulator.logs
    assert [(entry.cache_status, entry.id) for entry in logs] == [
        (status, log_id) for _, status, log_id in found
    ]
    assert [entry.cached for entry in logs] == [False, True, False]
    assert len(emulator.upstream_attempts) == 2  # the HIT never reached xAI
    headers = [request.headers for request in emulator.requests]
    assert len({h["cf-aig-cache-key"] for h in headers}) == 1
    assert [h["cf-aig-cache-ttl"] for h in headers] == ["3600"] * 3
    assert [h.get("cf-aig-skip-cache") for h in headers] == [None, None, "true"]
    assert all(
        r.path.endswith("/gateway-caching/grok/v1/chat/completions") for r in emulator.requests
    )
