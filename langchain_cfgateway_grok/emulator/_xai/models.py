"""The one model table of the emulated xAI: which ids exist, reason, take which efforts, cost what.

Sources: xai-api.md §1.6 (models, retirements, reasoning, efforts, context) and §1.2
(`reasoning_effort` per model); prices other than grok-4.3's, tier prices above 200k prompt tokens
and the context sizes of grok-4.6/4.7 come from models.dev (`anomalyco/models.dev`,
`providers/xai/models/*.toml`) and are Unconfirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from langchain_cfgateway_grok.emulator._xai.settings import XaiSettings

ModelKind = Literal["chat", "image", "video"]

#: Tier prices apply when the prompt is longer than this many tokens (models.dev `cost.tiers`).
PRICE_TIER_PROMPT_TOKENS = 200_000


@dataclass(frozen=True)
class Price:
    """USD per million tokens: uncached input, cached input, output (reasoning billed as output)."""

    input: Decimal
    cached_input: Decimal
    output: Decimal


@dataclass(frozen=True)
class ModelSpec:
    """One served model.

    Attributes:
        id: Canonical id.
        kind: `chat` models answer Chat Completions; image/video models do not.
        reasoning: Produces reasoning tokens; such models reject `stop` and the penalties.
        efforts: Accepted `reasoning_effort` values; empty = the parameter is rejected.
        default_effort: Effort used when the request names none (`none` = no reasoning).
        context_window: Maximum prompt tokens.
        client_tools: Accepts `tools` (function calling).
        price: Base prices.
        tier_price: Prices above `PRICE_TIER_PROMPT_TOKENS` prompt tokens, if any.
    """

    id: str
    kind: ModelKind
    reasoning: bool
    efforts: tuple[str, ...]
    default_effort: str
    context_window: int
    client_tools: bool
    price: Price
    tier_price: Price | None = None


@dataclass(frozen=True)
class Resolution:
    """What a requested id turns into.

    Attributes:
        requested: The id the client sent.
        spec: The model that serves it.
        redirect_effort: For a retired slug silently redirected (xai-api.md §1.6), the effort
            the redirect implies (`low` for reasoning slugs, `none` for non-reasoning ones).
    """

    requested: str
    spec: ModelSpec
    redirect_effort: str | None = None


def _price(inp: str, cached: str, out: str) -> Price:
    return Price(Decimal(inp), Decimal(cached), Decimal(out))


_NO_EFFORT: tuple[str, ...] = ()
_LMH = ("low", "medium", "high")
_LMHX = ("low", "medium", "high", "xhigh")

_TABLE: tuple[ModelSpec, ...] = (
    ModelSpec("grok-4.7", "chat", True, _LMHX, "medium", 500_000, True,
              _price("2", "0.5", "6"), _price("4", "1", "12")),
    ModelSpec("grok-4.6", "chat", True, _LMH, "medium", 500_000, True,
              _price("2", "0.5", "6"), _price("4", "1", "12")),
    ModelSpec("grok-4.5", "chat", True, _LMH, "medium", 500_000, True,
              _price("2", "0.5", "6"), _price("4", "1", "12")),
    ModelSpec("grok-4.3", "chat", True, ("none", "low", "medium", "high"), "low", 1_000_000, True,
              _price("1.25", "0.20", "2.50"), _price("2.50", "0.40", "5.00")),
    ModelSpec("grok-4.20-0309-reasoning", "chat", True, _NO_EFFORT, "medium", 1_000_000, True,
              _price("1.25", "0.20", "2.50"), _price("4", "0.40", "12")),
    ModelSpec("grok-4.20-0309-non-reasoning", "chat", False, _NO_EFFORT, "none", 1_000_000, True,
              _price("2", "0.20", "6"), _price("4", "0.40", "12")),
    ModelSpec("grok-4.20-multi-agent-0309", "chat", True, _LMHX, "low", 1_000_000, False,
              _price("2", "0.20", "6"), _price("4", "0.40", "12")),
    ModelSpec("grok-build-0.1", "chat", True, _NO_EFFORT, "medium", 256_000, True,
              _price("1", "0.20", "2")),
    ModelSpec("grok-composer-2.5-fast", "chat", False, _NO_EFFORT, "none", 256_000, True,
              _price("0.50", "0.20", "2.50")),
    ModelSpec("grok-3-mini", "chat", True, ("low", "high"), "low", 131_072, True,
              _price("0.30", "0.075", "0.50")),
    ModelSpec("grok-imagine-image", "image", False, _NO_EFFORT, "none", 0, False,
              _price("0", "0", "0")),
    ModelSpec("grok-imagine-image-quality", "image", False, _NO_EFFORT, "none", 0, False,
              _price("0", "0", "0")),
    ModelSpec("grok-imagine-video", "video", False, _NO_EFFORT, "none", 0, False,
              _price("0", "0", "0")),
)  # fmt: skip

MODELS: dict[str, ModelSpec] = {spec.id: spec for spec in _TABLE}

#: Aliases that resolve to a served model (xai-api.md §1.6).
ALIASES: dict[str, str] = {
    "grok-4.20-reasoning": "grok-4.20-0309-reasoning",
    "grok-4.20-non-reasoning": "grok-4.20-0309-non-reasoning",
}

#: Slugs retired on 2026-05-15 and silently redirected (target, implied effort), xai-api.md §1.6.
REDIRECTS: dict[str, tuple[str, str]] = {
    "grok-4-0709": ("grok-4.3", "low"),
    "grok-4": ("grok-4.3", "low"),
    "grok-4-fast-reasoning": ("grok-4.3", "low"),
    "grok-4-fast-non-reasoning": ("grok-4.3", "none"),
    "grok-4-1-fast-reasoning": ("grok-4.3", "low"),
    "grok-4-1-fast-non-reasoning": ("grok-4.3", "none"),
    "grok-code-fast-1": ("grok-4.3", "low"),
    "grok-3": ("grok-4.3", "none"),
    "grok-imagine-image-pro": ("grok-imagine-image-quality", "none"),
}

#: Deactivated ids named by the reference; they, like every id not in the table, get
#: "Model not found" (xai-api.md §1.5, §1.6). Kept as data so tests can pin them.
DEACTIVATED: tuple[str, ...] = (
    "grok-beta",
    "grok-vision-beta",
    "grok-2-latest",
    "grok-2-1212",
    "grok-2-vision-1212",
    "grok-2",
)


def resolve(model_id: str, settings: XaiSettings) -> Resolution | None:
    """Resolve a requested model id; None when xAI would answer "Model not found".

    Args:
        model_id: The id as sent (bare; the gateway strips `grok/` on `/compat`).
        settings: Switches (`grok_3_mini_available`).

    Returns:
        The resolution, or None for deactivated, unknown or switched-off ids.
    """
    if model_id == "grok-3-mini" and not settings.grok_3_mini_available:
        return None
    if model_id in MODELS:
        return Resolution(model_id, MODELS[model_id])
    if model_id in ALIASES:
        return Resolution(model_id, MODELS[ALIASES[model_id]])
    if model_id in REDIRECTS:
        target, effort = REDIRECTS[model_id]
        return Resolution(model_id, MODELS[target], redirect_effort=effort)
    return None


def served_ids(settings: XaiSettings) -> list[str]:
    """Canonical ids of the served models, in table order (for `GET /v1/models`)."""
    return [
        spec.id for spec in _TABLE if spec.id != "grok-3-mini" or settings.grok_3_mini_available
    ]


def ticks_per_token(usd_per_million: Decimal) -> int:
    """Price per token in `cost_in_usd_ticks` units (1 USD = 10^10 ticks, xai-api.md §1.3)."""
    return int(usd_per_million * 10_000)
