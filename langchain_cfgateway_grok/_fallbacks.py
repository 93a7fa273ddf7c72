"""Gateway-side fallbacks: `FallbackStep`s become the steps of one Universal request (§1.4).

The gateway receives the whole chain in one request (a JSON array of steps), tries the steps in
order, falls back on an error or a timeout, and answers with the serving step's own body plus
`cf-aig-step` (its index). This differs from LangChain's client-side `.with_fallbacks()`, which
sends a new request per fallback from the client; hence the model field's name,
`gateway_fallbacks`.

Pure: validation and conversion only. `FallbackStep.options` are `GatewayOptions`; the retry and
timeout ones become the step's `config` (milliseconds), the rest per-step `cf-aig-*` headers
(which override the request's own headers for that step only). Facts: `gateway-protocol.md`
§1.4 and §2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, SkipValidation, field_validator, model_validator
from typing_extensions import Self

from langchain_cfgateway_grok import _gateway, _options
from langchain_cfgateway_grok._gateway import StepSpec, UniversalEndpoint
from langchain_cfgateway_grok._options import GatewayOptions

__all__ = [
    "STEP_CONFIG_OPTIONS",
    "FallbackStep",
    "check_gateway_fallbacks",
    "fallback_chain",
    "split_step_options",
    "step_spec",
]

#: Option key -> Universal step `config` key; these go in `config`, not in headers (§1.4).
STEP_CONFIG_OPTIONS: Final[dict[str, str]] = {
    "first_byte_timeout": "requestTimeout",
    "max_attempts": "maxAttempts",
    "retry_delay": "retryDelay",
    "backoff": "backoff",
}
_MS_OPTIONS: Final = frozenset({"first_byte_timeout", "retry_delay"})


class FallbackStep(BaseModel):
    """One gateway-side fallback: another model (and route) the gateway tries if the previous fails.

    ```python
    ChatCloudflareGrok(
        model="grok-4.3",
        gateway_fallbacks=[
            FallbackStep(model="grok-4.3-mini", options={"first_byte_timeout": 5}),
            FallbackStep(model="dynamic/support", endpoint="compat"),
        ],
    )
    ```

    Attributes:
        model: Model id for this step, as for the model itself (`grok-4.3`, `grok/grok-4.3`, or
            `dynamic/<route>` with `endpoint="compat"`).
        endpoint: `"grok"` (default) or `"compat"`. The REST API cannot be a step.
        options: `GatewayOptions` for this step only. `first_byte_timeout`, `max_attempts`,
            `retry_delay` and `backoff` become the step's `config` (how long the gateway waits
            before falling back, how often it retries this step); the others become per-step
            headers that override the request's for this step (e.g. `cache_ttl`, `metadata`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str
    endpoint: UniversalEndpoint = "grok"
    options: SkipValidation[GatewayOptions | None] = None

    @field_validator("endpoint", mode="before")
    @classmethod
    def _check_endpoint(cls, value: object) -> object:
        if value == "rest":
            msg = (
                "FallbackStep.endpoint cannot be 'rest': the Cloudflare REST API is not a "
                "gateway provider, so it cannot be a step of a Universal request. Fix: use "
                "endpoint='grok' (default) or endpoint='compat'."
            )
            raise ValueError(msg)
        return value

    @field_validator("options", mode="before")
    @classmethod
    def _check_options(cls, value: object) -> GatewayOptions | None:
        return _options.validate_gateway_options(value, source="FallbackStep.options") or None

    @model_validator(mode="after")
    def _check_model(self) -> Self:
        _gateway.wire_model(self.model, self.endpoint)  # a bad prefix fails here, not per call
        return self


