"""Tool calling, structured output and an agent, end to end against the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from langchain_cfgateway_grok import ChatCloudflareGrok
from langchain_cfgateway_grok.emulator import GatewayEmulator

ACCOUNT = "0123456789abcdef0123456789abcdef"


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny and 21 degrees in {city}"


@tool
def get_population(city: str) -> int:
    """Population of a city."""
    return {"Lisbon": 545_000, "Porto": 232_000}.get(city, 1_000)


def _model(emu: GatewayEmulator, **kwargs: Any) -> ChatCloudflareGrok:
    return ChatCloudflareGrok(
        account_id=ACCOUNT,
        gateway_id="gw",
        gateway_url=emu.url,
        api_key="xai-tools",
        **kwargs,
    )


@pytest.mark.parametrize("endpoint", ["grok", "compat"])
def test_tool_choice_modes_reach_the_wire(
    cfgateway_emulator: GatewayEmulator, endpoint: str
) -> None:
    model = _model(cfgateway_emulator, endpoint=endpoint)
    tools = [get_weather, get_population]

    auto = model.bind_tools(tools).invoke("What is the weather in 'Lisbon'? use get_weather")
    assert [c["name"] for c in auto.tool_calls] == ["get_weather"]
    assert auto.tool_calls[0]["args"] == {"city": "Lisbon"}
    assert "tool_choice" not in cfgateway_emulator.requests[-1].body

    none = model.bind_tools(tools, tool_choice="none").invoke("Weather in 'Lisbon'?")
    assert none.tool_calls == []
    assert cfgateway_emulator.requests[-1].body["tool_choice"] == "none"

    required = model.bind_tools(tools, tool_choice="any").invoke("Tell me about 'Porto'.")
    assert len(required.tool_calls) >= 1
    assert cfgateway_emulator.requests[-1].body["tool_choice"] == "required"

    named = model.bind_tools(tools, tool_choice="get_population").invoke("About 'Porto'.")
    assert [c["name"] for c in named.tool_calls] == ["get_population"]
    assert cfgateway_emulator.requests[-1].body["tool_choice"] == {
        "type": "function",
        "function": {"name": "get_population"},
    }


def test_parallel_tool_calls_and_opt_out(cfgateway_emulator: GatewayEmulator) -> None:
    model = _model(cfgateway_emulator)
    prompt = "For 'Lisbon' call get_weather and get_population."
    both = model.bind_tools([get_weather, get_population]).invoke(prompt)
    assert {c["name"] for c in both.tool_calls} == {"get_weather", "get_population"}
    assert len({c["id"] for c in both.tool_calls}) == 2
    single = model.bind_tools([get_weather, get_population], parallel_tool_calls=False).invoke(
        prompt
    )
    assert len(single.tool_calls) == 1
    assert cfgateway_emulator.requests[-1].body["parallel_tool_calls"] is False


def test_streamed_tool_call_chunks_merge_into_tool_calls(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    model = _model(cfgateway_emulator).bind_tools([get_weather])
    chunks = list(model.stream("Use get_weather for 'Porto'."))
    with_chunks = [c for c in chunks if isinstance(c, AIMessageChunk) and c.tool_call_chunks]
    assert with_chunks, "the tool call arrives as tool_call_chunks"
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = merged + chunk
    assert merged.tool_calls == [
        {
            "name": "get_weather",
            "args": {"city": "Porto"},
            "id": with_chunks[0].tool_call_chunks[0]["id"],
            "type": "tool_call",
        }
    ]


def test_tool_loop_answers_with_the_tool_result(cfgateway_emulator: GatewayEmulator) -> None:
    model = _model(cfgateway_emulator).bind_tools([get_weather])
    from langchain_core.messages import HumanMessage

    history: list[Any] = [HumanMessage("What's the weather in 'Lisbon'? use get_weather")]
    first = model.invoke(history)
    history.append(first)
    for call in first.tool_calls:
        history.append(ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"]))
    final = model.invoke(history)
    assert final.tool_calls == []
    assert "Sunny and 21 degrees in Lisbon" in final.text


class Person(BaseModel):
    """A person."""

    name: str = Field(description="The person's name")
    age: int = Field(description="Age in years")


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
def test_structured_output_methods(cfgateway_emulator: GatewayEmulator, method: str) -> None:
    model = _model(cfgateway_emulator)
    prompt = "The person 'Ada' is 36 years old."
    structured = model.with_structured_output(Person, method=method)  # type: ignore[arg-type]
    assert structured.invoke(prompt) == Person(name="Ada", age=36)
    streamed = list(structured.stream(prompt))
    assert streamed[-1] == Person(name="Ada", age=36)
    body = cfgateway_emulator.requests[-1].body
    if method == "function_calling":
        assert body["tool_choice"]["function"]["name"] == "Person"
    else:
        assert body["response_format"]["json_schema"]["name"] == "Person"


def test_structured_output_json_mode(cfgateway_emulator: GatewayEmulator) -> None:
    structured = _model(cfgateway_emulator).with_structured_output(method="json_mode")
    prompt = "Describe 'Lisbon'. Return JSON with keys `city` and `country`."
    assert set(structured.invoke(prompt)) == {"city", "country"}
    assert set(list(structured.stream(prompt))[-1]) == {"city", "country"}
    assert cfgateway_emulator.requests[-1].body["response_format"] == {"type": "json_object"}


def test_structured_output_include_raw_keeps_gateway_facts(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    structured = _model(cfgateway_emulator).with_structured_output(
        Person, method="json_schema", include_raw=True
    )
    result = structured.invoke("The person 'Bo' is 7 years old.")
    assert result["parsed"] == Person(name="Bo", age=7)
    assert result["raw"].response_metadata["gateway"]["log_id"]


def test_agent_uses_two_tools_over_several_steps(cfgateway_emulator: GatewayEmulator) -> None:
    from langchain.agents import create_agent

    agent = create_agent(_model(cfgateway_emulator), tools=[get_weather, get_population])
    result = agent.invoke(
        {
            "messages": [
                (
                    "user",
                    "For 'Lisbon': first use get_weather, then use get_population, "
                    "then summarise both.",
                )
            ]
        }
    )
    messages = result["messages"]
    tool_results = [m for m in messages if isinstance(m, ToolMessage)]
    assert {m.name for m in tool_results} == {"get_weather", "get_population"}
    assert "Sunny and 21 degrees in Lisbon" in messages[-1].text
    assert "545000" in messages[-1].text
    # several model steps, every one through the gateway
    model_calls = [r for r in cfgateway_emulator.requests if r.path.endswith("/chat/completions")]
    assert len(model_calls) >= 2
