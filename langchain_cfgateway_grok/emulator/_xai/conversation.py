"""Reading a conversation: message text, the last user turn, tool results after it, the nonce."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: A per-request nonce: `nonce:` (any case) then 1-128 of `A-Z a-z 0-9 _ -`, anywhere in the last
#: user message. The emulated model echoes it as `nonce:<token>` (docs/emulator-xai.md).
NONCE_PATTERN = re.compile(r"(?<![\w-])nonce:([A-Za-z0-9_-]{1,128})", re.IGNORECASE)


@dataclass(frozen=True)
class ToolResult:
    """A tool message answering a call made after the last user message."""

    name: str
    content: str


@dataclass(frozen=True)
class Turn:
    """What the emulated model reads from the conversation.

    Attributes:
        user_text: Text of the last user message ("" when there is none).
        results: Tool results that came after that user message, in order.
        answered: Names of tools that have a result after that user message.
        nonce: The nonce token in `user_text`, if any.
    """

    user_text: str
    results: tuple[ToolResult, ...]
    answered: frozenset[str]
    nonce: str | None


def content_text(content: object) -> str:
    """Text of a message `content`: the string, or its text parts joined by newlines."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part["text"]
            for part in content
            if isinstance(part, dict)
            and part.get("type") == "text"
            and isinstance(part.get("text"), str)
        )
    return ""


def find_nonce(text: str) -> str | None:
    """The first nonce token in `text`, or None."""
    match = NONCE_PATTERN.search(text)
    return match.group(1) if match else None


def read_turn(messages: Sequence[Mapping[str, Any]]) -> Turn:
    """Find the last user message and the tool results that followed it.

    Tool messages are matched to names through the assistant `tool_calls` ids seen after the user
    message; a tool message's own `name` is used when its id is unknown.

    Args:
        messages: The request's messages.

    Returns:
        The turn.
    """
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    user_text = content_text(messages[last_user].get("content")) if last_user >= 0 else ""
    names_by_id: dict[str, str] = {}
    results: list[ToolResult] = []
    for message in messages[last_user + 1 :]:
        role = message.get("role")
        if role == "assistant":
            for call in message.get("tool_calls") or []:
                names_by_id[str(call.get("id"))] = call["function"]["name"]
        elif role in ("tool", "function"):
            name = names_by_id.get(str(message.get("tool_call_id")), message.get("name"))
            if isinstance(name, str):
                results.append(ToolResult(name, content_text(message.get("content"))))
    return Turn(
        user_text=user_text,
        results=tuple(results),
        answered=frozenset(r.name for r in results),
        nonce=find_nonce(user_text),
    )
