"""Everything the emulator remembers, kept apart from the HTTP app; no I/O.

Recorded requests, log entries, upstream attempts, the scripted-reply queue, the fault plan, the
cache, rate-limit and spend counters, and the gateway configuration. Tests read and change it from
their own thread while the server thread serves requests, so every access takes the lock.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_cfgateway_grok.emulator._cache import CacheStore
from langchain_cfgateway_grok.emulator._config import GatewayConfig, RateLimit, SpendLimit, Switches
from langchain_cfgateway_grok.emulator._faults import FaultPlan
from langchain_cfgateway_grok.emulator._xai.store import XaiStore

if TYPE_CHECKING:
    from langchain_cfgateway_grok.emulator._xai import ScriptedReply, XaiSettings


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator received it; secrets appear only as fingerprints."""

    method: str
    path: str
    """Path as received, e.g. `/v1/acct/gw/grok/v1/chat/completions`."""
    query: str
    """Raw query string (`""` when none)."""
    headers: Mapping[str, str]
    """Lower-case names; `authorization`, `cf-aig-authorization` and other secrets as
    `fingerprint(value)`."""
    body: Any
    """Parsed JSON, else the text, else None for an empty body."""
    received_at: float
    """Emulator-clock epoch seconds."""
    log_id: str
    """The `cf-aig-log-id` answered to this request."""


@dataclass(frozen=True)
class UpstreamAttempt:
    """One call from the gateway to "xAI" (a request has 1..5 of them)."""

    log_id: str
    attempt: int
    """1-based."""
    status: int | None
    """xAI's status; None when the attempt timed out before the first byte."""
    delay_before: float
    """Seconds the gateway waited (on the emulator clock) before this attempt; 0 for the first."""
    started_at: float
    timed_out: bool
    source: str
    """`model`, `scripted`, `scripted_raw` or `fault`."""


@dataclass(frozen=True)
class LogEntry:
    """An emulated gateway log entry (fields after Cloudflare's log API, §5 "Logging")."""

    id: str
    request_id: str
    event_id: str
    created_at: float
    duration: float
    """Emulator-clock seconds from receipt to the answer (includes retry delays)."""
    provider: str
    model: str | None
    path: str
    """Provider endpoint, e.g. `v1/chat/completions` or `chat/completions`."""
    success: bool
    status_code: int
    cached: bool
    cache_status: str
    stream: bool
    tokens_in: int | None
    tokens_out: int | None
    cost: float | None
    """US dollars: from `cf-aig-custom-cost` when sent, else xAI's `cost_in_usd_ticks`."""
    custom_cost: Mapping[str, float] | None
    metadata: Mapping[str, str | int | float | bool]
    """The first five flat `cf-aig-metadata` entries."""
    attempts: int
    step: int
    gateway_error_code: int | None
    """`internalCode` when the gateway itself answered with an error."""
    request_body: Any
    """None when `cf-aig-collect-log-payload: false`."""
    response_body: Any
    """None when `cf-aig-collect-log-payload: false`; SSE answers as the list of chunks."""
    payload_collected: bool
    dlp: Mapping[str, Any] | None
    ignored_headers: tuple[str, ...]
    account: str = ""
    """Account id of the request (the logs API lists entries per account and gateway)."""
    gateway: str = ""
    """Gateway id of the request."""
    feedback: float | None = None
    """Human feedback set through the logs API (`PATCH .../logs/{id}`), None until then."""
    score: float | None = None
    """Score set through the logs API, None until then."""
    request_type: str = "chat"
    """`universal` for a step of a Universal request (its index is `step`), else `chat`."""


