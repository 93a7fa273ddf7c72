"""The langchain-tests integration suite against the emulated model, in process.

`ChatXAI` (the reference client, xai-api.md §2) talks to `chat_completions` through an
`httpx2.MockTransport`: no sockets, no gateway; this proves the policy answers the suite's prompts
by its generic rules (tool arguments from the prompt, unicode names, JSON keys, agent loops).
The gateway and our own client are exercised over loopback in `tests/emulator_tests/`.

Reasoning content is switched off here: with it on, langchain-xai 1.3.0's `output_version="v1"`
stream aggregation merges the reasoning block and the tool-call block (both `index` 0), which is
why upstream xfails `test_tool_calling[model1]` for real Grok (langchain-conventions.md §1.5).
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx2
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_xai import ChatXAI

from langchain_cfgateway_grok.emulator._xai import XaiSettings, chat_completions

SETTINGS = XaiSettings(emit_reasoning_content=False)


def answer(request: httpx2.Request) -> httpx2.Response:
    key = request.headers.get("authorization", "").removeprefix("Bearer ").strip() or None
    result = chat_completions(
        request.content,
        api_key=key,
        now=time.time(),
        settings=SETTINGS,
        content_type=request.headers.get("content-type"),
    )
    if result.chunks is None:
        return httpx2.Response(result.status, json=result.body)
    frames = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in result.chunks)
    return httpx2.Response(
        result.status,
        content=frames + b"data: [DONE]\n\n",
        headers={"content-type": "text/event-stream"},
    )


class TestPolicyAgainstStandardSuite(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatXAI]:
        return ChatXAI

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "model": "grok-4.3",
            "api_key": "xai-test",
            "base_url": "http://xai.invalid/v1",
            "http_client": httpx2.Client(transport=httpx2.MockTransport(answer)),
            "http_async_client": httpx2.AsyncClient(transport=httpx2.MockTransport(answer)),
        }

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "grok-4.20-0309-reasoning"
