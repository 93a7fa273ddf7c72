"""`examples/responses_agent.py` runs as a user would run it: a subprocess without credentials.

It is pointed at an emulator this module started (`CFGATEWAY_GROK_EXAMPLE_GATEWAY_URL`), so the
test checks what the agent printed against what the gateway received: two Responses API calls,
the server-side search replayed and the local tool's output sent back, the encrypted reasoning
of the first call verified in the second, and the second call's prompt read from the cache.
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
EXAMPLE = ROOT / "examples" / "responses_agent.py"
URL_ENV = "CFGATEWAY_GROK_EXAMPLE_GATEWAY_URL"
ACCOUNT = "0123456789abcdef0123456789abcdef"
RESPONSES_PATH = f"/v1/{ACCOUNT}/responses-agent/grok/v1/responses"
QUERY = "espresso machine reviews, then look up order 1042"
SLUG = "espresso-machine-reviews-then-look-up"
SOURCES = [f"https://example.com/search/{SLUG}/{n}" for n in (1, 2, 3)]
CALL = re.compile(
    r"^model call: provider=xai input_tokens=(\d+) cached_tokens=(\d+) "
    r"cost_usd=(\d+\.\d{6}) log_id=([0-9a-f-]{36})$",
    re.M,
)


@pytest.fixture
def emu() -> Iterator[GatewayEmulator]:
    with GatewayEmulator() as emulator:
        yield emulator


def _run(gateway_url: str) -> str:
    env = {name: value for name, value in os.environ.items() if name not in CREDENTIAL_ENV_VARS}
    env[URL_ENV] = gateway_url
    env["PYTHONWARNINGS"] = "error::DeprecationWarning:langchain_cfgateway_grok"
    result = subprocess.run(  # noqa: PLW1510 (checked below, with the output in the message)
        [sys.executable, str(EXAMPLE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout


def test_the_agent_searches_the_web_calls_its_tool_and_cites_sources(
    emu: GatewayEmulator,
) -> None:
    out = _run(emu.url)
    assert f"server-side web_search: {QUERY!r} -> 3 sources" in out
    assert "model asks for: lookup_order({'order_id': 1042})" in out
    assert "local tool: lookup_order -> order 1042: espresso machine, shipping to Lima" in out
    links = " ".join(f"[[{n}]]({url})" for n, url in enumerate(SOURCES, start=1))
    assert f'answer: Web results for "{QUERY}": {links}\n' in out
    assert "lookup_order returned: order 1042: espresso machine, shipping to Lima" in out
    sources = [line.removeprefix("source: ") for line in out.splitlines() if "source: " in line]
    assert sources == SOURCES

    calls = CALL.findall(out)
    assert len(calls) == 2, out
    (first_input, first_cached, first_cost, first_log), (_, second_cached, _, second_log) = calls
    assert int(first_cached) == 0
    assert 0 < int(second_cached) <= int(first_input)  # the repeated prefix came from the cache
    assert float(first_cost) > 0

    requests = [r for r in emu.requests if r.path == RESPONSES_PATH]
    assert [r.log_id for r in requests] == [first_log, second_log]
    first, second = (r.body for r in requests)
    for body in (first, second):
        assert body["store"] is False
        assert body["prompt_cache_key"] == "responses-agent-demo"
        assert body["include"] == ["reasoning.encrypted_content"]
        # create_agent binds the local tool first, then the server-side one.
        assert body["tools"][0]["name"] == "lookup_order"
        assert body["tools"][1] == {"type": "web_search"}
    assert [item["type"] for item in first["input"]] == ["message", "message"]
    assert [item["type"] for item in second["input"]] == [
        "message",  # system prompt
        "message",  # the user's question
        "reasoning",  # sent back with its encrypted content
        "web_search_call",
        "function_call",
        "function_call_output",
    ]
    (carried,) = emu.responses_seen_encrypted_reasoning
    assert carried.via == "encrypted_content"
