"""An offline Cloudflare AI Gateway in front of an emulated xAI Grok, for tests (docs/emulator.md).

Install the `emulator` extra (uvicorn). Nothing here imports the client code, and importing
`langchain_cfgateway_grok` does not import this package.
"""

from langchain_cfgateway_grok.emulator._clock import Clock, FakeClock, RealClock
from langchain_cfgateway_grok.emulator._config import (
    DlpRule,
    DynamicRoute,
    GatewayConfig,
    Guardrails,
    RateLimit,
    SpendLimit,
    Switches,
)
from langchain_cfgateway_grok.emulator._emulator import GatewayEmulator
from langchain_cfgateway_grok.emulator._faults import Fault, FaultPlan
from langchain_cfgateway_grok.emulator._gateway_errors import (
    API_ERRORS,
    GATEWAY_ERRORS,
    GatewayErrorSpec,
    api_envelope,
    envelope,
)
from langchain_cfgateway_grok.emulator._secrets import fingerprint
from langchain_cfgateway_grok.emulator._state import (
    LogEntry,
    RecordedRequest,
    ScriptedRaw,
    UpstreamAttempt,
)
from langchain_cfgateway_grok.emulator._xai import ScriptedReply, XaiSettings

__all__ = [
    "API_ERRORS",
    "GATEWAY_ERRORS",
    "Clock",
    "DlpRule",
    "DynamicRoute",
    "FakeClock",
    "Fault",
    "FaultPlan",
    "GatewayConfig",
    "GatewayEmulator",
    "GatewayErrorSpec",
    "Guardrails",
    "LogEntry",
    "RateLimit",
    "RealClock",
    "RecordedRequest",
    "ScriptedRaw",
    "ScriptedReply",
    "SpendLimit",
    "Switches",
    "UpstreamAttempt",
    "XaiSettings",
    "api_envelope",
    "envelope",
    "fingerprint",
]
