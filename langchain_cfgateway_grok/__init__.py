"""LangChain chat model for xAI Grok through Cloudflare AI Gateway.

Names are loaded on first use (PEP 562), so `import langchain_cfgateway_grok.emulator` (the
offline gateway emulator) never pulls in the client stack, and the client never pulls in the
emulator.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from langchain_cfgateway_grok._version import __version__

if TYPE_CHECKING:
    from langchain_cfgateway_grok._errors import (
        CloudflareGrokAPIStatusError,
        CloudflareGrokAuthenticationError,
        CloudflareGrokConflictError,
        CloudflareGrokConnectionError,
        CloudflareGrokContextOverflowError,
        CloudflareGrokInvalidRequestError,
        CloudflareGrokNotFoundError,
        CloudflareGrokPermissionDeniedError,
        CloudflareGrokRateLimitError,
        CloudflareGrokResponseError,
        CloudflareGrokServerError,
        CloudflareGrokStreamError,
        CloudflareGrokTimeoutError,
        CloudflareGrokUnprocessableEntityError,
        DlpBlockedError,
        GatewayErrorInfo,
        GatewayInvalidProviderError,
        GatewayNotFoundError,
        GatewayOutOfCreditsError,
        GatewayRateLimitError,
        GatewaySpendLimitError,
        GatewayUnauthorizedError,
        GuardrailsBlockedError,
        IncompleteStreamError,
        InvalidAPIKeyError,
        MalformedStreamError,
        MidStreamError,
        UnknownStoredKeyError,
    )
    from langchain_cfgateway_grok._fallbacks import FallbackStep
    from langchain_cfgateway_grok._options import CustomCost, GatewayOptions
    from langchain_cfgateway_grok.chat_models import ChatCloudflareGrok

_LAZY: dict[str, str] = {
    "ChatCloudflareGrok": "langchain_cfgateway_grok.chat_models",
    "CustomCost": "langchain_cfgateway_grok._options",
    "GatewayOptions": "langchain_cfgateway_grok._options",
    "FallbackStep": "langchain_cfgateway_grok._fallbacks",
    **dict.fromkeys(
        (
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
        ),
        "langchain_cfgateway_grok._errors",
    ),
}

__all__ = [
    "ChatCloudflareGrok",
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
    "CustomCost",
    "DlpBlockedError",
    "FallbackStep",
    "GatewayErrorInfo",
    "GatewayInvalidProviderError",
    "GatewayNotFoundError",
    "GatewayOptions",
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
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'langchain_cfgateway_grok' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
