"""Typed errors for everything that can go wrong between this package and xAI.

Every error raised on the HTTP path is, at the same time:

- an instance of the openai SDK's class for what happened (`openai.RateLimitError` for a 429,
  `openai.APITimeoutError` for a timeout, ...), so handlers written for `ChatOpenAI`/`ChatXAI`
  still catch it;
- an instance of langchain-core's `ModelError` family (`ModelRateLimitError`, ...), with an
  accurate `is_retryable`, so LangChain's retry middleware and `except ModelError` work;
- a `GatewayErrorInfo`, carrying `gateway_code` (the Cloudflare AI Gateway `internalCode`) and
  `log_id` (the `cf-aig-log-id` response header) next to the SDK's `status_code`.

Tree (`OpenAI*Error` are langchain-openai's classes, each an openai class plus a langchain-core
`Model*Error` (short names below); every class below also derives from `GatewayErrorInfo`):

```text
CloudflareGrokInvalidRequestError       OpenAIInvalidRequestError (BadRequest + ModelInvalidRequest)
    GatewayNotFoundError                400 / 2001
    GatewayInvalidProviderError         400 / 2008
    UnknownStoredKeyError               400 / 2040
    DlpBlockedError                     400 / 2029, 2030
CloudflareGrokContextOverflowError      OpenAIContextOverflowError (BadRequest + ContextOverflow)
CloudflareGrokAuthenticationError       OpenAIAuthenticationError (Authentication + ModelAuth...)
    GatewayUnauthorizedError            401 / 2009
    InvalidAPIKeyError                  xAI 400 "Incorrect API key" (also openai.BadRequestError)
CloudflareGrokPermissionDeniedError     OpenAIPermissionDeniedError (403)
CloudflareGrokNotFoundError             OpenAIModelNotFoundError (404)
CloudflareGrokConflictError             openai.ConflictError (409, retryable like the SDK)
CloudflareGrokUnprocessableEntityError  openai.UnprocessableEntityError + ModelInvalidRequestError
CloudflareGrokRateLimitError            OpenAIRateLimitError (RateLimit + ModelRateLimit)
    GatewayRateLimitError               429 / 2003
    GatewaySpendLimitError              429 / 2041, is_retryable False (wait for the budget window)
CloudflareGrokServerError               OpenAIAPIError (InternalServer + ModelAPI), 5xx
CloudflareGrokAPIStatusError            openai.APIStatusError (402, 405, 408, 410, 424, 3xx ...)
    GatewayOutOfCreditsError            402 / 2021
    GuardrailsBlockedError              424 / 2016, 2017 (also ModelInvalidRequestError)
CloudflareGrokConnectionError           OpenAIConnectionError (APIConnection + ModelConnection)
CloudflareGrokTimeoutError              OpenAITimeoutError (APITimeout + ModelTimeout)
CloudflareGrokResponseError             openai.APIResponseValidationError + ModelAPIError (bad body)
CloudflareGrokStreamError               openai.APIError + ModelAPIError (broke after HTTP 200)
    IncompleteStreamError               ended without `data: [DONE]`
    MalformedStreamError                a data line that is not valid UTF-8 JSON
    MidStreamError                      an `{"error": ...}` event inside the stream
```

Message texts never contain request headers; credential values a server echoes back are masked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, TypeVar, cast

import httpx2
import openai
from langchain_core.exceptions import (
    ModelAPIError,
    ModelError,
    ModelInvalidRequestError,
)
from langchain_openai.chat_models.base import (
    OpenAIAPIError,
    OpenAIAuthenticationError,
    OpenAIConnectionError,
    OpenAIContextOverflowError,
    OpenAIInvalidRequestError,
    OpenAIModelNotFoundError,
    OpenAIPermissionDeniedError,
    OpenAIRateLimitError,
    OpenAITimeoutError,
)

from langchain_cfgateway_grok._compat import timeout_errors

__all__ = [
    "GATEWAY_ERROR_CLASSES",
    "CloudflareGrokAPIStatusError",
    "CloudflareGrokAuthenticationError",
    "CloudflareGrokConflictError",
    "CloudflareGrokConnectionError",
    "CloudflareGrokContextOverflowError",
    "CloudflareGrokInvalidRequestError",
    "CloudflareGrokNotFoundError",
    "CloudflareGrokPermissionDeniedError",
    "CloudflareGrokRateLimitError",
    "CloudflareGrokResponseError",
    "CloudflareGrokServerError",
    "CloudflareGrokStreamError",
    "CloudflareGrokTimeoutError",
    "CloudflareGrokUnprocessableEntityError",
    "DlpBlockedError",
    "GatewayErrorInfo",
    "GatewayInvalidProviderError",
    "GatewayNotFoundError",
    "GatewayOutOfCreditsError",
    "GatewayRateLimitError",
    "GatewaySpendLimitError",
    "GatewayUnauthorizedError",
    "GuardrailsBlockedError",
    "IncompleteStreamError",
    "InvalidAPIKeyError",
    "MalformedStreamError",
    "MidStreamError",
    "UnknownStoredKeyError",
    "body_excerpt",
    "error_from_response",
    "error_from_stream_event",
    "error_from_transport",
    "gateway_code_of",
    "invalid_response_error",
    "stream_error",
]

LOG_ID_HEADER = "cf-aig-log-id"
SPEND_LIMIT_CODE = 2041  # 429 that will not succeed before the budget window passes: never retried
_EXCERPT_CHARS = 200


class GatewayErrorInfo(ModelError):  # noqa: N818 (a mixin; the name is the public contract)
    """What every error raised by this package carries besides the SDK's own attributes.

    Catch it to handle any failure of a `ChatCloudflareGrok` call in one place; prefer the
    openai or langchain-core classes when you only care about one kind.
    """

    # `status_code` (int) comes from the openai status classes; the transport and stream classes
    # below set it to None, so every error of this package has all three attributes.

    gateway_code: int | None = None
    """Cloudflare AI Gateway error code (`internalCode` / `error[0].code`), when the gateway itself
    answered; None for provider (xAI) errors and transport failures."""

    log_id: str | None = None
    """The gateway's `cf-aig-log-id` for this request, when a response arrived (quote it to
    Cloudflare support or use it with the feedback API)."""


# -- status families: one per openai SDK status class ----------------------------------------


class CloudflareGrokInvalidRequestError(OpenAIInvalidRequestError, GatewayErrorInfo):
    """HTTP 400: the gateway or xAI rejected the request as invalid."""


class CloudflareGrokContextOverflowError(OpenAIContextOverflowError, GatewayErrorInfo):
    """HTTP 400: the prompt exceeds the model's context window (xAI "maximum prompt length")."""


