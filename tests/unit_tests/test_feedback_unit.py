"""Feedback module, pure parts: value checks, settings from the environment, URLs, secrets, and
the callback handler's bookkeeping (no sockets; sending is tested against the emulator in
tests/emulator_tests/test_feedback.py). Facts: gateway-protocol.md §5 "Feedback"."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from pydantic import SecretStr

from langchain_cfgateway_grok.feedback import (
    CloudflareAPISettings,
    GatewayFeedbackHandler,
    feedback_body,
    log_ids_of,
    log_url,
    resolve_api_settings,
)

ACCT = "023e105f4ecef8ad9ca31a8372d0c353"
TOKEN = "cf-api-SECRET-token-0123"
LOG = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
SETTINGS: dict[str, Any] = {"account_id": ACCT, "gateway_id": "gw", "api_token": TOKEN}


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"feedback": 1}, {"feedback": 1}),
        ({"feedback": -1}, {"feedback": -1}),
        ({"feedback": -1.0}, {"feedback": -1}),
        ({"feedback": 0, "feedback_scale": "zero_one"}, {"feedback": 0}),
        ({"feedback": 1, "feedback_scale": "zero_one"}, {"feedback": 1}),
        ({"score": 90}, {"score": 90}),
        ({"score": -0.5}, {"score": -0.5}),
        (
            {"metadata": {"a": "x", "b": 2, "c": 1.5, "d": True}},
            {"metadata": {"a": "x", "b": 2, "c": 1.5, "d": True}},
        ),
        ({"feedback": 1, "score": 3, "metadata": {}}, {"feedback": 1, "score": 3, "metadata": {}}),
    ],
)
def test_feedback_body(kwargs: dict[str, Any], body: dict[str, Any]) -> None:
    assert feedback_body(**kwargs) == body


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({}, "Nothing to send"),
        ({"feedback": 0}, "'plus_minus_one' scale"),  # 0 is not on the ±1 scale
        ({"feedback": -1, "feedback_scale": "zero_one"}, "'zero_one' scale"),
        ({"feedback": 2}, "1 (positive) or -1"),
        ({"feedback": True}, "got True"),
        ({"feedback": "1"}, "got '1'"),
        ({"feedback": 1, "feedback_scale": "stars"}, "docs disagree"),
        ({"score": float("nan")}, "finite number"),
        ({"score": False}, "finite number"),
        ({"score": "90"}, "finite number"),
        ({"metadata": {str(i): i for i in range(6)}}, "at most 5"),
        ({"metadata": {"a": {"nested": 1}}}, "metadata['a']"),
        ({"metadata": {"a": None}}, "metadata['a']"),
        ({"metadata": {"a": 2**60}}, "2**53"),
        ({"metadata": {"": 1}}, "non-empty strings"),
        ({"metadata": ["a"]}, "must be a dict"),
    ],
)
def test_feedback_body_refusals(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        feedback_body(**kwargs)
    assert fragment in str(info.value)


def test_settings_from_arguments_strip_bearer_and_keep_the_token_secret() -> None:
    settings = resolve_api_settings(**{**SETTINGS, "api_token": f"Bearer {TOKEN}"})
    assert settings.api_token.get_secret_value() == TOKEN
    assert settings.cloudflare_api_url == "https://api.cloudflare.com/client/v4"
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", ACCT)
    monkeypatch.setenv("CLOUDFLARE_GATEWAY_ID", "env-gw")
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    monkeypatch.setenv("CLOUDFLARE_API_URL", "http://127.0.0.1:9/client/v4/")
    settings = resolve_api_settings()
    assert settings == CloudflareAPISettings(
        ACCT, "env-gw", settings.api_token, "http://127.0.0.1:9/client/v4"
    )
    assert settings.api_token.get_secret_value() == TOKEN
    # Arguments win over the environment; a SecretStr is accepted as is.
    explicit = resolve_api_settings(gateway_id="arg-gw", api_token=SecretStr("other-token"))
    assert (explicit.gateway_id, explicit.api_token.get_secret_value()) == (
        "arg-gw",
        "other-token",
    )


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    [
        ({}, ["account_id", "CLOUDFLARE_ACCOUNT_ID", "gateway_id", "CLOUDFLARE_GATEWAY_ID"]),
        ({"account_id": ACCT, "gateway_id": "gw"}, ["CLOUDFLARE_API_TOKEN", "Read and Edit"]),
        ({**SETTINGS, "account_id": "nope"}, ["account_id", "32 lower-case hex"]),
        ({**SETTINGS, "gateway_id": "a/b"}, ["gateway_id"]),
        ({**SETTINGS, "api_token": TOKEN + "\n"}, ["api_token", "newline"]),
        ({**SETTINGS, "cloudflare_api_url": "api.cloudflare.com"}, ["cloudflare_api_url"]),
        (
            {
                **SETTINGS,
                "cloudflare_api_url": f"https://api.cloudflare.com/client/v4/accounts/{ACCT}",
            },
            ["API root"],
        ),
    ],
)
def test_settings_errors_never_echo_the_token(kwargs: dict[str, Any], fragments: list[str]) -> None:
    with pytest.raises(ValueError) as info:
        resolve_api_settings(**kwargs)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert "SECRET" not in message


def test_log_url_and_log_id_checks() -> None:
    settings = resolve_api_settings(**SETTINGS)
    assert log_url(settings, LOG) == (
        f"https://api.cloudflare.com/client/v4/accounts/{ACCT}/ai-gateway/gateways/gw/logs/{LOG}"
    )
    assert log_url(settings, "01JC0ABCDEFGHJKMNPQRSTVWXY").endswith(
        "/logs/01JC0ABCDEFGHJKMNPQRSTVWXY"
    )
    for bad in ("", "../x", "a/b", "a b", "x" * 129, None):
        with pytest.raises(ValueError, match="log_id"):
            log_url(settings, bad)  # type: ignore[arg-type]


# --- the callback handler's bookkeeping ---------------------------------------------------------


def result_with(*log_ids: str, in_message: bool = True) -> LLMResult:
    generations: list[Any] = []
    for log_id in log_ids:
        facts = {"gateway": {"log_id": log_id, "cache_status": "MISS"}}
        message = AIMessage("ok", response_metadata=facts if in_message else {})
        generations.append(
            ChatGeneration(message=message, generation_info=None if in_message else facts)
        )
    return LLMResult(generations=[generations])


def test_log_ids_of_reads_message_metadata_then_generation_info() -> None:
    assert log_ids_of(result_with("a", "b")) == ["a", "b"]
    assert log_ids_of(result_with("c", in_message=False)) == ["c"]
    assert log_ids_of(result_with("a", "a")) == ["a"]
    assert log_ids_of(LLMResult(generations=[[ChatGeneration(message=AIMessage("x"))]])) == []


def test_handler_records_by_run_and_finds_them_from_an_ancestor() -> None:
    handler = GatewayFeedbackHandler(**SETTINGS)
    chain, model_a, model_b, other = (uuid.uuid4() for _ in range(4))
    handler.on_chain_start({}, {}, run_id=chain)
    handler.on_chat_model_start({}, [], run_id=model_a, parent_run_id=chain)
    handler.on_llm_end(result_with("log-a"), run_id=model_a, parent_run_id=chain)
    handler.on_chat_model_start({}, [], run_id=model_b, parent_run_id=chain)
    handler.on_llm_error(
        type("Failure", (Exception,), {"log_id": "log-b"})(), run_id=model_b, parent_run_id=chain
    )
    handler.on_llm_end(result_with("log-other"), run_id=other)
    assert handler.log_ids(model_a) == ["log-a"]
    assert handler.log_ids(str(chain)) == ["log-a", "log-b"]
    assert handler.log_ids(other) == ["log-other"]
    with pytest.raises(LookupError, match="No gateway log id recorded"):
        handler.send(uuid.uuid4(), feedback=1)
    # Values are checked before the lookup, so nothing is sent for a bad value.
    with pytest.raises(ValueError, match="feedback"):
        handler.send(chain, feedback=5)


def test_handler_errors_without_log_ids_are_not_recorded() -> None:
    handler = GatewayFeedbackHandler(**SETTINGS)
    run = uuid.uuid4()
    handler.on_llm_error(RuntimeError("no answer"), run_id=run)
    assert handler.log_ids(run) == []


def test_handler_forgets_the_oldest_runs_beyond_max_runs() -> None:
    handler = GatewayFeedbackHandler(**SETTINGS, max_runs=2)
    runs = [uuid.uuid4() for _ in range(3)]
    for index, run in enumerate(runs):
        handler.on_llm_end(result_with(f"log-{index}"), run_id=run)
    assert [handler.log_ids(run) for run in runs] == [[], ["log-1"], ["log-2"]]


def test_handler_checks_settings_at_construction_and_hides_the_token() -> None:
    handler = GatewayFeedbackHandler(**SETTINGS, feedback_scale="zero_one")
    assert TOKEN not in repr(handler)
    with pytest.raises(ValueError, match="CLOUDFLARE_API_TOKEN"):
        GatewayFeedbackHandler(account_id=ACCT, gateway_id="gw")
    with pytest.raises(ValueError, match="feedback_scale"):
        GatewayFeedbackHandler(**SETTINGS, feedback_scale="stars")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_runs"):
        GatewayFeedbackHandler(**SETTINGS, max_runs=0)
    with pytest.raises(ValueError, match="timeout"):
        GatewayFeedbackHandler(**SETTINGS, timeout=0)
