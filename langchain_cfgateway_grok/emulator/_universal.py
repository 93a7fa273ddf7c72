"""The Universal endpoint: `POST /v1/{account}/{gateway}` with a JSON array of steps (§1.4).

Each step is `{"provider", "endpoint", "headers", "config", "query"}` (older docs: an
`authorization` field instead of `headers`; binding `gateway.run` also takes one object). The
gateway tries the steps in order; each one runs through the same pipeline as a direct request
to `/v1/{account}/{gateway}/{provider}/{endpoint}` (credentials, cache, retries, guardrails ...),
with:

- headers by precedence: step `headers` > the HTTP request's headers > gateway settings;
  `cf-aig-authorization` counts only as a real HTTP header (a step's copy is dropped);
- the step's `config` (`requestTimeout`, `maxAttempts`, `retryDelay`, `backoff`) over its
  headers' `cf-aig-request-timeout`, `-max-attempts`, `-retry-delay`, `-backoff`;
- fallback on an error answer or a timeout (`Switches.universal_fallback_on_client_errors` for
  4xx); the winner's body unchanged, with `cf-aig-step` = its index;
- every step tried gets its own log entry (`step` = index, its own log id, the request id of the
  whole request); all failing: `Switches.universal_all_failed`.

Ids: the request id is step 0's log id, so a request served by step 0 has equal log, request and
event ids, as single-step requests do (§3); a later step answers with its own `cf-aig-log-id`.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_cfgateway_grok.emulator._controls import (
    MAX_ATTEMPTS_LIMIT,
    RETRY_DELAY_MAX_MS,
    Backoff,
    RequestControls,
    parse_controls,
)
from langchain_cfgateway_grok.emulator._ids import uuid7
from langchain_cfgateway_grok.emulator._routes import match_route

if TYPE_CHECKING:
    from langchain_cfgateway_grok.emulator._config import GatewayConfig
    from langchain_cfgateway_grok.emulator._pipeline import Answer, Gateway, _Exchange

#: HTTP request headers a step does not inherit (they describe the Universal request's body).
_NOT_INHERITED = frozenset({"content-length", "transfer-encoding", "host", "connection"})
_BACKOFFS: dict[str, Backoff] = {
    "constant": "constant",
    "linear": "linear",
    "exponential": "exponential",
}


@dataclass(frozen=True)
class Step:
    """One parsed step of a Universal request."""

    provider: str
    endpoint: str
    headers: dict[str, str]
    """Lower-case names; `cf-aig-authorization` already removed."""
    config: dict[str, Any]
    query: Any
    notes: tuple[str, ...] = ()
    """What was ignored, e.g. a step's `cf-aig-authorization` (added to the log's
    `ignored_headers`)."""


def parse_steps(data: bytes) -> list[Step] | str:
    """The steps of a Universal body, or a description of what is wrong with it."""
    try:
        parsed = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        return "the body is not JSON"
    items = [parsed] if isinstance(parsed, dict) else parsed
    if not isinstance(items, list) or not items:
        return "the body must be a non-empty JSON array of steps (or one step object)"
    steps: list[Step] = []
    for index, item in enumerate(items):
        step = _parse_step(item)
        if isinstance(step, str):
            return f"step {index}: {step}"
        steps.append(step)
    return steps


def _parse_step(item: object) -> Step | str:  # noqa: PLR0911 - one return per rule
    if not isinstance(item, dict):
        return "not a JSON object"
    provider, endpoint = item.get("provider"), item.get("endpoint")
    if not isinstance(provider, str) or not provider.strip("/"):
        return "`provider` must be a non-empty string"
    if not isinstance(endpoint, str) or not endpoint.strip("/"):
        return "`endpoint` must be a non-empty string"
    if "query" not in item:
        return "`query` (the provider request body) is missing"
    raw_headers = item.get("headers", {})
    if not isinstance(raw_headers, dict):
        return "`headers` must be an object"
    config = item.get("config", {})
    if not isinstance(config, dict):
        return "`config` must be an object"
    headers: dict[str, str] = {}
    notes: list[str] = []
    legacy = item.get("authorization")  # older docs: a step-level `authorization` field
    if isinstance(legacy, str) and legacy:
        headers["authorization"] = legacy if " " in legacy else f"Bearer {legacy}"
    for name, value in raw_headers.items():
        lowered = str(name).lower()
        if lowered == "cf-aig-authorization":
            notes.append("cf-aig-authorization: ignored in a step's headers (HTTP header only)")
            continue
        if not isinstance(value, (str, int, float, bool)):
            notes.append(f"{lowered}: step header value is not a string")
            continue
        text = value if isinstance(value, str) else json.dumps(value)
        headers[lowered] = text
    return Step(
        provider=provider.strip("/"),
        endpoint=endpoint.strip("/"),
        headers=headers,
        config=config,
        query=item["query"],
        notes=tuple(notes),
    )


def step_headers(http_headers: Mapping[str, str], step: Step) -> dict[str, str]:
    """Headers one step runs with: the HTTP request's, overridden by the step's (§1.4)."""
    merged = {name: value for name, value in http_headers.items() if name not in _NOT_INHERITED}
    merged.update(step.headers)
    if "cf-aig-authorization" in http_headers:
        merged["cf-aig-authorization"] = http_headers["cf-aig-authorization"]
    else:
        merged.pop("cf-aig-authorization", None)
    merged["content-type"] = "application/json"
    return merged


def _config_int(
    config: Mapping[str, Any], key: str, low: int, high: int | None, notes: list[str]
) -> int | None:
    value = config.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        notes.append(f"config.{key}: not a number")
        return None
    number = int(value)
    clamped = max(low, number if high is None else min(high, number))
    if clamped != number:
        notes.append(f"config.{key}: {number} clamped to {clamped}")
    return clamped


def apply_config(controls: RequestControls, config: Mapping[str, Any]) -> RequestControls:
    """`controls` with the step's `config` applied over its headers (lenient, like headers)."""
    notes: list[str] = []
    changes: dict[str, Any] = {}
    timeout = _config_int(config, "requestTimeout", 0, None, notes)
    if timeout is not None:
        changes["request_timeout_ms"] = timeout
    attempts = _config_int(config, "maxAttempts", 1, MAX_ATTEMPTS_LIMIT, notes)
    if attempts is not None:
        changes["max_attempts"] = attempts
    delay = _config_int(config, "retryDelay", 0, RETRY_DELAY_MAX_MS, notes)
    if delay is not None:
        changes["retry_delay_ms"] = delay
    backoff = config.get("backoff")
    if backoff is not None:
        mode = _BACKOFFS.get(str(backoff).lower())
        if mode is None:
            notes.append("config.backoff: not constant/linear/exponential")
        else:
            changes["backoff"] = mode
    unknown = sorted(set(config) - {"requestTimeout", "maxAttempts", "retryDelay", "backoff"})
    notes += [f"config.{key}: unknown key" for key in unknown]
    if notes:
        changes["ignored"] = (*controls.ignored, *notes)
    return dataclasses.replace(controls, **changes) if changes else controls


