"""Table tests for `_gateway`: URLs, ids, wire model ids, credentials, response headers, origins.

Unit, not emulator: these are pure functions; the emulator tests run the built URLs for real.
"""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest

from langchain_cfgateway_grok._gateway import (
    DEFAULT_GATEWAY_URL,
    ENDPOINTS,
    check_endpoint,
    check_id,
    credential_headers,
    parse_gateway_headers,
    resolve_chat_url,
    same_origin,
    wire_model,
    xai_model_id,
)

ACCT = "023e105f4ecef8ad9ca31a8372d0c353"
GW = "my-gateway"
ROOT = DEFAULT_GATEWAY_URL
EMULATOR_ROOT = "http://127.0.0.1:54321/v1"


def resolve(**overrides: Any) -> tuple[str, str]:
    kwargs: dict[str, Any] = {
        "base_url": None,
        "gateway_url": ROOT,
        "account_id": ACCT,
        "gateway_id": GW,
        "endpoint": None,
    }
    kwargs.update(overrides)
    return resolve_chat_url(**kwargs)


def error_of(**overrides: Any) -> str:
    with pytest.raises(ValueError) as info:  # message checked by each caller
        resolve(**overrides)
    return str(info.value)


# --- built URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gateway_url", "endpoint", "expected"),
    [
        (ROOT, None, f"{ROOT}/{ACCT}/{GW}/grok/v1/chat/completions"),
        (ROOT, "grok", f"{ROOT}/{ACCT}/{GW}/grok/v1/chat/completions"),
        (ROOT, "compat", f"{ROOT}/{ACCT}/{GW}/compat/chat/completions"),
        (ROOT + "/", "grok", f"{ROOT}/{ACCT}/{GW}/grok/v1/chat/completions"),
        (ROOT + "///", "compat", f"{ROOT}/{ACCT}/{GW}/compat/chat/completions"),
        (EMULATOR_ROOT, "grok", f"{EMULATOR_ROOT}/{ACCT}/{GW}/grok/v1/chat/completions"),
        (EMULATOR_ROOT + "/", "compat", f"{EMULATOR_ROOT}/{ACCT}/{GW}/compat/chat/completions"),
        (
            "https://proxy.example.com",
            "grok",
            f"https://proxy.example.com/{ACCT}/{GW}/grok/v1/chat/completions",
        ),
    ],
)
def test_built_url(gateway_url: str, endpoint: str | None, expected: str) -> None:
    url, effective = resolve(gateway_url=gateway_url, endpoint=endpoint)
    assert url == expected
    assert effective == (endpoint or "grok")


@pytest.mark.parametrize(
    "gateway_id",
    ["default", "a", "A" * 64, "my_gw.v-2", ".hidden", "-dash-", "_", "x.y.z", "Gw-Prod_2026"],
)
def test_unusual_allowed_gateway_ids_round_trip_into_the_path(gateway_id: str) -> None:
    url, _ = resolve(gateway_id=gateway_id)
    segments = urlsplit(url).path.split("/")
    assert segments == ["", "v1", ACCT, gateway_id, "grok", "v1", "chat", "completions"]
    # And the same string survives an HTTP client's URL normalisation unchanged.
    assert httpx2.URL(url).path.split("/")[3] == gateway_id


def test_ids_are_ignored_and_optional_with_base_url() -> None:
    base = f"https://proxy.example.com/v1/{ACCT}/{GW}/grok/v1"
    for account_id, gateway_id in [(None, None), ("", ""), ("not/checked", "also bad")]:
        url, _ = resolve(base_url=base, account_id=account_id, gateway_id=gateway_id)
        assert url == base + "/chat/completions"


# --- base_url ------------------------------------------------------------------------------------

GW_BASE = f"{ROOT}/{ACCT}/{GW}"


