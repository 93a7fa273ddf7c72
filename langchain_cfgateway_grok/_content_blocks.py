"""Standard content blocks for messages with `model_provider="xai"` (LangChain v1 output).

langchain-core has no xAI translator, so without this one `content_blocks` falls back to
best-effort parsing, and in streamed v1 output a reasoning block and the first tool-call chunk
both get index 0 and merge into one broken block (the aggregate then has no `tool_call`;
langchain-xai xfails its standard test for it). Grok's Chat Completions wire format is
OpenAI's plus `reasoning_content`, so this translator is OpenAI's Chat Completions one with the
reasoning block first and tool-call chunks indexed apart from the other blocks.
"""

from __future__ import annotations

from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages import content as types
from langchain_core.messages.base import _extract_reasoning_from_additional_kwargs
from langchain_core.messages.block_translators import openai as openai_blocks
from langchain_core.messages.block_translators import register_translator

PROVIDER = "xai"
#: Prefix for tool-call chunk indexes, so they never share an index with reasoning or text.
_TOOL_CALL_INDEX_PREFIX = "lc_tc_"


def translate_content(message: AIMessage) -> list[types.ContentBlock]:
    """Content blocks of a whole Grok message: reasoning, text, tool calls, refusal."""
    if not isinstance(message.content, str):
        return openai_blocks.translate_content(message)
    blocks = openai_blocks.translate_content(message)
    return _with_reasoning(message, blocks)


def translate_content_chunk(message: AIMessageChunk) -> list[types.ContentBlock]:
    """Content blocks of one streamed Grok chunk."""
    if not isinstance(message.content, str):
        return openai_blocks.translate_content_chunk(message)
    blocks = openai_blocks.translate_content_chunk(message)
    for block in blocks:
        if block["type"] == "tool_call_chunk" and "index" in block:
            mutable = cast("dict[str, Any]", block)
            mutable["index"] = f"{_TOOL_CALL_INDEX_PREFIX}{mutable['index']}"
    return _with_reasoning(message, blocks)


def _with_reasoning(
    message: AIMessage | AIMessageChunk, blocks: list[types.ContentBlock]
) -> list[types.ContentBlock]:
    if reasoning := _extract_reasoning_from_additional_kwargs(message):
        return [reasoning, *blocks]
    return blocks


def register() -> None:
    """Register the translator for `model_provider="xai"` (idempotent)."""
    register_translator(PROVIDER, translate_content, translate_content_chunk)
