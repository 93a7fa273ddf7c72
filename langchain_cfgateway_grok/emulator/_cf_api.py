"""The Cloudflare API on the same server: the REST chat route (§1.6) and the logs API (§5).

Paths under `/client/v4` (point `cloudflare_api_url` at `emu.api_url`):

- `POST /client/v4/accounts/{acct}/ai/v1/chat/completions`: model `xai/<id>`; `Authorization:
  Bearer <Cloudflare API token>`; gateway from `cf-aig-gateway-id` (default `default`), whose
  settings and the §2 headers apply; xAI paid through Unified Billing. The request then runs
  through the gateway pipeline (`Route("rest_chat")`).
- `GET .../accounts/{acct}/ai-gateway/gateways/{gw}/logs` (list), `GET .../logs/{id}`,
  `PATCH .../logs/{id}` (`feedback`, `score`, `metadata`), `GET .../logs/{id}/request` and
  `.../response` (the bodies).

Every call needs an API token (`GatewayEmulator(api_tokens=...)`; None accepts any non-empty
token). Errors use the v4 envelope (`api_envelope`); successes `{"result": ..., "success": true,
"errors": [], "messages": []}`.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_cfgateway_grok.emulator import _logs_api
from langchain_cfgateway_grok.emulator._gateway_errors import api_envelope
from langchain_cfgateway_grok.emulator._routes import Route

if TYPE_CHECKING:
    from langchain_cfgateway_grok.emulator._pipeline import Answer, Gateway, _Exchange

API_PREFIX = "/client/v4"
REST_ENDPOINT = "ai/v1/chat/completions"
DEFAULT_GATEWAY = "default"
_JSON = ("content-type", "application/json")


@dataclass(frozen=True)
class ApiRoute:
    """Where a `/client/v4/...` path leads."""

    kind: str
    """`rest_chat`, `logs`, `log`, `log_request`, `log_response` or `no_route`."""
    account: str = ""
    gateway: str = ""
    log_id: str = ""


def match_api_route(path: str) -> ApiRoute | None:  # noqa: PLR0911 - one return per route
    """Classify a Cloudflare API path; None when `path` is not under `/client/v4`."""
    if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
        return None
    parts = path[len(API_PREFIX) :].strip("/").split("/")
    if len(parts) < 3 or parts[0] != "accounts" or not parts[1]:
        return ApiRoute("no_route")
    account, rest = parts[1], parts[2:]
    if "/".join(rest) == REST_ENDPOINT:
        return ApiRoute("rest_chat", account)
    if len(rest) >= 4 and rest[:2] == ["ai-gateway", "gateways"] and rest[2] and rest[3] == "logs":
        gateway, tail = rest[2], rest[4:]
        if not tail:
            return ApiRoute("logs", account, gateway)
        if len(tail) == 1 and tail[0]:
            return ApiRoute("log", account, gateway, tail[0])
        if len(tail) == 2 and tail[0] and tail[1] in ("request", "response"):
            return ApiRoute(f"log_{tail[1]}", account, gateway, tail[0])
    return ApiRoute("no_route")


def _token_ok(header: str | None, tokens: Collection[str] | None) -> bool:
    if header is None:
        return False
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return False
    if tokens is None:
        return True
    return any(hmac.compare_digest(token, expected) for expected in tokens)


def _api_answer(status: int, body: Any) -> Answer:
    from langchain_cfgateway_grok.emulator._pipeline import Answer

    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Answer(status, (_JSON,), data)


def api_error(ex: _Exchange, name: str, **fields: object) -> Answer:
    """A Cloudflare API error in the v4 envelope (no `cf-aig-*` headers, no log entry)."""
    spec = ex.switches.error(name)
    return _api_answer(spec.status, api_envelope(spec.code, spec.message.format(**fields)))


def _ok(result: Any, **extra: Any) -> Answer:
    return _api_answer(
        200, {"result": result, "success": True, "errors": [], "messages": [], **extra}
    )


def serve_api(  # noqa: PLR0911 - one return per route and method
    gateway: Gateway, ex: _Exchange, route: ApiRoute
) -> Answer | None:
    """Answer a Cloudflare API request, or None to let the gateway pipeline serve it.

    None is returned for an authorized REST chat request, after setting `ex.route`.
    """
    if route.kind == "no_route":
        return api_error(ex, "api_no_route")
    if not _token_ok(ex.headers.get("authorization"), gateway.state.api_tokens):
        return api_error(ex, "api_authentication_error")
    if route.kind == "rest_chat":
        if ex.request.method != "POST":
            return api_error(ex, "api_method_not_allowed")
        gateway_id = ex.headers.get("cf-aig-gateway-id", "").strip() or DEFAULT_GATEWAY
        ex.route = Route(
            "rest_chat",
            account=route.account,
            gateway=gateway_id,
            provider="xai",
            endpoint=REST_ENDPOINT,
        )
        return None
    if gateway.state.gateway(route.account, route.gateway) is None:
        return api_error(ex, "api_gateway_not_found")
    if route.kind == "logs":
        if ex.request.method != "GET":
            return api_error(ex, "api_method_not_allowed")
        return _list_logs(gateway, ex, route)
    entry = gateway.state.find_log(route.log_id)
    if entry is None or (entry.account, entry.gateway) != (route.account, route.gateway):
        return api_error(ex, "api_log_not_found")
    if route.kind == "log_request" and ex.request.method == "GET":
        return _ok(entry.request_body)
    if route.kind == "log_response" and ex.request.method == "GET":
        return _ok(entry.response_body)
    if route.kind == "log" and ex.request.method == "GET":
        return _ok(_logs_api.log_json(entry))
    if route.kind == "log" and ex.request.method == "PATCH":
        return _patch_log(gateway, ex, route)
    return api_error(ex, "api_method_not_allowed")


def _list_logs(gateway: Gateway, ex: _Exchange, route: ApiRoute) -> Answer:
    try:
        query = _logs_api.parse_list_query(ex.request.query)
    except _logs_api.InvalidQueryError as error:
        return api_error(ex, "api_invalid_request", detail=str(error))
    with gateway.state.lock:
        entries = [
            entry
            for entry in gateway.state.logs
            if (entry.account, entry.gateway) == (route.account, route.gateway)
        ]
    page, total = _logs_api.select(entries, query)
    info = {
        "page": query.page,
        "per_page": query.per_page,
        "count": len(page),
        "total_count": total,
    }
    return _ok([_logs_api.log_json(entry) for entry in page], result_info=info)


def _patch_log(gateway: Gateway, ex: _Exchange, route: ApiRoute) -> Answer:
    try:
        body = json.loads(ex.request.body) if ex.request.body.strip() else {}
    except (UnicodeDecodeError, ValueError):
        return api_error(ex, "api_invalid_request", detail="the body is not JSON")
    try:
        changes = _logs_api.parse_patch(body, feedback_scale=ex.switches.feedback_scale)
    except _logs_api.InvalidQueryError as error:
        return api_error(ex, "api_invalid_request", detail=str(error))
    with gateway.state.lock:
        entry = gateway.state.find_log(route.log_id)
        if entry is None:
            return api_error(ex, "api_log_not_found")
        if "metadata" in changes:
            changes["metadata"] = _logs_api.merged_metadata(entry.metadata, changes["metadata"])
        updated = gateway.state.update_log(route.log_id, **changes)
    if updated is None:
        return api_error(ex, "api_log_not_found")
    return _ok(_logs_api.log_json(updated))


def rest_model(ex: _Exchange, body: Any) -> dict[str, Any] | Answer:
    """The body to forward for a REST chat request (model `xai/<id>` -> `<id>`), or the error."""
    model = body.get("model") if isinstance(body, dict) else None
    if not isinstance(model, str) or not model.startswith("xai/") or not model[4:]:
        shown = model if isinstance(model, str) else "(none)"
        return api_error(ex, "api_model_not_found", model=shown)
    ex.model = model[4:]
    return {**body, "model": model[4:]}
