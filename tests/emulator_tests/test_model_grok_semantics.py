"""Grok's semantics through the model on every path: reasoning, usage, params, images, metadata."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage

from langchain_cfgateway_grok import ChatCloudflareGrok
from langchain_cfgateway_grok.emulator import GatewayEmulator, ScriptedReply

ACCOUNT = "0123456789abcdef0123456789abcdef"
# A 1x1 PNG, written to a local file by the test (no download).
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _model(emu: GatewayEmulator, **kwargs: object) -> ChatCloudflareGrok:
    params: dict[str, object] = {
        "account_id": ACCOUNT,
        "gateway_id": "gw",
        "gateway_url": emu.url,
        "api_key": "xai-semantics",
        **kwargs,
    }
    return ChatCloudflareGrok(**params)  # type: ignore[arg-type]


def _merge(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = merged + chunk
    return merged


def test_reasoning_content_kept_on_invoke_and_stream(cfgateway_emulator: GatewayEmulator) -> None:
    model = _model(cfgateway_emulator, model="grok-4.3")
    message = model.invoke("Why is the sky blue?")
    assert message.additional_kwargs["reasoning_content"]
    assert message.content_blocks[0]["type"] == "reasoning"
    streamed = _merge(list(model.stream("Why is the sky blue?")))
    assert (
        streamed.additional_kwargs["reasoning_content"]
        == (message.additional_kwargs["reasoning_content"])
    )
    assert streamed.content == message.content


def test_reasoning_content_is_sent_back_on_later_turns(cfgateway_emulator: GatewayEmulator) -> None:
    model = _model(cfgateway_emulator, model="grok-4.3")
    first = model.invoke("Pick a colour.")
    model.invoke([HumanMessage("Pick a colour."), first, HumanMessage("Why that one?")])
    assistant = cfgateway_emulator.requests[-1].body["messages"][1]
    assert assistant["role"] == "assistant"
    assert assistant["reasoning_content"] == first.additional_kwargs["reasoning_content"]


def test_v1_output_keeps_reasoning_and_sends_it_back(cfgateway_emulator: GatewayEmulator) -> None:
    model = _model(cfgateway_emulator, model="grok-4.3", output_version="v1")
    first = model.invoke("Pick a number.")
    assert isinstance(first.content, list)
    assert first.content[0]["type"] == "reasoning"
    model.invoke([HumanMessage("Pick a number."), first, HumanMessage("Double it.")])
    assistant = cfgateway_emulator.requests[-1].body["messages"][1]
    assert assistant["reasoning_content"]
    assert all(
        not isinstance(part, dict) or part.get("type") != "reasoning"
        for part in (assistant["content"] if isinstance(assistant["content"], list) else [])
    )


def test_usage_counts_reasoning_as_output_and_reports_cost(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    model = _model(cfgateway_emulator, model="grok-4.3")
    for message in (model.invoke("Explain TCP."), _merge(list(model.stream("Explain TCP.")))):
        usage = message.usage_metadata
        assert usage is not None
        reasoning = usage["output_token_details"]["reasoning"]
        assert reasoning > 0
        assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
        raw = cfgateway_emulator.logs[-1]
        assert usage["output_tokens"] == raw.tokens_out  # the gateway's own count incl. reasoning
        assert isinstance(message.response_metadata["cost_in_usd_ticks"], int)


def test_params_reasoning_models_reject_are_dropped_not_sent(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    _model(cfgateway_emulator, model="grok-4.3", frequency_penalty=0.2).invoke(
        "Count to three.", stop=["three"]
    )
    body = cfgateway_emulator.requests[-1].body
    assert "stop" not in body
    assert "frequency_penalty" not in body
    _model(cfgateway_emulator, model="grok-4.20-0309-non-reasoning").invoke(
        "Count to three.", stop=["three"]
    )
    assert cfgateway_emulator.requests[-1].body["stop"] == ["three"]


def test_max_tokens_is_sent_as_max_completion_tokens(cfgateway_emulator: GatewayEmulator) -> None:
    message = _model(cfgateway_emulator, max_tokens=3).invoke(
        "Write a long story about gateways and caches and tokens."
    )
    body = cfgateway_emulator.requests[-1].body
    assert body["max_completion_tokens"] == 3
    assert "max_tokens" not in body
    assert message.response_metadata["finish_reason"] == "length"


def test_reasoning_effort_sent_top_level_or_refused_before_sending(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    _model(cfgateway_emulator, model="grok-4.3", reasoning_effort="high").invoke("Hi")
    assert cfgateway_emulator.requests[-1].body["reasoning_effort"] == "high"
    sent = len(cfgateway_emulator.requests)
    refusing = _model(cfgateway_emulator, model="grok-4.20-0309-reasoning", reasoning_effort="low")
    with pytest.raises(ValueError, match="reasoning_effort"):
        refusing.invoke("Hi")
    with pytest.raises(ValueError, match="reasoning_effort"):
        _model(cfgateway_emulator, model="grok-4.3").invoke("Hi", reasoning_effort="extreme")
    assert len(cfgateway_emulator.requests) == sent


def test_live_search_refused_before_sending(cfgateway_emulator: GatewayEmulator) -> None:
    with pytest.raises(ValueError, match="web_search"):
        _model(cfgateway_emulator, model_kwargs={"search_parameters": {"mode": "on"}})
    with pytest.raises(ValueError, match="web_search"):
        _model(cfgateway_emulator).invoke("Hi", search_parameters={"mode": "auto"})
    assert cfgateway_emulator.requests == []


def test_gateway_facts_once_per_response_on_every_path(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    model = _model(cfgateway_emulator)
    invoked = model.invoke("Hi")
    gateway = invoked.response_metadata["gateway"]
    assert gateway["log_id"] == cfgateway_emulator.requests[-1].log_id
    assert gateway["cache_status"] == "MISS"
    assert set(gateway) >= {"cache_status", "log_id", "request_id", "event_id"}

    chunks = list(model.stream("Hi"))
    carrying = [c for c in chunks if "gateway" in c.response_metadata]
    assert len(carrying) == 1
    assert carrying[0] is chunks[0]
    merged = _merge(chunks)
    assert merged.response_metadata["gateway"]["cache_status"] == "MISS"  # not "MISSMISS"
    assert merged.response_metadata["gateway"]["log_id"] == cfgateway_emulator.requests[-1].log_id

    batch = model.batch(["one", "two"])
    log_ids = {m.response_metadata["gateway"]["log_id"] for m in batch}
    assert log_ids == {r.log_id for r in cfgateway_emulator.requests[-2:]}


async def test_gateway_facts_on_async_paths(cfgateway_emulator: GatewayEmulator) -> None:
    model = _model(cfgateway_emulator)
    message = await model.ainvoke("Hi")
    assert message.response_metadata["gateway"]["log_id"] == cfgateway_emulator.requests[-1].log_id
    chunks = [c async for c in model.astream("Hi")]
    assert sum("gateway" in c.response_metadata for c in chunks) == 1
    results = await model.abatch(["a", "b", "c"])
    assert len({m.response_metadata["gateway"]["log_id"] for m in results}) == 3


def test_image_inputs_from_local_files_url_and_base64(
    cfgateway_emulator: GatewayEmulator, tmp_path: Path
) -> None:
    image = tmp_path / "pixel.png"
    image.write_bytes(_PNG)
    data = base64.b64encode(image.read_bytes()).decode()
    message = HumanMessage(
        content=[
            {"type": "text", "text": "Describe both images."},
            {"type": "image", "base64": data, "mime_type": "image/png"},
            {"type": "image", "url": "https://example.test/pixel.png"},
        ]
    )
    reply = _model(cfgateway_emulator).invoke([message])
    assert reply.text
    parts = cfgateway_emulator.requests[-1].body["messages"][0]["content"]
    urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert urls == [f"data:image/png;base64,{data}", "https://example.test/pixel.png"]


def test_model_and_ls_provider_identity(cfgateway_emulator: GatewayEmulator) -> None:
    model = _model(cfgateway_emulator)
    assert model._get_ls_params()["ls_provider"] == "xai"
    assert model._llm_type == "cfgateway-grok-chat"
    assert model.profile is not None
    assert model.profile["reasoning_output"] is True
    message = model.invoke("Hi")
    assert message.response_metadata["model_provider"] == "xai"
    assert message.response_metadata["model_name"] == "grok-4.5"


def test_structured_output_json_schema_stream_has_no_header_warning(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    import warnings

    from pydantic import BaseModel

    class City(BaseModel):
        name: str
        population: int

    model = _model(cfgateway_emulator).with_structured_output(City, method="json_schema")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chunks = list(model.stream("Name the city 'Lisbon' with population 545000."))
    assert chunks[-1] == City(name="Lisbon", population=545000)
    body = cfgateway_emulator.requests[-1].body
    assert body["response_format"]["type"] == "json_schema"


def test_scripted_reasoning_and_usage_details(cfgateway_emulator: GatewayEmulator) -> None:
    cfgateway_emulator.script(
        ScriptedReply(
            text="Done.",
            reasoning="Short thought.",
            usage={
                "prompt_tokens": 50,
                "completion_tokens": 2,
                "prompt_tokens_details": {"cached_tokens": 40},
                "completion_tokens_details": {"reasoning_tokens": 7},
            },
        )
    )
    message = _model(cfgateway_emulator).invoke("Go.")
    assert message.usage_metadata == {
        "input_tokens": 50,
        "output_tokens": 9,
        "total_tokens": 59,
        "input_token_details": {"cache_read": 40, "audio": 0},
        "output_token_details": {"reasoning": 7, "audio": 0},
    }
    assert message.additional_kwargs["reasoning_content"] == "Short thought."


def test_json_mode_returns_json(cfgateway_emulator: GatewayEmulator) -> None:
    model = _model(cfgateway_emulator).with_structured_output(method="json_mode")
    result = model.invoke("Return a JSON object with keys `colour` and `size`.")
    assert isinstance(result, dict)
    assert set(result) == {"colour", "size"}
    assert cfgateway_emulator.requests[-1].body["response_format"] == {"type": "json_object"}
    json.dumps(result)


def test_ai_message_history_with_tool_calls_round_trips(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    history = [
        HumanMessage("What is 2+2? use add"),
        AIMessage(
            content="",
            tool_calls=[{"name": "add", "args": {"a": 2, "b": 2}, "id": "call_1"}],
        ),
    ]
    from langchain_core.messages import ToolMessage

    history.append(ToolMessage("4", tool_call_id="call_1"))
    reply = _model(cfgateway_emulator).invoke(history)
    assert "4" in reply.text
    sent = cfgateway_emulator.requests[-1].body["messages"]
    assert sent[1]["tool_calls"][0]["function"]["name"] == "add"
    assert sent[2] == {"role": "tool", "content": "4", "tool_call_id": "call_1"}
