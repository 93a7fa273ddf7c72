"""Map a request path to a gateway route (gateway-protocol.md §1, checklist §7.1); pure.

Served: `/v1/{account}/{gateway}/grok/v1/chat/completions`, `/grok/chat/completions` (switch
`accept_unversioned_grok_path`), `/compat/chat/completions`; `/grok/v1/messages` and
`/grok/v1/complete` answer as xAI answers retired endpoints. Any other path under `/grok/` is
forwarded to xAI, which answers 404. Another provider slug is a gateway error (2008 unknown, 2005
known but not emulated). `/v1/{account}/{gateway}` itself is the Universal endpoint (§1.4).
Everything else is a plain-text 404 (see docs/emulator.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RouteKind = Literal[
    "grok_chat",  # provider-native chat completions
    "compat_chat",  # OpenAI-compatible endpoint
    "grok_retired",  # /grok/v1/messages, /grok/v1/complete
    "grok_other",  # any other /grok/... path: xAI answers 404
    "grok_responses",  # /grok/v1/responses (switch `responses_route_enabled`)
    "grok_response_item",  # /grok/v1/responses/{id}: GET / DELETE a stored response
    "invalid_provider",  # unknown provider slug: 400/2008
    "other_provider",  # a real gateway provider the emulator does not emulate: 400/2005
    "universal",  # /v1/{account}/{gateway}: the Universal endpoint, a JSON array of steps
    "rest_chat",  # Cloudflare REST API chat completions (set by `_cf_api`, never matched here)
    "not_found",  # not a gateway path at all
]

#: Provider slugs the real gateway serves besides Grok (§1.3 list and provider pages).
OTHER_PROVIDERS = frozenset(
    {
        "anthropic",
        "openai",
        "azure-openai",
        "groq",
        "mistral",
        "cohere",
        "perplexity-ai",
        "workers-ai",
        "google-ai-studio",
        "google-vertex-ai",
        "aws-bedrock",
        "huggingface",
        "replicate",
        "deepseek",
        "cerebras",
        "baseten",
        "openrouter",
        "parallel",
    }
)

RETIRED_GROK_ENDPOINTS = frozenset({"v1/messages", "v1/complete"})


@dataclass(frozen=True)
class Route:
    """Where a path leads."""

    kind: RouteKind
    account: str = ""
    gateway: str = ""
    provider: str = ""
    endpoint: str = ""
    """Path after the provider slug, e.g. `v1/chat/completions`."""


def responses_kind(endpoint: str, *, accept_unversioned_grok_path: bool) -> RouteKind | None:
    """`grok_responses` / `grok_response_item` for the Responses paths, else None.

    `v1/responses` and `v1/responses/{id}` (and without `v1/` when the unversioned switch is
    on). Whether the gateway serves them is a switch, applied by `_responses_route`.
    """
    prefixes = ("v1/responses", "responses") if accept_unversioned_grok_path else ("v1/responses",)
    for prefix in prefixes:
        if endpoint == prefix:
            return "grok_responses"
        rest = endpoint.removeprefix(prefix + "/")
        if rest != endpoint and rest and "/" not in rest:
            return "grok_response_item"
    return None


def match_route(path: str, *, accept_unversioned_grok_path: bool = True) -> Route:  # noqa: PLR0911
    """Classify `path` (already percent-decoded, as ASGI gives it)."""
    parts = path.split("/")
    # "", "v1", account, gateway (the Universal endpoint; a trailing slash allowed)
    universal = len(parts) == 4 or (len(parts) == 5 and parts[4] == "")
    if universal and parts[:2] == ["", "v1"] and "" not in parts[2:4]:
        return Route("universal", account=parts[2], gateway=parts[3])
    # "", "v1", account, gateway, provider, *endpoint
    if len(parts) < 6 or parts[0] != "" or parts[1] != "v1" or "" in parts[2:5]:
        return Route("not_found")
    account, gateway, provider = parts[2], parts[3], parts[4]
    endpoint = "/".join(parts[5:])
    where = {"account": account, "gateway": gateway, "provider": provider, "endpoint": endpoint}
    if provider == "grok":
        if endpoint == "v1/chat/completions" or (
            accept_unversioned_grok_path and endpoint == "chat/completions"
        ):
            return Route("grok_chat", **where)
        responses = responses_kind(
            endpoint, accept_unversioned_grok_path=accept_unversioned_grok_path
        )
        if responses is not None:
            return Route(responses, **where)
        if endpoint in RETIRED_GROK_ENDPOINTS:
            return Route("grok_retired", **where)
        return Route("grok_other", **where)
    if provider == "compat":
        if endpoint == "chat/completions":
            return Route("compat_chat", **where)
        return Route("not_found", **where)
    if provider in OTHER_PROVIDERS:
        return Route("other_provider", **where)
    return Route("invalid_provider", **where)


CompatModelKind = Literal["grok", "dynamic", "xai", "bare", "other_provider", "invalid_provider"]


def split_compat_model(model: str) -> tuple[CompatModelKind, str]:
    """Classify a compat `model` (§1.3): `grok/<m>`, `dynamic/<route>`, `xai/<m>`, or a bare name.

    Returns the kind and the part after the prefix (the whole name when bare).
    """
    prefix, sep, rest = model.partition("/")
    if not sep:
        return "bare", model
    if prefix == "grok":
        return "grok", rest
    if prefix == "dynamic":
        return "dynamic", rest
    if prefix == "xai":
        return "xai", rest
    if prefix in OTHER_PROVIDERS:
        return "other_provider", rest
    return "invalid_provider", rest
