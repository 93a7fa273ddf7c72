"""Validation of `POST /v1/responses`, in the order the Chat Completions checks use.

Order: body shape (422) → model (400 "Model not found", xai-api.md §1.5/§1.6) → reasoning
parameters per model (400, §1.2) → ranges (400) → tools and `tool_choice` (tools.py) →
`text.format` → `instructions` with `previous_response_id` (400: "Cannot be used with
previous_response_id", LangChain JS reference `XAIResponsesCreateParams.instructions`).
Credentials and body bytes are checked before (shared with Chat Completions); the stored
conversation, encrypted reasoning and the context length after (api.py). Unknown top-level fields
are ignored; so are `include` values other than `reasoning.encrypted_content`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_cfgateway_grok.emulator._xai import errors
from langchain_cfgateway_grok.emulator._xai.models import ModelSpec, resolve
from langchain_cfgateway_grok.emulator._xai.request import ResponseFormat
from langchain_cfgateway_grok.emulator._xai.responses.items import as_items, check_items
from langchain_cfgateway_grok.emulator._xai.responses.request import ResponsesRequest
from langchain_cfgateway_grok.emulator._xai.responses.tools import parse_tool_choice, parse_tools
from langchain_cfgateway_grok.emulator._xai.settings import XaiSettings
from langchain_cfgateway_grok.emulator._xai.validate import KIND_CHECKS, describe, wrong_type

ENCRYPTED_REASONING = "reasoning.encrypted_content"
SUMMARY_MODES = ("auto", "concise", "detailed")

_TYPED_FIELDS: dict[str, tuple[str, str]] = {
    # field: (kind, serde's "expected ...")
    "model": ("str", "a string"),
    "instructions": ("str", "a string"),
    "stream": ("bool", "a boolean"),
    "store": ("bool", "a boolean"),
    "parallel_tool_calls": ("bool", "a boolean"),
    "previous_response_id": ("str", "a string"),
    "prompt_cache_key": ("str", "a string"),
    "max_output_tokens": ("uint", "u32"),
    "temperature": ("number", "f32"),
    "top_p": ("number", "f32"),
    "reasoning": ("dict", "struct ReasoningConfig"),
    "text": ("dict", "struct TextConfig"),
    "include": ("list", "a sequence"),
    "metadata": ("dict", "a map"),
    "user": ("str", "a string"),
}


def _check_field_types(body: Mapping[str, Any]) -> None:
    for field, (kind, expected) in _TYPED_FIELDS.items():
        value = body.get(field)
        if value is None:
            continue
        if not KIND_CHECKS[kind](value):
            raise wrong_type(field, value, expected)
        if kind == "uint" and value < 0:
            raise errors.undeserializable(
                f"{field}: invalid value: integer `{value}`, expected {expected}"
            )
    for field in ("model", "input"):
        if body.get(field) is None:
            raise errors.undeserializable(f"missing field `{field}`")
    include = body.get("include") or []
    for i, value in enumerate(include):
        if not isinstance(value, str):
            raise wrong_type(f"include[{i}]", value, "a string")
    reasoning = body.get("reasoning") or {}
    for key in ("effort", "summary", "generate_summary"):
        if reasoning.get(key) is not None and not isinstance(reasoning[key], str):
            raise wrong_type(f"reasoning.{key}", reasoning[key], "a string")
    summary = reasoning.get("summary") or reasoning.get("generate_summary")
    if summary is not None and summary not in SUMMARY_MODES:
        expected = ", ".join(f"`{m}`" for m in SUMMARY_MODES)
        raise errors.undeserializable(
            f"reasoning.summary: unknown variant `{summary}`, expected one of {expected}"
        )


def _check_reasoning(spec: ModelSpec, effort: str | None) -> None:
    if effort is None:
        return
    if not spec.efforts:
        # xai-api.md §1.2: models without efforts reject the parameter with a 400.
        raise errors.unsupported_parameter(spec.id, "reasoning.effort")
    if effort not in spec.efforts:
        msg = (
            f"Invalid reasoning.effort `{effort}` for model {spec.id}; "
            f"supported: {', '.join(spec.efforts)}."
        )
        raise errors.invalid_argument(msg)


def _check_ranges(body: Mapping[str, Any]) -> None:
    for field, (low, high) in {"temperature": (0.0, 2.0), "top_p": (0.0, 1.0)}.items():
        value = body.get(field)
        if value is not None and not low <= value <= high:
            raise errors.invalid_argument(
                f"`{field}` must be between {low:g} and {high:g}; got {value}."
            )
    limit = body.get("max_output_tokens")
    if limit is not None and limit < 1:
        raise errors.invalid_argument(f"`max_output_tokens` must be at least 1; got {limit}.")


def _parse_text(raw: Mapping[str, Any] | None) -> tuple[ResponseFormat | None, dict[str, Any]]:
    """`text.format` (Responses: `{"type": "json_schema", "name", "schema", "strict"}`)."""
    if raw is None or raw.get("format") is None:
        return None, {"format": {"type": "text"}}
    fmt = raw["format"]
    if not isinstance(fmt, dict):
        raise wrong_type("text.format", fmt, "struct TextFormat")
    kind = fmt.get("type")
    echo = {"format": dict(fmt)}
    if kind == "text":
        return None, echo
    if kind == "json_object":
        return ResponseFormat("json_object"), echo
    if kind != "json_schema":
        shown = kind if isinstance(kind, str) else describe(kind)
        expected = "`text`, `json_object`, `json_schema`"
        msg = f"text.format: unknown variant `{shown}`, expected one of {expected}"
        raise errors.undeserializable(msg)
    schema = fmt.get("schema")
    if not isinstance(schema, dict):
        raise errors.undeserializable("text.format: missing field `schema`")
    name = fmt.get("name")
    return ResponseFormat("json_schema", schema, name if isinstance(name, str) else None), echo


def parse_responses_request(body: object, settings: XaiSettings) -> ResponsesRequest:
    """Validate a decoded Responses body like xAI and return what the model needs.

    Args:
        body: The decoded JSON body.
        settings: Switches (model availability, reported model).

    Returns:
        The validated request.

    Raises:
        XaiError: xAI's error answer for the first problem found.
    """
    if not isinstance(body, dict):
        raise errors.undeserializable(
            f"invalid type: {describe(body)}, expected struct ResponsesRequest"
        )
    _check_field_types(body)
    items = as_items(body["input"])
    check_items(items)

    resolution = resolve(body["model"], settings)
    if resolution is None:
        raise errors.model_not_found(body["model"])
    spec = resolution.spec
    if spec.kind != "chat":
        raise errors.invalid_argument(f"Model {spec.id} does not support the Responses API.")
    reasoning = body.get("reasoning") or {}
    requested_effort = reasoning.get("effort")
    _check_reasoning(spec, requested_effort)
    _check_ranges(body)

    functions, servers = parse_tools(body.get("tools"))
    if functions and not spec.client_tools:
        raise errors.unsupported_parameter(spec.id, "tools")
    tool_choice = parse_tool_choice(body.get("tool_choice"), functions, servers)
    text_format, text_echo = _parse_text(body.get("text"))
    previous = body.get("previous_response_id")
    if previous and body.get("instructions") is not None:
        raise errors.invalid_argument("`instructions` cannot be used with `previous_response_id`.")

    if not spec.reasoning:
        effort = "none"
    else:
        effort = requested_effort or resolution.redirect_effort or spec.default_effort
    return ResponsesRequest(
        resolution=resolution,
        reported_model=spec.id if settings.report_resolved_model else resolution.requested,
        instructions=body.get("instructions"),
        input_items=items,
        function_tools=functions,
        server_tools=servers,
        tools_echo=tuple(body.get("tools") or ()),
        tool_choice=tool_choice,
        tool_choice_echo=body.get("tool_choice") or "auto",
        parallel_tool_calls=body.get("parallel_tool_calls") is not False,
        effort=effort,
        requested_effort=requested_effort,
        summary=reasoning.get("summary") or reasoning.get("generate_summary"),
        include_encrypted=ENCRYPTED_REASONING in (body.get("include") or []),
        store=body.get("store") is not False,
        previous_response_id=previous or None,
        prompt_cache_key=body.get("prompt_cache_key") or None,
        max_output_tokens=body.get("max_output_tokens"),
        text_format=text_format,
        text_echo=text_echo,
        stream=body.get("stream") is True,
        temperature=body.get("temperature"),
        top_p=body.get("top_p"),
        metadata=dict(body.get("metadata") or {}),
        user=body.get("user"),
    )
