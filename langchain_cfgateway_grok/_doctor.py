"""`cfgateway-grok doctor`: what the configuration resolves to, and what a failed call means.

Pure functions apart from the one request the CLI makes: `describe_settings` says where every
setting comes from, `diagnose_error` / `diagnose_reply` turn what the gateway and xAI answered
into plain words. They read only signals the real gateway sends (HTTP status, the
`AiGatewayError` code, xAI's error text, the served model name); where a conclusion is an
inference rather than a reported fact, the finding says "likely".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from langchain_cfgateway_grok import _gateway, _profiles

#: Constructor field -> (environment variable, default shown when neither flag nor env is set).
SETTINGS: Final[dict[str, tuple[str | None, str | None]]] = {
    "model": (None, _profiles.DEFAULT_MODEL),
    "account_id": ("CLOUDFLARE_ACCOUNT_ID", None),
    "gateway_id": ("CLOUDFLARE_GATEWAY_ID", None),
    "endpoint": (None, f"{_gateway.DEFAULT_ENDPOINT} (or implied by base_url)"),
    "gateway_url": ("CLOUDFLARE_AI_GATEWAY_URL", _gateway.DEFAULT_GATEWAY_URL),
    "base_url": (None, None),
    "api_key": ("XAI_API_KEY", None),
    "gateway_token": ("CLOUDFLARE_AI_GATEWAY_TOKEN", None),
}
#: The REST API route's own settings (`endpoint="rest"`), shown as a group of their own.
REST_SETTINGS: Final[dict[str, tuple[str | None, str | None]]] = {
    "cloudflare_api_url": ("CLOUDFLARE_API_URL", _gateway.DEFAULT_CLOUDFLARE_API_URL),
    "cloudflare_api_token": ("CLOUDFLARE_API_TOKEN", None),
}
SECRET_SETTINGS: Final = frozenset({"api_key", "gateway_token", "cloudflare_api_token"})

EXIT_OK: Final = 0
EXIT_PROBLEM: Final = 1
EXIT_CONFIG: Final = 2

_MIN_LEN_TO_SHOW_TAIL: Final = 20
_TAIL: Final = 4


@dataclass(frozen=True)
class Setting:
    """One setting as the doctor shows it: masked value and where it came from."""

    name: str
    shown: str
    source: str
    is_set: bool
    group: str = "gateway"
    """`"gateway"` (every route) or `"rest"` (read only with `endpoint="rest"`)."""


@dataclass(frozen=True)
class Finding:
    """The doctor's conclusion about one call (or the configuration)."""

    ok: bool
    headline: str
    details: tuple[str, ...] = ()
    likely: bool = False
    """True when the headline is inferred from the signals, not reported by the gateway."""
    exit_code: int = field(default=EXIT_OK)

    def render(self) -> list[str]:
        """The finding as lines of text, headline first."""
        mark = "OK" if self.ok else "PROBLEM"
        lines = [f"{mark}: {self.headline}"]
        lines.extend(f"  {line}" for line in self.details)
        return lines


def mask_secret(value: str) -> str:
    """A secret as safe to print: an `xai-` prefix and the last 4 characters of long values.

    Short values show nothing but their length, so a short secret never appears at all.
    """
    prefix = "xai-" if value.startswith("xai-") else ""
    if len(value) >= _MIN_LEN_TO_SHOW_TAIL:
        return f"{prefix}…{value[-_TAIL:]} ({len(value)} chars)"
    return f"{prefix}**** ({len(value)} chars)"


def describe_settings(flags: Mapping[str, str | None], environ: Mapping[str, str]) -> list[Setting]:
    """Every setting the model reads, with its source: a flag, an env var, or the default.

    The gateway settings come first, then the REST API route's (`group="rest"`).

    Args:
        flags: Values given on the command line (None or absent: not given).
        environ: The environment (the model reads the same variables).
    """
    groups = (("gateway", SETTINGS), ("rest", REST_SETTINGS))
    return [
        _describe(name, env=env, default=default, group=group, flags=flags, environ=environ)
        for group, table in groups
        for name, (env, default) in table.items()
    ]


def _describe(
    name: str,
    *,
    env: str | None,
    default: str | None,
    group: str,
    flags: Mapping[str, str | None],
    environ: Mapping[str, str],
) -> Setting:
    flag = f"flag --{name.replace('_', '-')}"
    value, source = flags.get(name), flag
    if not value and env and environ.get(env):
        value, source = environ[env], f"env {env}"
    if value:
        shown = mask_secret(value) if name in SECRET_SETTINGS else value
        return Setting(name, shown, source, is_set=True, group=group)
    if default is not None:
        return Setting(name, default, "default", is_set=False, group=group)
    return Setting(name, "not set", f"set {env}" if env else flag, is_set=False, group=group)


