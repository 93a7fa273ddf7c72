"""Token counting: ceil(UTF-8 bytes / 4), and what of a request counts as its prompt."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from langchain_cfgateway_grok.emulator._xai.conversation import content_text
from langchain_cfgateway_grok.emulator._xai.request import ChatRequest

BYTES_PER_TOKEN = 4
#: Tokens charged per image part (xAI's image tokenisation is Unconfirmed; a fixed cost keeps
#: base64 payloads from dominating the count).
IMAGE_TOKENS = 256


def count_tokens(text: str) -> int:
    """ceil(UTF-8 bytes / 4)."""
    return -(-len(text.encode("utf-8")) // BYTES_PER_TOKEN)


@dataclass(frozen=True)
class PromptCount:
    """Prompt tokens: text and image parts (`prompt_tokens_details`)."""

    text_tokens: int
    image_tokens: int

    @property
    def total(self) -> int:
        """`prompt_tokens`."""
        return self.text_tokens + self.image_tokens


def dump(value: Any) -> str:
    """Compact, key-sorted JSON (how tool definitions and schemas are counted)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def message_text(message: Mapping[str, Any]) -> tuple[str, int]:
    """A message as prompt text (`role: text`, then reasoning and tool calls) and its images."""
    content = message.get("content")
    images = 0
    parts = [content_text(content)]
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, dict) or part.get("type") == "text":
                continue
            if part.get("type") == "image_url":
                images += 1
            else:
                parts.append(dump(part))
    if isinstance(message.get("reasoning_content"), str):
        parts.append(message["reasoning_content"])
    for call in message.get("tool_calls") or []:
        parts.append(f"{call['function']['name']}({call['function']['arguments']})")
    return f"{message.get('role')}: " + "\n".join(p for p in parts if p), images


def prompt_text(request: ChatRequest) -> tuple[str, int]:
    """The prompt as counted: every message, the tool definitions, the response schema.

    Returns:
        The text and the number of image parts.
    """
    lines: list[str] = []
    images = 0
    for message in request.messages:
        text, count = message_text(message)
        lines.append(text)
        images += count
    lines += tool_lines(request)
    return "\n".join(lines), images


def count_prompt(request: ChatRequest) -> PromptCount:
    """Prompt tokens of a request."""
    text, images = prompt_text(request)
    return PromptCount(text_tokens=count_tokens(text), image_tokens=images * IMAGE_TOKENS)


def tool_lines(request: ChatRequest) -> list[str]:
    """The tool definitions and the `json_schema` schema, one compact JSON line each."""
    lines = [
        dump({"name": tool.name, "description": tool.description, "parameters": tool.parameters})
        for tool in request.tools
    ]
    if request.response_format is not None and request.response_format.schema is not None:
        lines.append(dump(request.response_format.schema))
    return lines


def cache_text(request: ChatRequest) -> str:
    """The prompt as the prompt cache sees it: tools and schema first, then the messages.

    A prefix-stable order (a growing conversation only appends), so turn N+1 shares turn N's
    whole prompt as its prefix.
    """
    return "\n".join([*tool_lines(request), *(message_text(m)[0] for m in request.messages)])
