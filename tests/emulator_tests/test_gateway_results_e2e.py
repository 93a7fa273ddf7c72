"""Issue 4 "Results", end to end: what the gateway reports reaches the message and LangSmith.

`response_metadata["gateway"]` (cache status, log/request/event ids; model and provider on
dynamic routes; parsed DLP findings) on invoke, ainvoke, batch, abatch, stream, astream and
`with_structured_output(method="json_schema")` streams, attached once per response (first chunk
only, never concatenated). The same facts reach LangSmith run metadata (`ls_gateway_info`)
without overriding `ls_provider="xai"`. Guardrails' buffered answer to a stream is one complete
message. Facts: gateway-protocol.md §3 (response headers), §1.5 (dynamic routes), §5
(Guardrails); langchain-core's tracer contract (`GATEWAY_METADATA_RESPONSE_KEY`).
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.tools import tool
from langchain_core.tracers.schemas import Run
from pydantic import BaseModel

from langchain_cfgateway_grok.emulator import (
    DlpRule,
    DynamicRoute,
    GatewayConfig,
    GatewayEmulator,
    Guardrails,
    ScriptedReply,
)
from langchain_cfgateway_grok.emulator.pytest_plugin import (  # noqa: F401 (fixtures)
    cfgateway_emulator,
    cfgateway_emulator_session,
)
from tests.emulator_tests._gateway_e2e import (
    GATEWAY_ID,
    GATEWAY_TOKEN,
    RunCollector,
    make_model,
    merge_chunks,
)

ID_KEYS = {"cache_status", "log_id", "request_id", "event_id"}
PERSON_SCHEMA: dict[str, Any] = {
    "title": "Person",
    "description": "A person and their age.",
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}


@pytest.fixture
def emu(cfgateway_emulator: GatewayEmulator) -> GatewayEmulator:  # noqa: F811
    return cfgateway_emulator


def _log_ids(emu: GatewayEmulator) -> set[str]:
    return {request.log_id for request in emu.requests}


def _assert_gateway_facts(message: AIMessage, emu: GatewayEmulator) -> dict[str, Any]:
    gateway = message.response_metadata["gateway"]
    assert set(gateway) >= ID_KEYS, gateway
    assert gateway["cache_status"] in ("MISS", "HIT")
    assert gateway["log_id"] in _log_ids(emu)
    assert gateway["request_id"] == gateway["log_id"]  # the emulator sends one id for both
    assert all(isinstance(gateway[key], str) for key in ID_KEYS)
    return dict(gateway)


def _assert_first_chunk_only(chunks: Sequence[AIMessage], emu: GatewayEmulator) -> None:
    """Gateway facts on the first chunk, on no other, and single-valued after merging."""
    assert len(chunks) > 2
    first = _assert_gateway_facts(chunks[0], emu)
    assert all("gateway" not in chunk.response_metadata for chunk in chunks[1:])
    merged = merge_chunks(chunks)
    assert merged.response_metadata["gateway"] == first  # not "MISSMISS"
    assert first["log_id"] == emu.requests[-1].log_id


# --- response_metadata["gateway"] on every path ------------------------------------------------
def test_invoke_and_ainvoke(emu: GatewayEmulator) -> None:
    model = make_model(emu)
    facts = [
        _assert_gateway_facts(model.invoke("hi"), emu),
        _assert_gateway_facts(asyncio.run(model.ainvoke("hi")), emu),
    ]
    assert [f["log_id"] for f in facts] == [r.log_id for r in emu.requests]


def test_batch_and_abatch(emu: GatewayEmulator) -> None:
    model = make_model(emu)
    messages = [*model.batch(["one", "two"]), *asyncio.run(model.abatch(["three", "four"]))]
    log_ids = {_assert_gateway_facts(m, emu)["log_id"] for m in messages}
    assert log_ids == _log_ids(emu)
    assert len(log_ids) == 4


def test_stream(emu: GatewayEmulator) -> None:
    _assert_first_chunk_only(list(make_model(emu).stream("stream me")), emu)


async def test_astream(emu: GatewayEmulator) -> None:
    chunks = [chunk async for chunk in make_model(emu).astream("stream me")]
    _assert_first_chunk_only(chunks, emu)


def test_cache_hit_is_reported(emu: GatewayEmulator) -> None:
    emu.set_gateway(GATEWAY_ID, GatewayConfig(cache_ttl=600))
    model = make_model(emu)
    first, second = model.invoke("same"), model.invoke("same")
    assert [m.response_metadata["gateway"]["cache_status"] for m in (first, second)] == [
        "MISS",
        "HIT",
    ]
    assert [m.response_metadata["gateway"]["log_id"] for m in (first, second)] == [
        entry.id for entry in emu.logs
    ]


# --- dynamic routes: model and provider (§1.5, §3) ---------------------------------------------
@pytest.fixture
def dynamic_emu(emu: GatewayEmulator) -> GatewayEmulator:
    routes = {"fast": DynamicRoute("grok-4.20-0309-non-reasoning")}
    # Dynamic routes use the provider keys stored in the gateway (the model sends none).
    emu.set_gateway(
        GATEWAY_ID,
        GatewayConfig(
            auth_tokens=[GATEWAY_TOKEN],
            dynamic_routes=routes,
            stored_keys={"default": "xai-stored-for-routes"},
        ),
    )
    return emu


def _dynamic_model(emu: GatewayEmulator) -> Any:
    return make_model(emu, model="dynamic/fast", endpoint="compat", gateway_token=GATEWAY_TOKEN)


def test_dynamic_route_reports_model_and_provider(dynamic_emu: GatewayEmulator) -> None:
    model = _dynamic_model(dynamic_emu)
    invoked = _assert_gateway_facts(model.invoke("route me"), dynamic_emu)
    streamed = list(model.stream("route me"))
    _assert_first_chunk_only(streamed, dynamic_emu)
    for facts in (invoked, streamed[0].response_metadata["gateway"]):
        assert (facts["model"], facts["provider"]) == ("grok-4.20-0309-non-reasoning", "grok")
    assert dynamic_emu.requests[-1].body["model"] == "dynamic/fast"


def test_static_route_has_no_model_or_provider(emu: GatewayEmulator) -> None:
    facts = _assert_gateway_facts(make_model(emu).invoke("hi"), emu)
    assert "model" not in facts
    assert "provider" not in facts


# --- DLP findings (§3 cf-aig-dlp) ----------------------------------------------------------------
DLP_FINDINGS = {
    "findings": [
        {
            "profile": {"context": {}, "entry_ids": ["e-card"], "profile_id": "p-finance"},
            "policy_ids": ["pol-1"],
            "check": "REQUEST",
        }
    ],
    "action": "FLAG",
}


@pytest.fixture
def dlp_emu(emu: GatewayEmulator) -> GatewayEmulator:
    rule = DlpRule(
        terms=["4111-1111"], profile_id="p-finance", entry_ids=["e-card"], policy_ids=["pol-1"]
    )
    emu.set_gateway(GATEWAY_ID, GatewayConfig(dlp=[rule]))
    return emu


def test_dlp_findings_are_parsed_on_invoke_and_streams(dlp_emu: GatewayEmulator) -> None:
    model = make_model(dlp_emu)
    prompt = "my card is 4111-1111"
    assert model.invoke(prompt).response_metadata["gateway"]["dlp"] == DLP_FINDINGS
    chunks = list(model.stream(prompt))
    _assert_first_chunk_only(chunks, dlp_emu)
    assert merge_chunks(chunks).response_metadata["gateway"]["dlp"] == DLP_FINDINGS

    async def astream() -> list[AIMessageChunk]:
        return [chunk async for chunk in model.astream(prompt)]

    assert asyncio.run(astream())[0].response_metadata["gateway"]["dlp"] == DLP_FINDINGS
    assert "dlp" not in model.invoke("nothing to see").response_metadata["gateway"]


# --- structured output: json_schema streams, where langchain-openai drops headers -----------------
@pytest.fixture
def no_warnings() -> Iterator[None]:
    """Any warning (e.g. langchain-openai's about response headers) fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.usefixtures("no_warnings")
def test_json_schema_stream_carries_gateway_facts(emu: GatewayEmulator) -> None:
    structured = make_model(emu).with_structured_output(
        PERSON_SCHEMA, method="json_schema", include_raw=True
    )
    parts = list(structured.stream("Alice is 30"))
    raws = [part["raw"] for part in parts if "raw" in part]
    assert raws
    raw = raws[0]
    for extra in raws[1:]:
        raw = raw + extra
    assert isinstance(raw, AIMessageChunk)
    facts = _assert_gateway_facts(raw, emu)
    assert facts["log_id"] == emu.requests[-1].log_id
    assert facts["cache_status"] == "MISS"
    parsed = [part["parsed"] for part in parts if part.get("parsed") is not None]
    assert parsed[-1] == {"name": "Alice", "age": 30}
    assert emu.requests[-1].body["response_format"]["type"] == "json_schema"
    assert emu.requests[-1].body["stream"] is True


@pytest.mark.usefixtures("no_warnings")
async def test_json_schema_astream_and_invoke_carry_gateway_facts(emu: GatewayEmulator) -> None:
    structured = make_model(emu).with_structured_output(
        PERSON_SCHEMA, method="json_schema", include_raw=True
    )
    parts = [part async for part in structured.astream("Bob is 41")]
    first_raw = next(part["raw"] for part in parts if "raw" in part)
    _assert_gateway_facts(first_raw, emu)
    result = structured.invoke("Bob is 41")
    assert result["parsed"] == {"name": "Bob", "age": 41}
    _assert_gateway_facts(result["raw"], emu)


class Person(BaseModel):
    """A person and their age."""

    name: str
    age: int


@pytest.mark.usefixtures("no_warnings")
def test_json_schema_stream_with_a_pydantic_schema(emu: GatewayEmulator) -> None:
    structured = make_model(emu).with_structured_output(
        Person, method="json_schema", include_raw=True
    )
    parts = list(structured.stream("Alice is 30"))
    assert [part["parsed"] for part in parts if part.get("parsed")][-1] == Person(
        name="Alice", age=30
    )
    _assert_gateway_facts(next(part["raw"] for part in parts if "raw" in part), emu)


# --- LangSmith: ls_gateway_info, ls_provider stays "xai" -----------------------------------------
def _chat_run(tracer: RunCollector) -> Run:
    (run,) = tracer.llm_runs
    return run


def _assert_langsmith_facts(run: Run, message_facts: dict[str, Any]) -> None:
    info = run.metadata["ls_gateway_info"]
    assert info["cf_aig_log_id"] == message_facts["log_id"]
    assert info["cf_aig_cache_status"] == message_facts["cache_status"]
    assert info["cf_aig_request_id"] == message_facts["request_id"]
    assert info["cf_aig_event_id"] == message_facts["event_id"]
    # Guard: langchain-core's tracer promotes `model`/`provider` in this key over ls_provider.
    assert "model" not in info
    assert "provider" not in info
    assert run.metadata["ls_provider"] == "xai"


@pytest.mark.parametrize("path", ["invoke", "ainvoke", "stream", "astream", "batch"])
def test_gateway_facts_reach_langsmith_run_metadata(emu: GatewayEmulator, path: str) -> None:
    model = make_model(emu)
    tracer = RunCollector()
    config: Any = {"callbacks": [tracer]}
    if path == "invoke":
        message: AIMessage = model.invoke("trace me", config=config)
    elif path == "ainvoke":
        message = asyncio.run(model.ainvoke("trace me", config=config))
    elif path == "stream":
        message = merge_chunks(model.stream("trace me", config=config))
    elif path == "astream":

        async def run() -> list[AIMessageChunk]:
            return [chunk async for chunk in model.astream("trace me", config=config)]

        message = merge_chunks(asyncio.run(run()))
    else:
        (message,) = model.batch(["trace me"], config=config)
    run_record = _chat_run(tracer)
    facts = _assert_gateway_facts(message, emu)
    _assert_langsmith_facts(run_record, facts)
    assert run_record.metadata["ls_gateway_info"]["cf_aig_log_id"] == emu.requests[-1].log_id
    assert run_record.metadata["ls_model_name"] == "grok-4.3"


def test_cache_hit_reaches_langsmith(emu: GatewayEmulator) -> None:
    emu.set_gateway(GATEWAY_ID, GatewayConfig(cache_ttl=600))
    model = make_model(emu)
    tracer = RunCollector()
    model.invoke("same", config={"callbacks": [tracer]})
    model.invoke("same", config={"callbacks": [tracer]})
    statuses = [run.metadata["ls_gateway_info"]["cf_aig_cache_status"] for run in tracer.llm_runs]
    assert statuses == ["MISS", "HIT"]


@pytest.mark.parametrize("path", ["invoke", "stream"])
def test_dynamic_route_keeps_ls_provider_and_model_name(
    dynamic_emu: GatewayEmulator, path: str
) -> None:
    """Guard: the gateway's `cf-aig-model`/`-provider` never override the run's identity."""
    model = _dynamic_model(dynamic_emu)
    tracer = RunCollector()
    config: Any = {"callbacks": [tracer]}
    if path == "invoke":
        message: AIMessage = model.invoke("route me", config=config)
    else:
        message = merge_chunks(model.stream("route me", config=config))
    assert message.response_metadata["gateway"]["provider"] == "grok"
    run = _chat_run(tracer)
    _assert_langsmith_facts(run, message.response_metadata["gateway"])
    assert run.metadata["ls_model_name"] == "dynamic/fast"


# --- Guardrails: a stream answered with one buffered JSON body (§5) -------------------------------
@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


SCRIPTED = ScriptedReply(
    text="Checking the weather.",
    reasoning="The user wants the weather.",
    tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}, "id": "call_oslo"}],
    usage={
        "prompt_tokens": 20,
        "completion_tokens": 8,
        "total_tokens": 33,
        "completion_tokens_details": {"reasoning_tokens": 5},
    },
)


