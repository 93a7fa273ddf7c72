"""Helpers shared by the end-to-end gateway tests: a model wired to the emulator, run capture.

Everything here is test scaffolding around real objects: the model is the real
`ChatCloudflareGrok` with its own URL builder (`gateway_url=emu.url`), the emulator is a real
loopback HTTP server, and the tracer is langchain-core's `BaseTracer` keeping runs in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.tracers.base import BaseTracer
from langchain_core.tracers.schemas import Run

from langchain_cfgateway_grok import ChatCloudflareGrok
from langchain_cfgateway_grok.emulator import GatewayEmulator

ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
GATEWAY_ID = "gw"
XAI_KEY = "xai-e2e-key-0001"
GATEWAY_TOKEN = "cf-e2e-token-0001"
#: A current model that reasons (so `reasoning_content` and usage details are exercised).
MODEL = "grok-4.3"


def make_model(emu: GatewayEmulator, **overrides: Any) -> ChatCloudflareGrok:
    """A model on the emulator through the real URL builder; client retries off by default.

    Client retries (`max_retries`) default to 0 here so that request counts show what the
    gateway did, not what the client repeated; tests about client retries set it.
    """
    params: dict[str, Any] = {
        "model": MODEL,
        "api_key": XAI_KEY,
        "account_id": ACCOUNT_ID,
        "gateway_id": GATEWAY_ID,
        "gateway_url": emu.url,
        "max_retries": 0,
    }
    params.update(overrides)
    return ChatCloudflareGrok(**params)


def merge_chunks(chunks: Iterable[BaseMessage]) -> AIMessageChunk:
    """Add stream chunks the way LangChain does (`+`), so concatenation bugs would show."""
    merged: AIMessageChunk | None = None
    for chunk in chunks:
        assert isinstance(chunk, AIMessageChunk), type(chunk)
        merged = chunk if merged is None else merged + chunk
    assert merged is not None, "the stream yielded nothing"
    return merged


def sent_headers(emu: GatewayEmulator) -> list[dict[str, str]]:
    """The `cf-aig-*` headers of every request the emulator received, oldest first.

    Credentials are left out (the emulator records them only as fingerprints anyway).
    """
    return [
        {
            name: value
            for name, value in request.headers.items()
            if name.startswith("cf-aig-") and name != "cf-aig-authorization"
        }
        for request in emu.requests
    ]


class ChatRunIds(BaseCallbackHandler):
    """Records the run id of every chat model run it sees (sync and async callers)."""

    def __init__(self) -> None:
        self.run_ids: list[UUID] = []

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **kwargs: Any
    ) -> None:
        self.run_ids.append(kwargs["run_id"])


class RunCollector(BaseTracer):
    """A local tracer: keeps every finished LLM/chat-model run in memory (no LangSmith)."""

    def __init__(self) -> None:
        super().__init__()
        self.llm_runs: list[Run] = []

    def _persist_run(self, run: Run) -> None:
        """Root runs are persisted by LangSmith's tracer; here `llm_runs` is enough."""

    def _on_llm_end(self, run: Run) -> None:
        self.llm_runs.append(run)

    def _on_llm_error(self, run: Run) -> None:
        self.llm_runs.append(run)
