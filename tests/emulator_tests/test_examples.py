"""Every example runs as a user would run it: a subprocess, no credentials in its environment.

Each example is pointed at an emulator this module started, through
`CFGATEWAY_GROK_EXAMPLE_GATEWAY_URL`, so the tests check both what the example prints and the
requests the gateway received.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from langchain_cfgateway_grok.emulator import GatewayEmulator, RecordedRequest, fingerprint
from tests.conftest import CREDENTIAL_ENV_VARS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
URL_ENV = "CFGATEWAY_GROK_EXAMPLE_GATEWAY_URL"
ACCOUNT = "0123456789abcdef0123456789abcdef"
KEY_FINGERPRINT = fingerprint("Bearer xai-emulator-key")


@pytest.fixture(scope="module")
def emulator() -> Iterator[GatewayEmulator]:
    with GatewayEmulator() as emu:
        yield emu


@pytest.fixture
def emu(emulator: GatewayEmulator) -> Iterator[GatewayEmulator]:
    emulator.reset()
    yield emulator
    emulator.reset()


def run_example(name: str, gateway_url: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_ENV_VARS}
    env.pop(URL_ENV, None)
    if gateway_url is not None:
        env[URL_ENV] = gateway_url
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
    return result


def chat_requests(emu: GatewayEmulator, gateway_id: str) -> list[RecordedRequest]:
    path = f"/v1/{ACCOUNT}/{gateway_id}/grok/v1/chat/completions"
    requests = list(emu.requests)
    assert requests, "the example sent no request to the emulator"
    assert all(r.path == path for r in requests), [r.path for r in requests]
    assert all(r.headers["authorization"] == KEY_FINGERPRINT for r in requests)
    assert all("cf-aig-authorization" not in r.headers for r in requests)
    return requests


def user_text(request: RecordedRequest) -> str:
    return next(m["content"] for m in request.body["messages"] if m["role"] == "user")


def test_quickstart_starts_its_own_emulator_without_credentials() -> None:
    out = run_example("quickstart.py", gateway_url=None).stdout
    assert re.search(r"using a local gateway emulator at http://127\.0\.0\.1:\d+/v1", out)
    assert "Answer: You said: What is Cloudflare AI Gateway?" in out
    assert re.search(r"Usage: \{'input_tokens': \d+, 'output_tokens': \d+", out)
    assert re.search(r"Cache status: MISS \| log id: [0-9a-f-]{36}", out)


def test_quickstart_on_a_given_emulator(emu: GatewayEmulator) -> None:
    out = run_example("quickstart.py", emu.url).stdout
    (request,) = chat_requests(emu, "quickstart")
    assert user_text(request) == "What is Cloudflare AI Gateway? Answer in one sentence."
    assert f"log id: {request.log_id}" in out
    assert "Cache status: MISS" in out


def test_examples_start_their_own_emulator_without_the_url_variable() -> None:
    out = run_example("lcel_chain.py", gateway_url=None).stdout
    assert re.match(r"No credentials set: using a local gateway emulator at http://127", out)
    assert "invoke: You said: Explain an AI gateway to a new developer." in out


def test_lcel_chain(emu: GatewayEmulator) -> None:
    out = run_example("lcel_chain.py", emu.url).stdout
    assert out.startswith(f"Using the gateway emulator at {emu.url} ({URL_ENV})")
    assert "invoke: You said: Explain an AI gateway to a new developer." in out
    for topic in ("response caching", "rate limiting", "request logs"):
        assert f"batch [{topic}]: You said: Explain {topic} to a product manager." in out
    requests = chat_requests(emu, "lcel-chain")
    assert len(requests) == 4
    first = requests[0].body
    assert first["model"] == "grok-4.5"
    assert first["messages"][0] == {
        "role": "system",
        "content": "You are a concise technical writer. Answer in one sentence.",
    }
    assert sorted(user_text(r) for r in requests[1:]) == sorted(
        f"Explain {t} to a product manager."
        for t in ("response caching", "rate limiting", "request logs")
    )
    assert not any(r.body.get("stream") for r in requests)


def test_agent_uses_two_tools_in_sequence(emu: GatewayEmulator) -> None:
    out = run_example("agent.py", emu.url).stdout
    steps = [line for line in out.splitlines() if line.startswith("step: ")]
    assert steps == [
        "step: call lookup_order({'order_id': 1042})",
        "step: lookup_order -> order 1042: item: espresso machine; city: Lima; weight_kg: 7.5",
        "step: call shipping_quote({'city': 'Lima', 'weight_kg': 7.5})",
        "step: shipping_quote -> express to Lima, 7.5 kg: 36.00 USD",
    ]
    assert "shipping_quote returned: express to Lima, 7.5 kg: 36.00 USD" in out
    assert "model calls: 3" in out
    requests = chat_requests(emu, "agent")
    assert len(requests) == 3
    for request in requests:
        names = {t["function"]["name"] for t in request.body["tools"]}
        assert names == {"lookup_order", "shipping_quote"}
        assert request.body["parallel_tool_calls"] is False
    # The second and third calls send the earlier tool results back to the model.
    roles = [[m["role"] for m in r.body["messages"]] for r in requests]
    assert roles == [
        ["system", "user"],
        ["system", "user", "assistant", "tool"],
        ["system", "user", "assistant", "tool", "assistant", "tool"],
    ]
    tool_results = [m["content"] for m in requests[2].body["messages"] if m["role"] == "tool"]
    assert tool_results[1] == "express to Lima, 7.5 kg: 36.00 USD"


def test_structured_output(emu: GatewayEmulator) -> None:
    out = run_example("structured_output.py", emu.url).stdout
    expected = "Contact(name='Ada Lovelace', email='ada@example.com', age=36)"
    assert f"function_calling: {expected}" in out
    assert f"json_schema: {expected}" in out
    assert "json_mode: {'city': 'Lima', 'country': 'Peru'}" in out
    assert re.search(r"json_mode log id: [0-9a-f-]{36}", out)
    function_calling, json_schema, json_mode = (
        r.body for r in chat_requests(emu, "structured-output")
    )
    assert [t["function"]["name"] for t in function_calling["tools"]] == ["Contact"]
    assert function_calling["tool_choice"]["function"]["name"] == "Contact"
    assert "response_format" not in function_calling
    assert json_schema["response_format"]["type"] == "json_schema"
    assert set(json_schema["response_format"]["json_schema"]["schema"]["properties"]) == {
        "name",
        "email",
        "age",
    }
    assert "tools" not in json_schema
    assert json_mode["response_format"] == {"type": "json_object"}


def test_streaming_tool_calls(emu: GatewayEmulator) -> None:
    out = run_example("streaming_tool_calls.py", emu.url).stdout
    assert "text: You said: Say hello to the stream in five words.\n" in out
    chunks = int(re.search(r"text chunks: (\d+)", out).group(1))  # type: ignore[union-attr]
    assert chunks > 1, "the text should arrive in several chunks"
    assert "first chunk gateway facts: cache MISS" in out
    assert out.count("first chunk gateway facts") == 1
    assert 'tool_call_chunk: name=get_weather args=\'{"city":"Oslo"}\'' in out
    assert "tool call: get_weather({'city': 'Oslo'})" in out
    assert "tool result: 14 degrees celsius and clear in Oslo" in out
    assert re.search(r"usage: \{'input_tokens': \d+, 'output_tokens': \d+", out)
    text_call, tool_call = (r.body for r in chat_requests(emu, "streaming"))
    for body in (text_call, tool_call):
        assert body["stream"] is True
        assert body["stream_options"] == {"include_usage": True}
    assert "tools" not in text_call
    assert [t["function"]["name"] for t in tool_call["tools"]] == ["get_weather"]


def test_async_batch_bounds_concurrency(emu: GatewayEmulator) -> None:
    result = run_example("async_batch.py", emu.url)
    out = result.stdout
    assert "answers: 12/12" in out
    peak = int(re.search(r"peak concurrency: (\d+) \(limit 4\)", out).group(1))  # type: ignore[union-attr]
    assert 1 <= peak <= 4
    requests = chat_requests(emu, "async-batch")
    assert len(requests) == 12
    assert sorted(user_text(r) for r in requests) == sorted(
        f"In one line: a fun fact about the number {n}." for n in range(1, 13)
    )
    logged_tokens = sum(entry.tokens_in + entry.tokens_out for entry in emu.logs)
    assert f"total tokens: {logged_tokens}" in out
    logged_cost = sum(entry.cost for entry in emu.logs)
    assert f"total cost: ${logged_cost:.6f}" in out
    assert "12/12" in result.stderr  # tqdm's bar
