"""Pytest fixtures for the gateway emulator; enable them explicitly (there is no entry point).

```python
# conftest.py
pytest_plugins = ["langchain_cfgateway_grok.emulator.pytest_plugin"]


def test_hello(cfgateway_emulator):
    url = cfgateway_emulator.url  # http://127.0.0.1:PORT/v1
```

`cfgateway_emulator` is function-scoped: each test gets fresh state (requests, logs, scripts,
faults, cache, config) on a server started once per session. Its clock is a `FakeClock`; advance
it with `cfgateway_emulator.clock.advance(seconds)`. Change a gateway for one test with
`cfgateway_emulator.set_gateway("gw", GatewayConfig(...))`; the next test starts from the defaults.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from langchain_cfgateway_grok.emulator._emulator import GatewayEmulator


@pytest.fixture(scope="session")
def cfgateway_emulator_session() -> Iterator[GatewayEmulator]:
    """One emulator (default config, fake clock) for the whole session; state is shared."""
    with GatewayEmulator() as emulator:
        yield emulator


@pytest.fixture
def cfgateway_emulator(cfgateway_emulator_session: GatewayEmulator) -> Iterator[GatewayEmulator]:
    """The session's emulator, reset before and after the test."""
    cfgateway_emulator_session.reset()
    yield cfgateway_emulator_session
    cfgateway_emulator_session.reset()
