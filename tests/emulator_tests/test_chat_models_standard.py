"""LangChain's standard integration tests, against the gateway emulator: grok and compat routes,
and once more on xAI's Responses API (grok route only, where the gateway serves it).

The suite is written for a live API; here every request goes over loopback HTTP to
`GatewayEmulator`, through the model's real URL builder (`gateway_url`, not `base_url`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_cfgateway_grok import ChatCloudflareGrok
from langchain_cfgateway_grok.emulator import GatewayEmulator

ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
_UsageDetail = Literal[
    "audio_input", "audio_output", "reasoning_output", "cache_read_input", "cache_creation_input"
]
_RUNNING: dict[str, GatewayEmulator] = {}


@pytest.fixture(scope="module", autouse=True)
def _emulator() -> Iterator[GatewayEmulator]:
    with GatewayEmulator() as emulator:
        _RUNNING["emulator"] = emulator
        yield emulator
    _RUNNING.clear()


class _EmulatorStandardTests(ChatModelIntegrationTests):
    endpoint = "grok"

    @property
    def chat_model_class(self) -> type[ChatCloudflareGrok]:
        return ChatCloudflareGrok

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "model": "grok-4.5",
            "api_key": "xai-standard-suite",
            "account_id": ACCOUNT_ID,
            "gateway_id": f"standard-{self.endpoint}",
            "gateway_url": _RUNNING["emulator"].url,
            "endpoint": self.endpoint,
        }

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "grok-4.20-0309-non-reasoning"

    @property
    def supported_usage_metadata_details(
        self,
    ) -> dict[Literal["invoke", "stream"], list[_UsageDetail]]:
        details: list[_UsageDetail] = ["reasoning_output", "cache_read_input"]
        return {"invoke": list(details), "stream": list(details)}

    def _model(self, **overrides: Any) -> ChatCloudflareGrok:
        return ChatCloudflareGrok(**{**self.chat_model_params, **overrides})

    def invoke_with_reasoning_output(self, *, stream: bool = False) -> AIMessage:
        model = self._model(model="grok-4.3", reasoning_effort="high")
        prompt = "Think it through: what is 17 times 23?"
        return _collect(model.stream(prompt)) if stream else model.invoke(prompt)

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> AIMessage:
        # A stable prompt_cache_key (x-grok-conv-id, or prompt_cache_key on Responses) routes
        # both calls to the same emulated xAI server, whose prompt cache reports the repeated
        # prefix as cached tokens.
        model = self._model(prompt_cache_key=f"standard-cache-{self.endpoint}-{stream}")
        prompt = "Repeat after me: the gateway caches prompts. " * 4
        model.invoke(prompt)
        return _collect(model.stream(prompt)) if stream else model.invoke(prompt)


def _collect(chunks: Iterator[AIMessageChunk]) -> AIMessage:
    merged: AIMessageChunk | None = None
    for chunk in chunks:
        merged = chunk if merged is None else merged + chunk
    assert merged is not None
    return AIMessage(
        content=merged.content,
        usage_metadata=merged.usage_metadata,
        response_metadata=merged.response_metadata,
    )


class TestGrokRoute(_EmulatorStandardTests):
    endpoint = "grok"


class TestCompatRoute(_EmulatorStandardTests):
    endpoint = "compat"


class TestResponsesApi(_EmulatorStandardTests):
    endpoint = "grok"

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            **super().chat_model_params,
            "gateway_id": "standard-responses",
            "use_responses_api": True,
        }

    def invoke_with_reasoning_output(self, *, stream: bool = False) -> AIMessage:
        model = self._model(model="grok-4.3", reasoning={"effort": "high", "summary": "auto"})
        prompt = "Think it through: what is 17 times 23?"
        return _collect(model.stream(prompt)) if stream else model.invoke(prompt)
