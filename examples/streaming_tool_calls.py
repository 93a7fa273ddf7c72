"""Streaming: text token by token, then a tool call as it arrives in chunks.

Each streamed `AIMessageChunk` carries `tool_call_chunks` (name, id and argument text as they
arrive); adding the chunks up gives an `AIMessageChunk` whose `tool_calls` are parsed. The
gateway's facts (`response_metadata["gateway"]`) ride on the first chunk only, and the usage on
the last.

Runs on the real gateway when credentials are set, else on a local emulator
(see `_gateway_setup.py`).
"""

from __future__ import annotations

from _gateway_setup import gateway_model
from langchain_core.messages import AIMessageChunk
from langchain_core.tools import tool


@tool
def get_weather(city: str, unit: str = "celsius") -> str:
    """Current weather for a city, in `celsius` or `fahrenheit`."""
    return f"14 degrees {unit} and clear in {city}"


def main() -> None:
    with gateway_model("streaming") as model:
        print("text: ", end="", flush=True)
        pieces = 0
        for chunk in model.stream("Say hello to the stream in five words."):
            if chunk.text:  # reasoning-only chunks carry no text
                print(chunk.text, end="", flush=True)
                pieces += 1
        print(f"\ntext chunks: {pieces}")

        with_tools = model.bind_tools([get_weather])
        total: AIMessageChunk | None = None
        for chunk in with_tools.stream("Use get_weather: what is the weather in Oslo in celsius?"):
            if gateway := chunk.response_metadata.get("gateway"):
                print("first chunk gateway facts: cache", gateway.get("cache_status"))
            for part in chunk.tool_call_chunks:
                print(f"tool_call_chunk: name={part['name']} args={part['args']!r}")
            total = chunk if total is None else total + chunk
        assert total is not None
        for call in total.tool_calls:
            print(f"tool call: {call['name']}({call['args']})")
            print("tool result:", get_weather.invoke(call["args"]))
        print("usage:", total.usage_metadata)


if __name__ == "__main__":
    main()
