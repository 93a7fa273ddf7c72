r"""Encrypted reasoning: the opaque `encrypted_content` of a reasoning item, sealed and opened.

xAI returns reasoning as `encrypted_content` when a request has
`include: ["reasoning.encrypted_content"]`, and a stateless client sends the item back to keep the
model's reasoning across turns (xai-api.md §1.1; https://docs.x.ai/docs/guides/chat: "store your
responses history and the encrypted thinking content locally, and pass them in a new request
body"). The real format is opaque; the emulator's is its own (standard library only):

`base64url(b"\x01" + nonce(12) + ciphertext + tag(16))`, where the ciphertext is the compact
JSON payload XOR a SHA-256 counter-mode keystream over (secret, nonce) and the tag is
HMAC-SHA256(secret, version + nonce + ciphertext) cut to 16 bytes. Any changed character fails
the tag check, so a tampered item is detected.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

VERSION = b"\x01"
NONCE_BYTES = 12
TAG_BYTES = 16


def _keystream(secret: bytes, nonce: bytes, length: int) -> bytes:
    blocks = bytearray()
    counter = 0
    while len(blocks) < length:
        blocks += hashlib.sha256(secret + nonce + counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(blocks[:length])


def _tag(secret: bytes, body: bytes) -> bytes:
    return hmac.new(secret, body, hashlib.sha256).digest()[:TAG_BYTES]


def seal(secret: bytes, payload: Mapping[str, Any]) -> str:
    """Encrypt and sign `payload` (JSON-serialisable) into an opaque string.

    The nonce derives from the payload, so sealing is deterministic for equal payloads.
    """
    plain = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")
    nonce = hmac.new(secret, plain, hashlib.sha256).digest()[:NONCE_BYTES]
    cipher = bytes(a ^ b for a, b in zip(plain, _keystream(secret, nonce, len(plain)), strict=True))
    body = VERSION + nonce + cipher
    return base64.urlsafe_b64encode(body + _tag(secret, body)).decode("ascii")


def unseal(secret: bytes, token: str) -> dict[str, Any] | None:
    """The payload of a sealed string; None when it is malformed, tampered with or foreign."""
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    if len(raw) < 1 + NONCE_BYTES + TAG_BYTES or raw[:1] != VERSION:
        return None
    body, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
    if not hmac.compare_digest(tag, _tag(secret, body)):
        return None
    nonce, cipher = body[1 : 1 + NONCE_BYTES], body[1 + NONCE_BYTES :]
    plain = bytes(
        a ^ b for a, b in zip(cipher, _keystream(secret, nonce, len(cipher)), strict=True)
    )
    try:
        payload = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return payload if isinstance(payload, dict) else None
