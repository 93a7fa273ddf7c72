"""Side-by-side benchmark: `ChatCloudflareGrok` against its peers, as ratios to raw httpx2.

Stacks, all talking to one pre-rendered loopback server (`bench/server.py`) pinned to its
own core while this process is pinned to the other:

- `httpx2`  raw `httpx2.Client` / `AsyncClient` POST + `json.loads` (the baseline, 1.00x)
- `sdk`     the raw openai SDK (`openai.OpenAI(base_url=...)`)
- `openai`  `langchain_openai.ChatOpenAI(base_url=...)`
- `xai`     `langchain_xai.ChatXAI(base_url=...)`
- `grok`    `ChatCloudflareGrok(gateway_url=..., account_id=..., gateway_id=..., api_key=...)`,
            defaults only
- `fake`    langchain-core's `GenericFakeChatModel` (no I/O: the framework floor)

Benchmarks (`--only` takes these names, comma-separated): `sync_invoke`, `async_invoke`,
`tool_call`, `stream` (200 and 1,000 chunks and the per-chunk cost), `concurrent` (100
concurrent `ainvoke`), `construct` (second constructor for the same gateway) and
`cold_start` (fresh interpreter: import + first construction + first call).

Every timed figure is a median over interleaved rounds (stack order alternates each round,
after a warm-up); only ratios are judged. See `docs/performance.md`.

Usage: `python bench/run.py [--quick] [--only NAME[,NAME]] [--json PATH]`
(or `python3 dev.py bench`).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import gc
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: Never let the developer's shell (keys, base URLs, tracing) leak into what is measured.
_ENV_TO_CLEAR = (
    "XAI_API_KEY",
    "XAI_API_BASE",
    "CLOUDFLARE_ACCOUNT_ID",
    "CF_ACCOUNT_ID",
    "CLOUDFLARE_GATEWAY_ID",
    "CLOUDFLARE_AI_GATEWAY_TOKEN",
    "CLOUDFLARE_AI_GATEWAY_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_BASE",
    "OPENAI_ORG_ID",
    "OPENAI_PROXY",
    "LANGSMITH_TRACING",
    "LANGSMITH_API_KEY",
    "LANGCHAIN_TRACING_V2",
    "LANGCHAIN_API_KEY",
    "LANGSMITH_GATEWAY",
    "LC_OUTPUT_VERSION",
)
for _name in _ENV_TO_CLEAR:
    os.environ.pop(_name, None)

import httpx2  # noqa: E402
import openai  # noqa: E402
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel  # noqa: E402
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage  # noqa: E402
from langchain_openai import ChatOpenAI  # noqa: E402
from langchain_xai import ChatXAI  # noqa: E402

ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
GATEWAY_ID = "bench-gateway"
API_KEY = "xai-bench-key-not-a-secret"
STACKS = ("httpx2", "sdk", "openai", "xai", "grok", "fake")
BENCHES = (
    "sync_invoke",
    "async_invoke",
    "tool_call",
    "stream",
    "concurrent",
    "construct",
    "cold_start",
)
_ALIASES = {"stream_200": "stream", "stream_1000": "stream", "per_chunk": "stream"}
STREAM_SIZES = (200, 1000)
CONCURRENCY = 100
FORBIDDEN_MODULES = ("langchain_cfgateway_grok.emulator", "uvicorn", "starlette")
EXPECTED_TEXT = "Hello from the bench server."

SYSTEM = "You are a terse assistant."
USER = "Say hello."
WIRE_MESSAGES: Any = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}]
LC_MESSAGES = [SystemMessage(SYSTEM), HumanMessage(USER)]
TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


# -- stacks ---------------------------------------------------------------------------------


class StackUnavailableError(Exception):
    """A stack cannot run here (e.g. not importable yet); it is skipped with this reason."""


class Stack:
    """One way of calling the model; subclasses answer each benchmark's operation."""

    name = ""

    def invoke(self) -> Any:
        """One sync call returning the plain-text reply."""
        raise NotImplementedError

    async def ainvoke(self) -> Any:
        """One async call returning the plain-text reply."""
        raise NotImplementedError

    def tool_call(self) -> Any:
        """One sync call whose reply is a tool call; returns the parsed arguments."""
        raise NotImplementedError

    def stream(self, size: int) -> int:
        """Consume one streamed reply of `size` content chunks; returns the items seen."""
        raise NotImplementedError

    def construct(self) -> Any:
        """Build one more client/model for the same gateway."""
        raise NotImplementedError

    def check(self) -> None:
        """Fail loudly unless every operation returns what the server sent."""
        reply = self.invoke()
        _expect(reply == EXPECTED_TEXT, f"{self.name}: invoke returned {reply!r}")
        args = self.tool_call()
        _expect(args == {"city": "Paris"}, f"{self.name}: tool call returned {args!r}")
        for size in STREAM_SIZES:
            seen = self.stream(size)
            _expect(size <= seen <= size + 3, f"{self.name}: {seen} items for {size} chunks")

    async def acheck(self) -> None:
        """Async counterpart of `check`."""
        reply = await self.ainvoke()
        _expect(reply == EXPECTED_TEXT, f"{self.name}: ainvoke returned {reply!r}")

    def close(self) -> None:
        """Release what the stack holds (clients)."""


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