class CloudflareGrokAuthenticationError(OpenAIAuthenticationError, GatewayErrorInfo):
    """HTTP 401 (or xAI's 400 "Incorrect API key"): credentials missing or rejected."""


class CloudflareGrokPermissionDeniedError(OpenAIPermissionDeniedError, GatewayErrorInfo):
    """HTTP 403: the credentials may not do this (also Cloudflare edge blocks, e.g. 1010)."""


class CloudflareGrokNotFoundError(OpenAIModelNotFoundError, GatewayErrorInfo):
    """HTTP 404: unknown model or endpoint."""


class CloudflareGrokConflictError(openai.ConflictError, GatewayErrorInfo):
    """HTTP 409; retryable, as the openai SDK retries it."""

    is_retryable = True


class CloudflareGrokUnprocessableEntityError(
    openai.UnprocessableEntityError, ModelInvalidRequestError, GatewayErrorInfo
):
    """HTTP 422: a field has an invalid format."""


class CloudflareGrokRateLimitError(OpenAIRateLimitError, GatewayErrorInfo):
    """HTTP 429: a rate limit (xAI's or the gateway's) was hit; retryable."""


class CloudflareGrokServerError(OpenAIAPIError, GatewayErrorInfo):
    """HTTP 5xx from the gateway or xAI; retryable."""


class CloudflareGrokAPIStatusError(openai.APIStatusError, GatewayErrorInfo):
    """Any other non-2xx status (402, 405, 408, 410, 413, 415, 424, an unfollowed 3xx ...).

    `is_retryable` is True only for 408 (the SDK retries it).
    """


# -- the gateway's own errors (gateway-protocol.md §4.2) --------------------------------------


class GatewayNotFoundError(CloudflareGrokInvalidRequestError):
    """400 / 2001: the gateway does not exist; check `account_id` and `gateway_id`."""


class GatewayInvalidProviderError(CloudflareGrokInvalidRequestError):
    """400 / 2008: unknown provider (on the compat endpoint the model must be `grok/<id>`)."""


