"""The emulated xAI upstream behind the emulated gateway (see docs/emulator-xai.md).

Pure functions, standard library only: the gateway (E1's `_app.py`) calls `chat_completions` for
`/grok/v1/chat/completions`, `/grok/chat/completions` and `/compat/chat/completions` (model id
already stripped of `grok/`), `create_response` / `get_response` / `delete_response` for
`/grok/v1/responses[/{id}]`, `retired_endpoint` for `/v1/messages`, and `model_ids` for
`GET /v1/models`. State between requests (stored responses, the prompt cache) lives in an
`XaiStore` the gateway owns.
"""

from __future__ import annotations

from langchain_cfgateway_grok.emulator._xai.completions import chat_completions, retired_endpoint
from langchain_cfgateway_grok.emulator._xai.models import served_ids
from langchain_cfgateway_grok.emulator._xai.responses import (
    create_response,
    delete_response,
    get_response,
)
from langchain_cfgateway_grok.emulator._xai.result import XaiResult
from langchain_cfgateway_grok.emulator._xai.scripted import ScriptedReply
from langchain_cfgateway_grok.emulator._xai.settings import XaiSettings
from langchain_cfgateway_grok.emulator._xai.store import ReasoningContinuity, XaiStore

_DEFAULT_SETTINGS = XaiSettings()


def model_ids(*, settings: XaiSettings = _DEFAULT_SETTINGS) -> list[str]:
    """Canonical ids of the served models (for `GET /v1/models`)."""
    return served_ids(settings)


__all__ = [
    "ReasoningContinuity",
    "ScriptedReply",
    "XaiResult",
    "XaiSettings",
    "XaiStore",
    "chat_completions",
    "create_response",
    "delete_response",
    "get_response",
    "model_ids",
    "retired_endpoint",
]