def credentials_mode(
    *, api_key_set: bool, token_set: bool, endpoint: str = "grok", api_token_set: bool = False
) -> str:
    """How the model authenticates, in words.

    Matches `_gateway.credential_headers` on the gateway routes and
    `_gateway.rest_credential_headers` on the REST API route.
    """
    if endpoint == "rest":
        return _rest_credentials_mode(
            api_key_set=api_key_set, token_set=token_set, api_token_set=api_token_set
        )
    if api_key_set and token_set:
        return (
            "your xAI key (Authorization) + gateway token (cf-aig-authorization); "
            "any key stored in the gateway is not used while a key is sent"
        )
    if api_key_set:
        return "your xAI key (Authorization); no gateway token: the gateway must be unauthenticated"
    if token_set:
        return (
            "stored keys: gateway token (cf-aig-authorization) and no Authorization header; "
            "the gateway supplies the xAI key it stores (BYOK) or Unified Billing"
        )
    return "none: set XAI_API_KEY and/or CLOUDFLARE_AI_GATEWAY_TOKEN"


def _rest_credentials_mode(*, api_key_set: bool, token_set: bool, api_token_set: bool) -> str:
    if not api_token_set:
        return "none: the REST API route needs CLOUDFLARE_API_TOKEN (a Cloudflare API token)"
    unused = [
        name
        for name, is_set in (
            ("XAI_API_KEY", api_key_set),
            ("CLOUDFLARE_AI_GATEWAY_TOKEN", token_set),
        )
        if is_set
    ]
    note = f"; {' and '.join(unused)} set but not used on this route" if unused else ""
    return (
        "Cloudflare API token (Authorization) on the REST API; Cloudflare pays xAI "
        f"(Unified Billing){note}"
    )


@dataclass(frozen=True)
class CallContext:
    """What the doctor knows about the call it made, for reading the answer."""

    api_key_set: bool
    token_set: bool
    endpoint: str
    base_url_set: bool
    model: str
    url: str
    api_token_set: bool = False
    """A Cloudflare API token was configured (REST API route)."""


def diagnose_error(error: BaseException, ctx: CallContext) -> Finding:
    """Explain a failed call from the signals in `error` (status, gateway code, xAI text)."""
    code = getattr(error, "gateway_code", None)
    log_id = getattr(error, "log_id", None)
    tail = (f"gateway log id: {log_id}",) if log_id else ()
    if ctx.endpoint == "rest" and (finding := _rest_api_error(error, ctx)) is not None:
        return finding
    if code is not None:
        return _gateway_error(code, str(error), ctx, tail)
    return _provider_error(error, ctx, tail)


def cloudflare_api_codes(error: BaseException) -> tuple[int, ...]:
    """The codes of a Cloudflare API v4 error envelope (`{"errors": [{"code": ...}]}`), if any.

    The REST API answers its own errors (before any gateway work) in this envelope, not in the
    gateway's `AiGatewayError` one, so they carry no `gateway_code`.
    """
    body = getattr(error, "body", None)
    errors = body.get("errors") if isinstance(body, Mapping) else None
    if not isinstance(errors, list):
        return ()
    return tuple(
        item["code"]
        for item in errors
        if isinstance(item, Mapping) and isinstance(item.get("code"), int)
    )


def _rest_api_error(error: BaseException, ctx: CallContext) -> Finding | None:
    """The Cloudflare API itself refused a REST route call; None when it did not."""
    codes = cloudflare_api_codes(error)
    if 10000 in codes:
        return _problem(
            "Cloudflare API token missing or wrong; likely (the REST API answered "
            f"{getattr(error, 'status_code', 401)}, code 10000 Authentication error).",
            "On endpoint=rest, Authorization carries CLOUDFLARE_API_TOKEN: a Cloudflare API "
            "token (dashboard: My Profile > API Tokens) with AI Gateway permission on this "
            "account. An AI Gateway token or an xAI key is not one. Check that the token "
            "belongs to CLOUDFLARE_ACCOUNT_ID, is not revoked or expired and has no trailing "
            "newline; or pay with your own key on --endpoint grok with XAI_API_KEY.",
            likely=True,
        )
    if codes and getattr(error, "status_code", None) == 401:
        return _problem("The Cloudflare REST API refused the call (401).", str(error))
    return None


