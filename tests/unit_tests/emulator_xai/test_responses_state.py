"""State across requests: stored responses, `previous_response_id`, encrypted reasoning round
trips, and the prompt cache of both APIs.

References: xai-api.md §1.1 (store default true, 30 days, previous_response_id, encrypted
reasoning), docs.x.ai prompt caching (x-grok-conv-id / prompt_cache_key, cached_tokens).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from langchain_cfgateway_grok.emulator._xai import (
    XaiSettings,
    XaiStore,
    chat_completions,
    delete_response,
    get_response,
)
from langchain_cfgateway_grok.emulator._xai.responses.sealed import seal, unseal
from langchain_cfgateway_grok.emulator._xai.store import (
    STORED_RESPONSE_TTL_SECONDS,
    cached_tokens_for,
    owner_of,
    shared_prefix_bytes,
)
from langchain_cfgateway_grok.emulator._xai.tokens import count_tokens
from tests.unit_tests.emulator_xai._responses_helpers import (
    KEY,
    NOW,
    PLAIN,
    body,
    call,
    error,
    fn_tool,
    items_of,
    ok,
    output_text,
)

ENCRYPTED = ["reasoning.encrypted_content"]


# --- stored responses -------------------------------------------------------------------------
def test_store_get_and_delete() -> None:
    store = XaiStore()
    response = ok(body("hello"), store=store)
    assert store.stored_ids == [response["id"]]
    got = get_response(response["id"], api_key=KEY, store=store, now=NOW + 5)
    assert (got.status, got.body) == (200, response)
    deleted = delete_response(response["id"], api_key=KEY, store=store, now=NOW)
    assert (deleted.status, deleted.body) == (
        200,
        {"id": response["id"], "object": "response", "deleted": True},
    )
    again = get_response(response["id"], api_key=KEY, store=store, now=NOW)
    assert again.status == 404
    assert again.body == {
        "code": "not-found",
        "error": f"Response with id '{response['id']}' not found.",
    }
    assert delete_response(response["id"], api_key=KEY, store=store, now=NOW).status == 404


def test_store_false_keeps_nothing() -> None:
    store = XaiStore()
    response = ok(body("hello", store=False), store=store)
    assert response["store"] is False
    assert store.stored_ids == []
    assert get_response(response["id"], api_key=KEY, store=store, now=NOW).status == 404


def test_stored_responses_belong_to_their_key_and_expire_after_30_days() -> None:
    store = XaiStore()
    response = ok(body("hello"), store=store)
    assert get_response(response["id"], api_key="other-key", store=store, now=NOW).status == 404
    assert get_response(response["id"], api_key=None, store=store, now=NOW).status == 401
    late = NOW + STORED_RESPONSE_TTL_SECONDS + 1
    assert get_response(response["id"], api_key=KEY, store=store, now=late).status == 404
    assert owner_of(KEY) not in repr(store)
    assert KEY not in repr(store)


def test_previous_response_id_continues_the_conversation() -> None:
    store = XaiStore()
    tool = fn_tool("get_time")
    first = ok(body("get time", tools=[tool], model=PLAIN), store=store)
    (fc,) = items_of(first, "function_call")
    second = ok(
        body(
            [{"type": "function_call_output", "call_id": fc["call_id"], "output": "12:00"}],
            tools=[tool],
            model=PLAIN,
            previous_response_id=first["id"],
        ),
        store=store,
    )
    assert second["previous_response_id"] == first["id"]
    assert output_text(second) == "get_time returned: 12:00"
    assert second["usage"]["input_tokens"] > first["usage"]["input_tokens"]
    # A third turn chains through the second (and so the first).
    third = ok(
        body("and again?", tools=[tool], model=PLAIN, previous_response_id=second["id"]),
        store=store,
    )
    assert output_text(third) == "You said: and again?"
    assert third["usage"]["input_tokens"] > second["usage"]["input_tokens"]


def test_previous_response_of_another_key_or_unstored_is_not_found() -> None:
    store = XaiStore()
    mine = ok(body("hello"), store=store)
    assert (
        error(body("hi", previous_response_id=mine["id"]), store=store, api_key="xai-other")[0]
        == 404
    )
    unstored = ok(body("hello", store=False), store=store)
    assert error(body("hi", previous_response_id=unstored["id"]), store=store)[0] == 404


# --- reasoning continuity ---------------------------------------------------------------------
def test_encrypted_reasoning_round_trip_is_verified_and_recorded() -> None:
    store = XaiStore()
    first = ok(body("What is 2 + 2?", store=False, include=ENCRYPTED), store=store)
    (reasoning,) = items_of(first, "reasoning")
    token = reasoning["encrypted_content"]
    assert "2 + 2" not in base64.urlsafe_b64decode(token).decode("latin-1")  # opaque
    follow_up: list[dict[str, Any]] = [
        {"role": "user", "content": "What is 2 + 2?"},
        reasoning,
        {"type": "message", "role": "assistant", "content": [
            {"type": "output_text", "text": output_text(first), "annotations": []}]},
        {"role": "user", "content": "And times 3?"},
    ]  # fmt: skip
    second = ok(body(follow_up, store=False, include=ENCRYPTED), store=store)
    summary = items_of(second, "reasoning")[0]["summary"][0]["text"]
    assert summary.endswith("Continuing from 1 earlier reasoning item(s).")
    (record,) = store.continuity
    assert (record.response_id, record.item_id, record.source_response_id, record.via) == (
        second["id"],
        reasoning["id"],
        first["id"],
        "encrypted_content",
    )
    # The decrypted reasoning is part of the prompt.
    without = ok(body([follow_up[0], follow_up[2], follow_up[3]], store=False), store=store)
    carried = count_tokens(reasoning["summary"][0]["text"])
    assert second["usage"]["input_tokens"] >= without["usage"]["input_tokens"] + carried - 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"),
        lambda t: "x" + t,
        lambda t: "not base64 at all!",
        lambda t: base64.urlsafe_b64encode(b"\x01" + b"0" * 40).decode(),
    ],
)
def test_tampered_encrypted_reasoning_is_a_400(tamper: Any) -> None:
    store = XaiStore()
    first = ok(body("hi", include=ENCRYPTED, store=False), store=store)
    (reasoning,) = items_of(first, "reasoning")
    bad = {**reasoning, "encrypted_content": tamper(reasoning["encrypted_content"])}
    status, code, message = error(body([{"role": "user", "content": "hi"}, bad]), store=store)
    assert (status, code) == (400, "Client specified an invalid argument")
    assert f"input[1]: the encrypted_content of reasoning item '{reasoning['id']}'" in message
    assert store.continuity == []


def test_encrypted_reasoning_from_another_emulator_or_item_is_refused() -> None:
    first = ok(body("hi", include=ENCRYPTED), store=XaiStore())
    (reasoning,) = items_of(first, "reasoning")
    assert error(body([reasoning]), store=XaiStore())[0] == 400  # another secret
    store = XaiStore()
    mine = items_of(ok(body("hi", include=ENCRYPTED), store=store), "reasoning")[0]
    moved = {**mine, "id": "rs_someone-else"}
    assert error(body([moved]), store=store)[0] == 400


def test_previous_response_id_carries_stored_reasoning() -> None:
    store = XaiStore()
    first = ok(body("hi"), store=store)
    second = ok(body("more", previous_response_id=first["id"]), store=store)
    assert items_of(second, "reasoning")[0]["summary"][0]["text"].endswith(
        "Continuing from 1 earlier reasoning item(s)."
    )
    (record,) = store.continuity
    assert (record.via, record.source_response_id) == ("previous_response_id", first["id"])


def test_sealing_is_deterministic_and_keyed() -> None:
    payload = {"v": 1, "text": "thought"}
    assert seal(b"k" * 32, payload) == seal(b"k" * 32, payload)
    assert unseal(b"k" * 32, seal(b"k" * 32, payload)) == payload
    assert unseal(b"j" * 32, seal(b"k" * 32, payload)) is None


# --- prompt cache -----------------------------------------------------------------------------
def test_prefix_helpers() -> None:
    assert shared_prefix_bytes(b"abcdef", b"abcxyz") == 3
    assert cached_tokens_for(9, b"0123456789") == 2  # whole 4-byte tokens in the shared prefix
    assert cached_tokens_for(10, b"0123456789") == 3  # ceil(10 / 4) when fully shared


def test_prompt_cache_key_reports_the_shared_prefix() -> None:
    store = XaiStore()
    history: list[dict[str, Any]] = [
        {"role": "user", "content": "Tell me about " + "caching " * 20}
    ]
    first = ok(body(history, prompt_cache_key="conv-1"), store=store)
    assert first["usage"]["input_tokens_details"]["cached_tokens"] == 0
    assert first["prompt_cache_key"] == "conv-1"
    history += [
        {"role": "assistant", "content": output_text(first)},
        {"role": "user", "content": "more"},
    ]
    second = ok(body(history, prompt_cache_key="conv-1"), store=store)
    cached = second["usage"]["input_tokens_details"]["cached_tokens"]
    assert first["usage"]["input_tokens"] - 1 <= cached < second["usage"]["input_tokens"]
    # Cached input is billed at the cached price (grok-4.3: 2,000 vs 12,500 ticks per token).
    usage = second["usage"]
    expected = (usage["input_tokens"] - cached) * 12_500 + cached * 2_000
    assert usage["cost_in_usd_ticks"] == expected + usage["output_tokens"] * 25_000
    again = ok(body(history, prompt_cache_key="conv-1"), store=store)
    assert again["usage"]["input_tokens_details"]["cached_tokens"] == again["usage"]["input_tokens"]


def test_no_or_other_conversation_id_means_no_cache_hit() -> None:
    store = XaiStore()
    ok(body("same prompt", prompt_cache_key="conv-a"), store=store)
    assert (
        ok(body("same prompt"), store=store)["usage"]["input_tokens_details"]["cached_tokens"] == 0
    )
    other = ok(body("same prompt", prompt_cache_key="conv-b"), store=store)
    assert other["usage"]["input_tokens_details"]["cached_tokens"] == 0
    foreign = ok(body("same prompt", prompt_cache_key="conv-a"), store=store, api_key="xai-other")
    assert foreign["usage"]["input_tokens_details"]["cached_tokens"] == 0


def _chat(
    messages: list[dict[str, Any]], store: XaiStore, conversation: str | None
) -> dict[str, Any]:
    result = chat_completions(
        {"model": "grok-4.3", "messages": messages},
        api_key=KEY,
        now=NOW,
        settings=XaiSettings(),
        store=store,
        conversation_id=conversation,
    )
    assert result.status == 200, result.body
    assert result.body is not None
    return result.body


def test_chat_completions_x_grok_conv_id_reports_cached_tokens() -> None:
    store = XaiStore()
    messages = [
        {"role": "system", "content": "You are terse. " * 10},
        {"role": "user", "content": "hi"},
    ]
    first = _chat(messages, store, "conv-9")
    assert first["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
    messages += [first["choices"][0]["message"], {"role": "user", "content": "again"}]
    second = _chat(messages, store, "conv-9")
    cached = second["usage"]["prompt_tokens_details"]["cached_tokens"]
    assert 0 < cached < second["usage"]["prompt_tokens"]
    assert cached >= first["usage"]["prompt_tokens"] - 1
    assert _chat(messages, store, None)["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
    assert (
        _chat(messages, XaiStore(), "conv-9")["usage"]["prompt_tokens_details"]["cached_tokens"]
        == 0
    )


def test_store_clear_forgets_everything() -> None:
    store = XaiStore()
    response = ok(body("hi", prompt_cache_key="c"), store=store)
    store.clear()
    assert store.stored_ids == []
    assert store.continuity == []
    assert ok(body("hi", prompt_cache_key="c"), store=store)["usage"]["input_tokens_details"] == {
        "cached_tokens": 0
    }
    assert get_response(response["id"], api_key=KEY, store=store, now=NOW).status == 404
    assert json.dumps(response)  # the old response object is still plain JSON


def test_failed_validation_does_not_touch_the_cache() -> None:
    store = XaiStore()
    assert call(body("hi", prompt_cache_key="c", temperature=9), store=store).status == 400
    assert (
        ok(body("hi", prompt_cache_key="c"), store=store)["usage"]["input_tokens_details"][
            "cached_tokens"
        ]
        == 0
    )
