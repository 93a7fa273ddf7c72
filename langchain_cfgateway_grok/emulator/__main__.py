"""Command line: serve the emulated gateway until a deadline.

```
python -m langchain_cfgateway_grok.emulator [--host 127.0.0.1] [--port N] [--max-seconds S]
```

The first line on stdout is the gateway root URL (e.g. `http://127.0.0.1:PORT/v1`), flushed, so a
script can read it and point a client at it; the Cloudflare API (REST chat route, logs API) is on
the same server under `/client/v4`. The process exits by itself after `--max-seconds`
(default 600), or on Ctrl-C / SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from langchain_cfgateway_grok.emulator._clock import FakeClock, RealClock
from langchain_cfgateway_grok.emulator._config import GatewayConfig
from langchain_cfgateway_grok.emulator._emulator import GatewayEmulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m langchain_cfgateway_grok.emulator",
        description="Offline Cloudflare AI Gateway + xAI Grok emulator (see docs/emulator.md).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default 0: any free)")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=600.0,
        help="exit after this many seconds (default 600)",
    )
    parser.add_argument(
        "--auth-token",
        action="append",
        default=[],
        metavar="TOKEN",
        help="require `cf-aig-authorization: Bearer TOKEN` on every gateway (repeatable)",
    )
    parser.add_argument(
        "--xai-key",
        action="append",
        default=None,
        metavar="KEY",
        help="keys the emulated xAI accepts (repeatable; default: any non-empty key)",
    )
    parser.add_argument(
        "--api-token",
        action="append",
        default=None,
        metavar="TOKEN",
        help=(
            "Cloudflare API tokens the REST chat route and the logs API under /client/v4 accept "
            "(repeatable; default: any non-empty token)"
        ),
    )
    parser.add_argument(
        "--cache-ttl",
        type=int,
        default=0,
        help="gateway cache TTL in seconds (default 0: caching off unless cf-aig-cache-key)",
    )
    parser.add_argument(
        "--clock",
        choices=("real", "fake"),
        default="real",
        help="real (default): TTLs and retry delays take real time; fake: they take none",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.max_seconds <= 0:
        sys.stderr.write("--max-seconds must be > 0\n")
        return 2
    try:
        config = GatewayConfig(auth_tokens=args.auth_token, cache_ttl=args.cache_ttl)
    except ValueError as e:
        sys.stderr.write(f"{e}\n")
        return 2
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    emulator = GatewayEmulator(
        default_gateway=config,
        xai_keys=args.xai_key,
        api_tokens=args.api_token,
        clock=RealClock() if args.clock == "real" else FakeClock(),
        host=args.host,
        port=args.port,
    )
    with emulator:
        sys.stdout.write(emulator.url + "\n")
        sys.stdout.flush()
        stop.wait(args.max_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