class UnknownStoredKeyError(CloudflareGrokInvalidRequestError):
    """400 / 2040: no stored (BYOK) key under that alias for the provider."""


class DlpBlockedError(CloudflareGrokInvalidRequestError):
    """400 / 2029 or 2030: a DLP policy blocked the request or response (status Unconfirmed)."""


class GatewayUnauthorizedError(CloudflareGrokAuthenticationError):
    """401 / 2009: the gateway requires `cf-aig-authorization` and it was missing or wrong."""


# The SDK annotates `status_code` as Literal[401] / Literal[400]; the instance holds the real one.
class InvalidAPIKeyError(CloudflareGrokAuthenticationError, openai.BadRequestError):  # type: ignore[misc]
    """xAI's 400 "Incorrect API key provided": an authentication error that is also a 400."""


class GatewayRateLimitError(CloudflareGrokRateLimitError):
    """429 / 2003: the gateway's own rate limit; retryable."""


class GatewaySpendLimitError(CloudflareGrokRateLimitError):
    """429 / 2041: a gateway spend limit; not retryable until the budget window passes."""

    is_retryable = False


class GatewayOutOfCreditsError(CloudflareGrokAPIStatusError):
    """402 / 2021: Unified Billing credits exhausted; add credits or pass an xAI key (BYOK)."""


class GuardrailsBlockedError(CloudflareGrokAPIStatusError, ModelInvalidRequestError):
    """424 / 2016 (prompt) or 2017 (response): Guardrails blocked the exchange."""


#: `(HTTP status, gateway code) -> class`. A documented code arriving with another status falls
#: back to the status family (with `gateway_code` still set), so the openai base always matches
#: the status. Extend it if Cloudflare documents more codes.
GATEWAY_ERROR_CLASSES: dict[tuple[int, int], type[openai.APIStatusError]] = {
    (400, 2001): GatewayNotFoundError,
    (400, 2008): GatewayInvalidProviderError,
    (400, 2029): DlpBlockedError,
    (400, 2030): DlpBlockedError,
    (400, 2040): UnknownStoredKeyError,
    (401, 2009): GatewayUnauthorizedError,
    (402, 2021): GatewayOutOfCreditsError,
    (424, 2016): GuardrailsBlockedError,
    (424, 2017): GuardrailsBlockedError,
    (429, 2003): GatewayRateLimitError,
    (429, 2041): GatewaySpendLimitError,
}

#: How to fix each gateway error, appended to its message.
_GATEWAY_HINTS: dict[int, str] = {
    2001: "The gateway does not exist: check account_id and gateway_id (or base_url).",
    2005: "The gateway got no answer from the provider: check the model id and its prefix.",
    2008: "Invalid provider: on the compat endpoint the model must be 'grok/<model id>'.",
    2009: (
        "The gateway requires authentication: pass gateway_token= or set "
        "CLOUDFLARE_AI_GATEWAY_TOKEN (an AI Gateway token with Run permission)."
    ),
    2003: "The gateway's rate limit was reached; retry later or raise the gateway's limit.",
    2016: "Guardrails blocked the prompt.",
    2017: "Guardrails blocked the response.",
    2021: "Unified Billing credits are exhausted: add credits, or pass api_key= (BYOK).",
    2029: "A DLP policy blocked the request.",
    2030: "A DLP policy blocked the response.",
    2040: (
        "No stored key under that alias: check gateway_options['byok_alias'] or the gateway's keys."
    ),
    2041: "A spend limit blocked the request; it will fail until the budget window passes.",
}

# Texts that mean "prompt longer than the context window": xAI's, then langchain-openai's list.
_CONTEXT_OVERFLOW_MARKERS = (
    "maximum prompt length",
    "context_length_exceeded",
    "Input tokens exceed the configured limit",
    "prompt is too long",
    "ContextWindowExceededError",
    "exceeds the context window",
)
_INVALID_KEY_MARKER = "Incorrect API key"
_INVALID_KEY_HINT = (
    "Check api_key / XAI_API_KEY, or leave both unset to use a key stored in the gateway."
)

_STATUS_CLASSES: dict[int, type[openai.APIStatusError]] = {
    400: CloudflareGrokInvalidRequestError,
    401: CloudflareGrokAuthenticationError,
    403: CloudflareGrokPermissionDeniedError,
    404: CloudflareGrokNotFoundError,
    409: CloudflareGrokConflictError,
    422: CloudflareGrokUnprocessableEntityError,
    429: CloudflareGrokRateLimitError,
}


