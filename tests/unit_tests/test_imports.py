"""The public API: what `langchain_cfgateway_grok` exports, and that it imports lazily."""

from __future__ import annotations

import subprocess
import sys

import langchain_cfgateway_grok

EXPECTED_ALL = [
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


def test_all_is_exactly_the_public_api() -> None:
    assert sorted(langchain_cfgateway_grok.__all__) == sorted(EXPECTED_ALL)
    for name in EXPECTED_ALL:
        assert getattr(langchain_cfgateway_grok, name) is not None


def test_import_is_lazy_and_never_pulls_the_emulator() -> None:
    code = (
        "import sys, langchain_cfgateway_grok as p;"
        "assert 'langchain_cfgateway_grok.chat_models' not in sys.modules;"
        "p.ChatCloudflareGrok;"
        "bad = [m for m in sys.modules if m.startswith(('langchain_cfgateway_grok.emulator',"
        " 'uvicorn', 'starlette'))];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
