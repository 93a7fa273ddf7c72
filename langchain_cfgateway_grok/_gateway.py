"""Where and how to reach Grok through Cloudflare AI Gateway: URLs, wire model ids, credentials.

Pure functions, no I/O and no LangChain imports, so every rule here is table-tested on its own
(`tests/unit_tests/test_gateway_urls.py`). Facts come from `gateway-protocol.md` §0-§3.

Endpoints (the `Endpoint` type):

- `"grok"`: the gateway's provider-native Grok route,
  `{gateway_url}/{account_id}/{gateway_id}/grok/v1/chat/completions`; the wire model id is xAI's
  bare id (`grok-4.5`).
- `"compat"`: the unified OpenAI-compatible route (deprecated by Cloudflare, still served),
  `{gateway_url}/{account_id}/{gateway_id}/compat/chat/completions`; the wire model id is
  `grok/<id>` or `dynamic/<route>`.
- `"rest"`: the Cloudflare REST API (§1.6),
  `{cloudflare_api_url}/accounts/{account_id}/ai/v1/chat/completions`; the wire model id is
  `xai/<id>`; a Cloudflare API token in `Authorization` (`rest_credential_headers`), the gateway
  chosen by the `cf-aig-gateway-id` header (default `default`), xAI billed through Unified Billing.

The per-endpoint facts live in two tables, `_ROUTE_PATHS` (path after the gateway ids, or after
the account for `rest`) and `_BASE_URL_SUFFIXES` (what a `base_url` ending implies; the `rest`
row also needs `/accounts/<id>` before it), plus one branch per endpoint in `wire_model`.

The Universal endpoint (§1.4, a JSON array of steps tried in order by the gateway) is not an
`Endpoint`: it wraps grok/compat requests. `universal_url` and `universal_steps` build it from
`StepSpec`s; `_fallbacks.py` turns the user's `FallbackStep`s into `StepSpec`s.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args
from urllib.parse import SplitResult, quote, urlsplit

Endpoint = Literal["grok", "compat", "rest"]
"""Gateway route for chat completions; see the module docstring for each one's URL and model id."""

ENDPOINTS: Final[tuple[Endpoint, ...]] = get_args(Endpoint)
DEFAULT_ENDPOINT: Final[Endpoint] = "grok"
DEFAULT_GATEWAY_URL: Final = "https://gateway.ai.cloudflare.com/v1"
DEFAULT_CLOUDFLARE_API_URL: Final = "https://api.cloudflare.com/client/v4"
#: Gateway the REST API uses when no `cf-aig-gateway-id` is sent (auto-created, §1.3/§1.6).
DEFAULT_REST_GATEWAY_ID: Final = "default"

_GATEWAY_HOST: Final = "gateway.ai.cloudflare.com"
_REST_API_HOST: Final = "api.cloudflare.com"
_CHAT_PATH: Final = "/chat/completions"

# Path between `{gateway_url}/{account_id}/{gateway_id}` and `/chat/completions`. The Grok page
# documents both `.../grok/v1/chat/completions` (cURL) and a `.../grok` SDK base URL (which makes
# the SDK post to `.../grok/chat/completions`); which one the gateway prefers is Unconfirmed, so
# built URLs use the cURL form and a `base_url` ending in `/grok` is kept as given.
# For `rest` the path follows `{cloudflare_api_url}/accounts/{account_id}` instead.
_ROUTE_PATHS: Final[dict[Endpoint, str]] = {
    "grok": "/grok/v1",
    "compat": "/compat",
    "rest": "/ai/v1",
}

# A `base_url` (with any `/chat/completions` removed) ending in one of these implies the endpoint.
# Segment-aligned: "/grok" matches ".../gw/grok" but not ".../gw/mygrok".
# The `rest` row counts only after `/accounts/<id>` (`_REST_BASE_RE`): a proxy of one's own may
# well end in `/ai/v1` without being Cloudflare's REST API.
_BASE_URL_SUFFIXES: Final[tuple[tuple[str, Endpoint], ...]] = (
    ("/grok/v1", "grok"),
    ("/grok", "grok"),
    ("/compat", "compat"),
    ("/ai/v1", "rest"),
)
_REST_BASE_RE: Final = re.compile(r"/accounts/[^/]+/ai/v1$")

# Compat model prefixes: `grok/` is the gateway's documented prefix for xAI; `dynamic/` names a
# dynamic route (compat only). Any other prefix is a different provider or naming scheme.
_COMPAT_PASSTHROUGH_PREFIXES: Final = ("grok", "dynamic")
_GROK_STRIPPED_PREFIXES: Final = ("grok", "xai")

# --- ids -----------------------------------------------------------------------------------------

# Cloudflare account ids are 32 lower-case hex characters (API schemas: `maxLength: 32`; every
# documented example, e.g. 023e105f4ecef8ad9ca31a8372d0c353).
_ACCOUNT_ID_RE: Final = re.compile(r"[0-9a-f]{32}")
# Gateway ids: the API documents only `minLength: 1, maxLength: 64` ("Gateway name has a 64
# character limit", manage-gateway docs); no character set is documented, so we allow the
# URL-unreserved slug characters [A-Za-z0-9._-], refuse `..` and a lone `.` (path traversal /
# dot-segment normalisation), and cap at 64.
_SLUG_RE: Final = re.compile(r"[A-Za-z0-9._-]+")
_GATEWAY_ID_MAX_LEN: Final = 64
_EXAMPLE_ACCOUNT_ID: Final = "023e105f4ecef8ad9ca31a8372d0c353"