@pytest.mark.parametrize(
    ("base_url", "expected_url", "expected_endpoint"),
    [
        # /grok is used as given (the OpenAI-SDK form on Cloudflare's Grok page) ...
        (f"{GW_BASE}/grok", f"{GW_BASE}/grok/chat/completions", "grok"),
        (f"{GW_BASE}/grok/", f"{GW_BASE}/grok/chat/completions", "grok"),
        # ... and /grok/v1 is the cURL form; neither ever becomes /v1/v1.
        (f"{GW_BASE}/grok/v1", f"{GW_BASE}/grok/v1/chat/completions", "grok"),
        (f"{GW_BASE}/grok/v1/", f"{GW_BASE}/grok/v1/chat/completions", "grok"),
        (f"{GW_BASE}/grok/v1/chat/completions", f"{GW_BASE}/grok/v1/chat/completions", "grok"),
        (f"{GW_BASE}/grok/v1/chat/completions/", f"{GW_BASE}/grok/v1/chat/completions", "grok"),
        (f"{GW_BASE}/grok/chat/completions", f"{GW_BASE}/grok/chat/completions", "grok"),
        (f"{GW_BASE}/compat", f"{GW_BASE}/compat/chat/completions", "compat"),
        (f"{GW_BASE}/compat/", f"{GW_BASE}/compat/chat/completions", "compat"),
        (f"{GW_BASE}/compat/chat/completions", f"{GW_BASE}/compat/chat/completions", "compat"),
        # Emulator and proxies.
        (f"{EMULATOR_ROOT}/a/b/grok/v1", f"{EMULATOR_ROOT}/a/b/grok/v1/chat/completions", "grok"),
        (f"{EMULATOR_ROOT}/a/b/compat", f"{EMULATOR_ROOT}/a/b/compat/chat/completions", "compat"),
        ("https://proxy.example.com/llm", "https://proxy.example.com/llm/chat/completions", "grok"),
        ("https://proxy.example.com/", "https://proxy.example.com/chat/completions", "grok"),
        ("https://proxy.example.com", "https://proxy.example.com/chat/completions", "grok"),
        (
            "https://proxy.example.com/x/chat/completions",
            "https://proxy.example.com/x/chat/completions",
            "grok",
        ),
        # Segment-aligned suffixes: "mygrok" is not "/grok".
        (
            "https://proxy.example.com/mygrok",
            "https://proxy.example.com/mygrok/chat/completions",
            "grok",
        ),
    ],
)
def test_base_url_resolution(base_url: str, expected_url: str, expected_endpoint: str) -> None:
    assert resolve(base_url=base_url) == (expected_url, expected_endpoint)
    # An explicit endpoint that agrees is fine.
    assert resolve(base_url=base_url, endpoint=expected_endpoint) == (
        expected_url,
        expected_endpoint,
    )


def test_unrecognised_base_url_takes_the_given_endpoint() -> None:
    url, endpoint = resolve(base_url="https://proxy.example.com/llm", endpoint="compat")
    assert (url, endpoint) == ("https://proxy.example.com/llm/chat/completions", "compat")


@pytest.mark.parametrize(
    ("base_url", "endpoint", "suffix", "implied"),
    [
        (f"{GW_BASE}/grok", "compat", "'/grok'", "'grok'"),
        (f"{GW_BASE}/grok/v1/", "compat", "'/grok/v1'", "'grok'"),
        (f"{GW_BASE}/grok/v1/chat/completions", "compat", "'/grok/v1/chat/completions'", "'grok'"),
        (f"{GW_BASE}/compat", "grok", "'/compat'", "'compat'"),
        (f"{GW_BASE}/compat/chat/completions", "grok", "'/compat/chat/completions'", "'compat'"),
    ],
)
def test_conflicting_endpoint_is_refused(
    base_url: str, endpoint: str, suffix: str, implied: str
) -> None:
    message = error_of(base_url=base_url, endpoint=endpoint)
    assert f"ends in {suffix}" in message
    assert f"implies endpoint={implied}" in message
    assert f"endpoint={endpoint!r} was given" in message
    assert "Fix:" in message


