"""Issue 4 "Errors", end to end: every typed error, raised through `ChatCloudflareGrok`.

Each gateway error is produced by the emulated gateway's own logic (a missing gateway, a wrong
token, a spent budget, a blocked prompt, ...), never injected, and arrives through the model's
real HTTP path. Each raised error is checked for its class, the openai SDK class and the
langchain-core `Model*Error` class existing handlers catch, `.status_code`, `.gateway_code` and
`.log_id` (equal to the id the emulator answered), and for leaking no secret. Then: which errors
the client retries, xAI's flat errors as readable messages, and context-length errors.

Codes and statuses: gateway-protocol.md §4.2; xAI's errors: xai-api.md §1.5.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import openai
import pytest
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelError,
    ModelInvalidRequestError,
    ModelRateLimitError,
)

from langchain_cfgateway_grok import (
    ChatCloudflareGrok,
    DlpBlockedError,
    GatewayErrorInfo,
    GatewayInvalidProviderError,
    GatewayNotFoundError,
    GatewayOptions,
    GatewayOutOfCreditsError,
    GatewayRateLimitError,
    GatewaySpendLimitError,
    GatewayUnauthorizedError,
    GuardrailsBlockedError,
    InvalidAPIKeyError,
    UnknownStoredKeyError,
)
from langchain_cfgateway_grok._errors import CloudflareGrokInvalidRequestError
from langchain_cfgateway_grok.emulator import (
    DlpRule,
    GatewayConfig,
    GatewayEmulator,
    Guardrails,
    RateLimit,
    ScriptedReply,
    SpendLimit,
    XaiSettings,
)
from langchain_cfgateway_grok.emulator.pytest_plugin import (  # noqa: F401 (fixtures)
    cfgateway_emulator,
    cfgateway_emulator_session,
)
from tests.emulator_tests._gateway_e2e import (
    ACCOUNT_ID,
    GATEWAY_ID,
    GATEWAY_TOKEN,
    XAI_KEY,
    make_model,
)

EXPENSIVE: GatewayOptions = {"custom_cost": {"per_token_in": 0.01, "per_token_out": 0.01}}


@pytest.fixture
def emu(cfgateway_emulator: GatewayEmulator) -> GatewayEmulator:  # noqa: F811
    return cfgateway_emulator


@dataclass(frozen=True)
class Case:
    """One gateway error: how to provoke it, and what must be raised."""

    error: type[Exception]
    status: int
    code: int
    sdk_class: type[openai.APIStatusError]
    core_class: type[ModelError]
    arrange: Callable[[GatewayEmulator], ChatCloudflareGrok]
    prompt: str = "hello"
    logged: bool = True
    """False when the request never reaches a gateway (no log entry, §5 "Logging")."""
    in_message: tuple[str, ...] = field(default_factory=tuple)


def _missing_gateway(emu: GatewayEmulator) -> ChatCloudflareGrok:
    emu.set_gateway(GATEWAY_ID, GatewayConfig(exists=False))
    return make_model(emu)


def _wrong_token(emu: GatewayEmulator) -> ChatCloudflareGrok:
    emu.set_gateway(GATEWAY_ID, GatewayConfig(auth_tokens=[GATEWAY_TOKEN]))
    return make_model(emu, gateway_token="cf-wrong-token-0002")


def _rate_limited(emu: GatewayEmulator) -> ChatCloudflareGrok:
    emu.set_gateway(GATEWAY_ID, GatewayConfig(rate_limit=RateLimit(limit=1, interval=60)))
    model = make_model(emu)
    model.invoke("uses the only request of this window")
    return model


def _spend_limited(emu: GatewayEmulator) -> ChatCloudflareGrok:
    emu.set_gateway(GATEWAY_ID, GatewayConfig(spend_limit=SpendLimit(limit=0.001)))
    model = make_model(emu)
    model.invoke("spends the budget", gateway_options=EXPENSIVE)
    return model


def _guarded(emu: GatewayEmulator) -> ChatCloudflareGrok:
    guardrails = Guardrails(blocked_prompt_terms=["forbidden"], blocked_response_terms=["xyzzy"])
    emu.set_gateway(GATEWAY_ID, GatewayConfig(guardrails=guardrails))
    return make_model(emu)


def _guarded_answer(emu: GatewayEmulator) -> ChatCloudflareGrok:
    model = _guarded(emu)
    emu.script(ScriptedReply(text="the magic word is xyzzy"))
    return model


def _no_credits(emu: GatewayEmulator) -> ChatCloudflareGrok:
    config = GatewayConfig(
        auth_tokens=[GATEWAY_TOKEN], unified_billing=True, unified_billing_credits=False
    )
    emu.set_gateway(GATEWAY_ID, config)
    return make_model(emu, api_key=None, gateway_token=GATEWAY_TOKEN)


def _unknown_alias(emu: GatewayEmulator) -> ChatCloudflareGrok:
    config = GatewayConfig(auth_tokens=[GATEWAY_TOKEN], stored_keys={"default": "xai-stored"})
    emu.set_gateway(GATEWAY_ID, config)
    return make_model(
        emu, api_key=None, gateway_token=GATEWAY_TOKEN, gateway_options={"byok_alias": "nope"}
    )


def _wrong_provider_slug(emu: GatewayEmulator) -> ChatCloudflareGrok:
    """A base_url with `xai` where the gateway's slug is `grok`: a plausible user mistake."""
    return make_model(emu, base_url=f"{emu.url}/{ACCOUNT_ID}/{GATEWAY_ID}/xai")