def _status_class(status: int) -> type[openai.APIStatusError]:
    if status >= 500:
        return CloudflareGrokServerError
    return _STATUS_CLASSES.get(status, CloudflareGrokAPIStatusError)


# -- building errors from responses ------------------------------------------------------------


def error_from_response(response: httpx2.Response) -> openai.APIStatusError:
    """The typed error for a non-2xx `response` whose body has already been read.

    `.body` is what the openai SDK would set (the `error` member of a JSON object, else the whole
    JSON value, else the text), so existing handlers keep working; `gateway_code` and `log_id`
    are read from the envelope and the `cf-aig-log-id` header.
    """
    status = response.status_code
    text = _response_text(response)
    parsed = _loads_or_none(text)
    sdk_body: object = text if parsed is _NOT_JSON else parsed
    if isinstance(parsed, Mapping):
        sdk_body = parsed.get("error", parsed)

    gateway_code: int | None = None
    if isinstance(parsed, Mapping):
        gateway_code = _gateway_code(parsed)
    if gateway_code is not None:
        cls = GATEWAY_ERROR_CLASSES.get((status, gateway_code)) or _status_class(status)
        detail = f"Cloudflare AI Gateway error {gateway_code}: {_gateway_message(parsed)}"
        if hint := _GATEWAY_HINTS.get(gateway_code):
            detail = f"{detail}. {hint}"
    else:
        cls, detail = _classify_provider(status, parsed, text, response)

    log_id = response.headers.get(LOG_ID_HEADER)
    message = f"Error code: {status} - {detail}"
    if log_id:
        message = f"{message} (cf-aig-log-id: {log_id})"
    error = cls(
        _redact(message, response),
        response=_redacted_response(response),
        body=_redact(sdk_body, response),
    )
    info = cast("GatewayErrorInfo", error)
    info.gateway_code = gateway_code
    info.log_id = log_id
    if cls is CloudflareGrokAPIStatusError and status == 408:
        info.is_retryable = True
    return error


def gateway_code_of(response: httpx2.Response) -> int | None:
    """The gateway error code in a response whose body was read, or None (never raises)."""
    parsed = _loads_or_none(_response_text(response))
    return _gateway_code(parsed) if isinstance(parsed, Mapping) else None


def _classify_provider(
    status: int, parsed: object, text: str, response: httpx2.Response
) -> tuple[type[openai.APIStatusError], str]:
    """Class and readable detail for an error that is not the gateway's own envelope."""
    message = _provider_message(parsed) if isinstance(parsed, Mapping) else None
    if message is not None:
        return _provider_class(status, message), _with_key_hint(message, message)
    if parsed is not _NOT_JSON:
        detail = f"JSON error body: {body_excerpt(text)}"
    elif not text.strip():
        detail = "empty response body"
    else:
        content_type = response.headers.get("content-type", "")
        kind = content_type.split(";", 1)[0].strip() or "no content-type"
        detail = f"non-JSON response ({kind}): {body_excerpt(text)}"
    return _status_class(status), detail


def _provider_message(body: Mapping[str, Any]) -> str | None:
    """Readable text of xAI's flat `{"code","error"}`, an OpenAI-shaped or a `message` body."""
    error = body.get("error")
    if isinstance(
        error, str
    ):  # xAI: {"code": "Client specified an invalid argument", "error": "..."}
        code = body.get("code")
        return f"xAI: {error}" + (f" ({code})" if code not in (None, "") else "")
    if isinstance(error, Mapping) and isinstance(error.get("message"), str):
        return cast("str", error["message"])
    message = body.get("message")
    return message if isinstance(message, str) else None


def _provider_class(status: int, message: str) -> type[openai.APIStatusError]:
    if status == 400:
        if any(marker in message for marker in _CONTEXT_OVERFLOW_MARKERS):
            return CloudflareGrokContextOverflowError
        if _INVALID_KEY_MARKER in message:
            return InvalidAPIKeyError
    return _status_class(status)


def _with_key_hint(detail: str, message: str) -> str:
    return f"{detail}. {_INVALID_KEY_HINT}" if _INVALID_KEY_MARKER in message else detail


