"""Where the model sends requests and with which credentials, checked on the emulator's wire."""

from __future__ import annotations

import pytest

from langchain_cfgateway_grok import ChatCloudflareGrok, GatewayUnauthorizedError
from langchain_cfgateway_grok.emulator import (
    GatewayConfig,
    GatewayEmulator,
    ScriptedReply,
    fingerprint,
)

ACCOUNT = "0123456789abcdef0123456789abcdef"


def _model(emu: GatewayEmulator, **kwargs: object) -> ChatCloudflareGrok:
    params: dict[str, object] = {
        "account_id": ACCOUNT,
        "gateway_id": "gw",
        "gateway_url": emu.url,
        "api_key": "xai-route-test",
        **kwargs,
    }
    return ChatCloudflareGrok(**params)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("endpoint", "path", "wire_model"),
    [
        ("grok", f"/v1/{ACCOUNT}/gw/grok/v1/chat/completions", "grok-4.3"),
        ("compat", f"/v1/{ACCOUNT}/gw/compat/chat/completions", "grok/grok-4.3"),
    ],
)
def test_built_url_and_wire_model_per_route(
    cfgateway_emulator: GatewayEmulator, endpoint: str, path: str, wire_model: str
) -> None:
    model = _model(cfgateway_emulator, endpoint=endpoint, model="grok-4.3")
    message = model.invoke("Say hello.")
    (request,) = cfgateway_emulator.requests
    assert request.path == path
    assert request.body["model"] == wire_model
    assert message.text
    assert message.response_metadata["model_provider"] == "xai"


@pytest.mark.parametrize(
    ("suffix", "path_tail"),
    [
        ("grok", "/grok/chat/completions"),  # the SDK form on Cloudflare's Grok page
        ("grok/v1", "/grok/v1/chat/completions"),  # the cURL form
        ("grok/v1/", "/grok/v1/chat/completions"),
        ("compat", "/compat/chat/completions"),
    ],
)
def test_base_url_forms_run_against_the_emulator(
    cfgateway_emulator: GatewayEmulator, suffix: str, path_tail: str
) -> None:
    base_url = f"{cfgateway_emulator.url}/{ACCOUNT}/gw/{suffix}"
    model = ChatCloudflareGrok(base_url=base_url, api_key="xai-route-test", model="grok-4.3")
    model.invoke("Hi")
    (request,) = cfgateway_emulator.requests
    assert request.path == f"/v1/{ACCOUNT}/gw{path_tail}"
    assert "/v1/v1" not in request.path
    assert model.endpoint_in_use == ("compat" if suffix == "compat" else "grok")


def test_conflicting_endpoint_for_base_url_is_refused() -> None:
    with pytest.raises(ValueError, match="endpoint"):
        ChatCloudflareGrok(
            base_url=f"https://gateway.example.test/v1/{ACCOUNT}/gw/grok",
            endpoint="compat",
            api_key="k",
        )


def test_xai_key_is_sent_as_bearer(cfgateway_emulator: GatewayEmulator) -> None:
    _model(cfgateway_emulator).invoke("Hi")
    headers = cfgateway_emulator.requests[0].headers
    assert headers["authorization"] == fingerprint("Bearer xai-route-test")
    assert "cf-aig-authorization" not in headers


def _stored_keys_emulator() -> GatewayEmulator:
    return GatewayEmulator(
        gateways={
            "byok": GatewayConfig(auth_tokens=["cf-token"], stored_keys={"default": "xai-stored"})
        },
        xai_keys=["xai-stored"],
    )


def test_stored_keys_mode_sends_no_authorization_on_any_call_retry_or_stream() -> None:
    with _stored_keys_emulator() as emu:
        model = ChatCloudflareGrok(
            account_id=ACCOUNT,
            gateway_id="byok",
            gateway_url=emu.url,
            gateway_token="cf-token",
            max_retries=1,
        )
        emu.faults.add(status=503, times=1, retry_after=0)  # one client retry
        assert model.invoke("Hi").text
        assert "".join(str(c.content) for c in model.stream("Hi again"))
        assert len(emu.requests) == 3
        for request in emu.requests:
            assert "authorization" not in request.headers
            assert request.headers["cf-aig-authorization"] == fingerprint("Bearer cf-token")
        # the stored key was used: emulated xAI accepts only it
        assert all(log.status_code == 200 for log in emu.logs if log.success)