# Characters that would change the URL's meaning if they reached the path; named in messages.
_URL_SYNTAX_CHARS: Final[dict[str, str]] = {
    "/": "it would add a path segment",
    "?": "it would start a query string",
    "#": "it would start a fragment",
    "%": "it would be read as a percent-escape",
}


def check_id(value: str, *, field: str, env: str) -> str:
    """Check a Cloudflare id before it goes into a URL path; return it unchanged.

    Rules: `account_id` must be 32 lower-case hex characters (Cloudflare's format). `gateway_id`
    (and any other id) must be 1-64 characters from `[A-Za-z0-9._-]`, without `..` and not `.`
    alone. Gateway ids have no documented character set, so this allowlist is ours; it covers
    every id the dashboard creates and keeps ids path-safe.

    Args:
        value: The id as configured.
        field: Constructor field name, used in the message (`"account_id"`, `"gateway_id"`).
        env: Environment variable the field falls back to, used in the message.

    Returns:
        `value`, unchanged.

    Raises:
        ValueError: The id breaks a rule. The message names the field, its env var, the rule and
            the fix; it describes the bad value (length, offending character) without echoing it,
            in case a secret was pasted into the wrong variable.
    """
    problem: str | None
    if field == "account_id":
        if isinstance(value, str) and _ACCOUNT_ID_RE.fullmatch(value):
            return value
        problem = _id_problem(value, max_len=32) or _account_id_problem(value)
        rule = (
            "Cloudflare account ids are 32 lower-case hex characters, e.g. "
            f"{_EXAMPLE_ACCOUNT_ID} (dashboard: Account home > Copy account ID)"
        )
    else:
        max_len = _GATEWAY_ID_MAX_LEN if field == "gateway_id" else None
        problem = _id_problem(value, max_len=max_len)
        if problem is None:
            return value
        limit = f"1-{max_len}" if max_len else "1 or more"
        rule = f"`{field}` takes {limit} characters from A-Z a-z 0-9 . _ - (no '..', not '.' alone)"
    msg = (
        f"Invalid `{field}` (env {env}): {problem}. {rule}. "
        f"Fix: pass {field}=... or set {env} to the id shown in the Cloudflare dashboard."
    )
    raise ValueError(msg)


def _id_problem(value: object, *, max_len: int | None) -> str | None:  # noqa: PLR0911  # one return per rule reads clearest
    """Describe why `value` is not a path-safe slug, or return None if it is one."""
    if not isinstance(value, str):
        return f"expected a string, got {type(value).__name__}"
    if not value:
        return "it is empty"
    if value != value.strip():
        return "it has leading or trailing whitespace (often a newline copied into the env var)"
    for index, char in enumerate(value):
        if char in _URL_SYNTAX_CHARS:
            return f"it contains {char!r} at position {index}; {_URL_SYNTAX_CHARS[char]}"
        if not (char.isascii() and (char.isalnum() or char in "._-")):
            shown = repr(char) if char.isprintable() else f"U+{ord(char):04X}"
            return f"it contains {shown} at position {index}, which is not allowed"
    if ".." in value or value == ".":
        return "it contains '..' or is '.', which URL normalisation would remove"
    if max_len is not None and len(value) > max_len:
        return f"it is {len(value)} characters long; the limit is {max_len}"
    return None


def _account_id_problem(value: str) -> str:
    """Describe why a path-safe `value` is still not an account id."""
    if len(value) == 32 and re.fullmatch(r"[0-9a-fA-F]{32}", value):
        return "it contains upper-case letters; account ids are lower-case (use value.lower())"
    return f"it is {len(value)} characters long and not all lower-case hex"


# --- URLs ----------------------------------------------------------------------------------------


def check_endpoint(value: object) -> Endpoint:
    """Return `value` as an `Endpoint`, or raise a ValueError listing the known endpoints."""
    if value in ENDPOINTS:
        return value
    msg = (
        f"Unknown `endpoint` {value!r}: expected one of {', '.join(map(repr, ENDPOINTS))}. "
        "Fix: pass endpoint='grok' (the default, xAI's native API), endpoint='compat' or "
        "endpoint='rest' (the Cloudflare REST API)."
    )
    raise ValueError(msg)


