"""Canary secrets appear on no surface (issue 7), extending tests/emulator_tests/test_secrets.py.

Canaries: the xAI key, the gateway token and the Cloudflare API token, each looked for raw,
base64 (every alignment), percent-encoded, JSON-escaped and as any 12-character substring
(`_canaries.py`). Surfaces, each named in the report line this module prints:

- repr/str of the model and of bound, tool-bound, structured (three methods), retrying and
  fallback runnables; `dumps`, `dumpd`, `model_dump`, `model_dump_json`, `to_json`; LangSmith
  params; identifying params;
- what callbacks receive (`serialized`, invocation params, metadata, results, errors) and the runs a
  local tracer records (LangSmith's params, inputs, outputs, errors), for invoke, ainvoke,
  stream, astream, batch, abatch, structured output, an agent step and `astream_events`;
- DEBUG logs of ours, openai's, langchain-openai's, httpx2's and httpcore2's loggers;
- exceptions (message, repr, chained traceback, attributes incl. `.body`) for faults where the
  server echoes the credentials back (status errors in JSON, text and HTML, a 200 HTML page, an
  error event and a malformed line inside a stream) and for socket faults;
- configuration errors where a secret is malformed or pasted into the wrong field;
- the emulator's request log;
- in subprocesses with the canaries in the environment and DEBUG logging on: every example's
  output (on the "real gateway" path, pointed at the emulator) and the CLI's `doctor`.

The Cloudflare API token (`cloudflare_api_token`, REST route, `feedback`) is checked once the
model has that field; until then those cases skip, saying why.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import logging
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from langchain.agents import create_agent
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumpd, dumps
from langchain_core.tracers.base import BaseTracer
from langchain_core.tracers.schemas import Run
from pydantic import BaseModel

from langchain_cfgateway_grok import ChatCloudflareGrok
from langchain_cfgateway_grok.emulator import GatewayConfig, GatewayEmulator, fingerprint
from tests.conftest import CREDENTIAL_ENV_VARS
from tests.emulator_tests.reliability import _raw_server as raw
from tests.emulator_tests.reliability._bench import ACCOUNT_ID, get_weather, merged
from tests.emulator_tests.reliability._canaries import error_text, forms, leaks

XAI_KEY = "xai-canary-Q7w9Zk2LmP4tR8vBn3Hs"
GATEWAY_TOKEN = "cfgw-canary-H3nJ6sD1fG5kX0yCq8Ze"
CF_API_TOKEN = "cfapi-canary-T5rW2pL9mK4vX7cN1bQ"
CANARIES = (XAI_KEY, GATEWAY_TOKEN, CF_API_TOKEN)
ROOT = Path(__file__).resolve().parents[3]
LOGGERS = ("langchain_cfgateway_grok", "openai", "langchain_openai", "httpx2", "httpcore2")
HAS_REST = "cloudflare_api_token" in ChatCloudflareGrok.model_fields
HAS_FEEDBACK = importlib.util.find_spec("langchain_cfgateway_grok.feedback") is not None
HAS_API_EMULATOR = hasattr(GatewayEmulator, "api_url")
FEEDBACK_PENDING = (
    "langchain_cfgateway_grok.feedback or the emulator's logs API is being built (issue 6); "
    "the Cloudflare API token's feedback surfaces are checked once both exist"
)
REST_PENDING = (
    "the REST route is being built (issue 6): ChatCloudflareGrok has no `cloudflare_api_token` "
    "field yet, so the Cloudflare API token has no surface to check"
)


class Answer(BaseModel):
    text: str


class Recorder(BaseCallbackHandler):
    """Everything callbacks receive."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.seen.append((serialized, messages, kwargs))

    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        self.seen.append((token, kwargs.get("chunk")))

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.seen.append((response, kwargs))

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self.seen.append((error_text(error), kwargs))


class Tracer(BaseTracer):
    """A local tracer: the runs LangSmith would receive, kept in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[Run] = []

    def _persist_run(self, run: Run) -> None:
        self.runs.append(run)

    def _end_trace(self, run: Run) -> None:
        self.runs.append(run)
        super()._end_trace(run)


class Surfaces:
    """Named texts to scan; `found()` lists the leaks per surface."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def add(self, name: str, value: object) -> None:
        text = value if isinstance(value, str) else json.dumps(value, default=repr)
        assert name not in self.texts, name
        self.texts[name] = text

    def found(self) -> dict[str, list[str]]:
        return {name: hits for name, text in self.texts.items() if (hits := leaks(text, CANARIES))}

    def report(self, label: str) -> None:
        total = sum(len(hits) for hits in self.found().values())
        print(f"\nSECRETS {label}: surfaces={len(self.texts)} found={total}")


