"""Switches for the emulated xAI upstream: every Unconfirmed behaviour is one named field here.

Each field cites the `xai-api.md` section that leaves the behaviour open; `docs/emulator-xai.md`
lists them with their defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class XaiSettings:
    """How the emulated xAI answers where the reference is Unconfirmed.

    Attributes:
        emit_reasoning_content: Reasoning models send `reasoning_content` (message field and
            stream deltas). Whether grok-4.x does so in Chat Completions is Unconfirmed
            (xai-api.md §1.6); on by default so clients are exercised. Reasoning tokens are
            counted either way.
        report_resolved_model: The response `model` names the model that served the request
            (`grok-4.3` for a retired slug, `grok-4.20-0309-reasoning` for the alias
            `grok-4.20-reasoning`). False echoes the requested id. xAI reports resolved names
            for aliases (e.g. `grok-3-latest` answered as `grok-3`); for the May-15 redirects it
            is Unconfirmed (xai-api.md §1.6).
        retired_endpoint_status: Status of retired endpoints such as `/v1/messages`: 410 Gone
            (a third-party report) or 404 Not Found; Unconfirmed (xai-api.md §1.1).
        grok_3_mini_available: Serve `grok-3-mini`; its live status is Unconfirmed
            (xai-api.md §1.6). False answers "Model not found".
        context_window_override: Use this many tokens as every model's context window instead
            of the table's (lets tests reach the context-length error with small prompts).
        role_in_every_delta: Repeat `role: "assistant"` on every stream delta instead of only the
            first. A 2024 grok-beta capture did so; whether current models do is Unconfirmed
            (xai-api.md §1.4). Off by default: the openai SDK's stream helper concatenates a
            repeated role ("assistantassistant..."), which xAI's documented SDK compatibility
            makes unlikely today. Turn it on to test a client's robustness.
    """

    emit_reasoning_content: bool = True
    report_resolved_model: bool = True
    retired_endpoint_status: Literal[404, 410] = 410
    grok_3_mini_available: bool = True
    context_window_override: int | None = None
    role_in_every_delta: bool = False