def resolve_chat_url(
    *,
    base_url: str | None,
    gateway_url: str,
    account_id: str | None,
    gateway_id: str | None,
    endpoint: Endpoint | None,
    cloudflare_api_url: str = DEFAULT_CLOUDFLARE_API_URL,
) -> tuple[str, Endpoint]:
    """Full POST URL for chat completions, and the endpoint it serves.

    Precedence: an explicit `base_url` wins and makes the ids optional; otherwise the URL is
    built from `gateway_url` (or `cloudflare_api_url` for `rest`), `account_id`, `gateway_id`
    and `endpoint`:

    | input | URL | endpoint |
    |---|---|---|
    | ids, `grok` (default) | `{gateway_url}/{account}/{gateway}/grok/v1/chat/completions` | grok |
    | ids, `compat` | `{gateway_url}/{account}/{gateway}/compat/chat/completions` | compat |
    | account id, `rest` | `{cloudflare_api_url}/accounts/{account}/ai/v1/chat/completions` | rest |
    | `base_url` ending `/grok` or `/grok/v1` | `{base_url}/chat/completions` | grok |
    | `base_url` ending `/compat` | `{base_url}/chat/completions` | compat |
    | `base_url` ending `/accounts/<id>/ai/v1` | `{base_url}/chat/completions` | rest |
    | `base_url` ending `.../chat/completions` | `base_url` as is | from what precedes it |
    | any other `base_url` (a proxy) | `{base_url}/chat/completions` | as given, else grok |

    A `base_url` ending in `/grok` is used as given (the SDK form on Cloudflare's Grok page), so it
    posts to `.../grok/chat/completions`; pass `.../grok/v1` for the cURL form. Trailing slashes
    are ignored; the result never contains `/v1/v1` or an empty path segment. On `rest` the
    gateway id is not part of the URL: send it with `rest_credential_headers`.

    Args:
        base_url: Full override (a proxy, or a copied gateway URL); may end in `/chat/completions`.
        gateway_url: Gateway root, e.g. `DEFAULT_GATEWAY_URL` or an emulator's `http://127.0.0.1:port/v1`.
        account_id: Cloudflare account id (required without `base_url`).
        gateway_id: Gateway id (required without `base_url`, except on `rest`).
        endpoint: Requested endpoint, or None to infer it (default `"grok"`).
        cloudflare_api_url: Cloudflare API root for `rest` (env `CLOUDFLARE_API_URL`), e.g.
            `DEFAULT_CLOUDFLARE_API_URL` or an emulator's `http://127.0.0.1:port/client/v4`.

    Returns:
        `(url, endpoint)`.

    Raises:
        ValueError: Malformed URL, bad or missing id, unknown endpoint, or an `endpoint` that
            conflicts with the one `base_url` implies. Messages name the field and the fix.
    """
    if endpoint is not None:
        check_endpoint(endpoint)
    if base_url is not None and base_url != "":
        return _url_from_base(base_url, endpoint)
    if endpoint == "rest":
        return _rest_url(cloudflare_api_url, account_id), "rest"
    root = _check_url(gateway_url, field="gateway_url", env="CLOUDFLARE_AI_GATEWAY_URL")
    _refuse_full_url_as_root(root)
    account, gateway = _gateway_path_ids(account_id, gateway_id)
    effective: Endpoint = endpoint or DEFAULT_ENDPOINT
    return f"{root}/{account}/{gateway}{_ROUTE_PATHS[effective]}{_CHAT_PATH}", effective


def _gateway_path_ids(account_id: str | None, gateway_id: str | None) -> tuple[str, str]:
    """Both ids checked and quoted for a gateway-scoped path; a clear error when one is missing."""
    if not account_id or not gateway_id:
        missing = [
            f"`{name}` (env {env})"
            for name, env, value in (
                ("account_id", "CLOUDFLARE_ACCOUNT_ID", account_id),
                ("gateway_id", "CLOUDFLARE_GATEWAY_ID", gateway_id),
            )
            if not value
        ]
        msg = (
            f"Cloudflare AI Gateway is not configured: {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing. Fix: pass account_id= and "
            "gateway_id= (or set CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_GATEWAY_ID), or pass the "
            "full base_url=."
        )
        raise ValueError(msg)
    account = quote(check_id(account_id, field="account_id", env="CLOUDFLARE_ACCOUNT_ID"), safe="")
    gateway = quote(check_id(gateway_id, field="gateway_id", env="CLOUDFLARE_GATEWAY_ID"), safe="")
    return account, gateway


def check_cloudflare_api_url(value: object) -> str:
    """Validate a Cloudflare API root (`cloudflare_api_url`); return it without trailing slashes.

    It must be the root (`https://api.cloudflare.com/client/v4`, or an emulator's
    `http://127.0.0.1:PORT/client/v4`), not a URL that already names an account or a route.
    """
    root = _check_url(value, field="cloudflare_api_url", env="CLOUDFLARE_API_URL")
    path = urlsplit(root).path
    if "/accounts/" in path + "/" or path.endswith((_CHAT_PATH, "/ai/v1")):
        msg = (
            f"`cloudflare_api_url` (env CLOUDFLARE_API_URL) {_redact(root)!r} already contains an "
            f"account or a route; it should be the API root, e.g. {DEFAULT_CLOUDFLARE_API_URL}. "
            "Fix: cut it back to the root (the client adds /accounts/<account_id>/...), or pass "
            "the full chat URL as base_url=."
        )
        raise ValueError(msg)
    return root


def _rest_url(cloudflare_api_url: str, account_id: str | None) -> str:
    root = check_cloudflare_api_url(cloudflare_api_url)
    if not account_id:
        msg = (
            "The Cloudflare REST API route (endpoint='rest') needs `account_id` (env "
            "CLOUDFLARE_ACCOUNT_ID). Fix: pass account_id= or set CLOUDFLARE_ACCOUNT_ID (the "
            "gateway id is optional here: it is sent as the cf-aig-gateway-id header)."
        )
        raise ValueError(msg)
    account = quote(check_id(account_id, field="account_id", env="CLOUDFLARE_ACCOUNT_ID"), safe="")
    return f"{root}/accounts/{account}{_ROUTE_PATHS['rest']}{_CHAT_PATH}"


