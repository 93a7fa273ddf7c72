"""The gateway's own errors: the `AiGatewayError` envelope and the table of codes it uses.

Shape and codes: gateway-protocol.md §4.1 (full envelope captured live) and §4.2 (code table).
Rows whose status, code or message the references leave open are marked `confirmed=False`; every
row can be replaced per emulator with `Switches(errors={name: GatewayErrorSpec(...)})`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GatewayErrorSpec:
    """One gateway error: HTTP status, `AiGatewayError` code and message.

    `message` may hold `str.format` fields filled per request (e.g. `{alias}`).
    """

    status: int
    code: int
    message: str
    confirmed: bool = True
    """False when the references mark status, code or message Unconfirmed (see docs/emulator.md)."""


#: Every gateway error the emulator can answer, keyed by a stable name (§4.2 unless noted).
GATEWAY_ERRORS: dict[str, GatewayErrorSpec] = {
    # §4.2: code from ai-gateway-provider (`AiGatewayDoesNotExist`); message Unconfirmed.
    "gateway_not_found": GatewayErrorSpec(400, 2001, "Gateway does not exist", confirmed=False),
    "unauthorized": GatewayErrorSpec(401, 2009, "Unauthorized"),
    "provider_failed": GatewayErrorSpec(400, 2005, "Failed to get response from provider"),
    "invalid_provider": GatewayErrorSpec(400, 2008, "Invalid provider"),
    # §2 `cf-aig-byok-alias` (3P fixture message).
    "byok_alias_unknown": GatewayErrorSpec(
        400,
        2040,
        "Provider '{provider}' has no BYOK credential named '{alias}'. "
        "Configured aliases: {aliases}",
    ),
    # §2 `cf-aig-no-wholesale` / byok_only: 400 documented, code and message not; the emulator
    # answers like an unknown `default` alias (2040), the closest documented error.
    "no_credentials": GatewayErrorSpec(
        400,
        2040,
        "Provider '{provider}' has no BYOK credential named 'default'. "
        "Configured aliases: {aliases}",
        confirmed=False,
    ),
    # §4.2: message quoted from a 3P capture; code not documented.
    "unified_billing_requires_auth": GatewayErrorSpec(
        403,
        2036,
        "Gateway authentication is required to use unified billing. Enable authentication on "
        "your gateway or provide your own API key (BYOK).",
        confirmed=False,
    ),
    "insufficient_credits": GatewayErrorSpec(
        402, 2021, "Insufficient balance; add money to your gateway or use BYOK"
    ),
    "rate_limited": GatewayErrorSpec(429, 2003, "Rate limited"),
    "spend_limit": GatewayErrorSpec(
        429,
        2041,
        "Spend limit exceeded: rule '{rule}' (cost limit {limit} per {interval}s, {technique}) "
        "for {provider}",
    ),
    # Guardrails: set-up-guardrail.mdx (codes and messages documented, 424 in §4.2).
    "prompt_blocked": GatewayErrorSpec(424, 2016, "Prompt blocked due to security configurations"),
    "response_blocked": GatewayErrorSpec(
        424, 2017, "Response blocked due to security configurations"
    ),
    # DLP: codes and message documented, status Unconfirmed (§4.2).
    "dlp_request_blocked": GatewayErrorSpec(
        400, 2029, "Request content blocked due to DLP policy violations", confirmed=False
    ),
    "dlp_response_blocked": GatewayErrorSpec(
        400, 2030, "Response content blocked due to DLP policy violations", confirmed=False
    ),
    # `cf-aig-request-timeout` exceeded: status, code and message all Unconfirmed (§4.2).
    "request_timeout": GatewayErrorSpec(504, 2007, "Request timed out", confirmed=False),
    # Universal endpoint (§1.4): a body that is not a JSON array of steps (or one step object).
    # Not documented: status, code and message are the emulator's.
    "universal_invalid_request": GatewayErrorSpec(
        400, 2006, "Invalid Universal request: expected a JSON array of steps", confirmed=False
    ),
    # Only with Switches(universal_all_failed="gateway_error"): what the gateway answers when
    # every step failed is Unconfirmed (§1.4); the default relays the last step's error instead.
    "universal_all_failed": GatewayErrorSpec(
        502, 2005, "Failed to get response from provider", confirmed=False
    ),
    # Only with Switches(cache_ttl_out_of_range="reject"): not a documented error.
    "invalid_cache_ttl": GatewayErrorSpec(
        400, 2004, "Invalid cf-aig-cache-ttl: must be between 60 and 2592000", confirmed=False
    ),
}


def envelope(status: int, code: int, message: str) -> dict[str, Any]:
    """The full `AiGatewayError` body (§4.1), e.g. for 400/2008.

    ```json
    {"success":false,"result":[],"messages":[],
     "error":[{"code":2008,"message":"Invalid provider"}],
     "name":"AiGatewayError","httpCode":400,"internalCode":2008,
     "message":"Invalid provider","description":"Invalid provider"}
    ```
    """
    return {
        "success": False,
        "result": [],
        "messages": [],
        "error": [{"code": code, "message": message}],
        "name": "AiGatewayError",
        "httpCode": status,
        "internalCode": code,
        "message": message,
        "description": message,
    }


def render(spec: GatewayErrorSpec, **fields: object) -> tuple[int, dict[str, Any]]:
    """Status and envelope for `spec`, its message formatted with `fields`."""
    message = spec.message.format(**fields) if fields else spec.message
    return spec.status, envelope(spec.status, spec.code, message)


#: Errors of the Cloudflare API (`api.cloudflare.com/client/v4`: the REST chat route and the logs
#: API), answered in the v4 envelope (`api_envelope`), not as `AiGatewayError`s. Only 10000
#: "Authentication error" and 7003 are named in the references (§4.2); the statuses, and every
#: other row, are the emulator's (`confirmed=False`). Override by name with `Switches(errors=...)`.
API_ERRORS: dict[str, GatewayErrorSpec] = {
    "api_authentication_error": GatewayErrorSpec(
        401, 10000, "Authentication error", confirmed=False
    ),
    "api_model_not_found": GatewayErrorSpec(400, 7003, "model not found: {model}", confirmed=False),
    "api_no_route": GatewayErrorSpec(404, 7000, "No route for that URI", confirmed=False),
    "api_method_not_allowed": GatewayErrorSpec(
        405, 10405, "Method not allowed for this route", confirmed=False
    ),
    "api_gateway_not_found": GatewayErrorSpec(404, 7002, "Gateway not found", confirmed=False),
    "api_log_not_found": GatewayErrorSpec(404, 7002, "Log not found", confirmed=False),
    "api_invalid_request": GatewayErrorSpec(400, 7001, "{detail}", confirmed=False),
}


def api_envelope(code: int, message: str) -> dict[str, Any]:
    """A Cloudflare API v4 error body: `{"result":null,"success":false,"errors":[...],...}`."""
    return {
        "result": None,
        "success": False,
        "errors": [{"code": code, "message": message}],
        "messages": [],
    }
