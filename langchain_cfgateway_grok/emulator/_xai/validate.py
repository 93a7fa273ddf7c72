"""xAI's request validation for `POST /v1/chat/completions`, in the order xAI applies it.

Order: credentials (401/400, xai-api.md §1.5) → body bytes (415/400) → body shape (422,
"invalid field format") → `search_parameters` (410, §1.2) → model (400 "Model not found", §1.5,
§1.6) → model-dependent parameters (400, §1.2) → ranges (400). The context-length check needs the
token count and runs later (`completions.py`). Unknown top-level fields are ignored, as serde does.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from langchain_cfgateway_grok.emulator._xai import errors
from langchain_cfgateway_grok.emulator._xai.models import ModelSpec, resolve
from langchain_cfgateway_grok.emulator._xai.request import (
    ChatRequest,
    ResponseFormat,
    ToolChoice,
    ToolDef,
)
from langchain_cfgateway_grok.emulator._xai.settings import XaiSettings

ROLES = ("system", "user", "assistant", "tool", "function", "developer")
PART_TYPES = ("text", "image_url", "file", "text_file", "input_audio")
MAX_TOOLS = 128  # xai-api.md §1.2
MAX_STOP = 4  # xai-api.md §1.2
MAX_TOP_LOGPROBS = 8  # xai-api.md §1.2
_CONTENT_ENUM = "data did not match any variant of untagged enum ChatCompletionRequestContent"


def check_credentials(api_key: str | None, accepted_keys: Collection[str] | None) -> None:
    """Raise xAI's answer to a missing (401) or unknown (400) key (xai-api.md §1.5).

    Args:
        api_key: Bearer token from `Authorization`; None or empty when absent.
        accepted_keys: None = any non-empty key is accepted.

    Raises:
        XaiError: 401 without a key, 400 "Incorrect API key provided" for an unknown one.
    """
    if not api_key:
        raise errors.missing_key()
    if accepted_keys is not None and api_key not in accepted_keys:
        raise errors.incorrect_key(api_key)


def decode_body(body: object, content_type: str | None) -> object:
    """Turn raw bytes into JSON; pass parsed JSON through.

    Args:
        body: Parsed JSON, or the raw request bytes.
        content_type: The `Content-Type` header; None when absent.

    Returns:
        The parsed JSON value.

    Raises:
        XaiError: 415 for an empty body or a non-JSON content type, 400 for unparsable bytes.
    """
    if content_type is None or "json" not in content_type.lower():
        raise errors.unsupported_media_type()
    if not isinstance(body, (bytes, bytearray)):
        return body
    if not body.strip():
        raise errors.unsupported_media_type()
    try:
        return json.loads(bytes(body).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise errors.unparsable_json(str(e)) from e


def describe(value: object) -> str:
    """Name a JSON value the way serde's "invalid type" messages do."""
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "..."
        return f'string "{shown}"'
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    kinds: tuple[tuple[type, str], ...] = (
        (int, "integer `{}`"),
        (float, "floating point `{}`"),
        (list, "sequence"),
        (dict, "map"),
    )
    for kind, template in kinds:
        if isinstance(value, kind):
            return template.format(value)
    return "null"


def wrong_type(path: str, value: object, expected: str) -> errors.XaiError:
    """The 422 for a field of the wrong JSON type, in serde's words."""
    return errors.undeserializable(f"{path}: invalid type: {describe(value)}, expected {expected}")


def is_number(value: object) -> bool:
    """A JSON number (not a boolean)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_int(value: object) -> bool:
    """A JSON integer (not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool)


