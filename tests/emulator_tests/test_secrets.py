"""Canary secrets never appear on any surface a user, a tracer or a log can see.

Each canary is looked for raw, base64, URL-encoded and JSON-escaped, and as any 12-character
substring, on: repr/str of the model and of bound and structured runnables, dumps/dumpd, the
`serialized` and invocation params callbacks receive, runs a local tracer records (LangSmith's
params and inputs), DEBUG logs (ours, openai's, httpx2's), exception text and tracebacks, and
the emulator's request log.
"""

from __future__ import annotations

import base64
import json
import logging
import traceback
import urllib.parse
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumpd, dumps
from langchain_core.tracers.base import BaseTracer
from langchain_core.tracers.schemas import Run
from pydantic import BaseModel

from langchain_cfgateway_grok import ChatCloudflareGrok
from langchain_cfgateway_grok.emulator import GatewayConfig, GatewayEmulator

ACCOUNT = "0123456789abcdef0123456789abcdef"
XAI_KEY = "xai-canary-Q7w9Zk2LmP4tR8vB"
GATEWAY_TOKEN = "cfgw-canary-H3nJ6sD1fG5kX0yC"
CANARIES = (XAI_KEY, GATEWAY_TOKEN)


def _forms(secret: str) -> list[str]:
    raw = secret.encode()
    return [
        secret,
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
        urllib.parse.quote(secret, safe=""),
        json.dumps(secret)[1:-1],
        *(secret[i : i + 12] for i in range(len(secret) - 11)),
    ]


def _leaks(text: str) -> list[str]:
    return [form for secret in CANARIES for form in _forms(secret) if form in text]


class _Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.seen: list[Any] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.seen.append((serialized, kwargs.get("invocation_params"), kwargs.get("metadata")))

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.seen.append(response)

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self.seen.append(repr(error))


class _Tracer(BaseTracer):
    def __init__(self) -> None:
        super().__init__()
        self.runs: list[Run] = []

    def _persist_run(self, run: Run) -> None:
        self.runs.append(run)

    def _end_trace(self, run: Run) -> None:
        self.runs.append(run)
        super()._end_trace(run)


class Answer(BaseModel):
    text: str


@pytest.fixture
def emulator() -> Any:
    config = GatewayConfig(auth_tokens=[GATEWAY_TOKEN])
    with GatewayEmulator(gateways={"gw": config}, xai_keys=[XAI_KEY]) as emu:
        yield emu


def test_no_canary_on_any_surface(
    emulator: GatewayEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    recorder, tracer = _Recorder(), _Tracer()
    model = ChatCloudflareGrok(
        account_id=ACCOUNT,
        gateway_id="gw",
        gateway_url=emulator.url,
        api_key=XAI_KEY,
        gateway_token=GATEWAY_TOKEN,
        callbacks=[recorder, tracer],
        max_retries=1,
    )
    surfaces: dict[str, str] = {}
    bound = model.bind(temperature=0.1)
    structured = model.with_structured_output(Answer)
    tools = model.bind_tools([Answer])
    for name, runnable in {
        "model": model,
        "bound": bound,
        "structured": structured,
        "tools": tools,
    }.items():
        surfaces[f"repr({name})"] = repr(runnable)
        surfaces[f"str({name})"] = str(runnable)
    surfaces["dumps"] = dumps(model)
    surfaces["dumpd"] = json.dumps(dumpd(model), default=str)
    surfaces["model_dump"] = json.dumps(model.model_dump(), default=str)
    surfaces["model_dump_json"] = model.model_dump_json()

    model.invoke("Hello", extra_headers={"x-trace": "t1"})
    list(model.stream("Hello"))
    structured.invoke("Answer with text 'ok'.")

    # a failing call: exception text and traceback
    emulator.faults.add(status=503, times=5, retry_after=0)
    with pytest.raises(Exception) as info:
        model.invoke("Hello")
    surfaces["exception"] = "".join(
        traceback.format_exception(info.type, info.value, info.tb)
    ) + repr(info.value.__dict__)

    surfaces["callbacks"] = json.dumps(recorder.seen, default=str)
    surfaces["tracer runs"] = json.dumps([r.model_dump() for r in tracer.runs], default=str)
    surfaces["logs"] = "\n".join(
        f"{record.name} {record.getMessage()} {record.args!r}" for record in caplog.records
    )
    surfaces["emulator requests"] = json.dumps([r.__dict__ for r in emulator.requests], default=str)
    assert tracer.runs, "the tracer saw the runs"
    assert any(r.name for r in tracer.runs)

    found = {name: _leaks(text) for name, text in surfaces.items()}
    assert {name: hits for name, hits in found.items() if hits} == {}
    assert len(surfaces) >= 15


@pytest.mark.parametrize(
    "text",
    [
        XAI_KEY,
        base64.b64encode(GATEWAY_TOKEN.encode()).decode(),
        urllib.parse.quote(XAI_KEY, safe=""),
        f"prefix {GATEWAY_TOKEN[5:17]} suffix",
    ],
)
def test_the_leak_detector_sees_each_form(text: str) -> None:
    assert _leaks(text)


def test_secret_fields_are_secretstr_and_masked() -> None:
    model = ChatCloudflareGrok(
        account_id=ACCOUNT, gateway_id="gw", api_key=XAI_KEY, gateway_token=GATEWAY_TOKEN
    )
    assert model.xai_api_key is not None
    assert model.gateway_token is not None
    assert model.xai_api_key.get_secret_value() == XAI_KEY
    assert "**********" in repr(model)
    assert model.lc_secrets == {
        "xai_api_key": "XAI_API_KEY",
        "gateway_token": "CLOUDFLARE_AI_GATEWAY_TOKEN",
        "cloudflare_api_token": "CLOUDFLARE_API_TOKEN",
    }
    assert not _leaks(repr(model))


def test_config_errors_never_echo_secrets() -> None:
    with pytest.raises(ValueError) as info:
        ChatCloudflareGrok(
            account_id=ACCOUNT, gateway_id="gw", api_key=XAI_KEY + "\n", gateway_token=GATEWAY_TOKEN
        )
    assert not _leaks(str(info.value))


def test_run_id_is_the_event_id(emulator: GatewayEmulator) -> None:
    tracer = _Tracer()
    model = ChatCloudflareGrok(
        account_id=ACCOUNT,
        gateway_id="gw",
        gateway_url=emulator.url,
        api_key=XAI_KEY,
        gateway_token=GATEWAY_TOKEN,
    )
    model.invoke("Hi", config={"callbacks": [tracer]})
    run_ids = {str(r.id) for r in tracer.runs}
    assert emulator.requests[-1].headers["cf-aig-event-id"] in run_ids
    assert emulator.logs[-1].event_id in run_ids
    assert isinstance(UUID(emulator.logs[-1].event_id), UUID)
