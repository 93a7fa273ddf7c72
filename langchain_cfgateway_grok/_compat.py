"""httpx2 vs legacy httpx: which exception types mean "timed out" or "could not talk to the server".

`openai>=3` runs on `httpx2`, but users may still hand us a legacy `httpx` client (the SDK accepts
both). These helpers mirror the SDK's `openai._httpx2.timeout_exceptions()` and
`request_exceptions()` so our retry loop classifies exactly the errors the SDK's does.
"""

from __future__ import annotations

import ssl
import sys

import anyio
import httpx2

__all__ = ["is_legacy_httpx_client", "request_errors", "timeout_errors"]


def _legacy_httpx() -> object | None:
    # Only consult httpx if something already imported it: importing it ourselves costs time.
    return sys.modules.get("httpx")


def timeout_errors() -> tuple[type[BaseException], ...]:
    """Exception types raised when a connect, read, write or pool timeout expires."""
    legacy = _legacy_httpx()
    if legacy is None:
        return (httpx2.TimeoutException,)
    return (httpx2.TimeoutException, legacy.TimeoutException)  # type: ignore[attr-defined]


def request_errors() -> tuple[type[BaseException], ...]:
    """Exception types meaning the exchange failed below HTTP (connect, reset, truncation, TLS).

    Like the SDK, TLS failures that AnyIO does not map (`ssl.SSLError`, `anyio.EndOfStream`) count
    as connection errors too.
    """
    errors: tuple[type[BaseException], ...] = (httpx2.RequestError, ssl.SSLError, anyio.EndOfStream)
    legacy = _legacy_httpx()
    if legacy is None:
        return errors
    return (*errors, legacy.RequestError)  # type: ignore[attr-defined]


def is_legacy_httpx_client(client: object) -> bool:
    """Whether `client` is a legacy `httpx.Client`/`httpx.AsyncClient` rather than an httpx2 one."""
    legacy = _legacy_httpx()
    return legacy is not None and isinstance(
        client,
        (legacy.Client, legacy.AsyncClient),  # type: ignore[attr-defined]
    )
