"""Generated JSON schemas always get valid values (checked by the test-only `jsonschema`)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langchain_cfgateway_grok.emulator._xai.prompt_values import extract
from langchain_cfgateway_grok.emulator._xai.schema_check import is_valid
from langchain_cfgateway_grok.emulator._xai.schema_values import generate_value
from tests.unit_tests.emulator_xai._helpers import body, message, tool, tool_calls

PROPERTY_NAMES = [
    "city",
    "count",
    "name",
    "tags",
    "active",
    "level",
    "note",
    "price",
    "items",
    "zip_code",
]
VALIDATOR = jsonschema.Draft202012Validator
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- schema strategy: only satisfiable schemas of the documented subset --------------------

scalar_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-50, 50),
    st.sampled_from([0.5, -2.25, 3.0]),
    st.text(max_size=6),
    st.sampled_from(["north", "south", "Oslo", "你好", "こんにちは"]),
)


@st.composite
def string_schemas(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    low = draw(st.integers(0, 4))
    if draw(st.booleans()):
        schema["minLength"] = low
    if draw(st.booleans()):
        schema["maxLength"] = low + draw(st.integers(0, 30))
    if draw(st.booleans()):
        schema["format"] = draw(st.sampled_from(["email", "uri", "date", "date-time", "uuid"]))
    if draw(st.booleans()):
        schema["default"] = draw(st.text(max_size=8))
    return schema


@st.composite
def number_schemas(draw: st.DrawFn) -> dict[str, Any]:
    integer = draw(st.booleans())
    step = draw(st.sampled_from([None, 1, 2, 3, 5] if integer else [None, 0.5, 0.25, 2]))
    schema: dict[str, Any] = {"type": "integer" if integer else "number"}
    if step is not None:
        schema["multipleOf"] = step
    low = draw(st.integers(-100, 100))
    span = draw(st.integers(3 * int(step or 1) + 3, 300))
    if draw(st.booleans()):
        schema["exclusiveMinimum" if draw(st.booleans()) else "minimum"] = low
    if draw(st.booleans()):
        schema["exclusiveMaximum" if draw(st.booleans()) else "maximum"] = low + span
    if draw(st.booleans()):
        schema["default"] = draw(st.integers(-200, 200))
    return schema


leaf_schemas = st.one_of(
    string_schemas(),
    number_schemas(),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.builds(
        lambda b, d: {"type": "boolean", "default": b} if d else {"type": "boolean"},
        st.booleans(),
        st.booleans(),
    ),
    st.lists(scalar_values, min_size=1, max_size=4).map(lambda options: {"enum": options}),
    st.lists(
        st.sampled_from(["north", "south", "east", "west"]), min_size=1, max_size=4, unique=True
    ).map(lambda options: {"type": "string", "enum": options}),
    scalar_values.map(lambda value: {"const": value}),
    st.just({}),
    st.just({"type": ["string", "null"]}),
    st.just({"type": ["integer", "boolean"]}),
)

DISTINCT_TYPED = {
    "string": {"type": "string"},
    "integer": {"type": "integer", "minimum": 0},
    "boolean": {"type": "boolean"},
    "null": {"type": "null"},
    "object": {"type": "object", "properties": {"note": {"type": "string"}}, "required": ["note"]},
    "array": {"type": "array", "items": {"type": "integer"}},
}


def extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def objects(draw: st.DrawFn) -> dict[str, Any]:
        names = draw(st.lists(st.sampled_from(PROPERTY_NAMES), max_size=4, unique=True))
        properties = {name: draw(children) for name in names}
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        schema["required"] = draw(st.lists(st.sampled_from(names), unique=True)) if names else []
        if draw(st.booleans()):
            schema["additionalProperties"] = False
        return schema

    @st.composite
    def arrays(draw: st.DrawFn) -> dict[str, Any]:
        low = draw(st.integers(0, 3))
        schema: dict[str, Any] = {"type": "array", "items": draw(children), "minItems": low}
        if draw(st.booleans()):
            schema["maxItems"] = low + draw(st.integers(0, 4))
        return schema

    unique_arrays = st.builds(
        lambda item, low: {"type": "array", "items": item, "uniqueItems": True, "minItems": low},
        st.sampled_from(
            [{"type": "integer"}, {"type": "string"}, {"type": "number", "minimum": 0}]
        ),
        st.integers(0, 4),
    )
    nullable = children.map(lambda child: {"anyOf": [child, {"type": "null"}]})
    any_of = st.lists(children, min_size=1, max_size=3).map(lambda branches: {"anyOf": branches})
    one_of = st.lists(
        st.sampled_from(sorted(DISTINCT_TYPED)), min_size=1, max_size=3, unique=True
    ).map(lambda kinds: {"oneOf": [DISTINCT_TYPED[k] for k in kinds]})
    all_of = children.map(lambda child: {"allOf": [child]})
    return st.one_of(objects(), arrays(), unique_arrays, nullable, any_of, one_of, all_of)


schemas = st.recursive(leaf_schemas, extend, max_leaves=12)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A root schema, sometimes routed through `$defs` with `$ref` (incl. a recursive list)."""
    inner = draw(schemas)
    shape = draw(st.sampled_from(["plain", "ref", "nested-ref", "recursive"]))
    if shape == "plain":
        return inner
    if shape == "ref":
        return {"$defs": {"Thing": inner}, "$ref": "#/$defs/Thing"}
    if shape == "nested-ref":
        return {
            "type": "object",
            "properties": {
                "thing": {"$ref": "#/$defs/Thing"},
                "things": {"type": "array", "items": {"$ref": "#/$defs/Thing"}},
            },
            "required": ["thing", "things"],
            "$defs": {"Thing": inner},
        }
    return {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {
                    "value": inner,
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                },
                "required": ["value", "children"],
            }
        },
        "$ref": "#/$defs/Node",
    }