def _url_from_base(base_url: str, endpoint: Endpoint | None) -> tuple[str, Endpoint]:
    """Resolve an explicit `base_url` (already known to be non-empty)."""
    url = _check_url(base_url, field="base_url", env=None)
    parts = urlsplit(url)
    path = parts.path
    full = path.endswith(_CHAT_PATH)
    prefix = path[: -len(_CHAT_PATH)] if full else path
    implied, suffix = None, ""
    for candidate, route in _BASE_URL_SUFFIXES:
        if prefix.endswith(candidate) and (route != "rest" or _REST_BASE_RE.search(prefix)):
            implied, suffix = route, candidate
            break
    if implied is None:
        if parts.hostname == _REST_API_HOST:
            msg = (
                f"`base_url` {_redact(url)!r} is on the Cloudflare REST API "
                f"({_REST_API_HOST}) but does not end in /accounts/<account_id>/ai/v1 "
                "(optionally followed by /chat/completions). Fix: pass endpoint='rest' with "
                "account_id= instead of base_url, or use the full "
                f"{DEFAULT_CLOUDFLARE_API_URL}/accounts/<account_id>/ai/v1."
            )
            raise ValueError(msg)
        if parts.hostname == _GATEWAY_HOST:
            msg = (
                f"`base_url` {_redact(url)!r} is on {_GATEWAY_HOST} but does not end in a route "
                "(/grok, /grok/v1 or /compat, optionally followed by /chat/completions). Fix: "
                "append the route, e.g. .../<account_id>/<gateway_id>/grok/v1, or pass "
                "account_id= and gateway_id= instead of base_url."
            )
            raise ValueError(msg)
        effective: Endpoint = endpoint or DEFAULT_ENDPOINT
    elif endpoint is not None and endpoint != implied:
        ending = suffix + (_CHAT_PATH if full else "")
        msg = (
            f"`base_url` ends in {ending!r}, which implies endpoint={implied!r}, but "
            f"endpoint={endpoint!r} was given. Fix: drop endpoint= (it is inferred from base_url), "
            f"or change base_url to end in {_ROUTE_PATHS[endpoint]!r}."
        )
        raise ValueError(msg)
    else:
        effective = implied
    return (url if full else url + _CHAT_PATH), effective


def _refuse_full_url_as_root(root: str) -> None:
    """Catch a route-level URL passed as `gateway_url`, which would be extended a second time."""
    parts = urlsplit(root)
    if parts.hostname == _REST_API_HOST:
        msg = (
            f"`gateway_url` (env CLOUDFLARE_AI_GATEWAY_URL) {_redact(root)!r} is the Cloudflare "
            f"REST API, not a gateway root such as {DEFAULT_GATEWAY_URL}. Fix: for the REST API "
            "pass endpoint='rest' (its root is cloudflare_api_url, env CLOUDFLARE_API_URL); "
            "otherwise unset gateway_url to use the default."
        )
        raise ValueError(msg)
    path = parts.path
    if path.endswith(_CHAT_PATH) or any(path.endswith(s) for s, _ in _BASE_URL_SUFFIXES):
        msg = (
            f"`gateway_url` (env CLOUDFLARE_AI_GATEWAY_URL) {_redact(root)!r} already contains a "
            f"route; it should be the gateway root, e.g. {DEFAULT_GATEWAY_URL}. "
            "Fix: pass the full URL as base_url=, or cut it back to the root."
        )
        raise ValueError(msg)


def _check_url(value: object, *, field: str, env: str | None) -> str:
    """Validate a gateway root or base URL; return it without trailing slashes."""
    where = f"`{field}`" + (f" (env {env})" if env else "")
    if not isinstance(value, str):
        msg = f"{where} must be a string URL, got {type(value).__name__}."
        # ValueError, not TypeError: pydantic validators report it as a field error.
        raise ValueError(msg)
    problem = _url_problem(value)
    if problem is not None:
        example = {
            "gateway_url": f"{DEFAULT_GATEWAY_URL}.",
            "cloudflare_api_url": f"{DEFAULT_CLOUDFLARE_API_URL}.",
        }.get(field, f"{DEFAULT_GATEWAY_URL}/<account_id>/<gateway_id>/grok/v1.")
        msg = (
            f"{where} {_redact(value)!r} is not a usable URL: {problem}. Fix: pass an "
            f"http(s) URL such as {example}"
        )
        raise ValueError(msg)
    return value.rstrip("/")


def _url_problem(value: str) -> str | None:  # noqa: PLR0911  # one return per rule reads clearest
    """Say what is wrong with `value` as a gateway URL, or return None."""
    if not value.isascii() or not value.isprintable() or " " in value:
        return "it contains whitespace, a control character (CR/LF) or non-ASCII text"
    if "?" in value or "#" in value:
        return "it has a query string or fragment; the gateway routes on the path only"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  # raises ValueError for a malformed port
    except ValueError:
        return "its host or port cannot be parsed"
    if parts.scheme not in ("http", "https"):
        return "the scheme must be http or https"
    if not parts.hostname:
        return "it has no host"
    if "@" in parts.netloc:
        return "it contains user:password credentials; pass gateway_token= instead"
    segments = parts.path.rstrip("/").split("/")[1:]
    if "" in segments:
        return "its path contains an empty segment ('//')"
    if any(a == b == "v1" for a, b in itertools.pairwise(segments)):
        return "its path contains '/v1/v1'"
    if any(segment in (".", "..") for segment in segments):
        return "its path contains a '.' or '..' segment"
    return None


def _redact(url: str) -> str:
    """`url` without credentials, query or fragment, for error messages."""
    head = url.split("?", 1)[0].split("#", 1)[0]
    try:
        parts: SplitResult = urlsplit(head)
    except ValueError:
        return "<unparsable URL>"
    if "@" in parts.netloc:
        head = head.replace(parts.netloc, parts.netloc.rsplit("@", 1)[1], 1)
    return head[:200]


def same_origin(url_a: str, url_b: str) -> bool:
    """True when both URLs share scheme, host and port (default ports filled in).

    Used to send `cf-aig-authorization` only to the gateway's origin, never to a host a redirect
    or a user-supplied client might reach. Never raises: an unparsable URL has no origin.
    """
    origin_a = _origin(url_a)
    return origin_a is not None and origin_a == _origin(url_b)


_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


