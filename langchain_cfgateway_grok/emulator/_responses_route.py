"""The gateway's Responses route: `/v1/{acct}/{gw}/grok/v1/responses` and `.../responses/{id}`.

Whether Cloudflare AI Gateway serves `/grok/v1/responses` is Unconfirmed (gateway-protocol.md
§1.2: cloudflare/ai#430 got a 401 through `ai-gateway-provider`), so it is the switch
`Switches.responses_route_enabled` (on by default). Off, the path is answered like any other
unknown `/grok/...` path: forwarded, and xAI's 404 comes back.

On, `POST .../responses` goes through the same pipeline as chat completions (`Gateway._chat`:
gateway auth, credentials, rate and spend limits, guardrails with buffered streams, DLP, cache,
retries, logs) and the emulated xAI answers it (`_xai.create_response`). `GET` and `DELETE
.../responses/{id}` read or delete a stored response (`_xai.get_response` / `delete_response`)
with the same credentials; they are not cached. Other methods get xAI's 405.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_cfgateway_grok.emulator import _upstream

if TYPE_CHECKING:
    from langchain_cfgateway_grok.emulator._config import GatewayConfig
    from langchain_cfgateway_grok.emulator._pipeline import Answer, Gateway, _Exchange

RESPONSES_ROUTE_KINDS = ("grok_responses", "grok_response_item")


async def serve(gateway: Gateway, ex: _Exchange, config: GatewayConfig) -> Answer:
    """Answer a request on the Responses route (module docstring)."""
    route = ex.route
    path = "/" + route.endpoint
    if not ex.switches.responses_route_enabled:
        return gateway._relay(ex, _upstream.unknown_endpoint(path))
    method = ex.request.method
    if route.kind == "grok_responses":
        if method != "POST":
            return gateway._relay(ex, _upstream.method_not_allowed(method, path))
        return await gateway._chat(ex, config)
    credentials = gateway._credentials(ex, config)
    if not isinstance(credentials, tuple):
        return credentials
    api_key, accepted_keys, _ = credentials
    response_id = route.endpoint.rsplit("/", 1)[-1]
    answer = _upstream.response_item(
        method,
        response_id,
        api_key=api_key,
        accepted_keys=accepted_keys,  # None under Unified Billing (`_credentials`)
        now=gateway.clock.now(),
        store=gateway.state.xai_store,
    )
    return gateway._relay(ex, answer)
