"""`ChatCloudflareGrok` on xAI's Responses API, end to end against the gateway emulator.

Every call goes over loopback HTTP to `GatewayEmulator` (`cfgateway_emulator` fixture) through
the model's real URL builder and transport; the emulated xAI answers `/grok/v1/responses` as
docs/emulator-xai.md ("Responses API") describes, with its sources. The route itself is
Unconfirmed (gateway-protocol.md §1.2); the emulator serves it by default.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_cfgateway_grok import ChatCloudflareGrok
from langchain_cfgateway_grok import _errors as errors
from langchain_cfgateway_grok.emulator import (
    GatewayConfig,
    GatewayEmulator,
    Guardrails,
    RecordedRequest,
    ScriptedReply,
    XaiSettings,
)

ACCOUNT = "0123456789abcdef0123456789abcdef"
GATEWAY = "responses-gw"
RESPONSES_PATH = f"/v1/{ACCOUNT}/{GATEWAY}/grok/v1/responses"
CHAT_PATH = f"/v1/{ACCOUNT}/{GATEWAY}/grok/v1/chat/completions"
REASONING_MODEL = "grok-4.3"
PLAIN_MODEL = "grok-4.20-0309-non-reasoning"
WEB_SEARCH: dict[str, Any] = {"type": "web_search"}
X_SEARCH: dict[str, Any] = {"type": "x_search", "allowed_x_handles": ["xai"]}


@tool
def lookup_order(order_id: int) -> str:
    """Look up an order by its number: the item and the destination city."""
    return f"order {order_id}: espresso machine to Lima"


def make_model(emu: GatewayEmulator, **overrides: Any) -> ChatCloudflareGrok:
    params: dict[str, Any] = {
        "model": REASONING_MODEL,
        "api_key": "xai-responses-tests",
        "account_id": ACCOUNT,
        "gateway_id": GATEWAY,
        "gateway_url": emu.url,
        "use_responses_api": True,
        "max_retries": 0,
    }
    return ChatCloudflareGrok(**{**params, **overrides})


def sent(emu: GatewayEmulator, path: str = RESPONSES_PATH) -> list[RecordedRequest]:
    requests = [r for r in emu.requests if r.path == path]
    assert requests, [r.path for r in emu.requests]
    return requests


def merge(chunks: Iterable[BaseMessage]) -> AIMessageChunk:
    merged: AIMessageChunk | None = None
    for chunk in chunks:
        assert isinstance(chunk, AIMessageChunk)
        merged = chunk if merged is None else merged + chunk
    assert merged is not None
    return merged


async def amerge(model: Any, prompt: Any, **kwargs: Any) -> AIMessageChunk:
    return merge([chunk async for chunk in model.astream(prompt, **kwargs)])


def without_index(blocks: Any) -> list[dict[str, Any]]:
    """Content blocks without LangChain's streaming `index` keys (also inside summaries)."""
    cleaned = []
    for raw in blocks:
        block = {k: v for k, v in raw.items() if k != "index"}
        if isinstance(block.get("summary"), list):
            block["summary"] = [
                {k: v for k, v in p.items() if k != "index"} for p in block["summary"]
            ]
        cleaned.append(block)
    return cleaned


def block_at(message: BaseMessage, position: int) -> dict[str, Any]:
    block = message.content[position]
    assert isinstance(block, dict)
    return block


def block_types(message: BaseMessage) -> list[str]:
    return [block["type"] for block in message.content if isinstance(block, dict)]


# -- invoke, stream, ainvoke, astream -------------------------------------------------------------