prompt_words = st.one_of(
    st.sampled_from(
        ["the", "and", "please", "true", "false", "north", "South", "Oslo", "New Delhi", "nonce:x1"]
    ),
    st.integers(-500, 500).map(str),
    st.sampled_from(["3.5", "0.25", "-2"]),
    st.sampled_from(PROPERTY_NAMES).map(lambda name: f"{name}:"),
    st.text(alphabet="abcXYZ你好こんにちは ", min_size=1, max_size=8).map(
        lambda t: f"'{t.strip() or 'q'}'"
    ),
    st.sampled_from(
        ["https://example.org/a", "ann@example.org", "2024-02-29", "2024-02-29T10:00:00Z"]
    ),
)
prompts = st.lists(prompt_words, max_size=14).map(" ".join)

NUMERIC_KEYWORDS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "default",
)


def interesting_numbers(schema: Any) -> list[float]:
    """Numbers at and around every numeric bound, default and enum member in `schema`."""
    found: list[float] = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            if (
                key in NUMERIC_KEYWORDS
                and isinstance(value, (int, float))
                and not isinstance(value, bool)
            ):
                found += [value - 1, value - 0.5, value, value + 0.5, value + 1, value * 2]
            else:
                found += interesting_numbers(value)
    elif isinstance(schema, list):
        for item in schema:
            found += interesting_numbers(item)
    elif isinstance(schema, (int, float)) and not isinstance(schema, bool):
        found.append(schema)
    return found


def interesting_words(schema: Any) -> list[str]:
    """Enum/const strings and the numbers above, as prompt words."""
    words = [str(int(n)) if float(n).is_integer() else str(n) for n in interesting_numbers(schema)]
    if isinstance(schema, dict):
        for value in schema.values():
            words += interesting_words(value)
    elif isinstance(schema, list):
        words += [item for item in schema if isinstance(item, str) and item.strip()]
        for item in schema:
            if isinstance(item, (dict, list)):
                words += interesting_words(item)
    return words