def _gateway_error(code: int, text: str, ctx: CallContext, tail: tuple[str, ...]) -> Finding:  # noqa: PLR0911  # one return per code reads clearest
    """The gateway itself answered (an `AiGatewayError` envelope with `code`)."""
    if code == 2001:
        return _problem(
            "The gateway does not exist (Cloudflare: 400, code 2001).",
            "No gateway with this id in this account. Check CLOUDFLARE_GATEWAY_ID "
            "(--gateway-id) against the dashboard (AI > AI Gateway) and CLOUDFLARE_ACCOUNT_ID "
            "(--account-id): the gateway must belong to that account.",
            *tail,
        )
    if code == 2009 and ctx.token_set:
        return _problem(
            "The gateway rejected the gateway token (Cloudflare: 401, code 2009).",
            "CLOUDFLARE_AI_GATEWAY_TOKEN was sent as cf-aig-authorization but is wrong, "
            "revoked, or lacks the AI Gateway Run permission. Create a token on the "
            "gateway's Settings page (Authenticated Gateway) and set it again.",
            *tail,
        )
    if code == 2009:
        return _problem(
            "The gateway requires a gateway token and none was sent (Cloudflare: 401, 2009).",
            "This is an authenticated gateway. Set CLOUDFLARE_AI_GATEWAY_TOKEN to an AI Gateway "
            "token with Run permission (or turn authentication off for the gateway).",
            *tail,
        )
    if code == 2021:
        fix = (
            "The REST API is paid through Unified Billing only: add credits, or pay with your "
            "own key on --endpoint grok with XAI_API_KEY."
            if ctx.endpoint == "rest"
            else "No xAI key was sent or stored, so Cloudflare pays xAI: add credits, set "
            "XAI_API_KEY, or store an xAI key in the gateway (BYOK)."
        )
        return _problem(
            "Unified Billing credits are exhausted (Cloudflare: 402, code 2021).", fix, *tail
        )
    if code == 2008 and ctx.endpoint == "rest":
        return _problem(
            "A gateway answered instead of the Cloudflare API (400, code 2008 Invalid provider).",
            f"{ctx.url}: cloudflare_api_url (CLOUDFLARE_API_URL, --cloudflare-api-url) is likely "
            f"a gateway root; the REST API's is {_gateway.DEFAULT_CLOUDFLARE_API_URL}.",
            *tail,
            likely=True,
        )
    if code == 2008 and ctx.endpoint == "compat" and not ctx.base_url_set:
        return _problem(
            "The gateway does not know the provider (Cloudflare: 400, code 2008).",
            f"On the compat route the model must be 'grok/<id>'; {ctx.model!r} was sent.",
            *tail,
        )
    if code == 2008:
        return _problem(
            "The URL names a provider the gateway does not know (Cloudflare: 400, code 2008).",
            f"Likely a typo in the route part of the URL {ctx.url}: it should end in "
            "/grok/v1/chat/completions (or /compat/chat/completions).",
            *tail,
            likely=True,
        )
    return _problem(f"The gateway refused the call (code {code}).", text, *tail)


def _provider_error(error: BaseException, ctx: CallContext, tail: tuple[str, ...]) -> Finding:  # noqa: PLR0911  # one return per signal reads clearest
    """No gateway code: xAI answered, the path was wrong, or nothing answered."""
    status = getattr(error, "status_code", None)
    text = str(error)
    if "Incorrect API key" in text:
        return _invalid_key(ctx, tail)
    if status == 401 and not ctx.api_key_set and ctx.endpoint != "rest":
        return _problem(
            "No xAI key reached xAI: likely none is stored in the gateway.",
            "In stored-keys mode (gateway token, no XAI_API_KEY) the gateway adds the xAI "
            "key it stores; xAI answered 401 'no API key'. Add an xAI key under the gateway's "
            "Provider Keys (BYOK), or set XAI_API_KEY to send your own.",
            *tail,
            likely=True,
        )
    if status == 401:
        return _problem("xAI refused the credentials (401).", text, *tail)
    if "Model not found" in text or "does not support chat completions" in text:
        current = ", ".join(m for m, row in _profiles.MODELS.items() if row.retired_to is None)
        return _problem(
            f"xAI does not serve the model {ctx.model!r} (400 Model not found).",
            "It is misspelled, deactivated or retired. Pass --model (or model=) with a current "
            f"id, e.g. {_profiles.DEFAULT_MODEL}. Known ids: {current}.",
            *tail,
        )
    if status == 404 and ctx.endpoint == "rest":
        return _problem(
            "The URL path was not found (404).",
            f"{ctx.url}: nothing answers at this path (likely a wrong cloudflare_api_url). The "
            "path should be {cloudflare_api_url}/accounts/<account_id>/ai/v1/chat/completions "
            f"with cloudflare_api_url {_gateway.DEFAULT_CLOUDFLARE_API_URL} (CLOUDFLARE_API_URL, "
            "--cloudflare-api-url).",
            *tail,
            likely=True,
        )
    if status == 404:
        where = (
            "xAI has no such route: the part after /grok is wrong (likely)"
            if "No route found" in text
            else "nothing answers at this path (likely a wrong base_url or gateway_url)"
        )
        return _problem(
            "The URL path was not found (404).",
            f"{ctx.url}: {where}. The path should be "
            ".../<account_id>/<gateway_id>/grok/v1/chat/completions; prefer --account-id and "
            "--gateway-id over a hand-written base_url.",
            *tail,
            likely=True,
        )
    kind = type(error).__name__
    if "Connection" in kind:
        return _problem(
            f"Could not connect to {ctx.url}.",
            f"{text} Check gateway_url / base_url, your network and any proxy.",
        )
    if "Timeout" in kind:
        return _problem(f"No answer from {ctx.url} in time.", text)
    return _problem(f"The call failed ({kind}).", text, *tail)


