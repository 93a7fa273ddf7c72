"""The `cfgateway-grok` command: `doctor`, `chat` and `emulator`.

```
cfgateway-grok doctor [--no-request] [--model M] [--account-id A] [--gateway-id G] ...
cfgateway-grok chat "prompt" [--model M] [--max-tokens N] [--reasoning-effort E] ...
cfgateway-grok emulator [--port N] [--max-seconds S] ...   (same flags as the emulator module)
```

Secrets come only from the environment (`XAI_API_KEY`, `CLOUDFLARE_AI_GATEWAY_TOKEN`,
`CLOUDFLARE_API_TOKEN`), never from flags, so they stay out of shell history and process lists.
Exit codes: 0 fine, 1 a problem with the call, 2 a configuration or usage error (nothing was
sent).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from langchain_cfgateway_grok import _doctor
from langchain_cfgateway_grok._version import __version__

if TYPE_CHECKING:
    from langchain_core.messages import AIMessageChunk

    from langchain_cfgateway_grok.chat_models import ChatCloudflareGrok

_PROG = "cfgateway-grok"
_USD_PER_TICK = 1e-10
_PROBE_PROMPT = "ping"
_MODEL_FLAGS = (
    "model",
    "account_id",
    "gateway_id",
    "endpoint",
    "gateway_url",
    "base_url",
    "cloudflare_api_url",
)
_GROUP_TITLES = {"rest": "REST API route (used with --endpoint rest):"}


def _add_model_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "gateway (flags override the environment; secrets only from the environment)"
    )
    group.add_argument("--model", help="Grok model id (default grok-4.5)")
    group.add_argument("--account-id", help="Cloudflare account id (env CLOUDFLARE_ACCOUNT_ID)")
    group.add_argument("--gateway-id", help="AI Gateway id (env CLOUDFLARE_GATEWAY_ID)")
    group.add_argument(
        "--endpoint",
        help="route: grok (default), compat, or rest (Cloudflare's REST API, Unified Billing)",
    )
    group.add_argument(
        "--gateway-url", help="gateway root (env CLOUDFLARE_AI_GATEWAY_URL), e.g. an emulator's"
    )
    group.add_argument("--base-url", help="full route URL override (ids then optional)")
    group.add_argument(
        "--cloudflare-api-url",
        help="Cloudflare API root for --endpoint rest (env CLOUDFLARE_API_URL), e.g. an emulator's",
    )
    group.add_argument(
        "--timeout", type=float, default=60.0, help="client timeout in seconds (default 60)"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="xAI Grok through Cloudflare AI Gateway: check the set-up, chat, emulate.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    doctor = commands.add_parser(
        "doctor",
        help="show the resolved configuration and explain what one minimal call returns",
        description=(
            "Show the URL and credentials mode the model resolves to (secrets masked), make one "
            "minimal request (max_tokens=1, cache skipped) and explain the outcome. Exit 0 when "
            "it works, 1 on a problem with the call, 2 on a configuration error."
        ),
    )
    _add_model_flags(doctor)
    doctor.add_argument(
        "--no-request", action="store_true", help="only show the configuration; send nothing"
    )

    chat = commands.add_parser(
        "chat",
        help="one streamed call, then usage, cost and cache status",
        description="Stream one answer to the terminal, then usage, cost in USD and cache status.",
    )
    chat.add_argument("prompt", help="the user message")
    _add_model_flags(chat)
    chat.add_argument("--system", help="a system message to send first")
    chat.add_argument("--max-tokens", type=int, help="cap on answer tokens")
    chat.add_argument("--reasoning-effort", help="e.g. low, medium, high (model-dependent)")
    chat.add_argument("--show-reasoning", action="store_true", help="print reasoning to stderr")
    chat.add_argument("--skip-cache", action="store_true", help="bypass the gateway cache")
    chat.add_argument("--cache-ttl", type=int, help="cache the answer for this many seconds")

    commands.add_parser(
        "emulator",
        add_help=False,
        help="run the offline gateway emulator (flags: cfgateway-grok emulator --help)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "emulator":
        return _emulator(args_list[1:])
    args = _parser().parse_args(args_list)
    if args.command == "doctor":
        return doctor(args, environ=os.environ, out=sys.stdout)
    return chat(args, out=sys.stdout, err=sys.stderr)


# -- emulator -----------------------------------------------------------------------------------


def _emulator(argv: list[str]) -> int:
    try:
        from langchain_cfgateway_grok.emulator import __main__ as emulator_cli
    except ImportError as e:  # uvicorn is an extra
        sys.stderr.write(
            f"The emulator needs the `emulator` extra ({e.name} is missing). Fix: "
            "pip install 'langchain-cfgateway-grok[emulator]'\n"
        )
        return _doctor.EXIT_CONFIG
    return emulator_cli.main(argv)


# -- doctor -------------------------------------------------------------------------------------


def _flags(args: argparse.Namespace) -> dict[str, str | None]:
    return {name: getattr(args, name) for name in _MODEL_FLAGS}


def _model_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kwargs: dict[str, Any] = {k: v for k, v in _flags(args).items() if v is not None}
    kwargs["timeout"] = args.timeout
    return kwargs


def doctor(args: argparse.Namespace, *, environ: Mapping[str, str], out: TextIO) -> int:
    """`cfgateway-grok doctor`: show the configuration, probe once, explain; return exit code."""
    settings = _doctor.describe_settings(_flags(args), environ)
    by_name = {s.name: s for s in settings}
    api_key_set = by_name["api_key"].is_set
    token_set = by_name["gateway_token"].is_set
    api_token_set = by_name["cloudflare_api_token"].is_set
    print("Configuration (flag > environment > default):", file=out)
    _print_settings(settings, out)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = _build_model(args, max_retries=0)
        except ValueError as e:
            return _report(_doctor.config_problem(e), out)
    url = model.chat_url
    endpoint = model.endpoint_in_use
    print("Resolved:", file=out)
    print(f"  URL          POST {url}", file=out)
    print(f"  route        {endpoint}", file=out)
    if endpoint == "rest":
        gateway = (
            f"{model.gateway_id} (sent as cf-aig-gateway-id)"
            if model.gateway_id
            else "default (no cf-aig-gateway-id sent: the account's default gateway)"
        )
        print(f"  gateway      {gateway}", file=out)
    mode = _doctor.credentials_mode(
        api_key_set=api_key_set,
        token_set=token_set,
        endpoint=endpoint,
        api_token_set=api_token_set,
    )
    print(f"  credentials  {mode}", file=out)
    for warning in caught:
        print(f"  warning      {warning.message}", file=out)
    if args.no_request:
        print("No request sent (--no-request).", file=out)
        return _doctor.EXIT_OK

    print(
        f"Request: one call with max_tokens=1, cache skipped, to {model.model_name} ...", file=out
    )
    ctx = _doctor.CallContext(
        api_key_set=api_key_set,
        token_set=token_set,
        endpoint=model.endpoint_in_use,
        base_url_set=model.gateway_base_url is not None,
        model=model.model_name,
        url=url,
        api_token_set=api_token_set,
    )
    try:
        reply = model.invoke(_PROBE_PROMPT, max_tokens=1, gateway_options={"skip_cache": True})
    except Exception as e:  # every failure is explained, none is hidden
        return _report(_doctor.diagnose_error(e, ctx), out)
    finding = _doctor.diagnose_reply(
        requested_model=model.model_name,
        served_model=reply.response_metadata.get("model_name"),
        gateway=reply.response_metadata.get("gateway") or {},
    )
    return _report(finding, out)


def _print_settings(settings: Sequence[_doctor.Setting], out: TextIO) -> None:
    """Each group of settings aligned on its own, the gateway's first."""
    for group in dict.fromkeys(s.group for s in settings):
        members = [s for s in settings if s.group == group]
        if title := _GROUP_TITLES.get(group):
            print(f"  {title}", file=out)
        width = max(len(s.name) for s in members)
        for s in members:
            print(f"  {s.name:<{width}}  {s.shown}  [{s.source}]", file=out)


