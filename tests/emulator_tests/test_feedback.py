"""Feedback and logs on the emulated Cloudflare API, over loopback (gateway-protocol.md §5).

The client functions (`send_feedback`, `get_log`, async twins) and `GatewayFeedbackHandler`
against the emulator's logs API: feedback sent is visible through the logs API; errors are typed
and never show the token; bad values fail before any request. Plus `examples/feedback.py` run
as a user would, in a subprocess without credentials.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from langchain_core.runnables import RunnableLambda
from pydantic import SecretStr

from langchain_cfgateway_grok import ChatCloudflareGrok
from langchain_cfgateway_grok.emulator import GatewayConfig, GatewayEmulator, Switches
from langchain_cfgateway_grok.feedback import (
    CloudflareAPIAuthenticationError,
    CloudflareAPIConnectionError,
    CloudflareAPIError,
    GatewayFeedbackHandler,
    LogNotFoundError,
    aget_log,
    asend_feedback,
    get_log,
    send_feedback,
)
from tests.conftest import CREDENTIAL_ENV_VARS

ROOT = Path(__file__).resolve().parents[2]
ACCT = "0123456789abcdef0123456789abcdef"
GW = "fb-gw"
API_TOKEN = "cf-api-SECRET-0001"
UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def emulator() -> Iterator[GatewayEmulator]:
    with GatewayEmulator(api_tokens=[API_TOKEN], gateways={"other": GatewayConfig()}) as emu:
        yield emu


@pytest.fixture
def emu(emulator: GatewayEmulator) -> Iterator[GatewayEmulator]:
    emulator.reset()
    yield emulator
    emulator.reset()


def api(emu: GatewayEmulator, **overrides: Any) -> dict[str, Any]:
    return {
        "account_id": ACCT,
        "gateway_id": GW,
        "api_token": API_TOKEN,
        "cloudflare_api_url": emu.api_url,
        **overrides,
    }


def model(emu: GatewayEmulator, **kwargs: Any) -> ChatCloudflareGrok:
    return ChatCloudflareGrok(
        gateway_url=emu.url,
        account_id=ACCT,
        gateway_id=GW,
        api_key=SecretStr("xai-key"),
        model="grok-4.20-0309-non-reasoning",
        **kwargs,
    )


def logged_call(emu: GatewayEmulator) -> str:
    message = model(emu).invoke("hello")
    log_id = message.response_metadata["gateway"]["log_id"]
    assert isinstance(log_id, str)
    return log_id


def listed(emu: GatewayEmulator, **params: Any) -> list[dict[str, Any]]:
    response = httpx2.get(
        f"{emu.api_url}/accounts/{ACCT}/ai-gateway/gateways/{GW}/logs",
        params=params,
        headers={"authorization": f"Bearer {API_TOKEN}"},
    )
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()["result"]
    return result


# --- functions ----------------------------------------------------------------------------------


def test_feedback_is_visible_through_the_logs_api(emu: GatewayEmulator) -> None:
    log_id = logged_call(emu)
    result = send_feedback(log_id, feedback=1, score=4.5, metadata={"reviewer": "ana"}, **api(emu))
    assert (result["id"], result["feedback"], result["score"]) == (log_id, 1, 4.5)
    fetched = get_log(log_id, **api(emu))
    assert (fetched["feedback"], fetched["score"]) == (1, 4.5)
    assert json.loads(fetched["metadata"]) == {"reviewer": "ana"}
    assert [item["id"] for item in listed(emu, feedback=1)] == [log_id]
    assert emu.log(log_id).feedback == 1
    # the PATCH went to the documented path with the API token, recorded as a fingerprint
    patch = next(r for r in emu.requests if r.method == "PATCH")
    assert patch.path == f"/client/v4/accounts/{ACCT}/ai-gateway/gateways/{GW}/logs/{log_id}"
    assert patch.body == {"feedback": 1, "score": 4.5, "metadata": {"reviewer": "ana"}}
    assert API_TOKEN not in json.dumps(patch.headers)


def test_async_twins(emu: GatewayEmulator) -> None:
    log_id = logged_call(emu)

    async def run() -> dict[str, Any]:
        await asend_feedback(log_id, feedback=-1, **api(emu))
        async with httpx2.AsyncClient() as client:
            fetched: dict[str, Any] = await aget_log(log_id, http_client=client, **api(emu))
            assert not client.is_closed  # a user's client is used as given
        return fetched

    assert asyncio.run(run())["feedback"] == -1


def test_settings_from_the_environment(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_id = logged_call(emu)
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", ACCT)
    monkeypatch.setenv("CLOUDFLARE_GATEWAY_ID", GW)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", API_TOKEN)
    monkeypatch.setenv("CLOUDFLARE_API_URL", emu.api_url)
    send_feedback(log_id, score=7)
    assert get_log(log_id)["score"] == 7


def test_user_http_client_is_not_closed(emu: GatewayEmulator) -> None:
    log_id = logged_call(emu)
    with httpx2.Client() as client:
        send_feedback(log_id, feedback=1, http_client=client, **api(emu))
        assert not client.is_closed
        assert get_log(log_id, http_client=client, **api(emu))["feedback"] == 1


def test_a_wrong_token_is_a_typed_error_without_the_token(emu: GatewayEmulator) -> None:
    log_id = logged_call(emu)
    wrong = "cf-api-WRONG-SECRET-9999"
    with pytest.raises(CloudflareAPIAuthenticationError) as info:
        send_feedback(log_id, feedback=1, **api(emu, api_token=wrong))
    error = info.value
    assert (error.status_code, error.codes) == (401, [10000])
    assert "CLOUDFLARE_API_TOKEN" in str(error)
    assert wrong not in str(error)
    assert wrong not in repr(error)
    # an xAI key is not a Cloudflare API token either
    with pytest.raises(CloudflareAPIAuthenticationError):
        get_log(log_id, **api(emu, api_token="xai-key"))
    assert emu.log(log_id).feedback is None


def test_unknown_logs_and_other_gateways(emu: GatewayEmulator) -> None:
    log_id = logged_call(emu)
    with pytest.raises(LogNotFoundError) as info:
        get_log("0199aaaa-0000-7000-8000-000000000000", **api(emu))
    assert info.value.status_code == 404
    with pytest.raises(LogNotFoundError, match="gateway_id"):
        send_feedback(log_id, feedback=1, **api(emu, gateway_id="other"))


def test_the_feedback_scale_follows_the_gateway(emu: GatewayEmulator) -> None:
    """The docs disagree (1/-1 vs 0/1): the scale is a parameter on both sides."""
    log_id = logged_call(emu)
    # client on 0/1, gateway on ±1 (the emulator's default): the gateway refuses 0
    with pytest.raises(CloudflareAPIError) as info:
        send_feedback(log_id, feedback=0, feedback_scale="zero_one", **api(emu))
    assert (info.value.status_code, info.value.codes) == (400, [7001])
    emu.switches = Switches(feedback_scale="zero_one")
    send_feedback(log_id, feedback=0, feedback_scale="zero_one", **api(emu))
    assert get_log(log_id, **api(emu))["feedback"] == 0
    assert [item["id"] for item in listed(emu, feedback=0)] == [log_id]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"feedback": 0},
        {"feedback": 1, "feedback_scale": "thumbs"},
        {"score": float("inf")},
        {"metadata": {"a": [1]}},
        {},
        {"feedback": 1, "account_id": "ACCT"},
        {"feedback": 1, "api_token": ""},
    ],
)
def test_bad_values_fail_before_any_request(emu: GatewayEmulator, kwargs: dict[str, Any]) -> None:
    log_id = logged_call(emu)
    sent = len(emu.requests)
    settings = api(emu)
    settings.update({k: v for k, v in kwargs.items() if k in settings})
    values = {k: v for k, v in kwargs.items() if k not in settings}
    with pytest.raises(ValueError) as info:
        send_feedback(log_id, **values, **settings)
    assert API_TOKEN not in str(info.value)
    assert len(emu.requests) == sent


def test_unreachable_api_is_a_connection_error() -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(CloudflareAPIConnectionError, match="CLOUDFLARE_API_URL"):
        get_log(
            "0199aaaa-0000-7000-8000-000000000000",
            account_id=ACCT,
            gateway_id=GW,
            api_token=API_TOKEN,
            cloudflare_api_url=f"http://127.0.0.1:{port}/client/v4",
            timeout=5,
        )


# --- the callback handler -----------------------------------------------------------------------


def test_handler_sends_feedback_for_a_chain_run(emu: GatewayEmulator) -> None:
    handler = GatewayFeedbackHandler(**api(emu))

    def ask(text: str) -> str:
        return f"Question: {text}"

    chain = RunnableLambda(ask) | model(emu)
    run_id = uuid.uuid4()
    message = chain.invoke("why?", config={"callbacks": [handler], "run_id": run_id})
    log_id = message.response_metadata["gateway"]["log_id"]
    assert handler.log_ids(run_id) == [log_id]
    (result,) = handler.send(run_id, feedback=1, score=10)
    assert result["id"] == log_id
    assert [(item["id"], item["score"]) for item in listed(emu, feedback=1)] == [(log_id, 10)]


def test_handler_records_streams_and_async_runs(emu: GatewayEmulator) -> None:
    handler = GatewayFeedbackHandler(**api(emu))
    chat = model(emu)
    stream_run = uuid.uuid4()
    chunks = list(
        chat.stream("stream please", config={"callbacks": [handler], "run_id": stream_run})
    )
    assert chunks
    (stream_log,) = handler.log_ids(stream_run)
    assert emu.log(stream_log).stream is True

    async def run() -> list[Any]:
        async_run = uuid.uuid4()
        await chat.ainvoke("async please", config={"callbacks": [handler], "run_id": async_run})
        return await handler.asend(async_run, feedback=-1)

    (result,) = asyncio.run(run())
    assert result["feedback"] == -1
    assert emu.log(result["id"]).feedback == -1


def test_handler_records_failed_calls_by_the_errors_log_id(emu: GatewayEmulator) -> None:
    handler = GatewayFeedbackHandler(**api(emu))
    emu.faults.add(upstream_status=500)
    run_id = uuid.uuid4()
    with pytest.raises(Exception, match="cf-aig-log-id") as info:
        model(emu, max_retries=0).invoke("fail", config={"callbacks": [handler], "run_id": run_id})
    log_id = getattr(info.value, "log_id", None)
    assert log_id is not None
    assert handler.log_ids(run_id) == [log_id]
    handler.send(run_id, feedback=-1, metadata={"reason": "upstream 500"})
    entry = emu.log(log_id)
    assert (entry.status_code, entry.feedback, dict(entry.metadata)) == (
        500,
        -1,
        {"reason": "upstream 500"},
    )


# --- the example --------------------------------------------------------------------------------


def test_feedback_example_runs_offline_without_credentials() -> None:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_ENV_VARS}
    env.pop("CFGATEWAY_GROK_EXAMPLE_GATEWAY_URL", None)
    result = subprocess.run(  # noqa: PLW1510 (checked below with the output in the message)
        [sys.executable, str(ROOT / "examples" / "feedback.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    out = result.stdout
    assert re.search(
        r"No credentials set: using the local gateway emulator at http://127\.0\.0\.1:\d+/v1 "
        r"\(Cloudflare API at http://127\.0\.0\.1:\d+/client/v4\)",
        out,
    )
    assert "Answer: You said: Name one benefit of an AI gateway" in out
    log_id = re.search(r"Log id: (\S+)", out)
    assert log_id is not None
    assert UUID7.fullmatch(log_id.group(1))
    assert "Feedback sent: thumbs up, score 95" in out
    assert re.search(
        r'Log entry: model=\S+ feedback=1 score=95 metadata=\{"reviewer":"example"\}', out
    )
    handler_line = re.search(rf"Handler: feedback=-1 on log ({UUID7.pattern}) \(run ", out)
    assert handler_line is not None
    assert handler_line.group(1) != log_id.group(1)
