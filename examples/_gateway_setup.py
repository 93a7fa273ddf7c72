"""Shared set-up for the examples: the real gateway when credentials are set, else the emulator.

Which gateway an example talks to, in order:

1. `CFGATEWAY_GROK_EXAMPLE_GATEWAY_URL` set: an emulator that is already running at that root
   URL (the example suite starts one and points the examples at it, so it can inspect the
   requests they send). The credential variables are ignored then.
2. `CLOUDFLARE_ACCOUNT_ID`, `CLOUDFLARE_GATEWAY_ID` and `XAI_API_KEY` or
   `CLOUDFLARE_AI_GATEWAY_TOKEN` set: the real Cloudflare AI Gateway.
3. Otherwise: a gateway emulator started in this process, offline (needs the `emulator` extra).

Each example says which one it uses on its first line of output.

`gateway_model` yields just the model. `example_gateway` yields the model and, when it started
the emulator itself, that emulator too, so an example can stage what a live gateway only
does now and then (an upstream failure, a slow answer) and say so.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import SecretStr

from langchain_cfgateway_grok import ChatCloudflareGrok

if TYPE_CHECKING:  # the emulator is an optional extra
    from langchain_cfgateway_grok.emulator import GatewayEmulator

#: Root URL of a running emulator to use instead of starting one (see the module docstring).
EXAMPLE_GATEWAY_URL_ENV = "CFGATEWAY_GROK_EXAMPLE_GATEWAY_URL"
#: Any 32-hex-digit id works on the emulator; this one is easy to spot in its request log.
EMULATOR_ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
EMULATOR_API_KEY = "xai-emulator-key"


def _has_real_gateway() -> bool:
    env = os.environ
    has_ids = env.get("CLOUDFLARE_ACCOUNT_ID") and env.get("CLOUDFLARE_GATEWAY_ID")
    has_credential = env.get("XAI_API_KEY") or env.get("CLOUDFLARE_AI_GATEWAY_TOKEN")
    return bool(has_ids and has_credential)


class ExampleGateway(NamedTuple):
    """What `example_gateway` yields."""

    model: ChatCloudflareGrok
    emulator: GatewayEmulator | None
    """The emulator this process started (case 3 above), else None: a real gateway, or an
    emulator someone else runs and stages."""


@contextmanager
def example_gateway(example: str, **model_kwargs: Any) -> Iterator[ExampleGateway]:
    """Yield the model for one example and the emulator it started, if it started one.

    Args:
        example: Short name of the example; on an emulator it is also the gateway id, so each
            example's requests are easy to tell apart in the emulator's log.
        **model_kwargs: Extra constructor arguments (model, temperature, ...).
    """
    running = os.environ.get(EXAMPLE_GATEWAY_URL_ENV)
    if running:
        print(f"Using the gateway emulator at {running} ({EXAMPLE_GATEWAY_URL_ENV})")
        yield ExampleGateway(_emulator_model(running, example, model_kwargs), None)
        return
    if _has_real_gateway():
        model = ChatCloudflareGrok(**model_kwargs)
        print(f"Using the real gateway: {model.endpoint_in_use} route")
        yield ExampleGateway(model, None)
        return
    from langchain_cfgateway_grok.emulator import GatewayEmulator

    with GatewayEmulator() as emulator:
        print(f"No credentials set: using a local gateway emulator at {emulator.url}")
        yield ExampleGateway(_emulator_model(emulator.url, example, model_kwargs), emulator)


@contextmanager
def gateway_model(example: str, **model_kwargs: Any) -> Iterator[ChatCloudflareGrok]:
    """Yield a `ChatCloudflareGrok` for one example, on the gateway chosen as described above.

    Args:
        example: Short name of the example; on an emulator it is also the gateway id, so each
            example's requests are easy to tell apart in the emulator's log.
        **model_kwargs: Extra constructor arguments (model, temperature, ...).
    """
    with example_gateway(example, **model_kwargs) as gateway:
        yield gateway.model


def _emulator_model(url: str, example: str, model_kwargs: dict[str, Any]) -> ChatCloudflareGrok:
    return ChatCloudflareGrok(
        gateway_url=url,
        account_id=EMULATOR_ACCOUNT_ID,
        gateway_id=example,
        api_key=SecretStr(EMULATOR_API_KEY),
        gateway_token=None,
        **model_kwargs,
    )
