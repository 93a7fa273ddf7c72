"""Error classification: every status, gateway code and body shape -> the classes users catch.

Unit, not emulator: each row pins one exact response (status, body, headers) served by an
`httpx2.MockTransport` through `ChatTransport`, the same path the model uses; sockets stay off.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import openai
import pytest
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

from langchain_cfgateway_grok import _errors as errors
from langchain_cfgateway_grok._errors import GatewayErrorInfo
from langchain_cfgateway_grok._transport import ChatTransport

URL = "https://gateway.ai.cloudflare.com/v1/acct/gw/grok/v1/chat/completions"
XAI_KEY = "xai-CANARYKEY0123456789abcdef"
GATEWAY_TOKEN = "cfgw-CANARYTOKEN0123456789"
LOG_ID = "0199c3a8-5f5e-7e4b-9f55-1f0c6e4d2a10"
BODY = {"model": "grok-4", "messages": [{"role": "user", "content": "hi"}]}


def envelope(status: int, code: int, message: str) -> dict[str, Any]:
    """The gateway's full `AiGatewayError` body (gateway-protocol.md §4.1)."""
    return {
        "success": False,
        "result": [],
        "messages": [],
        "error": [{"code": code, "message": message}],
        "name": "AiGatewayError",
        "httpCode": status,
        "internalCode": code,
        "message": message,
        "description": message,
    }


def xai(code: str, error: str) -> dict[str, str]:
    """xAI's flat error body (xai-api.md §1.5)."""
    return {"code": code, "error": error}


def transport_answering(
    status: int,
    body: object,
    *,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
    max_retries: int = 0,
) -> tuple[ChatTransport, list[httpx2.Request]]:
    seen: list[httpx2.Request] = []
    content = body if isinstance(body, bytes) else json.dumps(body).encode()

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(
            status,
            content=content,
            headers={"content-type": content_type, "cf-aig-log-id": LOG_ID, **(headers or {})},
        )

    transport = ChatTransport(
        url=URL,
        headers={
            "authorization": f"Bearer {XAI_KEY}",
            "cf-aig-authorization": f"Bearer {GATEWAY_TOKEN}",
        },
        timeout=5.0,
        max_retries=max_retries,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
        sleep=lambda _: None,
    )
    return transport, seen


