"""Finding secrets in text: every form a canary can leak in.

A canary is looked for raw, base64 (standard and URL-safe, at each of the three byte alignments,
so it is found inside a longer encoded value such as `Bearer <key>`), percent-encoded, JSON-escaped,
and as any 12-character substring (a partial echo).
"""

from __future__ import annotations

import base64
import json
import traceback
import urllib.parse
from collections.abc import Iterable

SUBSTRING = 12


def _base64_forms(raw: bytes) -> list[str]:
    forms = []
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * offset + raw).decode()
            # Drop characters that mix in the padding bytes or the unknown neighbours.
            start = (offset * 8 + 5) // 6 + (1 if offset else 0)
            forms.append(text[start : len(text) - 4].rstrip("="))
    return [form for form in forms if len(form) >= 8]


def forms(secret: str) -> list[str]:
    """Every string whose presence means `secret` leaked."""
    raw = secret.encode()
    found = [
        secret,
        *_base64_forms(raw),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
        *(secret[i : i + SUBSTRING] for i in range(len(secret) - SUBSTRING + 1)),
    ]
    return list(dict.fromkeys(found))


def leaks(text: str, secrets: Iterable[str]) -> list[str]:
    """The forms of `secrets` found in `text` (empty when clean)."""
    return [form for secret in secrets for form in forms(secret) if form in text]


def error_text(error: BaseException) -> str:
    """Everything an error shows: message, repr, the chained traceback and its attributes."""
    return "\n".join(
        [
            str(error),
            repr(error),
            "".join(traceback.format_exception(type(error), error, error.__traceback__)),
            repr(vars(error)),
        ]
    )
