"""Emulator configuration: per-gateway settings and the switches for Unconfirmed behaviour.

`GatewayConfig` mirrors the gateway settings of the Cloudflare API (gateway-protocol.md §5 "Gateway
config API") plus the per-gateway features of §2/§5 (stored keys, guardrails, DLP, limits).
`Switches` holds one named choice for every behaviour the references mark Unconfirmed; the defaults
are the emulator's best guess and are listed in docs/emulator.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from langchain_cfgateway_grok.emulator._cache import TtlOutOfRange
from langchain_cfgateway_grok.emulator._controls import (
    CACHE_TTL_MAX,
    CACHE_TTL_MIN,
    MAX_ATTEMPTS_LIMIT,
    RETRY_DELAY_MAX_MS,
    Backoff,
)
from langchain_cfgateway_grok.emulator._gateway_errors import (
    API_ERRORS,
    GATEWAY_ERRORS,
    GatewayErrorSpec,
)
from langchain_cfgateway_grok.emulator._routes import OTHER_PROVIDERS

Technique = Literal["fixed", "sliding"]
UniversalAllFailed = Literal["last_error", "first_error", "gateway_error"]
FeedbackScale = Literal["plus_minus_one", "zero_one", "either"]
#: Provider slugs served by the emulated xAI; any other known slug by a minimal OpenAI-shaped
#: stand-in (docs/emulator.md "Dynamic routes").
XAI_PROVIDERS = frozenset({"grok", "xai"})


@dataclass(frozen=True)
class RateLimit:
    """Gateway rate limit (§5): `limit` requests per `interval` seconds, then 429/2003."""

    limit: int
    interval: float = 60.0
    technique: Technique = "fixed"

    def __post_init__(self) -> None:
        if self.limit < 0 or self.interval <= 0:
            msg = f"RateLimit needs limit >= 0 and interval > 0; got {self.limit}, {self.interval}."
            raise ValueError(msg)


@dataclass(frozen=True)
class SpendLimit:
    """Spend limit rule (§5): over `limit` US dollars in the window, then 429/2041.

    Spend is the sum of logged costs (xAI's `cost_in_usd_ticks`, or the request's
    `cf-aig-custom-cost`) of successful answers inside the window.
    """

    limit: float
    interval: float = 86_400.0
    technique: Technique = "fixed"
    name: str = "emulator-budget"

    def __post_init__(self) -> None:
        if self.limit < 0 or self.interval <= 0:
            msg = (
                f"SpendLimit needs limit >= 0 and interval > 0; got {self.limit}, {self.interval}."
            )
            raise ValueError(msg)


@dataclass(frozen=True)
class Guardrails:
    """Guardrails mode (§5). Case-insensitive terms stand in for Llama Guard categories.

    With guardrails on, a `stream: true` request gets one buffered JSON body. A prompt containing a
    `blocked_prompt_terms` entry gets 424/2016 before xAI is called; an answer containing a
    `blocked_response_terms` entry gets 424/2017.
    """

    blocked_prompt_terms: Sequence[str] = ()
    blocked_response_terms: Sequence[str] = ()


@dataclass(frozen=True)
class DlpRule:
    """A DLP policy (§3 `cf-aig-dlp`): when a term appears, report (FLAG) or block (BLOCK)."""

    terms: Sequence[str]
    check: Literal["REQUEST", "RESPONSE"] = "REQUEST"
    action: Literal["FLAG", "BLOCK"] = "FLAG"
    profile_id: str = "emulator-dlp-profile"
    entry_ids: Sequence[str] = ("emulator-dlp-entry",)
    policy_ids: Sequence[str] = ("emulator-dlp-policy",)


@dataclass(frozen=True)
class DynamicRoute:
    """A dynamic route (§1.5) reached on compat as `dynamic/<name>`: here, one model node.

    `provider` is the slug the gateway reports in `cf-aig-provider`. `grok` (or `xai`) is served
    by the emulated xAI; another provider the real gateway serves (`openai`, `anthropic`, ...)
    by a minimal stand-in that answers an OpenAI-shaped `chat.completion` (or its chunks)
    without xAI-only fields (`reasoning_content`, `cost_in_usd_ticks`, `citations`, ...).
    """

    model: str
    provider: str = "grok"

    def __post_init__(self) -> None:
        if not self.model:
            msg = "DynamicRoute needs a `model` (the model the route serves)."
            raise ValueError(msg)
        if self.provider not in XAI_PROVIDERS | OTHER_PROVIDERS:
            known = ", ".join(sorted(XAI_PROVIDERS | OTHER_PROVIDERS))
            msg = (
                f"DynamicRoute.provider {self.provider!r} is not a gateway provider; "
                f"use one of {known}."
            )
            raise ValueError(msg)

    @property
    def is_xai(self) -> bool:
        """True when the emulated xAI serves this route."""
        return self.provider in XAI_PROVIDERS


@dataclass(frozen=True)
class GatewayConfig:
    """One emulated gateway.

    The default is an unauthenticated gateway with no stored keys that forwards the provider key,
    caching off, logs on, no limits, no retries.
    """

    exists: bool = True
    """False: every request answers 400/2001."""
    auth_tokens: Collection[str] = field(default=(), repr=False)
    """Non-empty: requests need `cf-aig-authorization: Bearer <one of these>` (else 401/2009)."""
    stored_keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    """BYOK xAI keys by alias (`default` is used without `cf-aig-byok-alias`). Only consulted when
    the request has no `Authorization`. Needs `auth_tokens`, as on Cloudflare."""
    byok_only: bool = False
    """Never use Unified Billing (like `cf-aig-no-wholesale: true` on every request)."""
    unified_billing: bool = False
    """Cloudflare pays xAI when no key is sent and none is stored (needs `auth_tokens`, else
    403)."""
    unified_billing_credits: bool = True
    """False: Unified Billing requests answer 402/2021."""
    cache_ttl: int = 0
    """Gateway cache TTL in seconds; 0 = caching off (the `default` gateway's setting)."""
    collect_logs: bool = True
    """Gateway logging; `cf-aig-collect-log` overrides per request."""
    rate_limit: RateLimit | None = None
    spend_limit: SpendLimit | None = None
    guardrails: Guardrails | None = None
    dlp: Sequence[DlpRule] = ()
    dynamic_routes: Mapping[str, DynamicRoute] = field(default_factory=dict)
    """Routes by name; dynamic routing needs an authenticated gateway (§1.5)."""
    max_attempts: int = 1
    """Gateway retry setting: upstream attempts (1..5); `cf-aig-max-attempts` overrides."""
    retry_delay_ms: int = 1000
    """Gateway retry delay (0..5000 ms); `cf-aig-retry-delay` overrides."""
    backoff: Backoff = "constant"
    """Gateway backoff; `cf-aig-backoff` overrides."""
    request_timeout_ms: int | None = None
    """Gateway time-to-first-byte limit; `cf-aig-request-timeout` overrides."""

    def __repr__(self) -> str:
        # Tokens and keys are secrets: show how many tokens and which aliases, never the values.
        fields = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.repr
        )
        secrets = f"auth_tokens=<{len(self.auth_tokens)}>, stored_keys=<{sorted(self.stored_keys)}>"
        return f"GatewayConfig({secrets}, {fields})"

    def __post_init__(self) -> None:
        if isinstance(self.auth_tokens, str):
            msg = "`auth_tokens` takes a list of tokens, not one string: use `auth_tokens=[token]`."
            raise TypeError(msg)
        object.__setattr__(self, "auth_tokens", tuple(self.auth_tokens))
        object.__setattr__(self, "stored_keys", dict(self.stored_keys))
        object.__setattr__(self, "dynamic_routes", dict(self.dynamic_routes))
        object.__setattr__(self, "dlp", tuple(self.dlp))
        if self.stored_keys and not self.auth_tokens:
            msg = (
                "`stored_keys` need an authenticated gateway: set `auth_tokens` too "
                "(Cloudflare requires authentication for stored keys)."
            )
            raise ValueError(msg)
        if self.dynamic_routes and not self.auth_tokens:
            msg = "`dynamic_routes` need an authenticated gateway: set `auth_tokens` too."
            raise ValueError(msg)
        if self.cache_ttl != 0 and not CACHE_TTL_MIN <= self.cache_ttl <= CACHE_TTL_MAX:
            msg = (
                f"`cache_ttl` must be 0 (off) or {CACHE_TTL_MIN}..{CACHE_TTL_MAX} seconds; "
                f"got {self.cache_ttl}."
            )
            raise ValueError(msg)
        if not 1 <= self.max_attempts <= MAX_ATTEMPTS_LIMIT:
            msg = f"`max_attempts` must be 1..{MAX_ATTEMPTS_LIMIT}; got {self.max_attempts}."
            raise ValueError(msg)
        if not 0 <= self.retry_delay_ms <= RETRY_DELAY_MAX_MS:
            msg = f"`retry_delay_ms` must be 0..{RETRY_DELAY_MAX_MS}; got {self.retry_delay_ms}."
            raise ValueError(msg)
        if self.backoff not in ("constant", "linear", "exponential"):
            msg = f"`backoff` must be constant, linear or exponential; got {self.backoff!r}."
            raise ValueError(msg)
        if self.request_timeout_ms is not None and self.request_timeout_ms < 0:
            msg = f"`request_timeout_ms` must be >= 0; got {self.request_timeout_ms}."
            raise ValueError(msg)