def test_never_v1_v1_nor_double_slash_over_a_grid() -> None:
    roots = [ROOT, ROOT + "/", EMULATOR_ROOT, EMULATOR_ROOT + "//"]
    bases: list[tuple[str | None, str | None]] = [(None, None)]  # (base_url, implied endpoint)
    for base_root in (ROOT, EMULATOR_ROOT):
        for route, route_endpoint in (("grok", "grok"), ("grok/v1", "grok"), ("compat", "compat")):
            for tail in ("", "/", "/chat/completions", "/chat/completions/"):
                bases.append((f"{base_root}/{ACCT}/{GW}/{route}{tail}", route_endpoint))
    checked = 0
    # The gateway's own routes; `rest` lives on api.cloudflare.com (its grid is in
    # test_gateway_rest_and_fallbacks.py).
    gateway_endpoints = [e for e in ENDPOINTS if e != "rest"]
    for root, (base, implied), endpoint in itertools.product(
        roots, bases, [None, *gateway_endpoints]
    ):
        if implied and endpoint and endpoint != implied:
            with pytest.raises(ValueError, match="implies endpoint"):
                resolve(gateway_url=root, base_url=base, endpoint=endpoint)
            continue
        url, effective = resolve(gateway_url=root, base_url=base, endpoint=endpoint)
        assert effective == (implied or endpoint or "grok")
        path = urlsplit(url).path
        assert "/v1/v1" not in path
        assert "//" not in path
        assert path.endswith(
            ("/grok/v1/chat/completions", "/grok/chat/completions", "/compat/chat/completions")
        )
        checked += 1
    assert checked == 4 * (3 + 24 * 2)


# --- URL validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_url", "problem"),
    [
        ("ftp://gateway.example.com/v1", "scheme must be http or https"),
        ("gateway.ai.cloudflare.com/v1", "scheme must be http or https"),
        ("https:///v1", "no host"),
        ("https://gateway.example.com/v1?x=1", "query string or fragment"),
        ("https://gateway.example.com/v1#frag", "query string or fragment"),
        ("https://gateway.example.com/v1\r\nX-Evil: 1", "control character (CR/LF)"),
        ("https://gateway.example.com/v1\n", "control character (CR/LF)"),
        ("https://gateway.example.com/my path", "whitespace"),
        ("https://gatewäy.example.com/v1", "non-ASCII"),
        ("https://gateway.example.com:99999/v1", "host or port cannot be parsed"),
        ("https://user:pw@gateway.example.com/v1", "user:password credentials"),
        ("https://gateway.example.com/v1//x", "empty segment"),
        ("https://gateway.example.com/v1/v1", "'/v1/v1'"),
        ("https://gateway.example.com/a/../v1", "'.' or '..' segment"),
    ],
)
def test_bad_gateway_url_and_base_url(bad_url: str, problem: str) -> None:
    message = error_of(gateway_url=bad_url)
    assert message.startswith("`gateway_url` (env CLOUDFLARE_AI_GATEWAY_URL)")
    assert problem in message
    assert "Fix:" in message
    message = error_of(base_url=bad_url)
    assert message.startswith("`base_url`")
    assert problem in message


def test_url_errors_do_not_echo_credentials_or_query() -> None:
    message = error_of(base_url="https://user:s3cret@proxy.example.com/grok?token=t0ken")
    assert "s3cret" not in message
    assert "t0ken" not in message


def test_non_string_url_is_refused() -> None:
    assert "must be a string URL, got int" in error_of(gateway_url=8080)


@pytest.mark.parametrize(
    "gateway_url",
    [
        f"{GW_BASE}/grok",
        f"{GW_BASE}/grok/v1/",
        f"{GW_BASE}/compat",
        f"{GW_BASE}/grok/v1/chat/completions",
    ],
)
def test_full_url_passed_as_gateway_url_is_refused(gateway_url: str) -> None:
    message = error_of(gateway_url=gateway_url)
    assert "already contains a route" in message
    assert "base_url=" in message


def test_gateway_host_base_url_without_route_is_refused() -> None:
    message = error_of(base_url=GW_BASE)
    assert "does not end in a route" in message
    assert "/grok/v1" in message