_TYPED_FIELDS: dict[str, tuple[str, str]] = {
    # field: (kind, serde's "expected ...")
    "model": ("str", "a string"),
    "messages": ("list", "a sequence"),
    "stream": ("bool", "a boolean"),
    "stream_options": ("dict", "struct StreamOptions"),
    "temperature": ("number", "f32"),
    "top_p": ("number", "f32"),
    "frequency_penalty": ("number", "f32"),
    "presence_penalty": ("number", "f32"),
    "max_tokens": ("uint", "u32"),
    "max_completion_tokens": ("uint", "u32"),
    "n": ("uint", "u32"),
    "top_logprobs": ("uint", "u32"),
    "seed": ("int", "i64"),
    "logprobs": ("bool", "a boolean"),
    "parallel_tool_calls": ("bool", "a boolean"),
    "deferred": ("bool", "a boolean"),
    "user": ("str", "a string"),
    "reasoning_effort": ("str", "a string"),
    "tools": ("list", "a sequence"),
    "response_format": ("dict", "struct ResponseFormat"),
    "logit_bias": ("dict", "a map"),
}

KIND_CHECKS = {
    "str": lambda v: isinstance(v, str),
    "list": lambda v: isinstance(v, list),
    "dict": lambda v: isinstance(v, dict),
    "bool": lambda v: isinstance(v, bool),
    "number": is_number,
    "int": is_int,
    "uint": is_int,
}


def _check_field_types(body: Mapping[str, Any]) -> None:
    for field, (kind, expected) in _TYPED_FIELDS.items():
        value = body.get(field)
        if value is None:
            continue
        if not KIND_CHECKS[kind](value):
            raise wrong_type(field, value, expected)
        if kind == "uint" and value < 0:
            msg = f"{field}: invalid value: integer `{value}`, expected {expected}"
            raise errors.undeserializable(msg)
    for field in ("model", "messages"):
        if field not in body or body[field] is None:
            raise errors.undeserializable(f"missing field `{field}`")
    stop = body.get("stop")
    if stop is not None and not (
        isinstance(stop, str) or (isinstance(stop, list) and all(isinstance(s, str) for s in stop))
    ):
        raise errors.undeserializable("stop: data did not match any variant of untagged enum Stop")
    options = body.get("stream_options")
    if options is not None and options.get("include_usage") not in (None, True, False):
        raise wrong_type("stream_options.include_usage", options["include_usage"], "a boolean")


def _check_content(path: str, content: object, *, optional: bool) -> None:
    if content is None:
        if optional:
            return
        raise errors.undeserializable(f"{path}: missing field `content`")
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise errors.undeserializable(f"{path}: {_CONTENT_ENUM}")
    for part in content:
        if not isinstance(part, dict) or part.get("type") not in PART_TYPES:
            raise errors.undeserializable(f"{path}: {_CONTENT_ENUM}")
        if part["type"] == "text" and not isinstance(part.get("text"), str):
            raise errors.undeserializable(f"{path}: {_CONTENT_ENUM}")
        if part["type"] == "image_url" and not isinstance(part.get("image_url"), dict):
            raise errors.undeserializable(f"{path}: {_CONTENT_ENUM}")


def _check_tool_calls(path: str, tool_calls: object) -> None:
    if tool_calls is None:
        return
    if not isinstance(tool_calls, list):
        raise wrong_type(f"{path}.tool_calls", tool_calls, "a sequence")
    for j, call in enumerate(tool_calls):
        where = f"{path}.tool_calls[{j}]"
        if not isinstance(call, dict):
            raise wrong_type(where, call, "struct ToolCall")
        function = call.get("function")
        if not isinstance(function, dict):
            raise errors.undeserializable(f"{where}: missing field `function`")
        if not isinstance(function.get("name"), str):
            raise wrong_type(f"{where}.function.name", function.get("name"), "a string")
        if not isinstance(function.get("arguments"), str):
            raise wrong_type(f"{where}.function.arguments", function.get("arguments"), "a string")


def _check_messages(messages: list[Any]) -> None:
    if not messages:
        raise errors.invalid_argument("`messages` must contain at least one message.")
    for i, message in enumerate(messages):
        path = f"messages[{i}]"
        if not isinstance(message, dict):
            raise wrong_type(path, message, "struct Message")
        role = message.get("role")
        if role is None:
            raise errors.undeserializable(f"{path}: missing field `role`")
        if role not in ROLES:
            expected = ", ".join(f"`{r}`" for r in ROLES)
            shown = role if isinstance(role, str) else describe(role)
            raise errors.undeserializable(
                f"{path}: unknown variant `{shown}`, expected one of {expected}"
            )
        content = message.get("content")
        if role == "assistant":
            _check_content(path, content, optional=True)
            _check_tool_calls(path, message.get("tool_calls"))
            reasoning = message.get("reasoning_content")
            if reasoning is not None and not isinstance(reasoning, str):
                raise wrong_type(f"{path}.reasoning_content", reasoning, "a string")
        else:
            _check_content(path, content, optional=False)
        call_id = message.get("tool_call_id")
        if role == "tool" and call_id is not None and not isinstance(call_id, str):
            raise wrong_type(f"{path}.tool_call_id", call_id, "a string")


