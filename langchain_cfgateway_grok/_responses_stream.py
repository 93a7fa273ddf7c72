"""xAI's Responses event stream as LangChain message chunks (pure, one reader per stream).

Events (docs/emulator-xai.md, "Responses API", lists their sources; openai's
`ResponseStreamEvent` names): `response.created`, `response.output_item.added` / `.done`,
`response.output_text.delta` / `.annotation.added` / `.done`, reasoning summary parts and
deltas, `response.function_call_arguments.delta`, server-side tool progress events
(`response.web_search_call.searching`, ...), and `response.completed` (or
`response.incomplete`) carrying the whole response with its usage. The stream ends there, with
no `data: [DONE]`; `error` and `response.failed` events are failures
(`RESPONSES_STREAM_END`, enforced by the transport).

Chunks merge into the message `_responses_result` builds for the same response (same blocks,
plus LangChain's streaming `index` keys), also when xAI leaves out delta events (its exact
event set is Unconfirmed): an item whose text, summary or arguments never streamed gets them
from its `output_item.done` event. The blocks follow langchain-openai's
`_convert_responses_chunk_to_generation_chunk` block for block, but over plain dicts: xAI sends
item types the openai SDK's models reject (`x_search_call`), and validating a pydantic model per
event would cost more than the rest of the reading.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from langchain_core.messages import AIMessageChunk
from langchain_core.messages.tool import ToolCallChunk
from langchain_core.outputs import ChatGenerationChunk

from langchain_cfgateway_grok import _responses_result as result
from langchain_cfgateway_grok._sse import EventStreamEnd

_Block = dict[str, Any]


def replay_response(body: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The events a whole `response` object (a buffered answer to a stream request) stands for."""
    if body.get("object") != "response" or not isinstance(body.get("output"), list):
        return None
    kind = "response.incomplete" if body.get("status") == "incomplete" else "response.completed"
    return [{"type": kind, "response": body}]


RESPONSES_STREAM_END: Final = EventStreamEnd(
    name="`response.completed`",
    done=frozenset({"response.completed", "response.incomplete"}),
    failed=frozenset({"error", "response.failed"}),
    replay=replay_response,
)