def _default_retry_statuses() -> frozenset[int]:
    return frozenset({429, *range(500, 600)})


@dataclass(frozen=True)
class Switches:
    """Named choices for behaviour the references mark Unconfirmed (defaults = best guess)."""

    accept_unversioned_grok_path: bool = True
    """Serve `/grok/chat/completions` as well as `/grok/v1/chat/completions` (§1.1)."""
    compat_accepts_xai_prefix: bool = False
    """Serve `xai/<model>` on compat; default answers 400/2008 "Invalid provider" (§0)."""
    cache_status_when_skipped: Literal["MISS", "BYPASS"] = "MISS"
    """`cf-aig-cache-status` for `cf-aig-skip-cache: true` (§3: BYPASS per a 3P doc only)."""
    cache_streams: bool = False
    """Cache `stream: true` answers and replay a HIT as SSE (§5: "not cached by default")."""
    cache_ttl_header_opts_in: bool = False
    """`cf-aig-cache-ttl` alone opts in to caching (older docs); current docs: it does not (§2)."""
    cache_ttl_out_of_range: TtlOutOfRange = "clamp"
    """A header TTL outside 60..2592000: `clamp`, `reject` (gateway error) or `ignore` it."""
    retry_statuses: frozenset[int] = field(default_factory=_default_retry_statuses)
    """Upstream statuses the gateway retries (§2 `cf-aig-backoff`: Unconfirmed)."""
    retry_on_timeout: bool = True
    """An upstream attempt that exceeds `cf-aig-request-timeout` is retried like a failure."""
    final_retry_waits: bool = True
    """With retries (max attempts > 1) the last attempt ignores the request timeout: "On the
    final retry attempt, your gateway will wait until the request completes" (§2)."""
    rate_limit_retry_after: bool = False
    """Send `Retry-After` (seconds to the window's end) with 429/2003 (§5: Unconfirmed)."""
    responses_route_enabled: bool = True
    """Serve `/grok/v1/responses` (and `/responses/{id}`) through the pipeline (§1.2: whether the
    gateway does is Unconfirmed). Off: answered like any unknown `/grok/...` path (xAI's 404)."""
    universal_fallback_on_client_errors: bool = True
    """Universal (§1.4): a step's 4xx answer moves on to the next step like a 5xx or a timeout
    ("an error ... moves on"). Off: only 429, 5xx and timeouts fall back; other 4xx answers are
    returned at once."""
    universal_all_failed: UniversalAllFailed = "last_error"
    """Universal: every step failed (§1.4, Unconfirmed). `last_error`: the last step's answer as
    is (with its `cf-aig-step`); `first_error`: the first step's; `gateway_error`: the gateway's
    own `universal_all_failed` envelope (502/2005)."""
    rest_uses_stored_keys: bool = False
    """REST API (§1.6): use the gateway's stored xAI key (`default`) when it has one instead of
    Unified Billing (the docs present the route as UB-only; BYOK there is Unconfirmed)."""
    feedback_scale: FeedbackScale = "plus_minus_one"
    """Logs API PATCH `feedback` values (§5, Unconfirmed): `plus_minus_one` takes -1 and 1 (the
    feedback API page), `zero_one` takes 0 and 1 (the binding docs), `either` takes -1, 0, 1."""
    errors: Mapping[str, GatewayErrorSpec] = field(default_factory=dict)
    """Replace rows of the gateway or Cloudflare API error tables by name (e.g. the timeout
    error, or `api_authentication_error`)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "retry_statuses", frozenset(self.retry_statuses))
        object.__setattr__(self, "errors", dict(self.errors))
        unknown = sorted(set(self.errors) - set(GATEWAY_ERRORS) - set(API_ERRORS))
        if unknown:
            known = ", ".join(sorted({*GATEWAY_ERRORS, *API_ERRORS}))
            msg = f"Unknown gateway error names in `errors`: {unknown}; known: {known}."
            raise ValueError(msg)
        if self.cache_ttl_out_of_range not in ("clamp", "reject", "ignore"):
            msg = "`cache_ttl_out_of_range` must be clamp, reject or ignore."
            raise ValueError(msg)
        if self.cache_status_when_skipped not in ("MISS", "BYPASS"):
            msg = "`cache_status_when_skipped` must be MISS or BYPASS."
            raise ValueError(msg)
        if self.universal_all_failed not in ("last_error", "first_error", "gateway_error"):
            msg = "`universal_all_failed` must be last_error, first_error or gateway_error."
            raise ValueError(msg)
        if self.feedback_scale not in ("plus_minus_one", "zero_one", "either"):
            msg = "`feedback_scale` must be plus_minus_one, zero_one or either."
            raise ValueError(msg)

    def error(self, name: str) -> GatewayErrorSpec:
        """The gateway (or Cloudflare API) error `name`, with any override applied."""
        return self.errors.get(name) or GATEWAY_ERRORS.get(name) or API_ERRORS[name]
