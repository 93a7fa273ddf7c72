"""Gateway caching: ask the same question twice; the gateway answers the second from its cache.

The options are typed (`GatewayOptions`) and sent as `cf-aig-*` headers: `cache_key` opts this
request in to caching even on a gateway whose caching is off, and `cache_ttl` keeps the answer
for an hour. What the gateway did comes back in `response_metadata["gateway"]`: `MISS` on the
first call, `HIT` on the second (same answer, new log id, no call to xAI, no cost), and `MISS`
again with `skip_cache=True`.

Runs on the real gateway when credentials are set (run it twice within the hour and the first
call is a HIT too), else on a local emulator (see `_gateway_setup.py`).
"""

from __future__ import annotations

import hashlib

from _gateway_setup import gateway_model

from langchain_cfgateway_grok import GatewayOptions

QUESTION = "What does a CDN cache? Answer in one sentence."


def main() -> None:
    # A key derived from the question: the same question hits the same cache entry.
    cache_key = "faq-" + hashlib.sha256(QUESTION.encode()).hexdigest()[:32]
    options: GatewayOptions = {"cache_key": cache_key, "cache_ttl": 3600}
    with gateway_model("gateway-caching", model="grok-4.3") as model:
        answers = []
        for call in (1, 2):
            message = model.invoke(QUESTION, gateway_options=options)
            gateway = message.response_metadata.get("gateway", {})
            print(
                f"Call {call}: cache {gateway.get('cache_status')} | "
                f"log id: {gateway.get('log_id')}"
            )
            print(f"  answer: {message.text}")
            answers.append(message.text)
        print("Same answer both times:", answers[0] == answers[1])

        fresh = model.invoke(QUESTION, gateway_options={**options, "skip_cache": True})
        gateway = fresh.response_metadata.get("gateway", {})
        print(
            f"With skip_cache=True: cache {gateway.get('cache_status')} | "
            f"log id: {gateway.get('log_id')}"
        )


if __name__ == "__main__":
    main()
