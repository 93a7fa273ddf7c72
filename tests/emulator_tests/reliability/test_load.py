"""Load on one model instance (issue 7): 1,000 concurrent `ainvoke`, then 200 concurrent `astream`.

Every request carries its own nonce, which the emulated model echoes as its whole answer; every
reply must be exactly its request's nonce and carry the log id the emulator answered that
request with. Zero errors (`max_retries=0`, so none is hidden by a retry). Memory is measured
after a warm-up round of the same shape, with the emulator's records cleared and
`gc.collect()`: RSS within +30 MB over an untraced round (after `malloc_trim`, so glibc's
cached free pages do not count), then tracemalloc within +5 MB over a traced round.
Open descriptors are sampled every 5 ms; the peak is reported. A longer, bounded soak is
`scripts/soak.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import json
import os
import resource
import subprocess
import sys
import threading
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from langchain_cfgateway_grok import ChatCloudflareGrok
from langchain_cfgateway_grok.emulator import GatewayEmulator
from tests.emulator_tests.reliability._bench import XAI_KEY, make_model, merged, open_fds, settle

ROOT = Path(__file__).resolve().parents[3]
CONCURRENT_INVOKES = 1000
CONCURRENT_STREAMS = 200
RSS_BUDGET = 30 * 1024 * 1024
TRACEMALLOC_BUDGET = 5 * 1024 * 1024

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")


def settled_rss() -> int:
    """Resident memory once garbage is collected and free heap is handed back to the OS.

    glibc keeps freed memory in its arenas (RSS stays at the high-water mark, tracemalloc's own
    tables included); `malloc_trim(0)` returns it, so what remains is memory still in use.
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return rss_bytes()


def rss_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    msg = "no VmRSS in /proc/self/status"
    raise AssertionError(msg)


class PeakFds:
    """Samples the open descriptor count every 5 ms in a thread; `peak` is the highest seen."""

    def __init__(self) -> None:
        self.peak = open_fds()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakFds:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, open_fds())


@dataclass
class Round:
    invokes: int
    streams: int
    errors: list[str]
    mismatches: list[str]
    seconds: float


def load_round(
    model: ChatCloudflareGrok, emu: GatewayEmulator, invokes: int, streams: int
) -> Round:
    """`invokes` concurrent ainvoke, then `streams` concurrent astream; every reply checked."""
    emu.reset()
    tag = uuid.uuid4().hex[:8]
    replies: dict[str, tuple[str, str | None]] = {}
    errors: list[str] = []

    async def one_invoke(index: int) -> None:
        nonce = f"i{tag}-{index}"
        try:
            message = await model.ainvoke(f"Please echo nonce:{nonce} now.")
        except Exception as error:
            errors.append(f"ainvoke {index}: {error!r}")
            return
        replies[nonce] = (message.text, message.response_metadata["gateway"]["log_id"])

    async def one_stream(index: int) -> None:
        nonce = f"s{tag}-{index}"
        try:
            chunks = [chunk async for chunk in model.astream(f"Please echo nonce:{nonce} now.")]
        except Exception as error:
            errors.append(f"astream {index}: {error!r}")
            return
        whole = merged(chunks)
        replies[nonce] = (whole.text, whole.response_metadata["gateway"]["log_id"])

    async def run() -> None:
        await asyncio.gather(*(one_invoke(i) for i in range(invokes)))
        await asyncio.gather(*(one_stream(i) for i in range(streams)))

    started = time.monotonic()
    asyncio.run(run())
    seconds = time.monotonic() - started

    # The oracle: which log id the emulator answered each nonce with.
    answered: dict[str, str] = {}
    for request in emu.requests:
        prompt = request.body["messages"][-1]["content"]
        answered[prompt.split("nonce:")[1].split()[0]] = request.log_id
    mismatches = [
        nonce
        for nonce, (text, log_id) in replies.items()
        if text != f"nonce:{nonce}" or answered.get(nonce) != log_id
    ]
    if len(emu.requests) != invokes + streams:
        mismatches.append(f"the emulator saw {len(emu.requests)} requests")
    return Round(invokes, streams, errors, mismatches, seconds)


@pytest.fixture(scope="module")
def emu() -> Iterator[GatewayEmulator]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 4 * (CONCURRENT_INVOKES + 100)  # client and server side of each connection, twice
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {needed} descriptors needed")
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    try:
        with GatewayEmulator(xai_keys=[XAI_KEY]) as emulator:
            yield emulator
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_one_instance_under_concurrent_load(emu: GatewayEmulator) -> None:
    model = make_model(emu.url, max_retries=0, timeout=60.0)
    rounds: list[Round] = []
    fds_at_start = open_fds()

    def checked_round() -> Round:
        result = load_round(model, emu, CONCURRENT_INVOKES, CONCURRENT_STREAMS)
        rounds.append(result)
        assert result.errors == []
        assert result.mismatches == []
        emu.reset()
        return result

    # Warm-up of the same shape: caches, lazily built objects and the allocator's high-water
    # mark for 1,200 concurrent calls exist before the baselines, so each delta is what one
    # more such round keeps (a leak), not what the first one needed.
    checked_round()
    fds_before = settle(fds_at_start + 2)  # the warm-up's connections close, on both sides
    rss_before = settled_rss()
    with PeakFds() as fds:
        untraced = checked_round()  # RSS: measured without tracemalloc's own tables
    fds_after = settle(fds_before + 2)
    rss_after = settled_rss()

    tracemalloc.start()
    traced_before = tracemalloc.get_traced_memory()[0]
    traced = checked_round()
    settle(fds_before + 2)
    gc.collect()
    traced_after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

    figures: dict[str, Any] = {
        "rounds": len(rounds),
        "calls_per_round": CONCURRENT_INVOKES + CONCURRENT_STREAMS,
        "errors": sum(len(r.errors) for r in rounds),
        "mismatches": sum(len(r.mismatches) for r in rounds),
        "seconds_untraced": round(untraced.seconds, 2),
        "seconds_traced": round(traced.seconds, 2),
        "rss_delta_mb": round((rss_after - rss_before) / 2**20, 2),
        "tracemalloc_delta_mb": round((traced_after - traced_before) / 2**20, 3),
        "fds_before": fds_before,
        "peak_fds": fds.peak,
        "fds_after": fds_after,
    }
    print(f"\nLOAD {figures}")
    assert rss_after - rss_before <= RSS_BUDGET
    assert traced_after - traced_before <= TRACEMALLOC_BUDGET
    assert fds.peak > fds_before + CONCURRENT_INVOKES, "the sampler saw the connections open"
    assert fds_after <= fds_before + 2


def test_the_soak_script_runs_a_small_bounded_soak(tmp_path: Path) -> None:
    figures = tmp_path / "soak.json"
    command = [
        sys.executable,
        str(ROOT / "scripts" / "soak.py"),
        *("--rounds", "2", "--max-seconds", "60", "--invokes", "40", "--streams", "10"),
        *("--faulted", "4", "--json", str(figures)),
    ]
    result = subprocess.run(
        command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(figures.read_text())["summary"]
    assert summary["rounds"] == 2
    assert summary["calls"] == 2 * (40 + 10 + 4)
    assert summary["unexpected"] == 0