@pytest.fixture(scope="module")
def emu() -> Iterator[GatewayEmulator]:
    gateways = {
        "gw": GatewayConfig(auth_tokens=[GATEWAY_TOKEN]),
        "stored": GatewayConfig(auth_tokens=[GATEWAY_TOKEN], stored_keys={"default": XAI_KEY}),
    }
    with GatewayEmulator(gateways=gateways, xai_keys=[XAI_KEY]) as emulator:
        yield emulator


def model_on(emu: GatewayEmulator, **overrides: Any) -> ChatCloudflareGrok:
    params: dict[str, Any] = {
        "model": "grok-4.3",
        "account_id": ACCOUNT_ID,
        "gateway_id": "gw",
        "gateway_url": emu.url,
        "api_key": XAI_KEY,
        "gateway_token": GATEWAY_TOKEN,
        "max_retries": 1,
        "timeout": 10.0,
    }
    params.update(overrides)
    return ChatCloudflareGrok(**params)


# -- the in-process surfaces ----------------------------------------------------------------------


def static_surfaces(surfaces: Surfaces, model: ChatCloudflareGrok, prefix: str) -> None:
    runnables: dict[str, Any] = {
        "model": model,
        "bound": model.bind(temperature=0.1),
        "tools": model.bind_tools([get_weather]),
        "structured-function": model.with_structured_output(Answer),
        "structured-json-schema": model.with_structured_output(Answer, method="json_schema"),
        "structured-json-mode": model.with_structured_output(Answer, method="json_mode"),
        "with-retry": model.with_retry(),
        "with-fallbacks": model.with_fallbacks([model]),
    }
    for name, runnable in runnables.items():
        surfaces.add(f"{prefix} repr({name})", repr(runnable))
        surfaces.add(f"{prefix} str({name})", str(runnable))
    surfaces.add(f"{prefix} dumps", dumps(model))
    surfaces.add(f"{prefix} dumpd", dumpd(model))
    surfaces.add(f"{prefix} model_dump", model.model_dump())
    surfaces.add(f"{prefix} model_dump_json", model.model_dump_json())
    surfaces.add(f"{prefix} to_json", model.to_json())
    surfaces.add(f"{prefix} langsmith params", model._get_ls_params())
    surfaces.add(f"{prefix} identifying params", model._identifying_params)


def run_every_entry_point(model: ChatCloudflareGrok) -> list[Any]:
    """invoke, ainvoke, stream, astream, batch, abatch, structured output, an agent step and
    astream_events; the results."""
    results: list[Any] = [
        model.invoke("Hello", extra_headers={"x-trace": "t1"}),
        merged(model.stream("Hello")),
        model.batch(["one", "two"]),
        model.with_structured_output(Answer).invoke("Answer with text 'ok'."),
        create_agent(model, [get_weather]).invoke(
            {"messages": [("user", "What is the weather in 'Lisbon'? use get_weather")]}
        ),
    ]

    async def async_calls() -> list[Any]:
        return [
            await model.ainvoke("Hello"),
            merged([chunk async for chunk in model.astream("Hello")]),
            await model.abatch(["three", "four"]),
            [event async for event in model.astream_events("Hello", version="v2")],
        ]

    return results + asyncio.run(async_calls())


