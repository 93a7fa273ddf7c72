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

The per-endpoint facts live in two tables, `_ROUTE_PATHS` (path after the gateway ids) and
`_BASE_URL_SUFFIXES` (what a `base_url` ending implies), plus one branch in `wire_model`. The
Cloudflare REST API endpoint planned in issue 6 (`"rest"`:
`{cloudflare_api_url}/accounts/{account_id}/ai/v1/chat/completions`, model `xai/<id>`, gateway
chosen by the `cf-aig-gateway-id` header) is added by: a new `Endpoint` member, a `wire_model`
branch that adds `xai/`, a `_BASE_URL_SUFFIXES` row for `/ai/v1`, and a root keyword
(`cloudflare_api_url`) in `resolve_chat_url` used when the endpoint's path is account-scoped
rather than gateway-scoped. Until then a `base_url` on `api.cloudflare.com` is refused with a
pointer, rather than silently posting Grok ids the REST API would reject.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Mapping
from typing import Any, Final, Literal, get_args
from urllib.parse import SplitResult, quote, urlsplit

Endpoint = Literal["grok", "compat"]
"""Gateway route for chat completions; see the module docstring for each one's URL and model id."""

ENDPOINTS: Final[tuple[Endpoint, ...]] = get_args(Endpoint)
DEFAULT_ENDPOINT: Final[Endpoint] = "grok"
DEFAULT_GATEWAY_URL: Final = "https://gateway.ai.cloudflare.com/v1"

_GATEWAY_HOST: Final = "gateway.ai.cloudflare.com"
_REST_API_HOST: Final = "api.cloudflare.com"
_CHAT_PATH: Final = "/chat/completions"

# Path between `{gateway_url}/{account_id}/{gateway_id}` and `/chat/completions`. The Grok page
# documents both `.../grok/v1/chat/completions` (cURL) and a `.../grok` SDK base URL (which makes
# the SDK post to `.../grok/chat/completions`); which one the gateway prefers is Unconfirmed, so
# built URLs use the cURL form and a `base_url` ending in `/grok` is kept as given.
_ROUTE_PATHS: Final[dict[Endpoint, str]] = {"grok": "/grok/v1", "compat": "/compat"}

# A `base_url` (with any `/chat/completions` removed) ending in one of these implies the endpoint.
# Segment-aligned: "/grok" matches ".../gw/grok" but not ".../gw/mygrok".
_BASE_URL_SUFFIXES: Final[tuple[tuple[str, Endpoint], ...]] = (
    ("/grok/v1", "grok"),
    ("/grok", "grok"),
    ("/compat", "compat"),
)

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
        "Fix: pass endpoint='grok' (the default, xAI's native API) or endpoint='compat'."
    )
    raise ValueError(msg)


def resolve_chat_url(
    *,
    base_url: str | None,
    gateway_url: str,
    account_id: str | None,
    gateway_id: str | None,
    endpoint: Endpoint | None,
) -> tuple[str, Endpoint]:
    """Full POST URL for chat completions, and the endpoint it serves.

    Precedence: an explicit `base_url` wins and makes the ids optional; otherwise the URL is
    built from `gateway_url`, `account_id`, `gateway_id` and `endpoint`:

    | input | URL | endpoint |
    |---|---|---|
    | ids, `grok` (default) | `{gateway_url}/{account}/{gateway}/grok/v1/chat/completions` | grok |
    | ids, `compat` | `{gateway_url}/{account}/{gateway}/compat/chat/completions` | compat |
    | `base_url` ending `/grok` or `/grok/v1` | `{base_url}/chat/completions` | grok |
    | `base_url` ending `/compat` | `{base_url}/chat/completions` | compat |
    | `base_url` ending `.../chat/completions` | `base_url` as is | from what precedes it |
    | any other `base_url` (a proxy) | `{base_url}/chat/completions` | as given, else grok |

    A `base_url` ending in `/grok` is used as given (the SDK form on Cloudflare's Grok page), so it
    posts to `.../grok/chat/completions`; pass `.../grok/v1` for the cURL form. Trailing slashes
    are ignored; the result never contains `/v1/v1` or an empty path segment.

    Args:
        base_url: Full override (a proxy, or a copied gateway URL); may end in `/chat/completions`.
        gateway_url: Gateway root, e.g. `DEFAULT_GATEWAY_URL` or an emulator's `http://127.0.0.1:port/v1`.
        account_id: Cloudflare account id (required without `base_url`).
        gateway_id: Gateway id (required without `base_url`).
        endpoint: Requested endpoint, or None to infer it (default `"grok"`).

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
    root = _check_url(gateway_url, field="gateway_url", env="CLOUDFLARE_AI_GATEWAY_URL")
    _refuse_full_url_as_root(root)
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
    effective: Endpoint = endpoint or DEFAULT_ENDPOINT
    return f"{root}/{account}/{gateway}{_ROUTE_PATHS[effective]}{_CHAT_PATH}", effective


def _url_from_base(base_url: str, endpoint: Endpoint | None) -> tuple[str, Endpoint]:
    """Resolve an explicit `base_url` (already known to be non-empty)."""
    url = _check_url(base_url, field="base_url", env=None)
    parts = urlsplit(url)
    if parts.hostname == _REST_API_HOST:
        msg = (
            "`base_url` points at the Cloudflare REST API (api.cloudflare.com), which this version "
            "does not support (it takes xai/<id> models and a Cloudflare API token). Fix: use the "
            f"gateway URL {DEFAULT_GATEWAY_URL}/<account_id>/<gateway_id>/grok/v1, or pass "
            "account_id= and gateway_id= instead of base_url."
        )
        raise ValueError(msg)
    path = parts.path
    full = path.endswith(_CHAT_PATH)
    prefix = path[: -len(_CHAT_PATH)] if full else path
    implied, suffix = None, ""
    for candidate, route in _BASE_URL_SUFFIXES:
        if prefix.endswith(candidate):
            implied, suffix = route, candidate
            break
    if implied is None:
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
    path = urlsplit(root).path
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
        msg = (
            f"{where} {_redact(value)!r} is not a usable URL: {problem}. Fix: pass an "
            f"http(s) URL such as {DEFAULT_GATEWAY_URL}"
            + ("." if field == "gateway_url" else "/<account_id>/<gateway_id>/grok/v1.")
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
