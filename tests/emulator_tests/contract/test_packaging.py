"""Packaging contracts: import isolation both ways, the CLI, and the opt-in pytest plugin.

Issue 2 "What it is": importing the package never imports the emulator; the emulator imports
nothing of the client code; the CLI prints the gateway root URL first and exits by itself; the
fixture lives in a plugin module users enable explicitly (no auto-registered entry point).
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx2

import langchain_cfgateway_grok.emulator
from tests.emulator_tests.contract._support import chat

EMULATOR_DIR = Path(langchain_cfgateway_grok.emulator.__file__).parent


def _python(code: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_importing_the_package_does_not_import_the_emulator() -> None:
    code = """
        import importlib.util, sys
        import langchain_cfgateway_grok
        names = [langchain_cfgateway_grok.__version__]
        # Touch the client's public names too, when the client code exists.
        if importlib.util.find_spec("langchain_cfgateway_grok.chat_models") is not None:
            names.append(langchain_cfgateway_grok.ChatCloudflareGrok)
        loaded = sorted(m for m in sys.modules if m.startswith("langchain_cfgateway_grok.emulator"))
        print(loaded, "uvicorn" in sys.modules)
    """
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] False"


def test_the_emulator_imports_nothing_of_the_client() -> None:
    """At run time (a request served in a fresh process) and in the source (every import)."""
    code = """
        import sys
        import httpx2
        from langchain_cfgateway_grok.emulator import GatewayEmulator
        with GatewayEmulator() as emu:
            r = httpx2.post(
                emu.base_url() + "/chat/completions",
                headers={"authorization": "Bearer k"},
                json={"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}],
                      "stream": True},
            )
            assert r.status_code == 200, r.text
        ours = sorted(
            m for m in sys.modules
            if m.startswith("langchain_cfgateway_grok.")
            and not m.startswith("langchain_cfgateway_grok.emulator")
        )
        clients = ("openai", "langchain_core", "langchain_openai")
        foreign = sorted(m for m in clients if m in sys.modules)
        print(ours, foreign)
    """
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['langchain_cfgateway_grok._version'] []"

    for path in EMULATOR_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
                assert node.level == 0, f"{path}: relative import"
            for name in names:
                if name.startswith("langchain_cfgateway_grok"):
                    assert name.startswith("langchain_cfgateway_grok.emulator"), f"{path}: {name}"


def test_cli_prints_url_first_serves_and_exits_by_itself() -> None:
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "langchain_cfgateway_grok.emulator",
            "--max-seconds",
            "2",
            "--auth-token",
            "cli-token",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line: list[str] = []
        stdout = process.stdout
        assert stdout is not None
        reader = threading.Thread(target=lambda: first_line.append(stdout.readline()))
        reader.start()
        reader.join(timeout=10)
        assert first_line, "no URL on stdout within 10 s"
        url = first_line[0].strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", url), url
        target = f"{url}/acct/gw/grok/v1/chat/completions"
        headers = {"authorization": "Bearer k"}
        assert httpx2.post(target, json=chat(), headers=headers).status_code == 401
        headers["cf-aig-authorization"] = "Bearer cli-token"
        assert httpx2.post(target, json=chat(), headers=headers).status_code == 200
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    elapsed = time.monotonic() - started
    assert 2.0 <= elapsed < 8.0


def test_pytest_plugin_is_opt_in_and_resets_between_tests(tmp_path: Path) -> None:
    for distribution in importlib.metadata.distributions():
        for entry_point in distribution.entry_points:
            if entry_point.group == "pytest11":
                assert "langchain_cfgateway_grok" not in entry_point.value
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["langchain_cfgateway_grok.emulator.pytest_plugin"]\n'
    )
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import httpx2
            from langchain_cfgateway_grok.emulator import GatewayConfig, ScriptedReply

            BODY = {"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}]}

            def test_first(cfgateway_emulator):
                cfgateway_emulator.set_gateway("gw", GatewayConfig(auth_tokens=["t"]))
                cfgateway_emulator.script(ScriptedReply(text="scripted"))
                cfgateway_emulator.clock.advance(5)
                url = cfgateway_emulator.base_url() + "/chat/completions"
                r = httpx2.post(url, json=BODY, headers={"authorization": "Bearer k"})
                assert r.status_code == 401

            def test_second_starts_fresh(cfgateway_emulator):
                assert cfgateway_emulator.requests == []
                assert cfgateway_emulator.pending_scripts == 0
                url = cfgateway_emulator.base_url() + "/chat/completions"
                r = httpx2.post(url, json=BODY, headers={"authorization": "Bearer k"})
                assert r.status_code == 200
                assert r.json()["choices"][0]["message"]["content"] != "scripted"
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert importlib.util.find_spec("langchain_cfgateway_grok.emulator.pytest_plugin") is not None