@pytest.mark.parametrize("mode", ["key-and-token", "stored-keys"])
def test_no_canary_on_any_in_process_surface(
    emu: GatewayEmulator, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    emu.reset()
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.DEBUG)
    recorder, tracer = Recorder(), Tracer()
    overrides: dict[str, Any] = {"callbacks": [recorder, tracer]}
    if mode == "stored-keys":
        overrides.update(api_key=None, gateway_id="stored")
    model = model_on(emu, **overrides)
    surfaces = Surfaces()

    static_surfaces(surfaces, model, mode)
    results = run_every_entry_point(model)
    surfaces.add("results", [repr(result) for result in results])

    # Failing calls: the errors' text, and what callbacks and the tracer record of them
    # (langchain-core passes them `error.response.json()`): one echoes the credentials back.
    # (With stored keys the client never holds the xAI key, so only the token can be masked.)
    echo = ECHO if mode == "key-and-token" else f"token {GATEWAY_TOKEN}"
    emu.faults.add(status=400, body={"code": "bad", "error": echo})
    surfaces.add("echo error", error_text(raised(model, "invoke")))
    emu.faults.add(status=503, times=4, retry_after_ms=1)
    for operation in (model.invoke, lambda text: list(model.stream(text))):
        with pytest.raises(Exception) as caught:
            operation("Hello")
        surfaces.add(f"error {len(surfaces.texts)}", error_text(caught.value))

    surfaces.add("callbacks", recorder.seen)
    surfaces.add("tracer runs", [run.model_dump() for run in tracer.runs])
    surfaces.add(
        "DEBUG logs",
        [
            (record.name, record.getMessage(), repr(record.args), record.exc_text)
            for record in caplog.records
        ],
    )
    surfaces.add("emulator requests", [vars(request) for request in emu.requests])

    assert tracer.runs, "the tracer recorded the runs"
    assert {r.run_type for r in tracer.runs} == {"llm"}
    assert any(record.name.startswith("httpcore2") for record in caplog.records), (
        "httpcore2's DEBUG records were captured"
    )
    surfaces.report(f"in-process ({mode})")
    assert surfaces.found() == {}
    assert len(surfaces.texts) >= 30


# -- errors where the server echoes the credentials back ------------------------------------------

ECHO = f"key {XAI_KEY} token {GATEWAY_TOKEN}"
ECHOES: dict[str, dict[str, Any]] = {
    "400 flat JSON": {"status": 400, "body": {"code": "bad", "error": ECHO}},
    "401 gateway envelope": {
        "status": 401,
        "body": {
            "success": False,
            "error": [{"code": 2009, "message": ECHO}],
            "name": "AiGatewayError",
            "internalCode": 2009,
            "message": ECHO,
        },
    },
    "403 text": {"status": 403, "body": ECHO, "body_kind": "text"},
    "502 HTML": {"status": 502, "body": f"<html><title>{ECHO}</title></html>", "body_kind": "html"},
    "200 HTML": {"status": 200, "body": f"<html><title>{ECHO}</title></html>", "body_kind": "html"},
    "openai-style JSON": {"status": 500, "body": {"error": {"message": ECHO, "type": "x"}}},
}
STREAM_ECHOES = {
    "error event": f'data: {{"error": {{"message": "{ECHO}"}}}}\n\n',
    "malformed line": f'data: {{"id": "{ECHO}", "choices": [\n\n',
    "error event (event: error)": f'event: error\ndata: {{"message": "{ECHO}"}}\n\n',
}


def raised(model: ChatCloudflareGrok, operation: str) -> BaseException:
    """The error `model.invoke` or `model.stream` raised (any class: its text is scanned)."""

    def call() -> object:
        return model.invoke("Hello") if operation == "invoke" else list(model.stream("Hello"))

    with pytest.raises(Exception) as caught:
        call()
    return caught.value


def test_errors_never_show_echoed_credentials(emu: GatewayEmulator) -> None:
    emu.reset()
    model = model_on(emu, max_retries=0)
    surfaces = Surfaces()
    for name, fault in ECHOES.items():
        for operation in ("invoke", "stream"):
            emu.faults.add(**fault)
            surfaces.add(f"{name} ({operation})", error_text(raised(model, operation)))
    for name, body in STREAM_ECHOES.items():
        emu.script_raw(200, body, {"content-type": "text/event-stream"})
        with pytest.raises(Exception) as caught:
            list(model.stream("Hello"))
        surfaces.add(f"{name} (stream)", error_text(caught.value))
    surfaces.report("echoed by the server")
    assert surfaces.found() == {}