def falls_back(status: int, *, on_client_errors: bool) -> bool:
    """Whether a step's answer status moves on to the next step."""
    if 200 <= status < 300:
        return False
    if status == 429 or status >= 500:
        return True
    return on_client_errors and status >= 400


async def serve(gateway: Gateway, ex: _Exchange, config: GatewayConfig) -> Answer:
    """Answer a Universal request whose gateway, authentication and rate limit already passed."""
    if ex.request.method != "POST":
        return gateway._not_found(ex)
    steps = parse_steps(ex.request.body)
    if isinstance(steps, str):
        return gateway._error(ex, "universal_invalid_request")
    answers: list[Answer] = []
    for index, step in enumerate(steps):
        child = _child(gateway, ex, index, step)
        answer = await gateway._dispatch(child, config)
        answers.append(answer)
        if not falls_back(
            answer.status, on_client_errors=ex.switches.universal_fallback_on_client_errors
        ):
            return answer
    mode = ex.switches.universal_all_failed
    if mode == "first_error":
        return answers[0]
    if mode == "gateway_error":
        return gateway._error(ex, "universal_all_failed")
    return answers[-1]


def _child(gateway: Gateway, ex: _Exchange, index: int, step: Step) -> _Exchange:
    """The exchange for one step: its own path, headers, controls, log id and step index."""
    from langchain_cfgateway_grok.emulator._pipeline import IncomingRequest

    route = ex.route
    path = f"/v1/{route.account}/{route.gateway}/{step.provider}/{step.endpoint}"
    headers = step_headers(ex.headers, step)
    controls = apply_config(parse_controls(headers), step.config)
    if step.notes:
        controls = dataclasses.replace(controls, ignored=(*controls.ignored, *step.notes))
    body = json.dumps(step.query, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    now = gateway.clock.now()
    log_id = ex.log_id if index == 0 else uuid7(now)
    return dataclasses.replace(
        ex,
        request=IncomingRequest(
            method="POST",
            path=path,
            query="",
            headers=tuple(headers.items()),
            body=body,
        ),
        headers=headers,
        controls=controls,
        log_id=log_id,
        request_id=ex.log_id,
        event_id=controls.event_id or ex.event_id,
        started=now,
        route=match_route(
            path, accept_unversioned_grok_path=ex.switches.accept_unversioned_grok_path
        ),
        step=index,
        model=None,
        stream=False,
        attempts=0,
        request_json=None,
        dynamic=None,
        dlp=None,
        request_dlp=[],
        extra_headers=[("cf-aig-step", str(index))],
    )