@dataclass(frozen=True)
class ScriptedRaw:
    """A scripted raw answer from "xAI": status, body (dict/list -> JSON, str/bytes raw)."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Window:
    """Timestamps (and amounts) for a fixed or sliding window counter."""

    events: list[tuple[float, float]] = field(default_factory=list)

    def total(self, now: float, interval: float, technique: str) -> float:
        if technique == "sliding":  # the last `interval` seconds, (now - interval, now]
            self.events = [(at, amount) for at, amount in self.events if at > now - interval]
        else:  # the current window [k * interval, (k + 1) * interval)
            start = now - (now % interval)
            self.events = [(at, amount) for at, amount in self.events if at >= start]
        return sum(amount for _, amount in self.events)

    def window_end(self, now: float, interval: float, technique: str) -> float:
        if technique == "sliding":
            oldest = min((at for at, _ in self.events), default=now)
            return oldest + interval
        return now - (now % interval) + interval


class EmulatorState:
    """All mutable emulator state; take `lock` for compound reads and writes."""

    def __init__(
        self,
        *,
        gateways: Mapping[str, GatewayConfig] | None = None,
        default_gateway: GatewayConfig | None = None,
        accounts: frozenset[str] | None = None,
        xai_keys: frozenset[str] | None = None,
        api_tokens: frozenset[str] | None = None,
        switches: Switches | None = None,
        xai_settings: XaiSettings | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.api_tokens = api_tokens
        """Cloudflare API tokens the REST and logs APIs accept; None: any non-empty token."""
        self.xai_settings = xai_settings
        self._initial_gateways = dict(gateways or {})
        self.gateways: dict[str, GatewayConfig] = dict(self._initial_gateways)
        self.default_gateway = default_gateway
        self.accounts = accounts
        self.xai_keys = xai_keys
        self._initial_switches = switches or Switches()
        self.switches = self._initial_switches
        self.requests: list[RecordedRequest] = []
        self.logs: list[LogEntry] = []
        self.attempts: list[UpstreamAttempt] = []
        self.scripts: list[ScriptedReply | ScriptedRaw] = []
        self.faults = FaultPlan()
        self.cache = CacheStore()
        self.xai_store = XaiStore()
        """The emulated xAI's memory: stored responses, prompt cache, reasoning continuity."""
        self._rate: dict[str, _Window] = {}
        self._spend: dict[str, _Window] = {}

    # --- configuration -------------------------------------------------------------------
    def gateway(self, account: str, gateway_id: str) -> GatewayConfig | None:
        """The config for a gateway, or None when it does not exist."""
        with self.lock:
            if self.accounts is not None and account not in self.accounts:
                return None
            config = self.gateways.get(gateway_id, self.default_gateway)
        if config is None or not config.exists:
            return None
        return config

    def reset(self) -> None:
        """Forget requests, logs, attempts, scripts, faults, cache and counters; restore config."""
        with self.lock:
            self.gateways = dict(self._initial_gateways)
            self.switches = self._initial_switches
            self.requests.clear()
            self.logs.clear()
            self.attempts.clear()
            self.scripts.clear()
            self._rate.clear()
            self._spend.clear()
        self.faults.clear()
        self.cache.clear()
        self.xai_store.clear()

    # --- recording -------------------------------------------------------------------------
    def record_request(self, request: RecordedRequest) -> None:
        """Append a received request."""
        with self.lock:
            self.requests.append(request)

    def record_attempt(self, attempt: UpstreamAttempt) -> None:
        """Append an upstream attempt."""
        with self.lock:
            self.attempts.append(attempt)

    def record_log(self, entry: LogEntry) -> None:
        """Append a gateway log entry."""
        with self.lock:
            self.logs.append(entry)

    def find_log(self, log_id: str) -> LogEntry | None:
        """The log entry with this id, or None."""
        with self.lock:
            return next((entry for entry in self.logs if entry.id == log_id), None)

    def update_log(self, log_id: str, **changes: Any) -> LogEntry | None:
        """Replace fields of one log entry (feedback, score, metadata); None if there is none."""
        with self.lock:
            for index, entry in enumerate(self.logs):
                if entry.id == log_id:
                    self.logs[index] = dataclasses.replace(entry, **changes)
                    return self.logs[index]
        return None

    def take_script(self) -> ScriptedReply | ScriptedRaw | None:
        """Use the next scripted answer (FIFO), or None to let the model answer."""
        with self.lock:
            return self.scripts.pop(0) if self.scripts else None

    # --- limits ----------------------------------------------------------------------------
    def admit_rate(self, scope: str, limit: RateLimit, now: float) -> float | None:
        """Count one request; None if admitted, else seconds until the window frees up."""
        with self.lock:
            window = self._rate.setdefault(scope, _Window())
            if window.total(now, limit.interval, limit.technique) >= limit.limit:
                return max(0.0, window.window_end(now, limit.interval, limit.technique) - now)
            window.events.append((now, 1.0))
            return None

    def spend_exceeded(self, scope: str, limit: SpendLimit, now: float) -> bool:
        """True when the window's spend has reached the limit."""
        with self.lock:
            window = self._spend.setdefault(scope, _Window())
            return window.total(now, limit.interval, limit.technique) >= limit.limit

    def add_spend(self, scope: str, amount: float, now: float) -> None:
        """Record `amount` dollars spent at `now`."""
        if amount <= 0:
            return
        with self.lock:
            self._spend.setdefault(scope, _Window()).events.append((now, amount))