def _dlp(check: str) -> Callable[[GatewayEmulator], ChatCloudflareGrok]:
    def arrange(emu: GatewayEmulator) -> ChatCloudflareGrok:
        rule = DlpRule(terms=["4111-1111"], check=check, action="BLOCK")  # type: ignore[arg-type]
        emu.set_gateway(GATEWAY_ID, GatewayConfig(dlp=[rule]))
        if check == "RESPONSE":
            emu.script(ScriptedReply(text="the card is 4111-1111"))
        return make_model(emu)

    return arrange


CASES: dict[str, Case] = {
    "gateway missing 2001": Case(
        GatewayNotFoundError,
        400,
        2001,
        openai.BadRequestError,
        ModelInvalidRequestError,
        _missing_gateway,
        logged=False,
        in_message=("account_id and gateway_id",),
    ),
    "unauthorized 2009": Case(
        GatewayUnauthorizedError,
        401,
        2009,
        openai.AuthenticationError,
        ModelAuthenticationError,
        _wrong_token,
        in_message=("Unauthorized", "gateway_token"),
    ),
    "rate limited 2003": Case(
        GatewayRateLimitError,
        429,
        2003,
        openai.RateLimitError,
        ModelRateLimitError,
        _rate_limited,
        in_message=("Rate limited",),
    ),
    "spend limit 2041": Case(
        GatewaySpendLimitError,
        429,
        2041,
        openai.RateLimitError,
        ModelRateLimitError,
        _spend_limited,
        in_message=("Spend limit exceeded: rule 'emulator-budget'",),
    ),
    "prompt blocked 2016": Case(
        GuardrailsBlockedError,
        424,
        2016,
        openai.APIStatusError,
        ModelInvalidRequestError,
        _guarded,
        prompt="something forbidden here",
        in_message=("Prompt blocked",),
    ),
    "response blocked 2017": Case(
        GuardrailsBlockedError,
        424,
        2017,
        openai.APIStatusError,
        ModelInvalidRequestError,
        _guarded_answer,
        in_message=("Response blocked",),
    ),
    "out of credits 2021": Case(
        GatewayOutOfCreditsError,
        402,
        2021,
        openai.APIStatusError,
        ModelError,
        _no_credits,
        in_message=("Insufficient balance", "api_key="),
    ),
    "unknown stored key 2040": Case(
        UnknownStoredKeyError,
        400,
        2040,
        openai.BadRequestError,
        ModelInvalidRequestError,
        _unknown_alias,
        in_message=("no BYOK credential named 'nope'", "byok_alias"),
    ),
    "invalid provider 2008": Case(
        GatewayInvalidProviderError,
        400,
        2008,
        openai.BadRequestError,
        ModelInvalidRequestError,
        _wrong_provider_slug,
        in_message=("Invalid provider",),
    ),
    "dlp request blocked 2029": Case(
        DlpBlockedError,
        400,
        2029,
        openai.BadRequestError,
        ModelInvalidRequestError,
        _dlp("REQUEST"),
        prompt="my card is 4111-1111",
    ),
    "dlp response blocked 2030": Case(
        DlpBlockedError,
        400,
        2030,
        openai.BadRequestError,
        ModelInvalidRequestError,
        _dlp("RESPONSE"),
    ),
}


