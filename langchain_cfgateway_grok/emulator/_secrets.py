"""Which request headers are secret, and the fingerprint that stands in for them in recordings."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

#: Headers whose values never leave the emulator in clear: provider keys, gateway tokens, cookies.
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "cf-aig-authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "cookie",
    }
)


def fingerprint(value: str) -> str:
    """Stand-in for a secret: `sha256:` plus the first 12 hex digits of the SHA-256 of `value`.

    The fingerprint covers the whole header value as sent, so compare with e.g.
    `fingerprint("Bearer my-token")`.
    """
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]


def redact_headers(headers: Iterable[tuple[str, str]] | Mapping[str, str]) -> dict[str, str]:
    """Lower-case header names and replace secret values by their fingerprint.

    Repeated headers are joined with `", "` as HTTP allows.
    """
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for raw_name, raw_value in pairs:
        name = raw_name.lower()
        value = fingerprint(raw_value) if name in SECRET_HEADERS else raw_value
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out
