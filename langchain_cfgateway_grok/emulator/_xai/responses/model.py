"""The emulated model's turn in the Responses API.

It reuses the Chat Completions policy (`policy.decide`: function tools, `text.format` JSON, text
answers, reasoning plans) on the conversation converted to Chat-style messages, and adds:

- **server-side tools** (server_tools.py): calls run before anything else; their results feed
  the answer;
- **the answer with sources**: one line per search, `Web results for "<query>": [[1]](url)
  [[2]](url) ...` (`X posts for ...` for X), one `code_interpreter returned: <output>` line per code
  run, then the function results (`<tool> returned: <content>`), then ` nonce:<token>` when the
  user message has one. Citation numbers start at 1 and a repeated URL keeps its number (xAI's
  inline citations, docs.x.ai/docs/guides/tools/overview "Inline Citations"); each marker becomes a
  `url_citation` annotation. With `text.format` the answer is the JSON alone;
- **reasoning** that names the searches, and says `Continuing from <n> earlier reasoning
  item(s).` when earlier reasoning was carried into the turn (encrypted items, or the stored
  chain of `previous_response_id`);
- **`max_output_tokens` includes reasoning** (xai-api.md §1.1): the visible answer gets what the
  reasoning leaves; a cut answer makes the response `incomplete`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_cfgateway_grok.emulator._xai.conversation import Turn, read_turn
from langchain_cfgateway_grok.emulator._xai.policy import (
    decide,
    reasoning_text,
    text_answer,
    truncate_tokens,
)
from langchain_cfgateway_grok.emulator._xai.reply import ToolCall
from langchain_cfgateway_grok.emulator._xai.request import ChatRequest, ToolChoice
from langchain_cfgateway_grok.emulator._xai.responses.items import replayed_server_calls
from langchain_cfgateway_grok.emulator._xai.responses.request import ResponsesRequest
from langchain_cfgateway_grok.emulator._xai.responses.server_tools import (
    ServerCall,
    calls_to_make,
    from_item,
)
from langchain_cfgateway_grok.emulator._xai.tokens import count_tokens


@dataclass(frozen=True)
class Citation:
    """A `url_citation`: the source and the span of its `[[N]](url)` marker in the text."""

    url: str
    start: int
    end: int


@dataclass(frozen=True)
class ResponsesTurn:
    """One Responses turn, before rendering.

    Attributes:
        reasoning: Reasoning text (None when the model did not reason).
        server_calls: Server-side calls made in this response.
        function_calls: Function calls for the client.
        text: The answer (None when the turn ends with function calls).
        citations: Inline citations in `text`.
        sources: Every source URL of the turn (top-level `citations`), replayed calls included.
        incomplete: `max_output_tokens` cut the answer.
        usage_overrides: Scripted usage keys.
    """

    reasoning: str | None
    server_calls: tuple[ServerCall, ...] = ()
    function_calls: tuple[ToolCall, ...] = ()
    text: str | None = None
    citations: tuple[Citation, ...] = ()
    sources: tuple[str, ...] = ()
    incomplete: bool = False
    usage_overrides: Mapping[str, Any] | None = None


def chat_view(request: ResponsesRequest, messages: Sequence[Mapping[str, Any]]) -> ChatRequest:
    """The request as the Chat Completions policy sees it (function tools only)."""
    choice = request.tool_choice
    if choice.mode in ("function", "auto", "none"):
        chat_choice = ToolChoice(choice.mode, choice.name)
    elif choice.mode == "required" and request.function_tools:
        chat_choice = ToolChoice("required")
    else:  # a forced server tool, or `required` met by a server tool
        chat_choice = ToolChoice("auto" if choice.mode == "required" else "none")
    return ChatRequest(
        resolution=request.resolution,
        reported_model=request.reported_model,
        messages=tuple(messages),
        tools=request.function_tools,
        tool_choice=chat_choice,
        parallel_tool_calls=request.parallel_tool_calls,
        response_format=request.text_format,
        max_output_tokens=None,
        stop=(),
        stream=False,
        include_usage=False,
        effort=request.effort,
        n=1,
    )


def _plan(calls: Sequence[ServerCall], function_calls: Sequence[ToolCall], answer: str) -> str:
    steps = []
    for call in calls:
        if call.kind == "web_search":
            steps.append(f'search the web for "{call.query}"')
        elif call.kind == "x_search":
            steps.append(f'search X for "{call.query}"')
        else:
            steps.append("run the code")
    if function_calls:
        steps.append("call " + ", ".join(call.name for call in function_calls))
    else:
        steps.append(answer)
    return ", then ".join(steps)


def _answer(turn: Turn, calls: Sequence[ServerCall]) -> tuple[str, list[Citation]]:
    """Search lines with numbered `[[N]](url)` markers, code outputs, function results, nonce."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    lines: list[str] = []
    offset = 0
    for call in calls:
        if call.kind == "code_interpreter":
            continue
        label = "Web results" if call.kind == "web_search" else "X posts"
        line = f'{label} for "{call.query}":'
        for url in call.sources:
            number = numbers.setdefault(url, len(numbers) + 1)
            marker = f"[[{number}]]({url})"
            start = offset + len(line) + 1
            citations.append(Citation(url, start, start + len(marker)))
            line += " " + marker
        lines.append(line)
        offset += len(line) + 1
    lines += [
        f"code_interpreter returned: {c.output}" for c in calls if c.kind == "code_interpreter"
    ]
    if turn.results:
        lines += text_answer(dataclasses.replace(turn, nonce=None)).split("\n")
    text = "\n".join(lines)
    return (f"{text} nonce:{turn.nonce}" if turn.nonce else text), citations


def decide_responses(
    request: ResponsesRequest,
    items: Sequence[Mapping[str, Any]],
    messages: Sequence[Mapping[str, Any]],
    carried_reasoning: int,
) -> ResponsesTurn:
    """The emulated model's turn (module docstring).

    Args:
        request: The validated request.
        items: The whole conversation as items (stored chain first, then `input`).
        messages: The same conversation as Chat-style messages (instructions first).
        carried_reasoning: Reasoning items from earlier turns available to this one.

    Returns:
        The turn, before rendering.
    """
    turn = read_turn(messages)
    replayed = [from_item(item) for item in replayed_server_calls(items)]
    calls = calls_to_make(request, turn.user_text, replayed)
    base = decide(chat_view(request, messages))
    all_calls = [*replayed, *calls]
    sources = tuple(dict.fromkeys(url for call in all_calls for url in call.sources))

    text: str | None = None
    citations: list[Citation] = []
    answer = ""
    if base.tool_calls:
        pass
    elif request.text_format is not None:
        text, answer = base.text or "", "reply with JSON"
    elif all_calls:
        text, citations = _answer(turn, all_calls)
        answer = "answer from the server-side tool results"
    else:
        text = base.text or ""
        answer = "answer from the tool results" if turn.results else "reply in text"
    reasoning = reasoning_text(turn, _plan(calls, base.tool_calls, answer), request.effort)
    if reasoning is not None and carried_reasoning:
        reasoning += f" Continuing from {carried_reasoning} earlier reasoning item(s)."

    incomplete = False
    if text is not None and request.max_output_tokens is not None:
        budget = request.max_output_tokens - count_tokens(reasoning or "")
        text, incomplete = truncate_tokens(text, max(budget, 0))
        citations = [c for c in citations if c.end <= len(text)]
    return ResponsesTurn(
        reasoning=reasoning,
        server_calls=tuple(calls),
        function_calls=base.tool_calls,
        text=text,
        citations=tuple(citations),
        sources=sources,
        incomplete=incomplete,
    )
