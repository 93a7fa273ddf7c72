"""The gateway's own errors on the wire: the full `AiGatewayError` envelope and its headers.

References: gateway-protocol.md §4.1 (envelope, key order as captured), §4.2 (codes), §3 (headers on
every answer), checklist §7.2/§7.4.
"""

from __future__ import annotations

import json

import httpx2
import pytest

from langchain_cfgateway_grok.emulator import GatewayConfig, GatewayEmulator, fingerprint
from tests.emulator_tests.contract._support import (
    COMPAT_PATH,
    ENVELOPE_KEYS,
    GROK_PATH,
    UUID7,
    XAI_AUTH,
    chat,
    origin,
    post,
)


def test_unauthorized_envelope_bytes_match_the_capture(cfgateway_emulator: GatewayEmulator) -> None:
    """§4.1: `{"success":false,"result":[],"messages":[],"error":[...],...}`, key order kept."""
    cfgateway_emulator.set_gateway("gw", GatewayConfig(auth_tokens=["cf-token"]))
    response = post(cfgateway_emulator.url)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.content == (
        b'{"success":false,"result":[],"messages":[],'
        b'"error":[{"code":2009,"message":"Unauthorized"}],'
        b'"name":"AiGatewayError","httpCode":401,"internalCode":2009,'
        b'"message":"Unauthorized","description":"Unauthorized"}'
    )


@pytest.mark.parametrize(
    ("token_header", "status"),
    [
        (None, 401),
        ("Bearer wrong", 401),
        ("cf-token", 401),  # the scheme is required
        ("Bearer cf-token", 200),
        ("bearer cf-token", 200),
    ],
)
def test_authenticated_gateway_checks_cf_aig_authorization(
    cfgateway_emulator: GatewayEmulator, token_header: str | None, status: int
) -> None:
    """§2 `cf-aig-authorization`, §7.2: missing or wrong token -> 401/2009."""
    cfgateway_emulator.set_gateway("gw", GatewayConfig(auth_tokens=["cf-token"]))
    response = post(cfgateway_emulator.url, headers={"cf-aig-authorization": token_header})
    assert response.status_code == status
    if status == 401:
        assert response.json()["internalCode"] == 2009


def test_unknown_gateway_is_400_2001() -> None:
    """§4.2 2001 (message Unconfirmed), §7.2: with no default gateway, unknown ids do not exist."""
    with GatewayEmulator(gateways={"known": GatewayConfig()}, default_gateway=None) as emu:
        missing = post(emu.url, "/v1/acct/other/grok/v1/chat/completions")
        known = post(emu.url, "/v1/acct/known/grok/v1/chat/completions")
    assert missing.status_code == 400
    body = missing.json()
    assert list(body) == ENVELOPE_KEYS
    assert body["error"] == [{"code": 2001, "message": body["message"]}]
    assert (body["name"], body["httpCode"], body["internalCode"]) == ("AiGatewayError", 400, 2001)
    assert known.status_code == 200


def test_unknown_account_is_400_2001() -> None:
    """§4.2 2001: the emulator treats a gateway under an unknown account as missing."""
    with GatewayEmulator(accounts=["acct"]) as emu:
        assert post(emu.url, "/v1/nobody/gw/grok/v1/chat/completions").status_code == 400
        assert post(emu.url, "/v1/acct/gw/grok/v1/chat/completions").status_code == 200


def test_disabled_gateway_config_is_400_2001(cfgateway_emulator: GatewayEmulator) -> None:
    """§4.2 2001 via `GatewayConfig(exists=False)`."""
    cfgateway_emulator.set_gateway("gw", GatewayConfig(exists=False))
    response = post(cfgateway_emulator.url)
    assert (response.status_code, response.json()["internalCode"]) == (400, 2001)


