"""Smoke test for the side-by-side benchmark: it runs and prints ratios (no timing asserted).

The benchmark is a script (`bench/run.py`), not a test; this only guards against it rotting.
It starts its own loopback server in a subprocess, so it lives with the emulator-tier tests.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _grok_importable() -> bool:
    try:
        from langchain_cfgateway_grok import ChatCloudflareGrok  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.timeout(60)
@pytest.mark.skipif(not _grok_importable(), reason="ChatCloudflareGrok cannot be imported yet")
def test_bench_quick_sync_invoke_prints_ratios() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--only", "sync_invoke"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=50,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "sync invoke, per call" in out
    # The baseline is 1.00x by construction (wall clock and CPU); every other stack gets a
    # ratio line.
    assert re.search(r"^\s+httpx2\s+\S+ \S+\s+1\.00x\s+1\.00x$", out, re.MULTILINE), out
    for stack in ("sdk", "openai", "xai", "grok", "fake"):
        line = rf"^\s+{stack}\s+\S+ \S+\s+\d+\.\d+x\s+\d+\.\d+x$"
        assert re.search(line, out, re.MULTILINE), out
    assert "SKIPPED grok" not in out, out
    assert re.search(r"^\s+(PASS|MISS)\s+\S+\s+sync invoke <= 2\.0x", out, re.MULTILINE), out
