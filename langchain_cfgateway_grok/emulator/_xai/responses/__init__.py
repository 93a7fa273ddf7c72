"""The emulated xAI Responses API (`/v1/responses`); see docs/emulator-xai.md, "Responses API".

Pure functions over an `XaiStore` (stored responses, prompt cache, reasoning continuity), standard
library only, like the rest of `_xai`.
"""

from __future__ import annotations

from langchain_cfgateway_grok.emulator._xai.responses.api import (
    create_response,
    delete_response,
    get_response,
)

__all__ = ["create_response", "delete_response", "get_response"]
