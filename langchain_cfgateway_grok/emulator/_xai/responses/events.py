r"""The Responses SSE event stream for a finished response.

Every event is `{"sequence_number": n, "type": ..., ...}` (n from 0); the gateway frames it as
`event: <type>\ndata: <json>\n\n`. Order and shapes follow xAI's recordings (vercel/ai fixtures
`xai-text-streaming`, `xai-text-with-reasoning-streaming*`, `xai-web-search-tool.1.chunks.txt`,
`xai-13218-web-search-provider-tool-result.1.chunks.txt`) and the openai SDK's event types
(`openai/types/responses/response_stream_event.py`):

1. `response.created`, `response.in_progress`: the response with `output: []`, `usage: null`,
   `status: "in_progress"`, `completed_at: null`.
2. Per output item, `response.output_item.added` (the item in progress) ... then
   `response.output_item.done` (the finished item):
   - reasoning: per summary part `response.reasoning_summary_part.added`,
     `response.reasoning_summary_text.delta`..., `response.reasoning_summary_text.done`,
     `response.reasoning_summary_part.done`; `encrypted_content` only on the done item;
   - `web_search_call` / `x_search_call`: added with `action {query: "", sources: []}`, then
     `response.<type>.in_progress`, `.searching`, `.completed` (recorded for web search; the
     `x_search_call` names from vercel/ai `xai-responses-api.ts`);
   - `code_interpreter_call`: `response.code_interpreter_call.in_progress`,
     `response.code_interpreter_call_code.delta` (the whole code), `..._code.done`,
     `response.code_interpreter_call.interpreting`, `.completed` (openai names; xAI's
     Unconfirmed);
   - `function_call`: added with `arguments: ""`, one `response.function_call_arguments.delta`
     carrying the whole arguments (xAI sends whole tool calls, xai-api.md §1.4), then
     `response.function_call_arguments.done` (openai shape; xAI's Unconfirmed);
   - message: `response.content_part.added` (empty `output_text`), `response.output_text.delta`
     (words of at most 16 characters, `logprobs: []`), one `response.output_text.annotation.added`
     per citation after the text (as recorded), `response.output_text.done`,
     `response.content_part.done`.
3. `response.completed` with the whole response and `usage` (`response.incomplete` when
   `max_output_tokens` cut it: openai's event; xAI's Unconfirmed).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import Any

from langchain_cfgateway_grok.emulator._xai.render import split_text


def _reasoning_events(item: Mapping[str, Any], index: int) -> Iterator[dict[str, Any]]:
    where = {"item_id": item["id"], "output_index": index}
    for j, part in enumerate(item["summary"]):
        yield {"type": "response.reasoning_summary_part.added", **where,
               "part": {"text": "", "type": "summary_text"}, "summary_index": j}  # fmt: skip
        for piece in split_text(part["text"]):
            yield {"type": "response.reasoning_summary_text.delta", "delta": piece, **where,
                   "summary_index": j}  # fmt: skip
        yield {"type": "response.reasoning_summary_text.done", **where, "summary_index": j,
               "text": part["text"]}  # fmt: skip
        done = {"text": part["text"], "type": "summary_text"}
        yield {"type": "response.reasoning_summary_part.done", **where, "part": done,
               "summary_index": j}  # fmt: skip


def _message_events(item: Mapping[str, Any], index: int) -> Iterator[dict[str, Any]]:
    where = {"item_id": item["id"], "output_index": index}
    for c, part in enumerate(item["content"]):
        empty = {"type": "output_text", "text": "", "logprobs": [], "annotations": []}
        yield {"type": "response.content_part.added", "content_index": c, **where, "part": empty}
        for piece in split_text(part["text"]):
            yield {"type": "response.output_text.delta", "content_index": c, "delta": piece,
                   **where, "logprobs": []}  # fmt: skip
        for a, annotation in enumerate(part["annotations"]):
            yield {"type": "response.output_text.annotation.added", "annotation": annotation,
                   "annotation_index": a, "content_index": c, **where}  # fmt: skip
        yield {"type": "response.output_text.done", "content_index": c, **where,
               "text": part["text"], "logprobs": []}  # fmt: skip
        yield {"type": "response.content_part.done", "content_index": c, **where, "part": part}


def _in_progress(item: Mapping[str, Any]) -> dict[str, Any]:
    """The item as `response.output_item.added` shows it."""
    started = {**item, "status": "in_progress"}
    kind = item["type"]
    if kind == "reasoning":
        started["summary"] = []
        started.pop("encrypted_content", None)
    elif kind == "message":
        started["content"] = []
    elif kind == "function_call":
        started["arguments"] = ""
    elif kind in ("web_search_call", "x_search_call"):
        started["action"] = {"type": "search", "query": "", "sources": []}
    elif kind == "code_interpreter_call":
        started["code"] = ""
        started["outputs"] = None
    if "call_id" in item and kind != "function_call":
        started["arguments"] = ""
    return started


def _item_events(item: Mapping[str, Any], index: int) -> Iterator[dict[str, Any]]:
    kind = item["type"]
    where = {"item_id": item["id"], "output_index": index}
    if kind == "reasoning":
        yield from _reasoning_events(item, index)
    elif kind == "message":
        yield from _message_events(item, index)
    elif kind == "function_call":
        if item["arguments"]:
            yield {"type": "response.function_call_arguments.delta", "delta": item["arguments"],
                   **where}  # fmt: skip
        yield {"type": "response.function_call_arguments.done", "arguments": item["arguments"],
               **where}  # fmt: skip
    elif kind in ("web_search_call", "x_search_call"):
        for phase in ("in_progress", "searching", "completed"):
            yield {"type": f"response.{kind}.{phase}", **where}
    elif kind == "code_interpreter_call":
        yield {"type": "response.code_interpreter_call.in_progress", **where}
        yield {"type": "response.code_interpreter_call_code.delta", "delta": item["code"], **where}
        yield {"type": "response.code_interpreter_call_code.done", "code": item["code"], **where}
        yield {"type": "response.code_interpreter_call.interpreting", **where}
        yield {"type": "response.code_interpreter_call.completed", **where}


def stream_events(response: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The events of a finished response, numbered from 0 (module docstring).

    Args:
        response: The finished response object.

    Returns:
        The event objects, in order.
    """
    snapshot = {
        **response,
        "output": [],
        "usage": None,
        "status": "in_progress",
        "completed_at": None,
        "incomplete_details": None,
    }
    if "citations" in snapshot:
        snapshot["citations"] = []
    done = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
    raw: list[dict[str, Any]] = [
        {"type": "response.created", "response": snapshot},
        {"type": "response.in_progress", "response": snapshot},
    ]
    for index, item in enumerate(response["output"]):
        raw.append({"type": "response.output_item.added", "item": _in_progress(item),
                    "output_index": index})  # fmt: skip
        raw.extend(_item_events(item, index))
        raw.append({"type": "response.output_item.done", "item": item, "output_index": index})
    raw.append({"type": done, "response": response})
    counter = itertools.count()
    return [{"sequence_number": next(counter), **event} for event in raw]