@functools.lru_cache(maxsize=256)
def _origin(url: str) -> tuple[str, str, int] | None:
    """`(scheme, host, port)` of an http(s) URL, or None; cached: transports ask per request."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except (ValueError, TypeError):
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname, port or _DEFAULT_PORTS[scheme]


# --- model ids -----------------------------------------------------------------------------------


def wire_model(model: str, endpoint: Endpoint) -> str:
    """The model id to send on `endpoint`.

    | endpoint | `grok-4.5` | `grok/grok-4.5` | `xai/grok-4.5` | `dynamic/r` | `openai/gpt-x` |
    |---|---|---|---|---|---|
    | `grok` | `grok-4.5` | `grok-4.5` | `grok-4.5` | error | error |
    | `compat` | `grok/grok-4.5` | `grok/grok-4.5` | error (2008) | `dynamic/r` | error (2008) |
    | `rest` | `xai/grok-4.5` | `xai/grok-4.5` | `xai/grok-4.5` | error | error |

    Args:
        model: Model id as configured, with or without a provider prefix.
        endpoint: The endpoint the request goes to.

    Returns:
        The id for the request body's `model`.

    Raises:
        ValueError: Empty model, a prefix the endpoint does not accept (on compat the gateway
            answers such a request with `400 Invalid provider`, code 2008), or unknown endpoint.
    """
    check_endpoint(endpoint)
    if not isinstance(model, str) or not model.strip():
        msg = "`model` is empty. Fix: pass a Grok model id such as model='grok-4.5'."
        raise ValueError(msg)
    if model != model.strip():
        msg = f"`model` {model!r} has leading or trailing whitespace. Fix: pass {model.strip()!r}."
        raise ValueError(msg)
    prefix, slash, rest = model.partition("/")
    if slash and not rest:
        msg = f"`model` {model!r} has a prefix but no model id. Fix: pass e.g. '{prefix}/grok-4.5'."
        raise ValueError(msg)
    if endpoint == "grok":
        if not slash:
            return model
        if prefix in _GROK_STRIPPED_PREFIXES:
            return rest
        if prefix == "dynamic":
            msg = (
                f"`model` {model!r} names a dynamic route, which the gateway serves only on the "
                "compat endpoint. Fix: pass endpoint='compat'."
            )
            raise ValueError(msg)
        msg = (
            f"`model` {model!r} has the provider prefix {prefix + '/'!r}, but the grok endpoint "
            "serves xAI models only. Fix: pass the bare xAI id, e.g. model='grok-4.5'."
        )
        raise ValueError(msg)
    if endpoint == "rest":
        return _rest_model(model, prefix, rest if slash else None)
    # compat
    if not slash:
        return f"grok/{model}"
    if prefix in _COMPAT_PASSTHROUGH_PREFIXES:
        return model
    if prefix == "xai":
        fix = (
            f"'xai/' is the Cloudflare REST API's and Workers AI's naming, not compat's. "
            f"Fix: pass model='grok/{rest}' or the bare id {rest!r} (the client adds 'grok/')."
        )
    else:
        fix = (
            "This client reaches xAI only. Fix: pass a Grok id such as 'grok-4.5' or "
            "'grok/grok-4.5', or 'dynamic/<route>' for a dynamic route."
        )
    msg = (
        f"`model` {model!r} has the prefix {prefix + '/'!r}, which the compat endpoint does not "
        f"route to xAI: the gateway would answer 400 'Invalid provider' (code 2008). {fix}"
    )
    raise ValueError(msg)


def _rest_model(model: str, prefix: str, rest: str | None) -> str:
    """`xai/<id>` for the REST API (§1.6), from a bare, `grok/` or `xai/` id."""
    if rest is None:
        return f"xai/{model}"
    if prefix in _GROK_STRIPPED_PREFIXES:
        return f"xai/{rest}"
    if prefix == "dynamic":
        fix = "Fix: pass endpoint='compat' for dynamic routes, or an xAI id such as 'grok-4.5'."
        msg = (
            f"`model` {model!r} names a dynamic route, which the gateway serves only on the "
            f"compat endpoint, not on the REST API. {fix}"
        )
        raise ValueError(msg)
    msg = (
        f"`model` {model!r} has the provider prefix {prefix + '/'!r}; this client reaches xAI "
        "only, which the REST API names 'xai/<id>'. Fix: pass a Grok id such as 'grok-4.5' "
        "(the client sends 'xai/grok-4.5')."
    )
    raise ValueError(msg)


def xai_model_id(model: str) -> str | None:
    """The bare xAI model id, for looking a model up in the profile table; never raises.

    `grok-4.5`, `grok/grok-4.5` and `xai/grok-4.5` all give `grok-4.5`. A dynamic route
    (`dynamic/<route>`) gives None: the gateway picks the model, so there is nothing to look up.
    Any other prefix also gives None (`wire_model` refuses those anyway).
    """
    prefix, slash, rest = model.partition("/")
    if not slash:
        return model
    return rest if prefix in _GROK_STRIPPED_PREFIXES and rest else None


# --- credentials ---------------------------------------------------------------------------------


def credential_headers(*, api_key: str | None, gateway_token: str | None) -> dict[str, str]:
    """Authentication headers for the gateway and for xAI.

    - `api_key` (your xAI key) -> `authorization: Bearer <key>`, forwarded by the gateway to xAI.
    - `gateway_token` (an AI Gateway token) -> `cf-aig-authorization: Bearer <token>`.
    - A gateway token and no xAI key is stored-keys mode (BYOK / Unified Billing): no
      `authorization` header at all, since the gateway forwards any provider key it is given,
      even a placeholder, and then ignores the stored one.

    A value given with a `Bearer ` prefix is sent with exactly one. None and `""` count as not
    given (an env var set to the empty string is common in CI).

    Raises:
        ValueError: Neither credential, or one that cannot be sent in a header (whitespace, a
            newline, non-ASCII). The message names the field and env var, never the value.
    """
    key = _bearer_credential(api_key, field="api_key", env="XAI_API_KEY")
    token = _bearer_credential(
        gateway_token, field="gateway_token", env="CLOUDFLARE_AI_GATEWAY_TOKEN"
    )
    if key is None and token is None:
        msg = (
            "No credentials for Cloudflare AI Gateway. Fix: pass api_key= (or set XAI_API_KEY) "
            "to send your xAI key, and/or gateway_token= (or set CLOUDFLARE_AI_GATEWAY_TOKEN) for "
            "an authenticated gateway; a gateway_token alone uses the keys stored in the gateway "
            "(BYOK or Unified Billing)."
        )
        raise ValueError(msg)
    headers: dict[str, str] = {}
    if key is not None:
        headers["authorization"] = f"Bearer {key}"
    if token is not None:
        headers["cf-aig-authorization"] = f"Bearer {token}"
    return headers


def rest_credential_headers(
    *, api_token: str | None, gateway_id: str | None, api_key: str | None = None
) -> dict[str, str]:
    """Headers for the Cloudflare REST API route (`endpoint="rest"`, §1.6).

    - `api_token` (a Cloudflare API token with AI Gateway permission) ->
      `authorization: Bearer <token>`: on api.cloudflare.com `Authorization` carries the
      Cloudflare token, not a provider key.
    - `gateway_id` -> `cf-aig-gateway-id: <id>`; None sends no header, so the API uses the
      account's `default` gateway.

    xAI is billed through Unified Billing on this route, so there is no place for an xAI key.

    Args:
        api_token: The Cloudflare API token (env `CLOUDFLARE_API_TOKEN`), with or without a
            `Bearer ` prefix.
        gateway_id: The gateway to log and cache through, or None for `default`.
        api_key: The xAI key, if one was configured; given one, this raises (see below).

    Raises:
        ValueError: An xAI `api_key` was given (it would be sent as the Cloudflare token and
            refused with 10000 "Authentication error"), no `api_token`, a token that cannot be
            sent in a header, or a bad `gateway_id`. Messages never contain the values.
    """
    if api_key is not None and api_key != "":
        msg = (
            "`api_key` (env XAI_API_KEY) cannot be used with endpoint='rest': the Cloudflare "
            "REST API takes a Cloudflare API token in Authorization and pays xAI through "
            "Unified Billing, so an xAI key would be sent as the Cloudflare token and refused "
            "(10000 Authentication error). Fix: drop api_key= (unset XAI_API_KEY for this "
            "model) and pass cloudflare_api_token= (env CLOUDFLARE_API_TOKEN), or use "
            "endpoint='grok' to pay with your own xAI key."
        )
        raise ValueError(msg)
    token = _bearer_credential(api_token, field="cloudflare_api_token", env="CLOUDFLARE_API_TOKEN")
    if token is None:
        msg = (
            "The Cloudflare REST API route (endpoint='rest') needs a Cloudflare API token. Fix: "
            "pass cloudflare_api_token= or set CLOUDFLARE_API_TOKEN (dashboard: My Profile > "
            "API Tokens, with AI Gateway permission; not an AI Gateway token and not an xAI key)."
        )
        raise ValueError(msg)
    headers = {"authorization": f"Bearer {token}"}
    if gateway_id:
        headers["cf-aig-gateway-id"] = check_id(
            gateway_id, field="gateway_id", env="CLOUDFLARE_GATEWAY_ID"
        )
    return headers


_BEARER_PREFIX_RE: Final = re.compile(r"bearer[ \t]+", re.IGNORECASE)


def _bearer_credential(value: object, *, field: str, env: str) -> str | None:
    """The bare credential without a `Bearer ` prefix, None when not given."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        msg = f"`{field}` (env {env}) must be a string, got {type(value).__name__}."
        # ValueError, not TypeError: pydantic validators report it as a field error.
        raise ValueError(msg)
    match = _BEARER_PREFIX_RE.match(value)
    start = match.end() if match else 0
    bare = value[start:]
    if not bare:
        problem = "is empty after its 'Bearer ' prefix"
    else:
        # Visible ASCII only (0x21-0x7E): anything else cannot be part of one header token.
        bad = next((i for i, char in enumerate(bare) if not "!" <= char <= "~"), None)
        if bad is None:
            return bare
        problem = (
            f"contains whitespace, a control character or non-ASCII text at position {start + bad}"
        )
    msg = (
        f"`{field}` (env {env}) {problem}, so it cannot be sent in an HTTP header. "
        f"Fix: set {field}= / {env} to the bare credential (a trailing newline is a common cause)."
    )
    raise ValueError(msg)


