"""Response caching (gateway-protocol.md §5, §2 cache headers): key, decision, in-memory store.

Default key: SHA-256 of provider + endpoint + model + provider auth header + full body (exact
matches only); `cf-aig-cache-key` replaces it. Caching is opt-in: by the gateway's `cache_ttl` or
by a `cf-aig-cache-key`. TTL: `cf-aig-cache-ttl`, else the gateway's, else 300 s; 60 s to one
month.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from langchain_cfgateway_grok.emulator._controls import (
    CACHE_TTL_MAX,
    CACHE_TTL_MIN,
    RequestControls,
)

#: TTL when a `cf-aig-cache-key` opts a request in and no TTL is given anywhere (§2: "else 5 min").
DEFAULT_KEYED_TTL = 300

TtlOutOfRange = Literal["clamp", "reject", "ignore"]


def default_cache_key(
    *, provider: str, endpoint: str, model: str, auth_header: str, body: bytes
) -> str:
    """SHA-256 hex of provider, endpoint, model, provider auth header and body, NUL-separated."""
    digest = hashlib.sha256()
    for part in (provider, endpoint, model, auth_header):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    digest.update(body)
    return digest.hexdigest()


@dataclass(frozen=True)
class CacheDecision:
    """What the gateway does with the cache for one request."""

    read: bool
    """Look the key up (False when skipped or not opted in)."""
    write: bool
    """Store a successful answer."""
    ttl: int | None
    """Seconds a stored answer lives."""
    skipped: bool = False
    """`cf-aig-skip-cache: true` was sent on a request that would otherwise use the cache."""
    rejected_ttl: int | None = None
    """Set when `cache_ttl_out_of_range="reject"` refuses the header value."""


def clamp_ttl(value: int) -> int:
    """Clamp a TTL into the documented 60 s .. one month range."""
    return max(CACHE_TTL_MIN, min(CACHE_TTL_MAX, value))


def decide(
    controls: RequestControls,
    *,
    gateway_ttl: int,
    is_stream: bool,
    cache_streams: bool,
    ttl_header_opts_in: bool,
    ttl_out_of_range: TtlOutOfRange,
) -> CacheDecision:
    """Decide read/write/TTL for a request (pure).

    Args:
        controls: The request's parsed headers.
        gateway_ttl: The gateway's `cache_ttl` setting in seconds; 0 = caching off.
        is_stream: The body asks for `stream: true`.
        cache_streams: Switch: cache and replay streamed answers (Unconfirmed; default off).
        ttl_header_opts_in: Switch: `cf-aig-cache-ttl` alone opts in (older docs; default off).
        ttl_out_of_range: What a header TTL outside 60..2592000 does: `clamp` it (default),
            `reject` the request with a gateway error, or `ignore` the header.
    """
    header_ttl = controls.cache_ttl
    rejected: int | None = None
    if (
        header_ttl is not None
        and header_ttl != 0
        and not CACHE_TTL_MIN <= header_ttl <= CACHE_TTL_MAX
    ):
        if ttl_out_of_range == "clamp":
            header_ttl = clamp_ttl(header_ttl)
        elif ttl_out_of_range == "reject":
            rejected = header_ttl
        else:
            header_ttl = None
    opted_in = (
        gateway_ttl > 0
        or controls.cache_key is not None
        or (ttl_header_opts_in and header_ttl is not None and header_ttl > 0)
    )
    if rejected is not None and opted_in:
        return CacheDecision(read=False, write=False, ttl=None, rejected_ttl=rejected)
    if controls.skip_cache:
        return CacheDecision(read=False, write=False, ttl=None, skipped=True)
    # An explicit TTL of 0 keeps the request out of the cache (the Universal example's "0").
    if not opted_in or (is_stream and not cache_streams) or header_ttl == 0:
        return CacheDecision(read=False, write=False, ttl=None)
    ttl = header_ttl if header_ttl is not None else gateway_ttl or DEFAULT_KEYED_TTL
    return CacheDecision(read=True, write=True, ttl=ttl)


@dataclass(frozen=True)
class CachedAnswer:
    """A stored successful answer: replayed byte for byte on a HIT."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes | None = None
    chunks: tuple[bytes, ...] | None = None
    model: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None


class CacheStore:
    """Entries by (gateway scope, key), each with an expiry on the emulator clock; thread-safe."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[float, CachedAnswer]] = {}
        self._lock = threading.Lock()

    def get(self, scope: str, key: str, now: float) -> CachedAnswer | None:
        """The live entry for `key`, dropping it if expired at `now`."""
        with self._lock:
            found = self._entries.get((scope, key))
            if found is None:
                return None
            expires_at, answer = found
            if now >= expires_at:
                del self._entries[(scope, key)]
                return None
            return answer

    def put(self, scope: str, key: str, answer: CachedAnswer, *, now: float, ttl: float) -> None:
        """Store `answer` until `now + ttl`."""
        with self._lock:
            self._entries[(scope, key)] = (now + ttl, answer)

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()

    def keys(self) -> Sequence[tuple[str, str]]:
        """(scope, key) pairs currently stored, expired or not."""
        with self._lock:
            return list(self._entries)
