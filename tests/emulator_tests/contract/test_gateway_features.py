"""Effect tests for every gateway feature the emulator implements (issue 4 "Emulator").

Each test shows the effect, not just the header: cache HIT/MISS over the fake clock (§2 cache
headers, §5 "Caching"), upstream attempts and the delays waited (§2 retry headers, §5 "Retries"),
the first-byte timeout (§2 `cf-aig-request-timeout`), rate and spend limits (§5, §4.2 2003/2041),
guardrails (§5, §4.2 2016/2017), DLP (§3 `cf-aig-dlp`), and the logs view (§2 metadata,
collect-log, custom cost; §5 "Logging"). Raw httpx2 only; the clock is the fixture's `FakeClock`.
"""

from __future__ import annotations

import json

import pytest

from langchain_cfgateway_grok.emulator import (
    DlpRule,
    GatewayConfig,
    GatewayEmulator,
    Guardrails,
    RateLimit,
    ScriptedReply,
    SpendLimit,
    Switches,
)
from tests.emulator_tests.contract._support import chat, post, sse_json

CACHED = GatewayConfig(cache_ttl=600)


# --- caching -------------------------------------------------------------------------------------
def test_gateway_ttl_hit_then_miss_after_ttl(cfgateway_emulator: GatewayEmulator) -> None:
    """§5: the second identical call is a HIT (same bytes, new ids); past the TTL, a MISS."""
    emu = cfgateway_emulator
    emu.set_gateway("gw", CACHED)
    first, second = post(emu.url), post(emu.url)
    assert (first.headers["cf-aig-cache-status"], second.headers["cf-aig-cache-status"]) == (
        "MISS",
        "HIT",
    )
    assert second.content == first.content
    assert second.headers["cf-aig-log-id"] != first.headers["cf-aig-log-id"]
    assert len(emu.upstream_attempts) == 1  # the HIT never reached xAI
    assert [entry.cached for entry in emu.logs] == [False, True]
    emu.clock.advance(599)
    assert post(emu.url).headers["cf-aig-cache-status"] == "HIT"
    emu.clock.advance(1)
    assert post(emu.url).headers["cf-aig-cache-status"] == "MISS"


def test_cache_key_opts_in_with_five_minute_default(cfgateway_emulator: GatewayEmulator) -> None:
    """§2 `cf-aig-cache-key`: opts in on an uncached gateway; TTL defaults to 5 min."""
    emu = cfgateway_emulator
    keyed = {"cf-aig-cache-key": "greeting"}
    assert post(emu.url).headers["cf-aig-cache-status"] == "MISS"
    assert post(emu.url).headers["cf-aig-cache-status"] == "MISS"  # caching off by default
    assert post(emu.url, headers=keyed).headers["cf-aig-cache-status"] == "MISS"
    # The custom key replaces the default one: another body with the same key hits.
    hit = post(emu.url, body=chat("something else"), headers=keyed)
    assert hit.headers["cf-aig-cache-status"] == "HIT"
    emu.clock.advance(299)
    assert post(emu.url, headers=keyed).headers["cf-aig-cache-status"] == "HIT"
    emu.clock.advance(1)
    assert post(emu.url, headers=keyed).headers["cf-aig-cache-status"] == "MISS"


@pytest.mark.parametrize(
    ("ttl_header", "effective"),
    [("120", 120), ("10", 60), ("99999999", 2_592_000)],  # clamped to 60 s .. one month
)
def test_cache_ttl_header_and_clamp(
    cfgateway_emulator: GatewayEmulator, ttl_header: str, effective: int
) -> None:
    """§2 `cf-aig-cache-ttl`: min 60, max one month; clamped (switch `cache_ttl_out_of_range`)."""
    emu = cfgateway_emulator
    headers = {"cf-aig-cache-key": f"k{ttl_header}", "cf-aig-cache-ttl": ttl_header}
    assert post(emu.url, headers=headers).headers["cf-aig-cache-status"] == "MISS"
    emu.clock.advance(effective - 1)
    assert post(emu.url, headers=headers).headers["cf-aig-cache-status"] == "HIT"
    emu.clock.advance(1)
    assert post(emu.url, headers=headers).headers["cf-aig-cache-status"] == "MISS"


