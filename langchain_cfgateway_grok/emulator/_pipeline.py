"""The gateway itself: one request in, one answer out (gateway-protocol.md §1-§5, checklist §7).

Order of checks, as the references describe them: route, gateway exists (2001), gateway
authentication (2009), rate limit (2003), model/provider (compat: 2008/2005), credentials (§2
precedence: request `Authorization` as is -> stored key by alias -> Unified Billing; 2040, 400,
403, 402), spend limit (2041), guardrails on the prompt (2016), DLP on the request, cache lookup,
upstream attempts with retries and the first-byte timeout, guardrails/DLP on the answer (2017),
then the answer with its `cf-aig-*` headers, a cache write and a log entry.

The Universal endpoint runs each of its steps through the same checks (`_universal.py`); the
Cloudflare API paths (`/client/v4/...`: the REST chat route and the logs API) are answered by
`_cf_api.py`, the REST chat route through this pipeline too.

No sockets here: the HTTP app (`_app.py`) turns an ASGI request into an `IncomingRequest` and writes
the `Answer` back, applying edge faults (delays, cuts) on the way.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_cfgateway_grok.emulator import (
    _cf_api,
    _other_provider,
    _universal,
    _upstream,
    _xai,
)
from langchain_cfgateway_grok.emulator._cache import CachedAnswer, decide, default_cache_key
from langchain_cfgateway_grok.emulator._clock import Clock
from langchain_cfgateway_grok.emulator._config import DlpRule, DynamicRoute, GatewayConfig, Switches
from langchain_cfgateway_grok.emulator._controls import RequestControls, parse_controls
from langchain_cfgateway_grok.emulator._faults import Fault, default_upstream_body, encode_body
from langchain_cfgateway_grok.emulator._gateway_errors import envelope
from langchain_cfgateway_grok.emulator._ids import uuid7
from langchain_cfgateway_grok.emulator._inspect import (
    answer_text,
    contains_any,
    cost_usd,
    dlp_findings,
    dlp_header,
    prompt_text,
    token_counts,
    usage_of,
)
from langchain_cfgateway_grok.emulator._retry import backoff_delay_ms
from langchain_cfgateway_grok.emulator._routes import Route, match_route, split_compat_model
from langchain_cfgateway_grok.emulator._secrets import fingerprint, redact_headers
from langchain_cfgateway_grok.emulator._state import (
    EmulatorState,
    LogEntry,
    RecordedRequest,
    ScriptedRaw,
    UpstreamAttempt,
)

SSE_DONE = b"data: [DONE]\n\n"
#: The key "xAI" sees when Cloudflare pays (Unified Billing); accepted whatever `xai_keys` says.
UNIFIED_BILLING_KEY = "cf-unified-billing"
PROVIDER = "grok"
#: Fill-ins for templated messages when a test injects a gateway error by name.
_TEMPLATE_DEFAULTS = {
    "provider": PROVIDER,
    "alias": "default",
    "aliases": "none",
    "rule": "emulator-budget",
    "limit": "0",
    "interval": "86400",
    "technique": "fixed",
}


@dataclass(frozen=True)
class IncomingRequest:
    """An HTTP request as the app read it."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    """As received; names are lower-cased by the app."""
    body: bytes


@dataclass(frozen=True)
class Answer:
    """What to send back: a plain body, or SSE events; plus edge shaping for the app to apply."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    events: tuple[bytes, ...] | None = None
    """Framed SSE events (`data: ...\\n\\n`), the last being `data: [DONE]`."""
    shaping: Fault | None = None