def test_rest_api_base_url_is_refused_with_a_pointer() -> None:
    # An api.cloudflare.com URL that is not the REST chat prefix (`.../accounts/<id>/ai/v1`).
    message = error_of(base_url=f"https://api.cloudflare.com/client/v4/accounts/{ACCT}")
    assert "REST API" in message
    assert "Fix:" in message


@pytest.mark.parametrize(
    ("overrides", "names"),
    [
        ({"account_id": None}, ["`account_id` (env CLOUDFLARE_ACCOUNT_ID) is missing"]),
        ({"gateway_id": ""}, ["`gateway_id` (env CLOUDFLARE_GATEWAY_ID) is missing"]),
        (
            {"account_id": None, "gateway_id": None},
            [
                "`account_id` (env CLOUDFLARE_ACCOUNT_ID)",
                "`gateway_id` (env CLOUDFLARE_GATEWAY_ID)",
                "are missing",
            ],
        ),
        ({"account_id": None, "base_url": ""}, ["is missing"]),
    ],
)
def test_missing_ids(overrides: dict[str, Any], names: list[str]) -> None:
    message = error_of(**overrides)
    for name in names:
        assert name in message
    assert "base_url=" in message


# --- ids -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("account_id", [ACCT, "0" * 32, "abcdef0123456789" * 2])
def test_valid_account_ids(account_id: str) -> None:
    assert check_id(account_id, field="account_id", env="CLOUDFLARE_ACCOUNT_ID") == account_id


@pytest.mark.parametrize(
    ("account_id", "problem"),
    [
        ("", "it is empty"),
        ("acct", "4 characters long and not all lower-case hex"),
        (ACCT[:-1], "31 characters long"),
        (ACCT + "0", "33 characters long"),
        ("g" * 32, "not all lower-case hex"),
        (ACCT.upper(), "upper-case letters"),
        (ACCT + "\n", "leading or trailing whitespace"),
        (f"{ACCT[:8]}/{ACCT[9:]}", "contains '/' at position 8"),
        (f"{ACCT[:8]}%2F", "contains '%'"),
        (123, "expected a string, got int"),
    ],
)
def test_invalid_account_ids(account_id: Any, problem: str) -> None:
    with pytest.raises(ValueError) as info:
        check_id(account_id, field="account_id", env="CLOUDFLARE_ACCOUNT_ID")
    message = str(info.value)
    assert message.startswith("Invalid `account_id` (env CLOUDFLARE_ACCOUNT_ID): ")
    assert problem in message
    assert "32 lower-case hex" in message
    assert "Fix: pass account_id=... or set CLOUDFLARE_ACCOUNT_ID" in message


@pytest.mark.parametrize(
    ("gateway_id", "problem"),
    [
        ("", "it is empty"),
        ("a/b", "contains '/' at position 1; it would add a path segment"),
        ("gw?x", "contains '?' at position 2; it would start a query string"),
        ("gw#x", "contains '#' at position 2; it would start a fragment"),
        ("gw%2e", "contains '%' at position 2; it would be read as a percent-escape"),
        ("my gw", "contains ' ' at position 2"),
        ("gw\ttab", "contains U+0009 at position 2"),
        ("gw\r\nX-Evil: 1", "contains U+000D at position 2"),
        (" gw", "leading or trailing whitespace"),
        ("gw\n", "leading or trailing whitespace"),
        ("..", "'..'"),
        ("a..b", "'..'"),
        (".", "'..' or is '.'"),
        ("gätewäy", "contains 'ä' at position 1"),
        ("g" * 65, "65 characters long; the limit is 64"),
        ("a:b", "contains ':'"),
        ("a@b", "contains '@'"),
        (None, "expected a string, got NoneType"),
    ],
)
def test_invalid_gateway_ids(gateway_id: Any, problem: str) -> None:
    with pytest.raises(ValueError) as info:
        check_id(gateway_id, field="gateway_id", env="CLOUDFLARE_GATEWAY_ID")
    message = str(info.value)
    assert message.startswith("Invalid `gateway_id` (env CLOUDFLARE_GATEWAY_ID): ")
    assert problem in message
    assert "Fix: pass gateway_id=... or set CLOUDFLARE_GATEWAY_ID" in message
    # URL building applies the same rule (an empty id counts as missing there).
    expected = problem if gateway_id else "is missing"
    assert expected in error_of(gateway_id=gateway_id)


