"""Shared scaffolding for the reliability tests: the model on loopback, the operations, counters.

Everything here wraps real objects: `ChatCloudflareGrok` with its own URL builder, the gateway
emulator, the raw `FaultProxy`, `/proc/self/fd`. The one reach inside the model is
`record_waits`: the transport's retry wait is an injection point (`ChatTransport(sleep=...,
asleep=...)`, "tests inject a fake") that the model does not expose, so it is set on the model's
transport; what is recorded is the delay the client *chose*, and the attempts are still counted
by the server.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable
from typing import Any

from langchain.agents import create_agent
from langchain_core.messages import AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.tools import tool

from langchain_cfgateway_grok import ChatCloudflareGrok

ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
XAI_KEY = "xai-reliability-key-0001"
GATEWAY_TOKEN = "cf-reliability-token-0001"
MODEL = "grok-4.3"


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny in {city}"


def make_model(gateway_url: str, **overrides: Any) -> ChatCloudflareGrok:
    """The real model on `gateway_url` (the emulator's root, or the fault proxy's)."""
    params: dict[str, Any] = {
        "model": MODEL,
        "api_key": XAI_KEY,
        "account_id": ACCOUNT_ID,
        "gateway_id": "gw",
        "gateway_url": gateway_url,
        "max_retries": 2,
        "timeout": 10.0,
    }
    params.update(overrides)
    return ChatCloudflareGrok(**params)


def record_waits(model: ChatCloudflareGrok) -> list[float]:
    """Make the model's retry waits instant and return the list of delays it asked for."""
    waits: list[float] = []

    async def asleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0)

    transport = model._transport
    transport._sleep = waits.append
    transport._asleep = asleep
    return waits


def merged(chunks: Iterable[BaseMessage]) -> AIMessageChunk:
    """Stream chunks added up the way LangChain does (`+`)."""
    total: AIMessageChunk | None = None
    for chunk in chunks:
        assert isinstance(chunk, AIMessageChunk), type(chunk)
        total = chunk if total is None else total + chunk
    assert total is not None, "the stream yielded nothing"
    return total


# -- the operations: each returns the answer's text, or raises what the model raised --------------

OPERATIONS = ("invoke", "ainvoke", "stream", "astream", "agent", "agent_stream")
STREAMING = frozenset({"stream", "astream", "agent_stream"})
AGENT_PROMPT = "What is the weather in 'Lisbon'? use get_weather nonce:{nonce}"
AGENT_ANSWER = "get_weather returned: Sunny in Lisbon nonce:{nonce}"


def prompt_for(operation: str, nonce: str) -> str:
    """What the operation sends: an agent task, or a bare nonce the emulator echoes."""
    return AGENT_PROMPT.format(nonce=nonce) if operation.startswith("agent") else f"nonce:{nonce}"


def answer_for(operation: str, nonce: str) -> str:
    """The complete answer the emulated model gives to `prompt_for(operation, nonce)`."""
    return AGENT_ANSWER.format(nonce=nonce) if operation.startswith("agent") else f"nonce:{nonce}"


def run(operation: str, model: ChatCloudflareGrok, prompt: str) -> str:
    """Run one operation to its end; the final answer's text."""
    if operation == "invoke":
        return model.invoke(prompt).text
    if operation == "ainvoke":
        return asyncio.run(model.ainvoke(prompt)).text
    if operation == "stream":
        return merged(model.stream(prompt)).text
    if operation == "astream":

        async def collect() -> list[BaseMessage]:
            return [chunk async for chunk in model.astream(prompt)]

        return merged(asyncio.run(collect())).text
    agent = create_agent(model, [get_weather])
    inputs: Any = {"messages": [HumanMessage(prompt)]}
    if operation == "agent":
        return str(agent.invoke(inputs)["messages"][-1].text)
    assert operation == "agent_stream", operation
    state: Any = None
    # "messages" mode makes the agent's model calls stream; "values" carries the final state.
    for mode, data in agent.stream(inputs, stream_mode=["messages", "values"]):
        if mode == "values":
            state = data
    return str(state["messages"][-1].text)


# -- descriptors ----------------------------------------------------------------------------------


def open_fds() -> int:
    """Open file descriptors of this process."""
    return len(os.listdir("/proc/self/fd"))


def open_sockets() -> int:
    """Open socket descriptors of this process (client and in-process server sides)."""
    count = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                count += 1
        except OSError:
            continue  # closed between listdir and readlink
    return count


def settle(limit: int, timeout: float = 3.0) -> int:
    """Open descriptors once at most `limit`, else the count after `timeout`.

    The servers run in this process: their side of a connection closes a moment after the
    client's, on their own threads, so a count taken at once can include sockets still closing.
    """
    deadline = time.monotonic() + timeout
    while (count := open_fds()) > limit and time.monotonic() < deadline:
        time.sleep(0.02)
    return count