@pytest.mark.parametrize(
    ("model", "status", "code", "message"),
    [
        ("xai/grok-4.3", 400, 2008, "Invalid provider"),  # §0, §4.2 (opencode#44827)
        ("madeup/grok-4.3", 400, 2008, "Invalid provider"),
        ("grok-4.3", 400, 2005, "Failed to get response from provider"),  # bare: §4.2
        ("openai/gpt-4o", 400, 2005, "Failed to get response from provider"),  # not emulated
        ("dynamic/nowhere", 400, 2005, "Failed to get response from provider"),  # §1.5 #611
    ],
)
def test_compat_model_errors(
    cfgateway_emulator: GatewayEmulator, model: str, status: int, code: int, message: str
) -> None:
    """§1.3, §4.2: compat needs `grok/<model>`; full envelope with the documented message."""
    response = post(cfgateway_emulator.url, COMPAT_PATH, chat(model=model))
    assert response.status_code == status
    assert response.json() == {
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


def test_every_answer_carries_the_id_and_cache_headers(cfgateway_emulator: GatewayEmulator) -> None:
    """§3, §7.4: log/request/event ids (equal, lower-case UUIDv7) and cache status, errors too."""
    cfgateway_emulator.set_gateway("locked", GatewayConfig(auth_tokens=["t"]))
    answers = [
        post(cfgateway_emulator.url),  # 200
        post(cfgateway_emulator.url, "/v1/acct/locked/grok/v1/chat/completions"),  # 401 gateway
        post(cfgateway_emulator.url, COMPAT_PATH, chat(model="xai/x")),  # 400 gateway
        post(cfgateway_emulator.url, body=chat(model="grok-beta")),  # 400 from xAI
        httpx2.get(origin(cfgateway_emulator.url) + "/nowhere"),  # 404 outside the gateway
    ]
    assert [a.status_code for a in answers] == [200, 401, 400, 400, 404]
    log_ids = set()
    for answer in answers:
        log_id = answer.headers["cf-aig-log-id"]
        assert UUID7.match(log_id), log_id
        assert answer.headers["cf-aig-request-id"] == log_id
        assert answer.headers["cf-aig-event-id"] == log_id
        assert answer.headers["cf-aig-cache-status"] == "MISS"
        log_ids.add(log_id)
    assert len(log_ids) == len(answers)


def test_client_event_id_is_echoed(cfgateway_emulator: GatewayEmulator) -> None:
    """§2/§3 `cf-aig-event-id`: "If you set your own ..., AI Gateway still returns it"."""
    response = post(cfgateway_emulator.url, headers={"cf-aig-event-id": "run-42"})
    assert response.headers["cf-aig-event-id"] == "run-42"
    assert response.headers["cf-aig-log-id"] != "run-42"
    assert cfgateway_emulator.logs[-1].event_id == "run-42"


def test_no_invented_headers(cfgateway_emulator: GatewayEmulator) -> None:
    """§3: only documented `cf-aig-*` headers plus plain HTTP ones; no `x-*`, no `server`."""
    response = post(cfgateway_emulator.url)
    allowed = {
        "content-type",
        "content-length",
        "date",
        "cf-aig-cache-status",
        "cf-aig-log-id",
        "cf-aig-request-id",
        "cf-aig-event-id",
    }
    assert set(response.headers) <= allowed, set(response.headers) - allowed
    with httpx2.stream(
        "POST",
        origin(cfgateway_emulator.url) + GROK_PATH,
        json=chat(stream=True),
        headers=XAI_AUTH,
    ) as stream:
        names = set(stream.headers)
        stream.read()
    assert names <= allowed | {"transfer-encoding"}, names - allowed


def test_unknown_path_is_plain_404(cfgateway_emulator: GatewayEmulator) -> None:
    """Emulator choice (docs/emulator.md "Unknown paths"): outside the gateway's routes.

    `/v1/{acct}/{gw}` itself is the Universal endpoint (POST only; tests/emulator_tests/
    test_routes_emulator.py), so a GET there is an unknown path too.
    """
    response = httpx2.get(origin(cfgateway_emulator.url) + "/v1/acct/gw")
    assert response.status_code == 404
    assert response.text == "Not Found"
    for path in ("/", "/v2/acct/gw/grok/v1/chat/completions", "/v1/acct", "/v1/acct/gw/x"):
        response = httpx2.post(origin(cfgateway_emulator.url) + path, json={})
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text == "Not Found"


def test_unknown_byok_alias_message(cfgateway_emulator: GatewayEmulator) -> None:
    """§2 `cf-aig-byok-alias`: 400/2040 "Provider 'x' has no BYOK credential named 'y'..."."""
    cfgateway_emulator.set_gateway(
        "gw",
        GatewayConfig(auth_tokens=["t"], stored_keys={"default": "xai-a", "team": "xai-b"}),
    )
    response = post(
        cfgateway_emulator.url,
        headers={
            "authorization": None,
            "cf-aig-authorization": "Bearer t",
            "cf-aig-byok-alias": "nope",
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["internalCode"] == 2040
    assert body["message"] == (
        "Provider 'grok' has no BYOK credential named 'nope'. Configured aliases: default, team"
    )
    recorded = cfgateway_emulator.requests[-1].headers
    assert recorded["cf-aig-authorization"] == fingerprint("Bearer t")
    assert "Bearer t" not in json.dumps(dict(recorded))