def _parse_tools(raw: list[Any] | None) -> tuple[ToolDef, ...]:
    if not raw:
        return ()
    if len(raw) > MAX_TOOLS:
        raise errors.invalid_argument(
            f"A maximum of {MAX_TOOLS} tools is supported; got {len(raw)}."
        )
    tools: list[ToolDef] = []
    for i, tool in enumerate(raw):
        path = f"tools[{i}]"
        if not isinstance(tool, dict):
            raise wrong_type(path, tool, "struct Tool")
        if tool.get("type", "function") != "function":
            msg = f"Unsupported tool type `{tool.get('type')}` in Chat Completions; use `function`."
            raise errors.invalid_argument(msg)
        function = tool.get("function")
        if not isinstance(function, dict):
            raise errors.undeserializable(f"{path}: missing field `function`")
        name = function.get("name")
        if not isinstance(name, str) or not name:
            raise wrong_type(f"{path}.function.name", name, "a non-empty string")
        parameters = function.get("parameters")
        if parameters is None:
            parameters = {"type": "object", "properties": {}}
        if not isinstance(parameters, dict):
            raise wrong_type(f"{path}.function.parameters", parameters, "a map")
        description = function.get("description")
        tools.append(ToolDef(name, description if isinstance(description, str) else "", parameters))
    names = [t.name for t in tools]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise errors.invalid_argument(
            f"Tool names must be unique; duplicated: {', '.join(duplicates)}."
        )
    return tuple(tools)


def _parse_tool_choice(raw: object, tools: tuple[ToolDef, ...]) -> ToolChoice:
    if raw is None:
        return ToolChoice("auto")
    if isinstance(raw, str):
        if raw not in ("auto", "none", "required"):
            msg = (
                f"tool_choice: unknown variant `{raw}`, expected one of `none`, `auto`, `required`"
            )
            raise errors.undeserializable(msg)
        if raw == "required" and not tools:
            raise errors.invalid_argument(
                "tool_choice `required` needs at least one tool in `tools`."
            )
        return ToolChoice(raw)  # type: ignore[arg-type]
    if not isinstance(raw, dict):
        raise wrong_type("tool_choice", raw, "a string or struct ToolChoice")
    function = raw.get("function")
    name = function.get("name") if isinstance(function, dict) else None
    if not isinstance(name, str):
        raise errors.undeserializable("tool_choice: missing field `function.name`")
    if name not in {t.name for t in tools}:
        raise errors.invalid_argument(f"tool_choice names `{name}`, which is not in `tools`.")
    return ToolChoice("function", name)


def _parse_response_format(raw: Mapping[str, Any] | None) -> ResponseFormat | None:
    if raw is None:
        return None
    kind = raw.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return ResponseFormat("json_object")
    if kind != "json_schema":
        msg = (
            f"response_format: unknown variant `{kind}`, "
            "expected one of `text`, `json_object`, `json_schema`"
        )
        raise errors.undeserializable(msg)
    spec = raw.get("json_schema")
    if not isinstance(spec, dict):
        raise errors.undeserializable("response_format: missing field `json_schema`")
    schema = spec.get("schema")
    if not isinstance(schema, dict):
        raise errors.undeserializable("response_format.json_schema: missing field `schema`")
    name = spec.get("name")
    return ResponseFormat("json_schema", schema, name if isinstance(name, str) else None)


