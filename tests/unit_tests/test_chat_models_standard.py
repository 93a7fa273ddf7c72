"""LangChain's standard unit tests (`langchain-tests`, pinned), with sockets disabled."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_cfgateway_grok import ChatCloudflareGrok

ACCOUNT_ID = "0123456789abcdef0123456789abcdef"


class TestChatCloudflareGrokStandard(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatCloudflareGrok]:
        return ChatCloudflareGrok

    @property
    def chat_model_params(self) -> dict[str, Any]:
        # Credentials here, not in env: `test_standard_params` and `test_init_time`
        # construct from these params alone.
        return {
            "model": "grok-4.5",
            "api_key": "xai-unit-test",
            "account_id": ACCOUNT_ID,
            "gateway_id": "unit-gw",
        }

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {
                "XAI_API_KEY": "xai-from-env",
                "CLOUDFLARE_ACCOUNT_ID": ACCOUNT_ID,
                "CLOUDFLARE_GATEWAY_ID": "env-gw",
                "CLOUDFLARE_AI_GATEWAY_TOKEN": "cf-token-from-env",
                "CLOUDFLARE_AI_GATEWAY_URL": "https://gateway.example.test/v1",
            },
            {"model": "grok-4.3"},
            {
                "xai_api_key": "xai-from-env",
                "account_id": ACCOUNT_ID,
                "gateway_id": "env-gw",
                "gateway_token": "cf-token-from-env",
                "gateway_url": "https://gateway.example.test/v1",
            },
        )