def _classes(error: object) -> set[type]:
    """Every class `error` is an instance of (mypy cannot narrow to these class mixes)."""
    return set(type(error).__mro__)


def _call(model: ChatCloudflareGrok, prompt: str, path: str) -> object:
    if path == "invoke":
        return model.invoke(prompt)
    if path == "ainvoke":
        return asyncio.run(model.ainvoke(prompt))
    if path == "stream":
        return list(model.stream(prompt))

    async def consume() -> list[Any]:
        return [chunk async for chunk in model.astream(prompt)]

    return asyncio.run(consume())


@pytest.mark.parametrize("path", ["invoke", "ainvoke", "stream", "astream"])
@pytest.mark.parametrize("name", list(CASES))
def test_gateway_error_is_raised_as_its_typed_class(
    emu: GatewayEmulator, name: str, path: str
) -> None:
    case = CASES[name]
    model = case.arrange(emu)
    requests_before = len(emu.requests)
    with pytest.raises(case.error) as caught:
        _call(model, case.prompt, path)
    assert type(caught.value) is case.error
    error: Any = caught.value
    # What existing handlers catch: the openai SDK's class and langchain-core's.
    assert _classes(error) >= {
        case.sdk_class,
        case.core_class,
        GatewayErrorInfo,
        openai.APIStatusError,
    }
    assert (error.status_code, error.gateway_code) == (case.status, case.code)
    assert error.log_id == emu.requests[-1].log_id
    assert error.response.headers["cf-aig-log-id"] == error.log_id
    text = str(error)
    assert f"Cloudflare AI Gateway error {case.code}" in text
    assert error.log_id in text
    for fragment in case.in_message:
        assert fragment in text
    for secret in (XAI_KEY, GATEWAY_TOKEN, "cf-wrong-token-0002", "xai-stored"):
        assert secret not in text
    assert len(emu.requests) == requests_before + 1  # max_retries=0: exactly one request
    if case.logged:
        entry = next(entry for entry in emu.logs if entry.id == error.log_id)
        assert entry.gateway_error_code == case.code
        assert entry.status_code == case.status


# --- which errors the client retries --------------------------------------------------------------
def test_spend_limit_is_never_retried(emu: GatewayEmulator) -> None:
    """429/2041 cannot succeed before the budget window passes: one request despite retries."""
    emu.set_gateway(GATEWAY_ID, GatewayConfig(spend_limit=SpendLimit(limit=0.001)))
    model = make_model(emu, max_retries=2)
    model.invoke("spends the budget", gateway_options=EXPENSIVE)
    with pytest.raises(GatewaySpendLimitError) as caught:
        model.invoke("over budget")
    assert caught.value.is_retryable is False
    assert len(emu.requests) == 2  # the expensive call, then one refused request
    assert len(emu.upstream_attempts) == 1  # the refused one never reached xAI
    emu.clock.advance(86_400)  # a new budget window
    assert model.invoke("next day").content


