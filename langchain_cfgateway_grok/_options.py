"""Gateway controls as one typed, validated mapping: `GatewayOptions` -> `cf-aig-*` request headers.

Three pure steps, run on every call: `validate_gateway_options` (types, ranges, header safety;
fast, hand-written checks so each message names the key, the limit and the fix),
`merge_gateway_options` (layers, later ones override per key) and `gateway_option_headers`
(render; seconds become milliseconds here and nowhere else). Facts and limits:
`gateway-protocol.md` §2 and §5; the user-facing table is `docs/gateway-options.md`.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, NoReturn

from typing_extensions import TypedDict


class CustomCost(TypedDict, total=False):
    """Your own per-token prices for the gateway's cost reporting (`cf-aig-custom-cost`).

    Non-negative finite numbers in USD per token; omitted cache prices fall back to
    `per_token_in` on the gateway's side.
    """

    per_token_in: float
    per_token_out: float
    per_cache_read_token: float
    per_cache_write_token: float


class GatewayOptions(TypedDict, total=False):
    """Per-request controls for Cloudflare AI Gateway; each key becomes one `cf-aig-*` header.

    Accepted by the model's constructor (`gateway_options=`), per call and from
    `config["configurable"]["gateway_options"]`; later layers override earlier ones per key.
    Durations are in seconds (converted to the gateway's milliseconds when sent).

    Attributes:
        cache_ttl: Seconds a cached response lives, 60 to 2,592,000 (30 days). Sets the TTL for
            a request that is cached; it does not opt in by itself. -> `cf-aig-cache-ttl`.
        cache_key: Custom cache key; opts this request in to caching even when the gateway's
            caching is off. Printable ASCII. -> `cf-aig-cache-key`.
        skip_cache: True bypasses the cache for this request. -> `cf-aig-skip-cache`.
        metadata: Up to 5 entries of str/int/float/bool shown in the gateway's logs and usable
            by spend limits and dynamic routes. -> `cf-aig-metadata` (ASCII-safe JSON).
        custom_cost: Your own per-token prices. -> `cf-aig-custom-cost` (JSON).
        first_byte_timeout: Seconds the gateway waits for xAI's first byte before failing the
            request; a started stream is not cut. Not the client `timeout`.
            -> `cf-aig-request-timeout` (ms).
        max_attempts: Gateway-side attempts at xAI, 1 to 5, independent of the client's
            `max_retries`. -> `cf-aig-max-attempts`.
        retry_delay: Seconds between gateway attempts, 0.1 to 5. -> `cf-aig-retry-delay` (ms).
        backoff: How the gateway grows `retry_delay`: constant, linear or exponential.
            -> `cf-aig-backoff`.
        collect_log: Overrides the gateway's logging setting for this request; False drops
            the whole log entry. -> `cf-aig-collect-log`.
        collect_log_payload: False keeps the log entry's metadata but drops the request and
            response bodies. -> `cf-aig-collect-log-payload`.
        event_id: Your trace id, echoed back and searchable in the logs. -> `cf-aig-event-id`.
        byok_alias: Name of a stored provider key other than `default`. -> `cf-aig-byok-alias`.
        no_wholesale: True forbids Unified Billing: use your key or a stored one, else fail.
            -> `cf-aig-no-wholesale`.
        zdr: Zero Data Retention for Unified Billing requests (xAI has none; the gateway falls
            back to normal retention). -> `cf-aig-zdr`.
    """

    cache_ttl: int
    cache_key: str
    skip_cache: bool
    metadata: Mapping[str, str | int | float | bool]
    custom_cost: CustomCost
    first_byte_timeout: float
    max_attempts: int
    retry_delay: float
    backoff: Literal["constant", "linear", "exponential"]
    collect_log: bool
    collect_log_payload: bool
    event_id: str
    byok_alias: str
    no_wholesale: bool
    zdr: bool


#: Option key -> request header (lower-case). One key, one header.
OPTION_HEADERS: Final[dict[str, str]] = {
    "cache_ttl": "cf-aig-cache-ttl",
    "cache_key": "cf-aig-cache-key",
    "skip_cache": "cf-aig-skip-cache",
    "metadata": "cf-aig-metadata",
    "custom_cost": "cf-aig-custom-cost",
    "first_byte_timeout": "cf-aig-request-timeout",
    "max_attempts": "cf-aig-max-attempts",
    "retry_delay": "cf-aig-retry-delay",
    "backoff": "cf-aig-backoff",
    "collect_log": "cf-aig-collect-log",
    "collect_log_payload": "cf-aig-collect-log-payload",
    "event_id": "cf-aig-event-id",
    "byok_alias": "cf-aig-byok-alias",
    "no_wholesale": "cf-aig-no-wholesale",
    "zdr": "cf-aig-zdr",
}

# Documented limits (gateway-protocol.md §2).
CACHE_TTL_RANGE: Final = (60, 2_592_000)  # seconds; "min 60, max 1 month"
MAX_ATTEMPTS_RANGE: Final = (1, 5)
RETRY_DELAY_RANGE: Final = (0.1, 5.0)  # seconds; the gateway takes 100-5000 ms
MIN_FIRST_BYTE_TIMEOUT: Final = 0.001  # seconds; below 1 ms nothing is left after rounding
MAX_METADATA_ENTRIES: Final = 5  # the gateway keeps the first five and silently drops the rest
BACKOFF_MODES: Final = ("constant", "linear", "exponential")
CUSTOM_COST_KEYS: Final = (
    "per_token_in",
    "per_token_out",
    "per_cache_read_token",
    "per_cache_write_token",
)
# The gateway runs on Workers (JavaScript), where JSON numbers are 64-bit floats: integers
# beyond 2**53 - 1 would most likely be stored rounded. We refuse rather than risk it.
_MAX_SAFE_INT: Final = 2**53 - 1


class _InvalidOptionError(Exception):
    """A check's verdict: what was expected and how to fix it; `_message` adds key and source."""

    def __init__(self, expected: str, fix: str, *, got: object = None, detail: str = "") -> None:
        super().__init__(expected)
        self.expected, self.fix, self.got, self.detail = expected, fix, got, detail


# --- per-key checks: (value) -> normalized value, or raise _InvalidOptionError ------------


def _check_int_range(lo: int, hi: int, unit: str, fix: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        # bool is an int subclass; True as a TTL is a mistake, not 1 second.
        if isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi:
            return int(value)
        raise _InvalidOptionError(f"an int from {lo} to {hi}{unit}", fix, got=value)

    return check


def _check_seconds(
    lo: float, hi: float | None, fix: str, *, expected: str
) -> Callable[[object], object]:
    def check(value: object) -> object:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            seconds = float(value)
            if math.isfinite(seconds) and seconds >= lo and (hi is None or seconds <= hi):
                return seconds
        raise _InvalidOptionError(expected, fix, got=value)

    return check


def _check_bool(value: object) -> object:
    if isinstance(value, bool):
        return value
    raise _InvalidOptionError(
        "True or False", "pass a bool (not a string such as 'true')", got=value
    )


def _check_header_text(fix: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        # Printable ASCII (0x20-0x7E) excludes CR/LF, so no header injection; surrounding
        # spaces would be stripped in transit, so the gateway would see a different value.
        if (
            isinstance(value, str)
            and value
            and value.isascii()
            and value.isprintable()
            and value[0] != " "
            and value[-1] != " "
        ):
            return value
        raise _InvalidOptionError(
            "a non-empty string of printable ASCII (no CR/LF or other control characters, no "
            "leading or trailing spaces)",
            fix,
            got=value,
        )

    return check


def _check_backoff(value: object) -> object:
    if value in BACKOFF_MODES:
        return value
    raise _InvalidOptionError(
        f"one of {', '.join(map(repr, BACKOFF_MODES))}", "pick one of those", got=value
    )


def _check_metadata(value: object) -> object:
    expected = (
        f"a mapping of at most {MAX_METADATA_ENTRIES} entries, non-empty str keys, "
        "str/int/float/bool values"
    )
    if not isinstance(value, Mapping):
        raise _InvalidOptionError(
            expected, "pass a dict such as {'user': 'u-42', 'plan': 'free'}", got=value
        )
    if len(value) > MAX_METADATA_ENTRIES:
        raise _InvalidOptionError(
            expected,
            f"send at most {MAX_METADATA_ENTRIES} entries (combine or drop some); the gateway "
            "would keep only the first five and silently drop the rest, so we refuse instead",
            detail=f"got {len(value)} entries",
        )
    clean: dict[str, str | int | float | bool] = {}
    for name, item in value.items():
        if not isinstance(name, str) or not name:
            raise _InvalidOptionError(
                expected, "use non-empty string keys", detail=f"got key {name!r}"
            )
        where = f"entry {name!r}"
        if isinstance(item, (str, bool)):
            clean[name] = item
        elif isinstance(item, int):
            if not -_MAX_SAFE_INT <= item <= _MAX_SAFE_INT:
                raise _InvalidOptionError(
                    expected,
                    f"send {name!r} as a string: the gateway (JavaScript) reads JSON numbers as "
                    "64-bit floats and would likely round it",
                    detail=f"{where} is an int beyond 2**53 - 1",
                )
            clean[name] = int(item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise _InvalidOptionError(
                    expected,
                    "JSON has no NaN or infinity; send a finite number or a string",
                    detail=f"{where} is {item!r}",
                )
            clean[name] = float(item)
        elif item is None:
            raise _InvalidOptionError(
                expected, "omit the entry, or send a string", detail=f"{where} is None"
            )
        else:
            raise _InvalidOptionError(
                expected,
                "flatten it into str/int/float/bool values (the gateway takes no nested objects)",
                detail=f"{where} is a {type(item).__name__}",
            )
    return clean


def _check_custom_cost(value: object) -> object:
    expected = (
        "a mapping with some of "
        + ", ".join(CUSTOM_COST_KEYS)
        + " set to non-negative finite numbers (USD per token)"
    )
    if not isinstance(value, Mapping):
        raise _InvalidOptionError(
            expected, "pass a dict such as {'per_token_in': 1e-06}", got=value
        )
    if not value:
        raise _InvalidOptionError(
            expected,
            "give at least one price, or omit custom_cost (what the gateway does with an empty "
            "cost object is undocumented)",
            detail="got an empty mapping",
        )
    clean: dict[str, float] = {}
    for name, price in value.items():
        if name not in CUSTOM_COST_KEYS:
            raise _InvalidOptionError(
                expected,
                f"use only {', '.join(CUSTOM_COST_KEYS)}",
                detail=f"unknown cost key {name!r}" + _did_you_mean(name, CUSTOM_COST_KEYS),
            )
        if (
            isinstance(price, bool)
            or not isinstance(price, (int, float))
            or not math.isfinite(price)
            or price < 0
        ):
            raise _InvalidOptionError(
                expected, "give a price >= 0", detail=f"{name!r} is {_show(price)}"
            )
        clean[name] = price
    return clean


_CHECKS: Final[dict[str, Callable[[object], object]]] = {
    "cache_ttl": _check_int_range(
        *CACHE_TTL_RANGE,
        " seconds",
        "use a TTL in that range; to bypass the cache use skip_cache=True",
    ),
    "cache_key": _check_header_text(
        "use an ASCII key, e.g. hashlib.sha256(text.encode()).hexdigest() of your own key"
    ),
    "skip_cache": _check_bool,
    "metadata": _check_metadata,
    "custom_cost": _check_custom_cost,
    "first_byte_timeout": _check_seconds(
        MIN_FIRST_BYTE_TIMEOUT,
        None,
        "pass seconds as a number, e.g. 30 or 2.5 (the client sends milliseconds)",
        expected=f"a finite number of seconds >= {MIN_FIRST_BYTE_TIMEOUT} (1 ms)",
    ),
    "max_attempts": _check_int_range(
        *MAX_ATTEMPTS_RANGE,
        "",
        "use 1 to 5 (5 is the gateway's maximum)",
    ),
    "retry_delay": _check_seconds(
        *RETRY_DELAY_RANGE,
        "pass seconds, e.g. 0.5 (the client sends milliseconds; the gateway allows 100-5000 ms)",
        expected=f"a number of seconds from {RETRY_DELAY_RANGE[0]} to {RETRY_DELAY_RANGE[1]}",
    ),
    "backoff": _check_backoff,
    "collect_log": _check_bool,
    "collect_log_payload": _check_bool,
    "event_id": _check_header_text("use an ASCII trace id such as a UUID"),
    "byok_alias": _check_header_text("use the alias exactly as named in the gateway's BYOK keys"),
    "no_wholesale": _check_bool,
    "zdr": _check_bool,
}


def validate_gateway_options(value: object, *, source: str = "gateway_options") -> GatewayOptions:
    """Check gateway options and return them as a new, normalized `GatewayOptions`.

    Runs on every call, so it is hand-written and cheap (a few microseconds for a few keys;
    None or an empty mapping returns at once). Mappings inside (`metadata`, `custom_cost`) are
    copied, so later changes to the caller's dicts do not leak into requests.

    Args:
        value: A `GatewayOptions`, any mapping with the same keys, or None (no options).
        source: Where the options came from, used in messages, e.g.
            `"config['configurable']['gateway_options']"`.

    Returns:
        The validated options.

    Raises:
        ValueError: Not a mapping, an unknown key, a wrong type or an out-of-range value. The
            message names `source`, the key, what is allowed and the fix. `bool` is never
            accepted where a number is expected.
    """
    if value is None:
        return {}
    if type(value) is not dict and not isinstance(value, Mapping):
        msg = (
            f"{source} must be a dict of gateway options (GatewayOptions), got "
            f"{type(value).__name__}. Fix: pass e.g. {{'cache_ttl': 3600, 'skip_cache': False}}."
        )
        raise ValueError(msg)  # ValueError, not TypeError: pydantic reports it as a field error
    if not value:
        return {}
    options: dict[str, object] = {}
    for key, item in value.items():
        if not isinstance(key, str) or (check := _CHECKS.get(key)) is None:
            _reject_unknown_key(key, source)
        if item is None:
            msg = (
                f"{source}[{key!r}] is None. Fix: omit the key to leave it unset "
                "(a later layer can override it with a real value)."
            )
            raise ValueError(msg)
        try:
            options[key] = check(item)
        except _InvalidOptionError as invalid:
            raise ValueError(_message(source, key, invalid)) from None
    return options  # type: ignore[return-value]  # every key and value checked above


def merge_gateway_options(*layers: GatewayOptions | None) -> GatewayOptions:
    """Merge validated option layers; later layers override earlier ones per key.

    Values are replaced whole, not merged inside: a later `metadata` replaces an earlier one
    entirely, so the 5-entry limit holds for exactly what is sent, and `metadata={}` clears it.

    Since each key renders to exactly one header and every valid value renders to one,
    rendering commutes with merging: `gateway_option_headers(merge_gateway_options(a, b)) ==
    {**gateway_option_headers(a), **gateway_option_headers(b)}`. So a model may render its
    constructor options once and layer per-call headers over them.

    Returns:
        A new dict; the layers are not modified.
    """
    merged: GatewayOptions = {}
    for layer in layers:
        if layer:
            merged.update(layer)
    return merged


def seconds_to_ms(seconds: float) -> int:
    """Whole milliseconds for a duration in seconds, rounded half up (0.0125 s -> 13 ms).

    The one place durations change unit: options are in seconds, the gateway's headers in ms.
    """
    return math.floor(seconds * 1000 + 0.5)


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


def _json_text(value: Mapping[str, object]) -> str:
    # Compact, and ASCII-safe: ensure_ascii escapes every character outside 0x20-0x7E (DEL
    # included) as \uXXXX, so the result is printable ASCII and safe in a header.
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)


def _ms_text(seconds: float) -> str:
    return str(seconds_to_ms(seconds))


_RENDERERS: Final[dict[str, Callable[[Any], str]]] = {
    "cache_ttl": str,
    "cache_key": str,
    "skip_cache": _bool_text,
    "metadata": _json_text,
    "custom_cost": _json_text,
    "first_byte_timeout": _ms_text,
    "max_attempts": str,
    "retry_delay": _ms_text,
    "backoff": str,
    "collect_log": _bool_text,
    "collect_log_payload": _bool_text,
    "event_id": str,
    "byok_alias": str,
    "no_wholesale": _bool_text,
    "zdr": _bool_text,
}


def gateway_option_headers(options: GatewayOptions) -> dict[str, str]:
    """Render validated options as request headers (lower-case names, string values).

    Booleans become `true`/`false`; `first_byte_timeout` and `retry_delay` become whole
    milliseconds (`seconds_to_ms`); `metadata` and `custom_cost` become compact ASCII-only JSON
    (an empty `metadata` is sent as `{}`, overriding metadata sent by an earlier layer).

    Args:
        options: Output of `validate_gateway_options` / `merge_gateway_options`.

    Returns:
        e.g. `{"cf-aig-cache-ttl": "3600", "cf-aig-skip-cache": "false"}`.
    """
    headers: dict[str, str] = {}
    for key, value in options.items():
        headers[OPTION_HEADERS[key]] = _RENDERERS[key](value)
    return headers


# --- messages --------------------------------------------------------------------------------


def _message(source: str, key: str, invalid: _InvalidOptionError) -> str:
    got = invalid.detail or f"got {_show(invalid.got)}"
    return (
        f"{source}[{key!r}] ({OPTION_HEADERS[key]}) must be {invalid.expected}; {got}. "
        f"Fix: {invalid.fix}."
    )


def _reject_unknown_key(key: object, source: str) -> NoReturn:
    known = sorted(_CHECKS)
    hint = ""
    if isinstance(key, str):
        by_header = {header: name for name, header in OPTION_HEADERS.items()}
        if key.lower() in by_header:
            hint = f" Use the option name {by_header[key.lower()]!r}, not the header name."
        elif key.startswith("gateway_") and key[len("gateway_") :] in _CHECKS:
            hint = f" Drop the 'gateway_' prefix: {key[len('gateway_') :]!r}."
        elif key == "request_timeout":
            hint = " The gateway's first-byte timeout is 'first_byte_timeout' (seconds)."
    suggestion = "" if hint else _did_you_mean(key, known)
    msg = (
        f"{source} has unknown key {key!r}{suggestion}.{hint} Known keys: {', '.join(known)}. "
        "Fix: use one of those (see docs/gateway-options.md)."
    )
    raise ValueError(msg)


def _did_you_mean(word: object, choices: tuple[str, ...] | list[str]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _show(value: object) -> str:
    """A short description of a bad value for a message."""
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "...'"
    return f"a {type(value).__name__}"