def test_socket_fault_errors_never_show_credentials(emu: GatewayEmulator) -> None:
    emu.reset()
    host, port = emu.url.removeprefix("http://").split("/")[0].split(":")
    proxy = raw.FaultProxy((host, int(port)))
    surfaces = Surfaces()
    try:
        proxied = model_on(emu, gateway_url=proxy.url, max_retries=0)
        for name, action in (
            ("reset before response", raw.reset_before_response),
            ("reset mid-body", raw.reset_mid_body(events=2)),
        ):
            for operation in ("invoke", "stream"):
                proxy.plan(action, 1)
                surfaces.add(f"{name} ({operation})", error_text(raised(proxied, operation)))
    finally:
        proxy.close()
    refused = model_on(emu, gateway_url=f"http://127.0.0.1:{raw.closed_port()}/v1", max_retries=0)
    with pytest.raises(Exception) as caught:
        refused.invoke("Hello")
    surfaces.add("refused", error_text(caught.value))
    late = model_on(emu, max_retries=0, timeout=httpx2.Timeout(10.0, read=0.1))
    emu.faults.add(first_byte_delay=0.5)
    with pytest.raises(Exception) as caught:
        late.invoke("Hello")
    surfaces.add("read timeout", error_text(caught.value))
    surfaces.report("socket faults")
    assert surfaces.found() == {}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("api_key", XAI_KEY + "\n"),
        ("api_key", f"{XAI_KEY[:10]} {XAI_KEY[10:]}"),
        ("gateway_token", GATEWAY_TOKEN + "\r\n"),
        ("account_id", XAI_KEY),
        ("gateway_id", GATEWAY_TOKEN + "/x"),
        ("gateway_url", f"https://user:{GATEWAY_TOKEN}@gateway.example/v1"),
        ("base_url", f"https://user:{XAI_KEY}@proxy.example/grok/v1"),
        ("default_headers", {"x-key": XAI_KEY + "\r\nx-injected: 1"}),
    ],
)
def test_configuration_errors_never_echo_a_secret(
    emu: GatewayEmulator, field: str, value: Any
) -> None:
    emu.reset()
    with pytest.raises(ValueError) as caught:
        model_on(emu, **{field: value})
    assert field in str(caught.value)
    assert leaks(error_text(caught.value), CANARIES) == []
    assert emu.requests == []  # refused before anything was sent


def test_a_per_call_header_error_never_echoes_a_secret(emu: GatewayEmulator) -> None:
    emu.reset()
    model = model_on(emu)
    with pytest.raises(ValueError) as caught:
        model.invoke("Hello", extra_headers={"x-key": f"Bearer {XAI_KEY}\n"})
    assert "extra_headers" in str(caught.value)
    assert leaks(error_text(caught.value), CANARIES) == []
    assert emu.requests == []


# -- subprocesses: examples and the CLI with the canaries in the environment ----------------------

#: Runs every example, then the CLI's doctor, in one interpreter (imports paid once), with DEBUG
#: logging on; `=== name ===` lines on both streams separate what each one printed.
RUNNER = """
import logging, runpy, sys, traceback
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
examples_dir, *paths = sys.argv[1:]
sys.path.insert(0, examples_dir)
failed = []

def mark(name):
    for stream in (sys.stdout, sys.stderr):
        print(f"\\n=== {name} ===", file=stream, flush=True)

def attempt(name, run):
    mark(name)
    try:
        code = run()
    except SystemExit as exit:
        code = exit.code
    except BaseException:
        traceback.print_exc()
        code = 1
    if code not in (0, None):
        failed.append(name)

for path in paths:
    sys.argv = [path]
    name = "example " + path.rsplit("/", 1)[-1]
    attempt(name, lambda: runpy.run_path(path, run_name="__main__") and 0)
from langchain_cfgateway_grok.cli import main
attempt("cli doctor", lambda: main(["doctor"]))
attempt("cli doctor --no-request", lambda: main(["doctor", "--no-request"]))
mark("end")
print("FAILED:", failed, file=sys.stderr, flush=True)
sys.exit(1 if failed else 0)
"""