def test_id_errors_never_echo_the_value() -> None:
    # Someone pasted a token into the wrong variable: describe it, don't print it.
    secret = "cf_TokenLooking_Secret_Value_1234567890/abc"
    for field, env in [
        ("account_id", "CLOUDFLARE_ACCOUNT_ID"),
        ("gateway_id", "CLOUDFLARE_GATEWAY_ID"),
    ]:
        with pytest.raises(ValueError) as info:
            check_id(secret, field=field, env=env)
        assert "Secret_Value" not in str(info.value)


def test_other_fields_use_the_allowlist_without_a_length_cap() -> None:
    assert check_id("x" * 200, field="byok_alias", env="X") == "x" * 200
    with pytest.raises(ValueError, match=r"Invalid `byok_alias` \(env X\)"):
        check_id("a/b", field="byok_alias", env="X")


# --- endpoint ------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["universal", "GROK", "", "compat/", None, 1])
def test_unknown_endpoint(endpoint: Any) -> None:
    with pytest.raises(ValueError, match="Unknown `endpoint`") as info:
        check_endpoint(endpoint)
    assert "'grok', 'compat', 'rest'" in str(info.value)
    if endpoint is not None:
        assert "Unknown `endpoint`" in error_of(endpoint=endpoint)
        with pytest.raises(ValueError, match="Unknown `endpoint`"):
            wire_model("grok-4.5", endpoint)


def test_known_endpoints() -> None:
    assert ENDPOINTS == ("grok", "compat", "rest")
    for endpoint in ENDPOINTS:
        assert check_endpoint(endpoint) == endpoint


# --- wire model ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "endpoint", "expected"),
    [
        ("grok-4.5", "grok", "grok-4.5"),
        ("grok/grok-4.5", "grok", "grok-4.5"),
        ("xai/grok-4.5", "grok", "grok-4.5"),
        ("grok-4.20-0309-non-reasoning", "grok", "grok-4.20-0309-non-reasoning"),
        ("grok-4.5", "compat", "grok/grok-4.5"),
        ("grok/grok-4.5", "compat", "grok/grok-4.5"),
        ("dynamic/support-route", "compat", "dynamic/support-route"),
        ("grok-3-mini", "compat", "grok/grok-3-mini"),
    ],
)
def test_wire_model(model: str, endpoint: Any, expected: str) -> None:
    assert wire_model(model, endpoint) == expected


@pytest.mark.parametrize(
    ("model", "endpoint", "fragments"),
    [
        ("xai/grok-4.5", "compat", ["2008", "Invalid provider", "'xai/'", "model='grok/grok-4.5'"]),
        ("openai/gpt-5", "compat", ["2008", "'openai/'", "Fix:"]),
        ("google-ai-studio/gemini", "compat", ["2008"]),
        ("dynamic/route", "grok", ["dynamic route", "endpoint='compat'"]),
        ("openai/gpt-5", "grok", ["'openai/'", "xAI models only", "Fix:"]),
        ("", "grok", ["`model` is empty", "Fix:"]),
        ("   ", "compat", ["`model` is empty"]),
        (" grok-4.5", "grok", ["leading or trailing whitespace", "'grok-4.5'"]),
        ("grok/", "compat", ["prefix but no model id"]),
        ("dynamic/", "compat", ["prefix but no model id"]),
        ("xai/", "grok", ["prefix but no model id"]),
    ],
)
def test_wire_model_errors(model: str, endpoint: Any, fragments: list[str]) -> None:
    with pytest.raises(ValueError) as info:
        wire_model(model, endpoint)
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("grok-4.5", "grok-4.5"),
        ("grok/grok-4.5", "grok-4.5"),
        ("xai/grok-4.5", "grok-4.5"),
        ("dynamic/support-route", None),
        ("openai/gpt-5", None),
        ("grok/", None),
        ("", ""),
    ],
)
def test_xai_model_id(model: str, expected: str | None) -> None:
    assert xai_model_id(model) == expected


