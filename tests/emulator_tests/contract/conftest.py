"""Contract tests for the gateway emulator: raw HTTP (httpx2, curl), never our client.

The fixtures come from the opt-in plugin module, imported here rather than enabled through
`pytest_plugins` (which pytest only honours in the root conftest).
"""

from langchain_cfgateway_grok.emulator.pytest_plugin import (  # noqa: F401
    cfgateway_emulator,
    cfgateway_emulator_session,
)