async def test_stored_keys_mode_async_paths() -> None:
    with _stored_keys_emulator() as emu:
        model = ChatCloudflareGrok(
            account_id=ACCOUNT, gateway_id="byok", gateway_url=emu.url, gateway_token="cf-token"
        )
        assert (await model.ainvoke("Hi")).text
        assert [c async for c in model.astream("Hi")]
        assert all("authorization" not in r.headers for r in emu.requests)


def test_user_http_client_still_gets_every_gateway_header() -> None:
    import httpx2

    with (
        _stored_keys_emulator() as emu,
        httpx2.Client(headers={"authorization": "Bearer placeholder", "x-team": "ai"}) as client,
    ):
        model = ChatCloudflareGrok(
            account_id=ACCOUNT,
            gateway_id="byok",
            gateway_url=emu.url,
            gateway_token="cf-token",
            http_client=client,
            gateway_options={"metadata": {"team": "ai"}},
        )
        assert model.invoke("Hi").text
        headers = emu.requests[0].headers
        assert headers["cf-aig-authorization"] == fingerprint("Bearer cf-token")
        assert headers["cf-aig-metadata"] == '{"team":"ai"}'
        assert headers["x-team"] == "ai"
        # the client's own placeholder key must not reach the gateway in stored-keys mode
        assert "authorization" not in headers


def test_missing_gateway_token_is_the_gateways_401() -> None:
    with GatewayEmulator(gateways={"locked": GatewayConfig(auth_tokens=["cf-token"])}) as emu:
        model = ChatCloudflareGrok(
            account_id=ACCOUNT, gateway_id="locked", gateway_url=emu.url, api_key="xai-k"
        )
        with pytest.raises(GatewayUnauthorizedError) as info:
            model.invoke("Hi")
        assert info.value.status_code == 401
        assert info.value.gateway_code == 2009
        assert info.value.log_id == emu.requests[0].log_id


def test_no_credentials_at_all_fails_at_construction() -> None:
    with pytest.raises(ValueError, match="XAI_API_KEY") as info:
        ChatCloudflareGrok(account_id=ACCOUNT, gateway_id="gw")
    assert "CLOUDFLARE_AI_GATEWAY_TOKEN" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "needles"),
    [
        ({"account_id": "acct/../x"}, ("account_id", "CLOUDFLARE_ACCOUNT_ID")),
        ({"gateway_id": "g w"}, ("gateway_id", "CLOUDFLARE_GATEWAY_ID")),
        ({"gateway_id": None}, ("gateway_id", "CLOUDFLARE_GATEWAY_ID")),
        ({"endpoint": "rest-api"}, ("endpoint",)),
        ({"model": ""}, ("model",)),
        ({"model": "openai/gpt-x", "endpoint": "compat"}, ("2008",)),
        ({"gateway_url": "ftp://example.test"}, ("gateway_url",)),
        ({"max_retries": -1}, ("max_retries",)),
        ({"timeout": -5}, ("timeout",)),
        ({"default_headers": {"x-bad": "a\r\nb"}}, ("default_headers",)),
        ({"gateway_options": {"cache_ttl": 5}}, ("cache_ttl",)),
    ],
)
def test_bad_configuration_fails_before_any_request(
    cfgateway_emulator: GatewayEmulator, kwargs: dict[str, object], needles: tuple[str, ...]
) -> None:
    params: dict[str, object] = {
        "account_id": ACCOUNT,
        "gateway_id": "gw",
        "gateway_url": cfgateway_emulator.url,
        "api_key": "k",
        **kwargs,
    }
    with pytest.raises(ValueError) as info:
        ChatCloudflareGrok(**params)  # type: ignore[arg-type]
    for needle in needles:
        assert needle in str(info.value)
    assert cfgateway_emulator.requests == []


def test_model_ignores_openai_and_langsmith_env(
    cfgateway_emulator: GatewayEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = "canary-openai-env-7f3a9c"
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_API_BASE",
        "OPENAI_ORG_ID",
        "OPENAI_PROXY",
        "LANGSMITH_GATEWAY",
    ):
        monkeypatch.setenv(name, f"https://{canary}.example" if "URL" in name else canary)
    model = _model(cfgateway_emulator)
    model.invoke("Hi")
    model.invoke("Hi", stream=False)
    list(model.stream("Hi"))
    assert canary not in repr(model.model_dump())
    for request in cfgateway_emulator.requests:
        assert canary not in repr(request.headers)
        assert canary not in repr(request.body)
        assert request.path.startswith(f"/v1/{ACCOUNT}/gw/")


