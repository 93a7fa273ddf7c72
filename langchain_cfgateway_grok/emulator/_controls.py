"""Read the `cf-aig-*` request headers (gateway-protocol.md §2) into one typed value; pure.

The emulator is lenient: a header it cannot read is ignored rather than rejected (e.g.
`cf-aig-max-attempts: lots`), and an out-of-range number is clamped. What it ignored or clamped is
listed in `RequestControls.ignored` and in the log entry, so a test can see why a header had no
effect. (What the real gateway does with such values is not documented.)
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Backoff = Literal["constant", "linear", "exponential"]
MetadataValue = str | int | float | bool

#: Documented limits (§2, §5).
METADATA_MAX_ENTRIES = 5
MAX_ATTEMPTS_LIMIT = 5
RETRY_DELAY_MAX_MS = 5000
CACHE_TTL_MIN = 60
CACHE_TTL_MAX = 2_592_000  # one month (30 days)
CUSTOM_COST_KEYS = (
    "per_token_in",
    "per_token_out",
    "per_cache_read_token",
    "per_cache_write_token",
)


@dataclass(frozen=True)
class RequestControls:
    """Everything a request asks of the gateway through headers."""

    gateway_authorization: str | None = None
    provider_authorization: str | None = None
    byok_alias: str | None = None
    no_wholesale: bool = False
    zdr: bool | None = None
    cache_ttl: int | None = None
    """Raw `cf-aig-cache-ttl` (or `cf-cache-ttl`) in seconds, not yet clamped."""
    skip_cache: bool = False
    cache_key: str | None = None
    metadata: dict[str, MetadataValue] = field(default_factory=dict)
    """The first five flat entries of `cf-aig-metadata`; the rest are dropped silently."""
    metadata_dropped: tuple[str, ...] = ()
    custom_cost: dict[str, float] | None = None
    request_timeout_ms: int | None = None
    max_attempts: int | None = None
    """Clamped to 1..5."""
    retry_delay_ms: int | None = None
    """Clamped to 0..5000."""
    backoff: Backoff | None = None
    collect_log: bool | None = None
    collect_log_payload: bool | None = None
    event_id: str | None = None
    ignored: tuple[str, ...] = ()
    """Headers present but unreadable, as `name: reason`."""


def _bool(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    return None


def _int(value: str) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return None


def parse_metadata(raw: str) -> tuple[dict[str, MetadataValue], tuple[str, ...]] | None:
    """The first five flat entries of a `cf-aig-metadata` JSON object, and the dropped keys.

    Entries whose value is not a string, number or boolean are dropped first ("no objects");
    of the rest the first five in header order are kept (§2: "only the first five will be saved").
    Returns None when the header is not a JSON object.
    """
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    kept: dict[str, MetadataValue] = {}
    dropped: list[str] = []
    for key, value in parsed.items():
        flat = isinstance(value, str | bool | int) or (
            isinstance(value, float) and math.isfinite(value)
        )
        if flat and len(kept) < METADATA_MAX_ENTRIES:
            kept[key] = value
        else:
            dropped.append(key)
    return kept, tuple(dropped)


def parse_custom_cost(raw: str) -> dict[str, float] | None:
    """`cf-aig-custom-cost` as floats; None unless a JSON object with at least one known key."""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    cost: dict[str, float] = {}
    for key in CUSTOM_COST_KEYS:
        value = parsed.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            cost[key] = float(value)
    return cost or None


def parse_controls(headers: Mapping[str, str]) -> RequestControls:
    """Read every `cf-aig-*` header (names lower-case) into `RequestControls`.

    Deprecated aliases `cf-cache-ttl` and `cf-skip-cache` are honoured when the current name is
    absent.
    """
    ignored: list[str] = []

    def flag(name: str) -> bool | None:
        if name not in headers:
            return None
        value = _bool(headers[name])
        if value is None:
            ignored.append(f"{name}: not true/false")
        return value

    def integer(name: str, low: int, high: int | None = None) -> int | None:
        if name not in headers:
            return None
        value = _int(headers[name])
        if value is None:
            ignored.append(f"{name}: not an integer")
            return None
        if value < low or (high is not None and value > high):
            clamped = max(low, value if high is None else min(high, value))
            ignored.append(f"{name}: {value} clamped to {clamped}")
            return clamped
        return value

    ttl_name = "cf-aig-cache-ttl" if "cf-aig-cache-ttl" in headers else "cf-cache-ttl"
    cache_ttl: int | None = None
    if ttl_name in headers:
        cache_ttl = _int(headers[ttl_name])
        if cache_ttl is None:
            ignored.append(f"{ttl_name}: not an integer")
    skip_name = "cf-aig-skip-cache" if "cf-aig-skip-cache" in headers else "cf-skip-cache"

    metadata: dict[str, MetadataValue] = {}
    dropped: tuple[str, ...] = ()
    if "cf-aig-metadata" in headers:
        parsed_metadata = parse_metadata(headers["cf-aig-metadata"])
        if parsed_metadata is None:
            ignored.append("cf-aig-metadata: not a JSON object")
        else:
            metadata, dropped = parsed_metadata

    custom_cost = None
    if "cf-aig-custom-cost" in headers:
        custom_cost = parse_custom_cost(headers["cf-aig-custom-cost"])
        if custom_cost is None:
            ignored.append("cf-aig-custom-cost: no known non-negative price")

    backoff: Backoff | None = None
    if "cf-aig-backoff" in headers:
        raw_backoff = headers["cf-aig-backoff"].strip().lower()
        if raw_backoff == "constant":
            backoff = "constant"
        elif raw_backoff == "linear":
            backoff = "linear"
        elif raw_backoff == "exponential":
            backoff = "exponential"
        else:
            ignored.append("cf-aig-backoff: not constant/linear/exponential")

    timeout = integer("cf-aig-request-timeout", 0)
    attempts = integer("cf-aig-max-attempts", 1, MAX_ATTEMPTS_LIMIT)
    delay = integer("cf-aig-retry-delay", 0, RETRY_DELAY_MAX_MS)
    return RequestControls(
        gateway_authorization=headers.get("cf-aig-authorization"),
        provider_authorization=headers.get("authorization"),
        byok_alias=headers.get("cf-aig-byok-alias"),
        no_wholesale=flag("cf-aig-no-wholesale") is True,
        zdr=flag("cf-aig-zdr"),
        cache_ttl=cache_ttl,
        skip_cache=flag(skip_name) is True,
        cache_key=headers.get("cf-aig-cache-key"),
        metadata=metadata,
        metadata_dropped=dropped,
        custom_cost=custom_cost,
        request_timeout_ms=timeout,
        max_attempts=attempts,
        retry_delay_ms=delay,
        backoff=backoff,
        collect_log=flag("cf-aig-collect-log"),
        collect_log_payload=flag("cf-aig-collect-log-payload"),
        event_id=headers.get("cf-aig-event-id"),
        ignored=tuple(ignored),
    )
