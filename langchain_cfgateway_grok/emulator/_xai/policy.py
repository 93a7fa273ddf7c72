"""The emulated Grok: a deterministic, documented function of the request.

Inputs: messages, tools, `tool_choice`, `parallel_tool_calls`, `response_format`, max tokens,
`stop` and the reasoning effort. Nothing here knows any test's prompt, tool or key; the rules are
in docs/emulator-xai.md ("The model inside") and summarised below.

Tool calls. The last user message *names* a tool when it contains the tool's name (any case;
`_`/`-` may be written as spaces; camelCase may be split), or every content word of the name
(the name's words minus generic ones such as `get`, `fetch`, `tool`, `function`, `my`), e.g.
"invoice" names `fetch_invoice`. Each turn the model calls the named tools that have no result after
that user message, in order of first mention (all of them when parallel calls are allowed, else
the first). `tool_choice`: `none` → no call; `required` → the named pending tools, else the first
offered tool; `{"function": {"name"}}` → that tool, always. Arguments: `schema_values`.

Text. With tool results after the last user message: one line per result,
`<tool> returned: <content>`. Else the nonce echo `nonce:<token>` when the user message carries
one, else `You said: <the message>`. A nonce is appended to a tool-result answer as well.
`response_format` `json_schema` → JSON for the schema; `json_object` → an object with the keys
the prompt asks for (see `requested_keys`). `stop` cuts the text (`finish_reason` `stop`);
max tokens cut it at 4 bytes a token (`finish_reason` `length`); tool calls are never cut.

Reasoning (reasoning models, effort other than `none`): a short plan whose length grows with the
effort.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from langchain_cfgateway_grok.emulator._xai.conversation import Turn, read_turn
from langchain_cfgateway_grok.emulator._xai.prompt_values import (
    PromptValues,
    extract,
    first_mention,
)
from langchain_cfgateway_grok.emulator._xai.reply import AssistantTurn, ToolCall
from langchain_cfgateway_grok.emulator._xai.request import ChatRequest, ToolDef
from langchain_cfgateway_grok.emulator._xai.schema_values import generate_value
from langchain_cfgateway_grok.emulator._xai.tokens import BYTES_PER_TOKEN

#: Words in a tool name that do not identify it ("fetch_invoice" is named by "invoice").
GENERIC_NAME_WORDS: frozenset[str] = frozenset(
    (
        "get", "fetch", "retrieve", "lookup", "look", "find", "call", "run", "invoke", "do",
        "make", "tool", "tools", "function", "func", "fn", "my", "the", "a", "an", "api",
    )
)  # fmt: skip
ECHO_MAX_CHARS = 200
RESULT_MAX_CHARS = 500
EXCERPT_MAX_CHARS = 80

_KEY_WORDS = r"\b(?:keys?|fields?|properties|property|attributes?|columns?)\b"
# Identifiers in straight, curly (U+201C/U+201D, U+2018/U+2019) or back quotes.
_QUOTED_IDENTIFIER = re.compile(r"[\"'`\u201c\u2018]([A-Za-z_][\w-]*)[\"'`\u201d\u2019]")
_LISTED_KEYS = re.compile(
    _KEY_WORDS
    + r"\s*(?::|named|called)?\s*"
    + r"([A-Za-z_]\w*(?:\s*(?:,|&|\band\b|\bor\b)\s*(?:and\s+)?[A-Za-z_]\w*)*)",
    re.IGNORECASE,
)
_NOT_KEYS = frozenset(
    (
        "and", "or", "the", "a", "an", "with", "of", "to", "in", "for", "that", "which", "are",
        "is", "only", "named", "called", "as", "each", "both", "following", "these", "those",
        "return", "include", "includes", "including", "containing", "nothing", "other", "than",
        "json", "object",
    )
)  # fmt: skip
_SENTENCES = re.compile(r"[^.!?\n]+[.!?]?")


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _excerpt(text: str, limit: int) -> str:
    collapsed = _collapse(text)
    return collapsed if len(collapsed) <= limit else collapsed[: limit - 1] + "…"


def _name_words(name: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return [w for w in re.split(r"[_\-\s.]+", spaced.lower()) if w]


def tool_mention(text: str, tool_name: str) -> int | None:
    """Where `text` first names the tool, or None (module docstring: "names a tool")."""
    full = first_mention(text, tool_name)
    content_words = [
        w for w in _name_words(tool_name) if w not in GENERIC_NAME_WORDS and len(w) >= 3
    ]
    if not content_words:
        return full
    positions: list[int] = []
    for word in content_words:
        match = re.search(
            r"(?<![\w])" + re.escape(word) + r"(?:s|es)?(?![\w])", text, re.IGNORECASE
        )
        if match is None:
            return full
        positions.append(match.start())
    by_words = min(positions)
    return by_words if full is None else min(full, by_words)


def _tools_to_call(request: ChatRequest, turn: Turn) -> list[tuple[ToolDef, int]]:
    """The tools to call this turn with the offset their arguments are read from."""
    choice = request.tool_choice
    if not request.tools or choice.mode == "none":
        return []
    if choice.mode == "function":
        tool = next(t for t in request.tools if t.name == choice.name)
        return [(tool, tool_mention(turn.user_text, tool.name) or 0)]
    named = sorted(
        (position, index, tool)
        for index, tool in enumerate(request.tools)
        if tool.name not in turn.answered
        and (position := tool_mention(turn.user_text, tool.name)) is not None
    )
    calls = [(tool, position) for position, _, tool in named]
    if not calls and choice.mode == "required":
        calls = [(request.tools[0], 0)]
    return calls if request.parallel_tool_calls else calls[:1]


def requested_keys(text: str) -> list[str]:
    """Keys a JSON-mode prompt asks for, in order of appearance.

    In sentences that mention keys/fields/properties/attributes/columns: identifiers in quotes
    or backticks, and identifiers listed right after the word ("keys title and year").
    """
    found: list[tuple[int, str]] = []
    for sentence in _SENTENCES.finditer(text):
        chunk = sentence.group()
        if not re.search(_KEY_WORDS, chunk, re.IGNORECASE):
            continue
        offset = sentence.start()
        for match in _QUOTED_IDENTIFIER.finditer(chunk):
            found.append((offset + match.start(1), match.group(1)))
        for match in _LISTED_KEYS.finditer(chunk):
            for word_match in re.finditer(r"[A-Za-z_]\w*", match.group(1)):
                if word_match.group().lower() not in _NOT_KEYS:
                    found.append((offset + match.start(1) + word_match.start(), word_match.group()))
    found.sort()
    return list(dict.fromkeys(key for _, key in found))


def _source_text(turn: Turn) -> str:
    """The text values are read from: the user message, then the tool results after it."""
    return "\n".join([turn.user_text, *(r.content for r in turn.results)])


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def text_answer(turn: Turn) -> str:
    """The plain-text answer (module docstring: "Text")."""
    if turn.results:
        lines = [
            f"{r.name} returned: {_excerpt(r.content, RESULT_MAX_CHARS)}" for r in turn.results
        ]
        answer = "\n".join(lines)
        return f"{answer} nonce:{turn.nonce}" if turn.nonce else answer
    if turn.nonce:
        return f"nonce:{turn.nonce}"
    if turn.user_text.strip():
        return f"You said: {_excerpt(turn.user_text, ECHO_MAX_CHARS)}"
    return "No user message was given."


def json_answer(request: ChatRequest, turn: Turn) -> str:
    """Content for `response_format` `json_schema` / `json_object`."""
    source = _source_text(turn)
    fmt = request.response_format
    if fmt is not None and fmt.kind == "json_schema" and fmt.schema is not None:
        return _dump(generate_value(fmt.schema, extract(source)))
    keys = requested_keys(turn.user_text)
    if not keys:
        return _dump({"response": text_answer(turn)})
    schema = {
        "type": "object",
        "properties": {k: {"type": "string"} for k in keys},
        "required": keys,
    }
    return _dump(generate_value(schema, extract(source, exclude=keys)))


def apply_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """Cut `text` at the earliest stop sequence; True when one was found."""
    cuts = [index for s in stop if (index := text.find(s)) >= 0]
    return (text[: min(cuts)], True) if cuts else (text, False)


def truncate_tokens(text: str, max_tokens: int | None) -> tuple[str, bool]:
    """Cut `text` to `max_tokens` tokens (4 UTF-8 bytes each); True when it was cut."""
    if max_tokens is None:
        return text, False
    data = text.encode("utf-8")
    limit = max_tokens * BYTES_PER_TOKEN
    if len(data) <= limit:
        return text, False
    return data[:limit].decode("utf-8", errors="ignore"), True


def reasoning_text(turn: Turn, plan: str, effort: str) -> str | None:
    """Deterministic `reasoning_content`; None when the effort is `none`."""
    if effort == "none":
        return None
    lines = [f'The user wrote: "{_excerpt(turn.user_text, EXCERPT_MAX_CHARS)}".', f"Plan: {plan}."]
    if effort in ("medium", "high", "xhigh"):
        lines.append("Checking the plan against the request.")
    if effort in ("high", "xhigh"):
        lines.append("Verifying the answer before replying.")
    if effort == "xhigh":
        lines.append("Re-checking the edge cases once more.")
    return " ".join(lines)


def decide(request: ChatRequest) -> AssistantTurn:
    """The emulated model's turn for a valid request (rules in the module docstring).

    Args:
        request: The validated request.

    Returns:
        The assistant turn, before rendering.
    """
    turn = read_turn(request.messages)
    calls = _tools_to_call(request, turn)
    if calls:
        source = _source_text(turn)
        values: PromptValues = extract(source)
        tool_calls = tuple(
            ToolCall(tool.name, _dump(generate_value(tool.parameters, values, start=start)))
            for tool, start in calls
        )
        plan = "call " + ", ".join(call.name for call in tool_calls)
        return AssistantTurn(
            text=None,
            reasoning=reasoning_text(turn, plan, request.effort),
            tool_calls=tool_calls,
            finish_reason="tool_calls",
        )
    if request.response_format is not None:
        text, plan = json_answer(request, turn), "reply with JSON"
    elif turn.results:
        text, plan = text_answer(turn), "answer from the tool results"
    else:
        text, plan = text_answer(turn), "reply in text"
    text, _ = apply_stop(text, request.stop)
    text, cut = truncate_tokens(text, request.max_output_tokens)
    return AssistantTurn(
        text=text,
        reasoning=reasoning_text(turn, plan, request.effort),
        finish_reason="length" if cut else "stop",
    )
