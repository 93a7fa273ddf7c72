"""Gateway upstream retries (gateway-protocol.md §2 `cf-aig-max-attempts`, §5 "Retries"); pure.

`max_attempts` counts every upstream call, the first included (1..5). Before retry `n` (1-based)
the gateway waits `delay`, `delay * n` or `delay * 2**(n - 1)` ms for constant, linear or
exponential backoff. The exact growth of linear and exponential backoff is Unconfirmed; this is the
usual meaning.
"""

from __future__ import annotations

from langchain_cfgateway_grok.emulator._controls import Backoff


def backoff_delay_ms(base_ms: int, backoff: Backoff, retry: int) -> int:
    """Milliseconds to wait before retry number `retry` (1 = the second attempt)."""
    if retry < 1:
        msg = f"`retry` counts from 1; got {retry}."
        raise ValueError(msg)
    if backoff == "linear":
        return base_ms * retry
    if backoff == "exponential":
        return base_ms * (1 << (retry - 1))
    return base_ms


def retry_schedule_ms(base_ms: int, backoff: Backoff, max_attempts: int) -> list[int]:
    """Waits before each attempt, the first 0: (100, exponential, 4) -> [0, 100, 200, 400]."""
    return [0] + [backoff_delay_ms(base_ms, backoff, n) for n in range(1, max_attempts)]
