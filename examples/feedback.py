"""Feedback: rate a Grok call afterwards through Cloudflare's logs API, then read the log back.

With CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_GATEWAY_ID, XAI_API_KEY (or CLOUDFLARE_AI_GATEWAY_TOKEN for
stored keys) and CLOUDFLARE_API_TOKEN (a Cloudflare API token with AI Gateway Read and Edit) set,
this calls the real gateway and the real Cloudflare API. Without them it starts the local gateway
emulator, which serves the logs API too, and says so, so it runs anywhere, offline.

Cloudflare's docs disagree on the feedback values (1/-1 on the feedback API page, 0/1 in the
Workers binding docs); this example uses the default scale, 1 and -1 (`feedback_scale=`).
"""

from __future__ import annotations

import os
import uuid
from contextlib import ExitStack
from typing import Any

from langchain_cfgateway_grok import ChatCloudflareGrok
from langchain_cfgateway_grok.feedback import GatewayFeedbackHandler, get_log, send_feedback

EMULATOR_ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
EMULATOR_GATEWAY_ID = "feedback"
EMULATOR_API_TOKEN = "cf-api-token-emulator"


def _has_real_gateway() -> bool:
    env = os.environ
    has_ids = env.get("CLOUDFLARE_ACCOUNT_ID") and env.get("CLOUDFLARE_GATEWAY_ID")
    has_credential = env.get("XAI_API_KEY") or env.get("CLOUDFLARE_AI_GATEWAY_TOKEN")
    return bool(has_ids and has_credential and env.get("CLOUDFLARE_API_TOKEN"))


def main() -> None:
    with ExitStack() as stack:
        api: dict[str, Any]
        if _has_real_gateway():
            model = ChatCloudflareGrok()
            api = {}  # account, gateway, API token and API URL from the environment
            print(f"Using the real gateway ({model.endpoint_in_use} route) and the Cloudflare API")
        else:
            from langchain_cfgateway_grok.emulator import GatewayEmulator

            emulator = stack.enter_context(GatewayEmulator(api_tokens=[EMULATOR_API_TOKEN]))
            print(
                f"No credentials set: using the local gateway emulator at {emulator.url} "
                f"(Cloudflare API at {emulator.api_url})"
            )
            model = ChatCloudflareGrok(
                gateway_url=emulator.url,
                account_id=EMULATOR_ACCOUNT_ID,
                gateway_id=EMULATOR_GATEWAY_ID,
                api_key="xai-emulator-key",
            )
            api = {
                "account_id": EMULATOR_ACCOUNT_ID,
                "gateway_id": EMULATOR_GATEWAY_ID,
                "api_token": EMULATOR_API_TOKEN,
                "cloudflare_api_url": emulator.api_url,
            }

        # 1. One call; its gateway log id comes back in the response metadata.
        message = model.invoke("Name one benefit of an AI gateway, in one sentence.")
        log_id = message.response_metadata["gateway"]["log_id"]
        print("Answer:", message.text)
        print("Log id:", log_id)

        # 2. Feedback on that log entry, then the entry as the logs API returns it.
        send_feedback(log_id, feedback=1, score=95, metadata={"reviewer": "example"}, **api)
        print("Feedback sent: thumbs up, score 95")
        log = get_log(log_id, **api)
        print(
            f"Log entry: model={log['model']} feedback={log['feedback']} score={log['score']} "
            f"metadata={log['metadata']}"
        )

        # 3. The LangChain way: a callback handler records each run's log id.
        handler = GatewayFeedbackHandler(**api)
        run_id = uuid.uuid4()
        model.invoke("And one drawback?", config={"callbacks": [handler], "run_id": run_id})
        (updated,) = handler.send(run_id, feedback=-1)
        print(f"Handler: feedback={updated['feedback']} on log {updated['id']} (run {run_id})")


if __name__ == "__main__":
    main()