def _invalid_key(ctx: CallContext, tail: tuple[str, ...]) -> Finding:
    if ctx.api_key_set and ctx.token_set:
        return _problem(
            "xAI rejected the xAI key that was sent (400 Incorrect API key); the key stored in "
            "the gateway was likely not used because a key was sent.",
            "XAI_API_KEY is set, so the gateway forwarded that key to xAI instead of any key it "
            "stores. To use the stored key, unset XAI_API_KEY and keep "
            "CLOUDFLARE_AI_GATEWAY_TOKEN; otherwise fix XAI_API_KEY (console.x.ai).",
            *tail,
            likely=True,
        )
    if ctx.api_key_set:
        return _problem(
            "xAI rejected XAI_API_KEY (400 Incorrect API key).",
            "The gateway forwarded your key and xAI does not know it: copy it again from "
            "console.x.ai (a trailing newline or a revoked key are common causes).",
            *tail,
        )
    return _problem(
        "xAI rejected the key stored in the gateway (400 Incorrect API key), likely.",
        "No key was sent, so the gateway used its stored (BYOK) key: replace it under the "
        "gateway's Provider Keys.",
        *tail,
        likely=True,
    )


def diagnose_reply(
    *,
    requested_model: str,
    served_model: str | None,
    gateway: Mapping[str, object],
) -> Finding:
    """Explain a successful call: the gateway facts, and a retired or redirected model."""
    facts = ", ".join(f"{k}={gateway[k]}" for k in ("cache_status", "log_id") if k in gateway)
    bare = _gateway.xai_model_id(requested_model) or requested_model
    row = _profiles.lookup(bare)
    if row is not None and row.retired_to is not None:
        return _problem(
            f"The model {bare!r} is retired: xAI silently serves {row.retired_to!r} instead.",
            f"The call worked, but you are billed at {row.retired_to}'s prices. Pass --model "
            f"{row.retired_to} (or model={row.retired_to!r}).",
            f"xAI answered with model: {served_model}" if served_model else "",
        )
    details = [f"gateway: {facts}" if facts else "no cf-aig-* headers came back (not a gateway?)"]
    if served_model and served_model != bare:
        details.append(
            f"xAI answered with model {served_model!r} for {bare!r}: an alias or a redirect "
            "(likely)."
        )
    return Finding(
        ok=True,
        headline=f"the gateway and xAI answered (model {served_model or bare})",
        details=tuple(details),
    )


def config_problem(error: Exception) -> Finding:
    """A configuration the model refuses before sending anything."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    # pydantic wraps our ValueError: keep its message, drop the pydantic boilerplate.
    kept = [
        line.removeprefix("Value error, ").split(" [type=")[0]
        for line in lines
        if not line.startswith(("For further information", "1 validation error"))
    ]
    return Finding(
        ok=False,
        headline="The configuration is invalid; no request was sent.",
        details=tuple(kept),
        exit_code=EXIT_CONFIG,
    )


def _problem(headline: str, *details: str, likely: bool = False) -> Finding:
    return Finding(
        ok=False,
        headline=headline,
        details=tuple(d for d in details if d),
        likely=likely,
        exit_code=EXIT_PROBLEM,
    )
