"""`cfgateway-grok doctor` (and `chat`) on the REST API route, against the emulator.

The doctor runs in process (`main([...])`, output captured); its one request goes over loopback
to the emulator's Cloudflare API (`emu.api_url`), set up to be wrong in one way per test. Every
test checks that no secret was printed.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from langchain_cfgateway_grok import _doctor
from langchain_cfgateway_grok.cli import main
from langchain_cfgateway_grok.emulator import GatewayConfig, GatewayEmulator, fingerprint

ACCOUNT = "0123456789abcdef0123456789abcdef"
API_TOKEN = "cf-api-token-0123456789abcdef"
WRONG_TOKEN = "cf-wrong-api-token-000000000"
XAI_KEY = "xai-unused-on-rest-0123456789"
GATEWAY_TOKEN = "cf-gateway-token-0123456789ab"
SECRETS = (API_TOKEN, WRONG_TOKEN, XAI_KEY, GATEWAY_TOKEN)
REST_PATH = f"/client/v4/accounts/{ACCOUNT}/ai/v1/chat/completions"


@pytest.fixture(scope="module")
def emulator() -> Iterator[GatewayEmulator]:
    gateways = {"broke": GatewayConfig(unified_billing_credits=False)}
    with GatewayEmulator(api_tokens=[API_TOKEN], gateways=gateways) as emu:
        yield emu


@pytest.fixture
def emu(emulator: GatewayEmulator) -> Iterator[GatewayEmulator]:
    emulator.reset()
    yield emulator
    emulator.reset()


def configure(
    monkeypatch: pytest.MonkeyPatch,
    *,
    api_url: str | None,
    token: str | None = API_TOKEN,
    gateway: str | None = "rest-gw",
    extra: dict[str, str] | None = None,
) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", ACCOUNT)
    for name, value in (
        ("CLOUDFLARE_API_URL", api_url),
        ("CLOUDFLARE_API_TOKEN", token),
        ("CLOUDFLARE_GATEWAY_ID", gateway),
    ):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    for name, value in (extra or {}).items():
        monkeypatch.setenv(name, value)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    text = out + err
    for secret in SECRETS:
        assert secret not in text, "a secret was printed"
    return code, text


def result_block(text: str) -> str:
    return text.split("Result:", 1)[1]


# -- it works ------------------------------------------------------------------------------------


def test_doctor_rest_ok_shows_the_rest_settings_and_sends_the_api_token(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(
        monkeypatch,
        api_url=emu.api_url,
        extra={"XAI_API_KEY": XAI_KEY, "CLOUDFLARE_AI_GATEWAY_TOKEN": GATEWAY_TOKEN},
    )
    code, text = run(capsys, "doctor", "--endpoint", "rest")
    assert code == 0, text
    assert "  REST API route (used with --endpoint rest):" in text
    assert f"cloudflare_api_url    {emu.api_url}  [env CLOUDFLARE_API_URL]" in text
    assert "cloudflare_api_token  …cdef (29 chars)  [env CLOUDFLARE_API_TOKEN]" in text
    assert f"POST {emu.api_url}/accounts/{ACCOUNT}/ai/v1/chat/completions" in text
    assert "route        rest" in text
    assert "gateway      rest-gw (sent as cf-aig-gateway-id)" in text
    assert (
        "credentials  Cloudflare API token (Authorization) on the REST API; Cloudflare pays xAI "
        "(Unified Billing); XAI_API_KEY and CLOUDFLARE_AI_GATEWAY_TOKEN set but not used on "
        "this route"
    ) in text
    assert "OK: the gateway and xAI answered (model grok-4.5)" in text
    (request,) = emu.requests
    assert request.path == REST_PATH
    assert request.body["model"] == "xai/grok-4.5"
    assert request.body["max_completion_tokens"] == 1
    assert request.headers["authorization"] == fingerprint(f"Bearer {API_TOKEN}")
    assert request.headers["cf-aig-gateway-id"] == "rest-gw"
    assert request.headers["cf-aig-skip-cache"] == "true"
    assert "cf-aig-authorization" not in request.headers  # the gateway token stays unused
    (log,) = emu.logs
    assert (log.gateway, log.path) == ("rest-gw", "ai/v1/chat/completions")
    assert f"log_id={log.id}" in text


def test_doctor_rest_without_a_gateway_id_uses_the_default_gateway(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, api_url=emu.api_url, gateway=None)
    code, text = run(capsys, "doctor", "--endpoint", "rest")
    assert code == 0, text
    assert "gateway      default (no cf-aig-gateway-id sent: the account's default gateway)" in text
    assert "credentials  Cloudflare API token (Authorization) on the REST API;" in text
    assert "not used on this route" not in text
    (request,) = emu.requests
    assert "cf-aig-gateway-id" not in request.headers
    assert emu.logs[0].gateway == "default"


def test_doctor_rest_no_request_shows_the_cloudflare_defaults(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, api_url=None)
    code, text = run(capsys, "doctor", "--endpoint", "rest", "--no-request")
    assert code == 0, text
    assert "cloudflare_api_url    https://api.cloudflare.com/client/v4  [default]" in text
    assert (
        f"POST https://api.cloudflare.com/client/v4/accounts/{ACCOUNT}/ai/v1/chat/completions"
    ) in text
    assert "No request sent (--no-request)." in text
    assert emu.requests == []


def test_doctor_flag_sets_the_cloudflare_api_url(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, api_url="https://api.cloudflare.com/client/v4")
    code, text = run(capsys, "doctor", "--endpoint", "rest", "--cloudflare-api-url", emu.api_url)
    assert code == 0, text
    assert f"cloudflare_api_url    {emu.api_url}  [flag --cloudflare-api-url]" in text
    assert [r.path for r in emu.requests] == [REST_PATH]


def test_doctor_on_the_grok_route_lists_the_rest_settings_but_does_not_use_them(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(
        monkeypatch,
        api_url=emu.api_url,
        extra={"XAI_API_KEY": XAI_KEY, "CLOUDFLARE_AI_GATEWAY_URL": emu.url},
    )
    code, text = run(capsys, "doctor")
    assert code == 0, text
    assert "cloudflare_api_token  …cdef (29 chars)  [env CLOUDFLARE_API_TOKEN]" in text
    assert "route        grok" in text
    assert "credentials  your xAI key (Authorization)" in text
    assert "gateway      " not in text  # the REST-only line
    (request,) = emu.requests
    assert request.path == f"/v1/{ACCOUNT}/rest-gw/grok/v1/chat/completions"
    assert request.headers["authorization"] == fingerprint(f"Bearer {XAI_KEY}")


# -- what goes wrong -----------------------------------------------------------------------------


def test_doctor_rest_wrong_token_is_diagnosed_from_the_10000_error(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, api_url=emu.api_url, token=WRONG_TOKEN)
    code, text = run(capsys, "doctor", "--endpoint", "rest")
    assert code == 1
    result = result_block(text)
    assert (
        "PROBLEM: Cloudflare API token missing or wrong; likely (the REST API answered 401, "
        "code 10000 Authentication error)."
    ) in result
    assert "My Profile > API Tokens" in result
    assert "An AI Gateway token or an xAI key is not one." in result
    assert "stored" not in result  # not the gateway routes' stored-key diagnosis
    # The signal it rests on: the wrong token was sent and refused before any gateway work.
    (request,) = emu.requests
    assert request.headers["authorization"] == fingerprint(f"Bearer {WRONG_TOKEN}")
    assert emu.logs == []


def test_doctor_rest_an_xai_key_as_the_api_token_gets_the_same_diagnosis(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, api_url=emu.api_url, token=XAI_KEY)
    code, text = run(capsys, "doctor", "--endpoint", "rest")
    assert code == 1
    assert "Cloudflare API token missing or wrong; likely" in result_block(text)
    assert emu.requests[0].headers["authorization"] == fingerprint(f"Bearer {XAI_KEY}")


def test_doctor_rest_missing_token_is_a_configuration_error(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, api_url=emu.api_url, token=None, extra={"XAI_API_KEY": XAI_KEY})
    code, text = run(capsys, "doctor", "--endpoint", "rest")
    assert code == 2
    assert "cloudflare_api_token  not set  [set CLOUDFLARE_API_TOKEN]" in text
    result = result_block(text)
    assert "PROBLEM: The configuration is invalid; no request was sent." in result
    assert "CLOUDFLARE_API_TOKEN" in result
    assert emu.requests == []


def test_doctor_rest_other_cloudflare_api_401_is_reported_as_is(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    envelope = {
        "success": False,
        "errors": [{"code": 9109, "message": "Unauthorized to access requested resource"}],
        "messages": [],
        "result": None,
    }
    emu.faults.add(status=401, body=envelope)
    configure(monkeypatch, api_url=emu.api_url)
    code, text = run(capsys, "doctor", "--endpoint", "rest")
    assert code == 1
    result = result_block(text)
    assert "PROBLEM: The Cloudflare REST API refused the call (401)." in result
    assert "9109" in result
    assert "likely" not in result
    assert "xAI" not in result  # not blamed on xAI or on a stored key


def test_doctor_rest_out_of_unified_billing_credits(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, api_url=emu.api_url, gateway="broke")
    code, text = run(capsys, "doctor", "--endpoint", "rest")
    assert code == 1
    result = result_block(text)
    assert "PROBLEM: Unified Billing credits are exhausted (Cloudflare: 402, code 2021)." in result
    assert "The REST API is paid through Unified Billing only" in result
    assert f"gateway log id: {emu.logs[0].id}" in result


def test_doctor_rest_api_url_pointing_at_a_gateway(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, api_url=emu.url)  # the gateway root, not the Cloudflare API's
    code, text = run(capsys, "doctor", "--endpoint", "rest")
    assert code == 1
    result = result_block(text)
    assert "A gateway answered instead of the Cloudflare API (400, code 2008" in result
    assert "cloudflare_api_url (CLOUDFLARE_API_URL, --cloudflare-api-url) is likely" in result
    assert emu.requests[0].path == f"/v1/accounts/{ACCOUNT}/ai/v1/chat/completions"


def test_doctor_rest_wrong_api_path(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = emu.url.removesuffix("/v1") + "/not-the-api/client/v4"
    configure(monkeypatch, api_url=wrong)
    code, text = run(capsys, "doctor", "--endpoint", "rest")
    assert code == 1
    result = result_block(text)
    assert "The URL path was not found (404)." in result
    assert "likely a wrong cloudflare_api_url" in result
    assert "/grok/v1/chat/completions" not in result  # the REST path is named, not the gateway's


def test_doctor_rest_connection_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    configure(monkeypatch, api_url=f"http://127.0.0.1:{port}/client/v4")
    code, text = run(capsys, "doctor", "--endpoint", "rest")
    assert code == 1
    assert f"Could not connect to http://127.0.0.1:{port}/client/v4/accounts/" in text


# -- chat on the REST route ----------------------------------------------------------------------


def test_chat_on_the_rest_route(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, api_url=emu.api_url)
    code, text = run(capsys, "chat", "Hello over REST", "--endpoint", "rest")
    assert code == 0, text
    assert text.startswith("You said: Hello over REST\n")
    (request,) = emu.requests
    assert (request.path, request.body["model"], request.body["stream"]) == (
        REST_PATH,
        "xai/grok-4.5",
        True,
    )
    (log,) = emu.logs
    assert f"log id: {log.id}" in text.splitlines()[-1]


# -- pure parts ----------------------------------------------------------------------------------


def test_describe_settings_rest_group() -> None:
    settings = _doctor.describe_settings(
        {"cloudflare_api_url": "http://127.0.0.1:1/client/v4"},
        {"CLOUDFLARE_API_TOKEN": "cf-token-abcdefghijklmnopqrst"},
    )
    rest = [s for s in settings if s.group == "rest"]
    assert [(s.name, s.shown, s.source) for s in rest] == [
        ("cloudflare_api_url", "http://127.0.0.1:1/client/v4", "flag --cloudflare-api-url"),
        ("cloudflare_api_token", "…qrst (29 chars)", "env CLOUDFLARE_API_TOKEN"),
    ]
    assert {s.group for s in settings if s.name in _doctor.SETTINGS} == {"gateway"}


@pytest.mark.parametrize(
    ("api_key", "token", "api_token", "expected"),
    [
        (False, False, False, "none: the REST API route needs CLOUDFLARE_API_TOKEN"),
        (False, False, True, "Cloudflare pays xAI (Unified Billing)"),
        (True, False, True, "; XAI_API_KEY set but not used on this route"),
        (False, True, True, "; CLOUDFLARE_AI_GATEWAY_TOKEN set but not used on this route"),
    ],
)
def test_credentials_mode_on_rest(
    api_key: bool, token: bool, api_token: bool, expected: str
) -> None:
    mode = _doctor.credentials_mode(
        api_key_set=api_key, token_set=token, endpoint="rest", api_token_set=api_token
    )
    assert expected in mode
    # the gateway routes' wording does not change with the API token
    assert _doctor.credentials_mode(
        api_key_set=True, token_set=False, api_token_set=api_token
    ).startswith("your xAI key (Authorization); no gateway token")