@pytest.fixture
def guarded_emu(emu: GatewayEmulator) -> GatewayEmulator:
    emu.set_gateway(GATEWAY_ID, GatewayConfig(guardrails=Guardrails()))
    return emu


def _assert_complete(message: AIMessage) -> None:
    assert message.content == "Checking the weather."
    assert message.additional_kwargs.get("reasoning_content") == "The user wants the weather."
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
        ("get_weather", {"city": "Oslo"}, "call_oslo")
    ]
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == 20
    assert message.usage_metadata["output_tokens"] == 13  # completion + reasoning
    assert message.response_metadata.get("finish_reason") == "tool_calls"


def test_guardrails_buffered_stream_is_one_complete_message(guarded_emu: GatewayEmulator) -> None:
    model = make_model(guarded_emu).bind_tools([get_weather])
    guarded_emu.script(SCRIPTED)
    chunks = list(model.stream("weather in Oslo?"))
    assert guarded_emu.requests[-1].body["stream"] is True
    assert isinstance(guarded_emu.logs[-1].response_body, dict)  # buffered JSON, not SSE chunks
    merged = merge_chunks(chunks)
    _assert_complete(merged)
    _assert_first_chunk_only(chunks, guarded_emu)
    guarded_emu.script(SCRIPTED)
    invoked = model.invoke("weather in Oslo?")
    _assert_complete(invoked)
    assert merged.content == invoked.content


async def test_guardrails_buffered_astream_is_one_complete_message(
    guarded_emu: GatewayEmulator,
) -> None:
    model = make_model(guarded_emu).bind_tools([get_weather])
    guarded_emu.script(SCRIPTED)
    chunks = [chunk async for chunk in model.astream("weather in Oslo?")]
    _assert_complete(merge_chunks(chunks))
    _assert_gateway_facts(chunks[0], guarded_emu)