# --- response headers ----------------------------------------------------------------------------

# Response header -> key in `response_metadata["gateway"]` (gateway-protocol.md §3); `cf-aig-step`
# and `cf-aig-dlp` are parsed separately below.
_RESPONSE_HEADER_KEYS: Final[dict[str, str]] = {
    "cf-aig-cache-status": "cache_status",
    "cf-aig-log-id": "log_id",
    "cf-aig-request-id": "request_id",
    "cf-aig-event-id": "event_id",
    "cf-aig-model": "model",
    "cf-aig-provider": "provider",
}
_MAX_STEP_DIGITS: Final = 9


def parse_gateway_headers(headers: Mapping[str, str]) -> dict[str, Any]:
    """What the gateway reported about a response, from its `cf-aig-*` headers.

    | header | key | value |
    |---|---|---|
    | `cf-aig-cache-status` | `cache_status` | as sent (`HIT`/`MISS`) |
    | `cf-aig-log-id` | `log_id` | as sent |
    | `cf-aig-request-id` | `request_id` | as sent |
    | `cf-aig-event-id` | `event_id` | as sent |
    | `cf-aig-step` | `step` | int; omitted unless a non-negative decimal integer |
    | `cf-aig-model` | `model` | as sent (dynamic routes) |
    | `cf-aig-provider` | `provider` | as sent (dynamic routes) |
    | `cf-aig-dlp` | `dlp` | parsed JSON object; otherwise the raw text under `dlp_raw` |

    Keys appear only for headers that were sent with a non-empty value. Header names match
    case-insensitively. One pass over the headers, so it is cheap on every response; it never
    raises.

    Args:
        headers: Response headers (`httpx2.Headers` or any str-to-str mapping).

    Returns:
        The facts, e.g. `{"cache_status": "HIT", "log_id": "0199...", "step": 0}`.
    """
    facts: dict[str, Any] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or name[:7].lower() != "cf-aig-" or not isinstance(value, str):
            continue
        text = value.strip()
        if not text:
            continue
        lowered = name.lower()
        key = _RESPONSE_HEADER_KEYS.get(lowered)
        if key is not None:
            facts[key] = text
        elif lowered == "cf-aig-step":
            if text.isascii() and text.isdigit() and len(text) <= _MAX_STEP_DIGITS:
                facts["step"] = int(text)
        elif lowered == "cf-aig-dlp":
            try:
                findings = json.loads(text)
            except (ValueError, RecursionError):
                findings = None
            if isinstance(findings, dict):
                facts["dlp"] = findings
            else:
                facts["dlp_raw"] = text
    return facts


