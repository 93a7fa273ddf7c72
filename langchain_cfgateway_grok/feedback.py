"""Human feedback on Cloudflare AI Gateway log entries, and reading a log entry back.

Every answer through the gateway has a log id (`response_metadata["gateway"]["log_id"]`, the
`cf-aig-log-id` header). With it, the Cloudflare API lets you rate the call afterwards
(`gateway-protocol.md` §5 "Feedback"):

```python
from langchain_cfgateway_grok.feedback import get_log, send_feedback

message = model.invoke("Summarize ...")
log_id = message.response_metadata["gateway"]["log_id"]
send_feedback(log_id, feedback=1, score=90, metadata={"reviewer": "ana"})
get_log(log_id)["feedback"]  # 1
```

Or record log ids by run with `GatewayFeedbackHandler` and send feedback per run id.

Configuration, each from its argument or else the environment: `account_id`
(`CLOUDFLARE_ACCOUNT_ID`), `gateway_id` (`CLOUDFLARE_GATEWAY_ID`), `api_token`
(`CLOUDFLARE_API_TOKEN`: a Cloudflare API token with AI Gateway Read and Edit, kept as a
`SecretStr`, never shown in reprs or messages) and `cloudflare_api_url` (`CLOUDFLARE_API_URL`,
default `https://api.cloudflare.com/client/v4`; point it at `GatewayEmulator.api_url` offline).

**Feedback values are Unconfirmed.** Cloudflare's feedback API page documents `feedback` as
`1` or `-1`; its Workers binding docs say `0` or `1`, and the log list filter takes `feedback`
`0|1`. So the scale is a parameter: `feedback_scale="plus_minus_one"` (default; the API page:
thumbs up 1, thumbs down -1) or `"zero_one"` (1 and 0). `score` is any finite number (its range
is undocumented; the binding docs' example is 100); `metadata` takes at most 5 entries of
str/int/float/bool, as the gateway's own metadata. Values are checked before anything is sent.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal
from urllib.parse import quote
from uuid import UUID

import httpx2
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import ChatGeneration, LLMResult
from pydantic import SecretStr

from langchain_cfgateway_grok import _gateway
from langchain_cfgateway_grok._compat import request_errors
from langchain_cfgateway_grok._version import __version__

__all__ = [
    "DEFAULT_TIMEOUT",
    "FEEDBACK_SCALES",
    "CloudflareAPIAuthenticationError",
    "CloudflareAPIConnectionError",
    "CloudflareAPIError",
    "CloudflareAPISettings",
    "FeedbackScale",
    "GatewayFeedbackHandler",
    "LogNotFoundError",
    "aget_log",
    "asend_feedback",
    "feedback_body",
    "get_log",
    "log_ids_of",
    "log_url",
    "resolve_api_settings",
    "send_feedback",
]

FeedbackScale = Literal["plus_minus_one", "zero_one"]
"""Which `feedback` values the API takes (Unconfirmed; see the module docstring)."""

#: Allowed `feedback` values per scale: the positive value first.
FEEDBACK_SCALES: Final[dict[str, tuple[int, int]]] = {
    "plus_minus_one": (1, -1),
    "zero_one": (1, 0),
}
DEFAULT_TIMEOUT: Final = 30.0
"""Seconds for each Cloudflare API call (connect, read, write)."""
MAX_METADATA_ENTRIES: Final = 5
_MAX_SAFE_INT: Final = 2**53 - 1
# Log ids are opaque: 26-character ULIDs before 2026-10-08, UUIDv7 after (§3). Both fit here, and
# the allowlist keeps the id path-safe.
_LOG_ID_RE: Final = re.compile(r"[0-9A-Za-z_-]{1,128}")


# -- errors -------------------------------------------------------------------------------------


class CloudflareAPIError(Exception):
    """The Cloudflare API refused a call or answered something unusable.

    Attributes:
        status_code: The HTTP status, or None when no answer arrived.
        errors: The v4 envelope's `errors` (`[{"code": 10000, "message": "..."}]`), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        errors: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.errors = [dict(item) for item in errors]

    @property
    def codes(self) -> list[int]:
        """The numeric codes of `errors`, e.g. `[10000]`."""
        return [item["code"] for item in self.errors if isinstance(item.get("code"), int)]


