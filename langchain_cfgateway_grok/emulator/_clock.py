"""Injectable clocks: gateway retry delays and cache TTLs run on these, so tests take no real time.

The emulator asks its clock for the time (`now()`, epoch seconds) and waits on it
(`await sleep(s)`). `FakeClock` never waits: `sleep` advances the time at once. `RealClock` waits
for real but can still be moved forward with `advance()`, so TTL tests work either way. HTTP-level
stalls that must hold a real socket (a late first byte, a stream that pauses) do not use the clock:
see `Fault`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """What the emulator needs from a clock."""

    def now(self) -> float:
        """Current time in epoch seconds."""
        ...

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds` without waiting."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` on this clock (instantly for a fake clock)."""
        ...


def _check_seconds(seconds: float) -> float:
    value = float(seconds)
    if not value >= 0:  # also refuses NaN, which fails every comparison
        msg = f"`seconds` must be a number >= 0; got {seconds!r}."
        raise ValueError(msg)
    return value


class FakeClock:
    """A clock that only moves when told to; `sleep` advances it instantly.

    Args:
        start: Initial epoch seconds. Defaults to the real time at construction, rounded down to a
            whole second, so `created` fields look plausible.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = float(int(time.time())) if start is None else float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        """Current fake time in epoch seconds."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the fake time forward by `seconds` (>= 0)."""
        step = _check_seconds(seconds)
        with self._lock:
            self._now += step

    async def sleep(self, seconds: float) -> None:
        """Advance by `seconds` and yield to the event loop once; never waits for real."""
        self.advance(seconds)
        await asyncio.sleep(0)

    def __repr__(self) -> str:
        return f"FakeClock(now={self.now()!r})"


class RealClock:
    """Wall-clock time that really waits; `advance()` adds an offset (for TTL tests)."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Real epoch seconds plus any offset added by `advance()`."""
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Jump forward by `seconds` without waiting."""
        step = _check_seconds(seconds)
        with self._lock:
            self._offset += step

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of real time."""
        await asyncio.sleep(_check_seconds(seconds))

    def __repr__(self) -> str:
        return "RealClock()"
