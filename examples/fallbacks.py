"""Gateway fallbacks: one request, and the gateway itself tries the next model when one fails.

The model is grok-4.5 with `gateway_fallbacks`: grok-4.3, then grok-4.20-0309-non-reasoning on
the compat route. The client sends the whole chain as ONE request to the gateway's Universal
endpoint; the gateway tries the steps in order and moves on when a step answers an error or
sends no first byte within its `first_byte_timeout`. `response_metadata["gateway"]["step"]` says
which step served (0 = grok-4.5 itself), and `model_name` which model answered.

Compare LangChain's client-side `.with_fallbacks()`:

    primary = ChatCloudflareGrok(model="grok-4.5")
    resilient = primary.with_fallbacks([ChatCloudflareGrok(model="grok-4.3")])

There the client waits for the primary to fail, then sends a second request itself: a full round
trip per failed attempt, but any runnable can be the fallback (another gateway, provider or
key). With `gateway_fallbacks` the retry happens inside Cloudflare, in the same request, and the
fallbacks are models of this gateway. The two combine: a model with `gateway_fallbacks` can be
wrapped in `.with_fallbacks()` for a last resort outside the gateway.

On a live gateway the primary usually answers, so you will mostly see step 0. On the emulator
this example starts itself, it stages the failures: grok-4.5 answers 503 to the first call
(fallback on an error), then is too slow for its 5 s first-byte timeout while grok-4.3 answers
503 to the second (fallback on a timeout, down to the compat step). Runs on the real gateway
when credentials are set, else on a local emulator (see `_gateway_setup.py`).
"""

from __future__ import annotations

from _gateway_setup import example_gateway
from langchain_core.messages import AIMessage, AIMessageChunk

from langchain_cfgateway_grok import FallbackStep

PRIMARY_FIRST_BYTE_TIMEOUT = 5  # seconds; a slower primary is abandoned for the next step
SLOW_PRIMARY_SECONDS = 10  # the emulator's staged delay, past that timeout


def main() -> None:
    with example_gateway(
        "fallbacks",
        model="grok-4.5",
        # Request-level options apply to every step that does not set its own.
        gateway_options={"first_byte_timeout": PRIMARY_FIRST_BYTE_TIMEOUT},
        gateway_fallbacks=[
            # A step's own options win for that step: grok-4.3 may take longer.
            FallbackStep(model="grok-4.3", options={"first_byte_timeout": 30}),
            FallbackStep(model="grok-4.20-0309-non-reasoning", endpoint="compat"),
        ],
    ) as (model, emulator):
        print(
            "Chain: step 0 grok-4.5 (grok route, first byte within "
            f"{PRIMARY_FIRST_BYTE_TIMEOUT} s) -> step 1 grok-4.3 (grok route) -> "
            "step 2 grok-4.20-0309-non-reasoning (compat route)"
        )

        if emulator is not None:
            emulator.faults.add(upstream_status=503)
            print("Emulator: grok-4.5 will answer 503")
        message = model.invoke("Which model answered? One sentence.")
        _report("invoke", message)

        if emulator is not None:
            emulator.faults.add(upstream_delay=SLOW_PRIMARY_SECONDS)
            emulator.faults.add(upstream_status=503)
            print(
                f"Emulator: grok-4.5 will take {SLOW_PRIMARY_SECONDS} s to its first byte, "
                "grok-4.3 will answer 503"
            )
        streamed: AIMessageChunk | None = None
        for chunk in model.stream("And when streaming?"):
            streamed = chunk if streamed is None else streamed + chunk
        if streamed is not None:
            _report("stream", streamed)


def _report(call: str, message: AIMessage) -> None:
    gateway = message.response_metadata.get("gateway", {})
    print(
        f"{call}: served by step {gateway.get('step')} | "
        f"model {message.response_metadata.get('model_name')} | "
        f"log id {gateway.get('log_id')}"
    )
    print(f"  answer: {message.text}")


if __name__ == "__main__":
    main()