# (status, body, openai class, langchain-core class, is_retryable, gateway_code, exact class)
CASES: list[tuple[int, object, type, type, bool, int | None, type]] = [
    # Gateway envelopes (gateway-protocol.md §4.2)
    (
        400,
        envelope(400, 2001, "Gateway does not exist"),
        openai.BadRequestError,
        ModelInvalidRequestError,
        False,
        2001,
        errors.GatewayNotFoundError,
    ),
    (
        400,
        envelope(400, 2005, "Failed to get response from provider"),
        openai.BadRequestError,
        ModelInvalidRequestError,
        False,
        2005,
        errors.CloudflareGrokInvalidRequestError,
    ),
    (
        400,
        envelope(400, 2008, "Invalid provider"),
        openai.BadRequestError,
        ModelInvalidRequestError,
        False,
        2008,
        errors.GatewayInvalidProviderError,
    ),
    (
        400,
        envelope(400, 2029, "Request content blocked due to DLP policy violations"),
        openai.BadRequestError,
        ModelInvalidRequestError,
        False,
        2029,
        errors.DlpBlockedError,
    ),
    (
        400,
        envelope(400, 2030, "Response content blocked due to DLP policy violations"),
        openai.BadRequestError,
        ModelInvalidRequestError,
        False,
        2030,
        errors.DlpBlockedError,
    ),
    (
        400,
        envelope(400, 2040, "Provider 'grok' has no BYOK credential named 'x'."),
        openai.BadRequestError,
        ModelInvalidRequestError,
        False,
        2040,
        errors.UnknownStoredKeyError,
    ),
    (
        401,
        envelope(401, 2009, "Unauthorized"),
        openai.AuthenticationError,
        ModelAuthenticationError,
        False,
        2009,
        errors.GatewayUnauthorizedError,
    ),
    (
        401,
        {
            "success": False,
            "error": [{"code": 2009, "message": "Unauthorized"}],
            "name": "AiGatewayError",
            "httpCode": 401,
        },
        openai.AuthenticationError,
        ModelAuthenticationError,
        False,
        2009,
        errors.GatewayUnauthorizedError,
    ),
    (
        402,
        envelope(402, 2021, "Insufficient balance; add money to your gateway or use BYOK"),
        openai.APIStatusError,
        ModelError,
        False,
        2021,
        errors.GatewayOutOfCreditsError,
    ),
    (
        403,
        envelope(403, 2036, "Gateway authentication is required to use unified billing."),
        openai.PermissionDeniedError,
        ModelPermissionDeniedError,
        False,
        2036,
        errors.CloudflareGrokPermissionDeniedError,
    ),
    (
        424,
        envelope(424, 2016, "Prompt blocked due to security configurations"),
        openai.APIStatusError,
        ModelInvalidRequestError,
        False,
        2016,
        errors.GuardrailsBlockedError,
    ),
    (
        424,
        envelope(424, 2017, "Response blocked due to security configurations"),
        openai.APIStatusError,
        ModelInvalidRequestError,
        False,
        2017,
        errors.GuardrailsBlockedError,
    ),
    (
        429,
        envelope(429, 2003, "Rate limited"),
        openai.RateLimitError,
        ModelRateLimitError,
        True,
        2003,
        errors.GatewayRateLimitError,
    ),
    (
        429,
        envelope(429, 2041, "Spend limit exceeded: rule 'r' (cost limit 100 per 604800s, sliding)"),
        openai.RateLimitError,
        ModelRateLimitError,
        False,
        2041,
        errors.GatewaySpendLimitError,
    ),
    (
        503,
        envelope(503, 7013, "Guardrails scanner unavailable"),
        openai.InternalServerError,
        ModelAPIError,
        True,
        7013,
        errors.CloudflareGrokServerError,
    ),
    # A documented code with another status falls back to the status family (openai base matches).
    (
        422,
        envelope(422, 2017, "Response blocked"),
        openai.UnprocessableEntityError,
        ModelInvalidRequestError,
        False,
        2017,
        errors.CloudflareGrokUnprocessableEntityError,
    ),
    # Provider (xAI) flat bodies, passed through unchanged by the gateway (§4.3)
    (
        400,
        xai(
            "Client specified an invalid argument",
            "Incorrect API key provided: xa***ke. You can obtain an API key from https://console.x.ai.",
        ),
        openai.AuthenticationError,
        ModelAuthenticationError,
        False,
        None,
        errors.InvalidAPIKeyError,
    ),
    (
        400,
        xai(
            "Client specified an invalid argument",
            "This model's maximum prompt length is 131072 but the request contains 179111 tokens.",
        ),
        openai.BadRequestError,
        ContextOverflowError,
        False,
        None,
        errors.CloudflareGrokContextOverflowError,
    ),
    (
        400,
        xai("invalid-argument", "Model grok-4.6 does not support parameter stop."),
        openai.BadRequestError,
        ModelInvalidRequestError,
        False,
        None,
        errors.CloudflareGrokInvalidRequestError,
    ),
    (
        400,
        xai("Client specified an invalid argument", "Model not found: grok-2-latest"),
        openai.BadRequestError,
        ModelInvalidRequestError,
        False,
        None,
        errors.CloudflareGrokInvalidRequestError,
    ),
    (
        401,
        xai("Unauthenticated", "No API key provided."),
        openai.AuthenticationError,
        ModelAuthenticationError,
        False,
        None,
        errors.CloudflareGrokAuthenticationError,
    ),
    (
        403,
        xai("Permission denied", "Your team is blocked."),
        openai.PermissionDeniedError,
        ModelPermissionDeniedError,
        False,
        None,
        errors.CloudflareGrokPermissionDeniedError,
    ),
    (
        404,
        xai("Not found", "The model grok-9 does not exist."),
        openai.NotFoundError,
        ModelNotFoundError,
        False,
        None,
        errors.CloudflareGrokNotFoundError,
    ),
    (
        408,
        xai("Deadline exceeded", "Request timeout"),
        openai.APIStatusError,
        ModelError,
        True,
        None,
        errors.CloudflareGrokAPIStatusError,
    ),
    (
        409,
        xai("Aborted", "Conflict"),
        openai.ConflictError,
        ModelError,
        True,
        None,
        errors.CloudflareGrokConflictError,
    ),
    (
        410,
        xai("Gone", "Live search is deprecated. Please switch to the Agent Tools API."),
        openai.APIStatusError,
        ModelError,
        False,
        None,
        errors.CloudflareGrokAPIStatusError,
    ),
    (
        422,
        xai("Invalid argument", "Failed to deserialize the JSON body"),
        openai.UnprocessableEntityError,
        ModelInvalidRequestError,
        False,
        None,
        errors.CloudflareGrokUnprocessableEntityError,
    ),
    (
        429,
        {"code": 429, "error": "You ran out of credits."},
        openai.RateLimitError,
        ModelRateLimitError,
        True,
        None,
        errors.CloudflareGrokRateLimitError,
    ),
    (
        500,
        xai("Internal error", "Internal server error"),
        openai.InternalServerError,
        ModelAPIError,
        True,
        None,
        errors.CloudflareGrokServerError,
    ),
    (
        502,
        xai("Unavailable", "Bad gateway"),
        openai.InternalServerError,
        ModelAPIError,
        True,
        None,
        errors.CloudflareGrokServerError,
    ),
    (
        503,
        xai("Unavailable", "Service unavailable"),
        openai.InternalServerError,
        ModelAPIError,
        True,
        None,
        errors.CloudflareGrokServerError,
    ),
    (
        504,
        xai("Deadline exceeded", "Gateway timeout"),
        openai.InternalServerError,
        ModelAPIError,
        True,
        None,
        errors.CloudflareGrokServerError,
    ),
    # OpenAI-shaped bodies (what langchain-openai's checks were written for)
    (
        400,
        {
            "error": {
                "message": "context_length_exceeded: too long",
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
            }
        },
        openai.BadRequestError,
        ContextOverflowError,
        False,
        None,
        errors.CloudflareGrokContextOverflowError,
    ),
    (
        429,
        {"error": {"message": "Rate limit reached", "type": "rate_limit", "code": None}},
        openai.RateLimitError,
        ModelRateLimitError,
        True,
        None,
        errors.CloudflareGrokRateLimitError,
    ),
]


