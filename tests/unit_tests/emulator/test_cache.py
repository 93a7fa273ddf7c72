"""Cache decisions and keys (gateway-protocol.md §5 "Caching", §2 cache headers), table-tested."""

from __future__ import annotations

import pytest

from langchain_cfgateway_grok.emulator._cache import (
    CachedAnswer,
    CacheDecision,
    CacheStore,
    decide,
    default_cache_key,
)
from langchain_cfgateway_grok.emulator._controls import parse_controls


def _decide(
    headers: dict[str, str],
    *,
    gateway_ttl: int = 0,
    stream: bool = False,
    cache_streams: bool = False,
    ttl_opts_in: bool = False,
    out_of_range: str = "clamp",
) -> CacheDecision:
    return decide(
        parse_controls(headers),
        gateway_ttl=gateway_ttl,
        is_stream=stream,
        cache_streams=cache_streams,
        ttl_header_opts_in=ttl_opts_in,
        ttl_out_of_range=out_of_range,  # type: ignore[arg-type]
    )


OFF = CacheDecision(read=False, write=False, ttl=None)


@pytest.mark.parametrize(
    ("headers", "kwargs", "expected"),
    [
        ({}, {}, OFF),  # caching off by default
        ({}, {"gateway_ttl": 600}, CacheDecision(True, True, 600)),
        ({"cf-aig-cache-key": "k"}, {}, CacheDecision(True, True, 300)),  # 5 min default
        ({"cf-aig-cache-key": "k", "cf-aig-cache-ttl": "120"}, {}, CacheDecision(True, True, 120)),
        ({"cf-aig-cache-ttl": "120"}, {"gateway_ttl": 600}, CacheDecision(True, True, 120)),
        ({"cf-aig-cache-ttl": "120"}, {}, OFF),  # the TTL alone does not opt in ...
        ({"cf-aig-cache-ttl": "120"}, {"ttl_opts_in": True}, CacheDecision(True, True, 120)),
        ({"cf-aig-cache-ttl": "1"}, {"gateway_ttl": 600}, CacheDecision(True, True, 60)),
        (
            {"cf-aig-cache-ttl": "9999999"},
            {"gateway_ttl": 600},
            CacheDecision(True, True, 2_592_000),
        ),
        (
            {"cf-aig-cache-ttl": "1"},
            {"gateway_ttl": 600, "out_of_range": "reject"},
            CacheDecision(False, False, None, rejected_ttl=1),
        ),
        (
            {"cf-aig-cache-ttl": "1"},
            {"gateway_ttl": 600, "out_of_range": "ignore"},
            CacheDecision(True, True, 600),
        ),
        ({"cf-aig-cache-ttl": "0"}, {"gateway_ttl": 600}, OFF),  # an explicit 0: not cached
        (
            {"cf-aig-skip-cache": "true"},
            {"gateway_ttl": 600},
            CacheDecision(False, False, None, skipped=True),
        ),
        ({}, {"gateway_ttl": 600, "stream": True}, OFF),  # streams are not cached ...
        (
            {},
            {"gateway_ttl": 600, "stream": True, "cache_streams": True},
            CacheDecision(True, True, 600),
        ),
    ],
)
def test_decide(
    headers: dict[str, str], kwargs: dict[str, object], expected: CacheDecision
) -> None:
    assert _decide(headers, **kwargs) == expected  # type: ignore[arg-type]


def test_default_key_depends_on_every_part() -> None:
    """§5: SHA-256 of provider + endpoint + model + provider auth header + full body."""
    base = {
        "provider": "grok",
        "endpoint": "v1/chat/completions",
        "model": "grok-4.3",
        "auth_header": "Bearer k",
        "body": b'{"a":1}',
    }
    key = default_cache_key(**base)  # type: ignore[arg-type]
    assert len(key) == 64
    assert key == default_cache_key(**base)  # type: ignore[arg-type]
    for field, other in [
        ("provider", "openai"),
        ("endpoint", "chat/completions"),
        ("model", "grok-4.5"),
        ("auth_header", "Bearer j"),
        ("body", b'{"a": 1}'),
    ]:
        assert default_cache_key(**{**base, field: other}) != key, field  # type: ignore[arg-type]


def test_store_expires_on_the_given_clock() -> None:
    store = CacheStore()
    answer = CachedAnswer(status=200, headers=(), body=b"{}")
    store.put("acct/gw", "k", answer, now=1000.0, ttl=60)
    assert store.get("acct/gw", "k", 1059.9) is answer
    assert store.get("acct/other", "k", 1000.0) is None  # per gateway
    assert store.get("acct/gw", "k", 1060.0) is None
    assert store.keys() == []