def by_marker(text: str) -> dict[str, str]:
    """The runner's output split at its `=== name ===` lines."""
    parts = re.split(r"^=== (.+) ===$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def canary_env(emu: GatewayEmulator) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_ENV_VARS}
    env.pop("CFGATEWAY_GROK_EXAMPLE_GATEWAY_URL", None)
    env.update(
        {
            # The "real gateway" path of the examples, pointed at the emulator.
            "CLOUDFLARE_ACCOUNT_ID": ACCOUNT_ID,
            "CLOUDFLARE_GATEWAY_ID": "gw",
            "CLOUDFLARE_AI_GATEWAY_URL": emu.url,
            "CLOUDFLARE_API_URL": getattr(emu, "api_url", emu.url),
            "XAI_API_KEY": XAI_KEY,
            "CLOUDFLARE_AI_GATEWAY_TOKEN": GATEWAY_TOKEN,
            "CLOUDFLARE_API_TOKEN": CF_API_TOKEN,
            "OPENAI_LOG": "debug",
            # Belt and braces: anything that is not loopback goes to a dead proxy.
            "ALL_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "HTTP_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    return env


def test_examples_and_cli_print_no_canary(emu: GatewayEmulator) -> None:
    emu.reset()
    examples = sorted(
        str(path) for path in (ROOT / "examples").glob("*.py") if not path.name.startswith("_")
    )
    assert examples, "no examples found"
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, str(ROOT / "examples"), *examples],
        check=False,
        cwd=ROOT,
        env=canary_env(emu),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    surfaces = Surfaces()
    outputs, logs = by_marker(result.stdout), by_marker(result.stderr)
    assert (
        set(outputs)
        == set(logs)
        == {
            *(f"example {Path(path).name}" for path in examples),
            "cli doctor",
            "cli doctor --no-request",
            "end",
        }
    )
    for name in sorted(outputs):
        surfaces.add(f"{name} stdout", outputs[name])
        surfaces.add(f"{name} stderr (DEBUG logs)", logs[name])
    # The canaries were really in use: every chat call carried them (seen as fingerprints).
    chats = [r for r in emu.requests if r.path.endswith("/chat/completions")]
    called = {r.path for r in chats}
    assert len(chats) >= len(examples), f"the examples called the model: {sorted(called)}"
    assert {r.headers.get("authorization") for r in chats} == {fingerprint(f"Bearer {XAI_KEY}")}
    assert {r.headers.get("cf-aig-authorization") for r in chats} == {
        fingerprint(f"Bearer {GATEWAY_TOKEN}")
    }
    surfaces.report(f"examples and CLI ({len(examples)} examples, doctor twice)")
    assert surfaces.found() == {}


# -- the Cloudflare API token (REST route, feedback) ----------------------------------------------


def rest_model(**overrides: Any) -> ChatCloudflareGrok:
    params: dict[str, Any] = {
        "endpoint": "rest",
        "account_id": ACCOUNT_ID,
        "gateway_id": "gw",
        "cloudflare_api_token": CF_API_TOKEN,
        **overrides,
    }
    return ChatCloudflareGrok(**params)


@pytest.mark.skipif(not HAS_REST, reason=REST_PENDING)
def test_cloudflare_api_token_on_the_rest_model() -> None:
    model = rest_model()
    surfaces = Surfaces()
    static_surfaces(surfaces, model, "rest")
    surfaces.add("lc_secrets", model.lc_secrets)
    assert "cloudflare_api_token" in model.lc_secrets
    with pytest.raises(ValueError) as caught:
        rest_model(cloudflare_api_token=CF_API_TOKEN + "\n")
    surfaces.add("malformed token error", error_text(caught.value))
    surfaces.report("REST model")
    assert surfaces.found() == {}


@pytest.mark.skipif(not HAS_REST or not HAS_API_EMULATOR, reason=REST_PENDING)
def test_cloudflare_api_token_on_rest_calls(caplog: pytest.LogCaptureFixture) -> None:
    """Calls on the REST route (token in `Authorization`), answered and refused, logged at DEBUG."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    recorder, tracer = Recorder(), Tracer()
    surfaces = Surfaces()
    emulator_kwargs: dict[str, Any] = {"api_tokens": [CF_API_TOKEN]}
    with GatewayEmulator(**emulator_kwargs) as emu:
        api_url = getattr(emu, "api_url")  # noqa: B009 (issue 6 adds it)
        model = rest_model(cloudflare_api_url=api_url, max_retries=0, callbacks=[recorder, tracer])
        results = [model.invoke("Hello"), merged(model.stream("Hello"))]
        surfaces.add("results", [repr(result) for result in results])
        wrong = rest_model(cloudflare_api_url=api_url, cloudflare_api_token="cfapi-wrong-0001")
        for operation in ("invoke", "stream"):
            surfaces.add(f"refused token ({operation})", error_text(raised(wrong, operation)))
        emu.faults.add(status=500, body={"error": f"echo {CF_API_TOKEN}"})
        surfaces.add("echoed token", error_text(raised(model, "invoke")))
        assert all(
            r.headers.get("authorization") == fingerprint(f"Bearer {CF_API_TOKEN}")
            for r in emu.requests[:2]
        ), "the token was sent, as a fingerprint in the emulator's log"
        surfaces.add("emulator requests", [vars(request) for request in emu.requests])
    surfaces.add("callbacks", recorder.seen)
    surfaces.add("tracer runs", [run.model_dump() for run in tracer.runs])
    surfaces.add("DEBUG logs", [(r.name, r.getMessage(), repr(r.args)) for r in caplog.records])
    surfaces.report("REST calls")
    assert surfaces.found() == {}


@pytest.mark.skipif(not HAS_FEEDBACK or not HAS_API_EMULATOR, reason=FEEDBACK_PENDING)
def test_cloudflare_api_token_in_feedback_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    feedback: Any = importlib.import_module("langchain_cfgateway_grok.feedback")
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    surfaces = Surfaces()
    emulator_kwargs: dict[str, Any] = {"api_tokens": [CF_API_TOKEN], "xai_keys": [XAI_KEY]}
    with GatewayEmulator(**emulator_kwargs) as emu:
        api: dict[str, Any] = {
            "account_id": ACCOUNT_ID,
            "gateway_id": "gw",
            "api_token": CF_API_TOKEN,
            "cloudflare_api_url": getattr(emu, "api_url"),  # noqa: B009 (issue 6 adds it)
        }
        handler = feedback.GatewayFeedbackHandler(**api)
        model = model_on(emu, gateway_token=None, callbacks=[handler])
        message = model.invoke("Hello", config={"run_id": (run_id := uuid.uuid4())})
        log_id = message.response_metadata["gateway"]["log_id"]
        surfaces.add(
            "send_feedback result", repr(feedback.send_feedback(log_id, feedback=1, **api))
        )
        surfaces.add("handler.send result", repr(handler.send(run_id, score=90)))
        surfaces.add("get_log result", repr(feedback.get_log(log_id, **api)))
        surfaces.add("repr(handler)", repr(handler))
        surfaces.add("str(handler)", str(handler))
        surfaces.add("repr(settings)", repr(feedback.resolve_api_settings(**api)))
        failures: dict[str, Callable[[], object]] = {
            "wrong token": lambda: feedback.get_log(log_id, **{**api, "api_token": "cfapi-wrong"}),
            "unknown log": lambda: feedback.get_log(str(uuid.uuid4()), **api),
            "malformed token": lambda: feedback.get_log(
                log_id, **{**api, "api_token": CF_API_TOKEN + "\n"}
            ),
            "refused": lambda: feedback.get_log(
                log_id,
                **{**api, "cloudflare_api_url": f"http://127.0.0.1:{raw.closed_port()}/client/v4"},
            ),
        }
        for name, call in failures.items():
            with pytest.raises(Exception) as caught:
                call()
            surfaces.add(f"error: {name}", error_text(caught.value))
        surfaces.add("emulator requests", [vars(request) for request in emu.requests])
    surfaces.add("DEBUG logs", [(r.name, r.getMessage(), repr(r.args)) for r in caplog.records])
    surfaces.report("feedback and logs API")
    assert surfaces.found() == {}


# -- the detector itself --------------------------------------------------------------------------


@pytest.mark.parametrize("secret", CANARIES)
def test_the_detector_sees_every_form(secret: str) -> None:
    import base64
    import urllib.parse

    for text in (
        secret,
        f"Authorization: Bearer {secret}",
        base64.b64encode(f"Bearer {secret}".encode()).decode(),
        base64.urlsafe_b64encode(f"x{secret}yz".encode()).decode(),
        urllib.parse.quote(f"k={secret}", safe=""),
        json.dumps({"k": secret}),
        f"...{secret[3:15]}...",
    ):
        assert leaks(text, [secret]), text
    assert leaks("nothing secret here", [secret]) == []
    assert len(forms(secret)) > 10