def frame_sse(chunk: Mapping[str, Any]) -> bytes:
    """One SSE event for a chunk: `data: <compact json>` and a blank line (xai-api.md §1.4)."""
    data = json.dumps(chunk, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return b"data: " + data + b"\n\n"


def _bearer(value: str) -> str:
    scheme, _, rest = value.strip().partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else value.strip()


def _token_ok(header: str | None, tokens: Collection[str]) -> bool:
    if header is None:
        return False
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    return any(hmac.compare_digest(token.strip(), expected) for expected in tokens)


def _parse_json(data: bytes) -> tuple[bool, Any]:
    if not data.strip():
        return False, None
    try:
        return True, json.loads(data)
    except (UnicodeDecodeError, ValueError):
        return False, None


def _recorded_body(data: bytes) -> Any:
    ok, parsed = _parse_json(data)
    if ok:
        return _redact_step_headers(parsed)
    if not data:
        return None
    return data.decode("utf-8", errors="replace")


def _redact_step_headers(body: Any) -> Any:
    """Record Universal steps' provider keys (their `headers`) as fingerprints too.

    So no secret sits in the request log; the forwarded request itself is unchanged.
    """
    steps = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
    for step in steps:
        if isinstance(step, dict) and isinstance(step.get("headers"), dict):
            step["headers"] = redact_headers(
                {str(k).lower(): v for k, v in step["headers"].items() if isinstance(v, str)}
            )
        if isinstance(step, dict) and isinstance(step.get("authorization"), str):
            step["authorization"] = fingerprint(step["authorization"])
    return body


@dataclass
class _Exchange:
    """Per-request bookkeeping while the gateway works on it."""

    request: IncomingRequest
    headers: dict[str, str]
    controls: RequestControls
    log_id: str
    event_id: str
    started: float
    switches: Switches
    route: Route = field(default_factory=lambda: Route("not_found"))
    scope: str = ""
    config: GatewayConfig | None = None
    model: str | None = None
    stream: bool = False
    attempts: int = 0
    request_json: Any = None
    dynamic: DynamicRoute | None = None
    dlp: str | None = None
    request_dlp: list[tuple[DlpRule, dict[str, Any]]] = field(default_factory=list)
    extra_headers: list[tuple[str, str]] = field(default_factory=list)
    step: int = 0
    """Index of this step in a Universal request (0 otherwise)."""
    request_id: str = ""
    """`cf-aig-request-id` when it differs from the log id (Universal steps); "" = the log id."""

    @property
    def collect_log(self) -> bool:
        if self.config is None:
            return False
        if self.controls.collect_log is not None:
            return self.controls.collect_log
        return self.config.collect_logs


class Gateway:
    """The emulated gateway over an `EmulatorState` and a `Clock`."""

    def __init__(self, state: EmulatorState, clock: Clock) -> None:
        self.state = state
        self.clock = clock

    @property
    def xai_settings(self) -> _xai.XaiSettings:
        """Settings for the emulated xAI (its Unconfirmed switches)."""
        return self.state.xai_settings or _xai.XaiSettings()

    async def handle(self, request: IncomingRequest) -> Answer:
        """Answer one request."""
        now = self.clock.now()
        headers: dict[str, str] = {}
        for name, value in request.headers:
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        controls = parse_controls(headers)
        log_id = uuid7(now)
        with self.state.lock:
            switches = self.state.switches
        ex = _Exchange(
            request=request,
            headers=headers,
            controls=controls,
            log_id=log_id,
            event_id=controls.event_id or log_id,
            started=now,
            switches=switches,
        )
        self.state.record_request(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=request.query,
                headers=redact_headers(request.headers),
                body=_recorded_body(request.body),
                received_at=now,
                log_id=log_id,
            )
        )
        api_route = _cf_api.match_api_route(request.path)
        if api_route is not None:
            # The Cloudflare API; only an authorized REST chat request goes on (as `rest_chat`).
            api_answer = _cf_api.serve_api(self, ex, api_route)
            if api_answer is not None:
                return api_answer
        else:
            ex.route = match_route(
                request.path, accept_unversioned_grok_path=switches.accept_unversioned_grok_path
            )
            if ex.route.kind == "not_found":
                return self._not_found(ex)
        edge = self.state.faults.take_edge()
        if edge is not None and edge.replaces_answer:
            ex.config = self.state.gateway(ex.route.account, ex.route.gateway)
            return self._edge_answer(ex, edge)
        answer = await self._serve(ex)
        return Answer(answer.status, answer.headers, answer.body, answer.events, edge)

    # --- the gateway's checks, in order ------------------------------------------------------
    async def _serve(self, ex: _Exchange) -> Answer:  # noqa: PLR0911 - one return per gateway outcome
        route = ex.route
        ex.scope = f"{route.account}/{route.gateway}"
        config = self.state.gateway(route.account, route.gateway)
        if config is None:
            return self._error(ex, "gateway_not_found")
        ex.config = config
        # The REST API authenticates with a Cloudflare API token instead (checked in `_cf_api`).
        if (
            route.kind != "rest_chat"
            and config.auth_tokens
            and not _token_ok(ex.controls.gateway_authorization, config.auth_tokens)
        ):
            return self._error(ex, "unauthorized")
        if route.kind == "invalid_provider":
            return self._error(ex, "invalid_provider")
        if route.kind == "other_provider":
            return self._error(ex, "provider_failed")
        if config.rate_limit is not None:
            wait = self.state.admit_rate(ex.scope, config.rate_limit, self.clock.now())
            if wait is not None:
                if ex.switches.rate_limit_retry_after:
                    ex.extra_headers.append(("retry-after", str(max(1, int(wait + 0.999)))))
                return self._error(ex, "rate_limited")
        if route.kind == "universal":
            return await _universal.serve(self, ex, config)
        return await self._dispatch(ex, config)

    async def _dispatch(self, ex: _Exchange, config: GatewayConfig) -> Answer:  # noqa: PLR0911
        """Serve one admitted request (or one Universal step) by its route kind."""
        route = ex.route
        if route.kind == "not_found":  # a Universal step naming no gateway route
            return self._not_found(ex)
        if route.kind == "invalid_provider":
            return self._error(ex, "invalid_provider")
        if route.kind == "other_provider":
            return self._error(ex, "provider_failed")
        if route.kind in ("grok_responses", "grok_response_item"):
            from langchain_cfgateway_grok.emulator import _responses_route

            return await _responses_route.serve(self, ex, config)
        if route.kind == "grok_retired":
            return self._relay(ex, _upstream.retired("/" + route.endpoint, self.xai_settings))
        if route.kind == "grok_other":
            return self._relay(ex, _upstream.unknown_endpoint("/" + route.endpoint))
        if ex.request.method != "POST":
            return self._relay(
                ex, _upstream.method_not_allowed(ex.request.method, "/" + route.endpoint)
            )
        return await self._chat(ex, config)

    async def _chat(  # noqa: PLR0911, PLR0912 - the gateway's steps read best in one place
        self, ex: _Exchange, config: GatewayConfig
    ) -> Answer:
        is_json, body = _parse_json(ex.request.body)
        ex.request_json = body if is_json else None
        forward: Any = body if is_json else ex.request.body
        if is_json and isinstance(body, dict):
            ex.stream = body.get("stream") is True
            if isinstance(body.get("model"), str):
                ex.model = body["model"]
        if ex.route.kind in ("compat_chat", "rest_chat"):
            resolved = (
                self._resolve_compat(ex, config, body)
                if ex.route.kind == "compat_chat"
                else _cf_api.rest_model(ex, body)
            )
            if isinstance(resolved, Answer):
                return resolved
            forward = resolved

        credentials = self._credentials(ex, config)
        if isinstance(credentials, Answer):
            return credentials
        api_key, accepted_keys, auth_header = credentials

        refused = self._before_upstream(ex, config, body)
        if refused is not None:
            return refused

        buffered = config.guardrails is not None and ex.stream
        if buffered and isinstance(forward, dict):
            # Guardrails buffer the whole answer and return one JSON payload (§5).
            forward = {k: v for k, v in forward.items() if k not in ("stream", "stream_options")}

        decision = decide(
            ex.controls,
            gateway_ttl=config.cache_ttl,
            is_stream=ex.stream and not buffered,
            cache_streams=ex.switches.cache_streams,
            ttl_header_opts_in=ex.switches.cache_ttl_header_opts_in,
            ttl_out_of_range=ex.switches.cache_ttl_out_of_range,
        )
        if decision.rejected_ttl is not None:
            return self._error(ex, "invalid_cache_ttl")
        cache_key = ex.controls.cache_key or default_cache_key(
            provider=PROVIDER,
            endpoint=ex.route.endpoint,
            model=ex.model or "",
            auth_header=auth_header,
            body=ex.request.body,
        )
        if decision.read:
            hit = self.state.cache.get(ex.scope, cache_key, self.clock.now())
            if hit is not None:
                return self._cache_hit(ex, hit)
        miss_status = ex.switches.cache_status_when_skipped if decision.skipped else "MISS"

        upstream = await self._attempts(ex, config, forward, api_key, accepted_keys)
        if upstream is None:
            return self._error(ex, "request_timeout", cache_status=miss_status)
        refused = self._after_upstream(ex, config, upstream, miss_status)
        if refused is not None:
            return refused
        answer = self._relay(ex, upstream, cache_status=miss_status)
        if upstream.status == 200 and decision.write and decision.ttl is not None:
            tokens_in, tokens_out = token_counts(usage_of(upstream.json_body, upstream.chunks))
            stored = CachedAnswer(
                status=200,
                headers=tuple(_provider_headers(upstream)),
                body=answer.body,
                chunks=answer.events,
                model=ex.model,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
            )
            self.state.cache.put(
                ex.scope, cache_key, stored, now=self.clock.now(), ttl=decision.ttl
            )
        return answer

    def _resolve_compat(self, ex: _Exchange, config: GatewayConfig, body: Any) -> Any:
        """The body to forward for a compat `model` (§1.3, §1.5), or the gateway's error."""
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            return self._error(ex, "provider_failed")
        kind, rest = split_compat_model(body["model"])
        if kind == "xai" and ex.switches.compat_accepts_xai_prefix:
            kind = "grok"
        if kind == "dynamic":
            dynamic = config.dynamic_routes.get(rest)
            if dynamic is None:  # cloudflare/ai#611: an unknown route answers 2005
                return self._error(ex, "provider_failed")
            ex.dynamic = dynamic
            ex.extra_headers += [
                ("cf-aig-model", dynamic.model),
                ("cf-aig-provider", dynamic.provider),
            ]
            rest = dynamic.model
        elif kind in ("xai", "invalid_provider"):
            return self._error(ex, "invalid_provider")
        elif kind != "grok":  # a bare model name, or a provider the emulator does not serve
            return self._error(ex, "provider_failed")
        ex.model = rest
        return {**body, "model": rest}

    def _before_upstream(self, ex: _Exchange, config: GatewayConfig, body: Any) -> Answer | None:
        """Spend limit, guardrails on the prompt, DLP on the request: an error, or None to go on."""
        rule = config.spend_limit
        if rule is not None and self.state.spend_exceeded(ex.scope, rule, self.clock.now()):
            return self._error(
                ex,
                "spend_limit",
                rule=rule.name,
                limit=f"{rule.limit:g}",
                interval=f"{rule.interval:g}",
                technique=rule.technique,
                provider=PROVIDER,
            )
        prompt = prompt_text(body)
        if config.guardrails is not None and contains_any(
            prompt, config.guardrails.blocked_prompt_terms
        ):
            return self._error(ex, "prompt_blocked")
        ex.request_dlp = dlp_findings(config.dlp, check="REQUEST", text=prompt)
        if ex.request_dlp:
            ex.dlp = dlp_header(ex.request_dlp)
            if any(rule.action == "BLOCK" for rule, _ in ex.request_dlp):
                return self._error(ex, "dlp_request_blocked")
        return None

    def _after_upstream(
        self,
        ex: _Exchange,
        config: GatewayConfig,
        upstream: _upstream.UpstreamAnswer,
        cache_status: str,
    ) -> Answer | None:
        """Guardrails and DLP on a successful answer: an error, or None to relay it."""
        if upstream.status != 200:
            return None
        text = answer_text(upstream.json_body, upstream.chunks)
        if config.guardrails is not None and contains_any(
            text, config.guardrails.blocked_response_terms
        ):
            return self._error(ex, "response_blocked", cache_status=cache_status)
        response_dlp = dlp_findings(config.dlp, check="RESPONSE", text=text)
        if response_dlp:
            ex.dlp = dlp_header(ex.request_dlp + response_dlp)
            if any(rule.action == "BLOCK" for rule, _ in response_dlp):
                return self._error(ex, "dlp_response_blocked", cache_status=cache_status)
        return None

    def _credentials(  # noqa: PLR0911 - one return per credential source
        self, ex: _Exchange, config: GatewayConfig
    ) -> tuple[str | None, frozenset[str] | None, str] | Answer:
        """(api key for xAI, accepted keys, provider auth header for the cache key), or an error.

        §2 precedence: a request `Authorization` is forwarded unchanged (stored keys and Unified
        Billing are not consulted), then the stored key named by `cf-aig-byok-alias` (else
        `default`), then Unified Billing unless `byok_only`/`cf-aig-no-wholesale`.
        """
        xai_keys = self.state.xai_keys
        if ex.route.kind == "rest_chat":
            return self._rest_credentials(ex, config)
        sent = ex.controls.provider_authorization
        if sent is not None:
            return _bearer(sent), xai_keys, sent
        aliases = ", ".join(sorted(config.stored_keys)) or "none"
        alias = ex.controls.byok_alias
        if alias is not None:
            key = config.stored_keys.get(alias)
            if key is None:
                return self._error(
                    ex, "byok_alias_unknown", provider=PROVIDER, alias=alias, aliases=aliases
                )
            return key, xai_keys, f"Bearer {key}"
        if "default" in config.stored_keys:
            key = config.stored_keys["default"]
            return key, xai_keys, f"Bearer {key}"
        no_wholesale = config.byok_only or ex.controls.no_wholesale
        if no_wholesale:
            return self._error(ex, "no_credentials", provider=PROVIDER, aliases=aliases)
        if config.unified_billing:
            if not config.auth_tokens:
                return self._error(ex, "unified_billing_requires_auth")
            if not config.unified_billing_credits:
                return self._error(ex, "insufficient_credits")
            return UNIFIED_BILLING_KEY, None, ""
        # No usable credential: forwarded as is; xAI answers with its own error (§4.3).
        return None, xai_keys, ""

    def _rest_credentials(
        self, ex: _Exchange, config: GatewayConfig
    ) -> tuple[str | None, frozenset[str] | None, str] | Answer:
        """Credentials on the REST API (§1.6): Unified Billing.

        There `Authorization` is the Cloudflare token, so xAI is paid by Unified Billing (or, with
        `Switches.rest_uses_stored_keys`, by the gateway's `default` stored key).
        """
        if self.state.switches.rest_uses_stored_keys and "default" in config.stored_keys:
            key = config.stored_keys["default"]
            return key, self.state.xai_keys, f"Bearer {key}"
        if not config.unified_billing_credits:
            return self._error(ex, "insufficient_credits")
        return UNIFIED_BILLING_KEY, None, ""

    async def _attempts(
        self,
        ex: _Exchange,
        config: GatewayConfig,
        body: Any,
        api_key: str | None,
        accepted_keys: frozenset[str] | None,
    ) -> _upstream.UpstreamAnswer | None:
        """Call xAI up to `max_attempts` times; None when the last attempt timed out."""
        controls = ex.controls
        max_attempts = controls.max_attempts or config.max_attempts
        base_delay = (
            controls.retry_delay_ms
            if controls.retry_delay_ms is not None
            else config.retry_delay_ms
        )
        backoff = controls.backoff or config.backoff
        timeout_ms = (
            controls.request_timeout_ms
            if controls.request_timeout_ms is not None
            else config.request_timeout_ms
        )
        for attempt in range(1, max_attempts + 1):
            wait = (
                0.0 if attempt == 1 else backoff_delay_ms(base_delay, backoff, attempt - 1) / 1000
            )
            if wait:
                await self.clock.sleep(wait)
            started = self.clock.now()
            ex.attempts = attempt
            last = attempt == max_attempts
            fault = self.state.faults.take_upstream()
            delay = (fault.upstream_delay or 0.0) if fault is not None else 0.0
            # "On the final retry attempt, your gateway will wait until the request completes" (§2).
            waits_anyway = last and max_attempts > 1 and ex.switches.final_retry_waits
            if timeout_ms is not None and delay > timeout_ms / 1000 and not waits_anyway:
                await self.clock.sleep(timeout_ms / 1000)
                self.state.record_attempt(
                    UpstreamAttempt(ex.log_id, attempt, None, wait, started, True, "fault")
                )
                if not last and ex.switches.retry_on_timeout:
                    continue
                return None
            if delay:
                await self.clock.sleep(delay)
            answer = self._one_call(ex, fault, body, api_key, accepted_keys)
            self.state.record_attempt(
                UpstreamAttempt(
                    ex.log_id, attempt, answer.status, wait, started, False, answer.source
                )
            )
            if not last and answer.status in ex.switches.retry_statuses:
                continue
            return answer
        return None  # unreachable: max_attempts >= 1 always returns above

    def _one_call(
        self,
        ex: _Exchange,
        fault: Fault | None,
        body: Any,
        api_key: str | None,
        accepted_keys: frozenset[str] | None,
    ) -> _upstream.UpstreamAnswer:
        if fault is not None and fault.upstream_status is not None:
            return _upstream.from_fault(fault)
        script = self.state.take_script()
        if isinstance(script, ScriptedRaw):
            return _upstream.raw(script.status, script.body, script.headers, "scripted_raw")
        if ex.dynamic is not None and not ex.dynamic.is_xai:
            return _other_provider.chat(
                body,
                model=ex.dynamic.model,
                scripted=script,
                now=self.clock.now(),
                content_type=ex.headers.get("content-type"),
                settings=self.xai_settings,
            )
        if ex.route.kind == "grok_responses":
            return _upstream.responses(
                body,
                api_key=api_key,
                accepted_keys=accepted_keys if api_key != UNIFIED_BILLING_KEY else None,
                scripted=script,
                now=self.clock.now(),
                content_type=ex.headers.get("content-type"),
                settings=self.xai_settings,
                store=self.state.xai_store,
            )
        return _upstream.chat(
            body,
            api_key=api_key,
            accepted_keys=accepted_keys if api_key != UNIFIED_BILLING_KEY else None,
            scripted=script,
            now=self.clock.now(),
            content_type=ex.headers.get("content-type"),
            settings=self.xai_settings,
            store=self.state.xai_store,
            conversation_id=ex.headers.get("x-grok-conv-id"),
        )

    # --- answers -----------------------------------------------------------------------------
    def _ids(self, ex: _Exchange, cache_status: str) -> list[tuple[str, str]]:
        headers = [
            ("cf-aig-cache-status", cache_status),
            ("cf-aig-log-id", ex.log_id),
            ("cf-aig-request-id", ex.request_id or ex.log_id),
            ("cf-aig-event-id", ex.event_id),
        ]
        if ex.dlp is not None:
            headers.append(("cf-aig-dlp", ex.dlp))
        return headers + ex.extra_headers

    def _not_found(self, ex: _Exchange) -> Answer:
        # Outside the gateway's routes: a plain-text 404 (see docs/emulator.md, "Unknown paths").
        headers = [("content-type", "text/plain; charset=utf-8"), *self._ids(ex, "MISS")]
        return Answer(404, tuple(headers), b"Not Found")

    def _error(
        self, ex: _Exchange, name: str, *, cache_status: str = "MISS", **fields: object
    ) -> Answer:
        spec = ex.switches.error(name)
        message = spec.message.format(**{**_TEMPLATE_DEFAULTS, **fields})
        body = envelope(spec.status, spec.code, message)
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        headers = [("content-type", "application/json"), *self._ids(ex, cache_status)]
        self._log(
            ex,
            status=spec.status,
            cache_status=cache_status,
            gateway_code=spec.code,
            response_body=body,
        )
        return Answer(spec.status, tuple(headers), data)

    def _edge_answer(self, ex: _Exchange, fault: Fault) -> Answer:
        headers: list[tuple[str, str]] = []
        gateway_code: int | None = None
        if fault.gateway_error is not None:
            spec = ex.switches.error(fault.gateway_error)
            status = fault.status or spec.status
            gateway_code = spec.code
            body_obj: Any = envelope(status, spec.code, spec.message.format(**_TEMPLATE_DEFAULTS))
            data, content_type = encode_body(body_obj, "json")
        else:
            status = fault.status or 500
            body_obj = fault.body if fault.body is not None else default_upstream_body(status)
            data, content_type = encode_body(body_obj, fault.body_kind)
        headers.append(("content-type", content_type))
        if fault.retry_after is not None:
            headers.append(("retry-after", f"{fault.retry_after:g}"))
        if fault.retry_after_ms is not None:
            headers.append(("retry-after-ms", f"{fault.retry_after_ms:g}"))
        headers += [(name.lower(), value) for name, value in (fault.headers or {}).items()]
        headers += self._ids(ex, "MISS")
        ok, parsed = _parse_json(data)
        self._log(
            ex,
            status=status,
            cache_status="MISS",
            gateway_code=gateway_code,
            response_body=parsed if ok else data.decode("utf-8", errors="replace"),
        )
        return Answer(status, tuple(headers), data, shaping=fault)

    def _relay(
        self, ex: _Exchange, upstream: _upstream.UpstreamAnswer, *, cache_status: str = "MISS"
    ) -> Answer:
        headers = [("content-type", upstream.content_type), *_provider_headers(upstream)]
        headers += self._ids(ex, cache_status)
        usage = usage_of(upstream.json_body, upstream.chunks)
        if upstream.chunks is not None:
            events = _upstream.frame_stream(upstream)
            self._log(
                ex,
                status=upstream.status,
                cache_status=cache_status,
                usage=usage,
                response_body=list(upstream.chunks),
                spend=True,
            )
            return Answer(upstream.status, tuple(headers), events=events)
        self._log(
            ex,
            status=upstream.status,
            cache_status=cache_status,
            usage=usage,
            response_body=upstream.json_body
            if upstream.json_body is not None
            else upstream.body.decode("utf-8", errors="replace"),
            spend=upstream.status == 200,
        )
        return Answer(upstream.status, tuple(headers), upstream.body)

    def _cache_hit(self, ex: _Exchange, hit: CachedAnswer) -> Answer:
        headers = [*hit.headers, *self._ids(ex, "HIT")]
        content_type = "text/event-stream" if hit.chunks is not None else "application/json"
        headers.insert(0, ("content-type", content_type))
        response_body: Any
        if hit.chunks is not None:
            response_body = [chunk.decode("utf-8", errors="replace") for chunk in hit.chunks]
        else:
            response_body = _recorded_body(hit.body or b"")
        self._log(
            ex,
            status=hit.status,
            cache_status="HIT",
            cached=True,
            tokens=(hit.tokens_in, hit.tokens_out),
            response_body=response_body,
        )
        return Answer(hit.status, tuple(headers), hit.body or b"", events=hit.chunks)

    def _log(
        self,
        ex: _Exchange,
        *,
        status: int,
        cache_status: str,
        gateway_code: int | None = None,
        usage: Mapping[str, Any] | None = None,
        tokens: tuple[int | None, int | None] | None = None,
        cached: bool = False,
        response_body: Any = None,
        spend: bool = False,
    ) -> None:
        usage = usage or {}
        tokens_in, tokens_out = tokens if tokens is not None else token_counts(usage)
        cost = 0.0 if cached else cost_usd(usage, ex.controls.custom_cost)
        now = self.clock.now()
        if spend and status == 200 and cost and ex.config is not None and ex.config.spend_limit:
            self.state.add_spend(ex.scope, cost, now)
        if not ex.collect_log:
            return
        payload = ex.controls.collect_log_payload is not False
        self.state.record_log(
            LogEntry(
                id=ex.log_id,
                request_id=ex.request_id or ex.log_id,
                event_id=ex.event_id,
                created_at=ex.started,
                duration=now - ex.started,
                provider=ex.dynamic.provider if ex.dynamic else PROVIDER,
                model=ex.model,
                path=ex.route.endpoint,
                success=200 <= status < 300,
                status_code=status,
                cached=cached,
                cache_status=cache_status,
                stream=ex.stream,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                cost=cost,
                custom_cost=ex.controls.custom_cost,
                metadata=dict(ex.controls.metadata),
                attempts=ex.attempts,
                step=ex.step,
                gateway_error_code=gateway_code,
                request_body=_recorded_body(ex.request.body) if payload else None,
                response_body=response_body if payload else None,
                payload_collected=payload,
                dlp=json.loads(ex.dlp) if ex.dlp else None,
                ignored_headers=ex.controls.ignored,
                account=ex.route.account,
                gateway=ex.route.gateway,
                request_type="universal" if ex.request_id else "chat",
            )
        )


def _provider_headers(upstream: _upstream.UpstreamAnswer) -> list[tuple[str, str]]:
    skip = {"content-type", "content-length", "transfer-encoding", "connection"}
    return [(name, value) for name, value in upstream.headers.items() if name not in skip]
