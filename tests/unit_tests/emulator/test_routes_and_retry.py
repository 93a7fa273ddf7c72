"""Route matching (gateway-protocol.md §1, §7.1) and retry backoff (§2, §5), table-tested."""

from __future__ import annotations

import pytest

from langchain_cfgateway_grok.emulator._retry import backoff_delay_ms, retry_schedule_ms
from langchain_cfgateway_grok.emulator._routes import match_route, split_compat_model


@pytest.mark.parametrize(
    ("path", "kind", "endpoint"),
    [
        ("/v1/a/g/grok/v1/chat/completions", "grok_chat", "v1/chat/completions"),
        ("/v1/a/g/grok/chat/completions", "grok_chat", "chat/completions"),
        ("/v1/a/g/compat/chat/completions", "compat_chat", "chat/completions"),
        ("/v1/a/g/grok/v1/messages", "grok_retired", "v1/messages"),
        ("/v1/a/g/grok/v1/complete", "grok_retired", "v1/complete"),
        ("/v1/a/g/grok/v1/v1/chat/completions", "grok_other", "v1/v1/chat/completions"),
        ("/v1/a/g/grok/v1/models", "grok_other", "v1/models"),
        ("/v1/a/g/openai/chat/completions", "other_provider", "chat/completions"),
        ("/v1/a/g/xai/v1/chat/completions", "invalid_provider", "v1/chat/completions"),
        ("/v1/a/g/compat/embeddings", "not_found", "embeddings"),
        ("/v1/a/g", "universal", ""),
        ("/v1/a/g/", "universal", ""),
        ("/v1/a", "not_found", ""),
        ("/v1/a//grok/v1/chat/completions", "not_found", ""),
        ("/v2/a/g/grok/v1/chat/completions", "not_found", ""),
        ("/", "not_found", ""),
    ],
)
def test_match_route(path: str, kind: str, endpoint: str) -> None:
    route = match_route(path)
    assert route.kind == kind
    assert route.endpoint == endpoint


def test_unversioned_grok_path_switch() -> None:
    route = match_route("/v1/a/g/grok/chat/completions", accept_unversioned_grok_path=False)
    assert route.kind == "grok_other"


def test_route_captures_ids() -> None:
    route = match_route("/v1/my-acct/my-gw/grok/v1/chat/completions")
    assert (route.account, route.gateway, route.provider) == ("my-acct", "my-gw", "grok")


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("grok/grok-4.3", ("grok", "grok-4.3")),
        ("dynamic/support", ("dynamic", "support")),
        ("xai/grok-4.5", ("xai", "grok-4.5")),
        ("grok-4.3", ("bare", "grok-4.3")),
        ("anthropic/claude", ("other_provider", "claude")),
        ("nope/x", ("invalid_provider", "x")),
    ],
)
def test_split_compat_model(model: str, expected: tuple[str, str]) -> None:
    assert split_compat_model(model) == expected


@pytest.mark.parametrize(
    ("base", "backoff", "attempts", "schedule"),
    [
        (100, "constant", 4, [0, 100, 100, 100]),
        (100, "linear", 4, [0, 100, 200, 300]),
        (100, "exponential", 5, [0, 100, 200, 400, 800]),
        (5000, "exponential", 2, [0, 5000]),
        (250, "constant", 1, [0]),
    ],
)
def test_retry_schedule(base: int, backoff: str, attempts: int, schedule: list[int]) -> None:
    assert retry_schedule_ms(base, backoff, attempts) == schedule  # type: ignore[arg-type]


def test_backoff_counts_retries_from_one() -> None:
    with pytest.raises(ValueError, match="counts from 1"):
        backoff_delay_ms(100, "constant", 0)
