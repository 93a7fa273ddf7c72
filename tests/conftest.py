"""Suite-wide test setup: no credentials from the developer's shell, no network but loopback."""

from __future__ import annotations

import pytest
import pytest_socket

# The emulator's fixtures (`cfgateway_emulator`), enabled explicitly as users do.
pytest_plugins = ["langchain_cfgateway_grok.emulator.pytest_plugin"]

#: Every environment variable the package (or a peer it could fall back to) reads.
CREDENTIAL_ENV_VARS = (
    "XAI_API_KEY",
    "XAI_API_BASE",
    "CLOUDFLARE_ACCOUNT_ID",
    "CF_ACCOUNT_ID",
    "CLOUDFLARE_GATEWAY_ID",
    "CLOUDFLARE_AI_GATEWAY_TOKEN",
    "CLOUDFLARE_AI_GATEWAY_URL",
    "CLOUDFLARE_API_TOKEN",
    "CLOUDFLARE_API_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_BASE",
    "OPENAI_ORG_ID",
    "OPENAI_PROXY",
    "LANGSMITH_GATEWAY",
    "LANGSMITH_API_KEY",
    "LANGSMITH_TRACING",
    "LANGCHAIN_TRACING_V2",
    "LANGCHAIN_API_KEY",
    "LC_OUTPUT_VERSION",
)


def pytest_configure(config: pytest.Config) -> None:
    # Loopback only, for every test: nothing in this suite may reach the internet.
    pytest_socket.socket_allow_hosts(["127.0.0.1", "::1", "localhost"], allow_unix_socket=True)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIAL_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
