"""Bounded soak: one `ChatCloudflareGrok` instance against the gateway emulator, round after round.

Each round runs, on one model instance over loopback only:

- `--invokes` concurrent `ainvoke` and `--streams` concurrent `astream`, each with its own nonce
  that the emulated model echoes; every reply must be exactly its nonce and carry the log id
  the emulator answered that request with;
- `--faulted` sequential faulted calls (503 then success with `retry-after-ms`, a cut stream, a
  truncated body, a spend limit), each ending the documented way: a complete answer after the
  retries, or the documented exception class.

After each round: the emulator's records are cleared, garbage collected, glibc's free pages
returned (`malloc_trim`), then RSS, open descriptors and (with `--tracemalloc`) traced memory are
recorded. The soak stops by itself after `--rounds` rounds or `--max-seconds`, whichever comes
first, prints one line per round and a summary (optionally `--json PATH`), and exits 1 if any
call went wrong or memory/descriptors grew beyond the budgets between the second and the last
round (the first round sets the allocator's high-water mark).

Usage: `python scripts/soak.py [--rounds 20] [--max-seconds 120] [--invokes 1000]
[--streams 200] [--faulted 20] [--tracemalloc] [--json PATH]`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import gc
import json
import os
import resource
import sys
import time
import tracemalloc
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import openai
from langchain_core.messages import AIMessageChunk, BaseMessage

from langchain_cfgateway_grok import ChatCloudflareGrok
from langchain_cfgateway_grok.emulator import GatewayEmulator

ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
XAI_KEY = "xai-soak-key"
RSS_BUDGET_MB = 30.0
TRACEMALLOC_BUDGET_MB = 5.0
FD_TOLERANCE = 4


@dataclass
class RoundFigures:
    """What one round did and what the process held afterwards."""

    round: int
    calls: int
    unexpected: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rss_mb: float = 0.0
    fds: int = 0
    peak_fds: int = 0
    traced_mb: float | None = None


def settled_rss_mb() -> float:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def merged(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


async def concurrent_calls(
    model: ChatCloudflareGrok, invokes: int, streams: int, problems: list[str]
) -> dict[str, tuple[str, str]]:
    """Run the concurrent part of a round; replies by nonce as (text, log id)."""
    tag = uuid.uuid4().hex[:8]
    replies: dict[str, tuple[str, str]] = {}

    async def one(index: int, streaming: bool) -> None:
        nonce = f"{'s' if streaming else 'i'}{tag}-{index}"
        prompt = f"Echo nonce:{nonce} please."
        try:
            if streaming:
                message: BaseMessage = merged([c async for c in model.astream(prompt)])
            else:
                message = await model.ainvoke(prompt)
        except Exception as error:  # every error is a finding
            problems.append(f"{'astream' if streaming else 'ainvoke'} {index}: {error!r}")
            return
        replies[nonce] = (message.text, message.response_metadata["gateway"]["log_id"])

    await asyncio.gather(*(one(i, streaming=False) for i in range(invokes)))
    await asyncio.gather(*(one(i, streaming=True) for i in range(streams)))
    return replies


def faulted_calls(model: ChatCloudflareGrok, emu: GatewayEmulator, count: int) -> list[str]:
    """Sequential calls meeting faults; what did not end the documented way."""
    problems: list[str] = []
    for index in range(count):
        kind = index % 4
        nonce = f"f{index}"
        try:
            if kind == 0:  # two 503s with retry-after-ms, then the answer
                emu.faults.add(status=503, retry_after_ms=1, times=2)
                text = model.invoke(f"nonce:{nonce}").text
                if text != f"nonce:{nonce}":
                    problems.append(f"retried call {index} answered {text!r}")
                continue
            if kind == 1:  # a stream cut after two events: never a short answer
                emu.faults.add(cut_stream_after_chunks=2, cut_abruptly=False)
                list(model.stream(f"nonce:{nonce}"))
            elif kind == 2:  # a truncated body on every attempt
                emu.faults.add(truncate_body=True, times=3)
                model.invoke(f"nonce:{nonce}")
            else:  # a spend limit (429 / 2041): one attempt, never retried
                emu.faults.add(gateway_error="spend_limit", times=3)
                model.invoke(f"nonce:{nonce}")
            problems.append(f"faulted call {index} (kind {kind}) did not raise")
        except openai.APIError as error:
            expected = {
                1: "IncompleteStreamError",
                2: "CloudflareGrokConnectionError",
                3: "GatewaySpendLimitError",
            }.get(kind)
            if type(error).__name__ != expected:
                problems.append(f"faulted call {index}: {type(error).__name__}, not {expected}")
            elif kind == 3 and not emu.faults.pending:  # all three used: it was retried
                problems.append(f"spend limit {index} was retried")
        finally:
            emu.faults.clear()
    return problems


def run_round(
    number: int, model: ChatCloudflareGrok, emu: GatewayEmulator, args: argparse.Namespace
) -> RoundFigures:
    emu.reset()
    figures = RoundFigures(round=number, calls=args.invokes + args.streams + args.faulted)
    started = time.monotonic()
    peak = open_fds()

    async def sample_fds(stop: asyncio.Event) -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, open_fds())
            await asyncio.sleep(0.005)

    async def concurrent() -> dict[str, tuple[str, str]]:
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_fds(stop))
        try:
            return await concurrent_calls(model, args.invokes, args.streams, figures.unexpected)
        finally:
            stop.set()
            await sampler

    replies = asyncio.run(concurrent())
    answered = {
        r.body["messages"][-1]["content"].split("nonce:")[1].split()[0]: r.log_id
        for r in emu.requests
    }
    for nonce, (text, log_id) in replies.items():
        if text != f"nonce:{nonce}" or answered.get(nonce) != log_id:
            figures.unexpected.append(f"reply for {nonce} does not match its request")
    figures.unexpected.extend(faulted_calls(model, emu, args.faulted))
    figures.seconds = round(time.monotonic() - started, 2)
    emu.reset()
    figures.rss_mb = round(settled_rss_mb(), 1)
    figures.fds = open_fds()
    figures.peak_fds = peak
    if tracemalloc.is_tracing():
        figures.traced_mb = round(tracemalloc.get_traced_memory()[0] / 2**20, 3)
    return figures


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="stop after this many rounds")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="stop after this time")
    parser.add_argument("--invokes", type=int, default=1000, help="concurrent ainvoke per round")
    parser.add_argument("--streams", type=int, default=200, help="concurrent astream per round")
    parser.add_argument("--faulted", type=int, default=20, help="faulted calls per round")
    parser.add_argument("--tracemalloc", action="store_true", help="trace allocations (slower)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.rounds < 2 or args.max_seconds <= 0:
        parser.error("--rounds must be >= 2 and --max-seconds > 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    deadline = time.monotonic() + args.max_seconds
    rounds: list[RoundFigures] = []
    with GatewayEmulator(xai_keys=[XAI_KEY]) as emu:
        settings: dict[str, Any] = {
            "model": "grok-4.3",
            "api_key": XAI_KEY,
            "account_id": ACCOUNT_ID,
            "gateway_id": "soak",
            "gateway_url": emu.url,  # loopback only
            "max_retries": 2,
            "timeout": 30.0,
        }
        model = ChatCloudflareGrok(**settings)
        print(f"soak: emulator at {emu.url}, fd limit {hard}", flush=True)
        while len(rounds) < args.rounds and time.monotonic() < deadline:
            if len(rounds) == 1 and args.tracemalloc:
                tracemalloc.start()  # after the first round: it sets the high-water mark
            figures = run_round(len(rounds) + 1, model, emu, args)
            rounds.append(figures)
            print(
                f"round {figures.round:3d}: {figures.calls} calls in {figures.seconds:6.2f} s, "
                f"{len(figures.unexpected)} unexpected, RSS {figures.rss_mb} MB, fds {figures.fds} "
                f"(peak {figures.peak_fds})"
                + (f", traced {figures.traced_mb} MB" if figures.traced_mb is not None else ""),
                flush=True,
            )
    return report(rounds, args)


def report(rounds: list[RoundFigures], args: argparse.Namespace) -> int:
    problems = [p for r in rounds for p in r.unexpected]
    summary: dict[str, Any] = {
        "rounds": len(rounds),
        "calls": sum(r.calls for r in rounds),
        "unexpected": len(problems),
        "seconds": round(sum(r.seconds for r in rounds), 1),
        "peak_fds": max((r.peak_fds for r in rounds), default=0),
    }
    failed = bool(problems)
    if len(rounds) >= 2:
        second, last = rounds[1], rounds[-1]
        summary["rss_growth_mb"] = round(last.rss_mb - second.rss_mb, 1)
        summary["fd_growth"] = last.fds - second.fds
        failed |= summary["rss_growth_mb"] > RSS_BUDGET_MB or summary["fd_growth"] > FD_TOLERANCE
        if second.traced_mb is not None and last.traced_mb is not None:
            summary["traced_growth_mb"] = round(last.traced_mb - second.traced_mb, 3)
            failed |= summary["traced_growth_mb"] > TRACEMALLOC_BUDGET_MB
    print(f"summary: {summary}")
    for problem in problems[:20]:
        print(f"  unexpected: {problem}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"summary": summary, "rounds": [asdict(r) for r in rounds]}, out, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
