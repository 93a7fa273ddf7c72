"""The official openai SDK (3.x, on httpx2) parses every kind of emulator answer, sync and async.

References: gateway-protocol.md §1.1 (OpenAI SDK with `base_url=.../grok`), §1.3 (compat), §4.1
(gateway errors), §4.3 (xAI errors), §5 (guardrails buffered body); xai-api.md §1.3-§1.5.
"""

from __future__ import annotations

import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from langchain_cfgateway_grok.emulator import (
    GatewayConfig,
    GatewayEmulator,
    Guardrails,
    ScriptedReply,
)
from tests.emulator_tests.contract._support import MODEL, REASONING_MODEL, XAI_KEY

MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "What is Cloudflare?"}]


def _client(emu: GatewayEmulator, endpoint: str = "grok") -> openai.OpenAI:
    return openai.OpenAI(api_key=XAI_KEY, base_url=emu.base_url(endpoint=endpoint), max_retries=0)


@pytest.mark.parametrize(("endpoint", "model"), [("grok", MODEL), ("compat", f"grok/{MODEL}")])
def test_json_completion(cfgateway_emulator: GatewayEmulator, endpoint: str, model: str) -> None:
    completion = _client(cfgateway_emulator, endpoint).chat.completions.create(
        model=model, messages=MESSAGES
    )
    assert isinstance(completion, ChatCompletion)
    assert completion.model == MODEL
    assert completion.choices[0].message.content
    assert completion.usage is not None
    assert completion.usage.total_tokens > 0


def test_raw_response_exposes_gateway_headers(cfgateway_emulator: GatewayEmulator) -> None:
    raw = _client(cfgateway_emulator).chat.completions.with_raw_response.create(
        model=MODEL, messages=MESSAGES
    )
    assert raw.headers["cf-aig-cache-status"] == "MISS"
    assert raw.headers["cf-aig-log-id"] == raw.headers["cf-aig-event-id"]
    assert raw.parse().choices[0].message.content


def test_stream_with_reasoning_and_usage(cfgateway_emulator: GatewayEmulator) -> None:
    chunks = list(
        _client(cfgateway_emulator).chat.completions.create(
            model=REASONING_MODEL,
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens_details is not None


def test_scripted_tool_call_is_parsed(cfgateway_emulator: GatewayEmulator) -> None:
    cfgateway_emulator.script(
        ScriptedReply(tool_calls=[{"name": "lookup", "arguments": {"q": "cloudflare"}}])
    )
    tools = [
        {
            "type": "function",
            "function": {
                "name": "lookup",
                "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
            },
        }
    ]
    completion = _client(cfgateway_emulator).chat.completions.create(
        model=MODEL,
        messages=MESSAGES,
        tools=tools,  # type: ignore[arg-type]
    )
    call = completion.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "lookup"  # type: ignore[union-attr]
    assert call.function.arguments == '{"q":"cloudflare"}'  # type: ignore[union-attr]
    assert completion.choices[0].finish_reason == "tool_calls"


async def test_async_json_and_stream(cfgateway_emulator: GatewayEmulator) -> None:
    client = openai.AsyncOpenAI(
        api_key=XAI_KEY, base_url=cfgateway_emulator.base_url(endpoint="grok"), max_retries=0
    )
    completion = await client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert completion.choices[0].message.content
    stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    pieces = [chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices]
    assert "".join(pieces) == completion.choices[0].message.content
    await client.close()


@pytest.mark.parametrize(
    ("setup", "error_type", "status", "body"),
    [
        (
            lambda emu: emu.set_gateway("gw", GatewayConfig(auth_tokens=["t"])),
            openai.AuthenticationError,
            401,
            [{"code": 2009, "message": "Unauthorized"}],
        ),
        (
            lambda emu: emu.faults.add(gateway_error="rate_limited"),
            openai.RateLimitError,
            429,
            [{"code": 2003, "message": "Rate limited"}],
        ),
        (
            lambda emu: emu.faults.add(status=502, body="<html>502</html>", body_kind="html"),
            openai.InternalServerError,
            502,
            "<html>502</html>",
        ),
        (
            lambda emu: emu.script_error(429, {"code": 429, "error": "You ran out of credits."}),
            openai.RateLimitError,
            429,
            "You ran out of credits.",
        ),
    ],
)
def test_errors_become_sdk_status_errors(
    cfgateway_emulator: GatewayEmulator,
    setup: object,
    error_type: type[openai.APIStatusError],
    status: int,
    body: object,
) -> None:
    """The SDK keeps only the `error` member as `.body` (xai-api.md §2.12)."""
    setup(cfgateway_emulator)  # type: ignore[operator]
    with pytest.raises(error_type) as caught:
        _client(cfgateway_emulator).chat.completions.create(model=MODEL, messages=MESSAGES)
    assert caught.value.status_code == status
    assert caught.value.body == body
    assert caught.value.response.headers["cf-aig-log-id"]


def test_xai_model_not_found_error(cfgateway_emulator: GatewayEmulator) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _client(cfgateway_emulator).chat.completions.create(model="grok-beta", messages=MESSAGES)
    assert caught.value.body == "Model not found: grok-beta"
    assert caught.value.response.json()["code"] == "Client specified an invalid argument"


def test_guardrails_buffered_body_parses_as_a_completion(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    """§5: with Guardrails, `stream=True` gets one JSON body; the SDK types parse it."""
    cfgateway_emulator.set_gateway("gw", GatewayConfig(guardrails=Guardrails()))
    raw = _client(cfgateway_emulator).chat.completions.with_raw_response.create(
        model=MODEL, messages=MESSAGES, stream=True
    )
    assert raw.headers["content-type"] == "application/json"
    completion = ChatCompletion.model_validate_json(raw.http_response.read())
    assert completion.choices[0].message.content
