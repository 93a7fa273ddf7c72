"""Smoke tests for the built wheel, installed in a fresh virtual environment.

Run by `python3 dev.py wheel-smoke` with that environment's Python, from a directory outside the
source tree, so nothing can be imported from the checkout by accident. It catches what a test
run from the source tree cannot: files missing from the wheel (`py.typed`, emulator modules),
a broken console script, an extra that does not install what the emulator needs.

    python wheel_smoke.py path/to/the.whl
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path

WHEEL = Path(sys.argv[1]).resolve()
SOURCE_TREE = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ACCOUNT = "0123456789abcdef0123456789abcdef"
TESTS: list[Callable[[], None]] = []


def smoke(test: Callable[[], None]) -> Callable[[], None]:
    """Register a smoke test."""
    TESTS.append(test)
    return test


@smoke
def imported_from_the_installed_wheel_not_the_checkout() -> None:
    """The package comes from site-packages, never from the checkout."""
    import langchain_cfgateway_grok

    where = Path(langchain_cfgateway_grok.__file__).resolve()
    assert SOURCE_TREE not in where.parents, f"imported from the source tree: {where}"
    assert "site-packages" in where.parts, where


@smoke
def metadata_version_is_the_package_version() -> None:
    """The wheel metadata carries `__version__` (one source of truth)."""
    from importlib.metadata import version

    from langchain_cfgateway_grok import __version__

    assert version("langchain-cfgateway-grok") == __version__


@smoke
def py_typed_is_in_the_wheel_and_installed() -> None:
    """PEP 561 marker shipped, so type checkers see the annotations."""
    import langchain_cfgateway_grok

    names = zipfile.ZipFile(WHEEL).namelist()
    assert "langchain_cfgateway_grok/py.typed" in names, "py.typed missing from the wheel"
    assert (Path(langchain_cfgateway_grok.__file__).parent / "py.typed").exists()


@smoke
def every_source_module_is_in_the_wheel() -> None:
    """No module of the package (client or emulator) is left out of the wheel."""
    tracked = subprocess.run(
        ["git", "ls-files", "langchain_cfgateway_grok"],  # noqa: S607  # git from PATH on purpose
        cwd=SOURCE_TREE,
        capture_output=True,
        text=True,
        check=False,
    )
    if tracked.returncode == 0 and tracked.stdout.strip():
        files = [SOURCE_TREE / line for line in tracked.stdout.splitlines()]
    else:  # not a git checkout (an sdist): everything under the package
        files = [p for p in (SOURCE_TREE / "langchain_cfgateway_grok").rglob("*") if p.is_file()]
    expected = {
        p.relative_to(SOURCE_TREE).as_posix()
        for p in files
        if p.suffix in {".py", ".typed", ".json", ".toml"} and "__pycache__" not in p.parts
    }
    missing = expected - set(zipfile.ZipFile(WHEEL).namelist())
    assert not missing, f"missing from the wheel: {sorted(missing)}"


@smoke
def public_api_imports() -> None:
    """The documented imports work."""
    from langchain_cfgateway_grok import ChatCloudflareGrok, GatewayNotFoundError, GatewayOptions

    assert ChatCloudflareGrok.__name__ == "ChatCloudflareGrok"
    assert GatewayOptions.__name__ == "GatewayOptions"
    assert issubclass(GatewayNotFoundError, Exception)


@smoke
def invoke_and_stream_against_the_installed_emulator() -> None:
    """A real call over loopback: the installed model against the installed emulator."""
    from pydantic import SecretStr

    from langchain_cfgateway_grok import ChatCloudflareGrok
    from langchain_cfgateway_grok.emulator import GatewayEmulator

    with GatewayEmulator() as emu:
        model = ChatCloudflareGrok(
            gateway_url=emu.url,
            account_id=ACCOUNT,
            gateway_id="smoke",
            api_key=SecretStr("xai-smoke"),
        )
        message = model.invoke("nonce:wheel-ok")
        assert message.text == "nonce:wheel-ok", message.text
        assert message.response_metadata["gateway"]["cache_status"] == "MISS"
        chunks = list(model.stream("Hello from the wheel"))
        assert "".join(c.text for c in chunks) == "You said: Hello from the wheel"
        assert len(emu.requests) == 2


@smoke
def emulator_module_and_console_script_start_from_the_wheel() -> None:
    """The emulator CLI and the `cfgateway-grok` script run from the installed wheel."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XAI_", "CLOUDFLARE_"))}
    server = subprocess.Popen(
        [sys.executable, "-m", "langchain_cfgateway_grok.emulator", "--max-seconds", "60"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        assert url.endswith("/v1"), url
        doctor = subprocess.run(  # noqa: S603  # our own console script, fixed arguments
            [str(BIN / "cfgateway-grok"), "doctor", "--gateway-url", url],
            env={
                **env,
                "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
                "CLOUDFLARE_GATEWAY_ID": "smoke",
                "XAI_API_KEY": "xai-smoke-key",
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert "OK: the gateway and xAI answered" in doctor.stdout
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> int:
    """Run every smoke test, report each, and return the exit status."""
    failed = 0
    for test in TESTS:
        try:
            test()
        except Exception:  # report every failure, then fail the run
            failed += 1
            _say(f"FAILED {test.__name__}")
            traceback.print_exc()
        else:
            _say(f"passed {test.__name__}")
    _say(f"smoke: {len(TESTS) - failed} passed, {failed} failed")
    return 1 if failed else 0


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
