"""Profile one stack's hot path against the bench server (cProfile; where the time goes).

Usage: `python bench/profile_stack.py [--stack grok]
[--op invoke|ainvoke|concurrent|tool_call|stream]
[--size 1000] [--calls N] [--top 25] [--out FILE.prof]`

Prints the top functions by own time (`tottime`) and by cumulative time, with
`file:line(function)` names, so a missed target in `bench/run.py` can be traced to code.
cProfile roughly doubles the cost of Python-heavy code; read shares, not absolute times.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # after the path tweak; also clears credential env vars


def _short_paths(text: str) -> str:
    """`site-packages/openai/_models.py` -> `openai/_models.py`; repo files relative to it."""
    prefixes = sorted({p for p in sys.path if p} | {str(bench.ROOT)}, key=len, reverse=True)
    for prefix in prefixes:
        text = text.replace(prefix.rstrip("/") + "/", "")
    return text


def main(argv: list[str] | None = None) -> int:
    """Run the chosen operation under cProfile and print the top of both orderings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="grok", choices=bench.STACKS)
    parser.add_argument(
        "--op",
        default="invoke",
        choices=("invoke", "ainvoke", "concurrent", "tool_call", "stream"),
        help="concurrent = one batch of 100 concurrent ainvoke calls",
    )
    parser.add_argument("--size", type=int, default=1000, choices=bench.STREAM_SIZES)
    parser.add_argument("--calls", type=int, default=None, help="default: about 2 s of work")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, default=None, help="also save raw stats here")
    parser.add_argument("--stream-framing", choices=("chunked", "length"), default="chunked")
    args = parser.parse_args(argv)
    _, server_cpu, pin_note = bench._pin()
    with bench.bench_server(server_cpu, 600, args.stream_framing) as (url, _pid):
        stacks, skipped = bench.build_stacks(url)
        if args.stack not in stacks:
            print(f"cannot profile {args.stack}: {skipped.get(args.stack, 'unavailable')}")
            return 1
        stack = stacks[args.stack]
        stack.check()
        loop = asyncio.new_event_loop()
        if args.op == "invoke":
            op = stack.invoke
        elif args.op == "tool_call":
            op = stack.tool_call
        elif args.op == "stream":

            def op() -> object:
                return stack.stream(args.size)

        elif args.op == "concurrent":

            def op() -> object:
                return loop.run_until_complete(bench._aconcurrent(stack.ainvoke, 1))

        else:

            def op() -> object:
                return loop.run_until_complete(stack.ainvoke())

        for _ in range(20):
            op()
        calls = args.calls or bench._calls_for(bench._timed(op, 5), 2.0)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(calls):
            op()
        profiler.disable()
        loop.close()
        stack.close()
    print(f"{args.stack} {args.op} x{calls} ({pin_note})")
    if args.out:
        profiler.dump_stats(args.out)
    for order in ("tottime", "cumulative"):
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats(order).print_stats(args.top)
        print(f"\n== top {args.top} by {order} ==")
        print(_short_paths(text.getvalue().split("\n\n", 2)[-1].rstrip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