def _gateway_code(body: Mapping[str, Any]) -> int | None:
    """`internalCode`, else `error[0].code` of an `AiGatewayError` / `success: false` envelope."""
    code = body.get("internalCode")
    if _is_int(code):
        return cast("int", code)
    if body.get("name") != "AiGatewayError" and body.get("success") is not False:
        return None
    errors = body.get("error")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        first = errors[0].get("code")
        if _is_int(first):
            return cast("int", first)
    return None


def _gateway_message(body: object) -> str:
    if not isinstance(body, Mapping):
        return "(no message)"
    message = body.get("message")
    if not isinstance(message, str) or not message:
        errors = body.get("error")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            message = errors[0].get("message")
    return message if isinstance(message, str) and message else "(no message)"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- transport failures, broken streams, bad bodies ---------------------------------------------


def error_from_transport(
    exc: BaseException, request: httpx2.Request, *, log_id: str | None = None
) -> openai.APIConnectionError:
    """The typed error for a failure below HTTP.

    `openai.APITimeoutError` for timeouts, else `openai.APIConnectionError`; the httpx2
    exception becomes `__cause__` (raise the result `from exc` as well).
    """
    error: openai.APIConnectionError
    # A stream that broke had a response: its log id goes in the message, as for status errors.
    where = f" (cf-aig-log-id: {log_id})" if log_id else ""
    if isinstance(exc, timeout_errors()):
        message = f"Request timed out ({_describe(exc)}){where}."
        error = CloudflareGrokTimeoutError(request, message=message)
    else:
        error = CloudflareGrokConnectionError(
            message=f"Connection error ({_describe(exc)}){where}.", request=request
        )
    info = cast("GatewayErrorInfo", error)
    info.log_id = log_id
    error.__cause__ = exc
    return error


def stream_error(
    cls: type[CloudflareGrokStreamError],
    detail: str,
    *,
    request: httpx2.Request,
    log_id: str | None,
    body: object | None = None,
) -> CloudflareGrokStreamError:
    """A broken-stream error of class `cls` (`IncompleteStreamError`, `MalformedStreamError`)."""
    message = f"{detail} (cf-aig-log-id: {log_id})" if log_id else detail
    secrets = _sent_credentials(request)
    error = cls(_mask(message, secrets), request, body=_mask(body, secrets))
    error.log_id = log_id
    return error


def error_from_stream_event(
    payload: object, *, request: httpx2.Request, log_id: str | None
) -> MidStreamError:
    """The error for an `{"error": ...}` event (or `event: error`) received mid-stream.

    `.body` is the `error` member, as the openai SDK sets it for its own mid-stream errors.
    """
    error_member = payload.get("error", payload) if isinstance(payload, Mapping) else payload
    if isinstance(error_member, Mapping):
        text = error_member.get("message")
        detail = text if isinstance(text, str) and text else body_excerpt(json.dumps(error_member))
    elif isinstance(error_member, str):
        code = payload.get("code") if isinstance(payload, Mapping) else None
        detail = f"xAI: {error_member}" + (f" ({code})" if code not in (None, "") else "")
    else:
        detail = body_excerpt(json.dumps(error_member, default=str))
    error = stream_error(
        MidStreamError,
        f"The stream reported an error after it started: {detail}",
        request=request,
        log_id=log_id,
        body=error_member,
    )
    error.gateway_code = _gateway_code(payload) if isinstance(payload, Mapping) else None
    return cast("MidStreamError", error)


def invalid_response_error(
    response: httpx2.Response, detail: str, *, body: object | None = None
) -> CloudflareGrokResponseError:
    """The error for a 2xx response whose body is not what a chat completion must be."""
    log_id = response.headers.get(LOG_ID_HEADER)
    message = f"Invalid response body (HTTP {response.status_code}): {detail}"
    if log_id:
        message = f"{message} (cf-aig-log-id: {log_id})"
    error = CloudflareGrokResponseError(
        _redacted_response(response), _redact(body, response), message=_redact(message, response)
    )
    error.log_id = log_id
    return error


class CloudflareGrokConnectionError(OpenAIConnectionError, GatewayErrorInfo):
    """The server could not be reached, or the connection broke (refused, reset, truncated)."""

    status_code: None = None


class CloudflareGrokTimeoutError(OpenAITimeoutError, GatewayErrorInfo):
    """No connection, byte or chunk within the client `timeout` (connect/read/write/pool)."""

    status_code: None = None

    def __init__(self, request: httpx2.Request, *, message: str = "Request timed out.") -> None:
        # openai.APITimeoutError fixes its message; keep the class, say which timeout fired.
        openai.APIConnectionError.__init__(self, message=message, request=request)


