"""What the emulated xAI remembers between requests (in memory, thread-safe, no I/O).

Stored responses, prompt-cache prefixes, and the reasoning items clients carried across turns.

- **Stored responses** (xai-api.md §1.1): `POST /v1/responses` keeps a response unless
  `store: false`, for 30 days, per API key; `previous_response_id` continues from it and
  `GET`/`DELETE /v1/responses/{id}` read or remove it.
- **Prompt cache** (https://docs.x.ai/developers/advanced-api-usage/prompt-caching): requests with
  the same conversation id (`x-grok-conv-id` header, or `prompt_cache_key` in Responses) land on the
  same emulated server, whose cache holds the prompts it saw; a new prompt's longest shared prefix
  with one of them is reported as `cached_tokens`. Without a conversation id nothing is cached.
- **Reasoning continuity**: every reasoning item a response received from an earlier turn
  (decrypted `encrypted_content`, or a stored turn reached through `previous_response_id`) is
  recorded, so tests can observe the round trip.

Keys are never kept: owners are identified by a SHA-256 fingerprint of the API key.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

#: Stored responses are kept 30 days (https://docs.x.ai/docs/guides/chat; xai-api.md §1.1).
STORED_RESPONSE_TTL_SECONDS = 30 * 86_400
#: Prompts remembered per conversation id (older ones are evicted first).
CACHED_PROMPTS_PER_CONVERSATION = 8
BYTES_PER_TOKEN = 4


def owner_of(api_key: str) -> str:
    """A stable, non-reversible owner id for an API key (the key itself is never stored)."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class StoredResponse:
    """A stored response.

    Attributes:
        id: The response id.
        owner: `owner_of(api_key)` of the key that created it.
        response: The response object as it was returned.
        conversation: Every input item of the chain (previous turns included) followed by this
            response's output items: what `previous_response_id` continues from.
        created_at: Emulator-clock epoch seconds.
    """

    id: str
    owner: str
    response: Mapping[str, Any]
    conversation: tuple[Mapping[str, Any], ...]
    created_at: float


@dataclass(frozen=True)
class ReasoningContinuity:
    """A reasoning item from an earlier turn that a response took into account.

    Attributes:
        response_id: The response that received the item.
        item_id: The reasoning item's id (`rs_...`).
        source_response_id: The response that produced it.
        via: `encrypted_content` (the client sent the item back, verified) or
            `previous_response_id` (read from the stored chain).
        at: Emulator-clock epoch seconds.
    """

    response_id: str
    item_id: str
    source_response_id: str
    via: Literal["encrypted_content", "previous_response_id"]
    at: float


def shared_prefix_bytes(a: bytes, b: bytes) -> int:
    """Length of the longest common prefix of two byte strings."""
    limit = min(len(a), len(b))
    index = 0
    while index < limit and a[index] == b[index]:
        index += 1
    return index


def cached_tokens_for(shared: int, prompt: bytes) -> int:
    """Cached tokens for a shared prefix of `shared` bytes of `prompt`.

    Tokens are 4-byte blocks (`ceil(bytes / 4)` for a whole prompt), so a partial prefix
    covers `shared // 4` whole tokens; a fully shared prompt counts all its tokens.
    """
    if shared >= len(prompt):
        return -(-len(prompt) // BYTES_PER_TOKEN)
    return shared // BYTES_PER_TOKEN


class XaiStore:
    """The emulated xAI's memory; every method takes the lock.

    Args:
        secret: Key for sealing reasoning into `encrypted_content`; random when omitted.
    """

    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret if secret is not None else secrets.token_bytes(32)
        self._lock = threading.RLock()
        self._responses: dict[str, StoredResponse] = {}
        self._prompts: dict[tuple[str, str], deque[bytes]] = {}
        self._continuity: list[ReasoningContinuity] = []
        self._serial = 0

    def __repr__(self) -> str:
        with self._lock:
            return f"XaiStore(responses={len(self._responses)}, conversations={len(self._prompts)})"

    def next_serial(self) -> int:
        """A counter that makes every response id unique, even for identical requests."""
        with self._lock:
            self._serial += 1
            return self._serial

    # --- stored responses ----------------------------------------------------------------------
    def put_response(self, stored: StoredResponse) -> None:
        """Keep a response (replacing one with the same id)."""
        with self._lock:
            self._responses[stored.id] = stored

    def get_response(self, owner: str, response_id: str, now: float) -> StoredResponse | None:
        """The owner's stored response, or None when unknown, someone else's, or expired."""
        with self._lock:
            stored = self._responses.get(response_id)
            if stored is None or stored.owner != owner:
                return None
            if now - stored.created_at > STORED_RESPONSE_TTL_SECONDS:
                del self._responses[response_id]
                return None
            return stored

    def delete_response(self, owner: str, response_id: str, now: float) -> bool:
        """Delete the owner's stored response; False when there was none to delete."""
        with self._lock:
            if self.get_response(owner, response_id, now) is None:
                return False
            del self._responses[response_id]
            return True

    @property
    def stored_ids(self) -> list[str]:
        """Ids of the stored responses, oldest first."""
        with self._lock:
            return list(self._responses)

    # --- prompt cache ----------------------------------------------------------------------
    def cached_tokens(self, owner: str, conversation_id: str | None, prompt: str) -> int:
        """Cached tokens of `prompt` for this conversation, then remember the prompt.

        Args:
            owner: `owner_of(api_key)`.
            conversation_id: `x-grok-conv-id` / `prompt_cache_key`; None or "" = no stickiness,
                so no cache hit (and nothing remembered).
            prompt: The prompt as counted (a prefix-stable serialisation).

        Returns:
            Tokens of the longest prefix shared with a prompt seen before under this id.
        """
        if not conversation_id:
            return 0
        data = prompt.encode("utf-8")
        with self._lock:
            seen = self._prompts.setdefault(
                (owner, conversation_id), deque(maxlen=CACHED_PROMPTS_PER_CONVERSATION)
            )
            shared = max((shared_prefix_bytes(data, old) for old in seen), default=0)
            seen.append(data)
        return cached_tokens_for(shared, data) if shared else 0

    # --- reasoning continuity --------------------------------------------------------------
    def record_continuity(self, records: list[ReasoningContinuity]) -> None:
        """Remember reasoning items carried into a response."""
        with self._lock:
            self._continuity.extend(records)

    @property
    def continuity(self) -> list[ReasoningContinuity]:
        """Every reasoning item carried across turns, oldest first (a copy)."""
        with self._lock:
            return list(self._continuity)

    def clear(self) -> None:
        """Forget responses, cached prompts and continuity records.

        The secret stays, and so does the id counter: ids are never reused.
        """
        with self._lock:
            self._responses.clear()
            self._prompts.clear()
            self._continuity.clear()
