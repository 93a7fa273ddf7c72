"""Read what the gateway's own features look at in a request or answer; pure.

Prompt and answer text for Guardrails and DLP (§5), token counts and cost for logs and spend limits
(§2 `cf-aig-custom-cost`, §5 "Logging"), and the `cf-aig-dlp` findings header (§3).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from langchain_cfgateway_grok.emulator._config import DlpRule

#: xAI bills in ticks: 1 US dollar = 10**10 ticks (xai-api.md §1.3).
TICKS_PER_USD = 10**10


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        ]
        return "\n".join(parts)
    return ""


def _responses_input_text(body: Mapping[str, Any]) -> str:
    """`instructions` and the text of every `input` item of a Responses request."""
    raw = body.get("input")
    items = [{"role": "user", "content": raw}] if isinstance(raw, str) else raw
    texts = [body["instructions"]] if isinstance(body.get("instructions"), str) else []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            texts.append(_content_text(item.get("content", item.get("output"))))
    return "\n".join(text for text in texts if text)


def prompt_text(body: Any) -> str:
    """All message text of a chat request, one message per line (guardrails judge the prompt).

    A Responses request (`input`, xai-api.md §1.1) counts its `instructions` and input items.
    """
    if isinstance(body, dict) and "input" in body and "messages" not in body:
        return _responses_input_text(body)
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return ""
    texts = [
        _content_text(message.get("content"))
        for message in body["messages"]
        if isinstance(message, dict)
    ]
    return "\n".join(text for text in texts if text)


def _output_pieces(response: Mapping[str, Any]) -> Iterable[str]:
    """Text of a Responses `output`: messages, reasoning summaries, function-call arguments."""
    for item in response.get("output") or []:
        if not isinstance(item, dict):
            continue
        for part in item.get("content") or item.get("summary") or []:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                yield part["text"]
        if isinstance(item.get("arguments"), str):
            yield item["arguments"]


def _final_response(chunks: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The `response` of a Responses stream's last event that carries a finished one."""
    for chunk in reversed(list(chunks)):
        response = chunk.get("response")
        if isinstance(response, dict) and response.get("status") != "in_progress":
            return response
    return None


def answer_text(body: Any = None, chunks: Sequence[Mapping[str, Any]] | None = None) -> str:
    """Assistant text (content, reasoning, tool-call arguments) of a completion or its chunks.

    Responses answers (an `output` array, or events ending in `response.completed`) count their
    messages, reasoning summaries and function-call arguments.
    """
    if isinstance(body, dict) and isinstance(body.get("output"), list):
        return "".join(_output_pieces(body))
    final = _final_response(chunks or [])
    if final is not None:
        return "".join(_output_pieces(final))
    pieces: list[str] = []
    if isinstance(body, dict):
        for choice in body.get("choices") or []:
            message = choice.get("message") or {}
            pieces.extend(_message_pieces(message))
    for chunk in chunks or []:
        for choice in chunk.get("choices") or []:
            pieces.extend(_message_pieces(choice.get("delta") or {}))
    return "".join(pieces)


def _message_pieces(message: Mapping[str, Any]) -> Iterable[str]:
    for key in ("reasoning_content", "content"):
        if isinstance(message.get(key), str):
            yield message[key]
    for call in message.get("tool_calls") or []:
        function = (call.get("function") or {}) if isinstance(call, dict) else {}
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            yield arguments


def contains_any(text: str, terms: Iterable[str]) -> bool:
    """Case-insensitive substring test."""
    lowered = text.lower()
    return any(term.lower() in lowered for term in terms if term)


def usage_of(body: Any = None, chunks: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The `usage` object of a completion, or of the last chunk that carries one; `{}` if none."""
    if isinstance(body, dict) and isinstance(body.get("usage"), dict):
        return dict(body["usage"])
    for chunk in reversed(list(chunks or [])):
        if isinstance(chunk.get("usage"), dict):
            return dict(chunk["usage"])
        response = chunk.get("response")  # a Responses event (`response.completed`)
        if isinstance(response, dict) and isinstance(response.get("usage"), dict):
            return dict(response["usage"])
    return {}


def token_counts(usage: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """(tokens_in, tokens_out); output includes reasoning (total - prompt when both are known).

    Chat Completions names them `prompt_tokens`/`completion_tokens`, Responses
    `input_tokens`/`output_tokens` (whose output already includes reasoning).
    """
    prompt = usage.get("prompt_tokens", usage.get("input_tokens"))
    total = usage.get("total_tokens")
    completion = usage.get("completion_tokens", usage.get("output_tokens"))
    tokens_in = prompt if isinstance(prompt, int) else None
    if isinstance(total, int) and tokens_in is not None:
        return tokens_in, total - tokens_in
    return tokens_in, completion if isinstance(completion, int) else None


def cost_usd(usage: Mapping[str, Any], custom_cost: Mapping[str, float] | None) -> float | None:
    """Cost of one answer in dollars: `cf-aig-custom-cost` prices if sent, else xAI's ticks.

    Custom cost: uncached prompt tokens at `per_token_in`, cached ones at `per_cache_read_token`
    (default `per_token_in`, changelog 2026-09-09), output (incl. reasoning) at `per_token_out`.
    """
    tokens_in, tokens_out = token_counts(usage)
    if custom_cost is not None:
        details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details") or {}
        cached = details.get("cached_tokens") if isinstance(details, dict) else None
        cached = cached if isinstance(cached, int) else 0
        per_in = custom_cost.get("per_token_in", 0.0)
        per_read = custom_cost.get("per_cache_read_token", per_in)
        per_out = custom_cost.get("per_token_out", 0.0)
        return (
            ((tokens_in or 0) - cached) * per_in + cached * per_read + (tokens_out or 0) * per_out
        )
    ticks = usage.get("cost_in_usd_ticks")
    if isinstance(ticks, int | float) and not isinstance(ticks, bool):
        return ticks / TICKS_PER_USD
    return None


def dlp_findings(
    rules: Sequence[DlpRule], *, check: str, text: str
) -> list[tuple[DlpRule, dict[str, Any]]]:
    """The rules for `check` (REQUEST/RESPONSE) whose terms occur in `text`, with their findings."""
    found: list[tuple[DlpRule, dict[str, Any]]] = []
    for rule in rules:
        if rule.check == check and contains_any(text, rule.terms):
            finding = {
                "profile": {
                    "context": {},
                    "entry_ids": list(rule.entry_ids),
                    "profile_id": rule.profile_id,
                },
                "policy_ids": list(rule.policy_ids),
                "check": rule.check,
            }
            found.append((rule, finding))
    return found


def dlp_header(matches: Sequence[tuple[DlpRule, dict[str, Any]]]) -> str:
    """The `cf-aig-dlp` value: `{"findings":[...],"action":"BLOCK"|"FLAG"}` (§3)."""
    action = "BLOCK" if any(rule.action == "BLOCK" for rule, _ in matches) else "FLAG"
    payload = {"findings": [finding for _, finding in matches], "action": action}
    return json.dumps(payload, separators=(",", ":"))
