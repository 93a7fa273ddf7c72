"""Quickstart: one Grok call through Cloudflare AI Gateway.

With CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_GATEWAY_ID and XAI_API_KEY (or CLOUDFLARE_AI_GATEWAY_TOKEN
for stored keys) set, this calls the real gateway. Without them it starts the local gateway
emulator and says so, so it runs anywhere, offline.
"""

from __future__ import annotations

from _gateway_setup import gateway_model


def main() -> None:
    with gateway_model("quickstart") as model:
        message = model.invoke("What is Cloudflare AI Gateway? Answer in one sentence.")
        print("Answer:", message.text)
        print("Usage:", message.usage_metadata)
        gateway = message.response_metadata.get("gateway", {})
        print("Cache status:", gateway.get("cache_status"), "| log id:", gateway.get("log_id"))


if __name__ == "__main__":
    main()