@pytest.mark.parametrize(
    ("status", "body", "sdk_class", "lc_class", "retryable", "gateway_code", "exact_class"), CASES
)
def test_error_classification(
    status: int,
    body: object,
    sdk_class: type,
    lc_class: type,
    retryable: bool,
    gateway_code: int | None,
    exact_class: type,
) -> None:
    transport, seen = transport_answering(status, body)
    with pytest.raises(openai.APIStatusError) as caught:
        transport.post(BODY)
    error = caught.value
    assert type(error) is exact_class
    assert isinstance(error, sdk_class)
    assert isinstance(error, lc_class)
    assert isinstance(error, GatewayErrorInfo)
    assert error.is_retryable is retryable
    assert error.status_code == status
    assert error.gateway_code == gateway_code
    assert error.log_id == LOG_ID
    assert LOG_ID in str(error)
    assert str(error).startswith(f"Error code: {status} - ")
    assert len(seen) == 1  # max_retries=0: exactly one attempt
    assert XAI_KEY not in str(error)
    assert GATEWAY_TOKEN not in str(error)


def test_body_is_what_the_sdk_sets() -> None:
    """`.body` holds the `error` member, as openai's `_make_status_error` does."""
    transport, _ = transport_answering(400, envelope(400, 2008, "Invalid provider"))
    with pytest.raises(openai.BadRequestError) as caught:
        transport.post(BODY)
    assert caught.value.body == [{"code": 2008, "message": "Invalid provider"}]
    assert caught.value.response.json()["internalCode"] == 2008

    transport, _ = transport_answering(400, xai("invalid-argument", "bad stop"))
    with pytest.raises(openai.BadRequestError) as caught:
        transport.post(BODY)
    assert caught.value.body == "bad stop"
    assert "xAI: bad stop (invalid-argument)" in str(caught.value)


def test_context_overflow_is_both_bad_request_and_context_overflow() -> None:
    message = "This model's maximum prompt length is 131072 but the request contains 179111 tokens."
    transport, _ = transport_answering(400, xai("Client specified an invalid argument", message))
    with pytest.raises(ContextOverflowError) as caught:
        transport.post(BODY)
    assert isinstance(caught.value, openai.BadRequestError)
    assert message in str(caught.value)


def test_incorrect_api_key_is_authentication_and_still_a_400() -> None:
    transport, _ = transport_answering(
        400, xai("Client specified an invalid argument", "Incorrect API key provided: xa***ke.")
    )
    with pytest.raises(openai.AuthenticationError) as caught:
        transport.post(BODY)
    error = caught.value
    assert isinstance(error, openai.BadRequestError)  # handlers written for ChatXAI still catch it
    assert isinstance(error, ModelAuthenticationError)
    assert error.status_code == 400
    assert "XAI_API_KEY" in str(error)