class CloudflareAPIAuthenticationError(CloudflareAPIError):
    """401/403 or code 10000: the API token is missing, wrong or lacks AI Gateway permission."""


class LogNotFoundError(CloudflareAPIError):
    """404: no log entry with that id in that gateway (or the gateway does not exist)."""


class CloudflareAPIConnectionError(CloudflareAPIError):
    """No answer: the API could not be reached, or the call timed out."""


_AUTH_CODE: Final = 10000
_HINTS: Final[dict[type[CloudflareAPIError], str]] = {
    CloudflareAPIAuthenticationError: (
        "Fix: check api_token / CLOUDFLARE_API_TOKEN: a Cloudflare API token with AI Gateway "
        "Read and Edit permission (not an AI Gateway token and not an xAI key)."
    ),
    LogNotFoundError: (
        "Fix: check the log id, account_id and gateway_id (the gateway that served the call); "
        "a request sent with collect_log=False has no log entry."
    ),
}


# -- settings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CloudflareAPISettings:
    """Where and as whom to call the logs API; build it with `resolve_api_settings`."""

    account_id: str
    gateway_id: str
    api_token: SecretStr = field(repr=False)
    cloudflare_api_url: str

    def __repr__(self) -> str:
        return (
            f"CloudflareAPISettings(account_id={self.account_id!r}, "
            f"gateway_id={self.gateway_id!r}, api_token=**********, "
            f"cloudflare_api_url={self.cloudflare_api_url!r})"
        )


def resolve_api_settings(
    *,
    account_id: str | None = None,
    gateway_id: str | None = None,
    api_token: str | SecretStr | None = None,
    cloudflare_api_url: str | None = None,
) -> CloudflareAPISettings:
    """Arguments, else environment variables, checked before anything is sent.

    Raises:
        ValueError: A missing or malformed setting; the message names the argument and its
            environment variable, never the token.
    """
    env = os.environ
    account = account_id or env.get("CLOUDFLARE_ACCOUNT_ID") or None
    gateway = gateway_id or env.get("CLOUDFLARE_GATEWAY_ID") or None
    missing = [
        f"`{name}` (env {var})"
        for name, var, value in (
            ("account_id", "CLOUDFLARE_ACCOUNT_ID", account),
            ("gateway_id", "CLOUDFLARE_GATEWAY_ID", gateway),
        )
        if not value
    ]
    if missing:
        msg = (
            f"The Cloudflare logs API needs {' and '.join(missing)}: the log entry lives in "
            "one gateway of one account. Fix: pass them, or set the environment variables, to "
            "the gateway that served the call."
        )
        raise ValueError(msg)
    assert account is not None and gateway is not None  # noqa: PT018  # narrowed by `missing`
    _gateway.check_id(account, field="account_id", env="CLOUDFLARE_ACCOUNT_ID")
    _gateway.check_id(gateway, field="gateway_id", env="CLOUDFLARE_GATEWAY_ID")
    raw_token = (
        api_token.get_secret_value() if isinstance(api_token, SecretStr) else api_token
    ) or env.get("CLOUDFLARE_API_TOKEN")
    token = _bare_token(raw_token)
    url = _gateway.check_cloudflare_api_url(
        cloudflare_api_url or env.get("CLOUDFLARE_API_URL") or _gateway.DEFAULT_CLOUDFLARE_API_URL
    )
    return CloudflareAPISettings(account, gateway, SecretStr(token), url)


