"""Which xAI credential the gateway uses (gateway-protocol.md §2 precedence, §6.2, checklist §7.3).

"Credentials in §2 order: `Authorization` as-is -> BYOK (`cf-aig-byok-alias`, else 400/2040) -> UB,
unless `cf-aig-no-wholesale`/`byok_only` (400)." The emulated xAI accepts only the keys in
`xai_keys`, so which key reached it shows in its answer (400 "Incorrect API key provided: xa***ke").
"""

from __future__ import annotations

import json

import pytest

from langchain_cfgateway_grok.emulator import GatewayConfig, GatewayEmulator, fingerprint
from tests.emulator_tests.contract._support import post

GOOD = "xai-good-key-1"
TEAM = "xai-team-key-2"
STORED = GatewayConfig(auth_tokens=["cf-t"], stored_keys={"default": GOOD, "team": TEAM})
GATEWAY_AUTH: dict[str, str | None] = {"cf-aig-authorization": "Bearer cf-t", "authorization": None}


def test_request_key_is_forwarded_even_when_keys_are_stored() -> None:
    """§2/§6.2: a placeholder `Authorization` is forwarded and silently disables the stored key."""
    with GatewayEmulator(gateways={"gw": STORED}, xai_keys=[GOOD]) as emu:
        response = post(
            emu.url, headers={**GATEWAY_AUTH, "authorization": "Bearer placeholder-key"}
        )
    assert response.status_code == 400
    assert response.json()["error"].startswith("Incorrect API key provided: pl***ey.")


def test_stored_default_key_used_without_authorization() -> None:
    """§2: no `Authorization` -> the stored `default` key."""
    with GatewayEmulator(gateways={"gw": STORED}, xai_keys=[GOOD]) as emu:
        response = post(emu.url, headers=GATEWAY_AUTH)
        recorded = emu.requests[-1].headers
    assert response.status_code == 200
    assert "authorization" not in recorded


def test_alias_selects_another_stored_key() -> None:
    """§2 `cf-aig-byok-alias`: the named key reaches xAI (here one xAI does not accept)."""
    with GatewayEmulator(gateways={"gw": STORED}, xai_keys=[GOOD]) as emu:
        response = post(emu.url, headers={**GATEWAY_AUTH, "cf-aig-byok-alias": "team"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("Incorrect API key provided: xa***-2.")


def test_stored_keys_need_an_authenticated_gateway() -> None:
    """§2 (stored keys require authentication, as Cloudflare does): the config refuses."""
    with pytest.raises(ValueError, match="auth_tokens"):
        GatewayConfig(stored_keys={"default": GOOD})


def test_no_credentials_are_forwarded_and_xai_answers() -> None:
    """§4.3: with no usable credential the request reaches xAI, which answers with its own error."""
    with GatewayEmulator() as emu:
        response = post(emu.url, headers={"authorization": None})
    assert response.status_code == 401
    assert set(response.json()) == {"code", "error"}


def test_byok_only_without_credentials_is_a_gateway_400() -> None:
    """§2 `cf-aig-no-wholesale`/`byok_only` with no credentials -> 400 (code: emulator choice)."""
    config = GatewayConfig(auth_tokens=["cf-t"], byok_only=True, unified_billing=True)
    with GatewayEmulator(gateways={"gw": config}) as emu:
        response = post(emu.url, headers=GATEWAY_AUTH)
    assert response.status_code == 400
    assert response.json()["name"] == "AiGatewayError"


def test_no_wholesale_header_refuses_unified_billing() -> None:
    """§2 `cf-aig-no-wholesale: true`: never Unified Billing; without keys -> 400."""
    config = GatewayConfig(auth_tokens=["cf-t"], unified_billing=True)
    with GatewayEmulator(gateways={"gw": config}, xai_keys=[GOOD]) as emu:
        paid_by_cloudflare = post(emu.url, headers=GATEWAY_AUTH)
        refused = post(emu.url, headers={**GATEWAY_AUTH, "cf-aig-no-wholesale": "true"})
    assert paid_by_cloudflare.status_code == 200
    assert refused.status_code == 400
    assert refused.json()["name"] == "AiGatewayError"


def test_unified_billing_needs_authentication_and_credits() -> None:
    """§4.2: 403 "Gateway authentication is required to use unified billing..."; 402/2021."""
    gateways = {
        "open": GatewayConfig(unified_billing=True),
        "broke": GatewayConfig(
            auth_tokens=["cf-t"], unified_billing=True, unified_billing_credits=False
        ),
    }
    with GatewayEmulator(gateways=gateways) as emu:
        open_gw = post(emu.url, "/v1/acct/open/grok/v1/chat/completions", headers=GATEWAY_AUTH)
        broke = post(emu.url, "/v1/acct/broke/grok/v1/chat/completions", headers=GATEWAY_AUTH)
    assert open_gw.status_code == 403
    assert open_gw.json()["message"].startswith(
        "Gateway authentication is required to use unified billing."
    )
    assert (broke.status_code, broke.json()["internalCode"]) == (402, 2021)
    assert broke.json()["message"] == "Insufficient balance; add money to your gateway or use BYOK"


def test_recorded_secrets_are_fingerprints_only() -> None:
    """Team rule: secrets never appear in clear; `fingerprint()` = `sha256:` + 12 hex digits."""
    with GatewayEmulator(gateways={"gw": STORED}) as emu:
        post(emu.url, headers={"cf-aig-authorization": "Bearer cf-t", "authorization": "Bearer sk"})
        recorded = emu.requests[-1]
        dumped = json.dumps(dict(recorded.headers)) + repr(recorded) + repr(emu.logs)
    assert recorded.headers["authorization"] == fingerprint("Bearer sk")
    assert recorded.headers["cf-aig-authorization"] == fingerprint("Bearer cf-t")
    assert fingerprint("Bearer sk").startswith("sha256:")
    assert len(fingerprint("Bearer sk")) == len("sha256:") + 12
    assert "Bearer sk" not in dumped
    assert "cf-t" not in dumped.replace("sha256:", "")