class RawHttpx2(Stack):
    """The baseline: httpx2 POST + `json.loads`, SSE lines split and decoded by hand.

    Clients use httpx2's default pool limits (100 connections, 20 kept idle). Keeping all
    100 idle looks stricter but is slower: httpcore2 scans every idle connection per request,
    so 100 concurrent calls drop from about 1,300 to about 850 calls/s on this machine.
    """

    name = "httpx2"

    def __init__(self, server: str) -> None:
        self.url = f"{server}/v1/chat/completions"
        self.headers = {"authorization": f"Bearer {API_KEY}"}
        self.client = httpx2.Client()
        self.aclient = httpx2.AsyncClient()

    def _body(self, model: str, **extra: Any) -> dict[str, Any]:
        return {"model": model, "messages": WIRE_MESSAGES, **extra}

    def invoke(self) -> Any:
        response = self.client.post(self.url, json=self._body("bench-json"), headers=self.headers)
        if response.status_code != 200:
            raise RuntimeError(response.status_code)
        return json.loads(response.content)["choices"][0]["message"]["content"]

    async def ainvoke(self) -> Any:
        response = await self.aclient.post(
            self.url, json=self._body("bench-json"), headers=self.headers
        )
        if response.status_code != 200:
            raise RuntimeError(response.status_code)
        return json.loads(response.content)["choices"][0]["message"]["content"]

    def tool_call(self) -> Any:
        body = self._body("bench-tools", tools=[TOOL])
        response = self.client.post(self.url, json=body, headers=self.headers)
        if response.status_code != 200:
            raise RuntimeError(response.status_code)
        call = json.loads(response.content)["choices"][0]["message"]["tool_calls"][0]
        return json.loads(call["function"]["arguments"])

    def stream(self, size: int) -> int:
        body = self._body(
            f"bench-stream-{size}", stream=True, stream_options={"include_usage": True}
        )
        seen = 0
        with self.client.stream("POST", self.url, json=body, headers=self.headers) as response:
            if response.status_code != 200:
                raise RuntimeError(response.status_code)
            for line in response.iter_lines():
                if not line.startswith("data: "):
                    continue
                data = line[6:]
                if data == "[DONE]":
                    break
                json.loads(data)
                seen += 1
        return seen

    def construct(self) -> Any:
        return httpx2.Client()

    def close(self) -> None:
        self.client.close()


class RawSdk(Stack):
    """The openai SDK used directly."""

    name = "sdk"

    def __init__(self, server: str) -> None:
        self.base_url = f"{server}/v1"
        self.client = openai.OpenAI(base_url=self.base_url, api_key=API_KEY)
        self.aclient = openai.AsyncOpenAI(base_url=self.base_url, api_key=API_KEY)

    def invoke(self) -> Any:
        completion = self.client.chat.completions.create(
            model="bench-json",
            messages=WIRE_MESSAGES,
        )
        return completion.choices[0].message.content

    async def ainvoke(self) -> Any:
        completion = await self.aclient.chat.completions.create(
            model="bench-json",
            messages=WIRE_MESSAGES,
        )
        return completion.choices[0].message.content

    def tool_call(self) -> Any:
        completion = self.client.chat.completions.create(
            model="bench-tools",
            messages=WIRE_MESSAGES,
            tools=[TOOL],
        )
        call = completion.choices[0].message.tool_calls[0]  # type: ignore[index]
        return json.loads(call.function.arguments)  # type: ignore[union-attr]

    def stream(self, size: int) -> int:
        chunks = self.client.chat.completions.create(
            model=f"bench-stream-{size}",
            messages=WIRE_MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
        )
        return sum(1 for _ in chunks)

    def construct(self) -> Any:
        return openai.OpenAI(base_url=self.base_url, api_key=API_KEY)

    def close(self) -> None:
        self.client.close()