def _bare_token(value: object) -> str:
    if value is None or value == "":
        msg = (
            "The Cloudflare logs API needs an API token. Fix: pass api_token= or set "
            "CLOUDFLARE_API_TOKEN (dashboard: My Profile > API Tokens, with AI Gateway Read and "
            "Edit permission)."
        )
        raise ValueError(msg)
    if not isinstance(value, str):
        msg = f"`api_token` must be a string or SecretStr, got {type(value).__name__}."
        raise ValueError(msg)  # a configuration error, like the others here
    bare = value[7:] if value[:7].lower() == "bearer " else value
    if not bare or not all("!" <= char <= "~" for char in bare):
        msg = (
            "`api_token` (env CLOUDFLARE_API_TOKEN) is empty or contains whitespace, a control "
            "character or non-ASCII text, so it cannot be sent in a header. Fix: set it to the "
            "bare token (a trailing newline is a common cause)."
        )
        raise ValueError(msg)
    return bare


# -- pure request building ---------------------------------------------------------------------


def _check_log_id(log_id: object) -> str:
    if isinstance(log_id, str) and _LOG_ID_RE.fullmatch(log_id):
        return log_id
    shown = f"a {type(log_id).__name__}" if not isinstance(log_id, str) else f"{log_id[:40]!r}"
    msg = (
        f"`log_id` must be a gateway log id (letters, digits, '-' or '_', 1-128 characters), "
        f"got {shown}. Fix: use response_metadata['gateway']['log_id'] of the answer (the "
        "cf-aig-log-id header)."
    )
    raise ValueError(msg)


def log_url(settings: CloudflareAPISettings, log_id: str, *, suffix: str = "") -> str:
    """`{api}/accounts/{account}/ai-gateway/gateways/{gateway}/logs/{log_id}{suffix}`."""
    log = quote(_check_log_id(log_id), safe="")
    account = quote(settings.account_id, safe="")
    gateway = quote(settings.gateway_id, safe="")
    return (
        f"{settings.cloudflare_api_url}/accounts/{account}/ai-gateway/gateways/{gateway}"
        f"/logs/{log}{suffix}"
    )


def _is_number(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (not isinstance(value, int) or abs(value) <= _MAX_SAFE_INT)
    )


def feedback_body(
    *,
    feedback: float | None = None,
    score: float | None = None,
    metadata: Mapping[str, str | int | float | bool] | None = None,
    feedback_scale: FeedbackScale = "plus_minus_one",
) -> dict[str, Any]:
    """The PATCH body for a log entry, validated (pure).

    Args:
        feedback: Thumbs up or down: on `plus_minus_one` 1 or -1, on `zero_one` 1 or 0.
        score: Any finite number (range undocumented).
        metadata: At most 5 entries, non-empty string keys, str/int/float/bool values.
        feedback_scale: Which feedback values the API takes (Unconfirmed; module docstring).

    Returns:
        e.g. `{"feedback": 1, "score": 90}` (only the fields given).

    Raises:
        ValueError: Nothing to send, or a value out of its range; the message names the field.
    """
    if feedback_scale not in FEEDBACK_SCALES:
        msg = (
            f"`feedback_scale` must be 'plus_minus_one' or 'zero_one', got {feedback_scale!r}. "
            "Cloudflare's docs disagree on the values (1/-1 on the feedback API page, 0/1 in "
            "the binding docs)."
        )
        raise ValueError(msg)
    body: dict[str, Any] = {}
    if feedback is not None:
        allowed = FEEDBACK_SCALES[feedback_scale]
        if not _is_number(feedback) or feedback not in allowed:
            msg = (
                f"`feedback` must be {allowed[0]} (positive) or {allowed[1]} (negative) on the "
                f"{feedback_scale!r} scale, got {feedback!r}. Fix: pass one of those, or "
                "feedback_scale='zero_one' / 'plus_minus_one' if your gateway takes the other "
                "(Cloudflare's docs disagree)."
            )
            raise ValueError(msg)
        body["feedback"] = int(feedback)
    if score is not None:
        if not _is_number(score):
            msg = f"`score` must be a finite number (int or float), got {score!r}."
            raise ValueError(msg)
        body["score"] = score
    if metadata is not None:
        body["metadata"] = _check_metadata(metadata)
    if not body:
        msg = "Nothing to send: pass feedback=, score= and/or metadata=."
        raise ValueError(msg)
    return body


