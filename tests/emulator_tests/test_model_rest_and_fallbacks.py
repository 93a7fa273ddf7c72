"""The REST API route, gateway-side fallbacks and dynamic routes to other providers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_cfgateway_grok import ChatCloudflareGrok, FallbackStep
from langchain_cfgateway_grok.emulator import (
    DynamicRoute,
    GatewayConfig,
    GatewayEmulator,
    fingerprint,
)
from langchain_cfgateway_grok.feedback import CloudflareAPIAuthenticationError

ACCOUNT = "0123456789abcdef0123456789abcdef"
API_TOKEN = "cf-api-token-for-rest"


@pytest.fixture(scope="module")
def emulator() -> Iterator[GatewayEmulator]:
    with GatewayEmulator(api_tokens=[API_TOKEN]) as emu:
        yield emu


@pytest.fixture
def emu(emulator: GatewayEmulator) -> Iterator[GatewayEmulator]:
    emulator.reset()
    yield emulator
    emulator.reset()


def _rest(emu: GatewayEmulator, **kwargs: Any) -> ChatCloudflareGrok:
    params: dict[str, Any] = {
        "endpoint": "rest",
        "account_id": ACCOUNT,
        "gateway_id": "rest-gw",
        "cloudflare_api_url": emu.api_url,
        "cloudflare_api_token": API_TOKEN,
        "model": "grok-4.3",
        **kwargs,
    }
    return ChatCloudflareGrok(**params)


def test_rest_route_url_model_and_auth(emu: GatewayEmulator) -> None:
    message = _rest(emu).invoke("Hello from REST.")
    request = emu.requests[-1]
    assert request.path == f"/client/v4/accounts/{ACCOUNT}/ai/v1/chat/completions"
    assert request.body["model"] == "xai/grok-4.3"
    assert request.headers["authorization"] == fingerprint(f"Bearer {API_TOKEN}")
    assert request.headers["cf-aig-gateway-id"] == "rest-gw"
    assert "cf-aig-authorization" not in request.headers
    assert message.text
    assert message.response_metadata["model_provider"] == "xai"
    assert message.response_metadata["gateway"]["log_id"] == request.log_id
    chunks = list(_rest(emu).stream("Stream from REST."))
    assert "".join(str(c.content) for c in chunks)


def test_rest_route_with_a_wrong_token_is_a_typed_auth_error(emu: GatewayEmulator) -> None:
    import openai

    model = _rest(emu, cloudflare_api_token="not-the-token", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        model.invoke("Hi")
    assert info.value.status_code == 401
    assert "not-the-token" not in str(info.value)


def test_rest_route_refuses_an_explicit_xai_key_and_a_missing_token(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="Unified Billing"):
        _rest(emu, api_key="xai-explicit-key")
    with pytest.raises(ValueError, match="CLOUDFLARE_API_TOKEN"):
        _rest(emu, cloudflare_api_token=None)
    # a key that only comes from the environment is not an error on this route: it is unused
    monkeypatch.setenv("XAI_API_KEY", "xai-from-env")
    _rest(emu).invoke("Hi")
    assert emu.requests[-1].headers["authorization"] == fingerprint(f"Bearer {API_TOKEN}")
    assert emu.requests == emu.requests[-1:]


def test_rest_route_refuses_responses_and_fallbacks(emu: GatewayEmulator) -> None:
    with pytest.raises(ValueError, match="grok"):
        _rest(emu, use_responses_api=True)
    with pytest.raises(ValueError, match="Universal"):
        _rest(emu, gateway_fallbacks=[FallbackStep(model="grok-4.3")])
    assert emu.requests == []


def _with_fallbacks(emu: GatewayEmulator, **kwargs: Any) -> ChatCloudflareGrok:
    params: dict[str, Any] = {
        "account_id": ACCOUNT,
        "gateway_id": "fb",
        "gateway_url": emu.url,
        "api_key": "xai-fallback-key",
        "model": "grok-4.5",
        "max_retries": 0,
        "gateway_fallbacks": [
            FallbackStep(model="grok-4.3", options={"first_byte_timeout": 2}),
            FallbackStep(model="grok-4.20-0309-non-reasoning", endpoint="compat"),
        ],
        **kwargs,
    }
    return ChatCloudflareGrok(**params)


def test_fallback_taken_on_an_error_reports_the_serving_step(emu: GatewayEmulator) -> None:
    emu.faults.add(upstream_status=503)  # the primary step's only attempt fails
    message = _with_fallbacks(emu).invoke("Which model answered?")
    assert message.response_metadata["gateway"]["step"] == 1
    assert message.response_metadata["model_name"] == "grok-4.3"
    (request,) = emu.requests
    assert request.path == f"/v1/{ACCOUNT}/fb"
    steps = request.body
    assert [s["provider"] for s in steps] == ["grok", "grok", "compat"]
    assert [s["query"]["model"] for s in steps] == [
        "grok-4.5",
        "grok-4.3",
        "grok/grok-4.20-0309-non-reasoning",
    ]
    assert steps[1]["config"] == {"requestTimeout": 2000}
    # the key travels per step only, never as a request header that every step would get
    assert "authorization" not in request.headers
    assert all(
        s["headers"]["authorization"] == fingerprint("Bearer xai-fallback-key") for s in steps
    )
    assert [entry.step for entry in emu.logs] == [0, 1]


def test_fallback_taken_on_a_timeout(emu: GatewayEmulator) -> None:
    emu.faults.add(upstream_delay=5)  # the primary is slow ...
    emu.faults.add(upstream_delay=5)  # ... and so is step 1, past its 2 s first-byte timeout
    # a request-level option applies to every step that does not set its own
    message = _with_fallbacks(emu, gateway_options={"first_byte_timeout": 3}).invoke("Hello")
    assert message.response_metadata["gateway"]["step"] == 2
    assert message.response_metadata["model_name"] == "grok-4.20-0309-non-reasoning"


def test_fallbacks_stream_tools_and_structured_output(emu: GatewayEmulator) -> None:
    @tool
    def get_weather(city: str) -> str:
        """Weather for a city."""
        return f"Sunny in {city}"

    class City(BaseModel):
        name: str

    model = _with_fallbacks(emu)
    emu.faults.add(upstream_status=500)
    chunks = list(model.stream("Stream please."))
    assert chunks[0].response_metadata["gateway"]["step"] == 1
    assert sum("gateway" in c.response_metadata for c in chunks) == 1
    emu.faults.add(upstream_status=500)
    called = model.bind_tools([get_weather]).invoke("Use get_weather for 'Oslo'.")
    assert called.tool_calls[0]["args"] == {"city": "Oslo"}
    assert called.response_metadata["gateway"]["step"] == 1
    emu.faults.add(upstream_status=500)
    city = model.with_structured_output(City, method="json_schema").invoke("The city 'Oslo'.")
    assert city == City(name="Oslo")


def test_fallback_steps_are_validated_at_construction(emu: GatewayEmulator) -> None:
    with pytest.raises(ValueError, match="2008"):
        _with_fallbacks(
            emu,
            gateway_fallbacks=[
                FallbackStep(model="grok-4.3", endpoint="compat"),
                {"model": "openai/gpt-x", "endpoint": "compat"},
            ],
        )
    with pytest.raises(ValueError, match="max_attempts"):
        _with_fallbacks(
            emu, gateway_fallbacks=[{"model": "grok-4.3", "options": {"max_attempts": 9}}]
        )
    assert emu.requests == []


def test_dynamic_route_to_another_provider_skips_grok_parsing(emu: GatewayEmulator) -> None:
    emu.set_gateway(
        "dyn",
        GatewayConfig(
            auth_tokens=["cf-token"],
            dynamic_routes={"cheap": DynamicRoute(model="gpt-5-mini", provider="openai")},
        ),
    )
    model = ChatCloudflareGrok(
        account_id=ACCOUNT,
        gateway_id="dyn",
        gateway_url=emu.url,
        gateway_token="cf-token",
        api_key="provider-key",
        endpoint="compat",
        model="dynamic/cheap",
    )
    message = model.invoke("Hello there.")
    assert message.response_metadata["gateway"]["provider"] == "openai"
    assert message.response_metadata["model_provider"] == "openai"
    assert "reasoning_content" not in message.additional_kwargs
    assert "cost_in_usd_ticks" not in message.response_metadata
    chunks = list(model.stream("Hello there."))
    assert {c.response_metadata.get("model_provider") for c in chunks} <= {"openai", None}


def test_feedback_error_class_is_importable() -> None:
    assert issubclass(CloudflareAPIAuthenticationError, Exception)