def test_gateway_rate_limit_is_retried_by_the_client(emu: GatewayEmulator) -> None:
    """429/2003 is retried like any 429 (the SDK's policy); the window stays full here."""
    emu.set_gateway(GATEWAY_ID, GatewayConfig(rate_limit=RateLimit(limit=1, interval=60)))
    model = make_model(emu, max_retries=1)
    model.invoke("uses the window")
    with pytest.raises(GatewayRateLimitError) as caught:
        model.invoke("limited")
    assert caught.value.is_retryable is True
    assert len(emu.requests) == 3  # first call, then the limited one and its retry
    assert caught.value.log_id == emu.requests[-1].log_id  # the last attempt's id


# --- xAI's own errors through the gateway ---------------------------------------------------------
def test_xai_flat_error_becomes_a_readable_message(emu: GatewayEmulator) -> None:
    model = make_model(emu, model="grok-9-imaginary")
    with pytest.raises(CloudflareGrokInvalidRequestError) as caught:
        model.invoke("hi")
    error = caught.value
    assert isinstance(error, openai.BadRequestError)
    assert isinstance(error, ModelInvalidRequestError)
    assert (error.status_code, error.gateway_code) == (400, None)  # xAI's, not the gateway's
    assert error.log_id == emu.requests[-1].log_id
    assert "xAI: Model not found: grok-9-imaginary" in str(error)
    assert "{" not in str(error)  # a sentence, not a JSON dump
    assert error.body == "Model not found: grok-9-imaginary"  # the SDK's `.body`: the error member


@pytest.fixture(scope="module")
def strict_xai() -> Iterator[GatewayEmulator]:
    """xAI accepts one key only and has a 200-token context window."""
    settings = XaiSettings(context_window_override=200)
    with GatewayEmulator(xai_keys=[XAI_KEY], xai_settings=settings) as emulator:
        yield emulator


def test_incorrect_api_key_is_an_authentication_error(strict_xai: GatewayEmulator) -> None:
    strict_xai.reset()
    wrong = "xai-wrong-key-9999"
    with pytest.raises(InvalidAPIKeyError) as caught:
        make_model(strict_xai, api_key=wrong).invoke("hi")
    error: Any = caught.value
    # An authentication error for handlers, and a 400 as xAI answers it.
    assert _classes(error) >= {
        openai.AuthenticationError,
        openai.BadRequestError,
        ModelAuthenticationError,
    }
    assert error.status_code == 400
    assert error.log_id == strict_xai.requests[-1].log_id
    assert "Incorrect API key" in str(error)
    assert "XAI_API_KEY" in str(error)  # the fix
    assert wrong not in str(error)


@pytest.mark.parametrize("path", ["invoke", "stream"])
def test_context_length_error_is_context_overflow(strict_xai: GatewayEmulator, path: str) -> None:
    strict_xai.reset()
    long_prompt = "word " * 400  # ~500 tokens > 200
    with pytest.raises(ContextOverflowError) as caught:
        _call(make_model(strict_xai), long_prompt, path)
    error = caught.value
    assert isinstance(error, openai.BadRequestError)
    assert isinstance(error, GatewayErrorInfo)
    assert error.status_code == 400
    assert error.log_id == strict_xai.requests[-1].log_id
    assert "maximum prompt length is 200" in str(error)
    assert make_model(strict_xai).invoke("short").content  # the same model, within the window


def test_errors_reach_callbacks_and_are_not_model_api_errors_only(emu: GatewayEmulator) -> None:
    """`except ModelAPIError` must not swallow a blocked prompt: it is an invalid request."""
    model = _guarded(emu)
    with pytest.raises(GuardrailsBlockedError) as caught:
        model.invoke("forbidden")
    assert not isinstance(caught.value, ModelAPIError)
    assert isinstance(caught.value, ModelInvalidRequestError)
