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
        responses_summary_by_default: Reasoning items of the Responses API carry a summary even
            when the request sets no `reasoning.summary`. Recorded grok-code-fast-1 streams
            (vercel/ai `packages/xai/src/responses/__fixtures__/xai-text-with-reasoning-streaming*`)
            show summaries with `reasoning.summary: null`; whether current models do is
            Unconfirmed. False: a summary only for `reasoning.summary` auto/concise/detailed.
        responses_top_level_citations: Add xAI's top-level `citations` (every source URL) to the
            response object. The docs describe `response.citations` for the xAI SDK
            (docs.x.ai/docs/guides/tools/overview, "All Citations"); recorded REST responses do
            not show it, so it is Unconfirmed on `/v1/responses`.
        responses_server_tool_legacy_fields: Server-side tool call items also carry `name`,
            `arguments` and `call_id: ""`, as 2025 recordings do (vercel/ai fixtures
            `xai-web-search-tool.1.json`, `xai-x-search-tool.1.json`,
            `xai-code-execution-tool.1.json`); a 2026 recording of `web_search_call` has only
            `id`, `type`, `status`, `action`. Which fields current xAI sends is Unconfirmed.
        responses_citation_offsets: `url_citation` `start_index`/`end_index`: `marker` = the span
            of the inline `[[N]](url)` marker in the text (xAI's documented inline citations);
            `zero` = 0/0, as a 2026 REST recording shows (vercel/ai fixture
            `xai-13218-web-search-provider-tool-result.1.chunks.txt`). Unconfirmed.
        responses_stream_done_marker: End a Responses stream with `data: [DONE]` (Chat
            Completions does; OpenAI's Responses streams do not; xAI's is Unconfirmed).
        previous_response_not_found_status: Status for an unknown (or not stored, deleted,
            expired) `previous_response_id`: 404 (`not-found`) or 400; Unconfirmed.
        server_tool_call_ticks: Price of one server-side tool call in `cost_in_usd_ticks`
            (default 50,000,000 = $5 per 1,000 calls). xAI bills tool invocations
            (docs.x.ai/developers/cost-tracking); the per-call price is Unconfirmed.
    """

    emit_reasoning_content: bool = True
    report_resolved_model: bool = True
    retired_endpoint_status: Literal[404, 410] = 410
    grok_3_mini_available: bool = True
    context_window_override: int | None = None
    role_in_every_delta: bool = False
    responses_summary_by_default: bool = True
    responses_top_level_citations: bool = True
    responses_server_tool_legacy_fields: bool = True
    responses_citation_offsets: Literal["marker", "zero"] = "marker"
    responses_stream_done_marker: bool = False
    previous_response_not_found_status: Literal[400, 404] = 404
    server_tool_call_ticks: int = 50_000_000
