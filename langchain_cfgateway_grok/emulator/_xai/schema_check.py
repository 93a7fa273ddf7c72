"""A small JSON Schema validator for the subset the emulated model generates for.

The emulator must not depend on `jsonschema` at run time, yet the generator needs to ask "does
this value fit?" (candidate values, `anyOf`/`oneOf` branches, defaults). This module answers for
the keywords xAI's structured outputs use (xai-api.md §1.2): `type`, `enum`, `const`, numeric
bounds and `multipleOf`, string lengths and `pattern`, array items/lengths/`uniqueItems`, object
properties/`required`/`additionalProperties`/`patternProperties`/property counts, `anyOf`,
`oneOf`, `allOf`, `not` and local `$ref`. `format` is not asserted (as in `jsonschema` by default).
The unit tests check it against `jsonschema` on generated schemas.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, TypeGuard
from urllib.parse import unquote

MAX_REF_DEPTH = 64


def json_equal(a: object, b: object) -> bool:
    """JSON equality: booleans are not numbers, 1 == 1.0, containers compare deeply."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def is_number(value: object) -> TypeGuard[int | float]:
    """An int or float that is not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_integer(value: object) -> bool:
    """A JSON integer (a float with no fractional part counts, as in draft 6+)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()


_TYPE_CHECKS: dict[str, Callable[[object], bool]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": is_integer,
    "number": is_number,
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def resolve_ref(ref: str, root: Mapping[str, Any]) -> Any:
    """Follow a local `$ref` (`#`, `#/$defs/X`, `#/definitions/X`); None if it is not local."""
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        return None
    node: Any = root
    for raw in ref[2:].split("/"):
        key = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


@lru_cache(maxsize=256)
def compiled_pattern(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None  # an ECMA-only pattern Python cannot compile is not enforced


def _multiple_of(value: float, step: float) -> bool:
    if isinstance(value, int) and isinstance(step, int):
        return value % step == 0
    quotient = value / step
    try:
        return int(quotient) == quotient
    except OverflowError:
        return False


def _lower_ok(schema: Mapping[str, Any], value: float) -> bool:
    minimum, exclusive = schema.get("minimum"), schema.get("exclusiveMinimum")
    if is_number(exclusive) and value <= exclusive:
        return False
    if is_number(minimum):
        return value > minimum if exclusive is True else value >= minimum
    return True


def _upper_ok(schema: Mapping[str, Any], value: float) -> bool:
    maximum, exclusive = schema.get("maximum"), schema.get("exclusiveMaximum")
    if is_number(exclusive) and value >= exclusive:
        return False
    if is_number(maximum):
        return value < maximum if exclusive is True else value <= maximum
    return True


def _check_number(value: float, schema: Mapping[str, Any]) -> bool:
    if math.isinf(value) or math.isnan(value):
        return False
    step = schema.get("multipleOf")
    if is_number(step) and step > 0 and not _multiple_of(value, step):
        return False
    return _lower_ok(schema, value) and _upper_ok(schema, value)


def _check_string(value: str, schema: Mapping[str, Any]) -> bool:
    if len(value) < schema.get("minLength", 0):
        return False
    max_length = schema.get("maxLength")
    if max_length is not None and len(value) > max_length:
        return False
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        compiled = compiled_pattern(pattern)
        if compiled is not None and not compiled.search(value):
            return False
    return True


def _check_array(
    value: list[Any], schema: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> bool:
    if len(value) < schema.get("minItems", 0):
        return False
    max_items = schema.get("maxItems")
    if max_items is not None and len(value) > max_items:
        return False
    if schema.get("uniqueItems") is True:
        for i, item in enumerate(value):
            if any(json_equal(item, other) for other in value[:i]):
                return False
    prefix = schema.get("prefixItems")
    items = schema.get("items")
    if prefix is None and isinstance(items, list):  # draft 4-7 tuple form
        prefix, items = items, schema.get("additionalItems")
    prefix = prefix or []
    for item, sub in zip(value, prefix, strict=False):
        if not is_valid(item, sub, root, depth + 1):
            return False
    rest = value[len(prefix) :]
    return items is None or all(is_valid(item, items, root, depth + 1) for item in rest)


def _object_size_ok(value: dict[str, Any], schema: Mapping[str, Any]) -> bool:
    if any(name not in value for name in schema.get("required", [])):
        return False
    max_props = schema.get("maxProperties")
    too_many = max_props is not None and len(value) > max_props
    return len(value) >= schema.get("minProperties", 0) and not too_many


def _member_ok(
    name: str, item: object, schema: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> bool:
    properties = schema.get("properties", {})
    matched = name in properties
    if matched and not is_valid(item, properties[name], root, depth + 1):
        return False
    for pattern, sub in schema.get("patternProperties", {}).items():
        compiled = compiled_pattern(pattern)
        if compiled is not None and compiled.search(name):
            matched = True
            if not is_valid(item, sub, root, depth + 1):
                return False
    additional = schema.get("additionalProperties")
    return matched or additional is None or is_valid(item, additional, root, depth + 1)


def _check_object(
    value: dict[str, Any], schema: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> bool:
    return _object_size_ok(value, schema) and all(
        _member_ok(name, item, schema, root, depth) for name, item in value.items()
    )


def _check_combinators(
    value: object, schema: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> bool:
    if "allOf" in schema and not all(is_valid(value, s, root, depth + 1) for s in schema["allOf"]):
        return False
    if "anyOf" in schema and not any(is_valid(value, s, root, depth + 1) for s in schema["anyOf"]):
        return False
    if "oneOf" in schema and sum(is_valid(value, s, root, depth + 1) for s in schema["oneOf"]) != 1:
        return False
    return not ("not" in schema and is_valid(value, schema["not"], root, depth + 1))


def _check_ref(
    value: object, schema: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> bool:
    ref = schema.get("$ref")
    if not isinstance(ref, str):
        return True
    target = resolve_ref(ref, root)
    return target is None or is_valid(value, target, root, depth + 1)


def _check_type(
    value: object, schema: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> bool:
    types = schema.get("type")
    if types is None:
        return True
    names = [types] if isinstance(types, str) else list(types)
    return any(name in _TYPE_CHECKS and _TYPE_CHECKS[name](value) for name in names)


def _check_enum_const(
    value: object, schema: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> bool:
    if "const" in schema and not json_equal(value, schema["const"]):
        return False
    return "enum" not in schema or any(json_equal(value, option) for option in schema["enum"])


def _check_instance(
    value: object, schema: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> bool:
    if is_number(value):
        return _check_number(value, schema)
    if isinstance(value, str):
        return _check_string(value, schema)
    if isinstance(value, list):
        return _check_array(value, schema, root, depth)
    if isinstance(value, dict):
        return _check_object(value, schema, root, depth)
    return True


_CHECKS = (_check_ref, _check_type, _check_enum_const, _check_instance, _check_combinators)


def is_valid(
    value: object, schema: object, root: Mapping[str, Any] | None = None, depth: int = 0
) -> bool:
    """Whether `value` satisfies `schema` (the supported subset; see the module docstring).

    Args:
        value: A JSON value.
        schema: A JSON schema (a mapping or a boolean).
        root: The document `$ref`s resolve against; defaults to `schema`.
        depth: Recursion depth (guards self-referencing schemas).

    Returns:
        True when valid.
    """
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, Mapping) or depth > MAX_REF_DEPTH:
        return True
    document = schema if root is None else root
    return all(check(value, schema, document, depth) for check in _CHECKS)
