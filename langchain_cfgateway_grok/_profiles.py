"""Grok model facts in one table: which models reason, which efforts they take, their limits.

Source: `xai-api.md` §1.2 and §1.6 (xAI docs, models.dev, and the May 15, 2026 retirement notice).
Facts marked Unconfirmed there are marked here too. Everything the model decides per model id
(drop `stop`, refuse `reasoning_effort`, warn about a retired slug, the `profile` field) reads
this table, so a new model is one new row.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.language_models import ModelProfile

#: The model used when none is given: xAI's most-recommended chat model as of 2026-11.
DEFAULT_MODEL = "grok-4.5"


@dataclass(frozen=True)
class GrokModel:
    """What the client needs to know about one Grok model id."""

    reasoning: bool
    """Reasoning model: xAI rejects `stop`, `frequency_penalty` and `presence_penalty` (400)."""
    efforts: tuple[str, ...] = ()
    """Accepted `reasoning_effort` values; empty = the model rejects the parameter (400)."""
    default_effort: str | None = None
    max_input_tokens: int | None = None
    image_inputs: bool = True
    pdf_inputs: bool = False
    tool_calling: bool = True
    retired_to: str | None = None
    """Retired slug that xAI silently serves with this model instead (billed at its prices)."""


_GROK_4_3 = GrokModel(
    reasoning=True,
    efforts=("none", "low", "medium", "high"),
    default_effort="low",
    max_input_tokens=1_000_000,
    pdf_inputs=True,
)
_RETIRED_TO_4_3 = GrokModel(
    reasoning=True,
    efforts=_GROK_4_3.efforts,
    default_effort="low",
    max_input_tokens=1_000_000,
    pdf_inputs=True,
    retired_to="grok-4.3",
)

MODELS: dict[str, GrokModel] = {
    "grok-4.5": GrokModel(
        reasoning=True,
        efforts=("low", "medium", "high"),
        max_input_tokens=500_000,
        pdf_inputs=True,
    ),
    # grok-4.6 / 4.7: models.dev only; details Unconfirmed (xai-api.md §1.6).
    "grok-4.6": GrokModel(reasoning=True, efforts=("low", "medium", "high"), pdf_inputs=True),
    "grok-4.7": GrokModel(
        reasoning=True, efforts=("low", "medium", "high", "xhigh"), pdf_inputs=True
    ),
    "grok-4.3": _GROK_4_3,
    "grok-4.20-0309-reasoning": GrokModel(reasoning=True, max_input_tokens=1_000_000),
    "grok-4.20-reasoning": GrokModel(reasoning=True, max_input_tokens=1_000_000),
    "grok-4.20-0309-non-reasoning": GrokModel(reasoning=False, max_input_tokens=1_000_000),
    "grok-4.20-non-reasoning": GrokModel(reasoning=False, max_input_tokens=1_000_000),
    "grok-4.20-multi-agent-0309": GrokModel(
        reasoning=True,
        efforts=("low", "medium", "high", "xhigh"),
        max_input_tokens=1_000_000,
        tool_calling=False,
    ),
    "grok-build-0.1": GrokModel(reasoning=True, max_input_tokens=256_000),
    "grok-composer-2.5-fast": GrokModel(reasoning=False, max_input_tokens=256_000),
    # Was the only model returning plaintext reasoning_content; live status Unconfirmed.
    "grok-3-mini": GrokModel(reasoning=True, efforts=("low", "high"), image_inputs=False),
    # Retired 2026-05-15: xAI serves grok-4.3 instead, silently.
    "grok-4": _RETIRED_TO_4_3,
    "grok-4-0709": _RETIRED_TO_4_3,
    "grok-4-fast-reasoning": _RETIRED_TO_4_3,
    "grok-4-fast-non-reasoning": _RETIRED_TO_4_3,
    "grok-4-1-fast-reasoning": _RETIRED_TO_4_3,
    "grok-4-1-fast-non-reasoning": _RETIRED_TO_4_3,
    "grok-code-fast-1": _RETIRED_TO_4_3,
    "grok-3": _RETIRED_TO_4_3,
}

#: Unknown `grok-*` ids are treated as reasoning models (the safe side: no `stop`, no penalties)
#: with no `reasoning_effort` check; a user `profile` with `reasoning_output` overrides this.
UNKNOWN_GROK = GrokModel(reasoning=True, efforts=())


def lookup(model: str) -> GrokModel | None:
    """The table row for a bare model id, or None when the id is not in the table."""
    return MODELS.get(model)


def to_profile(row: GrokModel) -> ModelProfile:
    """The langchain-core `ModelProfile` view of a table row."""
    profile = ModelProfile(
        text_inputs=True,
        image_inputs=row.image_inputs,
        image_url_inputs=row.image_inputs,
        pdf_inputs=row.pdf_inputs,
        reasoning_output=row.reasoning,
        tool_calling=row.tool_calling,
        tool_choice=row.tool_calling,
        tool_call_streaming=row.tool_calling,
        structured_output=True,
        text_outputs=True,
    )
    if row.max_input_tokens is not None:
        profile["max_input_tokens"] = row.max_input_tokens
    if row.efforts:
        profile["reasoning_effort_levels"] = list(row.efforts)
    if row.default_effort is not None:
        profile["reasoning_effort_default"] = row.default_effort
    return profile
