"""Quickstart: one Grok call through Cloudflare AI Gateway.

With CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_GATEWAY_ID and XAI_API_KEY (or CLOUDFLARE_AI_GATEWAY_TOKEN
for stored keys) set, this calls the real gateway. Without them it starts the local gateway
emulator and says so, so it runs anywhere, offline.
"""

from __future__ import annotations

import os
from contextlib import ExitStack

from langchain_cfgateway_grok import ChatCloudflareGrok


def main() -> None:
    with ExitStack() as stack:
        has_gateway = os.environ.get("CLOUDFLARE_ACCOUNT_ID") and os.environ.get(
            "CLOUDFLARE_GATEWAY_ID"
        )
        has_credential = os.environ.get("XAI_API_KEY") or os.environ.get(
            "CLOUDFLARE_AI_GATEWAY_TOKEN"
        )
        if has_gateway and has_credential:
            model = ChatCloudflareGrok()
            print(f"Using the real gateway: {model.endpoint_in_use} route")
        else:
            from langchain_cfgateway_grok.emulator import GatewayEmulator

            emulator = stack.enter_context(GatewayEmulator())
            print(f"No credentials set: using the local gateway emulator at {emulator.url}")
            model = ChatCloudflareGrok(
                gateway_url=emulator.url,
                account_id="0123456789abcdef0123456789abcdef",
                gateway_id="quickstart",
                api_key="xai-emulator-key",
            )
        message = model.invoke("What is Cloudflare AI Gateway? Answer in one sentence.")
        print("Answer:", message.text)
        print("Usage:", message.usage_metadata)
        gateway = message.response_metadata.get("gateway", {})
        print("Cache status:", gateway.get("cache_status"), "| log id:", gateway.get("log_id"))


if __name__ == "__main__":
    main()