def _check_ranges(body: Mapping[str, Any]) -> None:
    bounds = {
        "temperature": (0.0, 2.0),
        "top_p": (0.0, 1.0),
        "frequency_penalty": (-2.0, 2.0),
        "presence_penalty": (-2.0, 2.0),
    }
    for field, (low, high) in bounds.items():
        value = body.get(field)
        if value is not None and not low <= value <= high:
            raise errors.invalid_argument(
                f"`{field}` must be between {low:g} and {high:g}; got {value}."
            )
    for field in ("max_tokens", "max_completion_tokens", "n"):
        value = body.get(field)
        if value is not None and value < 1:
            raise errors.invalid_argument(f"`{field}` must be at least 1; got {value}.")
    top_logprobs = body.get("top_logprobs")
    if top_logprobs is not None and top_logprobs > MAX_TOP_LOGPROBS:
        raise errors.invalid_argument(
            f"`top_logprobs` must be between 0 and {MAX_TOP_LOGPROBS}; got {top_logprobs}."
        )
    stop = body.get("stop")
    if isinstance(stop, list) and len(stop) > MAX_STOP:
        raise errors.invalid_argument(
            f"`stop` takes at most {MAX_STOP} sequences; got {len(stop)}."
        )


def _stop_sequences(raw: object) -> tuple[str, ...]:
    if isinstance(raw, str):
        return (raw,) if raw else ()
    if isinstance(raw, list):
        return tuple(s for s in raw if s)
    return ()


def _check_model_parameters(
    body: Mapping[str, Any], spec: ModelSpec, stop: tuple[str, ...]
) -> None:
    if spec.reasoning:
        # xai-api.md §1.2: reasoning models reject `stop` and the penalties with a 400.
        if stop:
            raise errors.unsupported_parameter(spec.id, "stop")
        for penalty in ("frequency_penalty", "presence_penalty"):
            if body.get(penalty) is not None:
                raise errors.unsupported_parameter(spec.id, penalty)
    effort = body.get("reasoning_effort")
    if effort is None:
        return
    if not spec.efforts:
        raise errors.unsupported_parameter(spec.id, "reasoning_effort")
    if effort not in spec.efforts:
        msg = (
            f"Invalid reasoning_effort `{effort}` for model {spec.id}; "
            f"supported: {', '.join(spec.efforts)}."
        )
        raise errors.invalid_argument(msg)


def parse_request(body: object, settings: XaiSettings) -> ChatRequest:
    """Validate a decoded body like xAI and return what the model needs.

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
            f"invalid type: {describe(body)}, expected struct ChatRequest"
        )
    _check_field_types(body)
    _check_messages(body["messages"])
    if body.get("search_parameters") is not None:
        raise errors.live_search_gone()

    resolution = resolve(body["model"], settings)
    if resolution is None:
        raise errors.model_not_found(body["model"])
    spec = resolution.spec
    if spec.kind != "chat":
        raise errors.invalid_argument(f"Model {spec.id} does not support chat completions.")

    stop = _stop_sequences(body.get("stop"))
    _check_model_parameters(body, spec, stop)
    requested_effort = body.get("reasoning_effort")
    _check_ranges(body)

    tools = _parse_tools(body.get("tools"))
    if tools and not spec.client_tools:
        raise errors.unsupported_parameter(spec.id, "tools")
    tool_choice = _parse_tool_choice(body.get("tool_choice"), tools)
    response_format = _parse_response_format(body.get("response_format"))

    if not spec.reasoning:
        effort = "none"
    else:
        effort = requested_effort or resolution.redirect_effort or spec.default_effort
    max_output = body.get("max_completion_tokens")
    if max_output is None:
        max_output = body.get("max_tokens")
    options = body.get("stream_options") or {}
    return ChatRequest(
        resolution=resolution,
        reported_model=spec.id if settings.report_resolved_model else resolution.requested,
        messages=tuple(body["messages"]),
        tools=tools,
        tool_choice=tool_choice,
        parallel_tool_calls=body.get("parallel_tool_calls") is not False,
        response_format=response_format,
        max_output_tokens=max_output,
        stop=stop,
        stream=body.get("stream") is True,
        include_usage=options.get("include_usage") is True,
        effort=effort,
        n=body.get("n") or 1,
    )
