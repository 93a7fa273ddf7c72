"""The REST endpoint and the Universal request builders, table-tested (no sockets).

Facts: gateway-protocol.md §1.4 (Universal steps, `cf-aig-step`, header precedence, the gateway
token as a real HTTP header only), §1.5 (`cf-aig-provider`), §1.6 (REST URL, `xai/` ids, API
token, `cf-aig-gateway-id`, Unified Billing), §2 (option limits).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from langchain_cfgateway_grok._fallbacks import (
    FallbackStep,
    check_gateway_fallbacks,
    fallback_chain,
    split_step_options,
    step_spec,
)
from langchain_cfgateway_grok._gateway import (
    DEFAULT_CLOUDFLARE_API_URL,
    DEFAULT_GATEWAY_URL,
    StepSpec,
    check_cloudflare_api_url,
    is_xai_provider,
    parse_gateway_headers,
    resolve_chat_url,
    rest_credential_headers,
    served_step,
    serving_provider,
    universal_step,
    universal_steps,
    universal_url,
    wire_model,
    xai_model_id,
)

ACCT = "023e105f4ecef8ad9ca31a8372d0c353"
GW = "my-gateway"
REST_CHAT = f"{DEFAULT_CLOUDFLARE_API_URL}/accounts/{ACCT}/ai/v1/chat/completions"
EMU_API = "http://127.0.0.1:54321/client/v4"


def resolve(**overrides: Any) -> tuple[str, str]:
    kwargs: dict[str, Any] = {
        "base_url": None,
        "gateway_url": DEFAULT_GATEWAY_URL,
        "account_id": ACCT,
        "gateway_id": GW,
        "endpoint": None,
    }
    kwargs.update(overrides)
    return resolve_chat_url(**kwargs)


def error_of(**overrides: Any) -> str:
    with pytest.raises(ValueError) as info:  # message checked by each caller
        resolve(**overrides)
    return str(info.value)


# --- REST: URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "url"),
    [
        ({"endpoint": "rest"}, REST_CHAT),
        ({"endpoint": "rest", "gateway_id": None}, REST_CHAT),  # gateway goes in a header
        ({"endpoint": "rest", "cloudflare_api_url": DEFAULT_CLOUDFLARE_API_URL + "/"}, REST_CHAT),
        (
            {"endpoint": "rest", "cloudflare_api_url": EMU_API},
            f"{EMU_API}/accounts/{ACCT}/ai/v1/chat/completions",
        ),
        # the gateway root is irrelevant on rest
        ({"endpoint": "rest", "gateway_url": "http://127.0.0.1:1/v1"}, REST_CHAT),
    ],
)
def test_rest_url_is_account_scoped(overrides: dict[str, Any], url: str) -> None:
    assert resolve(**overrides) == (url, "rest")


@pytest.mark.parametrize(
    ("base_url", "url"),
    [
        (f"{DEFAULT_CLOUDFLARE_API_URL}/accounts/{ACCT}/ai/v1", REST_CHAT),
        (f"{DEFAULT_CLOUDFLARE_API_URL}/accounts/{ACCT}/ai/v1/", REST_CHAT),
        (REST_CHAT, REST_CHAT),
        (
            f"{EMU_API}/accounts/{ACCT}/ai/v1",
            f"{EMU_API}/accounts/{ACCT}/ai/v1/chat/completions",
        ),
    ],
)
def test_rest_inferred_from_base_url(base_url: str, url: str) -> None:
    assert resolve(base_url=base_url) == (url, "rest")
    assert resolve(base_url=base_url, endpoint="rest") == (url, "rest")


def test_a_proxy_ending_in_ai_v1_is_not_taken_for_the_rest_api() -> None:
    # Only `/accounts/<id>/ai/v1` means the REST API; a proxy of one's own keeps the default.
    url, endpoint = resolve(base_url="https://proxy.example/ai/v1")
    assert (url, endpoint) == ("https://proxy.example/ai/v1/chat/completions", "grok")


@pytest.mark.parametrize(
    ("overrides", "fragments"),
    [
        ({"endpoint": "rest", "account_id": None}, ["account_id", "CLOUDFLARE_ACCOUNT_ID"]),
        (
            {"endpoint": "rest", "account_id": ACCT.upper()},
            ["account_id", "lower-case"],
        ),
        (
            {"endpoint": "rest", "cloudflare_api_url": f"{DEFAULT_CLOUDFLARE_API_URL}/accounts/x"},
            ["cloudflare_api_url", "CLOUDFLARE_API_URL", "root"],
        ),
        (
            {"endpoint": "rest", "cloudflare_api_url": "ftp://api.cloudflare.com/client/v4"},
            ["cloudflare_api_url", "CLOUDFLARE_API_URL", "scheme", DEFAULT_CLOUDFLARE_API_URL],
        ),
        (
            {"endpoint": "rest", "cloudflare_api_url": f"{EMU_API}/ai/v1"},
            ["already contains"],
        ),
        (
            {"base_url": f"{DEFAULT_CLOUDFLARE_API_URL}/accounts/{ACCT}"},
            ["REST API", "endpoint='rest'", "Fix:"],
        ),
        (
            {"base_url": f"{DEFAULT_CLOUDFLARE_API_URL}/accounts/{ACCT}/ai/v1", "endpoint": "grok"},
            ["implies endpoint='rest'"],
        ),
        (
            {"base_url": f"{DEFAULT_GATEWAY_URL}/{ACCT}/{GW}/grok/v1", "endpoint": "rest"},
            ["implies endpoint='grok'", "'/ai/v1'"],
        ),
        (
            {"gateway_url": DEFAULT_CLOUDFLARE_API_URL},
            ["gateway_url", "REST API", "endpoint='rest'"],
        ),
    ],
)
def test_rest_url_errors_name_the_field_and_fix(
    overrides: dict[str, Any], fragments: list[str]
) -> None:
    message = error_of(**overrides)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_check_cloudflare_api_url_strips_slashes() -> None:
    assert check_cloudflare_api_url(EMU_API + "//") == EMU_API


# --- REST: model ids and headers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "wire"),
    [
        ("grok-4.3", "xai/grok-4.3"),
        ("grok/grok-4.3", "xai/grok-4.3"),
        ("xai/grok-4.3", "xai/grok-4.3"),
        ("grok-3-mini", "xai/grok-3-mini"),
    ],
)
def test_rest_wire_model(model: str, wire: str) -> None:
    assert wire_model(model, "rest") == wire
    assert xai_model_id(wire) == wire.removeprefix("xai/")


@pytest.mark.parametrize(
    ("model", "fragment"),
    [
        ("dynamic/support", "compat endpoint"),
        ("openai/gpt-4o", "xai/<id>"),
        ("xai/", "no model id"),
        ("", "empty"),
    ],
)
def test_rest_wire_model_refusals(model: str, fragment: str) -> None:
    with pytest.raises(ValueError, match="model") as info:
        wire_model(model, "rest")
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "headers"),
    [
        (
            {"api_token": "cf-api-token", "gateway_id": GW},
            {"authorization": "Bearer cf-api-token", "cf-aig-gateway-id": GW},
        ),
        (
            {"api_token": "Bearer cf-api-token", "gateway_id": None},
            {"authorization": "Bearer cf-api-token"},
        ),
        (
            {"api_token": "cf-api-token", "gateway_id": "", "api_key": ""},
            {"authorization": "Bearer cf-api-token"},
        ),
    ],
)
def test_rest_credential_headers(kwargs: dict[str, Any], headers: dict[str, str]) -> None:
    assert rest_credential_headers(**kwargs) == headers


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    [
        (
            {"api_token": "cf-api-token", "gateway_id": GW, "api_key": "xai-SECRET-KEY-123"},
            ["api_key", "XAI_API_KEY", "Unified Billing", "10000", "endpoint='grok'"],
        ),
        ({"api_token": None, "gateway_id": GW}, ["CLOUDFLARE_API_TOKEN", "Fix:"]),
        ({"api_token": "cf-SECRET\n", "gateway_id": GW}, ["cloudflare_api_token", "newline"]),
        ({"api_token": "cf-api-token", "gateway_id": "a/b"}, ["gateway_id", "'/'"]),
    ],
)
def test_rest_credential_errors_never_echo_secrets(
    kwargs: dict[str, Any], fragments: list[str]
) -> None:
    with pytest.raises(ValueError) as info:
        rest_credential_headers(**kwargs)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert "SECRET" not in message


# --- Universal: URL and steps ------------------------------------------------------------------


def test_universal_url() -> None:
    assert (
        universal_url(DEFAULT_GATEWAY_URL + "/", ACCT, GW) == f"{DEFAULT_GATEWAY_URL}/{ACCT}/{GW}"
    )
    assert universal_url("http://127.0.0.1:9/v1", ACCT, "gw") == f"http://127.0.0.1:9/v1/{ACCT}/gw"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((DEFAULT_GATEWAY_URL, None, GW), "CLOUDFLARE_ACCOUNT_ID"),
        ((DEFAULT_GATEWAY_URL, ACCT, None), "CLOUDFLARE_GATEWAY_ID"),
        ((f"{DEFAULT_GATEWAY_URL}/{ACCT}/{GW}/grok/v1", ACCT, GW), "already contains a route"),
        ((DEFAULT_CLOUDFLARE_API_URL, ACCT, GW), "REST API"),
    ],
)
def test_universal_url_errors(args: tuple[Any, ...], fragment: str) -> None:
    with pytest.raises(ValueError) as info:  # message checked below
        universal_url(*args)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("endpoint", "model", "provider", "path", "wire"),
    [
        ("grok", "grok-4.3", "grok", "v1/chat/completions", "grok-4.3"),
        ("grok", "xai/grok-4.3", "grok", "v1/chat/completions", "grok-4.3"),
        ("compat", "grok-4.3", "compat", "chat/completions", "grok/grok-4.3"),
        ("compat", "dynamic/support", "compat", "chat/completions", "dynamic/support"),
    ],
)
def test_universal_step_per_route(
    endpoint: Any, model: str, provider: str, path: str, wire: str
) -> None:
    body = {"model": "ignored", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    before = copy.deepcopy(body)
    step = universal_step(StepSpec(endpoint=endpoint, model=model), body)
    assert step == {
        "provider": provider,
        "endpoint": path,
        "headers": {},
        "query": {**before, "model": wire},
    }
    assert body == before  # the shared body is not modified


def test_universal_steps_keep_order_headers_and_config() -> None:
    specs = [
        StepSpec("grok", "grok-4.3", headers={"Authorization": "Bearer xai-k"}),
        StepSpec(
            "grok",
            "grok-4.3-mini",
            headers={"cf-aig-cache-ttl": "60"},
            config={"requestTimeout": 1000, "maxAttempts": 2, "backoff": "constant"},
        ),
    ]
    steps = universal_steps(specs, {"model": "x", "messages": []})
    assert [s["query"]["model"] for s in steps] == ["grok-4.3", "grok-4.3-mini"]
    assert steps[0]["headers"] == {"authorization": "Bearer xai-k"}  # names lower-cased
    assert "config" not in steps[0]
    assert steps[1]["config"] == {"requestTimeout": 1000, "maxAttempts": 2, "backoff": "constant"}
    json.dumps(steps)  # serializable as sent


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"endpoint": "rest", "model": "grok-4.3"}, "not a gateway provider"),
        ({"endpoint": "grok", "model": "dynamic/r"}, "compat endpoint"),
        ({"endpoint": "compat", "model": "xai/grok-4.3"}, "2008"),
        (
            {"endpoint": "grok", "model": "grok-4.3", "headers": {"cf-aig-authorization": "x"}},
            "HTTP request's own headers",
        ),
        ({"endpoint": "grok", "model": "grok-4.3", "headers": {"bad name": "x"}}, "header name"),
        ({"endpoint": "grok", "model": "grok-4.3", "headers": {"x-a": "1\r\n2"}}, "CR/LF"),
        ({"endpoint": "grok", "model": "grok-4.3", "headers": {"x-a": 1}}, "string"),
        ({"endpoint": "grok", "model": "grok-4.3", "config": {"timeout": 1}}, "unknown key"),
        ({"endpoint": "grok", "model": "grok-4.3", "config": {"maxAttempts": 6}}, "1-5"),
        ({"endpoint": "grok", "model": "grok-4.3", "config": {"maxAttempts": True}}, "1-5"),
        ({"endpoint": "grok", "model": "grok-4.3", "config": {"retryDelay": 5001}}, "0-5000"),
        ({"endpoint": "grok", "model": "grok-4.3", "config": {"requestTimeout": 0}}, ">= 1"),
        ({"endpoint": "grok", "model": "grok-4.3", "config": {"requestTimeout": 1.5}}, ">= 1"),
        ({"endpoint": "grok", "model": "grok-4.3", "config": {"backoff": "fast"}}, "backoff"),
    ],
)
def test_step_spec_validation(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        StepSpec(**kwargs)
    assert fragment in str(info.value)


def test_step_spec_repr_hides_header_values() -> None:
    spec = StepSpec("grok", "grok-4.3", headers={"authorization": "Bearer xai-SECRET"})
    assert "SECRET" not in repr(spec)
    assert "authorization" in repr(spec)


def test_universal_steps_needs_steps() -> None:
    with pytest.raises(ValueError, match="at least one step"):
        universal_steps([], {})
    with pytest.raises(ValueError, match=r"steps\[0\] must be a StepSpec"):
        universal_steps([{"endpoint": "grok"}], {})  # type: ignore[list-item]


# --- Universal: which step served, which provider ------------------------------------------------


CHAIN = [StepSpec("grok", "grok-4.3"), StepSpec("compat", "dynamic/support")]


@pytest.mark.parametrize(
    ("headers", "index"),
    [({}, 0), ({"cf-aig-step": "0"}, 0), ({"CF-AIG-STEP": "1"}, 1)],
)
def test_served_step(headers: dict[str, str], index: int) -> None:
    assert served_step(CHAIN, parse_gateway_headers(headers)) == (index, CHAIN[index])


@pytest.mark.parametrize("value", ["2", "99"])
def test_served_step_out_of_range(value: str) -> None:
    with pytest.raises(ValueError, match="cannot be matched"):
        served_step(CHAIN, parse_gateway_headers({"cf-aig-step": value}))


@pytest.mark.parametrize(
    ("headers", "provider"),
    [
        ({}, "xai"),
        ({"cf-aig-provider": "grok"}, "xai"),
        ({"cf-aig-provider": "xai"}, "xai"),
        ({"cf-aig-provider": "OpenAI"}, "openai"),
        ({"cf-aig-provider": "anthropic", "cf-aig-model": "claude"}, "anthropic"),
    ],
)
def test_serving_provider(headers: dict[str, str], provider: str) -> None:
    assert serving_provider(parse_gateway_headers(headers)) == provider
    assert is_xai_provider(provider) == (provider == "xai")


# --- FallbackStep and its conversion ------------------------------------------------------------


def test_fallback_step_defaults_and_immutability() -> None:
    step = FallbackStep(model="grok-4.3-mini")
    assert (step.endpoint, step.options) == ("grok", None)
    with pytest.raises(ValidationError):
        step.model = "other"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"model": "grok-4.3", "endpoint": "rest"}, "REST API is not a gateway provider"),
        ({"model": "dynamic/r"}, "compat endpoint"),
        ({"model": "openai/gpt-4o", "endpoint": "compat"}, "2008"),
        ({"model": "grok-4.3", "options": {"max_attempts": 9}}, "FallbackStep.options"),
        ({"model": "grok-4.3", "options": {"retry_delay": True}}, "FallbackStep.options"),
        ({"model": "grok-4.3", "options": {"timeout": 3}}, "unknown key"),
        ({"model": "grok-4.3", "api_key": "x"}, "Extra inputs"),
    ],
)
def test_fallback_step_validation(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        FallbackStep(**kwargs)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("options", "config", "headers"),
    [
        (None, {}, {}),
        ({"first_byte_timeout": 2.5}, {"requestTimeout": 2500}, {}),
        ({"retry_delay": 0.25, "max_attempts": 3}, {"retryDelay": 250, "maxAttempts": 3}, {}),
        ({"backoff": "exponential"}, {"backoff": "exponential"}, {}),
        (
            {"cache_ttl": 600, "skip_cache": True},
            {},
            {"cf-aig-cache-ttl": "600", "cf-aig-skip-cache": "true"},
        ),
        ({"metadata": {"tier": "backup"}}, {}, {"cf-aig-metadata": '{"tier":"backup"}'}),
        (
            {"first_byte_timeout": 0.0125, "event_id": "trace-1"},
            {"requestTimeout": 13},
            {"cf-aig-event-id": "trace-1"},
        ),
    ],
)
def test_split_step_options(options: Any, config: dict[str, Any], headers: dict[str, str]) -> None:
    assert split_step_options(FallbackStep(model="grok-4.3", options=options).options) == (
        config,
        headers,
    )


def test_step_spec_puts_the_key_in_the_step_not_for_dynamic_routes() -> None:
    grok = step_spec(FallbackStep(model="grok-4.3"), api_key="xai-k")
    assert grok.headers == {"authorization": "Bearer xai-k"}
    dynamic = step_spec(FallbackStep(model="dynamic/support", endpoint="compat"), api_key="xai-k")
    assert "authorization" not in dynamic.headers  # BYOK: the route may pick another provider
    stored = step_spec(FallbackStep(model="grok-4.3"), api_key=None)
    assert stored.headers == {}


def test_fallback_chain_renders_the_documented_universal_body() -> None:
    chain = fallback_chain(
        "grok-4.3",
        "grok",
        [
            FallbackStep(
                model="grok-4.3-mini", options={"first_byte_timeout": 1, "max_attempts": 2}
            ),
            FallbackStep(model="grok-4.3", endpoint="compat", options={"cache_ttl": 60}),
        ],
        api_key="xai-k",
    )
    body = {"messages": [{"role": "user", "content": "hi"}], "stream": True}
    assert universal_steps(chain, body) == [
        {
            "provider": "grok",
            "endpoint": "v1/chat/completions",
            "headers": {"authorization": "Bearer xai-k"},
            "query": {**body, "model": "grok-4.3"},
        },
        {
            "provider": "grok",
            "endpoint": "v1/chat/completions",
            "headers": {"authorization": "Bearer xai-k"},
            "config": {"requestTimeout": 1000, "maxAttempts": 2},
            "query": {**body, "model": "grok-4.3-mini"},
        },
        {
            "provider": "compat",
            "endpoint": "chat/completions",
            "headers": {"cf-aig-cache-ttl": "60", "authorization": "Bearer xai-k"},
            "query": {**body, "model": "grok/grok-4.3"},
        },
    ]


def test_fallback_chain_primary_options() -> None:
    chain = fallback_chain(
        "grok-4.3", "compat", [], api_key=None, primary_options={"first_byte_timeout": 3}
    )
    assert chain == [StepSpec("compat", "grok-4.3", config={"requestTimeout": 3000})]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ([], None),
        ([FallbackStep(model="grok-4.3")], [FallbackStep(model="grok-4.3")]),
        (
            [{"model": "grok-4.3", "endpoint": "compat"}],
            [FallbackStep(model="grok-4.3", endpoint="compat")],
        ),
    ],
)
def test_check_gateway_fallbacks(value: Any, expected: Any) -> None:
    assert check_gateway_fallbacks(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (FallbackStep(model="grok-4.3"), "must be a list"),
        ("grok-4.3", "must be a list"),
        ([FallbackStep(model="grok-4.3"), "grok-4.3"], "gateway_fallbacks[1]"),
        ([{"model": "dynamic/x"}], "gateway_fallbacks[0]"),
    ],
)
def test_check_gateway_fallbacks_errors(value: Any, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        check_gateway_fallbacks(value)
    assert fragment in str(info.value)


def test_fallback_steps_work_as_a_pydantic_field() -> None:
    class Holder(BaseModel):
        gateway_fallbacks: list[FallbackStep] = []

    holder = Holder.model_validate(
        {"gateway_fallbacks": [{"model": "grok-4.3", "options": {"cache_ttl": 60}}]}
    )
    assert holder.gateway_fallbacks[0].options == {"cache_ttl": 60}
    assert Holder.model_validate(holder.model_dump()) == holder