# --- the Universal endpoint (gateway-side fallback chains, §1.4) ---------------------------------

UniversalEndpoint = Literal["grok", "compat"]
"""The routes a Universal step can take (the REST API is not a gateway provider)."""

#: Step `provider` and `endpoint` per route: the docs' `{"provider":"grok","endpoint":
#: "v1/chat/completions"}` (§1.4) and `{"provider":"compat","endpoint":"chat/completions"}` (§1.3).
UNIVERSAL_ROUTES: Final[dict[str, tuple[str, str]]] = {
    "grok": ("grok", "v1/chat/completions"),
    "compat": ("compat", "chat/completions"),
}

#: Per-step `config` keys (§1.4) -> (smallest, largest) value; `backoff` takes a mode name.
#: Same limits as the matching `cf-aig-*` headers (§2): attempts 1-5, retry delay <= 5000 ms.
STEP_CONFIG_LIMITS: Final[dict[str, tuple[int, int | None]]] = {
    "requestTimeout": (1, None),
    "maxAttempts": (1, 5),
    "retryDelay": (0, 5000),
}
STEP_BACKOFF_MODES: Final = ("constant", "linear", "exponential")

#: Provider slugs (`cf-aig-provider`, Universal `provider`) that mean xAI.
XAI_PROVIDER_SLUGS: Final = frozenset({"grok", "xai"})

_HEADER_NAME_RE: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


@dataclass(frozen=True)
class StepSpec:
    """One step of a Universal request before rendering, validated at construction.

    Attributes:
        endpoint: `"grok"` or `"compat"`: the gateway route this step takes.
        model: Model id as configured (the step's wire id comes from `wire_model`).
        headers: Per-step headers (lower-cased): the provider key (`authorization`) and
            `cf-aig-*` options. They override the HTTP request's headers for this step only.
            Never `cf-aig-authorization`: the gateway reads that from the HTTP request only.
        config: Per-step `requestTimeout` (ms), `maxAttempts` (1-5), `retryDelay` (ms,
            0-5000), `backoff` (`constant`/`linear`/`exponential`).
    """

    endpoint: UniversalEndpoint
    model: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    config: Mapping[str, int | str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.endpoint not in UNIVERSAL_ROUTES:
            msg = (
                f"A Universal step's `endpoint` must be 'grok' or 'compat', got "
                f"{self.endpoint!r}. Fix: use one of those; the REST API (endpoint='rest') is "
                "not a gateway provider and cannot be a fallback step."
            )
            raise ValueError(msg)
        wire_model(self.model, self.endpoint)
        object.__setattr__(self, "headers", _step_headers(self.headers))
        object.__setattr__(self, "config", _step_config(self.config))

    def __repr__(self) -> str:
        # Header values may hold a provider key: show the names only.
        return (
            f"StepSpec(endpoint={self.endpoint!r}, model={self.model!r}, "
            f"headers=<{', '.join(sorted(self.headers))}>, config={dict(self.config)!r})"
        )


def _step_headers(headers: object) -> dict[str, str]:
    if not isinstance(headers, Mapping):
        msg = (
            "StepSpec.headers must be a mapping of header names to strings, got "
            f"{type(headers).__name__}."
        )
        raise ValueError(msg)  # ValueError: pydantic reports it as a field error
    clean: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME_RE.fullmatch(name):
            msg = (
                f"StepSpec.headers has an invalid header name {name!r}. Fix: use a token such "
                "as 'cf-aig-cache-ttl'."
            )
            raise ValueError(msg)
        lowered = name.lower()
        if lowered == "cf-aig-authorization":
            msg = (
                "StepSpec.headers must not carry cf-aig-authorization: the gateway reads the "
                "gateway token from the HTTP request's own headers only (§1.4). Fix: send it as "
                "a header of the Universal request (gateway_token=), not per step."
            )
            raise ValueError(msg)
        if not isinstance(value, str) or not value.isascii() or not value.isprintable():
            msg = (
                f"StepSpec.headers[{lowered!r}] must be a string of printable ASCII (no CR/LF). "
                "Fix: render the value as text first."
            )
            raise ValueError(msg)
        clean[lowered] = value
    return clean


def _step_config(config: object) -> dict[str, int | str]:
    if not isinstance(config, Mapping):
        msg = f"StepSpec.config must be a mapping, got {type(config).__name__}."
        raise ValueError(msg)  # ValueError: pydantic reports it as a field error
    clean: dict[str, int | str] = {}
    for key, value in config.items():
        if key == "backoff":
            if value not in STEP_BACKOFF_MODES:
                msg = (
                    f"StepSpec.config['backoff'] must be one of {', '.join(STEP_BACKOFF_MODES)}, "
                    f"got {value!r}."
                )
                raise ValueError(msg)
            clean[key] = value
            continue
        limits = STEP_CONFIG_LIMITS.get(key) if isinstance(key, str) else None
        if limits is None:
            known = ", ".join([*STEP_CONFIG_LIMITS, "backoff"])
            msg = f"StepSpec.config has unknown key {key!r}. Fix: use only {known} (§1.4)."
            raise ValueError(msg)
        low, high = limits
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < low
            or (high is not None and value > high)
        ):
            bound = f"{low}-{high}" if high is not None else f">= {low}"
            msg = (
                f"StepSpec.config[{key!r}] must be a whole number {bound} (milliseconds or "
                f"attempts), got {value!r}."
            )
            raise ValueError(msg)
        clean[key] = value
    return clean