def _check_metadata(metadata: object) -> dict[str, str | int | float | bool]:
    if not isinstance(metadata, Mapping):
        msg = f"`metadata` must be a dict, got {type(metadata).__name__}."
        raise ValueError(msg)  # a value error from the caller's point of view
    if len(metadata) > MAX_METADATA_ENTRIES:
        msg = (
            f"`metadata` has {len(metadata)} entries; the gateway keeps at most "
            f"{MAX_METADATA_ENTRIES}. Fix: send at most {MAX_METADATA_ENTRIES} (combine or drop "
            "some)."
        )
        raise ValueError(msg)
    clean: dict[str, str | int | float | bool] = {}
    for key, value in metadata.items():
        if not isinstance(key, str) or not key:
            msg = f"`metadata` keys must be non-empty strings, got {key!r}."
            raise ValueError(msg)
        if not (isinstance(value, (str, bool)) or _is_number(value)):
            msg = (
                f"`metadata[{key!r}]` must be a str, bool or finite number (ints within 2**53), "
                f"got {type(value).__name__}. Fix: flatten it into such a value."
            )
            raise ValueError(msg)
        clean[key] = value
    return clean


def _checked_timeout(timeout: float | httpx2.Timeout) -> httpx2.Timeout:
    if isinstance(timeout, httpx2.Timeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        msg = f"`timeout` must be seconds > 0 or an httpx2.Timeout, got {timeout!r}."
        raise ValueError(msg)
    return httpx2.Timeout(float(timeout))


def _headers(settings: CloudflareAPISettings) -> dict[str, str]:
    return {
        "authorization": f"Bearer {settings.api_token.get_secret_value()}",
        "content-type": "application/json",
        "user-agent": f"langchain-cfgateway-grok/{__version__}",
    }


# -- answers ------------------------------------------------------------------------------------


def _result(response: httpx2.Response, settings: CloudflareAPISettings, what: str) -> Any:
    """The envelope's `result`, or the typed error (token masked in anything echoed)."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    ok = isinstance(payload, dict) and payload.get("success") is not False
    if response.is_success and ok and isinstance(payload, dict) and "result" in payload:
        return payload["result"]
    errors = payload.get("errors") if isinstance(payload, dict) else None
    items = [e for e in errors if isinstance(e, Mapping)] if isinstance(errors, list) else []
    status = response.status_code
    codes = {item.get("code") for item in items}
    cls: type[CloudflareAPIError] = CloudflareAPIError
    if status in (401, 403) or _AUTH_CODE in codes:
        cls = CloudflareAPIAuthenticationError
    elif status == 404:
        cls = LogNotFoundError
    if items:
        detail = "; ".join(f"{item.get('code')} {item.get('message')}" for item in items)
    elif payload is None:
        detail = f"non-JSON body {response.text[:120]!r}"
    else:
        detail = "no result in the answer"
    message = f"Cloudflare API error (HTTP {status}) on {what}: {detail}."
    if hint := _HINTS.get(cls):
        message = f"{message} {hint}"
    token = settings.api_token.get_secret_value()
    raise cls(message.replace(token, "***"), status_code=status, errors=items)


def _connection_error(exc: BaseException, what: str) -> CloudflareAPIConnectionError:
    kind = "timed out" if isinstance(exc, httpx2.TimeoutException) else "failed"
    return CloudflareAPIConnectionError(
        f"Cloudflare API call {kind} on {what} ({type(exc).__name__}). Fix: check "
        "cloudflare_api_url / CLOUDFLARE_API_URL and the network, or raise timeout=."
    )


def _what(method: str, url: str) -> str:
    return f"{method} {url.split('?', 1)[0]}"


# -- the calls -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Call:
    method: str
    url: str
    body: dict[str, Any] | None
    settings: CloudflareAPISettings
    timeout: httpx2.Timeout


def _feedback_call(
    log_id: str,
    *,
    feedback: float | None,
    score: float | None,
    metadata: Mapping[str, str | int | float | bool] | None,
    account_id: str | None,
    gateway_id: str | None,
    api_token: str | SecretStr | None,
    cloudflare_api_url: str | None,
    feedback_scale: FeedbackScale,
    timeout: float | httpx2.Timeout,
) -> _Call:
    body = feedback_body(
        feedback=feedback, score=score, metadata=metadata, feedback_scale=feedback_scale
    )
    settings = resolve_api_settings(
        account_id=account_id,
        gateway_id=gateway_id,
        api_token=api_token,
        cloudflare_api_url=cloudflare_api_url,
    )
    return _Call("PATCH", log_url(settings, log_id), body, settings, _checked_timeout(timeout))


def _log_call(
    log_id: str,
    *,
    account_id: str | None,
    gateway_id: str | None,
    api_token: str | SecretStr | None,
    cloudflare_api_url: str | None,
    timeout: float | httpx2.Timeout,
) -> _Call:
    settings = resolve_api_settings(
        account_id=account_id,
        gateway_id=gateway_id,
        api_token=api_token,
        cloudflare_api_url=cloudflare_api_url,
    )
    return _Call("GET", log_url(settings, log_id), None, settings, _checked_timeout(timeout))


def _run(call: _Call, http_client: httpx2.Client | None) -> Any:
    what = _what(call.method, call.url)
    content = None if call.body is None else json.dumps(call.body).encode()
    try:
        if http_client is not None:
            response = http_client.request(
                call.method,
                call.url,
                content=content,
                headers=_headers(call.settings),
                timeout=call.timeout,
                follow_redirects=False,
            )
        else:
            with httpx2.Client(timeout=call.timeout, follow_redirects=False) as client:
                response = client.request(
                    call.method, call.url, content=content, headers=_headers(call.settings)
                )
    except request_errors() as exc:
        raise _connection_error(exc, what) from None
    return _result(response, call.settings, what)


async def _arun(call: _Call, http_client: httpx2.AsyncClient | None) -> Any:
    what = _what(call.method, call.url)
    content = None if call.body is None else json.dumps(call.body).encode()
    try:
        if http_client is not None:
            response = await http_client.request(
                call.method,
                call.url,
                content=content,
                headers=_headers(call.settings),
                timeout=call.timeout,
                follow_redirects=False,
            )
        else:
            async with httpx2.AsyncClient(timeout=call.timeout, follow_redirects=False) as client:
                response = await client.request(
                    call.method, call.url, content=content, headers=_headers(call.settings)
                )
    except request_errors() as exc:
        raise _connection_error(exc, what) from None
    return _result(response, call.settings, what)


def send_feedback(
    log_id: str,
    *,
    feedback: float | None = None,
    score: float | None = None,
    metadata: Mapping[str, str | int | float | bool] | None = None,
    account_id: str | None = None,
    gateway_id: str | None = None,
    api_token: str | SecretStr | None = None,
    cloudflare_api_url: str | None = None,
    feedback_scale: FeedbackScale = "plus_minus_one",
    timeout: float | httpx2.Timeout = DEFAULT_TIMEOUT,
    http_client: httpx2.Client | None = None,
) -> Any:
    """Send feedback, a score and/or metadata for one log entry (`PATCH .../logs/{log_id}`).

    Args:
        log_id: The answer's `response_metadata["gateway"]["log_id"]`.
        feedback: 1 (positive) or the scale's negative value (-1, or 0 on `zero_one`).
        score: A finite number.
        metadata: At most 5 str/int/float/bool entries.
        account_id: Cloudflare account id (env `CLOUDFLARE_ACCOUNT_ID`).
        gateway_id: The gateway that served the call (env `CLOUDFLARE_GATEWAY_ID`).
        api_token: Cloudflare API token with AI Gateway Read and Edit (env
            `CLOUDFLARE_API_TOKEN`).
        cloudflare_api_url: API root (env `CLOUDFLARE_API_URL`, default
            `https://api.cloudflare.com/client/v4`).
        feedback_scale: `plus_minus_one` (default) or `zero_one` (Unconfirmed; see the module).
        timeout: Seconds (or an `httpx2.Timeout`) for the call.
        http_client: Your own client (used as given, never closed); default: one per call.

    Returns:
        The envelope's `result` (the updated log entry, as Cloudflare documents the PATCH).

    Raises:
        ValueError: A bad value or setting, before any request is sent.
        CloudflareAPIAuthenticationError: The token was refused (401/403, code 10000).
        LogNotFoundError: No such log entry in that gateway (404).
        CloudflareAPIError: Any other error answer.
        CloudflareAPIConnectionError: No answer (connection failure or timeout).
    """
    call = _feedback_call(
        log_id,
        feedback=feedback,
        score=score,
        metadata=metadata,
        account_id=account_id,
        gateway_id=gateway_id,
        api_token=api_token,
        cloudflare_api_url=cloudflare_api_url,
        feedback_scale=feedback_scale,
        timeout=timeout,
    )
    return _run(call, http_client)


async def asend_feedback(
    log_id: str,
    *,
    feedback: float | None = None,
    score: float | None = None,
    metadata: Mapping[str, str | int | float | bool] | None = None,
    account_id: str | None = None,
    gateway_id: str | None = None,
    api_token: str | SecretStr | None = None,
    cloudflare_api_url: str | None = None,
    feedback_scale: FeedbackScale = "plus_minus_one",
    timeout: float | httpx2.Timeout = DEFAULT_TIMEOUT,
    http_client: httpx2.AsyncClient | None = None,
) -> Any:
    """The async twin of `send_feedback`."""
    call = _feedback_call(
        log_id,
        feedback=feedback,
        score=score,
        metadata=metadata,
        account_id=account_id,
        gateway_id=gateway_id,
        api_token=api_token,
        cloudflare_api_url=cloudflare_api_url,
        feedback_scale=feedback_scale,
        timeout=timeout,
    )
    return await _arun(call, http_client)


def get_log(
    log_id: str,
    *,
    account_id: str | None = None,
    gateway_id: str | None = None,
    api_token: str | SecretStr | None = None,
    cloudflare_api_url: str | None = None,
    timeout: float | httpx2.Timeout = DEFAULT_TIMEOUT,
    http_client: httpx2.Client | None = None,
) -> Any:
    """Fetch one log entry (`GET .../logs/{log_id}`): model, tokens, cost, feedback, score ...

    Settings and errors as for `send_feedback` (the token needs AI Gateway Read).

    Returns:
        The log entry as the API returns it (a dict; `metadata` is a JSON string there).
    """
    call = _log_call(
        log_id,
        account_id=account_id,
        gateway_id=gateway_id,
        api_token=api_token,
        cloudflare_api_url=cloudflare_api_url,
        timeout=timeout,
    )
    return _run(call, http_client)


async def aget_log(
    log_id: str,
    *,
    account_id: str | None = None,
    gateway_id: str | None = None,
    api_token: str | SecretStr | None = None,
    cloudflare_api_url: str | None = None,
    timeout: float | httpx2.Timeout = DEFAULT_TIMEOUT,
    http_client: httpx2.AsyncClient | None = None,
) -> Any:
    """The async twin of `get_log`."""
    call = _log_call(
        log_id,
        account_id=account_id,
        gateway_id=gateway_id,
        api_token=api_token,
        cloudflare_api_url=cloudflare_api_url,
        timeout=timeout,
    )
    return await _arun(call, http_client)


# -- the callback handler -----------------------------------------------------------------------


def log_ids_of(result: LLMResult) -> list[str]:
    """The gateway log ids in a model run's result, in order, without repeats.

    Read from each generation's `message.response_metadata["gateway"]["log_id"]`, else its
    `generation_info["gateway"]["log_id"]`.
    """
    found: list[str] = []
    for generations in result.generations:
        for generation in generations:
            sources: list[Any] = [generation.generation_info or {}]
            if isinstance(generation, ChatGeneration):
                sources.insert(0, generation.message.response_metadata)
            for source in sources:
                gateway = source.get("gateway") if isinstance(source, Mapping) else None
                log_id = gateway.get("log_id") if isinstance(gateway, Mapping) else None
                if isinstance(log_id, str) and log_id and log_id not in found:
                    found.append(log_id)
                    break
    return found


class GatewayFeedbackHandler(BaseCallbackHandler):
    """Records the gateway log id of every chat model run, to send feedback by run id later.

    ```python
    handler = GatewayFeedbackHandler()  # settings from the environment, checked now
    chain.invoke(question, config={"callbacks": [handler], "run_id": run_id})
    handler.send(run_id, feedback=1, score=90)  # every model call under that run
    ```

    `send` takes the model run's id or the id of any run above it (a chain, an agent step):
    each log id recorded under that run gets the same feedback. A failed call is recorded too
    when its error carries a log id (every error of this package does, when an answer came).

    Args:
        account_id: Cloudflare account id (env `CLOUDFLARE_ACCOUNT_ID`).
        gateway_id: The gateway the model calls go through (env `CLOUDFLARE_GATEWAY_ID`).
        api_token: Cloudflare API token with AI Gateway Read and Edit (env
            `CLOUDFLARE_API_TOKEN`); kept as a `SecretStr`.
        cloudflare_api_url: API root (env `CLOUDFLARE_API_URL`).
        feedback_scale: `plus_minus_one` (default) or `zero_one` (Unconfirmed).
        timeout: Seconds for each API call.
        max_runs: Runs remembered; the oldest are forgotten beyond this.

    Raises:
        ValueError: A missing or malformed setting (at construction, not at `send`).
    """

    run_inline = True  # recording is a dict write: keep it ordered with the run's own events

    def __init__(
        self,
        *,
        account_id: str | None = None,
        gateway_id: str | None = None,
        api_token: str | SecretStr | None = None,
        cloudflare_api_url: str | None = None,
        feedback_scale: FeedbackScale = "plus_minus_one",
        timeout: float | httpx2.Timeout = DEFAULT_TIMEOUT,
        max_runs: int = 10_000,
    ) -> None:
        self.settings = resolve_api_settings(
            account_id=account_id,
            gateway_id=gateway_id,
            api_token=api_token,
            cloudflare_api_url=cloudflare_api_url,
        )
        feedback_body(feedback=1, feedback_scale=feedback_scale)  # checks the scale's name
        self.feedback_scale: FeedbackScale = feedback_scale
        self.timeout = _checked_timeout(timeout)
        if isinstance(max_runs, bool) or not isinstance(max_runs, int) or max_runs < 1:
            msg = f"`max_runs` must be an int >= 1, got {max_runs!r}."
            raise ValueError(msg)
        self._max_runs = max_runs
        self._lock = threading.Lock()
        self._log_ids: OrderedDict[UUID, list[str]] = OrderedDict()
        self._parents: OrderedDict[UUID, UUID] = OrderedDict()

    def __repr__(self) -> str:
        return f"GatewayFeedbackHandler({self.settings!r}, runs={len(self._log_ids)})"

    # recording --------------------------------------------------------------------------------

    def _parent(self, run_id: UUID, parent_run_id: UUID | None) -> None:
        if parent_run_id is None:
            return
        with self._lock:
            self._parents[run_id] = parent_run_id
            while len(self._parents) > self._max_runs * 4:
                self._parents.popitem(last=False)

    def _record(self, run_id: UUID, log_ids: Sequence[str]) -> None:
        if not log_ids:
            return
        with self._lock:
            known = self._log_ids.setdefault(run_id, [])
            known.extend(log_id for log_id in log_ids if log_id not in known)
            self._log_ids.move_to_end(run_id)
            while len(self._log_ids) > self._max_runs:
                self._log_ids.popitem(last=False)

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """Remember which run this chain runs under."""
        self._parent(run_id, parent_run_id)

    def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """Remember which run this model call runs under."""
        self._parent(run_id, parent_run_id)

    def on_llm_start(
        self,
        serialized: dict[str, Any] | None,
        prompts: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """Remember which run this model call runs under."""
        self._parent(run_id, parent_run_id)

    def on_tool_start(
        self,
        serialized: dict[str, Any] | None,
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """Remember which run this tool runs under (tools may call models)."""
        self._parent(run_id, parent_run_id)

    def on_llm_end(
        self,
        response: LLMResult,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """Record the log ids of a finished model call."""
        self._parent(run_id, parent_run_id)
        self._record(run_id, log_ids_of(response))

    def on_llm_error(
        self,
        error: BaseException,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        """Record the log id a failed call's error carries (`GatewayErrorInfo.log_id`)."""
        self._parent(run_id, parent_run_id)
        log_id = getattr(error, "log_id", None)
        if isinstance(log_id, str) and log_id:
            self._record(run_id, [log_id])

    # reading and sending ----------------------------------------------------------------------

    def log_ids(self, run_id: UUID | str) -> list[str]:
        """Log ids recorded for `run_id` itself and for every run under it, oldest first."""
        target = UUID(str(run_id))
        with self._lock:
            found: list[str] = []
            for run, ids in self._log_ids.items():
                if run == target or target in self._ancestors(run):
                    found.extend(log_id for log_id in ids if log_id not in found)
            return found

    def _ancestors(self, run_id: UUID) -> list[UUID]:
        chain: list[UUID] = []
        current = self._parents.get(run_id)
        while current is not None and current not in chain:
            chain.append(current)
            current = self._parents.get(current)
        return chain

    def _targets(self, run_id: UUID | str) -> list[str]:
        ids = self.log_ids(run_id)
        if not ids:
            msg = (
                f"No gateway log id recorded for run {run_id}. The handler must be among the "
                "run's callbacks, and each answer must carry response_metadata['gateway']"
                "['log_id'] (a gateway answer always does; collect_log=False leaves no log)."
            )
            raise LookupError(msg)
        return ids

    def send(
        self,
        run_id: UUID | str,
        *,
        feedback: float | None = None,
        score: float | None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
    ) -> list[Any]:
        """Send the same feedback for every log recorded under `run_id`.

        Returns:
            The API's result per log entry, in recording order.

        Raises:
            LookupError: Nothing recorded under `run_id`.
            ValueError: A bad feedback value (before anything is sent).
            CloudflareAPIError: As `send_feedback`.
        """
        body = feedback_body(
            feedback=feedback,
            score=score,
            metadata=metadata,
            feedback_scale=self.feedback_scale,
        )
        return [
            _run(
                _Call("PATCH", log_url(self.settings, log_id), body, self.settings, self.timeout),
                None,
            )
            for log_id in self._targets(run_id)
        ]

    async def asend(
        self,
        run_id: UUID | str,
        *,
        feedback: float | None = None,
        score: float | None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
    ) -> list[Any]:
        """The async twin of `send`."""
        body = feedback_body(
            feedback=feedback,
            score=score,
            metadata=metadata,
            feedback_scale=self.feedback_scale,
        )
        results = []
        for log_id in self._targets(run_id):
            call = _Call("PATCH", log_url(self.settings, log_id), body, self.settings, self.timeout)
            results.append(await _arun(call, None))
        return results