class EventReader:
    """Turns one response's events into `ChatGenerationChunk`s (shared by sync and async).

    Args:
        generation_info: Gateway facts for the first chunk only (merged chunks would repeat
            them otherwise).
        parse_json: The request asked for `json_schema` output: the last chunk carries `parsed`.
    """

    __slots__ = (
        "_annotated",
        "_generation_info",
        "_handlers",
        "_index",
        "_items_seen",
        "_output_index",
        "_parse_json",
        "_pinned",
        "_reasoning_parts",
        "_streamed",
        "_sub_index",
    )

    def __init__(self, generation_info: dict[str, Any] | None, *, parse_json: bool) -> None:
        self._generation_info = generation_info or None
        self._parse_json = parse_json
        self._index = -1  # content block index, as langchain-openai counts it
        self._output_index = -1
        self._sub_index = -1
        self._pinned: dict[str, int] = {}  # item id -> the first output_index seen for it
        self._items_seen = False
        # Items whose content arrived in deltas; the others get it from their `done` event
        # (xAI's exact event set is Unconfirmed: a whole item must never be lost).
        self._streamed: set[object] = set()
        self._annotated: set[object] = set()  # message items whose annotations arrived
        # Summary parts whose text was emitted, as (item id, summary index): a new part's text
        # is joined to the earlier ones like the whole message joins them.
        self._reasoning_parts: set[tuple[object, object]] = set()
        self._handlers: dict[str, Callable[[Mapping[str, Any]], AIMessageChunk | None]] = {
            "response.created": self._created,
            "response.output_item.added": self._item_added,
            "response.output_item.done": self._item_done,
            "response.output_text.delta": self._text_delta,
            "response.output_text.annotation.added": self._annotation,
            "response.output_text.done": self._text_done,
            "response.refusal.done": self._refusal,
            "response.reasoning_summary_part.added": self._summary_part,
            "response.reasoning_summary_text.delta": self._summary_delta,
            "response.function_call_arguments.delta": self._arguments_delta,
            "response.completed": self._completed,
            "response.incomplete": self._completed,
        }

    def read(self, event: Mapping[str, Any]) -> ChatGenerationChunk | None:
        """The chunk for one event, or None when the event carries nothing for the message."""
        handler = self._handlers.get(event.get("type"))  # type: ignore[arg-type]
        if handler is None:
            return None
        message = handler(event)
        if message is None:
            return None
        info, self._generation_info = self._generation_info, None
        return ChatGenerationChunk(message=message, generation_info=info)

    # -- indexes ---------------------------------------------------------------------------

    def _advance(self, event: Mapping[str, Any], sub_index: int | None = None) -> int:
        """The content index for this event's block (langchain-openai's `_advance`)."""
        output_index = event.get("output_index", self._output_index)
        item = event.get("item")
        item_id = event.get("item_id") or (item.get("id") if isinstance(item, Mapping) else None)
        if isinstance(item_id, str):
            # An item keeps the output_index it was first seen with, so its events stay on
            # one block even if later events report another index.
            output_index = self._pinned.setdefault(item_id, output_index)
        if sub_index is None:
            if output_index != self._output_index:
                self._index += 1
        else:
            if output_index != self._output_index or sub_index != self._sub_index:
                self._index += 1
            self._sub_index = sub_index
        self._output_index = output_index
        return self._index

    # -- handlers ----------------------------------------------------------------------------

    @staticmethod
    def _chunk(content: list[_Block], **fields: Any) -> AIMessageChunk:
        metadata = fields.pop("response_metadata", None) or {"model_provider": result.XAI}
        return AIMessageChunk(content=content, response_metadata=metadata, **fields)  # type: ignore[arg-type]

    def _created(self, event: Mapping[str, Any]) -> AIMessageChunk:
        response = event.get("response") or {}
        response_id = response.get("id")
        return self._chunk(
            [],
            id=response_id,
            response_metadata={"id": response_id, "model_provider": result.XAI},
        )

    def _item_added(self, event: Mapping[str, Any]) -> AIMessageChunk | None:
        self._items_seen = True
        item = event.get("item") or {}
        kind = item.get("type")
        if kind == "reasoning":
            index = self._advance(event)
            self._sub_index = 0
            started: _Block = {
                "type": "reasoning",
                "id": item.get("id"),
                "summary": [],
                "index": index,
            }
            return self._chunk([started])
        if kind == "function_call":
            index = self._advance(event)
            arguments = item.get("arguments") or ""
            if arguments:
                self._streamed.add(item.get("id"))
            call = ToolCallChunk(
                type="tool_call_chunk",
                name=item.get("name"),
                args=arguments,
                id=item.get("call_id"),
                index=index,
            )
            block: _Block = {
                "type": "function_call",
                "name": item.get("name"),
                "arguments": arguments,
                "call_id": item.get("call_id"),
                "id": item.get("id"),
                "index": index,
            }
            return self._chunk([block], tool_call_chunks=[call])
        return None

    def _item_done(self, event: Mapping[str, Any]) -> AIMessageChunk | None:
        item = event.get("item") or {}
        kind = item.get("type")
        streamed = item.get("id") in self._streamed
        if kind == "message":
            return None if streamed else self._whole_message(event, item)
        if kind == "function_call":
            return None if streamed else self._whole_arguments(event, item)
        if kind == "reasoning":
            return self._reasoning_done(event, item, streamed=streamed)
        # Server-side tool calls (and any item type not known here) arrive whole.
        block = result.item_block(item)
        block["index"] = self._advance(event)
        return self._chunk([block])

    def _reasoning_done(
        self, event: Mapping[str, Any], item: Mapping[str, Any], *, streamed: bool
    ) -> AIMessageChunk | None:
        """The encrypted content (complete only now), and the summary if it never streamed."""
        summary = [] if streamed else [p for p in item.get("summary") or () if p.get("text")]
        encrypted = item.get("encrypted_content")
        if not encrypted and not summary:
            return None
        parts = [
            {"index": j, "type": "summary_text", "text": part["text"]}
            for j, part in enumerate(summary)
        ]
        block: _Block = {"type": "reasoning", "id": item.get("id"), "summary": parts}
        if encrypted:
            block["encrypted_content"] = encrypted
        block["index"] = self._advance(event)
        text = "".join(
            self._reasoning_piece(item.get("id"), j, part["text"]) for j, part in enumerate(summary)
        )
        additional_kwargs = {"reasoning_content": text} if text else {}
        return self._chunk([block], additional_kwargs=additional_kwargs)

    def _reasoning_piece(self, item_id: object, summary_index: object, text: str) -> str:
        """`text` for `reasoning_content`, after a separator when it starts another part."""
        if not text:
            return ""
        key = (item_id, summary_index)
        if key in self._reasoning_parts:
            return text
        separator = result.REASONING_SEPARATOR if self._reasoning_parts else ""
        self._reasoning_parts.add(key)
        return separator + text

    def _whole_message(self, event: Mapping[str, Any], item: Mapping[str, Any]) -> AIMessageChunk:
        blocks: list[_Block] = []
        for position, part in enumerate(item.get("content") or ()):
            if isinstance(part, Mapping) and part.get("type") == "output_text":
                block = result.text_block(part, item.get("id"))
                if item.get("id") in self._annotated:
                    block["annotations"] = []  # they came already, one event each
                block["index"] = self._advance(event, position)
                blocks.append(block)
        return self._chunk(blocks)

    def _whole_arguments(
        self, event: Mapping[str, Any], item: Mapping[str, Any]
    ) -> AIMessageChunk | None:
        arguments = item.get("arguments") or ""
        if not arguments:
            return None
        return self._arguments_delta({**event, "delta": arguments, "item_id": item.get("id")})

    def _text_delta(self, event: Mapping[str, Any]) -> AIMessageChunk:
        self._streamed.add(event.get("item_id"))
        index = self._advance(event, event.get("content_index", 0))
        return self._chunk([{"type": "text", "text": event.get("delta") or "", "index": index}])

    def _annotation(self, event: Mapping[str, Any]) -> AIMessageChunk:
        self._annotated.add(event.get("item_id"))
        index = self._advance(event, event.get("content_index", 0))
        annotation = result.text_block({"annotations": [event.get("annotation")]}, None)
        return self._chunk(
            [{"type": "text", "annotations": annotation["annotations"], "index": index}]
        )

    def _text_done(self, event: Mapping[str, Any]) -> AIMessageChunk:
        index = self._advance(event, event.get("content_index", 0))
        item_id = event.get("item_id")
        # The whole text when no delta carried it; else it came already.
        text = "" if item_id in self._streamed else event.get("text") or ""
        self._streamed.add(item_id)
        block: _Block = {
            "type": "text",
            "text": text,
            "annotations": [],
            "id": event.get("item_id"),
            "index": index,
        }
        return self._chunk([block])

    def _refusal(self, event: Mapping[str, Any]) -> AIMessageChunk:
        index = self._advance(event, event.get("content_index", 0))
        block = {
            "type": "refusal",
            "refusal": event.get("refusal") or "",
            "id": event.get("item_id"),
            "index": index,
        }
        return self._chunk([block])

    def _summary_part(self, event: Mapping[str, Any]) -> AIMessageChunk:
        index = self._advance(event)
        part = {"index": event.get("summary_index", 0), "type": "summary_text", "text": ""}
        block = {"type": "reasoning", "id": event.get("item_id"), "summary": [part], "index": index}
        return self._chunk([block])

    def _summary_delta(self, event: Mapping[str, Any]) -> AIMessageChunk:
        item_id = event.get("item_id")
        self._streamed.add(item_id)
        index = self._advance(event)
        delta = event.get("delta") or ""
        summary_index = event.get("summary_index", 0)
        part = {"index": summary_index, "type": "summary_text", "text": delta}
        block = {"type": "reasoning", "summary": [part], "index": index}
        text = self._reasoning_piece(item_id, summary_index, delta)
        return self._chunk([block], additional_kwargs={"reasoning_content": text} if text else {})

    def _arguments_delta(self, event: Mapping[str, Any]) -> AIMessageChunk:
        self._streamed.add(event.get("item_id"))
        index = self._advance(event)
        delta = event.get("delta") or ""
        call = ToolCallChunk(type="tool_call_chunk", name=None, args=delta, id=None, index=index)
        block = {"type": "function_call", "arguments": delta, "index": index}
        return self._chunk([block], tool_call_chunks=[call])

    def _completed(self, event: Mapping[str, Any]) -> AIMessageChunk:
        response = event.get("response") or {}
        metadata = result.response_metadata(response)
        metadata.pop("id", None)  # on the first chunk already
        additional_kwargs: dict[str, Any] = {}
        content: list[_Block] = []
        calls: list[ToolCallChunk] = []
        if not self._items_seen:
            # A buffered answer replayed as one event: the whole message comes now.
            content, _, _, reasoning = result.content_of(response)
            calls = [
                ToolCallChunk(
                    type="tool_call_chunk",
                    name=block.get("name"),
                    args=block.get("arguments") or "",
                    id=block.get("call_id"),
                    index=position,
                )
                for position, block in enumerate(content)
                if block.get("type") == "function_call"
            ]
            if reasoning:
                additional_kwargs["reasoning_content"] = result.REASONING_SEPARATOR.join(reasoning)
        if citations := response.get("citations"):
            additional_kwargs["citations"] = list(citations)
        if self._parse_json and (parsed := result.parsed_output(response)) is not None:
            additional_kwargs["parsed"] = parsed
        usage = response.get("usage")
        return self._chunk(
            content,
            response_metadata=metadata,
            additional_kwargs=additional_kwargs,
            tool_call_chunks=calls,
            usage_metadata=result.usage_metadata(usage) if isinstance(usage, Mapping) else None,
            chunk_position="last",
        )