def universal_url(gateway_url: str, account_id: str | None, gateway_id: str | None) -> str:
    """The Universal endpoint `{gateway_url}/{account_id}/{gateway_id}` (§1.4).

    Raises:
        ValueError: A bad or route-level `gateway_url`, or a missing or bad id.
    """
    root = _check_url(gateway_url, field="gateway_url", env="CLOUDFLARE_AI_GATEWAY_URL")
    _refuse_full_url_as_root(root)
    account, gateway = _gateway_path_ids(account_id, gateway_id)
    return f"{root}/{account}/{gateway}"


def universal_step(step: StepSpec, query: Mapping[str, Any]) -> dict[str, Any]:
    """One Universal step object for `step`, with `query` as its request body.

    `query["model"]` is replaced by the step's wire model id, so one chat body can serve every
    step. `config` is left out when the step has none.

    Returns:
        e.g. `{"provider": "grok", "endpoint": "v1/chat/completions", "headers": {...},
        "config": {"requestTimeout": 2000}, "query": {"model": "grok-4.3", ...}}`.
    """
    provider, endpoint = UNIVERSAL_ROUTES[step.endpoint]
    rendered: dict[str, Any] = {
        "provider": provider,
        "endpoint": endpoint,
        "headers": dict(step.headers),
    }
    if step.config:
        rendered["config"] = dict(step.config)
    rendered["query"] = {**query, "model": wire_model(step.model, step.endpoint)}
    return rendered


def universal_steps(steps: Sequence[StepSpec], body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Universal request body: one step object per `StepSpec`, in order (§1.4).

    Args:
        steps: The chain, primary first; the gateway tries them in this order.
        body: The chat completions body shared by every step (its `model` is replaced per step;
            `stream` stays, so a streamed call streams from whichever step serves).

    Returns:
        The JSON array to POST to `universal_url(...)`.

    Raises:
        ValueError: No steps, or an item that is not a `StepSpec`.
    """
    if not steps:
        msg = "A Universal request needs at least one step. Fix: pass the primary model's step."
        raise ValueError(msg)
    items: Sequence[object] = steps
    for index, step in enumerate(items):
        if not isinstance(step, StepSpec):
            msg = f"steps[{index}] must be a StepSpec, got {type(step).__name__}."
            raise ValueError(msg)  # ValueError: pydantic reports it as a field error
    return [universal_step(step, body) for step in steps]


def served_step(steps: Sequence[StepSpec], facts: Mapping[str, Any]) -> tuple[int, StepSpec]:
    """Which step served a Universal answer: `cf-aig-step` (parsed as `facts["step"]`).

    A missing header means step 0, as `ai-gateway-provider` reads it (§1.4).

    Args:
        steps: The chain that was sent.
        facts: `parse_gateway_headers(response.headers)`.

    Returns:
        `(index, step)`.

    Raises:
        ValueError: The gateway named a step the request did not have.
    """
    index = facts.get("step", 0)
    if not isinstance(index, int) or not 0 <= index < len(steps):
        msg = (
            f"The gateway reported cf-aig-step {index!r}, but the request had {len(steps)} "
            "step(s); the answer cannot be matched to a step."
        )
        raise ValueError(msg)
    return index, steps[index]


def serving_provider(facts: Mapping[str, Any], default: str = "xai") -> str:
    """The provider that answered, for `model_provider`: `xai`, or another slug.

    A dynamic route reports its choice in `cf-aig-provider` (§1.5); `grok` and `xai` both mean
    xAI. Without the header the answer came from the route that was asked, i.e. `default`.
    """
    slug = facts.get("provider")
    if not isinstance(slug, str) or not slug:
        return default
    lowered = slug.strip().lower()
    return "xai" if lowered in XAI_PROVIDER_SLUGS else lowered


def is_xai_provider(slug: str) -> bool:
    """True for the slugs that mean xAI (`grok`, `xai`), case-insensitive."""
    return slug.strip().lower() in XAI_PROVIDER_SLUGS