# --- credentials ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_key", "gateway_token", "expected"),
    [
        ("xai-key", None, {"authorization": "Bearer xai-key"}),
        (None, "cf-token", {"cf-aig-authorization": "Bearer cf-token"}),
        ("", "cf-token", {"cf-aig-authorization": "Bearer cf-token"}),
        (
            "xai-key",
            "cf-token",
            {"authorization": "Bearer xai-key", "cf-aig-authorization": "Bearer cf-token"},
        ),
        (
            "Bearer xai-key",
            "Bearer cf-token",
            {"authorization": "Bearer xai-key", "cf-aig-authorization": "Bearer cf-token"},
        ),
        ("bearer xai-key", None, {"authorization": "Bearer xai-key"}),
        ("BEARER   xai-key", None, {"authorization": "Bearer xai-key"}),
        ("xai-key", "", {"authorization": "Bearer xai-key"}),
    ],
)
def test_credential_headers(
    api_key: str | None, gateway_token: str | None, expected: dict[str, str]
) -> None:
    assert credential_headers(api_key=api_key, gateway_token=gateway_token) == expected


@pytest.mark.parametrize(("api_key", "gateway_token"), [(None, None), ("", ""), (None, "")])
def test_no_credentials(api_key: str | None, gateway_token: str | None) -> None:
    with pytest.raises(ValueError) as info:
        credential_headers(api_key=api_key, gateway_token=gateway_token)
    message = str(info.value)
    for name in (
        "api_key",
        "XAI_API_KEY",
        "gateway_token",
        "CLOUDFLARE_AI_GATEWAY_TOKEN",
        "stored",
    ):
        assert name in message


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("api_key", "xai-SECRET\n", "control character or non-ASCII text at position 10"),
        ("api_key", "xai SECRET", "whitespace"),
        ("api_key", "xai-SECRÉT", "non-ASCII"),
        ("api_key", "Bearer ", "empty after its 'Bearer ' prefix"),
        ("gateway_token", "cf-SECRET\r\nX-Evil: 1", "position 9"),
        ("gateway_token", "Bearer cf SECRET", "position 9"),
    ],
)
def test_unsendable_credentials_are_refused_without_echo(
    field: str, value: str, problem: str
) -> None:
    env = {"api_key": "XAI_API_KEY", "gateway_token": "CLOUDFLARE_AI_GATEWAY_TOKEN"}[field]
    with pytest.raises(ValueError) as info:
        credential_headers(**{"api_key": None, "gateway_token": None, field: value})
    message = str(info.value)
    assert message.startswith(f"`{field}` (env {env})")
    assert problem in message
    assert "SECRET" not in message
    assert "SECRÉT" not in message


def test_non_string_credential() -> None:
    with pytest.raises(ValueError, match="must be a string, got int"):
        credential_headers(api_key=123, gateway_token=None)  # type: ignore[arg-type]


# --- response headers ----------------------------------------------------------------------------

ALL_HEADERS = {
    "cf-aig-cache-status": "HIT",
    "cf-aig-log-id": "0199c1b2-7a4e-7cc0-9b6e-1f2a3b4c5d6e",
    "cf-aig-request-id": "0199c1b2-7a4e-7cc0-9b6e-1f2a3b4c5d6e",
    "cf-aig-event-id": "run-123",
    "cf-aig-step": "1",
    "cf-aig-model": "grok-4.5",
    "cf-aig-provider": "grok",
    "cf-aig-dlp": '{"findings":[{"check":"REQUEST","policy_ids":["p1"]}],"action":"FLAG"}',
    "content-type": "application/json",
    "cf-ray": "8f00",
}
ALL_FACTS = {
    "cache_status": "HIT",
    "log_id": "0199c1b2-7a4e-7cc0-9b6e-1f2a3b4c5d6e",
    "request_id": "0199c1b2-7a4e-7cc0-9b6e-1f2a3b4c5d6e",
    "event_id": "run-123",
    "step": 1,
    "model": "grok-4.5",
    "provider": "grok",
    "dlp": {"findings": [{"check": "REQUEST", "policy_ids": ["p1"]}], "action": "FLAG"},
}


