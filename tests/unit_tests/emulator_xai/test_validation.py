"""xAI's request validation and flat error bodies (xai-api.md §1.2, §1.5)."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_cfgateway_grok.emulator._xai import XaiSettings, retired_endpoint
from langchain_cfgateway_grok.emulator._xai.errors import mask_key
from tests.unit_tests.emulator_xai._helpers import body, call, error, ok, tool, user

INVALID = "Client specified an invalid argument"
BAD_CONTENT = "data did not match any variant of untagged enum ChatCompletionRequestContent"


def test_missing_key_is_401() -> None:
    status, code, text = error(body(), api_key=None)
    assert status == 401
    assert code == "unauthenticated"
    assert "Authorization" in text
    assert error(body(), api_key="")[0] == 401


def test_unknown_key_is_400_with_the_masked_key() -> None:
    # xai-api.md §1.5: a wrong key is a 400, not a 401, and the key is masked as xa***ke.
    result = call(body(), api_key="xai-wrong-secret-ke", accepted_keys={"xai-right"})
    assert result.status == 400
    assert result.body == {
        "code": INVALID,
        "error": "Incorrect API key provided: xa***ke. You can obtain an API key from https://console.x.ai.",
    }
    assert "wrong-secret" not in str(result)


def test_accepted_keys_none_accepts_any_key_and_a_listed_key_passes() -> None:
    ok(body(), api_key="anything")
    ok(body(), api_key="xai-right", accepted_keys={"xai-right"})


@pytest.mark.parametrize(
    ("key", "masked"),
    [("xai-abcdef", "xa***ef"), ("abcde", "ab***de"), ("abcd", "***"), ("a", "***")],
)
def test_mask_key(key: str, masked: str) -> None:
    assert mask_key(key) == masked


def test_credentials_are_checked_before_the_body() -> None:
    assert error({"not": "a request"}, api_key=None)[0] == 401
    assert error(body(model="grok-beta"), api_key="k", accepted_keys=set())[2].startswith(
        "Incorrect API key"
    )


def test_search_parameters_is_410() -> None:
    assert error(body(search_parameters={"mode": "auto"})) == (
        410,
        "gone",
        "Live search is deprecated. Please switch to the Agent Tools API: https://docs.x.ai/docs/guides/tools/overview",
    )
    ok(body(search_parameters=None))


@pytest.mark.parametrize("parameter", ["stop", "frequency_penalty", "presence_penalty"])
@pytest.mark.parametrize(
    "model", ["grok-4.3", "grok-4.6", "grok-4.20-0309-reasoning", "grok-3-mini"]
)
def test_reasoning_models_reject_stop_and_penalties(model: str, parameter: str) -> None:
    value: Any = ["you"] if parameter == "stop" else 0.5
    assert error(body(model=model, **{parameter: value})) == (
        400,
        "invalid-argument",
        f"Model {model} does not support parameter {parameter}.",
    )


@pytest.mark.parametrize("model", ["grok-4.20-0309-non-reasoning", "grok-composer-2.5-fast"])
def test_non_reasoning_models_accept_stop_and_penalties(model: str) -> None:
    ok(body(model=model, stop=["x"], frequency_penalty=0.5, presence_penalty=-0.5))


def test_empty_stop_is_not_a_stop() -> None:
    ok(body(stop=[]))
    ok(body(stop=""))


def test_redirected_slug_is_checked_as_its_target() -> None:
    assert error(body(model="grok-4-fast-non-reasoning", stop="x"))[2] == (
        "Model grok-4.3 does not support parameter stop."
    )


@pytest.mark.parametrize(
    ("request_body", "detail"),
    [
        ([], "invalid type: sequence, expected struct ChatRequest"),
        ("hi", 'invalid type: string "hi", expected struct ChatRequest'),
        (None, "invalid type: null, expected struct ChatRequest"),
        ({"messages": [user("x")]}, "missing field `model`"),
        ({"model": "grok-4.3"}, "missing field `messages`"),
        (
            {"model": 4.3, "messages": [user("x")]},
            "model: invalid type: floating point `4.3`, expected a string",
        ),
        ({"model": "grok-4.3", "messages": {}}, "messages: invalid type: map, expected a sequence"),
        (body(stream="yes"), 'stream: invalid type: string "yes", expected a boolean'),
        (body(temperature="hot"), 'temperature: invalid type: string "hot", expected f32'),
        (body(max_tokens=1.5), "max_tokens: invalid type: floating point `1.5`, expected u32"),
        (body(max_tokens=-1), "max_tokens: invalid value: integer `-1`, expected u32"),
        (body(n=True), "n: invalid type: boolean `true`, expected u32"),
        (body(tools={}), "tools: invalid type: map, expected a sequence"),
        (body(stop=5), "stop: data did not match any variant of untagged enum Stop"),
        (body(stop=["a", 1]), "stop: data did not match any variant of untagged enum Stop"),
        (
            body(stream_options={"include_usage": "yes"}),
            "stream_options.include_usage: invalid type",
        ),
        (
            {"model": "grok-4.3", "messages": [5]},
            "messages[0]: invalid type: integer `5`, expected struct Message",
        ),
        (
            {"model": "grok-4.3", "messages": [{"content": "x"}]},
            "messages[0]: missing field `role`",
        ),
        (
            {"model": "grok-4.3", "messages": [{"role": "robot", "content": "x"}]},
            "messages[0]: unknown variant `robot`",
        ),
        (
            {"model": "grok-4.3", "messages": [{"role": "user"}]},
            "messages[0]: missing field `content`",
        ),
        (
            {"model": "grok-4.3", "messages": [{"role": "user", "content": 7}]},
            f"messages[0]: {BAD_CONTENT}",
        ),
        (
            {"model": "grok-4.3", "messages": [{"role": "user", "content": [{"type": "video"}]}]},
            f"messages[0]: {BAD_CONTENT}",
        ),
        (
            {
                "model": "grok-4.3",
                "messages": [
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [{"function": {"name": "f"}}],
                    }
                ],
            },
            "messages[0].tool_calls[0].function.arguments: invalid type: null, expected a string",
        ),
        (body(tool_choice="sometimes"), "tool_choice: unknown variant `sometimes`"),
        (body(response_format={"type": "yaml"}), "response_format: unknown variant `yaml`"),
        (
            body(response_format={"type": "json_schema"}),
            "response_format: missing field `json_schema`",
        ),
        (
            body(response_format={"type": "json_schema", "json_schema": {"name": "x"}}),
            "response_format.json_schema: missing field `schema`",
        ),
    ],
)
def test_wrong_shapes_are_422(request_body: object, detail: str) -> None:
    status, code, text = error(request_body)
    assert status == 422
    assert code == INVALID
    assert text.startswith("Failed to deserialize the JSON body into the target type: " + detail)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ({"temperature": 2.5}, "`temperature` must be between 0 and 2; got 2.5."),
        ({"top_p": 1.5}, "`top_p` must be between 0 and 1"),
        ({"max_tokens": 0}, "`max_tokens` must be at least 1"),
        ({"max_completion_tokens": 0}, "`max_completion_tokens` must be at least 1"),
        ({"n": 0}, "`n` must be at least 1"),
        ({"top_logprobs": 9}, "`top_logprobs` must be between 0 and 8"),
        (
            {"tools": [tool(f"t{i}") for i in range(129)]},
            "A maximum of 128 tools is supported; got 129.",
        ),
        ({"tools": [tool("a"), tool("a")]}, "Tool names must be unique; duplicated: a."),
        ({"tools": [{"type": "web_search"}]}, "Unsupported tool type `web_search`"),
        ({"tool_choice": "required"}, "tool_choice `required` needs at least one tool"),
        (
            {"tools": [tool("a")], "tool_choice": {"type": "function", "function": {"name": "b"}}},
            "tool_choice names `b`, which is not in `tools`.",
        ),
    ],
)
def test_out_of_range_arguments_are_400(extra: dict[str, Any], fragment: str) -> None:
    status, code, text = error(body(**extra))
    assert status == 400
    assert code == INVALID
    assert fragment in text


def test_more_than_four_stop_sequences_is_400() -> None:
    request = body(model="grok-4.20-0309-non-reasoning", stop=["a", "b", "c", "d", "e"])
    assert error(request)[2] == "`stop` takes at most 4 sequences; got 5."


def test_empty_messages_is_400() -> None:
    assert error({"model": "grok-4.3", "messages": []})[:2] == (400, INVALID)


def test_multi_agent_model_rejects_client_tools() -> None:
    request = body(model="grok-4.20-multi-agent-0309", tools=[tool("lookup_order")])
    assert error(request) == (
        400,
        "invalid-argument",
        "Model grok-4.20-multi-agent-0309 does not support parameter tools.",
    )


def test_unknown_fields_are_ignored_and_deferred_answers_synchronously() -> None:
    ok(
        body(
            some_future_field={"x": 1},
            deferred=True,
            seed=7,
            user="u",
            logprobs=False,
            logit_bias={},
        )
    )


def test_valid_message_shapes_pass() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "developer", "content": [{"type": "text", "text": "Really."}]},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "reasoning_content": "thinking",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "done"},
        {"role": "user", "content": "thanks"},
    ]
    answer = ok({"model": "grok-4.3", "messages": messages})
    assert answer["usage"]["prompt_tokens_details"]["image_tokens"] == 256


def test_raw_bytes_bodies() -> None:
    assert (
        ok(b'{"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}]}')["model"]
        == "grok-4.3"
    )
    assert error(b"") == (415, "unsupported-media-type", error(b"")[2])
    assert error(b"   ")[0] == 415
    status, code, text = error(b"{not json")
    assert (status, code) == (400, INVALID)
    assert text.startswith("Failed to parse the request body as JSON: ")
    assert error(b"\xff\xfe")[0] == 400


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_non_json_content_type_is_415(content_type: str | None) -> None:
    assert error(body(), content_type=content_type)[0] == 415


def test_json_content_type_with_charset_passes() -> None:
    ok(body(), content_type="application/json; charset=utf-8")


@pytest.mark.parametrize(("status", "code"), [(410, "gone"), (404, "not-found")])
def test_retired_endpoint_is_a_switch(status: int, code: str) -> None:
    result = retired_endpoint("/v1/messages", settings=XaiSettings(retired_endpoint_status=status))  # type: ignore[arg-type]
    assert result.status == status
    assert result.body is not None
    assert result.body["code"] == code
    assert set(result.body) == {"code", "error"}
    assert result.chunks is None


def test_retired_endpoint_default_is_410_with_the_deprecation_text() -> None:
    result = retired_endpoint("/v1/messages")
    assert result.status == 410
    assert result.body is not None
    assert "Anthropic SDK compatibility is fully deprecated" in result.body["error"]


def test_errors_never_stream() -> None:
    result = call(body(model="grok-beta", stream=True))
    assert result.status == 400
    assert result.chunks is None
    assert result.body == {"code": INVALID, "error": "Model not found: grok-beta"}