@st.composite
def schema_and_prompt(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A schema and a prompt that offers values right at the schema's edges (and repeats)."""
    schema = draw(documents())
    edges = interesting_words(schema)
    pool = st.one_of(prompt_words, st.sampled_from(edges)) if edges else prompt_words
    words: list[str] = draw(st.lists(pool, max_size=16))
    repeat: bool = draw(st.booleans())
    if words and repeat:
        words += words[: draw(st.integers(1, len(words)))]  # repeated values test uniqueItems
    return schema, " ".join(words)


@st.composite
def schema_and_value(draw: st.DrawFn) -> tuple[dict[str, Any], Any]:
    schema = draw(documents())
    edges = interesting_numbers(schema)
    leaves = st.one_of(scalar_values, st.sampled_from(edges)) if edges else scalar_values
    values = st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.sampled_from(PROPERTY_NAMES), children, max_size=4),
        ),
        max_leaves=10,
    )
    return schema, draw(values)


def assert_schema_is_satisfiable_by_construction(schema: dict[str, Any]) -> None:
    VALIDATOR.check_schema(schema)


@SETTINGS
@given(case=schema_and_prompt())
def test_generated_values_are_valid(case: tuple[dict[str, Any], str]) -> None:
    schema, prompt = case
    assert_schema_is_satisfiable_by_construction(schema)
    value = generate_value(schema, extract(prompt))
    errors = [e.message for e in VALIDATOR(schema).iter_errors(value)]
    assert not errors, (json.dumps(schema), prompt, value, errors)
    assert json.loads(json.dumps(value, ensure_ascii=False)) == value


@SETTINGS
@given(schema=documents(), prompt=prompts)
def test_generation_is_deterministic(schema: dict[str, Any], prompt: str) -> None:
    assert generate_value(schema, extract(prompt)) == generate_value(schema, extract(prompt))


@SETTINGS
@given(case=schema_and_value())
def test_the_built_in_validator_agrees_with_jsonschema(case: tuple[dict[str, Any], Any]) -> None:
    schema, value = case
    assert is_valid(value, schema) == VALIDATOR(schema).is_valid(value)


@SETTINGS
@given(case=schema_and_prompt())
def test_the_built_in_validator_agrees_on_generated_values(
    case: tuple[dict[str, Any], str],
) -> None:
    schema, prompt = case
    value = generate_value(schema, extract(prompt))
    assert is_valid(value, schema) == VALIDATOR(schema).is_valid(value)


@SETTINGS
@given(case=schema_and_prompt())
def test_tool_arguments_and_json_content_are_valid_end_to_end(
    case: tuple[dict[str, Any], str],
) -> None:
    schema, prompt = case
    parameters = (
        schema
        if schema.get("type") == "object"
        else {
            "type": "object",
            "properties": {"value": schema},
            "required": ["value"],
            "$defs": schema.get("$defs", {}),
        }
    )
    request = body(f"run_probe {prompt}", tools=[tool("run_probe")], tool_choice="required")
    request["tools"][0]["function"]["parameters"] = parameters
    ((name, arguments),) = tool_calls(request)
    assert name == "run_probe"
    assert VALIDATOR(parameters).is_valid(arguments), (parameters, arguments)

    fmt = {"type": "json_schema", "json_schema": {"name": "probe", "schema": schema}}
    content = message(body(prompt or "x", response_format=fmt))["content"]
    assert VALIDATOR(schema).is_valid(json.loads(content))


@SETTINGS
@given(schema=number_schemas(), data=st.data())
def test_numeric_edges(schema: dict[str, Any], data: st.DataObject) -> None:
    edges = interesting_numbers(schema) or [0]
    value = data.draw(st.one_of(st.sampled_from(edges), st.integers(-300, 300)))
    assert is_valid(value, schema) == VALIDATOR(schema).is_valid(value)
    words = data.draw(st.lists(st.sampled_from(edges), max_size=4))
    prompt = " ".join(str(int(w)) if float(w).is_integer() else str(w) for w in words)
    assert VALIDATOR(schema).is_valid(generate_value(schema, extract(prompt)))


@SETTINGS
@given(schema=string_schemas(), prompt=prompts)
def test_string_edges(schema: dict[str, Any], prompt: str) -> None:
    value = generate_value(schema, extract(prompt))
    assert VALIDATOR(schema).is_valid(value)
    assert is_valid(value, schema)


