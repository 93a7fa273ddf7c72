"""The logs API's pure parts: list parameters and filters, log JSON, feedback validation (§5).

`GET .../ai-gateway/gateways/{gw}/logs` takes `page`, `per_page` (1-50, default 20),
`order_by` (`created_at` default, `provider`, `model`, `model_type`, `success`, `cached`,
`cost`, `tokens_in`, `tokens_out`, `duration`, `feedback`), `order_by_direction` or `direction`
(`asc`/`desc`, default `desc`), the simple filters `provider`, `model`, `model_type`,
`success`, `cached`, `feedback` (1 = positive, 0 = negative), `start_date`, `end_date`, and
`filters`: `[{key, operator (eq|neq|contains|lt|gt), value: [...]}]`, sent either as JSON
(`filters=[...]`) or in bracket form (`filters[0][key]=event_id&filters[0][operator]=eq&
filters[0][value][0]=...`); how Cloudflare's SDKs encode it is Unconfirmed, so both are read.
Filter keys: `id`, `event_id`, `provider`, `model`, `model_type`, `request_type`, `success`,
`cached`, `status_code`, `feedback`, `score`, `metadata.key`, `metadata.value` and
`metadata.<name>`. Other documented parameters (`search`, cost/token/duration ranges,
`meta_info`) are accepted and ignored.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl

from langchain_cfgateway_grok.emulator._state import LogEntry

PER_PAGE_DEFAULT = 20
PER_PAGE_MAX = 50
ORDER_BY = (
    "created_at",
    "provider",
    "model",
    "model_type",
    "success",
    "cached",
    "cost",
    "tokens_in",
    "tokens_out",
    "duration",
    "feedback",
)
OPERATORS = ("eq", "neq", "contains", "lt", "gt")
FEEDBACK_VALUES: dict[str, frozenset[float]] = {
    "plus_minus_one": frozenset({-1.0, 1.0}),
    "zero_one": frozenset({0.0, 1.0}),
    "either": frozenset({-1.0, 0.0, 1.0}),
}
METADATA_MAX_ENTRIES = 5
PATCH_FIELDS = ("feedback", "score", "metadata")


class InvalidQueryError(ValueError):
    """A list parameter or PATCH body the API refuses; the message says which and why."""


@dataclass(frozen=True)
class LogFilter:
    """One `filters` item."""

    key: str
    operator: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class ListQuery:
    """Parsed list parameters."""

    page: int = 1
    per_page: int = PER_PAGE_DEFAULT
    order_by: str = "created_at"
    descending: bool = True
    simple: Mapping[str, str] = field(default_factory=dict)
    """`provider`, `model`, `model_type`, `success`, `cached`, `feedback` as sent."""
    start: float | None = None
    end: float | None = None
    filters: tuple[LogFilter, ...] = ()


def _int_param(params: Mapping[str, str], name: str, default: int, high: int | None) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        msg = f"{name} must be an integer"
        raise InvalidQueryError(msg) from None
    if value < 1 or (high is not None and value > high):
        msg = f"{name} must be between 1 and {high}" if high else f"{name} must be at least 1"
        raise InvalidQueryError(msg)
    return value


def _timestamp(params: Mapping[str, str], name: str) -> float | None:
    raw = params.get(name)
    if raw is None:
        return None
    text = raw[:-1] + "+00:00" if raw.endswith("Z") else raw
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        msg = f"{name} must be an ISO 8601 date-time"
        raise InvalidQueryError(msg) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


_BRACKET = re.compile(r"filters\[(\d+)\]\[(key|operator|value)\](?:\[(\d+)\])?")


def _filters(pairs: Sequence[tuple[str, str]]) -> tuple[LogFilter, ...]:
    raw_items: list[Any] = []
    by_index: dict[int, dict[str, Any]] = {}
    for name, value in pairs:
        if name == "filters":
            try:
                parsed = json.loads(value)
            except ValueError:
                msg = "filters must be a JSON array or use filters[i][key] form"
                raise InvalidQueryError(msg) from None
            raw_items += parsed if isinstance(parsed, list) else [parsed]
            continue
        match = _BRACKET.fullmatch(name)
        if match is None:
            continue
        item = by_index.setdefault(int(match.group(1)), {})
        if match.group(2) == "value":
            item.setdefault("value", []).append(value)
        else:
            item[match.group(2)] = value
    raw_items += [by_index[index] for index in sorted(by_index)]
    filters: list[LogFilter] = []
    for item in raw_items:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            msg = "each filter needs a string key"
            raise InvalidQueryError(msg)
        operator = item.get("operator", "eq")
        if operator not in OPERATORS:
            msg = f"filter operator must be one of {', '.join(OPERATORS)}"
            raise InvalidQueryError(msg)
        values = item.get("value", [])
        values = tuple(values) if isinstance(values, list) else (values,)
        filters.append(LogFilter(item["key"], operator, values))
    return tuple(filters)


def parse_list_query(query: str) -> ListQuery:
    """Parse the list endpoint's query string.

    Raises:
        InvalidQueryError: A parameter out of range or of the wrong kind.
    """
    pairs = parse_qsl(query, keep_blank_values=True)
    params = dict(pairs)
    order_by = params.get("order_by", "created_at")
    if order_by not in ORDER_BY:
        msg = f"order_by must be one of {', '.join(ORDER_BY)}"
        raise InvalidQueryError(msg)
    direction = params.get("order_by_direction") or params.get("direction") or "desc"
    if direction not in ("asc", "desc"):
        msg = "order_by_direction must be asc or desc"
        raise InvalidQueryError(msg)
    simple: dict[str, str] = {
        name: params[name]
        for name in ("provider", "model", "model_type", "success", "cached", "feedback")
        if name in params
    }
    for name in ("success", "cached"):
        if name in simple and simple[name] not in ("true", "false"):
            msg = f"{name} must be true or false"
            raise InvalidQueryError(msg)
    if "feedback" in simple and simple["feedback"] not in ("0", "1"):
        msg = "feedback must be 0 or 1"
        raise InvalidQueryError(msg)
    return ListQuery(
        page=_int_param(params, "page", 1, None),
        per_page=_int_param(params, "per_page", PER_PAGE_DEFAULT, PER_PAGE_MAX),
        order_by=order_by,
        descending=direction == "desc",
        simple=simple,
        start=_timestamp(params, "start_date"),
        end=_timestamp(params, "end_date"),
        filters=_filters(pairs),
    )


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


def _field(entry: LogEntry, key: str) -> list[Any]:
    """The values a filter key reads from an entry (metadata keys can match several)."""
    if key == "metadata.key":
        return list(entry.metadata)
    if key == "metadata.value":
        return list(entry.metadata.values())
    if key.startswith("metadata."):
        name = key[len("metadata.") :]
        return [entry.metadata[name]] if name in entry.metadata else []
    if key == "request_type":
        return [entry.request_type]
    if key == "model_type":
        return ["chat"]
    value = getattr(entry, key, None) if key in _FILTER_KEYS else None
    return [] if value is None else [value]


_FILTER_KEYS = frozenset(
    {"id", "event_id", "provider", "model", "success", "cached", "status_code", "feedback", "score"}
)


def _same(actual: Any, wanted: Any) -> bool:
    if isinstance(actual, bool):
        return _bool_text(actual) == str(wanted).lower()
    if isinstance(actual, (int, float)):
        try:
            return float(actual) == float(wanted)
        except (TypeError, ValueError):
            return False
    return str(actual) == str(wanted)


def _less(actual: Any, wanted: Any) -> bool | None:
    try:
        return float(actual) < float(wanted)
    except (TypeError, ValueError):
        return None


def _matches(entry: LogEntry, item: LogFilter) -> bool:
    actual = _field(entry, item.key)
    if item.operator == "eq":
        return any(_same(a, w) for a in actual for w in item.values)
    if item.operator == "neq":
        return not any(_same(a, w) for a in actual for w in item.values)
    if item.operator == "contains":
        return any(str(w) in str(a) for a in actual for w in item.values)
    if not item.values:
        return False
    wanted = item.values[0]
    if item.operator == "lt":
        return any(_less(a, wanted) is True for a in actual)
    return any(_less(wanted, a) is True for a in actual)  # gt


def _simple_match(entry: LogEntry, name: str, wanted: str) -> bool:
    if name == "success":
        return _bool_text(entry.success) == wanted
    if name == "cached":
        return _bool_text(entry.cached) == wanted
    if name == "feedback":
        if entry.feedback is None:
            return False
        return (entry.feedback > 0) == (wanted == "1")
    if name == "model_type":
        return wanted == "chat"
    return str(getattr(entry, name)) == wanted


_SORT_KEYS: dict[str, Callable[[LogEntry], Any]] = {
    "created_at": lambda e: e.created_at,
    "provider": lambda e: e.provider,
    "model": lambda e: e.model or "",
    "model_type": lambda e: "chat",
    "success": lambda e: e.success,
    "cached": lambda e: e.cached,
    "cost": lambda e: e.cost or 0.0,
    "tokens_in": lambda e: e.tokens_in or 0,
    "tokens_out": lambda e: e.tokens_out or 0,
    "duration": lambda e: e.duration,
    "feedback": lambda e: -math.inf if e.feedback is None else e.feedback,
}


def select(entries: Sequence[LogEntry], query: ListQuery) -> tuple[list[LogEntry], int]:
    """The page of entries `query` asks for, and how many matched in all."""
    kept = [
        entry
        for entry in entries
        if all(_simple_match(entry, name, wanted) for name, wanted in query.simple.items())
        and (query.start is None or entry.created_at >= query.start)
        and (query.end is None or entry.created_at <= query.end)
        and all(_matches(entry, item) for item in query.filters)
    ]
    # Stable sort: ties keep arrival order (then reversed with it for `desc`).
    kept.sort(key=_SORT_KEYS[query.order_by], reverse=query.descending)
    start = (query.page - 1) * query.per_page
    return kept[start : start + query.per_page], len(kept)


def _iso(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def log_json(entry: LogEntry) -> dict[str, Any]:
    """A log entry as the logs API returns it (after Cloudflare's log fields, §5 "Logging")."""
    return {
        "id": entry.id,
        "created_at": _iso(entry.created_at),
        "cached": entry.cached,
        "duration": round(entry.duration * 1000),
        "event_id": entry.event_id,
        "request_id": entry.request_id,
        "model": entry.model,
        "model_type": "chat",
        "path": entry.path,
        "provider": entry.provider,
        "success": entry.success,
        "status_code": entry.status_code,
        "tokens_in": entry.tokens_in,
        "tokens_out": entry.tokens_out,
        "cost": entry.cost,
        "custom_cost": entry.custom_cost is not None,
        # Cloudflare returns metadata as a JSON string (cloudflare-python `metadata: str`).
        "metadata": json.dumps(dict(entry.metadata), separators=(",", ":"))
        if entry.metadata
        else None,
        "request_content_type": "application/json",
        "request_type": entry.request_type,
        "response_content_type": "text/event-stream" if entry.stream else "application/json",
        "step": entry.step,
        "feedback": entry.feedback,
        "score": entry.score,
    }


def _number(value: object) -> float | None:
    """A finite JSON number as sent (an int stays an int), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if math.isfinite(value) else None


def parse_patch(body: object, *, feedback_scale: str) -> dict[str, Any]:
    """Validate a PATCH body; the LogEntry fields to change (`metadata` still to be merged).

    Raises:
        InvalidQueryError: Not an object, an unknown key, or a value out of range.
    """
    if not isinstance(body, dict):
        msg = "the body must be a JSON object with feedback, score and/or metadata"
        raise InvalidQueryError(msg)
    unknown = sorted(set(body) - set(PATCH_FIELDS))
    if unknown:
        msg = f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(PATCH_FIELDS)}"
        raise InvalidQueryError(msg)
    changes: dict[str, Any] = {}
    if "feedback" in body:
        feedback = _number(body["feedback"])
        allowed = FEEDBACK_VALUES[feedback_scale]
        if body["feedback"] is not None and (feedback is None or feedback not in allowed):
            shown = ", ".join(f"{value:g}" for value in sorted(allowed))
            msg = f"feedback must be one of {shown}"
            raise InvalidQueryError(msg)
        changes["feedback"] = feedback
    if "score" in body:
        score = _number(body["score"])
        if body["score"] is not None and score is None:
            msg = "score must be a finite number"
            raise InvalidQueryError(msg)
        changes["score"] = score
    if "metadata" in body:
        metadata = body["metadata"]
        if not isinstance(metadata, dict) or len(metadata) > METADATA_MAX_ENTRIES:
            msg = f"metadata must be an object of at most {METADATA_MAX_ENTRIES} entries"
            raise InvalidQueryError(msg)
        for key, value in metadata.items():
            flat = isinstance(value, (str, bool)) or _number(value) is not None
            if not flat:
                msg = f"metadata[{key!r}] must be a string, number or boolean"
                raise InvalidQueryError(msg)
        changes["metadata"] = metadata
    return changes


def merged_metadata(
    current: Mapping[str, Any], update: Mapping[str, Any]
) -> dict[str, str | int | float | bool]:
    """PATCH metadata merged into the entry's, keeping the first five entries (emulator choice)."""
    merged = {**current, **update}
    return dict(list(merged.items())[:METADATA_MAX_ENTRIES])
