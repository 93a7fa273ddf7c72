"""Log, request and event ids as the gateway issues them: lower-case UUIDv7 (since 2026-10-08)."""

from __future__ import annotations

import secrets
import uuid


def uuid7(epoch_seconds: float, rand: int | None = None) -> str:
    """A lower-case RFC 9562 UUIDv7 string for the given time.

    Args:
        epoch_seconds: Time to embed (milliseconds precision), from the emulator's clock.
        rand: 74 random bits; drawn from `secrets` when omitted (tests pass a fixed value).

    Returns:
        The canonical 36-character form, e.g. `0190f5a0-5c3e-7b1d-8a2f-3c4d5e6f7a8b`.
    """
    millis = int(epoch_seconds * 1000) & ((1 << 48) - 1)
    bits = secrets.randbits(74) if rand is None else rand & ((1 << 74) - 1)
    rand_a = bits >> 62  # 12 bits
    rand_b = bits & ((1 << 62) - 1)  # 62 bits
    value = (millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return str(uuid.UUID(int=value))
