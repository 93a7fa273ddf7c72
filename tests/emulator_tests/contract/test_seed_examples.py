"""The Cloudflare Grok provider page's own examples, run against the emulator.

`data/seed_grok_provider_page.txt` is a verbatim copy of the project seed (the docs page as text,
2025-08-19; gateway-protocol.md §1.1 cites the same page). Its cURL and OpenAI-SDK Python examples
run unchanged except for: scheme/host/port (the emulator's), the placeholders (account, gateway,
key), and the model (`grok-beta` was deactivated, xai-api.md §1.6). The text extraction of the page
joined lines and padded placeholders with spaces; the tests undo exactly that. A separate test runs
the examples with `grok-beta` and gets xAI's model-not-found error (xai-api.md §1.5).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from langchain_cfgateway_grok.emulator import GatewayEmulator
from tests.emulator_tests.contract._support import REASONING_MODEL, XAI_KEY

SEED = Path(__file__).parent / "data" / "seed_grok_provider_page.txt"
CF_ROOT = "https://gateway.ai.cloudflare.com/v1"
CURRENT_MODEL = REASONING_MODEL  # grok-4.3: where retired slugs now redirect (xai-api.md §1.6)
needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def _seed_line(prefix: str) -> str:
    return next(line for line in SEED.read_text().splitlines() if line.startswith(prefix))


def curl_example(root: str, model: str) -> list[str]:
    """The page's cURL example as argv, pointed at `root` (the emulator's `/v1`)."""
    command = _seed_line("Request curl ").removeprefix("Request ")
    command = command.replace(" \\ ", " ")  # shell line continuations, joined by the extraction
    command = command.replace(CF_ROOT, root)
    command = command.replace("{account_id}", "acct").replace("{gateway_id}", "gw")
    command = command.replace("{grok_api_token}", XAI_KEY)
    command = command.replace('"model": "grok-beta"', f'"model": "{model}"')
    argv = shlex.split(command)
    assert argv[0] == "curl"
    return [*argv, "--silent", "--show-error", "--write-out", "\n%{http_code}"]


def python_example(root: str, model: str) -> str:
    """The page's OpenAI-SDK Python example as a script, pointed at `root`."""
    code = _seed_line("Python import os from openai import OpenAI").removeprefix("Python ")
    code = re.sub(
        r"https://gateway\.ai\.cloudflare\.com/v1/\s*\{account_id\}\s*/\s*\{gateway_id\}\s*/grok",
        f"{root}/acct/gw/grok",
        code,
    )
    code = code.replace('model = "grok-beta"', f'model = "{model}"')
    # The extraction put every statement on one line; put them back on their own lines.
    code = re.sub(r" (?=from |XAI_API_KEY = |client = |completion = |print \()", "\n", code)
    compile(code, "seed_example.py", "exec")
    return code


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "XAI_API_KEY": XAI_KEY, "NO_PROXY": "*"}
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env, check=False)


@needs_curl
def test_seed_curl_example(cfgateway_emulator: GatewayEmulator) -> None:
    result = _run(curl_example(cfgateway_emulator.url, CURRENT_MODEL))
    body, _, status = result.stdout.rpartition("\n")
    assert (status, result.stderr) == ("200", "")
    completion = json.loads(body)
    assert completion["object"] == "chat.completion"
    assert completion["model"] == CURRENT_MODEL
    assert completion["choices"][0]["message"]["content"]
    recorded = cfgateway_emulator.requests[-1]
    assert recorded.path == "/v1/acct/gw/grok/v1/chat/completions"
    assert recorded.body["messages"] == [{"role": "user", "content": "What is Cloudflare?"}]


def test_seed_openai_python_example(cfgateway_emulator: GatewayEmulator) -> None:
    result = _run([sys.executable, "-c", python_example(cfgateway_emulator.url, CURRENT_MODEL)])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ChatCompletionMessage(content=")
    assert "role='assistant'" in result.stdout
    recorded = cfgateway_emulator.requests[-1]
    assert recorded.path == "/v1/acct/gw/grok/chat/completions"  # the SDK form: base_url=.../grok
    assert recorded.body["model"] == CURRENT_MODEL


@needs_curl
def test_seed_examples_with_grok_beta_get_xais_error(cfgateway_emulator: GatewayEmulator) -> None:
    """`grok-beta` is deactivated: xAI answers 400 "Model not found" (xai-api.md §1.5, §1.6)."""
    curl = _run(curl_example(cfgateway_emulator.url, "grok-beta"))
    body, _, status = curl.stdout.rpartition("\n")
    assert status == "400"
    assert json.loads(body) == {
        "code": "Client specified an invalid argument",
        "error": "Model not found: grok-beta",
    }
    sdk = _run([sys.executable, "-c", python_example(cfgateway_emulator.url, "grok-beta")])
    assert sdk.returncode != 0
    # openai 3.x drops xAI's flat message from the exception text (xai-api.md §2.12) ...
    assert "openai.BadRequestError: Error code: 400" in sdk.stderr
    # ... but the answer the SDK got was xAI's error, as the gateway log shows.
    assert cfgateway_emulator.logs[-1].status_code == 400
    assert cfgateway_emulator.logs[-1].response_body == json.loads(body)