def test_retired_model_warns_and_still_runs(cfgateway_emulator: GatewayEmulator) -> None:
    with pytest.warns(UserWarning, match=r"retired.*grok-4\.3"):
        model = _model(cfgateway_emulator, model="grok-4")
    assert model.invoke("Hi").text


def test_retired_id_grok_beta_gets_xais_model_not_found(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    import openai

    model = _model(cfgateway_emulator, model="grok-beta", max_retries=0)
    with pytest.raises(openai.BadRequestError, match="Model not found"):
        model.invoke("Hi")


def test_scripted_citations_and_cost_reach_the_message(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    cfgateway_emulator.script(
        ScriptedReply(text="Sourced answer.", citations=["https://example.test/a"])
    )
    message = _model(cfgateway_emulator).invoke("Cite something.")
    assert message.additional_kwargs["citations"] == ["https://example.test/a"]
    ticks = message.response_metadata["cost_in_usd_ticks"]
    assert isinstance(ticks, int)
    assert ticks > 0


def test_dynamic_route_reports_what_served(cfgateway_emulator: GatewayEmulator) -> None:
    from langchain_cfgateway_grok.emulator import DynamicRoute

    cfgateway_emulator.set_gateway(
        "dyn",
        GatewayConfig(
            auth_tokens=["cf-token"],
            dynamic_routes={"support": DynamicRoute(model="grok-4.3")},
            stored_keys={"default": "xai-stored"},
        ),
    )
    model = ChatCloudflareGrok(
        account_id=ACCOUNT,
        gateway_id="dyn",
        gateway_url=cfgateway_emulator.url,
        api_key="xai-k",
        gateway_token="cf-token",
        endpoint="compat",
        model="dynamic/support",
    )
    message = model.invoke("Hello there.")
    assert cfgateway_emulator.requests[-1].body["model"] == "dynamic/support"
    # the xAI key stays home: the route may pick any provider, and uses stored keys
    assert "authorization" not in cfgateway_emulator.requests[-1].headers
    gateway = message.response_metadata["gateway"]
    assert gateway["model"] == "grok-4.3"
    assert gateway["provider"] == "grok"
    assert message.response_metadata["model_provider"] == "xai"
    assert message.additional_kwargs.get("reasoning_content")  # Grok parsing ran
    chunks = list(model.stream("Hello there."))
    assert chunks[0].response_metadata["gateway"]["model"] == "grok-4.3"


def test_dynamic_route_needs_a_gateway_token() -> None:
    with pytest.raises(ValueError, match="CLOUDFLARE_AI_GATEWAY_TOKEN"):
        ChatCloudflareGrok(
            account_id=ACCOUNT, gateway_id="gw", api_key="k", endpoint="compat", model="dynamic/r"
        )


def test_dynamic_route_on_the_grok_endpoint_is_refused() -> None:
    with pytest.raises(ValueError, match="compat"):
        ChatCloudflareGrok(account_id=ACCOUNT, gateway_id="gw", api_key="k", model="dynamic/r")


def test_inherited_client_settings_are_honoured(cfgateway_emulator: GatewayEmulator) -> None:
    model = _model(
        cfgateway_emulator,
        include_response_headers=True,
        default_query={"trace": "on"},
        disabled_params={"parallel_tool_calls": None},
    )
    assert model.chat_url == (
        f"{cfgateway_emulator.url}/{ACCOUNT}/gw/grok/v1/chat/completions?trace=on"
    )
    message = model.bind_tools([_lookup], parallel_tool_calls=False).invoke("Hi")
    request = cfgateway_emulator.requests[-1]
    assert request.query == "trace=on"
    assert "parallel_tool_calls" not in request.body
    assert message.response_metadata["headers"]["cf-aig-log-id"] == request.log_id
    chunks = list(model.stream("Hi"))
    assert sum("headers" in c.response_metadata for c in chunks) == 1


def test_socket_options_are_refused_with_the_alternative() -> None:
    import socket

    with pytest.raises(ValueError, match="http_client"):
        ChatCloudflareGrok(
            account_id=ACCOUNT,
            gateway_id="gw",
            api_key="k",
            http_socket_options=[(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)],
        )


def _lookup(query: str) -> str:
    """Look something up."""
    return query