def _report(finding: _doctor.Finding, out: TextIO) -> int:
    print("Result:", file=out)
    for line in finding.render():
        print(f"  {line}", file=out)
    return finding.exit_code


def _build_model(args: argparse.Namespace, **extra: Any) -> ChatCloudflareGrok:
    from langchain_cfgateway_grok.chat_models import ChatCloudflareGrok

    return ChatCloudflareGrok(**_model_kwargs(args), **extra)


# -- chat ---------------------------------------------------------------------------------------


def chat(args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    """`cfgateway-grok chat`: stream one answer, then usage, cost and cache status."""
    try:
        model = _build_model(args)
    except ValueError as e:
        for line in _doctor.config_problem(e).render():
            print(line, file=err)
        return _doctor.EXIT_CONFIG
    messages: list[tuple[str, str]] = []
    if args.system:
        messages.append(("system", args.system))
    messages.append(("human", args.prompt))
    call = _chat_call_kwargs(args)
    total: AIMessageChunk | None = None
    try:
        for chunk in model.stream(messages, **call):
            reasoning = chunk.additional_kwargs.get("reasoning_content")
            if args.show_reasoning and reasoning:
                err.write(str(reasoning))
                err.flush()
            if chunk.text:
                out.write(chunk.text)
                out.flush()
            total = chunk if total is None else total + chunk
    except ValueError as e:
        print(f"\nInvalid request: {e}", file=err)
        return _doctor.EXIT_CONFIG
    except Exception as e:  # shown plainly; `doctor` explains in depth
        print(f"\nThe call failed: {e}", file=err)
        print(f"Run `{_PROG} doctor` for a diagnosis.", file=err)
        return _doctor.EXIT_PROBLEM
    print(file=out)
    if total is not None:
        print(_summary(total), file=out)
    return _doctor.EXIT_OK


def _chat_call_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Per-call arguments from the `chat` flags."""
    call: dict[str, Any] = {}
    if args.max_tokens is not None:
        call["max_tokens"] = args.max_tokens
    if args.reasoning_effort:
        call["reasoning_effort"] = args.reasoning_effort
    options: dict[str, Any] = {}
    if args.skip_cache:
        options["skip_cache"] = True
    if args.cache_ttl is not None:
        options["cache_ttl"] = args.cache_ttl
    if options:
        call["gateway_options"] = options
    return call


def _summary(message: AIMessageChunk) -> str:
    """One line: tokens, cost and what the gateway reported."""
    parts: list[str] = []
    usage = message.usage_metadata
    if usage:
        reasoning = (usage.get("output_token_details") or {}).get("reasoning")
        output = f"{usage['output_tokens']}" + (f" (reasoning {reasoning})" if reasoning else "")
        parts.append(
            f"tokens: input {usage['input_tokens']}, output {output}, total {usage['total_tokens']}"
        )
    ticks = message.response_metadata.get("cost_in_usd_ticks")
    if isinstance(ticks, int):
        parts.append(f"cost: ${ticks * _USD_PER_TICK:.6f}")
    gateway = message.response_metadata.get("gateway") or {}
    parts.append(f"cache: {gateway.get('cache_status', 'unknown')}")
    if "log_id" in gateway:
        parts.append(f"log id: {gateway['log_id']}")
    return "-- " + " | ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
