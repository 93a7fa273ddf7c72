"""Generate a JSON value for a JSON schema, filled from the values a prompt offers.

Rule (docs/emulator-xai.md, "Where values come from"), for each value the schema asks for:

1. a value written right after the property's name in the prompt ("location: Paris"), if it fits;
2. else the next unused prompt value of a fitting type (numbers for `integer`/`number`, quoted
   strings / capitalised names / URLs / e-mails / dates for `string`, `true`/`false` for
   `boolean`, enum members the prompt mentions), taken in order of position starting where the
   tool is mentioned and wrapping around;
3. else the schema's `default`;
4. else for strings the prompt's first sentence (cut or padded to the length bounds);
5. else the minimal valid value (`0` moved into the numeric bounds, `""`, `false`, `null`, the
   fewest array items, only the required properties).

Optional properties are included when the prompt mentions their name. Arrays take items while
items keep consuming prompt values (at least `minItems`, at most `maxItems` or 16). `anyOf`/
`oneOf` take the first non-null branch that consumes a prompt value, else the default, else
`null` when allowed, else the first branch whose value validates. `$ref`/`$defs` (local) and
`allOf` are merged in. Every candidate is checked with `schema_check.is_valid`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from typing import Any

from langchain_cfgateway_grok.emulator._xai.prompt_values import (
    STRING_KINDS,
    Candidate,
    PromptValues,
    first_mention,
    keyed_values,
    mention_pattern,
)
from langchain_cfgateway_grok.emulator._xai.schema_check import (
    compiled_pattern,
    is_integer,
    is_number,
    is_valid,
    json_equal,
    resolve_ref,
)

#: Below this nesting depth optional properties and extra array items are still generated.
MINIMAL_DEPTH = 8
#: Hard stop for self-referencing schemas.
MAX_DEPTH = 40
#: Upper bound on array items taken from the prompt when `maxItems` is absent.
MAX_ARRAY_ITEMS = 16

#: Values for `format`s when the prompt offers none (never asserted by validators by default).
FORMAT_EXAMPLES: dict[str, str] = {
    "date-time": "1970-01-01T00:00:00Z",
    "date": "1970-01-01",
    "time": "00:00:00Z",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "hostname": "localhost",
}
_FORMAT_KINDS: dict[str, frozenset[str]] = {
    "email": frozenset({"email"}),
    "uri": frozenset({"url"}),
    "url": frozenset({"url"}),
    "iri": frozenset({"url"}),
    "uri-reference": frozenset({"url"}),
    "date": frozenset({"date"}),
    "date-time": frozenset({"date"}),
}

Snapshot = tuple[frozenset[int], frozenset[tuple[int, str]], int]


class ValuePool:
    """Prompt values not yet used, read in order from a start position (wrapping around).

    Attributes:
        values: What the prompt offers.
        start: Offset where reading starts (where the tool is mentioned).
        taken: How many prompt values have been consumed (lets callers see consumption).
    """

    def __init__(self, values: PromptValues, *, start: int = 0) -> None:
        self.values = values
        self.start = start
        self.taken = 0
        self._used: set[int] = set()
        self._used_positions: set[tuple[int, str]] = set()

    def snapshot(self) -> Snapshot:
        """State to `restore` if a tentative generation is abandoned."""
        return frozenset(self._used), frozenset(self._used_positions), self.taken

    def restore(self, snapshot: Snapshot) -> None:
        """Undo consumption since `snapshot`."""
        used, positions, taken = snapshot
        self._used, self._used_positions, self.taken = set(used), set(positions), taken

    def _order(self, position: int) -> tuple[bool, int]:
        return (position < self.start, position)

    def _mark(self, position: int) -> None:
        for index, candidate in enumerate(self.values.candidates):
            if candidate.position == position:
                self._used.add(index)

    def take(self, accept: Callable[[Candidate], tuple[bool, Any]]) -> tuple[bool, Any]:
        """Consume the first unused candidate `accept` takes; returns (found, value)."""
        order = sorted(
            enumerate(self.values.candidates), key=lambda item: self._order(item[1].position)
        )
        for index, candidate in order:
            if index in self._used:
                continue
            ok, value = accept(candidate)
            if ok:
                self._used.add(index)
                self._used_positions.add((candidate.position, "any"))
                self.taken += 1
                return True, value
        return False, None

    def take_keyed(
        self, key: str, accept: Callable[[Candidate], tuple[bool, Any]]
    ) -> tuple[bool, Any]:
        """Consume a value written right after `key` in the prompt, if `accept` takes it."""
        for candidate in keyed_values(self.values.text, key):
            if (candidate.position, "any") in self._used_positions:
                continue
            ok, value = accept(candidate)
            if ok:
                self._used_positions.add((candidate.position, "any"))
                self._mark(candidate.position)
                self.taken += 1
                return True, value
        return False, None

    def take_mention(self, options: list[tuple[str, Any]]) -> tuple[bool, Any]:
        """Consume the first unused whole-word mention of one of `options` (label, value)."""
        best: tuple[tuple[bool, int], Any] | None = None
        for label, value in options:
            for match in mention_pattern(label).finditer(self.values.text):
                if (match.start(), "any") in self._used_positions:
                    continue
                rank = self._order(match.start())
                if best is None or rank < best[0]:
                    best = (rank, value)
                break
        if best is None:
            return False, None
        self._used_positions.add((best[0][1], "any"))
        self._mark(best[0][1])
        self.taken += 1
        return True, best[1]

    def mentions(self, name: str) -> bool:
        """Whether the prompt mentions identifier `name`."""
        return first_mention(self.values.text, name) is not None


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if key == "properties" and isinstance(merged.get("properties"), dict):
            properties = dict(merged["properties"])
            for name, sub in value.items():
                properties[name] = {"allOf": [properties[name], sub]} if name in properties else sub
            merged["properties"] = properties
        elif key == "required" and isinstance(merged.get("required"), list):
            merged["required"] = list(dict.fromkeys([*merged["required"], *value]))
        else:
            merged[key] = value
    return merged


def _fit_length(text: str, schema: Mapping[str, Any]) -> str:
    max_length = schema.get("maxLength")
    if isinstance(max_length, int):
        text = text[:max_length]
    min_length = schema.get("minLength", 0)
    if isinstance(min_length, int) and len(text) < min_length:
        filler = text or "x"
        text = (text + filler * min_length)[:min_length] if text else filler * min_length
    return text


def _infer_type(schema: Mapping[str, Any]) -> str:
    keys = schema.keys()
    if keys & {
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "minProperties",
    }:
        return "object"
    if keys & {"items", "prefixItems", "minItems", "maxItems", "uniqueItems"}:
        return "array"
    if keys & {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}:
        return "number"
    return "string"


def _bounds(schema: Mapping[str, Any]) -> tuple[float | None, bool, float | None, bool]:
    low, low_excl = schema.get("minimum"), False
    if schema.get("exclusiveMinimum") is True:
        low_excl = True
    elif is_number(schema.get("exclusiveMinimum")) and (
        low is None or schema["exclusiveMinimum"] >= low
    ):
        low, low_excl = schema["exclusiveMinimum"], True
    high, high_excl = schema.get("maximum"), False
    if schema.get("exclusiveMaximum") is True:
        high_excl = True
    elif is_number(schema.get("exclusiveMaximum")) and (
        high is None or schema["exclusiveMaximum"] <= high
    ):
        high, high_excl = schema["exclusiveMaximum"], True
    return low, low_excl, high, high_excl


def minimal_number(
    schema: Mapping[str, Any], *, integer: bool, root: Mapping[str, Any]
) -> int | float:
    """The valid number nearest zero (best effort for float `multipleOf`)."""
    low, low_excl, high, high_excl = _bounds(schema)
    step = schema.get("multipleOf") if is_number(schema.get("multipleOf")) else None
    lower: float = -math.inf if low is None else low
    upper: float = math.inf if high is None else high
    if integer:
        if math.isfinite(lower):
            lower = math.floor(lower) + 1 if low_excl else math.ceil(lower)
        if math.isfinite(upper):
            upper = math.ceil(upper) - 1 if high_excl else math.floor(upper)
    elif low_excl or high_excl:
        if low is not None and high is not None:
            lower = upper = (low + high) / 2
        elif low is not None:
            lower = low + 1
        elif high is not None:
            upper = high - 1
    guesses: list[float] = [min(max(0, lower), upper)]
    if step:
        first = (
            math.ceil(lower / step) if lower > 0 else (math.floor(upper / step) if upper < 0 else 0)
        )
        guesses = [k * step for k in range(first, first + 64)] if lower > 0 or upper >= 0 else []
        if upper < 0:
            guesses = [k * step for k in range(first, first - 64, -1)]
    for guess in guesses:
        value = int(guess) if integer and is_integer(guess) else guess
        if is_valid(value, schema, root):
            return value
    return int(guesses[0]) if integer and guesses else (guesses[0] if guesses else 0)


class _Generator:
    def __init__(self, root: Mapping[str, Any], pool: ValuePool) -> None:
        self.root = root
        self.pool = pool

    def _normalize(self, schema: object, depth: int) -> dict[str, Any]:
        if not isinstance(schema, Mapping):
            return {}
        current = dict(schema)
        for _ in range(MAX_DEPTH):
            if isinstance(current.get("$ref"), str):
                target = resolve_ref(current.pop("$ref"), self.root)
                siblings = {k: v for k, v in current.items() if k not in ("$defs", "definitions")}
                current = _merge(target if isinstance(target, Mapping) else {}, siblings)
            elif isinstance(current.get("allOf"), list):
                parts = current.pop("allOf")
                for part in parts:
                    if isinstance(part, Mapping):
                        current = _merge(current, self._normalize(part, depth + 1))
            else:
                break
        return current

    def generate(self, schema: object, depth: int = 0, key: str | None = None) -> Any:
        if depth > MAX_DEPTH:
            return None
        normalized = self._normalize(schema, depth)
        if "const" in normalized:
            return copy.deepcopy(normalized["const"])
        if isinstance(normalized.get("enum"), list) and normalized["enum"]:
            return self._enum(normalized, key)
        for combinator in ("anyOf", "oneOf"):
            if isinstance(normalized.get(combinator), list) and normalized[combinator]:
                return self._choice(normalized, combinator, depth, key)
        types = normalized.get("type")
        if isinstance(types, list) and len(types) > 1:
            # ["string", "null"] is anyOf over the types.
            rest = {k: v for k, v in normalized.items() if k != "type"}
            rest["anyOf"] = [{"type": t} for t in types]
            return self._choice(rest, "anyOf", depth, key)
        if isinstance(types, list):
            types = types[0] if types else None
        kind = types if isinstance(types, str) else _infer_type(normalized)
        return self._typed(kind, normalized, depth, key)

    def _typed(self, kind: str, schema: Mapping[str, Any], depth: int, key: str | None) -> Any:
        if kind == "null":
            return None
        if kind == "boolean":
            return self._boolean(schema, key)
        if kind in ("integer", "number"):
            return self._number(schema, key, integer=kind == "integer")
        if kind == "array":
            return self._array(schema, depth)
        if kind == "object":
            return self._object(schema, depth)
        return self._string(schema, key)

    def _default(self, schema: Mapping[str, Any]) -> tuple[bool, Any]:
        if "default" in schema and is_valid(schema["default"], schema, self.root):
            return True, copy.deepcopy(schema["default"])
        return False, None

    def _first(
        self,
        schema: Mapping[str, Any],
        key: str | None,
        accept: Callable[[Candidate], tuple[bool, Any]],
    ) -> tuple[bool, Any]:
        if key is not None:
            found, value = self.pool.take_keyed(key, accept)
            if found:
                return True, value
        found, value = self.pool.take(accept)
        if found:
            return True, value
        return self._default(schema)

    def _enum(self, schema: Mapping[str, Any], key: str | None) -> Any:
        options = [o for o in schema["enum"] if is_valid(o, schema, self.root)] or list(
            schema["enum"]
        )

        def accept(candidate: Candidate) -> tuple[bool, Any]:
            for option in options:
                if json_equal(candidate.value, option):
                    return True, option
                same_text = isinstance(option, str) and isinstance(candidate.value, str)
                if same_text and str(option).casefold() == str(candidate.value).casefold():
                    return True, option
            return False, None

        if key is not None:
            found, value = self.pool.take_keyed(key, accept)
            if found:
                return copy.deepcopy(value)
        labels = [(o, o) for o in options if isinstance(o, str) and o.strip()]
        found, value = self.pool.take_mention(labels)
        if not found:
            found, value = self.pool.take(accept)
        if not found:
            found, value = self._default(schema)
        return copy.deepcopy(value if found else options[0])

    def _choice(
        self, schema: Mapping[str, Any], combinator: str, depth: int, key: str | None
    ) -> Any:
        base = {k: v for k, v in schema.items() if k != combinator}
        branches = [
            _merge(base, b) if isinstance(b, Mapping) else dict(base)
            for b in schema[combinator]
            if b is not False
        ]
        null_only = [b for b in branches if self._normalize(b, depth).get("type") == "null"]
        for branch in (b for b in branches if b not in null_only):
            snapshot = self.pool.snapshot()
            value = self.generate(branch, depth + 1, key)
            if self.pool.taken > snapshot[2] and is_valid(value, schema, self.root):
                return value
            self.pool.restore(snapshot)
        found, value = self._default(schema)
        if found:
            return value
        if null_only and is_valid(None, schema, self.root):
            return None
        for branch in branches:
            snapshot = self.pool.snapshot()
            value = self.generate(branch, depth + 1, key)
            if is_valid(value, schema, self.root):
                return value
            self.pool.restore(snapshot)
        return self.generate(branches[0], depth + 1, key) if branches else None

    def _boolean(self, schema: Mapping[str, Any], key: str | None) -> bool:
        found, value = self._first(schema, key, lambda c: (c.kind == "bool", c.value))
        return bool(value) if found else False

    def _number(self, schema: Mapping[str, Any], key: str | None, *, integer: bool) -> int | float:
        def accept(candidate: Candidate) -> tuple[bool, Any]:
            if candidate.kind != "number" or not is_number(candidate.value):
                return False, None
            value = candidate.value
            if integer:
                if not is_integer(value):
                    return False, None
                value = int(value)
            return is_valid(value, schema, self.root), value

        found, value = self._first(schema, key, accept)
        if found:
            return value  # type: ignore[no-any-return]
        return minimal_number(schema, integer=integer, root=self.root)

    def _string(self, schema: Mapping[str, Any], key: str | None) -> str:
        fmt = schema.get("format")
        kinds = _FORMAT_KINDS.get(fmt, STRING_KINDS) if isinstance(fmt, str) else STRING_KINDS

        def accept(candidate: Candidate) -> tuple[bool, Any]:
            if candidate.kind not in kinds:
                return False, None
            text = str(candidate.value)
            return is_valid(text, schema, self.root), text

        found, value = self._first(schema, key, accept)
        if found and isinstance(value, str):
            return value
        options = []
        if isinstance(fmt, str) and fmt in FORMAT_EXAMPLES:
            options.append(FORMAT_EXAMPLES[fmt])
        options += [_fit_length(self.pool.values.fallback, schema), _fit_length("", schema)]
        for option in options:
            if is_valid(option, schema, self.root):
                return option
        return options[0]

    def _item_schema(self, schema: Mapping[str, Any], index: int) -> object | None:
        prefix = schema.get("prefixItems")
        rest = schema.get("items", {})
        if prefix is None and isinstance(rest, list):
            prefix, rest = rest, schema.get("additionalItems", {})
        prefix = prefix if isinstance(prefix, list) else []
        item: object = prefix[index] if index < len(prefix) else rest
        return None if item is False else item

    def _array(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        min_items = schema.get("minItems", 0)
        max_items = schema.get("maxItems", MAX_ARRAY_ITEMS)
        max_items = max(min(max_items, MAX_ARRAY_ITEMS), min_items)
        unique = schema.get("uniqueItems") is True
        out: list[Any] = []
        attempts = 0
        while len(out) < max_items and attempts < 4 * MAX_ARRAY_ITEMS:
            attempts += 1
            sub = self._item_schema(schema, len(out))
            needed = len(out) < min_items
            if sub is None or (depth > MINIMAL_DEPTH and not needed):
                break
            snapshot = self.pool.snapshot()
            value = self.generate(sub, depth + 1)
            consumed = self.pool.taken > snapshot[2]
            if not needed and not consumed:
                self.pool.restore(snapshot)
                break
            if unique and any(json_equal(value, o) for o in out):
                if not needed:
                    continue  # a repeated prompt value: skip it, keep reading
                value = self._distinct(sub, out, depth)
            out.append(value)
        return out

    def _distinct(self, schema: object, taken: list[Any], depth: int) -> Any:
        normalized = self._normalize(schema, depth)
        options: list[Any] = list(normalized.get("enum", []))
        if normalized.get("type") in ("integer", "number") or not normalized.get("type"):
            start = minimal_number(
                normalized, integer=normalized.get("type") == "integer", root=self.root
            )
            step = normalized.get("multipleOf", 1)
            options += [start + k * step for k in range(1, 65)] + [
                start - k * step for k in range(1, 65)
            ]
        base = self.pool.values.fallback or "item"
        options += [_fit_length(f"{base} {k}", normalized) for k in range(1, 65)]
        options += [True, False, None]
        for option in options:
            if not any(json_equal(option, o) for o in taken) and is_valid(
                option, schema, self.root
            ):
                return option
        return self.generate(schema, depth + 1)

    def _property_schema(self, schema: Mapping[str, Any], name: str) -> object:
        properties = schema.get("properties") or {}
        if name in properties:
            return properties[name]
        for pattern, sub in (schema.get("patternProperties") or {}).items():
            compiled = compiled_pattern(pattern)
            if compiled is not None and compiled.search(name):
                return sub
        additional = schema.get("additionalProperties")
        return additional if isinstance(additional, Mapping) else {}

    def _object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties") or {}
        required = [r for r in schema.get("required", []) if isinstance(r, str)]
        max_props = schema.get("maxProperties", len(properties) + len(required))
        chosen = set(required)
        if depth <= MINIMAL_DEPTH:
            for name in properties:
                if len(chosen) >= max_props:
                    break
                if name not in chosen and self.pool.mentions(name):
                    chosen.add(name)
        for name in properties:
            if len(chosen) >= schema.get("minProperties", 0):
                break
            chosen.add(name)
        order = [*properties, *(r for r in required if r not in properties)]
        out = {
            name: self.generate(self._property_schema(schema, name), depth + 1, name)
            for name in order
            if name in chosen
        }
        additional = schema.get("additionalProperties")
        index = 0
        while len(out) < schema.get("minProperties", 0) and additional is not False and index < 64:
            extra = f"key{index}"
            if extra not in out:
                out[extra] = self.generate(self._property_schema(schema, extra), depth + 1)
            index += 1
        return out


def generate_value(schema: Mapping[str, Any], values: PromptValues, *, start: int = 0) -> Any:
    """A JSON value valid for `schema`, filled from `values` (the module docstring's rule).

    Args:
        schema: A JSON schema (the document `$ref`s resolve against).
        values: What the prompt offers.
        start: Offset to start reading prompt values from (wrapping around).

    Returns:
        The value.
    """
    return _Generator(schema, ValuePool(values, start=start)).generate(schema)