def test_cache_ttl_out_of_range_can_be_rejected(cfgateway_emulator: GatewayEmulator) -> None:
    emu = cfgateway_emulator
    emu.switches = Switches(cache_ttl_out_of_range="reject")
    response = post(emu.url, headers={"cf-aig-cache-key": "k", "cf-aig-cache-ttl": "5"})
    assert response.status_code == 400
    assert response.json()["name"] == "AiGatewayError"


def test_ttl_header_alone_does_not_opt_in_unless_switched(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    """§2: current docs: `cf-aig-cache-ttl` only sets the TTL of a request that already caches."""
    emu = cfgateway_emulator
    headers = {"cf-aig-cache-ttl": "600"}
    assert [post(emu.url, headers=headers).headers["cf-aig-cache-status"] for _ in "ab"] == [
        "MISS",
        "MISS",
    ]
    emu.switches = Switches(cache_ttl_header_opts_in=True)
    assert [post(emu.url, headers=headers).headers["cf-aig-cache-status"] for _ in "ab"] == [
        "MISS",
        "HIT",
    ]


@pytest.mark.parametrize("header", ["cf-aig-skip-cache", "cf-skip-cache"])
def test_skip_cache_is_a_miss(cfgateway_emulator: GatewayEmulator, header: str) -> None:
    """§2 `cf-aig-skip-cache` (and the deprecated `cf-skip-cache`): bypass -> MISS."""
    emu = cfgateway_emulator
    emu.set_gateway("gw", CACHED)
    post(emu.url)
    assert post(emu.url).headers["cf-aig-cache-status"] == "HIT"
    skipped = post(emu.url, headers={header: "true"})
    assert skipped.headers["cf-aig-cache-status"] == "MISS"
    assert len(emu.upstream_attempts) == 2
    emu.switches = Switches(cache_status_when_skipped="BYPASS")
    assert post(emu.url, headers={header: "true"}).headers["cf-aig-cache-status"] == "BYPASS"


def test_deprecated_cache_ttl_alias(cfgateway_emulator: GatewayEmulator) -> None:
    """§2: `cf-cache-ttl` still works."""
    emu = cfgateway_emulator
    headers = {"cf-aig-cache-key": "alias", "cf-cache-ttl": "60"}
    post(emu.url, headers=headers)
    emu.clock.advance(59)
    assert post(emu.url, headers=headers).headers["cf-aig-cache-status"] == "HIT"
    emu.clock.advance(1)
    assert post(emu.url, headers=headers).headers["cf-aig-cache-status"] == "MISS"


def test_default_key_covers_body_and_auth_but_not_metadata(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    """§5 key = provider + endpoint + model + auth header + body; metadata is not in it (§2)."""
    emu = cfgateway_emulator
    emu.set_gateway("gw", CACHED)
    post(emu.url)
    same_but_metadata = post(emu.url, headers={"cf-aig-metadata": '{"user":"u1"}'})
    other_body = post(emu.url, body=chat("different"))
    other_key = post(emu.url, headers={"authorization": "Bearer another-key"})
    other_endpoint = post(emu.url, "/v1/acct/gw/grok/chat/completions")
    assert [
        r.headers["cf-aig-cache-status"]
        for r in (same_but_metadata, other_body, other_key, other_endpoint)
    ] == ["HIT", "MISS", "MISS", "MISS"]


def test_streams_are_not_cached_unless_switched(cfgateway_emulator: GatewayEmulator) -> None:
    """§5 "Streaming responses are not cached by default"; replay is Unconfirmed (switch)."""
    emu = cfgateway_emulator
    emu.set_gateway("gw", CACHED)
    body = chat(stream=True)
    assert [post(emu.url, body=body).headers["cf-aig-cache-status"] for _ in "ab"] == [
        "MISS",
        "MISS",
    ]
    emu.switches = Switches(cache_streams=True)
    first, second = post(emu.url, body=body), post(emu.url, body=body)
    assert second.headers["cf-aig-cache-status"] == "HIT"
    assert second.headers["content-type"] == "text/event-stream"
    assert sse_json(second.content) == sse_json(first.content)


# --- retries and the first-byte timeout ----------------------------------------------------------
@pytest.mark.parametrize(
    ("backoff", "delays"),
    [
        ("constant", [0.0, 0.1, 0.1, 0.1]),
        ("linear", [0.0, 0.1, 0.2, 0.3]),
        ("exponential", [0.0, 0.1, 0.2, 0.4]),
    ],
)
def test_gateway_retries_with_backoff(
    cfgateway_emulator: GatewayEmulator, backoff: str, delays: list[float]
) -> None:
    """§2 `cf-aig-max-attempts`/`-retry-delay`/`-backoff`: attempts and waits, on the fake clock."""
    emu = cfgateway_emulator
    emu.faults.add(upstream_status=503, times=3)
    before = emu.clock.now()
    response = post(
        emu.url,
        headers={
            "cf-aig-max-attempts": "4",
            "cf-aig-retry-delay": "100",
            "cf-aig-backoff": backoff,
        },
    )
    assert response.status_code == 200
    attempts = emu.attempts_for(response.headers["cf-aig-log-id"])
    assert [a.status for a in attempts] == [503, 503, 503, 200]
    assert [a.delay_before for a in attempts] == pytest.approx(delays)
    assert emu.clock.now() - before == pytest.approx(sum(delays))
    assert emu.logs[-1].attempts == 4


def test_no_retry_without_max_attempts(cfgateway_emulator: GatewayEmulator) -> None:
    """The gateway's default (`GatewayConfig.max_attempts=1`): an upstream 503 is relayed."""
    emu = cfgateway_emulator
    emu.faults.add(upstream_status=503, times=2)
    response = post(emu.url)
    assert response.status_code == 503
    assert set(response.json()) == {"code", "error"}
    assert len(emu.upstream_attempts) == 1


def test_last_failure_is_relayed_when_attempts_run_out(cfgateway_emulator: GatewayEmulator) -> None:
    emu = cfgateway_emulator
    emu.faults.add(upstream_status=502, times=5)
    response = post(emu.url, headers={"cf-aig-max-attempts": "9", "cf-aig-retry-delay": "9000"})
    assert response.status_code == 502
    attempts = emu.upstream_attempts
    assert len(attempts) == 5  # clamped to the documented maximum
    assert attempts[1].delay_before == 5.0  # retry delay clamped to 5000 ms
    assert "cf-aig-max-attempts: 9 clamped to 5" in emu.logs[-1].ignored_headers


def test_gateway_config_retry_defaults(cfgateway_emulator: GatewayEmulator) -> None:
    """§5: gateway retry settings apply when the request sends none; headers override them."""
    emu = cfgateway_emulator
    emu.set_gateway("gw", GatewayConfig(max_attempts=3, retry_delay_ms=250, backoff="linear"))
    emu.faults.add(upstream_status=500, times=2)
    assert post(emu.url).status_code == 200
    assert [a.delay_before for a in emu.upstream_attempts] == [0.0, 0.25, 0.5]


@pytest.mark.parametrize(("status", "retried"), [(429, True), (500, True), (400, False)])
def test_which_statuses_are_retried(
    cfgateway_emulator: GatewayEmulator, status: int, retried: bool
) -> None:
    """Retryable upstream statuses are Unconfirmed: switch `retry_statuses` (default 429, 5xx)."""
    emu = cfgateway_emulator
    emu.faults.add(upstream_status=status)
    response = post(emu.url, headers={"cf-aig-max-attempts": "2"})
    assert len(emu.upstream_attempts) == (2 if retried else 1)
    assert response.status_code == (200 if retried else status)
    emu.reset()
    emu.switches = Switches(retry_statuses=frozenset({503}))
    emu.faults.add(upstream_status=status)
    post(emu.url, headers={"cf-aig-max-attempts": "2"})
    assert len(emu.upstream_attempts) == 1


def test_scripted_errors_are_retried_like_provider_failures(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    emu = cfgateway_emulator
    emu.script_error(503, {"code": "unavailable", "error": "try later"})
    emu.script(ScriptedReply(text="second time lucky"))
    response = post(emu.url, headers={"cf-aig-max-attempts": "2", "cf-aig-retry-delay": "0"})
    assert response.json()["choices"][0]["message"]["content"] == "second time lucky"
    assert [a.source for a in emu.upstream_attempts] == ["scripted_raw", "scripted"]


def test_first_byte_timeout_error(cfgateway_emulator: GatewayEmulator) -> None:
    """§2 `cf-aig-request-timeout` (ms to first byte): the gateway's timeout error (Unconfirmed)."""
    emu = cfgateway_emulator
    emu.faults.add(upstream_delay=5.0)
    before = emu.clock.now()
    response = post(emu.url, headers={"cf-aig-request-timeout": "1000"})
    assert response.status_code == 504
    body = response.json()
    assert (body["name"], body["internalCode"], body["message"]) == (
        "AiGatewayError",
        2007,
        "Request timed out",
    )
    assert emu.clock.now() - before == pytest.approx(1.0)  # waited the timeout, not the delay
    assert [(a.status, a.timed_out) for a in emu.upstream_attempts] == [(None, True)]


def test_upstream_delay_within_the_timeout_is_fine(cfgateway_emulator: GatewayEmulator) -> None:
    emu = cfgateway_emulator
    emu.faults.add(upstream_delay=0.5)
    before = emu.clock.now()
    assert post(emu.url, headers={"cf-aig-request-timeout": "1000"}).status_code == 200
    assert emu.clock.now() - before == pytest.approx(0.5)


def test_timeout_then_retry_succeeds(cfgateway_emulator: GatewayEmulator) -> None:
    emu = cfgateway_emulator
    emu.faults.add(upstream_delay=5.0)
    response = post(
        emu.url,
        headers={
            "cf-aig-request-timeout": "1000",
            "cf-aig-max-attempts": "2",
            "cf-aig-retry-delay": "0",
        },
    )
    assert response.status_code == 200
    assert [a.timed_out for a in emu.upstream_attempts] == [True, False]


@pytest.mark.parametrize(("final_waits", "status"), [(True, 200), (False, 504)])
def test_final_retry_waits_for_the_answer(
    cfgateway_emulator: GatewayEmulator, final_waits: bool, status: int
) -> None:
    """§2: "On the final retry attempt, your gateway will wait until the request completes"."""
    emu = cfgateway_emulator
    emu.switches = Switches(final_retry_waits=final_waits)
    emu.faults.add(upstream_delay=3.0, times=2)
    headers = {"cf-aig-request-timeout": "1000", "cf-aig-max-attempts": "2"}
    assert post(emu.url, headers=headers).status_code == status


# --- limits --------------------------------------------------------------------------------------
def test_rate_limit_fixed_window(cfgateway_emulator: GatewayEmulator) -> None:
    """§5 rate limiting: `limit` requests per `interval`, then 429/2003 "Rate limited"."""
    emu = cfgateway_emulator
    emu.clock.advance(60 - emu.clock.now() % 60)  # start of a window
    emu.set_gateway("gw", GatewayConfig(rate_limit=RateLimit(limit=2, interval=60)))
    statuses = [post(emu.url).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = post(emu.url)
    assert limited.json()["error"] == [{"code": 2003, "message": "Rate limited"}]
    assert "retry-after" not in limited.headers
    assert len(emu.upstream_attempts) == 2  # limited requests never reach xAI
    emu.clock.advance(60)
    assert post(emu.url).status_code == 200


def test_rate_limit_sliding_window_and_retry_after_switch(
    cfgateway_emulator: GatewayEmulator,
) -> None:
    emu = cfgateway_emulator
    emu.switches = Switches(rate_limit_retry_after=True)
    emu.set_gateway(
        "gw", GatewayConfig(rate_limit=RateLimit(limit=1, interval=10, technique="sliding"))
    )
    assert post(emu.url).status_code == 200
    emu.clock.advance(4)
    limited = post(emu.url)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "6"
    emu.clock.advance(6)
    assert post(emu.url).status_code == 200


def test_spend_limit(cfgateway_emulator: GatewayEmulator) -> None:
    """§5 spend limits: over budget -> 429/2041 before the provider call."""
    emu = cfgateway_emulator
    emu.set_gateway("gw", GatewayConfig(spend_limit=SpendLimit(limit=0.001)))
    expensive = {"cf-aig-custom-cost": '{"per_token_in":0.01,"per_token_out":0.01}'}
    assert post(emu.url, headers=expensive).status_code == 200
    assert emu.logs[-1].cost is not None
    assert emu.logs[-1].cost > 0.001
    refused = post(emu.url)
    assert refused.status_code == 429
    body = refused.json()
    assert body["internalCode"] == 2041
    assert body["message"] == (
        "Spend limit exceeded: rule 'emulator-budget' (cost limit 0.001 per 86400s, fixed) for grok"
    )
    assert len(emu.upstream_attempts) == 1
    emu.clock.advance(86_400)
    assert post(emu.url).status_code == 200  # a new window


# --- guardrails and DLP --------------------------------------------------------------------------
def test_guardrails_answer_a_stream_with_one_json_body(cfgateway_emulator: GatewayEmulator) -> None:
    """§5: "returns a single non-streamed payload": `stream: true` gets a plain JSON body."""
    emu = cfgateway_emulator
    emu.set_gateway("gw", GatewayConfig(guardrails=Guardrails()))
    response = post(
        emu.url, body=chat("tell me", stream=True, stream_options={"include_usage": True})
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"]
    assert body["usage"]["total_tokens"] > 0


def test_guardrails_block_prompt_and_response(cfgateway_emulator: GatewayEmulator) -> None:
    """§4.2 424/2016 (prompt) and 424/2017 (response); messages from set-up-guardrail.mdx."""
    emu = cfgateway_emulator
    emu.set_gateway(
        "gw",
        GatewayConfig(
            guardrails=Guardrails(
                blocked_prompt_terms=["forbidden"], blocked_response_terms=["xyzzy"]
            )
        ),
    )
    prompt = post(emu.url, body=chat("something FORBIDDEN here"))
    assert (prompt.status_code, prompt.json()["error"]) == (
        424,
        [{"code": 2016, "message": "Prompt blocked due to security configurations"}],
    )
    assert emu.upstream_attempts == []
    emu.script(ScriptedReply(text="the magic word is xyzzy"))
    answer = post(emu.url, body=chat("harmless", stream=True))
    assert (answer.status_code, answer.json()["error"]) == (
        424,
        [{"code": 2017, "message": "Response blocked due to security configurations"}],
    )


def test_dlp_flag_adds_findings_header(cfgateway_emulator: GatewayEmulator) -> None:
    """§3 `cf-aig-dlp`: findings JSON with `check` and `action` when a policy matches."""
    emu = cfgateway_emulator
    rule = DlpRule(terms=["4111-1111"], profile_id="p1", entry_ids=["e1"], policy_ids=["pol1"])
    emu.set_gateway("gw", GatewayConfig(dlp=[rule]))
    clean = post(emu.url, body=chat("nothing to see"))
    assert "cf-aig-dlp" not in clean.headers
    flagged = post(emu.url, body=chat("my card is 4111-1111"))
    assert flagged.status_code == 200
    assert json.loads(flagged.headers["cf-aig-dlp"]) == {
        "findings": [
            {
                "profile": {"context": {}, "entry_ids": ["e1"], "profile_id": "p1"},
                "policy_ids": ["pol1"],
                "check": "REQUEST",
            }
        ],
        "action": "FLAG",
    }


def test_dlp_block_on_response(cfgateway_emulator: GatewayEmulator) -> None:
    """§4.2 2030 "Response content blocked due to DLP policy violations" (status Unconfirmed)."""
    emu = cfgateway_emulator
    rule = DlpRule(terms=["secret-sauce"], check="RESPONSE", action="BLOCK")
    emu.set_gateway("gw", GatewayConfig(dlp=[rule]))
    emu.script(ScriptedReply(text="the secret-sauce is ketchup"))
    blocked = post(emu.url)
    assert blocked.status_code == 400
    assert blocked.json()["internalCode"] == 2030
    assert json.loads(blocked.headers["cf-aig-dlp"])["action"] == "BLOCK"


# --- logs ----------------------------------------------------------------------------------------
def test_metadata_keeps_the_first_five_flat_entries(cfgateway_emulator: GatewayEmulator) -> None:
    """§2 `cf-aig-metadata`: max 5 entries, extras silently dropped; no objects."""
    emu = cfgateway_emulator
    metadata = {"a": 1, "nested": {"x": 1}, "b": "two", "c": True, "d": 1.5, "e": "five", "f": 6}
    response = post(emu.url, headers={"cf-aig-metadata": json.dumps(metadata)})
    assert response.status_code == 200
    assert emu.logs[-1].metadata == {"a": 1, "b": "two", "c": True, "d": 1.5, "e": "five"}


def test_collect_log_false_leaves_no_entry(cfgateway_emulator: GatewayEmulator) -> None:
    """§2 `cf-aig-collect-log: false` drops the whole entry; the answer still has its ids."""
    emu = cfgateway_emulator
    response = post(emu.url, headers={"cf-aig-collect-log": "false"})
    assert response.status_code == 200
    assert "cf-aig-log-id" in response.headers
    assert emu.logs == []
    emu.set_gateway("gw", GatewayConfig(collect_logs=False))
    post(emu.url)
    assert emu.logs == []
    post(emu.url, headers={"cf-aig-collect-log": "true"})  # the header overrides the gateway
    assert len(emu.logs) == 1


def test_collect_log_payload_false_keeps_metadata_only(cfgateway_emulator: GatewayEmulator) -> None:
    """§2 `cf-aig-collect-log-payload: false`: tokens, cost, model, status kept; bodies dropped."""
    emu = cfgateway_emulator
    post(emu.url, headers={"cf-aig-collect-log-payload": "false", "cf-aig-metadata": '{"t":1}'})
    entry = emu.logs[-1]
    assert (entry.request_body, entry.response_body, entry.payload_collected) == (None, None, False)
    assert entry.tokens_in
    assert entry.tokens_out
    assert entry.metadata == {"t": 1}
    assert (entry.status_code, entry.model, entry.success) == (
        200,
        "grok-4.20-0309-non-reasoning",
        True,
    )


def test_log_entry_fields(cfgateway_emulator: GatewayEmulator) -> None:
    """§5 "Logging" fields; custom cost (§2) priced from the answer's usage."""
    emu = cfgateway_emulator
    response = post(
        emu.url,
        headers={
            "cf-aig-event-id": "evt-1",
            "cf-aig-custom-cost": '{"per_token_in":0.5,"per_token_out":1}',
        },
    )
    usage = response.json()["usage"]
    entry = emu.logs[-1]
    assert entry.id == entry.request_id == response.headers["cf-aig-log-id"]
    assert entry.event_id == "evt-1"
    assert (entry.provider, entry.path, entry.stream, entry.cached) == (
        "grok",
        "v1/chat/completions",
        False,
        False,
    )
    assert entry.tokens_in == usage["prompt_tokens"]
    assert entry.tokens_out == usage["total_tokens"] - usage["prompt_tokens"]
    assert entry.custom_cost == {"per_token_in": 0.5, "per_token_out": 1.0}
    assert entry.tokens_in is not None
    assert entry.tokens_out is not None
    assert entry.cost == pytest.approx(entry.tokens_in * 0.5 + entry.tokens_out * 1.0)
    assert entry.request_body["messages"][0]["content"] == "hello"
    assert entry.response_body == response.json()
