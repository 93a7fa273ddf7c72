"""`cfgateway-grok`: the doctor against the emulator for every misconfiguration it names, `chat`,
the emulator command, and the installed console script end to end.

The doctor is called in process (`main([...])`, stdout captured); its request goes over loopback
HTTP to an emulator configured to be wrong in exactly one way per test.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from langchain_cfgateway_grok import _doctor
from langchain_cfgateway_grok.cli import main
from langchain_cfgateway_grok.emulator import GatewayConfig, GatewayEmulator, fingerprint
from tests.conftest import CREDENTIAL_ENV_VARS

ACCOUNT = "0123456789abcdef0123456789abcdef"
GOOD_KEY = "xai-good-key-0123456789abcdef"
STALE_KEY = "xai-stale-key-9876543210fedcba"
TOKEN = "cf-gateway-token-0123456789abcdef"
SECRETS = (GOOD_KEY, STALE_KEY, TOKEN, "xai-revoked-stored-key-000000")

GATEWAYS = {
    "open": GatewayConfig(),
    "missing": GatewayConfig(exists=False),
    "authed": GatewayConfig(auth_tokens=[TOKEN]),
    "stored": GatewayConfig(auth_tokens=[TOKEN], stored_keys={"default": GOOD_KEY}),
    "stored-revoked": GatewayConfig(
        auth_tokens=[TOKEN], stored_keys={"default": "xai-revoked-stored-key-000000"}
    ),
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[GatewayEmulator]:
    with GatewayEmulator(gateways=GATEWAYS, xai_keys=[GOOD_KEY]) as emu:
        yield emu


@pytest.fixture
def emu(emulator: GatewayEmulator) -> Iterator[GatewayEmulator]:
    emulator.reset()
    yield emulator
    emulator.reset()


def configure(
    monkeypatch: pytest.MonkeyPatch,
    emu: GatewayEmulator,
    *,
    gateway: str | None,
    api_key: str | None = GOOD_KEY,
    token: str | None = None,
) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", ACCOUNT)
    monkeypatch.setenv("CLOUDFLARE_AI_GATEWAY_URL", emu.url)
    for name, value in (
        ("CLOUDFLARE_GATEWAY_ID", gateway),
        ("XAI_API_KEY", api_key),
        ("CLOUDFLARE_AI_GATEWAY_TOKEN", token),
    ):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
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


# -- doctor: it works ------------------------------------------------------------------------


def test_doctor_ok_shows_resolved_url_masked_key_and_sends_one_minimal_request(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="open")
    code, text = run(capsys, "doctor")
    assert code == 0
    assert f"POST {emu.url}/{ACCOUNT}/open/grok/v1/chat/completions" in text
    assert "api_key        xai-…cdef (29 chars)  [env XAI_API_KEY]" in text
    assert "gateway_id     open  [env CLOUDFLARE_GATEWAY_ID]" in text
    assert "model          grok-4.5  [default]" in text
    assert "your xAI key (Authorization); no gateway token" in text
    assert "OK: the gateway and xAI answered (model grok-4.5)" in text
    (request,) = emu.requests
    assert request.body["max_completion_tokens"] == 1
    assert request.headers["cf-aig-skip-cache"] == "true"
    assert request.headers["authorization"] == fingerprint(f"Bearer {GOOD_KEY}")
    assert f"log_id={request.log_id}" in text


def test_doctor_flags_override_the_environment(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="missing")
    code, text = run(
        capsys, "doctor", "--gateway-id", "open", "--endpoint", "compat", "--model", "grok-4.3"
    )
    assert code == 0, text
    assert "gateway_id     open  [flag --gateway-id]" in text
    assert f"POST {emu.url}/{ACCOUNT}/open/compat/chat/completions" in text
    (request,) = emu.requests
    assert request.body["model"] == "grok/grok-4.3"


def test_doctor_stored_keys_mode_sends_no_authorization(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="stored", api_key=None, token=TOKEN)
    code, text = run(capsys, "doctor")
    assert code == 0, text
    assert "stored keys: gateway token (cf-aig-authorization) and no Authorization header" in text
    assert "gateway_token  …cdef (33 chars)  [env CLOUDFLARE_AI_GATEWAY_TOKEN]" in text
    (request,) = emu.requests
    assert "authorization" not in request.headers
    assert request.headers["cf-aig-authorization"] == fingerprint(f"Bearer {TOKEN}")


def test_doctor_no_request_sends_nothing(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="missing")
    code, text = run(capsys, "doctor", "--no-request")
    assert code == 0
    assert "No request sent (--no-request)." in text
    assert f"/{ACCOUNT}/missing/grok/v1/chat/completions" in text
    assert emu.requests == []


# -- doctor: each misconfiguration -----------------------------------------------------------


def test_doctor_gateway_missing(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="missing")
    code, text = run(capsys, "doctor")
    assert code == 1
    result = result_block(text)
    assert "PROBLEM: The gateway does not exist (Cloudflare: 400, code 2001)." in result
    assert "CLOUDFLARE_GATEWAY_ID" in result
    assert f"gateway log id: {emu.requests[0].log_id}" in result


def test_doctor_gateway_token_missing(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="authed")
    code, text = run(capsys, "doctor")
    assert code == 1
    assert "requires a gateway token and none was sent (Cloudflare: 401, 2009)" in text
    assert "Set CLOUDFLARE_AI_GATEWAY_TOKEN" in text
    assert "cf-aig-authorization" not in emu.requests[0].headers


def test_doctor_gateway_token_wrong(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="authed", token="cf-wrong-token-00000000000000")
    code, text = run(capsys, "doctor")
    assert code == 1
    assert "The gateway rejected the gateway token (Cloudflare: 401, code 2009)." in text
    assert "cf-wrong-token-00000000000000" not in text


def test_doctor_xai_key_wrong(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="open", api_key=STALE_KEY)
    code, text = run(capsys, "doctor")
    assert code == 1
    assert "PROBLEM: xAI rejected XAI_API_KEY (400 Incorrect API key)." in text
    assert "likely" not in result_block(text)  # reported by xAI, not inferred


def test_doctor_stored_key_not_used_because_a_key_was_sent(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="stored", api_key=STALE_KEY, token=TOKEN)
    code, text = run(capsys, "doctor")
    assert code == 1
    result = result_block(text)
    assert "the key stored in the gateway was likely not used because a key was sent" in result
    assert "unset XAI_API_KEY" in result
    # The signal it rests on: the sent key reached xAI.
    assert emu.requests[0].headers["authorization"] == fingerprint(f"Bearer {STALE_KEY}")


def test_doctor_stored_key_wrong(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="stored-revoked", api_key=None, token=TOKEN)
    code, text = run(capsys, "doctor")
    assert code == 1
    assert "xAI rejected the key stored in the gateway (400 Incorrect API key), likely." in text


def test_doctor_no_stored_key(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="authed", api_key=None, token=TOKEN)
    code, text = run(capsys, "doctor")
    assert code == 1
    assert "No xAI key reached xAI: likely none is stored in the gateway." in text


def test_doctor_model_not_found(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="open")
    code, text = run(capsys, "doctor", "--model", "grok-2-1212")
    assert code == 1
    assert "xAI does not serve the model 'grok-2-1212' (400 Model not found)." in text
    assert "grok-4.5" in result_block(text)


def test_doctor_model_retired(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="open")
    code, text = run(capsys, "doctor", "--model", "grok-4")
    assert code == 1
    assert "warning      grok-4 was retired by xAI on 2026-05-15" in text
    result = result_block(text)
    assert "The model 'grok-4' is retired: xAI silently serves 'grok-4.3' instead." in result
    assert "xAI answered with model: grok-4.3" in result
    assert emu.requests[0].body["model"] == "grok-4"


def test_doctor_path_wrong_after_the_route(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway=None)
    code, text = run(capsys, "doctor", "--base-url", f"{emu.url}/{ACCOUNT}/open/grok/v2")
    assert code == 1
    result = result_block(text)
    assert "The URL path was not found (404)." in result
    assert "xAI has no such route: the part after /grok is wrong (likely)" in result


def test_doctor_path_wrong_outside_the_gateway(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway=None)
    code, text = run(capsys, "doctor", "--base-url", f"{emu.url}/not-a-gateway-path")
    assert code == 1
    assert "nothing answers at this path (likely a wrong base_url or gateway_url)" in text


def test_doctor_provider_segment_typo(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway=None)
    code, text = run(capsys, "doctor", "--base-url", f"{emu.url}/{ACCOUNT}/open/grokk")
    assert code == 1
    assert "The URL names a provider the gateway does not know (Cloudflare: 400, code 2008)" in text
    assert "Likely a typo" in text


def test_doctor_connection_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("XAI_API_KEY", GOOD_KEY)
    code, text = run(
        capsys,
        "doctor",
        "--gateway-url",
        f"http://127.0.0.1:{port}/v1",
        "--account-id",
        ACCOUNT,
        "--gateway-id",
        "gw",
    )
    assert code == 1
    assert f"Could not connect to http://127.0.0.1:{port}/v1/{ACCOUNT}/gw/" in text


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["doctor"], {"XAI_API_KEY": GOOD_KEY}, "CLOUDFLARE_GATEWAY_ID"),
        (["doctor", "--gateway-id", "gw"], {}, "No credentials for Cloudflare AI Gateway"),
        (
            ["doctor", "--gateway-id", "gw", "--endpoint", "rest2"],
            {"XAI_API_KEY": GOOD_KEY},
            "endpoint",
        ),
        (["doctor", "--gateway-id", "g w"], {"XAI_API_KEY": GOOD_KEY}, "Invalid `gateway_id`"),
    ],
)
def test_doctor_configuration_errors_send_nothing_and_exit_2(
    emu: GatewayEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    env: dict[str, str],
    expected: str,
) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", ACCOUNT)
    monkeypatch.setenv("CLOUDFLARE_AI_GATEWAY_URL", emu.url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, text = run(capsys, *argv)
    assert code == 2
    result = result_block(text)
    assert "PROBLEM: The configuration is invalid; no request was sent." in result
    assert expected in result
    assert "input_value" not in result
    assert emu.requests == []


# -- chat --------------------------------------------------------------------------------------


def test_chat_streams_then_prints_usage_cost_and_cache_status(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="open")
    code, text = run(
        capsys,
        "chat",
        "Tell me about gateway caching",
        "--system",
        "Be brief.",
        "--max-tokens",
        "50",
        "--reasoning-effort",
        "high",
        "--skip-cache",
    )
    assert code == 0, text
    assert text.startswith("You said: Tell me about gateway caching\n")
    assert "The user wrote" not in text  # reasoning only with --show-reasoning
    (request,) = emu.requests
    assert request.body["stream"] is True
    assert request.body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert request.body["max_completion_tokens"] == 50
    assert request.body["reasoning_effort"] == "high"
    assert request.headers["cf-aig-skip-cache"] == "true"
    (log,) = emu.logs
    summary = text.splitlines()[-1]
    assert summary.startswith("-- tokens: input ")
    assert f"cost: ${log.cost:.6f}" in summary
    assert "cache: MISS" in summary
    assert f"log id: {log.id}" in summary


def test_chat_show_reasoning_goes_to_stderr(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="open")
    assert main(["chat", "Why is the sky blue?", "--show-reasoning"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("You said: Why is the sky blue?")
    assert err.startswith('The user wrote: "Why is the sky blue?". Plan: reply in text.')
    assert "The user wrote" not in out


def test_chat_cache_hit_is_reported(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Caching is on for the gateway; streamed answers are cached only with the emulator's
    # `cache_streams` switch (whether Cloudflare caches streams is Unconfirmed).
    from langchain_cfgateway_grok.emulator import Switches

    emu.switches = Switches(cache_streams=True)
    emu.set_gateway("cached", GatewayConfig(cache_ttl=3600))
    configure(monkeypatch, emu, gateway="cached")
    assert run(capsys, "chat", "cache me", "--cache-ttl", "600")[0] == 0
    code, text = run(capsys, "chat", "cache me", "--cache-ttl", "600")
    assert code == 0
    assert "cache: HIT" in text.splitlines()[-1]
    assert emu.requests[-1].headers["cf-aig-cache-ttl"] == "600"


def test_chat_failure_points_to_doctor(
    emu: GatewayEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, emu, gateway="missing")
    code, text = run(capsys, "chat", "hello")
    assert code == 1
    assert "The call failed: " in text
    assert "Run `cfgateway-grok doctor` for a diagnosis." in text


# -- pure parts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        ("xai-abcdefghijklmnopqrstuvwxyz", "xai-…wxyz (30 chars)"),
        ("0123456789abcdefghij", "…ghij (20 chars)"),
        ("short-token", "**** (11 chars)"),
        ("xai-short", "xai-**** (9 chars)"),
    ],
)
def test_mask_secret(secret: str, shown: str) -> None:
    assert _doctor.mask_secret(secret) == shown


def test_describe_settings_precedence() -> None:
    settings = {
        s.name: s
        for s in _doctor.describe_settings(
            {"gateway_id": "from-flag", "account_id": None},
            {"CLOUDFLARE_GATEWAY_ID": "from-env", "CLOUDFLARE_ACCOUNT_ID": "acct-env"},
        )
    }
    assert (settings["gateway_id"].shown, settings["gateway_id"].source) == (
        "from-flag",
        "flag --gateway-id",
    )
    assert settings["account_id"].source == "env CLOUDFLARE_ACCOUNT_ID"
    assert settings["gateway_url"].source == "default"
    assert not settings["api_key"].is_set
    assert settings["api_key"].source == "set XAI_API_KEY"


# -- the emulator command and the console script -------------------------------------------------


def _console_script() -> str:
    script = Path(sys.executable).with_name("cfgateway-grok")
    assert script.exists(), (
        f"console script missing next to {sys.executable}: reinstall the package"
    )
    return str(script)


def test_console_script_runs_emulator_and_doctor_end_to_end() -> None:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_ENV_VARS}
    script = _console_script()
    server = subprocess.Popen(
        [script, "emulator", "--max-seconds", "60", "--xai-key", GOOD_KEY, "--clock", "fake"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", url), url
        doctor_env = {
            **env,
            "XAI_API_KEY": GOOD_KEY,
            "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
            "CLOUDFLARE_GATEWAY_ID": "cli-gw",
        }
        ok = subprocess.run(
            [script, "doctor", "--gateway-url", url],
            capture_output=True,
            text=True,
            env=doctor_env,
            timeout=60,
            check=False,
        )
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "OK: the gateway and xAI answered" in ok.stdout
        wrong = subprocess.run(
            [script, "doctor", "--gateway-url", url],
            capture_output=True,
            text=True,
            env={**doctor_env, "XAI_API_KEY": STALE_KEY},
            timeout=60,
            check=False,
        )
        assert wrong.returncode == 1
        assert "xAI rejected XAI_API_KEY" in wrong.stdout
        assert STALE_KEY not in wrong.stdout
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=10) == 0


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    from langchain_cfgateway_grok import __version__

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"cfgateway-grok {__version__}"
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("doctor", "chat", "emulator"):
        assert command in out


def test_emulator_command_takes_the_emulator_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["emulator", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--port", "--max-seconds", "--auth-token", "--xai-key", "--cache-ttl", "--clock"):
        assert flag in out
    assert main(["emulator", "--max-seconds", "0"]) == 2
