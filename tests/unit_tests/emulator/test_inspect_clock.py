"""Prompt/answer text, tokens, cost, DLP findings (§2, §3, §5), and the injectable clocks."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from langchain_cfgateway_grok.emulator import DlpRule, FakeClock, RealClock
from langchain_cfgateway_grok.emulator._inspect import (
    answer_text,
    cost_usd,
    dlp_findings,
    dlp_header,
    prompt_text,
    token_counts,
    usage_of,
)


def test_prompt_text_reads_strings_and_text_parts() -> None:
    body = {
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": [{"type": "text", "text": "look"}, {"type": "image_url"}]},
            {"role": "assistant", "content": None},
        ]
    }
    assert prompt_text(body) == "be brief\nlook"
    assert prompt_text("not a body") == ""


def test_answer_text_from_body_and_chunks() -> None:
    body = {
        "choices": [
            {
                "message": {
                    "content": "hi",
                    "reasoning_content": "think ",
                    "tool_calls": [{"function": {"name": "f", "arguments": '{"q":1}'}}],
                }
            }
        ]
    }
    assert answer_text(body) == 'think hi{"q":1}'
    chunks = [
        {"choices": [{"delta": {"content": "a"}}]},
        {"choices": [{"delta": {"content": "b"}}]},
    ]
    assert answer_text(chunks=chunks) == "ab"


USAGE = {
    "prompt_tokens": 100,
    "completion_tokens": 10,
    "total_tokens": 130,  # 20 reasoning tokens (xai-api.md §1.3)
    "prompt_tokens_details": {"cached_tokens": 40},
    "cost_in_usd_ticks": 5_000_000,
}


def test_tokens_and_costs() -> None:
    assert token_counts(USAGE) == (100, 30)
    assert token_counts({"completion_tokens": 3}) == (None, 3)
    assert cost_usd(USAGE, None) == pytest.approx(0.0005)  # 10**10 ticks per dollar
    custom = {"per_token_in": 0.01, "per_token_out": 0.1, "per_cache_read_token": 0.001}
    assert cost_usd(USAGE, custom) == pytest.approx(60 * 0.01 + 40 * 0.001 + 30 * 0.1)
    # per_cache_read_token defaults to per_token_in (changelog 2026-09-09)
    assert cost_usd(USAGE, {"per_token_in": 0.01}) == pytest.approx(100 * 0.01)
    assert cost_usd({}, None) is None


def test_usage_of_prefers_body_then_last_usage_chunk() -> None:
    assert usage_of({"usage": {"a": 1}}) == {"a": 1}
    assert usage_of(None, [{"usage": None}, {"usage": {"b": 2}}, {"choices": []}]) == {"b": 2}
    assert usage_of(None, None) == {}


def test_dlp_header_shape() -> None:
    """§3 `cf-aig-dlp` shape."""
    flag = DlpRule(terms=["ssn"], profile_id="p", entry_ids=["e"], policy_ids=["x"])
    block = DlpRule(terms=["card"], action="BLOCK")
    response_rule = DlpRule(terms=["ssn"], check="RESPONSE")
    matches = dlp_findings([flag, block, response_rule], check="REQUEST", text="my SSN and card")
    assert [rule for rule, _ in matches] == [flag, block]
    payload = json.loads(dlp_header(matches))
    assert payload["action"] == "BLOCK"
    assert payload["findings"][0] == {
        "profile": {"context": {}, "entry_ids": ["e"], "profile_id": "p"},
        "policy_ids": ["x"],
        "check": "REQUEST",
    }
    assert json.loads(dlp_header(matches[:1]))["action"] == "FLAG"


def test_fake_clock_sleeps_instantly() -> None:
    clock = FakeClock(start=1000.0)
    started = time.monotonic()
    asyncio.run(clock.sleep(3600))
    assert time.monotonic() - started < 0.5
    assert clock.now() == 4600.0
    clock.advance(0.5)
    assert clock.now() == 4600.5
    with pytest.raises(ValueError, match=">= 0"):
        clock.advance(-1)
    with pytest.raises(ValueError, match=">= 0"):
        clock.advance(float("nan"))


def test_real_clock_advance_adds_an_offset() -> None:
    clock = RealClock()
    before = clock.now()
    clock.advance(100)
    assert clock.now() - before >= 100
    started = time.monotonic()
    asyncio.run(clock.sleep(0.05))
    assert time.monotonic() - started >= 0.05