@pytest.mark.parametrize(
    ("status", "content", "content_type", "expected_text", "sdk_class"),
    [
        (
            403,
            b"error code: 1010",
            "text/plain",
            "'error code: 1010'",
            openai.PermissionDeniedError,
        ),
        (
            502,
            b"<!DOCTYPE html><html><head><title>example.com | 502: Bad gateway</title></head>"
            b"<body><div>" + b"x" * 5000 + b"</div></body></html>",
            "text/html; charset=UTF-8",
            "'example.com | 502: Bad gateway'",
            openai.InternalServerError,
        ),
        (
            503,
            b"upstream connect error\r\n\x00reset reason: overflow",
            "text/plain",
            "upstream connect error reset reason: overflow",
            openai.InternalServerError,
        ),
        (500, b"", "text/plain", "empty response body", openai.InternalServerError),
        (
            520,
            b"<html><body>" + b"y" * 3000 + b"</body></html>",
            "text/html",
            "…",
            openai.InternalServerError,
        ),
    ],
)
def test_non_json_bodies_give_a_short_safe_excerpt(
    status: int, content: bytes, content_type: str, expected_text: str, sdk_class: type
) -> None:
    transport, _ = transport_answering(status, content, content_type=content_type)
    with pytest.raises(sdk_class) as caught:
        transport.post(BODY)
    message = str(caught.value)
    assert expected_text in message
    assert len(message) < 400
    assert "\n" not in message
    assert "\x00" not in message
    assert caught.value.gateway_code is None
    assert caught.value.log_id == LOG_ID


def test_credentials_echoed_by_a_server_are_masked() -> None:
    echo = {"code": "bad", "error": f"key {XAI_KEY} and token {GATEWAY_TOKEN} rejected"}
    transport, _ = transport_answering(401, echo)
    with pytest.raises(openai.AuthenticationError) as caught:
        transport.post(BODY)
    assert XAI_KEY not in str(caught.value)
    assert GATEWAY_TOKEN not in str(caught.value)
    assert "key *** and token *** rejected" in str(caught.value)


def test_timeout_and_connection_errors() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise raised.pop(0)

    raised: list[Exception] = [
        httpx2.ReadTimeout("timed out"),
        httpx2.ConnectError("[Errno 111] refused"),
    ]
    transport = ChatTransport(
        url=URL,
        headers={"authorization": f"Bearer {XAI_KEY}"},
        timeout=1.0,
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )
    with pytest.raises(openai.APITimeoutError) as timeout:
        transport.post(BODY)
    assert isinstance(timeout.value, ModelTimeoutError)
    assert isinstance(timeout.value, errors.CloudflareGrokTimeoutError)
    assert timeout.value.is_retryable is True
    assert isinstance(timeout.value.__cause__, httpx2.ReadTimeout)
    assert "ReadTimeout" in str(timeout.value)
    assert timeout.value.status_code is None
    assert timeout.value.gateway_code is None

    with pytest.raises(openai.APIConnectionError) as connection:
        transport.post(BODY)
    assert not isinstance(connection.value, openai.APITimeoutError)
    assert isinstance(connection.value, ModelConnectionError)
    assert connection.value.is_retryable is True
    assert isinstance(connection.value.__cause__, httpx2.ConnectError)
    assert "ConnectError" in str(connection.value)


def test_proxy_credentials_never_reach_the_message() -> None:
    error = errors.error_from_transport(
        httpx2.ProxyError("cannot reach http://user:hunter2secret@proxy.local:3128"),
        httpx2.Request("POST", URL),
    )
    assert "hunter2secret" not in str(error)
    assert "//***@proxy.local" in str(error)


def test_async_path_raises_the_same_classes() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            429, json=envelope(429, 2041, "Spend limit exceeded"), headers={"cf-aig-log-id": LOG_ID}
        )

    transport = ChatTransport(
        url=URL,
        headers={},
        timeout=5.0,
        max_retries=2,
        http_async_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )
    with pytest.raises(errors.GatewaySpendLimitError) as caught:
        asyncio.run(transport.apost(BODY))
    assert caught.value.log_id == LOG_ID
    assert caught.value.gateway_code == 2041


@pytest.mark.parametrize("status", [400, 401, 429, 500])
def test_stream_setup_errors_are_classified_like_post(status: int) -> None:
    body = (
        envelope(status, 2009, "Unauthorized") if status == 401 else xai("code", f"failed {status}")
    )
    transport, _ = transport_answering(status, body, content_type="application/json")
    with pytest.raises(openai.APIStatusError) as caught, transport.stream(BODY) as stream:
        list(stream)
    assert caught.value.status_code == status
    assert caught.value.log_id == LOG_ID
    if status == 401:
        assert isinstance(caught.value, errors.GatewayUnauthorizedError)