# --- the documented rule, case by case ------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "prompt", "expected"),
    [
        ({"type": "integer"}, "take 7 and 9", 7),
        ({"type": "integer", "minimum": 8}, "take 7 and 9", 9),
        ({"type": "integer", "multipleOf": 4}, "take 7 and 9", 0),
        ({"type": "integer", "minimum": 10, "multipleOf": 4}, "none here", 12),
        ({"type": "number", "exclusiveMinimum": 1, "exclusiveMaximum": 2}, "none", 1.5),
        ({"type": "integer", "maximum": -3}, "none", -3),
        ({"type": "integer", "default": 5}, "none", 5),
        ({"type": "integer", "default": "x"}, "none", 0),
        ({"type": "number"}, "about 2.5 kg", 2.5),
        ({"type": "integer"}, "about 2.5 kg", 0),
        ({"type": "integer"}, "version grok-4 x2 4th", 0),
        ({"type": "string"}, "Visit 'Old Town' in Krakow", "Old Town"),
        ({"type": "string"}, "Visit the old town. See you.", "Visit the old town."),
        ({"type": "string", "maxLength": 5}, "Visit the old town.", "Visit"),
        ({"type": "string", "minLength": 3}, "", "xxx"),
        ({"type": "string", "format": "email"}, "Mail Ann at ann@example.org", "ann@example.org"),
        (
            {"type": "string", "format": "uri"},
            "see https://example.org/x.",
            "https://example.org/x",
        ),
        ({"type": "string", "format": "date"}, "none", "1970-01-01"),
        ({"type": "boolean"}, "It is TRUE", True),
        ({"type": "boolean"}, "nothing", False),
        ({"enum": ["red", "green"]}, "paint it GREEN", "green"),
        ({"enum": ["red", "green"], "default": "green"}, "paint it", "green"),
        ({"enum": [1, 2, 3]}, "pick 3", 3),
        ({"const": {"a": 1}}, "anything", {"a": 1}),
        ({"type": ["integer", "null"]}, "no numbers", None),
        ({"type": ["integer", "null"]}, "number 4", 4),
        ({"anyOf": [{"type": "integer"}, {"type": "string"}]}, "no numbers", 0),
        ({"anyOf": [{"type": "integer"}, {"type": "string"}]}, "say 'hi'", "hi"),
        ({"type": "array", "items": {"type": "integer"}}, "1, 2 and 3", [1, 2, 3]),
        ({"type": "array", "items": {"type": "integer"}, "maxItems": 2}, "1, 2 and 3", [1, 2]),
        ({"type": "array", "items": {"type": "integer"}, "minItems": 2}, "none", [0, 0]),
        (
            {"type": "array", "items": {"type": "integer"}, "minItems": 2, "uniqueItems": True},
            "none",
            [0, 1],
        ),
        (
            {"type": "array", "items": {"type": "integer"}, "uniqueItems": True},
            "5, 5 and 7",
            [5, 7],
        ),
        (
            {"type": "array", "items": {"type": "string"}},
            "visit Oslo, Bergen and Tromso",
            ["Oslo", "Bergen", "Tromso"],
        ),
        (
            {
                "type": "array",
                "prefixItems": [{"type": "string"}, {"type": "integer"}],
                "minItems": 2,
            },
            "visit Oslo 5 times",
            ["Oslo", 5],
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                "required": ["b"],
            },
            "b = 4, and also 6",
            {"b": 4},
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                "required": ["b"],
            },
            "a is 1, b is 2",
            {"a": 1, "b": 2},
        ),
        (
            {
                "type": "object",
                "properties": {"zip_code": {"type": "string"}},
                "required": ["zip_code"],
            },
            "the zip code is '0150' in Oslo",
            {"zip_code": "0150"},
        ),
        (
            {
                "$defs": {
                    "P": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                        "required": ["name", "age"],
                    }
                },
                "type": "array",
                "items": {"$ref": "#/$defs/P"},
            },
            "Alice is 30 and Bob is 25.",
            [{"name": "Alice", "age": 30}, {"name": "Bob", "age": 25}],
        ),
    ],
)
def test_documented_rule(schema: dict[str, Any], prompt: str, expected: Any) -> None:
    value = generate_value(schema, extract(prompt))
    assert value == expected
    assert type(value) is type(expected)
    assert VALIDATOR(schema).is_valid(value)