def check_gateway_fallbacks(value: object) -> list[FallbackStep] | None:
    """Validate a `gateway_fallbacks` value: a list of `FallbackStep`s (or dicts for them).

    Returns:
        The steps, or None for None or an empty list (no gateway-side fallbacks).

    Raises:
        ValueError: Not a list, or an item that is not a valid step; the message names the index.
    """
    if value is None:
        return None
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        msg = (
            f"`gateway_fallbacks` must be a list of FallbackStep, got {type(value).__name__}. "
            "Fix: pass e.g. [FallbackStep(model='grok-4.3-mini')]."
        )
        raise ValueError(msg)
    steps: list[FallbackStep] = []
    for index, item in enumerate(value):
        if isinstance(item, FallbackStep):
            steps.append(item)
        elif isinstance(item, Mapping):
            try:
                steps.append(FallbackStep.model_validate(dict(item)))
            except ValueError as error:
                msg = f"`gateway_fallbacks[{index}]` is not a valid FallbackStep: {error}"
                raise ValueError(msg) from None
        else:
            msg = (
                f"`gateway_fallbacks[{index}]` must be a FallbackStep, got "
                f"{type(item).__name__}. Fix: FallbackStep(model=..., endpoint=..., options=...)."
            )
            raise ValueError(msg)
    return steps or None


def split_step_options(
    options: GatewayOptions | None,
) -> tuple[dict[str, int | str], dict[str, str]]:
    """Split validated options into a step's `config` and its per-step headers.

    | option | goes to |
    |---|---|
    | `first_byte_timeout` (s) | `config["requestTimeout"]` (ms) |
    | `max_attempts` | `config["maxAttempts"]` |
    | `retry_delay` (s) | `config["retryDelay"]` (ms) |
    | `backoff` | `config["backoff"]` |
    | anything else | its `cf-aig-*` header (`gateway_option_headers`) |

    Returns:
        `(config, headers)`, both new dicts.
    """
    config: dict[str, int | str] = {}
    rest: dict[str, Any] = {}
    items: Mapping[str, Any] = options or {}
    for key, value in items.items():
        target = STEP_CONFIG_OPTIONS.get(key)
        if target is None:
            rest[key] = value
        elif key in _MS_OPTIONS:
            config[target] = _options.seconds_to_ms(value)
        else:
            config[target] = value
    headers = _options.gateway_option_headers(rest)  # type: ignore[arg-type]  # validated subset
    return config, headers


def step_spec(step: FallbackStep, *, api_key: str | None) -> StepSpec:
    """The Universal step for `step`, with the provider key in its own headers.

    The xAI key goes in the step's headers, as the docs put provider keys (§1.4), never in the
    request's: a request header is inherited by every step. A `dynamic/<route>` step gets no key:
    dynamic routes use the keys stored in the gateway (§1.5), and the route may pick another
    provider, which must not receive the xAI key. Without `api_key` (stored keys / Unified
    Billing) no step carries a key.
    """
    config, headers = split_step_options(step.options)
    if api_key and not step.model.startswith("dynamic/"):
        headers.update(_gateway.credential_headers(api_key=api_key, gateway_token=None))
    return StepSpec(endpoint=step.endpoint, model=step.model, headers=headers, config=config)


def fallback_chain(
    model: str,
    endpoint: UniversalEndpoint,
    fallbacks: Sequence[FallbackStep],
    *,
    api_key: str | None,
    primary_options: GatewayOptions | None = None,
) -> list[StepSpec]:
    """The whole chain: the model's own step (index 0), then each fallback in order.

    Args:
        model: The model's own id (the primary step).
        endpoint: The model's route, `"grok"` or `"compat"`.
        fallbacks: The `gateway_fallbacks`.
        api_key: The xAI key, or None for stored keys / Unified Billing.
        primary_options: Options for the primary step only (rarely needed: the request's own
            `cf-aig-*` headers already apply to every step that does not override them).

    Returns:
        The `StepSpec`s, for `_gateway.universal_steps(chain, body)`; the answer's
        `cf-aig-step` indexes this list (`_gateway.served_step`).
    """
    primary = FallbackStep(model=model, endpoint=endpoint, options=primary_options)
    return [step_spec(step, api_key=api_key) for step in (primary, *fallbacks)]