def test_invoke_posts_a_stateless_responses_body_and_reads_xai_results(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    model = make_model(cfgateway_emulator, reasoning={"effort": "low", "summary": "auto"})
    message = model.invoke("Hello there nonce:inv1")

    (request,) = sent(cfgateway_emulator)
    assert request.body == {
        "model": REASONING_MODEL,
        "input": [{"type": "message", "role": "user", "content": "Hello there nonce:inv1"}],
        "store": False,
        "reasoning": {"effort": "low", "summary": "auto"},
        "include": ["reasoning.encrypted_content"],
    }
    assert "x-grok-conv-id" not in request.headers
    assert message.text == "nonce:inv1"
    assert block_types(message) == ["reasoning", "text"]
    reasoning = message.content[0]
    assert isinstance(reasoning, dict)
    assert reasoning["encrypted_content"]
    assert message.additional_kwargs["reasoning_content"].startswith("The user wrote:")
    assert [b["type"] for b in message.content_blocks] == ["reasoning", "text"]

    metadata = message.response_metadata
    assert metadata["model_provider"] == "xai"
    assert metadata["model_name"] == REASONING_MODEL
    assert metadata["status"] == "completed"
    assert metadata["store"] is False
    assert message.id == metadata["id"]
    assert metadata["gateway"]["log_id"] == request.log_id
    assert metadata["gateway"]["cache_status"] == "MISS"
    usage = metadata["token_usage"]
    assert metadata["cost_in_usd_ticks"] == usage["cost_in_usd_ticks"] > 0
    # xAI Responses: output_tokens already include reasoning; total = input + output.
    assert message.usage_metadata == {
        "input_tokens": usage["input_tokens"],
        "output_tokens": usage["output_tokens"],
        "total_tokens": usage["input_tokens"] + usage["output_tokens"],
        "input_token_details": {"cache_read": 0},
        "output_token_details": {"reasoning": usage["output_tokens_details"]["reasoning_tokens"]},
    }
    assert usage["output_tokens_details"]["reasoning_tokens"] > 0


def test_stream_merges_into_the_invoked_message(cfgateway_emulator: GatewayEmulator) -> None:
    model = make_model(cfgateway_emulator, reasoning={"effort": "low", "summary": "auto"})
    prompt = "Tell me about gateways in a few words, please. nonce:st1"
    invoked = model.invoke(prompt)
    chunks = list(model.stream(prompt))

    assert len(chunks) > 3
    with_gateway = [c for c in chunks if "gateway" in c.response_metadata]
    assert with_gateway == [chunks[0]]  # gateway facts once, on the first chunk
    assert chunks[-1].chunk_position == "last"
    streamed = merge(chunks)
    assert streamed.text == invoked.text == "nonce:st1"
    assert streamed.response_metadata["model_provider"] == "xai"
    assert streamed.response_metadata["store"] is False
    assert streamed.usage_metadata is not None
    assert streamed.usage_metadata["output_token_details"]["reasoning"] > 0
    assert streamed.additional_kwargs["reasoning_content"].startswith("The user wrote:")
    # Same blocks as the whole response (the encrypted content differs per response).
    streamed_blocks = without_index(streamed.content)
    invoked_blocks = [dict(b) for b in invoked.content if isinstance(b, dict)]
    for blocks in (streamed_blocks, invoked_blocks):
        blocks[0].pop("encrypted_content")
        blocks[0].pop("id")
        blocks[1].pop("id")
    assert streamed_blocks == invoked_blocks
    body = sent(cfgateway_emulator)[-1].body
    assert body["stream"] is True
    assert "stream_options" not in body


def test_ainvoke_and_astream(cfgateway_emulator: GatewayEmulator) -> None:
    model = make_model(cfgateway_emulator, model=PLAIN_MODEL)

    async def run() -> tuple[AIMessage, AIMessageChunk]:
        return await model.ainvoke("hi async nonce:a1"), await amerge(model, "hi stream nonce:a2")

    invoked, streamed = asyncio.run(run())
    assert invoked.text == "nonce:a1"
    assert streamed.text == "nonce:a2"
    for message in (invoked, streamed):
        assert message.response_metadata["model_provider"] == "xai"
        assert message.response_metadata["gateway"]["cache_status"] == "MISS"
        assert message.usage_metadata is not None
        assert message.usage_metadata["output_token_details"] == {"reasoning": 0}
    # A model that does not reason is not asked for encrypted reasoning.
    assert all("include" not in r.body for r in sent(cfgateway_emulator))


def test_run_id_is_the_event_id_and_gateway_options_apply(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    model = make_model(cfgateway_emulator, model=PLAIN_MODEL)
    run_id = "0199c3a8-5f5e-7e4b-9f55-0123456789ab"
    model.invoke(
        "hi", config={"run_id": UUID(run_id)}, gateway_options={"metadata": {"team": "search"}}
    )
    list(model.stream("hi", gateway_options={"skip_cache": True}))
    first, second = sent(cfgateway_emulator)
    assert first.headers["cf-aig-event-id"] == run_id
    assert json.loads(first.headers["cf-aig-metadata"]) == {"team": "search"}
    assert second.headers["cf-aig-skip-cache"] == "true"
    assert second.headers["cf-aig-event-id"] != run_id


def test_chat_parameters_are_renamed_or_dropped(cfgateway_emulator: GatewayEmulator) -> None:
    model = make_model(cfgateway_emulator, model=PLAIN_MODEL, max_tokens=50, temperature=0.5)
    message = model.invoke("hi there", stop=["there"])
    body = sent(cfgateway_emulator)[-1].body
    assert body["max_output_tokens"] == 50
    assert body["temperature"] == 0.5
    assert "stop" not in body  # no stop sequences on the Responses API
    assert "max_tokens" not in body
    assert "max_completion_tokens" not in body
    assert message.text == "You said: hi there"


def test_max_output_tokens_counts_reasoning_and_marks_the_answer_incomplete(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    model = make_model(cfgateway_emulator, reasoning={"effort": "high"}, max_tokens=30)
    message = model.invoke("Please write a long answer about gateways and caches.")
    assert message.response_metadata["status"] == "incomplete"
    assert message.response_metadata["incomplete_details"] == {"reason": "max_output_tokens"}
    streamed = merge(
        model.stream("Please write a long answer about gateways and caches, streamed.")
    )
    assert streamed.response_metadata["status"] == "incomplete"


# -- server-side tools ----------------------------------------------------------------------------


def test_web_search_and_a_local_tool_in_a_tool_call_loop(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    model = make_model(cfgateway_emulator, model=PLAIN_MODEL).bind_tools([WEB_SEARCH, lookup_order])
    messages: list[BaseMessage] = [
        HumanMessage("Search the web for espresso machine reviews and lookup order 1042 nonce:t1")
    ]
    first = model.invoke(messages)
    # One response: xAI searched the web, then asked for the local tool.
    assert block_types(first) == ["web_search_call", "function_call"]
    search = first.content[0]
    assert isinstance(search, dict)
    sources = [s["url"] for s in search["action"]["sources"]]
    assert sources == [
        f"https://example.com/search/espresso-machine-reviews-and-lookup-order/{n}"
        for n in (1, 2, 3)
    ]
    assert first.tool_calls == [
        {
            "type": "tool_call",
            "name": "lookup_order",
            "args": {"order_id": 1042},
            "id": first.tool_calls[0]["id"],
        }
    ]
    standard = first.content_blocks
    assert [b["type"] for b in standard] == ["server_tool_call", "server_tool_result", "tool_call"]
    assert standard[0]["name"] == "web_search"  # type: ignore[typeddict-item]
    assert standard[1]["output"] == {"sources": search["action"]["sources"]}  # type: ignore[typeddict-item]
    assert first.response_metadata["num_server_side_tools_used"] == 1
    assert (
        first.response_metadata["token_usage"]["server_side_tool_usage_details"]["web_search_calls"]
        == 1
    )

    messages += [first, lookup_order.invoke(first.tool_calls[0])]
    final = model.invoke(messages)
    assert final.text == (
        'Web results for "espresso machine reviews and lookup order 1042":'
        f" [[1]]({sources[0]}) [[2]]({sources[1]}) [[3]]({sources[2]})\n"
        "lookup_order returned: order 1042: espresso machine to Lima nonce:t1"
    )
    text = final.content[-1]
    assert isinstance(text, dict)
    annotations = text["annotations"]
    assert [a["url"] for a in annotations] == sources
    assert all(a["type"] == "url_citation" for a in annotations)
    start, end = annotations[0]["start_index"], annotations[0]["end_index"]
    assert final.text[start:end] == f"[[1]]({sources[0]})"
    assert final.additional_kwargs["citations"] == sources
    text_block = next(b for b in final.content_blocks if b["type"] == "text")
    citations = text_block.get("annotations") or []
    assert [c["type"] for c in citations] == ["citation"] * 3

    # The second request replayed the search and sent the tool output; no second search.
    second = sent(cfgateway_emulator)[-1].body
    assert [item["type"] for item in second["input"]] == [
        "message",
        "web_search_call",
        "function_call",
        "function_call_output",
    ]
    assert second["tools"][0] == WEB_SEARCH
    assert second["tools"][1]["name"] == "lookup_order"
    assert "function" not in second["tools"][1]  # the flat Responses function shape
    assert final.response_metadata["num_server_side_tools_used"] == 0


def test_x_search_through_bind_tools_with_a_function_tool(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    model = make_model(cfgateway_emulator, model=PLAIN_MODEL).bind_tools([lookup_order, X_SEARCH])
    first = model.invoke("What do posts on X say about order 7? nonce:x1")
    body = sent(cfgateway_emulator)[-1].body
    assert body["tools"][1] == X_SEARCH  # passed through as given, in its place
    assert body["tools"][0]["type"] == "function"
    assert "tool_choice" not in body
    assert block_types(first) == ["x_search_call", "function_call"]
    x_call = first.content[0]
    assert isinstance(x_call, dict)
    urls = [s["url"] for s in x_call["action"]["sources"]]
    assert urls == ["https://example.com/x/xai/status/1", "https://example.com/x/xai/status/2"]
    assert (
        first.response_metadata["token_usage"]["server_side_tool_usage_details"]["x_search_calls"]
        == 1
    )
    # Not a type LangChain's OpenAI translator knows: kept whole as a non-standard block.
    assert first.content_blocks[0] == {"type": "non_standard", "value": x_call}

    final = model.invoke(
        [
            "What do posts on X say about order 7? nonce:x1",
            first,
            lookup_order.invoke(first.tool_calls[0]),
        ]
    )
    replay = sent(cfgateway_emulator)[-1].body["input"]
    assert replay[1] == x_call  # the x_search_call item went back unchanged
    assert final.text.startswith('X posts for "What do posts on X say about order 7":')
    assert final.additional_kwargs["citations"] == urls


def test_tool_choice_can_force_a_server_side_tool(cfgateway_emulator: GatewayEmulator) -> None:
    model = make_model(cfgateway_emulator, model=PLAIN_MODEL).bind_tools(
        [lookup_order, X_SEARCH], tool_choice="x_search"
    )
    message = model.invoke("Anything new about order 7? nonce:x3")
    assert sent(cfgateway_emulator)[-1].body["tool_choice"] == {"type": "x_search"}
    assert block_types(message) == ["x_search_call", "text"]
    assert message.tool_calls == []


def test_x_search_replays_from_a_streamed_message_in_v1_output(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    model = make_model(cfgateway_emulator, model=PLAIN_MODEL, output_version="v1")
    bound = model.bind_tools([X_SEARCH, lookup_order])
    prompt = "Search X for tweets about order 9 nonce:x2"
    first = merge(bound.stream(prompt))
    assert [b["type"] for b in first.content] == ["non_standard", "tool_call"]  # type: ignore[index]
    x_item = block_at(first, 0)["value"]
    assert x_item["type"] == "x_search_call"
    message = AIMessage(
        content=first.content,
        tool_calls=first.tool_calls,
        response_metadata=first.response_metadata,
        id=first.id,
    )
    bound.invoke([prompt, message, lookup_order.invoke(first.tool_calls[0])])
    replay = sent(cfgateway_emulator)[-1].body["input"]
    assert [item["type"] for item in replay] == [
        "message",
        "x_search_call",
        "function_call",
        "function_call_output",
    ]
    assert replay[1]["action"] == x_item["action"]


def test_code_execution_is_sent_as_code_interpreter(cfgateway_emulator: GatewayEmulator) -> None:
    model = make_model(cfgateway_emulator, model=PLAIN_MODEL).bind_tools(
        [{"type": "code_execution"}]
    )
    message = model.invoke("Run this:\n```\nprint(6 * 7)\n```")
    assert sent(cfgateway_emulator)[-1].body["tools"] == [{"type": "code_interpreter"}]
    assert block_types(message) == ["code_interpreter_call", "text"]
    standard = message.content_blocks
    assert [b["type"] for b in standard[:2]] == ["server_tool_call", "server_tool_result"]
    assert standard[0]["args"] == {"code": "print(6 * 7)"}  # type: ignore[typeddict-item]
    assert message.text.startswith("code_interpreter returned: emulated run")


def test_streamed_server_tool_calls_and_citations(cfgateway_emulator: GatewayEmulator) -> None:
    model = make_model(cfgateway_emulator, reasoning={"effort": "low"}).bind_tools([WEB_SEARCH])
    prompt = "Look up the latest gateway news online nonce:s9"
    invoked = model.invoke(prompt)
    streamed = merge(model.stream(prompt))
    assert block_types(streamed) == block_types(invoked) == ["reasoning", "web_search_call", "text"]
    assert streamed.text == invoked.text
    assert streamed.additional_kwargs["citations"] == invoked.additional_kwargs["citations"]
    streamed_text = without_index(streamed.content)[-1]
    invoked_text = invoked.content[-1]
    assert isinstance(invoked_text, dict)
    assert streamed_text["annotations"] == invoked_text["annotations"]
    search = without_index(streamed.content)[1]
    invoked_search = dict(block_at(invoked, 1))
    search.pop("id"), invoked_search.pop("id")
    assert search == invoked_search
    assert (
        streamed.response_metadata["cost_in_usd_ticks"]
        == invoked.response_metadata["cost_in_usd_ticks"]
    )


def test_server_side_tools_are_refused_off_the_grok_route(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    compat = make_model(cfgateway_emulator, endpoint="compat", use_responses_api=None)
    bound = compat.bind_tools([WEB_SEARCH, lookup_order])
    with pytest.raises(ValueError, match="only on the grok route, not on endpoint='compat'"):
        bound.invoke("search the web")
    with pytest.raises(ValueError, match="only on the grok route"):
        list(bound.stream("search the web"))
    with pytest.raises(ValueError, match="use_responses_api=True needs endpoint='grok'"):
        make_model(cfgateway_emulator, endpoint="compat")
    rest = make_model(
        cfgateway_emulator,
        endpoint="rest",
        use_responses_api=None,
        api_key=None,
        cloudflare_api_token="cf-token-responses-tests",
        cloudflare_api_url=cfgateway_emulator.api_url,
    )
    with pytest.raises(ValueError, match="only on the grok route, not on endpoint='rest'"):
        rest.bind_tools([X_SEARCH]).invoke("what is new on X")
    with pytest.raises(ValueError, match="only on the grok route, not on endpoint='rest'"):
        asyncio.run(rest.ainvoke("hi", reasoning={"effort": "low"}))
    assert cfgateway_emulator.requests == []


def test_bad_tools_and_settings_fail_before_sending(cfgateway_emulator: GatewayEmulator) -> None:
    model = make_model(cfgateway_emulator)
    with pytest.raises(ValueError, match=r"`n=2`: the Responses API returns one answer"):
        make_model(cfgateway_emulator, n=2).invoke("hi")
    with pytest.raises(ValueError, match=r"`tools\[0\]` must be a dict with a `type`"):
        model.bind(tools=["web_search"]).invoke("hi")
    with pytest.raises(
        ValueError, match=r"`reasoning_effort='xhigh'` is not accepted by grok-4\.3"
    ):
        model.invoke("hi", reasoning={"effort": "xhigh"})
    with pytest.raises(ValueError, match="`prompt_cache_key` must be a non-empty string"):
        model.invoke("hi", prompt_cache_key=42)
    with pytest.raises(ValueError, match="search_parameters"):
        model.invoke("hi", search_parameters={"mode": "on"})
    assert cfgateway_emulator.requests == []


# -- reasoning across turns -----------------------------------------------------------------------


def test_encrypted_reasoning_carries_into_the_next_turn_with_store_false(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    model = make_model(cfgateway_emulator, reasoning={"effort": "low", "summary": "auto"})
    first = model.invoke("Plan a trip to Lima nonce:r1")
    reasoning = first.content[0]
    assert isinstance(reasoning, dict)
    assert reasoning["type"] == "reasoning"
    assert reasoning["summary"][0]["text"].startswith('The user wrote: "Plan a trip to Lima')

    second = model.invoke(["Plan a trip to Lima nonce:r1", first, "And to Oslo? nonce:r2"])
    body = sent(cfgateway_emulator)[-1].body
    assert body["store"] is False
    assert "previous_response_id" not in body
    assert body["input"][1] == {  # the reasoning item went back exactly as it came
        "type": "reasoning",
        "id": reasoning["id"],
        "summary": reasoning["summary"],
        "encrypted_content": reasoning["encrypted_content"],
    }
    assert body["input"][2]["type"] == "message"
    assert "id" not in body["input"][2]  # stateless: no item ids xAI did not store
    (seen,) = cfgateway_emulator.responses_seen_encrypted_reasoning
    assert seen.source_response_id == first.id
    assert seen.response_id == second.id
    assert seen.item_id == reasoning["id"]
    assert second.additional_kwargs["reasoning_content"].endswith(
        "Continuing from 1 earlier reasoning item(s)."
    )
    assert cfgateway_emulator.stored_response_ids == []


def test_streamed_reasoning_carries_over_too(cfgateway_emulator: GatewayEmulator) -> None:
    model = make_model(cfgateway_emulator, reasoning={"effort": "low", "summary": "auto"})

    async def run() -> AIMessageChunk:
        first = await amerge(model, "Plan a trip to Quito nonce:r3")
        return await amerge(model, ["Plan a trip to Quito nonce:r3", first, "And Cusco? nonce:r4"])

    second = asyncio.run(run())
    (seen,) = cfgateway_emulator.responses_seen_encrypted_reasoning
    assert seen.via == "encrypted_content"
    assert second.additional_kwargs["reasoning_content"].endswith(
        "Continuing from 1 earlier reasoning item(s)."
    )


def test_a_tampered_reasoning_item_is_a_typed_error(cfgateway_emulator: GatewayEmulator) -> None:
    model = make_model(cfgateway_emulator, reasoning={"effort": "low"})
    first = model.invoke("hello nonce:r5")
    reasoning = dict(block_at(first, 0))
    reasoning["encrypted_content"] = reasoning["encrypted_content"][:-4] + "AAAA"
    tampered = first.model_copy(update={"content": [reasoning, *first.content[1:]]})
    with pytest.raises(errors.CloudflareGrokInvalidRequestError) as caught:
        model.invoke(["hello nonce:r5", tampered, "again"])
    assert "could not be verified" in str(caught.value)
    assert caught.value.log_id == sent(cfgateway_emulator)[-1].log_id


def test_previous_response_id_with_store_true(cfgateway_emulator: GatewayEmulator) -> None:
    model = make_model(
        cfgateway_emulator,
        reasoning={"effort": "low"},
        use_previous_response_id=True,
    )
    first = model.invoke("Plan a trip to Lima nonce:p1")
    assert first.response_metadata["store"] is True
    assert cfgateway_emulator.stored_response_ids == [first.id]
    first_body = sent(cfgateway_emulator)[-1].body
    assert first_body["store"] is True
    assert "include" not in first_body  # the stored chain carries the reasoning

    second = model.invoke(["Plan a trip to Lima nonce:p1", first, "And to Oslo? nonce:p2"])
    body = sent(cfgateway_emulator)[-1].body
    assert body["previous_response_id"] == first.id
    assert body["input"] == [
        {"type": "message", "role": "user", "content": "And to Oslo? nonce:p2"}
    ]
    assert second.text == "nonce:p2"
    (seen,) = cfgateway_emulator.reasoning_continuity
    assert (seen.via, seen.source_response_id) == ("previous_response_id", first.id)

    # A message from an unstored response cannot be continued: the whole history is sent.
    stateless = make_model(cfgateway_emulator, store=False).invoke("hi nonce:p3")
    model.invoke(["hi nonce:p3", stateless, "more nonce:p4"])
    body = sent(cfgateway_emulator)[-1].body
    assert "previous_response_id" not in body
    assert len(body["input"]) == 4  # user, reasoning, assistant message, user


# -- prompt caching -------------------------------------------------------------------------------


def test_prompt_cache_key_makes_the_second_turn_hit_the_cache(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    model = make_model(cfgateway_emulator, model=PLAIN_MODEL, prompt_cache_key="conv-42")
    prompt = "Summarise the history of content delivery networks in one line. nonce:c1"
    first = model.invoke(prompt)
    second = model.invoke([prompt, first, "Now in French. nonce:c2"])
    bodies = [r.body for r in sent(cfgateway_emulator)]
    assert [b["prompt_cache_key"] for b in bodies] == ["conv-42", "conv-42"]
    assert all("x-grok-conv-id" not in r.headers for r in sent(cfgateway_emulator))
    assert first.usage_metadata is not None
    assert second.usage_metadata is not None
    assert first.usage_metadata["input_token_details"]["cache_read"] == 0
    cached = second.usage_metadata["input_token_details"]["cache_read"]
    assert 0 < cached < second.usage_metadata["input_tokens"]
    assert (
        cached == second.response_metadata["token_usage"]["input_tokens_details"]["cached_tokens"]
    )


def test_prompt_cache_key_per_call_wins_and_streams_report_cached_tokens(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    model = make_model(cfgateway_emulator, model=PLAIN_MODEL, prompt_cache_key="model-key")
    model.invoke("Same prompt twice nonce:c3", prompt_cache_key="call-key")
    streamed = merge(model.stream("Same prompt twice nonce:c3", prompt_cache_key="call-key"))
    assert [r.body["prompt_cache_key"] for r in sent(cfgateway_emulator)] == ["call-key"] * 2
    assert streamed.usage_metadata is not None
    assert (
        streamed.usage_metadata["input_token_details"]["cache_read"]
        == (streamed.usage_metadata["input_tokens"])
    )
    # Another conversation id shares nothing.
    other = model.invoke("Same prompt twice nonce:c3")
    assert sent(cfgateway_emulator)[-1].body["prompt_cache_key"] == "model-key"
    assert other.usage_metadata is not None
    assert other.usage_metadata["input_token_details"]["cache_read"] == 0


def test_chat_completions_prompt_cache_key_sends_x_grok_conv_id(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    model = make_model(
        cfgateway_emulator, model=PLAIN_MODEL, use_responses_api=False, prompt_cache_key="conv-7"
    )
    prompt = "Summarise the history of content delivery networks in one line. nonce:c4"
    first = model.invoke(prompt)
    second = model.invoke([prompt, first, "Now in French. nonce:c5"])
    requests = sent(cfgateway_emulator, CHAT_PATH)
    assert [r.headers["x-grok-conv-id"] for r in requests] == ["conv-7", "conv-7"]
    assert all("prompt_cache_key" not in r.body for r in requests)
    assert first.usage_metadata is not None
    assert second.usage_metadata is not None
    assert first.usage_metadata["input_token_details"]["cache_read"] == 0
    assert second.usage_metadata["input_token_details"]["cache_read"] > 0


# -- structured output ----------------------------------------------------------------------------


class Booking(BaseModel):
    """A hotel booking."""

    city: str
    nights: int


def test_json_schema_structured_output_with_a_pydantic_class(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    model = make_model(cfgateway_emulator, model=PLAIN_MODEL)
    structured = model.with_structured_output(Booking, method="json_schema", include_raw=True)
    result = structured.invoke("Stay in Lima for 3 nights.")
    assert result["parsed"] == Booking(city="Lima", nights=3)
    assert result["raw"].additional_kwargs["parsed"] == {"city": "Lima", "nights": 3}
    fmt = sent(cfgateway_emulator)[-1].body["text"]["format"]
    assert fmt["type"] == "json_schema"
    assert fmt["name"] == "Booking"
    assert fmt["strict"] is True
    assert fmt["schema"]["required"] == ["city", "nights"]
    assert "response_format" not in sent(cfgateway_emulator)[-1].body

    chunks = list(
        model.with_structured_output(Booking, method="json_schema").stream(
            "Stay in Oslo for 2 nights."
        )
    )
    assert chunks[-1] == Booking(city="Oslo", nights=2)


def test_json_schema_structured_output_with_a_dict_schema_async(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    schema = {
        "title": "booking",
        "type": "object",
        "properties": {"city": {"type": "string"}, "nights": {"type": "integer"}},
        "required": ["city", "nights"],
    }
    structured = make_model(cfgateway_emulator).with_structured_output(schema, method="json_schema")
    assert asyncio.run(structured.ainvoke("Stay in Quito for 4 nights.")) == {
        "city": "Quito",
        "nights": 4,
    }
    fmt = sent(cfgateway_emulator)[-1].body["text"]["format"]
    assert (fmt["type"], fmt["name"]) == ("json_schema", "booking")


# -- errors and the gateway's buffering -----------------------------------------------------------


def test_errors_are_the_transports_typed_errors(cfgateway_emulator: GatewayEmulator) -> None:
    model = make_model(cfgateway_emulator, model="grok-9-unknown")
    with pytest.raises(errors.CloudflareGrokInvalidRequestError, match="Model not found"):
        model.invoke("hi")
    with pytest.raises(errors.CloudflareGrokInvalidRequestError, match="Model not found"):
        list(model.stream("hi"))


def test_a_stream_cut_before_response_completed_is_incomplete(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    cfgateway_emulator.faults.add(cut_stream_after_chunks=4, cut_abruptly=False)
    model = make_model(cfgateway_emulator, model=PLAIN_MODEL)
    with pytest.raises(errors.IncompleteStreamError) as caught:
        list(model.stream("Tell me something long enough to be cut. nonce:e1"))
    log_id = sent(cfgateway_emulator)[-1].log_id
    assert caught.value.log_id == log_id
    assert f"ended before `response.completed`, after 4 chunks (cf-aig-log-id: {log_id})" in str(
        caught.value
    )


def test_a_buffered_stream_through_guardrails_still_streams_the_whole_answer(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    cfgateway_emulator.set_gateway(GATEWAY, GatewayConfig(guardrails=Guardrails()))
    model = make_model(cfgateway_emulator, reasoning={"effort": "low"}).bind_tools(
        [WEB_SEARCH, lookup_order]
    )
    chunks = list(model.stream("Search the web for espresso machines and lookup order 5"))
    merged = merge(chunks)
    assert block_types(merged) == ["reasoning", "web_search_call", "function_call"]
    assert merged.tool_calls[0]["name"] == "lookup_order"
    assert merged.tool_calls[0]["args"] == {"order_id": 5}
    assert merged.response_metadata["model_provider"] == "xai"
    assert "gateway" in chunks[0].response_metadata
    assert merged.usage_metadata is not None


def test_a_failed_response_in_a_200_is_a_typed_error(cfgateway_emulator: GatewayEmulator) -> None:
    failed = {
        "id": "resp-failed",
        "object": "response",
        "status": "failed",
        "output": [],
        "error": {"code": "server_error", "message": "the model crashed"},
    }
    cfgateway_emulator.faults.add(upstream_status=200, upstream_body=failed)
    model = make_model(cfgateway_emulator, model=PLAIN_MODEL)
    with pytest.raises(errors.CloudflareGrokResponseError, match="server_error: the model crashed"):
        model.invoke("hi")


def test_scripted_turn_with_citations_and_cached_usage(cfgateway_emulator: GatewayEmulator) -> None:
    cfgateway_emulator.script(
        ScriptedReply(
            text="Cloudflare runs a global network.",
            citations=["https://www.cloudflare.com/"],
            usage={"input_tokens": 40, "input_tokens_details": {"cached_tokens": 32}},
        )
    )
    message = make_model(cfgateway_emulator, model=PLAIN_MODEL).invoke("What is Cloudflare?")
    assert message.additional_kwargs["citations"] == ["https://www.cloudflare.com/"]
    text = message.content[-1]
    assert isinstance(text, dict)
    assert text["annotations"][0]["url"] == "https://www.cloudflare.com/"
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == 40
    assert message.usage_metadata["input_token_details"]["cache_read"] == 32


def test_a_gateway_without_the_responses_route_is_a_typed_404(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    # The route is Unconfirmed (gateway-protocol.md §1.2): off, the gateway forwards the path
    # like any unknown one and xAI answers 404.
    cfgateway_emulator.switches = dataclasses.replace(
        cfgateway_emulator.switches, responses_route_enabled=False
    )
    model = make_model(cfgateway_emulator, model=PLAIN_MODEL)
    with pytest.raises(errors.CloudflareGrokNotFoundError) as caught:
        model.invoke("hi")
    assert caught.value.status_code == 404
    assert "No route found for /v1/responses" in str(caught.value)
    # Chat Completions is unaffected.
    chat = make_model(cfgateway_emulator, model=PLAIN_MODEL, use_responses_api=False)
    assert chat.invoke("hi").text == "You said: hi"


def test_a_trailing_done_marker_is_tolerated() -> None:
    # xAI's Responses framing is Unconfirmed: a `data: [DONE]` after `response.completed` is
    # never reached, the stream ends at its terminal event.
    settings = XaiSettings(responses_stream_done_marker=True)
    with GatewayEmulator(xai_settings=settings) as emulator:
        model = make_model(emulator, model=PLAIN_MODEL)
        assert merge(model.stream("hi nonce:d1")).text == "nonce:d1"
        assert asyncio.run(amerge(model, "hi nonce:d2")).text == "nonce:d2"


def test_default_query_response_headers_and_disabled_params_as_on_chat_completions(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    model = make_model(
        cfgateway_emulator,
        model=PLAIN_MODEL,
        default_query={"trace": "on"},
        include_response_headers=True,
        disabled_params={"parallel_tool_calls": None},
    ).bind_tools([WEB_SEARCH], parallel_tool_calls=False)
    message = model.invoke("hi")
    request = sent(cfgateway_emulator)[-1]
    assert request.query == "trace=on"
    assert "parallel_tool_calls" not in request.body
    assert message.response_metadata["headers"]["cf-aig-log-id"] == request.log_id
    streamed = list(model.stream("hi"))
    assert (
        streamed[0].response_metadata["headers"]["cf-aig-log-id"]
        == sent(cfgateway_emulator)[-1].log_id
    )
    assert all("headers" not in chunk.response_metadata for chunk in streamed[1:])