class CloudflareGrokResponseError(
    openai.APIResponseValidationError, ModelAPIError, GatewayErrorInfo
):
    """A 2xx answer whose body is not a JSON object (e.g. an HTML page from a proxy)."""


class CloudflareGrokStreamError(openai.APIError, ModelAPIError, GatewayErrorInfo):
    """A stream that broke after HTTP 200: never a silently short answer. Retryable."""

    status_code: None = None


class IncompleteStreamError(CloudflareGrokStreamError):
    """The stream ended (connection closed cleanly) before `data: [DONE]`."""


class MalformedStreamError(CloudflareGrokStreamError):
    """A `data:` line was not valid UTF-8 JSON (e.g. cut by a proxy)."""


class MidStreamError(CloudflareGrokStreamError):
    """The server sent an error event after the stream had started."""


# -- text helpers --------------------------------------------------------------------------------


class _NotJson:
    pass


_NOT_JSON: Any = _NotJson()

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]{0,2000}>")
_USERINFO = re.compile(r"//[^/@\s]+@")


def _response_text(response: httpx2.Response) -> str:
    try:
        return response.text
    except (httpx2.ResponseNotRead, httpx2.StreamError):
        return ""


def _loads_or_none(text: str) -> Any:
    if not text:
        return _NOT_JSON
    try:
        return json.loads(text)
    except ValueError:
        return _NOT_JSON


def body_excerpt(text: str) -> str:
    """A short, printable, one-line excerpt of a body (HTML reduced to its title or text)."""
    if "<" in text and ">" in text:
        title = _TITLE.search(text)
        text = title.group(1) if title else _TAG.sub(" ", text)
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text[:4000]).split())
    if len(flat) > _EXCERPT_CHARS:
        flat = flat[: _EXCERPT_CHARS - 1] + "…"
    return repr(flat)


def _describe(exc: BaseException) -> str:
    detail = " ".join(str(exc).split())[:_EXCERPT_CHARS]
    detail = _USERINFO.sub("//***@", detail)  # proxy URLs may carry credentials
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


_T = TypeVar("_T")


def _redact(value: _T, response: httpx2.Response) -> _T:
    """Mask credential values that a server echoed back into an error body (text or JSON)."""
    try:
        request = response.request
    except RuntimeError:  # a response built without a request
        return value
    return _mask(value, _sent_credentials(request))


def _redacted_response(response: httpx2.Response) -> httpx2.Response:
    """`response`, or a copy without the credentials a server echoed into its body.

    langchain-core hands `error.response.json()` to callbacks and tracers (LangSmith) when a
    call fails, so an echo must not survive on the response either. The copy keeps the status,
    the headers (less the framing ones: its body is the decoded one) and the request.
    """
    try:
        secrets = _sent_credentials(response.request)
        content = response.content
    except (RuntimeError, httpx2.ResponseNotRead, httpx2.StreamError):
        return response
    if not any(secret.encode() in content for secret in secrets):
        return response
    for secret in secrets:
        content = content.replace(secret.encode(), b"***")
    framing = ("content-encoding", "content-length", "transfer-encoding")
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in framing]
    return httpx2.Response(
        response.status_code, headers=headers, content=content, request=response.request
    )


def _sent_credentials(request: httpx2.Request) -> tuple[str, ...]:
    """The credentials `request` carried (`Bearer` stripped); short values are not masked."""
    found: list[str] = []
    for name in ("authorization", "cf-aig-authorization"):
        value = request.headers.get(name)
        if not value:
            continue
        secret = value[7:] if value[:7].lower() == "bearer " else value
        if len(secret) >= 8:
            found.append(secret)
    return tuple(found)


def _mask(value: _T, secrets: tuple[str, ...]) -> _T:
    """`value` with every secret replaced by `***`, inside strings, mappings and lists too."""
    if not secrets:
        return value
    masked: object = value
    if isinstance(value, str):
        for secret in secrets:
            masked = cast("str", masked).replace(secret, "***")
    elif isinstance(value, Mapping):
        masked = {_mask(key, secrets): _mask(item, secrets) for key, item in value.items()}
    elif isinstance(value, list):
        masked = [_mask(item, secrets) for item in value]
    return cast("_T", masked)