class LangChainStack(Stack):
    """A LangChain chat model, one instance per reply kind, built by `factory(model_id)`."""

    def __init__(self, name: str, factory: Callable[[str], Any]) -> None:
        self.name = name
        self.factory = factory
        self.model = factory("bench-json")
        self.tools_model = factory("bench-tools").bind_tools([TOOL])
        self.stream_models = {size: factory(f"bench-stream-{size}") for size in STREAM_SIZES}

    def invoke(self) -> Any:
        return self.model.invoke(LC_MESSAGES).content

    async def ainvoke(self) -> Any:
        return (await self.model.ainvoke(LC_MESSAGES)).content

    def tool_call(self) -> Any:
        return self.tools_model.invoke(LC_MESSAGES).tool_calls[0]["args"]

    def stream(self, size: int) -> int:
        return sum(1 for _ in self.stream_models[size].stream(LC_MESSAGES))

    def construct(self) -> Any:
        return self.factory("bench-json")


class FakeStack(LangChainStack):
    """`GenericFakeChatModel` fed equivalent messages: the cost of langchain-core itself.

    Its stream splits content on whitespace, so `"tok " * k` gives 2k + 1 chunks: 201 and
    1,001 here, an exact difference of 800 for the per-chunk figure.
    """

    def __init__(self) -> None:
        tool_reply = AIMessage(
            content="",
            tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_bench_1"}],
        )
        replies: dict[str, AIMessage] = {
            "bench-json": AIMessage(EXPECTED_TEXT),
            "bench-tools": tool_reply,
            **{f"bench-stream-{n}": AIMessage("tok " * (n // 2)) for n in STREAM_SIZES},
        }

        def factory(model_id: str) -> GenericFakeChatModel:
            return GenericFakeChatModel(messages=itertools.repeat(replies[model_id]))

        self.name = "fake"
        self.factory = factory
        self.model = factory("bench-json")
        # GenericFakeChatModel has no bind_tools: the reply itself carries the tool call.
        self.tools_model = factory("bench-tools")
        self.stream_models = {size: factory(f"bench-stream-{size}") for size in STREAM_SIZES}


def build_stacks(server: str) -> tuple[dict[str, Stack], dict[str, str]]:
    """Every stack that can run, and why the others cannot."""
    skipped: dict[str, str] = {}
    stacks: dict[str, Stack] = {"httpx2": RawHttpx2(server), "sdk": RawSdk(server)}
    base_url = f"{server}/v1"
    stacks["openai"] = LangChainStack(
        "openai",
        lambda model: ChatOpenAI(model=model, base_url=base_url, api_key=API_KEY),  # type: ignore[arg-type]
    )
    stacks["xai"] = LangChainStack(
        "xai",
        lambda model: ChatXAI(model=model, base_url=base_url, api_key=API_KEY),  # type: ignore[arg-type]
    )
    try:
        stacks["grok"] = _grok_stack(server)
    except StackUnavailableError as exc:
        skipped["grok"] = str(exc)
    stacks["fake"] = FakeStack()
    return stacks, skipped


def _grok_stack(server: str) -> Stack:
    try:
        from langchain_cfgateway_grok import ChatCloudflareGrok
    except Exception as exc:  # any import failure means "not ready yet"
        msg = f"ChatCloudflareGrok cannot be imported yet ({type(exc).__name__}: {exc})"
        raise StackUnavailableError(msg) from exc
    gateway_url = f"{server}/v1"

    def factory(model: str) -> Any:
        return ChatCloudflareGrok(
            model=model,
            gateway_url=gateway_url,
            account_id=ACCOUNT_ID,
            gateway_id=GATEWAY_ID,
            api_key=API_KEY,  # type: ignore[arg-type]
        )

    try:
        return LangChainStack("grok", factory)
    except Exception as exc:
        msg = f"ChatCloudflareGrok cannot be constructed yet ({type(exc).__name__}: {exc})"
        raise StackUnavailableError(msg) from exc


# -- measuring ------------------------------------------------------------------------------


@dataclass
class Settings:
    """How long to measure."""

    rounds: int
    batch_seconds: float
    cold_runs: int


@dataclass
class ServerMeter:
    """The server's CPU time over the raw-httpx2 batches."""

    pid: int
    url: str
    cpu: dict[str, float] = field(default_factory=dict)
    wall: dict[str, float] = field(default_factory=dict)

    def cpu_seconds(self) -> float:
        """CPU seconds the (single-threaded) server has used so far.

        `/proc/PID/schedstat` counts on-CPU nanoseconds exactly; `/proc/PID/stat` only in
        10 ms ticks; the server's own `GET /__stats` works where /proc does not.
        """
        try:
            return int(Path(f"/proc/{self.pid}/schedstat").read_text().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            pass
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return float(httpx2.get(f"{self.url}/__stats").json()["cpu_seconds"])
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @contextmanager
    def measure(self, bench: str) -> Iterator[None]:
        """Add the server's CPU and the wall time of the enclosed block to `bench`."""
        cpu0, wall0 = self.cpu_seconds(), time.perf_counter()
        yield
        wall = time.perf_counter() - wall0
        self.cpu[bench] = self.cpu.get(bench, 0.0) + self.cpu_seconds() - cpu0
        self.wall[bench] = self.wall.get(bench, 0.0) + wall

    def share(self, bench: str | None = None) -> float | None:
        """Server CPU / wall time over one bench's raw-httpx2 batches (or all of them)."""
        names = [bench] if bench else list(self.wall)
        wall = sum(self.wall.get(n, 0.0) for n in names)
        return sum(self.cpu.get(n, 0.0) for n in names) / wall if wall else None


def _calls_for(seconds_per_call: float, batch_seconds: float, cap: int = 2000) -> int:
    return max(1, min(cap, round(batch_seconds / max(seconds_per_call, 1e-7))))


def _timed(fn: Callable[[], Any], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


async def _atimed(fn: Callable[[], Awaitable[Any]], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await fn()
    return (time.perf_counter() - start) / n


async def _aconcurrent(fn: Callable[[], Awaitable[Any]], batches: int) -> float:
    """Calls per second over `batches` rounds of `CONCURRENCY` concurrent calls."""
    start = time.perf_counter()
    for _ in range(batches):
        await asyncio.gather(*(fn() for _ in range(CONCURRENCY)))
    return batches * CONCURRENCY / (time.perf_counter() - start)


def _round_orders(names: list[str], rounds: int) -> Iterator[list[str]]:
    """ABC CBA ABC…: each stack sees every position equally often."""
    for r in range(rounds):
        yield names if r % 2 == 0 else names[::-1]


class Runner:
    """Runs the benchmarks interleaved across stacks and collects medians."""

    def __init__(
        self,
        stacks: dict[str, Stack],
        settings: Settings,
        meter: ServerMeter,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.stacks = stacks
        self.settings = settings
        self.meter = meter
        self.loop = loop
        #: bench -> stack -> per-round samples (seconds per op, or calls/s for `concurrent`)
        self.samples: dict[str, dict[str, list[float]]] = {}
        #: the same from this process's CPU time (CPU seconds per op, or calls per CPU second)
        self.cpu_samples: dict[str, dict[str, list[float]]] = {}

    def _interleave(
        self,
        bench: str,
        ops: Mapping[str, Callable[[], Any]],
        batch: Callable[[Callable[[], Any], int], float],
        *,
        calls_per_op: int = 0,
    ) -> None:
        """Warm up and calibrate each stack, then run rounds of batches in alternating order.

        `batch(op, n)` runs `op` n times (or n rounds of it) and returns the sample: seconds
        per op, or calls/s for the concurrency run (`calls_per_op` calls per round, which
        makes the CPU sample a rate too). `batch(op, 1)` probes one op's cost.

        Beside each wall-clock sample, this process's CPU time over the batch is kept: it
        is a diagnostic that hardly moves when other work on the machine delays the server.
        """
        sizes: dict[str, int] = {}
        for name, op in ops.items():
            batch(op, 1)
            batch(op, 1)
            start = time.perf_counter()
            batch(op, 1)
            sizes[name] = _calls_for(time.perf_counter() - start, self.settings.batch_seconds)
            batch(op, max(1, sizes[name] // 5))  # warm-up batch
        store = self.samples.setdefault(bench, {name: [] for name in ops})
        cpu_store = self.cpu_samples.setdefault(bench, {name: [] for name in ops})
        for order in _round_orders(list(ops), self.settings.rounds):
            for name in order:
                # Collect now, untimed, so no stack pays for another's garbage.
                gc.collect()
                n = sizes[name]
                cpu0 = time.process_time()
                if name == "httpx2":
                    with self.meter.measure(bench):
                        store[name].append(batch(ops[name], n))
                else:
                    store[name].append(batch(ops[name], n))
                cpu = max(time.process_time() - cpu0, 1e-9)
                cpu_store[name].append(n * calls_per_op / cpu if calls_per_op else cpu / n)

    def _async_batch(self, op: Callable[[], Any], n: int) -> float:
        return self.loop.run_until_complete(_atimed(op, n))

    def _concurrent_batch(self, op: Callable[[], Any], n: int) -> float:
        return self.loop.run_until_complete(_aconcurrent(op, n))

    def sync_invoke(self) -> None:
        """Sequential `invoke` with a short text reply."""
        self._interleave("sync_invoke", {n: s.invoke for n, s in self.stacks.items()}, _timed)

    def async_invoke(self) -> None:
        """Sequential `ainvoke` in one event loop."""
        ops = {n: s.ainvoke for n, s in self.stacks.items()}
        self._interleave("async_invoke", ops, self._async_batch)

    def tool_call(self) -> None:
        """Sequential `invoke` of a tool-bound model whose reply is a tool call."""
        self._interleave("tool_call", {n: s.tool_call for n, s in self.stacks.items()}, _timed)

    def stream(self) -> None:
        """Whole streams of 200 and 1,000 chunks, interleaved per round."""
        for size in STREAM_SIZES:
            ops = {n: functools.partial(s.stream, size) for n, s in self.stacks.items()}
            self._interleave(f"stream_{size}", ops, _timed)

    def concurrent(self) -> None:
        """`CONCURRENCY` concurrent `ainvoke` calls per batch; samples are calls per second."""
        ops = {n: s.ainvoke for n, s in self.stacks.items()}
        self._interleave("concurrent", ops, self._concurrent_batch, calls_per_op=CONCURRENCY)

    def construct(self) -> None:
        """Building one more model (or client) for the same gateway, after the first."""
        self._interleave("construct", {n: s.construct for n, s in self.stacks.items()}, _timed)

    def medians(self, *, cpu: bool = False) -> dict[str, dict[str, float]]:
        """Bench -> stack -> median over rounds, plus the derived per-chunk cost."""
        samples = self.cpu_samples if cpu else self.samples
        out = {
            bench: {name: statistics.median(values) for name, values in per_stack.items()}
            for bench, per_stack in samples.items()
        }
        if "stream_200" in out and "stream_1000" in out:
            span = STREAM_SIZES[1] - STREAM_SIZES[0]
            out["per_chunk"] = {
                name: (out["stream_1000"][name] - out["stream_200"][name]) / span
                for name in out["stream_200"]
            }
        return out


# -- cold start -----------------------------------------------------------------------------

_COLD_SCRIPT = """
import sys, time
t0 = time.perf_counter()
{import_line}
t1 = time.perf_counter()
model = {construct}
t2 = time.perf_counter()
reply = model.invoke("Say hello.")
t3 = time.perf_counter()
import json
print(json.dumps({{
    "import": t1 - t0, "construct": t2 - t1, "first_call": t3 - t2, "total": t3 - t0,
    "reply": reply.content,
    "forbidden": [m for m in {forbidden!r} if m in sys.modules],
}}))
"""


def _cold_scripts(server: str) -> dict[str, str]:
    base_url = f"{server}/v1"
    return {
        "grok": _COLD_SCRIPT.format(
            import_line="from langchain_cfgateway_grok import ChatCloudflareGrok",
            construct=(
                f"ChatCloudflareGrok(model='bench-json', gateway_url={base_url!r}, "
                f"account_id={ACCOUNT_ID!r}, gateway_id={GATEWAY_ID!r}, api_key={API_KEY!r})"
            ),
            forbidden=FORBIDDEN_MODULES,
        ),
        "openai": _COLD_SCRIPT.format(
            import_line="from langchain_openai import ChatOpenAI",
            construct=(
                f"ChatOpenAI(model='bench-json', base_url={base_url!r}, api_key={API_KEY!r})"
            ),
            forbidden=FORBIDDEN_MODULES,
        ),
    }


def _run_cold(script: str, pycache: str) -> dict[str, Any]:
    # Byte-code is cached (in a private prefix, not in the checkout) for every module alike, as
    # after a pip install: with PYTHONDONTWRITEBYTECODE=1 the package's own modules would be
    # compiled from source in every run while site-packages ship compiled.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore", PYTHONPYCACHEPREFIX=pycache)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["(no stderr)"]
        msg = f"cold-start subprocess failed: {tail[0]}"
        raise RuntimeError(msg)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["reply"] != EXPECTED_TEXT:
        msg = f"cold-start reply was {result['reply']!r}"
        raise RuntimeError(msg)
    result["wall"] = wall
    return result


def cold_start(server: str, names: Iterable[str], runs: int) -> dict[str, dict[str, Any]]:
    """Median of `runs` fresh interpreters per stack, interleaved, after one warm-up each."""
    wanted = set(names)
    scripts = {n: s for n, s in _cold_scripts(server).items() if n in wanted}
    runs_by: dict[str, list[dict[str, Any]]] = {n: [] for n in scripts}
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as pycache:
        for script in scripts.values():
            _run_cold(script, pycache)  # warm the page cache and compile byte-code
        for order in _round_orders(list(scripts), runs):
            for name in order:
                runs_by[name].append(_run_cold(scripts[name], pycache))
    out: dict[str, dict[str, Any]] = {}
    for name, results in runs_by.items():
        out[name] = {
            key: statistics.median(r[key] for r in results)
            for key in ("import", "construct", "first_call", "total", "wall")
        }
        out[name]["forbidden"] = sorted({m for r in results for m in r["forbidden"]})
        out[name]["runs"] = len(results)
    return out


# -- reporting ------------------------------------------------------------------------------


def _fmt_time(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:8.3f} s "
    if seconds >= 1e-3:
        return f"{seconds * 1e3:8.2f} ms"
    return f"{seconds * 1e6:8.1f} µs"


_TITLES = {
    "sync_invoke": "sync invoke, per call",
    "async_invoke": "async invoke (sequential), per call",
    "tool_call": "tool-call reply (sync), per call",
    "stream_200": "stream of 200 chunks, per stream",
    "stream_1000": "stream of 1,000 chunks, per stream",
    "per_chunk": "per streamed chunk, (t1000 - t200) / 800",
    "concurrent": f"{CONCURRENCY} concurrent ainvoke, calls/s (ratio: higher is better)",
    "construct": "second construction for the same gateway, per instance",
}


def print_tables(
    medians: dict[str, dict[str, float]], cpu_medians: dict[str, dict[str, float]], rounds: int
) -> None:
    """One table per benchmark: median, ratio to raw httpx2, and the client-CPU ratio."""
    for bench, title in _TITLES.items():
        if bench not in medians:
            continue
        per_stack = medians[bench]
        cpu_row = cpu_medians.get(bench, {})
        base = per_stack.get("httpx2")
        cpu_base = cpu_row.get("httpx2")
        print(f"\n{title} (median of {rounds} rounds)")
        print(f"  {'stack':<8}{'median':>12}  {'x httpx2':>9}  {'cpu x':>7}")
        for name in STACKS:
            if name not in per_stack:
                continue
            value = per_stack[name]
            shown = f"{value:10.0f}/s " if bench == "concurrent" else _fmt_time(value) + " "
            ratio = f"{value / base:8.2f}x" if base else "      n/a"
            cpu = cpu_row.get(name)
            cpu_ratio = f"{cpu / cpu_base:6.2f}x" if cpu is not None and cpu_base else "    n/a"
            print(f"  {name:<8}{shown:>12} {ratio:>9}  {cpu_ratio:>7}")
        if bench == "construct" and "xai" in per_stack and "grok" in per_stack:
            print(f"  grok / xai = 1/{per_stack['xai'] / per_stack['grok']:.0f}")


def print_cold(cold: dict[str, dict[str, Any]]) -> None:
    """Fresh-interpreter import + construction + first call, medians."""
    print("\nfresh interpreter: import + first construction + first call (median)")
    print(
        f"  {'stack':<8}{'import':>11}{'construct':>12}{'1st call':>11}{'total':>11}"
        f"{'proc wall':>11}  forbidden modules"
    )
    for name, row in cold.items():
        print(
            f"  {name:<8}{_fmt_time(row['import']):>11}{_fmt_time(row['construct']):>12}"
            f"{_fmt_time(row['first_call']):>11}{_fmt_time(row['total']):>11}"
            f"{_fmt_time(row['wall']):>11}  {', '.join(row['forbidden']) or 'none'}"
            f"  ({row['runs']} runs)"
        )


@dataclass
class Verdict:
    """One issue-5 target: the measured ratio and whether it is met."""

    target: str
    measured: str
    status: str  # PASS | MISS | SKIP | not run


def judge(
    medians: dict[str, dict[str, float]],
    cold: dict[str, dict[str, Any]] | None,
    skipped: dict[str, str],
) -> list[Verdict]:
    """The issue-5 targets for `grok`, judged on this run's ratios."""
    verdicts: list[Verdict] = []

    def ratio(bench: str, num: str, den: str) -> float | None:
        row = medians.get(bench, {})
        if num in row and row.get(den):
            return row[num] / row[den]
        return None

    def add(
        target: str, value: float | None, ok: Callable[[float], bool], show: Callable[[float], str]
    ) -> None:
        if "grok" in skipped:
            verdicts.append(Verdict(target, "-", "SKIP"))
        elif value is None:
            verdicts.append(Verdict(target, "-", "not run"))
        else:
            verdicts.append(Verdict(target, show(value), "PASS" if ok(value) else "MISS"))

    def times(v: float) -> str:
        return f"{v:.2f}x"

    def fraction(v: float) -> str:
        return f"1/{1 / v:.0f}" if v > 0 else "0"

    add("sync invoke <= 2.0x raw httpx2", ratio("sync_invoke", "grok", "httpx2"),
        lambda v: v <= 2.0, times)  # fmt: skip
    add("per streamed chunk <= 3.3x raw httpx2's", ratio("per_chunk", "grok", "httpx2"),
        lambda v: v <= 3.3, times)  # fmt: skip
    add(f"{CONCURRENCY} concurrent ainvoke >= 0.75x raw httpx2's calls/s",
        ratio("concurrent", "grok", "httpx2"), lambda v: v >= 0.75, times)  # fmt: skip
    add("second construction <= 1/50 of ChatXAI's", ratio("construct", "grok", "xai"),
        lambda v: v <= 1 / 50, fraction)  # fmt: skip
    target = "import + 1st construction + 1st call <= langchain_openai's, no emulator/server stack"
    if "grok" in skipped:
        verdicts.append(Verdict(target, "-", "SKIP"))
    elif not cold or "grok" not in cold or "openai" not in cold:
        verdicts.append(Verdict(target, "-", "not run"))
    else:
        value = cold["grok"]["total"] / cold["openai"]["total"]
        leaked = cold["grok"]["forbidden"]
        ok = value <= 1.0 and not leaked
        shown = f"{value:.2f}x" + (f", imported {', '.join(leaked)}" if leaked else "")
        verdicts.append(Verdict(target, shown, "PASS" if ok else "MISS"))
    return verdicts


def print_verdicts(verdicts: list[Verdict]) -> None:
    """The issue-5 target table."""
    print("\nissue 5 targets (ChatCloudflareGrok, ratios from this run)")
    for v in verdicts:
        print(f"  {v.status:<8}{v.measured:>16}  {v.target}")


# -- main -----------------------------------------------------------------------------------


@contextmanager
def bench_server(
    cpu: int | None, max_seconds: float, stream_framing: str
) -> Iterator[tuple[str, int]]:
    """Start `bench/server.py` in its own process; yield its URL and pid."""
    command = [
        sys.executable,
        str(ROOT / "bench" / "server.py"),
        "--max-seconds",
        str(max_seconds),
        "--stream-framing",
        stream_framing,
        "--watch-stdin",
    ]
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    # The server exits when this pipe closes, so it never outlives a killed bench.
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            msg = f"bench server did not start (printed {url!r})"
            raise RuntimeError(msg)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _pin() -> tuple[int | None, int | None, str]:
    """Pin this process to one core and return (client core, server core, note)."""
    if not hasattr(os, "sched_setaffinity"):
        return None, None, "no CPU affinity on this platform: client and server unpinned"
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None, "one core only: client and server share it (ratios still valid)"
    os.sched_setaffinity(0, {cpus[0]})
    return cpus[0], cpus[1], f"client pinned to core {cpus[0]}, server to core {cpus[1]}"


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("langchain-core", "langchain-openai", "langchain-xai", "openai", "httpx2"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "absent"
    return out


def _git_state() -> dict[str, Any]:
    """The commit measured, and whether the package had uncommitted edits."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], capture_output=True, text=True, cwd=ROOT, timeout=10, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip()

    dirty = git("status", "--porcelain", "--", "langchain_cfgateway_grok")
    return {"commit": git("rev-parse", "--short", "HEAD"), "package_dirty": bool(dirty)}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds: a smoke test only")
    parser.add_argument(
        "--only", default="", help=f"comma-separated benchmarks: {', '.join(BENCHES)}"
    )
    parser.add_argument("--json", type=Path, default=None, help="write results to this file")
    parser.add_argument("--rounds", type=int, default=None, help="override the round count")
    parser.add_argument(
        "--stream-framing",
        choices=("chunked", "length"),
        default="chunked",
        help="SSE framing: one HTTP chunk per event (as served in production) or content-length",
    )
    args = parser.parse_args(argv)
    chosen = [_ALIASES.get(b, b) for b in args.only.split(",") if b] or list(BENCHES)
    unknown = [b for b in chosen if b not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHES)}")
    args.benches = [b for b in BENCHES if b in chosen]
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks and print tables, targets and (optionally) JSON."""
    args = parse_args(argv)
    settings = (
        Settings(rounds=2, batch_seconds=0.03, cold_runs=3)
        if args.quick
        else Settings(rounds=15, batch_seconds=0.06, cold_runs=20)
    )
    if args.rounds:
        settings.rounds = args.rounds
    warnings.simplefilter("ignore")  # one-off library warnings are not what is measured
    client_cpu, server_cpu, pin_note = _pin()
    started = time.perf_counter()
    with bench_server(server_cpu, 1800, args.stream_framing) as (url, pid):
        print(f"bench server {url} (pid {pid}, {args.stream_framing} SSE framing); {pin_note}")
        stacks, skipped = build_stacks(url)
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for name, stack in list(stacks.items()):
            try:
                stack.check()
                loop.run_until_complete(stack.acheck())
            except Exception as exc:
                if name != "grok":
                    raise
                reason = f"{type(exc).__name__}: {exc}"
                skipped[name] = f"ChatCloudflareGrok does not work yet ({reason})"
                del stacks[name]
        for name, reason in skipped.items():
            print(f"SKIPPED {name}: {reason}")
        print(f"stacks: {', '.join(stacks)}; benchmarks: {', '.join(args.benches)}")
        meter = ServerMeter(pid=pid, url=url)
        runner = Runner(stacks, settings, meter, loop)
        for bench in args.benches:
            if bench != "cold_start":
                getattr(runner, bench)()
        medians = runner.medians()
        cpu_medians = runner.medians(cpu=True)
        print_tables(medians, cpu_medians, settings.rounds)
        print(
            "\n(x httpx2: wall-clock ratio, judged below. cpu x: ratio of this process's CPU"
            " time, a diagnostic that load elsewhere on the machine hardly moves.)"
        )
        cold = None
        if "cold_start" in args.benches:
            names = [n for n in ("grok", "openai") if n in stacks]
            cold = cold_start(url, names, settings.cold_runs)
            print_cold(cold)
        share = meter.share()
        if share is not None:
            per = ", ".join(f"{b} {meter.share(b):.0%}" for b in meter.wall)
            print(f"\nserver CPU during the raw-httpx2 runs: {share:.0%} of one core ({per})")
        verdicts = judge(medians, cold, skipped)
        print_verdicts(verdicts)
        for stack in stacks.values():
            stack.close()
        loop.close()
    elapsed = time.perf_counter() - started
    print(f"\ntotal bench time {elapsed:.0f} s")
    if args.json:
        report = {
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": {
                "cores": os.cpu_count(),
                "cpu": _cpu_model(),
                "client_core": client_cpu,
                "server_core": server_cpu,
            },
            "versions": _versions(),
            "git": _git_state(),
            "settings": {**settings.__dict__, "stream_framing": args.stream_framing},
            "skipped": skipped,
            "medians": medians,
            "ratios_to_httpx2": {
                bench: {n: v / row["httpx2"] for n, v in row.items()}
                for bench, row in medians.items()
                if row.get("httpx2")
            },
            "client_cpu_medians": cpu_medians,
            "client_cpu_ratios_to_httpx2": {
                bench: {n: v / row["httpx2"] for n, v in row.items()}
                for bench, row in cpu_medians.items()
                if row.get("httpx2")
            },
            "cold_start": cold,
            "server_cpu_share": {"all": share, **{b: meter.share(b) for b in meter.wall}},
            "targets": [v.__dict__ for v in verdicts],
            "elapsed_seconds": elapsed,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
