"""xAI's Responses API (`/grok/v1/responses`) for `ChatCloudflareGrok`.

Placeholder entry points while the Responses path is built (issue 9): every call through
them raises, so a Responses request is never silently sent down the Chat Completions path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage
    from langchain_core.outputs import ChatGenerationChunk, ChatResult

    from langchain_cfgateway_grok.chat_models import ChatCloudflareGrok

_MSG = "The Responses API path is not available in this build yet."


def generate(
    model: ChatCloudflareGrok,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: Any,
    kwargs: dict[str, Any],
) -> ChatResult:
    """Invoke through `/responses`."""
    raise NotImplementedError(_MSG)


async def agenerate(
    model: ChatCloudflareGrok,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: Any,
    kwargs: dict[str, Any],
) -> ChatResult:
    """Async invoke through `/responses`."""
    raise NotImplementedError(_MSG)


def stream(
    model: ChatCloudflareGrok,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: Any,
    kwargs: dict[str, Any],
) -> Iterator[ChatGenerationChunk]:
    """Stream through `/responses`."""
    raise NotImplementedError(_MSG)


def astream(
    model: ChatCloudflareGrok,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: Any,
    kwargs: dict[str, Any],
) -> AsyncIterator[ChatGenerationChunk]:
    """Async stream through `/responses`."""
    raise NotImplementedError(_MSG)