def test_parse_every_gateway_header() -> None:
    assert parse_gateway_headers(ALL_HEADERS) == ALL_FACTS
    assert parse_gateway_headers(httpx2.Headers(ALL_HEADERS)) == ALL_FACTS


def test_parse_is_case_insensitive() -> None:
    mixed = {"CF-AIG-Cache-Status": "MISS", "Cf-Aig-Log-Id": "abc", "CF-AIG-STEP": "0"}
    expected = {"cache_status": "MISS", "log_id": "abc", "step": 0}
    assert parse_gateway_headers(mixed) == expected
    assert parse_gateway_headers(httpx2.Headers(mixed)) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, {}),
        ({"content-type": "text/event-stream", "x-request-id": "r"}, {}),
        ({"cf-aig-log-id": ""}, {}),
        ({"cf-aig-log-id": "  "}, {}),
        ({"cf-aig-step": "0"}, {"step": 0}),
        ({"cf-aig-step": "12"}, {"step": 12}),
        ({"cf-aig-step": "-1"}, {}),
        ({"cf-aig-step": "1.0"}, {}),
        ({"cf-aig-step": "one"}, {}),
        ({"cf-aig-step": "²"}, {}),
        ({"cf-aig-step": "9" * 5000}, {}),
        ({"cf-aig-dlp": "not json"}, {"dlp_raw": "not json"}),
        ({"cf-aig-dlp": "[1, 2]"}, {"dlp_raw": "[1, 2]"}),
        ({"cf-aig-dlp": "[" * 100_000}, {"dlp_raw": "[" * 100_000}),
        ({"cf-aig-dlp": '{"action":"BLOCK"}'}, {"dlp": {"action": "BLOCK"}}),
        ({"cf-aig-cache-status": "BYPASS"}, {"cache_status": "BYPASS"}),
        ({"cf-aig-unknown": "x"}, {}),
        ({"cf-aig-log-id": 123, 5: "x"}, {}),  # not str: ignored, never raises
    ],
)
def test_parse_edge_cases(headers: dict[Any, Any], expected: dict[str, Any]) -> None:
    assert parse_gateway_headers(headers) == expected


# --- same origin ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_a", "url_b", "expected"),
    [
        (f"{ROOT}/{ACCT}/{GW}/grok/v1/chat/completions", ROOT, True),
        ("https://gateway.ai.cloudflare.com/x", "https://GATEWAY.ai.cloudflare.com:443/y", True),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/other", True),
        ("http://example.com/", "http://example.com:80/", True),
        ("https://gateway.ai.cloudflare.com/v1", "http://gateway.ai.cloudflare.com/v1", False),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8081/v1", False),
        ("https://gateway.ai.cloudflare.com/v1", "https://api.x.ai/v1", False),
        (
            "https://gateway.ai.cloudflare.com.evil.com/v1",
            "https://gateway.ai.cloudflare.com/v1",
            False,
        ),
        ("https://evil.com/gateway.ai.cloudflare.com", "https://gateway.ai.cloudflare.com/", False),
        ("not a url", "not a url", False),
        ("ftp://h/", "ftp://h/", False),
        ("https://h:99999/", "https://h:99999/", False),
        ("", "", False),
    ],
)
def test_same_origin(url_a: str, url_b: str, expected: bool) -> None:
    assert same_origin(url_a, url_b) is expected
    assert same_origin(url_b, url_a) is expected
