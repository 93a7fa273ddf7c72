"""What the emulated xAI hands back to the gateway for one request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class XaiResult:
    r"""An xAI answer.

    Attributes:
        status: HTTP status.
        body: JSON body: a `chat.completion`, or xAI's flat error `{"code", "error"}`.
        chunks: For a successful `stream: true` request, the `chat.completion.chunk` objects in
            order. The gateway frames each as `b"data: <json>\\n\\n"` and ends with
            `b"data: [DONE]\\n\\n"`.
        headers: Extra provider headers, if any.
        sse_event_names: Frame each chunk as `event: <chunk["type"]>` plus `data: <json>` (the
            Responses API's named events) instead of a bare `data:` line.
        sse_done_marker: End the stream with `data: [DONE]` (Chat Completions, xai-api.md §1.4).
    """

    status: int
    body: dict[str, Any] | None = None
    chunks: list[dict[str, Any]] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    sse_event_names: bool = False
    sse_done_marker: bool = True
