"""`GatewayEmulator`: the emulated gateway as a context manager, plus the handles tests use."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import TracebackType
from typing import Any

from typing_extensions import Self

from langchain_cfgateway_grok.emulator._app import GatewayApp
from langchain_cfgateway_grok.emulator._clock import Clock, FakeClock
from langchain_cfgateway_grok.emulator._config import GatewayConfig, Switches
from langchain_cfgateway_grok.emulator._faults import FaultPlan
from langchain_cfgateway_grok.emulator._pipeline import Gateway
from langchain_cfgateway_grok.emulator._server import ThreadedServer
from langchain_cfgateway_grok.emulator._state import (
    EmulatorState,
    LogEntry,
    RecordedRequest,
    ScriptedRaw,
    UpstreamAttempt,
)
from langchain_cfgateway_grok.emulator._xai import ReasoningContinuity, ScriptedReply, XaiSettings

_OPEN_GATEWAY = GatewayConfig()


class GatewayEmulator:
    """An offline Cloudflare AI Gateway in front of an emulated xAI, on 127.0.0.1.

    ```python
    from langchain_cfgateway_grok.emulator import GatewayConfig, GatewayEmulator, ScriptedReply

    with GatewayEmulator(gateways={"gw": GatewayConfig(auth_tokens=["cf-token"])}) as emu:
        emu.url  # "http://127.0.0.1:PORT/v1": pass as `gateway_url`
        emu.script(ScriptedReply(text="hi"))
        ...
        emu.requests[-1].headers["cf-aig-authorization"]  # fingerprint("Bearer cf-token")
    ```

    Args:
        gateways: Gateway configs by gateway id.
        default_gateway: Config for gateway ids not in `gateways`; the default is an
            unauthenticated gateway that forwards the provider key. None: unknown ids answer
            400/2001.
        accounts: Account ids that exist; None (default) accepts any.
        xai_keys: Keys the emulated xAI accepts; None (default) accepts any non-empty key.
        api_tokens: Cloudflare API tokens the REST chat route and the logs API accept
            (`Authorization: Bearer <token>` on `api_url`); None (default) accepts any
            non-empty token. Anything else answers 401 with code 10000 "Authentication error".
        switches: Choices for Unconfirmed gateway behaviour (see `Switches`).
        xai_settings: Choices for Unconfirmed xAI behaviour (see docs/emulator-xai.md).
        clock: Clock for TTLs, retry delays and upstream delays; default `FakeClock()`.
        host: Interface to bind (loopback by default).
        port: Port to bind; 0 (default) picks a free one.
    """

    def __init__(
        self,
        *,
        gateways: Mapping[str, GatewayConfig] | None = None,
        default_gateway: GatewayConfig | None = _OPEN_GATEWAY,
        accounts: Collection[str] | None = None,
        xai_keys: Collection[str] | None = None,
        api_tokens: Collection[str] | None = None,
        switches: Switches | None = None,
        xai_settings: XaiSettings | None = None,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        given: tuple[object, ...] = (xai_keys, accounts, api_tokens)
        if any(isinstance(value, str) for value in given):
            msg = (
                "`xai_keys`, `accounts` and `api_tokens` take a list, not one string: use "
                "`xai_keys=[key]`."
            )
            raise TypeError(msg)
        configs: Mapping[str, object] = gateways or {}
        for gateway_id, config in configs.items():
            if not isinstance(config, GatewayConfig):
                kind = type(config).__name__
                msg = f"`gateways[{gateway_id!r}]` must be a GatewayConfig; got {kind}."
                raise TypeError(msg)
        self.clock: Clock = clock or FakeClock()
        self._state = EmulatorState(
            gateways=gateways,
            default_gateway=default_gateway,
            accounts=frozenset(accounts) if accounts is not None else None,
            xai_keys=frozenset(xai_keys) if xai_keys is not None else None,
            api_tokens=frozenset(api_tokens) if api_tokens is not None else None,
            switches=switches,
            xai_settings=xai_settings,
        )
        self._app = GatewayApp(Gateway(self._state, self.clock))
        self._server = ThreadedServer(self._app, host=host, port=port)

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> Self:
        """Start serving (the context manager calls this)."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving and join the server thread."""
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def app(self) -> Any:
        """The ASGI application (to mount elsewhere if you run your own server)."""
        return self._app

    # --- addresses ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Gateway root, e.g. `http://127.0.0.1:PORT/v1`; use it as `gateway_url`."""
        if not self._server.running:
            msg = "The emulator is not running: use `with GatewayEmulator() as emu:` or `.start()`."
            raise RuntimeError(msg)
        host = self._server.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self._server.port}/v1"

    @property
    def api_url(self) -> str:
        """Cloudflare API root, e.g. `http://127.0.0.1:PORT/client/v4`: `cloudflare_api_url`.

        Serves the REST chat route (`/accounts/{acct}/ai/v1/chat/completions`) and the logs
        API (`/accounts/{acct}/ai-gateway/gateways/{gw}/logs...`) on the same server.
        """
        return self.url[: -len("/v1")] + "/client/v4"

    def universal_url(self, account: str = "acct", gateway: str = "gw") -> str:
        """The Universal endpoint `{url}/{account}/{gateway}` (POST a JSON array of steps)."""
        return f"{self.url}/{account}/{gateway}"

    def base_url(
        self, account: str = "acct", gateway: str = "gw", endpoint: str = "grok/v1"
    ) -> str:
        """A provider base URL under the root: `{url}/{account}/{gateway}/{endpoint}`.

        `endpoint` is `grok/v1` (default), `grok` or `compat`; an SDK appends `/chat/completions`.
        """
        return f"{self.url}/{account}/{gateway}/{endpoint.strip('/')}"

    # --- what happened -------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, oldest first (a copy)."""
        with self._state.lock:
            return list(self._state.requests)

    @property
    def logs(self) -> list[LogEntry]:
        """Emulated gateway log entries, oldest first (a copy)."""
        with self._state.lock:
            return list(self._state.logs)

    @property
    def upstream_attempts(self) -> list[UpstreamAttempt]:
        """Every gateway -> xAI call, with status, timeout flag and the delay waited before it."""
        with self._state.lock:
            return list(self._state.attempts)

    def attempts_for(self, log_id: str) -> list[UpstreamAttempt]:
        """The upstream attempts of one request, by its `cf-aig-log-id`."""
        return [attempt for attempt in self.upstream_attempts if attempt.log_id == log_id]

    def log(self, log_id: str) -> LogEntry:
        """The log entry with this id (as the logs API has it now, feedback included).

        Raises:
            KeyError: No entry has that id.
        """
        entry = self._state.find_log(log_id)
        if entry is None:
            msg = f"No log entry with id {log_id!r}."
            raise KeyError(msg)
        return entry

    @property
    def responses_seen_encrypted_reasoning(self) -> list[ReasoningContinuity]:
        """Reasoning items clients sent back as verified `encrypted_content`, oldest first.

        Each record names the response that received the item, the item id and the response
        that produced it (docs/emulator-xai.md, "Encrypted reasoning").
        """
        return [r for r in self._state.xai_store.continuity if r.via == "encrypted_content"]

    @property
    def reasoning_continuity(self) -> list[ReasoningContinuity]:
        """Every reasoning item carried into a later response (encrypted or stored chain)."""
        return self._state.xai_store.continuity

    @property
    def stored_response_ids(self) -> list[str]:
        """Ids of the responses the emulated xAI keeps (`store` was not false), oldest first."""
        return self._state.xai_store.stored_ids

    # --- what will happen ----------------------------------------------------------------------
    @property
    def faults(self) -> FaultPlan:
        """The fault plan: `emu.faults.add(upstream_status=503, times=2)` and friends."""
        return self._state.faults

    def script(self, *replies: ScriptedReply) -> None:
        """Queue scripted assistant turns (FIFO); each upstream call uses the next one."""
        items: tuple[object, ...] = replies
        for reply in items:
            if not isinstance(reply, ScriptedReply):
                msg = f"`script()` takes ScriptedReply objects; got {type(reply).__name__}."
                raise TypeError(msg)
        with self._state.lock:
            self._state.scripts.extend(replies)

    def script_error(
        self, status: int, body: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        """Queue a raw error answer from "xAI" (status >= 400); the gateway relays or retries it."""
        if not 400 <= status <= 599:
            msg = f"`script_error` takes an error status 400..599; got {status}. Use `script_raw`."
            raise ValueError(msg)
        self.script_raw(status, body, headers)

    def script_raw(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        """Queue a raw answer from "xAI": dict/list -> JSON, str/bytes sent as is."""
        if not 100 <= status <= 599:
            msg = f"`status` must be an HTTP status 100..599; got {status}."
            raise ValueError(msg)
        with self._state.lock:
            self._state.scripts.append(ScriptedRaw(status, body, dict(headers or {})))

    @property
    def pending_scripts(self) -> int:
        """Scripted answers not used yet."""
        with self._state.lock:
            return len(self._state.scripts)

    # --- configuration at run time -------------------------------------------------------------
    def set_gateway(self, gateway_id: str, config: GatewayConfig) -> None:
        """Add or replace one gateway's config (until `reset()`)."""
        given: object = config
        if not isinstance(given, GatewayConfig):
            msg = f"`config` must be a GatewayConfig; got {type(given).__name__}."
            raise TypeError(msg)
        with self._state.lock:
            self._state.gateways[gateway_id] = config

    @property
    def switches(self) -> Switches:
        """The current Unconfirmed-behaviour switches."""
        with self._state.lock:
            return self._state.switches

    @switches.setter
    def switches(self, value: Switches) -> None:
        given: object = value
        if not isinstance(given, Switches):
            msg = f"`switches` must be a Switches; got {type(given).__name__}."
            raise TypeError(msg)
        with self._state.lock:
            self._state.switches = value

    def reset(self) -> None:
        """Forget everything a test did; keep the server running.

        Clears requests, logs, attempts, scripts, faults, cache and limit counters, and restores
        the gateway configs and switches given at construction. The clock keeps its time.
        """
        self._state.reset()

    def __repr__(self) -> str:
        where = self.url if self._server.running else "stopped"
        return f"GatewayEmulator({where})"
