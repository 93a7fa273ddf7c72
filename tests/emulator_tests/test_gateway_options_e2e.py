"""Issue 4 "Options", end to end: each `GatewayOptions` key has its EFFECT on the emulated gateway.

Every test drives the real `ChatCloudflareGrok` over loopback HTTP to `GatewayEmulator` and
checks what the gateway did (cache HIT/MISS over the fake clock, upstream attempts and the
delays waited, the first-byte timeout, log entries, stored keys), not only the header sent.
Then: every way options reach the model (constructor, per call, `.bind`, `stream`/`astream`/
`batch`/`abatch`, `config["configurable"]`, inside an agent), the exact precedence, validation
before any request, the run-id event id and metadata from `RunnableConfig`.

Facts: gateway-protocol.md §2 (request headers), §3 (response headers), §5 (caching, retries,
logging); emulator behaviour: docs/emulator.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from uuid import UUID

import openai
import pytest
from langchain.agents import create_agent
from langchain_core.exceptions import ModelAPIError, ModelInvalidRequestError
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import tool

from langchain_cfgateway_grok import (
    ChatCloudflareGrok,
    GatewayOptions,
    InvalidAPIKeyError,
    UnknownStoredKeyError,
)
from langchain_cfgateway_grok._errors import (
    CloudflareGrokInvalidRequestError,
    CloudflareGrokServerError,
)
from langchain_cfgateway_grok.emulator import GatewayConfig, GatewayEmulator, Switches
from langchain_cfgateway_grok.emulator.pytest_plugin import (  # noqa: F401 (fixtures)
    cfgateway_emulator,
    cfgateway_emulator_session,
)
from tests.emulator_tests._gateway_e2e import (
    GATEWAY_ID,
    GATEWAY_TOKEN,
    ChatRunIds,
    make_model,
    merge_chunks,
    sent_headers,
)

CACHED = GatewayConfig(cache_ttl=600)


@pytest.fixture
def emu(cfgateway_emulator: GatewayEmulator) -> GatewayEmulator:  # noqa: F811
    """The shared loopback emulator, reset before and after each test (fake clock)."""
    return cfgateway_emulator


def _gateway(message: AIMessage) -> dict[str, Any]:
    gateway = message.response_metadata["gateway"]
    assert isinstance(gateway, dict)
    return gateway


def _cache_status(message: AIMessage) -> str:
    status = _gateway(message)["cache_status"]
    assert isinstance(status, str)
    return status


# --- caching: cache_ttl, cache_key, skip_cache (§2, §5 "Caching") --------------------------------
def test_cache_ttl_sets_how_long_a_cached_answer_lives(emu: GatewayEmulator) -> None:
    """`cache_ttl=120` on a gateway caching for 600 s: HIT until 120 s have passed, then MISS."""
    emu.set_gateway(GATEWAY_ID, CACHED)
    model = make_model(emu, gateway_options={"cache_ttl": 120})
    first, second = model.invoke("What is a CDN?"), model.invoke("What is a CDN?")
    assert (_cache_status(first), _cache_status(second)) == ("MISS", "HIT")
    assert second.content == first.content
    assert _gateway(second)["log_id"] != _gateway(first)["log_id"]
    assert len(emu.upstream_attempts) == 1  # the HIT never reached xAI
    assert emu.requests[-1].headers["cf-aig-cache-ttl"] == "120"
    emu.clock.advance(119)
    assert _cache_status(model.invoke("What is a CDN?")) == "HIT"
    emu.clock.advance(1)  # 120 s: the option's TTL, not the gateway's 600 s
    assert _cache_status(model.invoke("What is a CDN?")) == "MISS"
    assert len(emu.upstream_attempts) == 2


def test_cache_ttl_alone_does_not_opt_in(emu: GatewayEmulator) -> None:
    """Current docs (§2): `cf-aig-cache-ttl` only sets the TTL of a request that is cached."""
    model = make_model(emu, gateway_options={"cache_ttl": 600})
    assert [_cache_status(model.invoke("same")) for _ in "ab"] == ["MISS", "MISS"]


def test_cache_key_opts_in_and_replaces_the_default_key(emu: GatewayEmulator) -> None:
    """`cache_key` caches on a gateway with caching off; another prompt with the key HITs."""
    model = make_model(emu)
    assert [_cache_status(model.invoke("same question")) for _ in "ab"] == ["MISS", "MISS"]
    keyed: GatewayOptions = {"cache_key": "faq-cdn", "cache_ttl": 60}
    first = model.invoke("What is a CDN?", gateway_options=keyed)
    reworded = model.invoke("Explain CDNs briefly", gateway_options=keyed)
    assert (_cache_status(first), _cache_status(reworded)) == ("MISS", "HIT")
    assert reworded.content == first.content  # the answer stored under the key
    emu.clock.advance(59)
    assert _cache_status(model.invoke("anything", gateway_options=keyed)) == "HIT"
    emu.clock.advance(1)
    assert _cache_status(model.invoke("anything", gateway_options=keyed)) == "MISS"


def test_cache_key_without_ttl_lives_five_minutes(emu: GatewayEmulator) -> None:
    """TTL: `cache_ttl`, else the gateway's, else 300 s (§5)."""
    model = make_model(emu, gateway_options={"cache_key": "five-minutes"})
    assert _cache_status(model.invoke("q")) == "MISS"
    emu.clock.advance(299)
    assert _cache_status(model.invoke("q")) == "HIT"
    emu.clock.advance(1)
    assert _cache_status(model.invoke("q")) == "MISS"


def test_skip_cache_is_a_miss_and_reaches_xai(emu: GatewayEmulator) -> None:
    emu.set_gateway(GATEWAY_ID, CACHED)
    model = make_model(emu)
    assert [_cache_status(model.invoke("cached?")) for _ in "ab"] == ["MISS", "HIT"]
    skipped = model.invoke("cached?", gateway_options={"skip_cache": True})
    assert _cache_status(skipped) == "MISS"
    assert emu.requests[-1].headers["cf-aig-skip-cache"] == "true"
    assert len(emu.upstream_attempts) == 2  # the skipped call went to xAI
    not_skipped = model.invoke("cached?", gateway_options={"skip_cache": False})
    assert _cache_status(not_skipped) == "HIT"


# --- gateway retries: max_attempts, retry_delay, backoff (§2, §5 "Retries") ----------------------
@pytest.mark.parametrize(
    ("backoff", "delays"),
    [
        ("constant", [0.0, 0.25, 0.25, 0.25]),
        ("linear", [0.0, 0.25, 0.5, 0.75]),
        ("exponential", [0.0, 0.25, 0.5, 1.0]),
    ],
)
def test_gateway_retries_attempts_and_delays(
    emu: GatewayEmulator, backoff: str, delays: list[float]
) -> None:
    """Three upstream 503s, then success: four attempts, waits grown by `backoff` (fake clock)."""
    emu.faults.add(upstream_status=503, times=3)
    model = make_model(emu)
    before = emu.clock.now()
    message = model.invoke(
        "retry me",
        gateway_options={"max_attempts": 4, "retry_delay": 0.25, "backoff": backoff},
    )
    assert message.content
    attempts = emu.attempts_for(_gateway(message)["log_id"])
    assert [a.status for a in attempts] == [503, 503, 503, 200]
    assert [a.delay_before for a in attempts] == pytest.approx(delays)
    assert emu.clock.now() - before == pytest.approx(sum(delays))
    assert len(emu.requests) == 1  # the gateway retried, not the client
    assert emu.logs[-1].attempts == 4


def test_max_attempts_overrides_the_gateways_setting(emu: GatewayEmulator) -> None:
    """The gateway retries 3 times by config; `max_attempts=1` relays the first failure."""
    emu.set_gateway(GATEWAY_ID, GatewayConfig(max_attempts=3, retry_delay_ms=100))
    model = make_model(emu)
    emu.faults.add(upstream_status=503, times=1)
    assert model.invoke("survives").content  # the gateway's own 3 attempts absorb it
    assert [a.status for a in emu.upstream_attempts] == [503, 200]
    emu.faults.add(upstream_status=503, times=1)
    with pytest.raises(CloudflareGrokServerError) as caught:
        model.invoke("fails fast", gateway_options={"max_attempts": 1})
    assert caught.value.status_code == 503
    assert caught.value.gateway_code is None  # xAI's error, relayed
    assert caught.value.log_id == emu.requests[-1].log_id
    assert len(emu.attempts_for(emu.requests[-1].log_id)) == 1


async def test_gateway_retries_before_a_stream_starts(emu: GatewayEmulator) -> None:
    emu.faults.add(upstream_status=502, times=2)
    model = make_model(emu, gateway_options={"max_attempts": 3, "retry_delay": 0.1})
    chunks = [chunk async for chunk in model.astream("stream after retries")]
    merged = merge_chunks(chunks)
    assert merged.content
    attempts = emu.attempts_for(merged.response_metadata["gateway"]["log_id"])
    assert [a.status for a in attempts] == [502, 502, 200]
    assert [a.delay_before for a in attempts] == pytest.approx([0.0, 0.1, 0.1])


# --- first_byte_timeout (§2 cf-aig-request-timeout) ----------------------------------------------
def test_first_byte_timeout_raises_the_gateways_timeout_error(emu: GatewayEmulator) -> None:
    """xAI needs 5 s to its first byte; `first_byte_timeout=1.5` -> the gateway's 504/2007.

    Status, code and message of that error are Unconfirmed (docs/emulator.md); the model raises
    its 5xx class (an `openai.InternalServerError`) carrying the gateway code and log id.
    """
    emu.faults.add(upstream_delay=5.0)
    model = make_model(emu, gateway_options={"first_byte_timeout": 1.5})
    before = emu.clock.now()
    with pytest.raises(CloudflareGrokServerError) as caught:
        model.invoke("slow upstream")
    error = caught.value
    assert isinstance(error, openai.InternalServerError)
    assert isinstance(error, ModelAPIError)
    assert (error.status_code, error.gateway_code) == (504, 2007)
    assert error.log_id == emu.requests[-1].log_id
    assert emu.requests[-1].headers["cf-aig-request-timeout"] == "1500"  # seconds -> ms
    assert emu.clock.now() - before == pytest.approx(1.5)  # waited the timeout, not 5 s
    assert [(a.status, a.timed_out) for a in emu.upstream_attempts] == [(None, True)]
    assert emu.logs[-1].gateway_error_code == 2007


def test_first_byte_timeout_in_a_stream(emu: GatewayEmulator) -> None:
    emu.faults.add(upstream_delay=5.0)
    model = make_model(emu)
    with pytest.raises(CloudflareGrokServerError) as caught:
        list(model.stream("slow", gateway_options={"first_byte_timeout": 1}))
    assert (caught.value.status_code, caught.value.gateway_code) == (504, 2007)


def test_first_byte_timeout_longer_than_the_wait_succeeds(emu: GatewayEmulator) -> None:
    emu.faults.add(upstream_delay=2.0)
    model = make_model(emu, gateway_options={"first_byte_timeout": 2.5})
    assert model.invoke("slow but in time").content
    assert [a.timed_out for a in emu.upstream_attempts] == [False]


def test_first_byte_timeout_then_a_gateway_retry_succeeds(emu: GatewayEmulator) -> None:
    emu.faults.add(upstream_delay=5.0)
    options: GatewayOptions = {"first_byte_timeout": 1, "max_attempts": 2, "retry_delay": 0.1}
    assert make_model(emu).invoke("second try", gateway_options=options).content
    assert [a.timed_out for a in emu.upstream_attempts] == [True, False]


# --- logging: metadata, event_id, collect_log, collect_log_payload, custom_cost (§2, §5) ---------
def test_metadata_lands_in_the_log_entry(emu: GatewayEmulator) -> None:
    metadata = {"team": "ai", "user": 42, "ratio": 0.5, "beta": True, "city": "Zürich"}
    make_model(emu).invoke("hi", gateway_options={"metadata": metadata})
    assert emu.logs[-1].metadata == metadata  # non-ASCII survives the ASCII-safe JSON
    assert emu.requests[-1].headers["cf-aig-metadata"].isascii()
    make_model(emu).invoke("hi")
    assert emu.logs[-1].metadata == {}


def test_metadata_is_not_part_of_the_cache_key(emu: GatewayEmulator) -> None:
    emu.set_gateway(GATEWAY_ID, CACHED)
    model = make_model(emu)
    model.invoke("q", gateway_options={"metadata": {"user": "a"}})
    hit = model.invoke("q", gateway_options={"metadata": {"user": "b"}})
    assert _cache_status(hit) == "HIT"
    assert emu.logs[-1].metadata == {"user": "b"}


def test_explicit_event_id_is_logged_and_echoed(emu: GatewayEmulator) -> None:
    message = make_model(emu).invoke("hi", gateway_options={"event_id": "trace-0001"})
    assert emu.logs[-1].event_id == "trace-0001"
    assert _gateway(message)["event_id"] == "trace-0001"


def test_collect_log_false_leaves_no_log_entry(emu: GatewayEmulator) -> None:
    message = make_model(emu, gateway_options={"collect_log": False}).invoke("private")
    assert _gateway(message)["log_id"]  # the answer still carries its ids
    assert emu.logs == []
    emu.set_gateway(GATEWAY_ID, GatewayConfig(collect_logs=False))
    make_model(emu).invoke("not logged")
    assert emu.logs == []
    make_model(emu).invoke("logged", gateway_options={"collect_log": True})
    assert len(emu.logs) == 1  # the option overrides the gateway's setting


def test_collect_log_payload_false_keeps_metadata_drops_bodies(emu: GatewayEmulator) -> None:
    options: GatewayOptions = {"collect_log_payload": False, "metadata": {"kept": True}}
    make_model(emu).invoke("secret prompt", gateway_options=options)
    entry = emu.logs[-1]
    assert (entry.request_body, entry.response_body, entry.payload_collected) == (None, None, False)
    assert entry.metadata == {"kept": True}
    assert entry.tokens_in
    assert entry.tokens_out
    make_model(emu).invoke("ordinary prompt")
    assert emu.logs[-1].request_body["messages"][0]["content"] == "ordinary prompt"


def test_custom_cost_is_recorded_and_priced(emu: GatewayEmulator) -> None:
    prices = {"per_token_in": 0.001, "per_token_out": 0.002}
    message = make_model(emu).invoke("price me", gateway_options={"custom_cost": prices})
    entry = emu.logs[-1]
    assert entry.custom_cost == prices
    assert entry.tokens_in is not None
    assert entry.tokens_out is not None
    assert entry.cost == pytest.approx(entry.tokens_in * 0.001 + entry.tokens_out * 0.002)
    usage = message.usage_metadata
    assert usage is not None
    assert (entry.tokens_in, entry.tokens_out) == (usage["input_tokens"], usage["output_tokens"])


# --- stored keys: byok_alias, no_wholesale; zdr (§2) ----------------------------------------------
@pytest.fixture(scope="module")
def byok_emu() -> Iterator[GatewayEmulator]:
    """xAI accepts only the key stored under `team-b`; the gateway's `default` key is stale."""
    stored = {"default": "xai-stale-default-key", "team-b": "xai-team-b-key"}
    config = GatewayConfig(auth_tokens=[GATEWAY_TOKEN], stored_keys=stored)
    with GatewayEmulator(gateways={GATEWAY_ID: config}, xai_keys=["xai-team-b-key"]) as emulator:
        yield emulator


def _stored_keys_model(emu: GatewayEmulator, **overrides: Any) -> ChatCloudflareGrok:
    return make_model(emu, api_key=None, gateway_token=GATEWAY_TOKEN, **overrides)


def test_byok_alias_selects_the_stored_key(byok_emu: GatewayEmulator) -> None:
    byok_emu.reset()
    model = _stored_keys_model(byok_emu)
    with pytest.raises(InvalidAPIKeyError) as stale:  # `default` is used without an alias
        model.invoke("hi")
    assert "xai-stale-default-key" not in str(stale.value)
    answer = model.invoke("hi", gateway_options={"byok_alias": "team-b"})
    assert answer.content
    assert byok_emu.requests[-1].headers["cf-aig-byok-alias"] == "team-b"
    assert "authorization" not in byok_emu.requests[-1].headers  # stored keys: no xAI key sent


def test_unknown_byok_alias_raises_unknown_stored_key(byok_emu: GatewayEmulator) -> None:
    byok_emu.reset()
    model = _stored_keys_model(byok_emu, gateway_options={"byok_alias": "team-z"})
    with pytest.raises(UnknownStoredKeyError) as caught:
        model.invoke("hi")
    error = caught.value
    assert (error.status_code, error.gateway_code) == (400, 2040)
    assert error.log_id == byok_emu.requests[-1].log_id
    assert "team-z" in str(error)
    assert "Configured aliases: default, team-b" in str(error)
    assert isinstance(error, openai.BadRequestError)
    assert isinstance(error, ModelInvalidRequestError)
    assert byok_emu.upstream_attempts == []


def test_no_wholesale_refuses_unified_billing(emu: GatewayEmulator) -> None:
    """No key sent or stored: Unified Billing pays; `no_wholesale=True` makes it a 400 instead.

    The gateway's code and message for this 400 are undocumented; the emulator answers like an
    unknown `default` alias (2040), so the model raises `UnknownStoredKeyError`.
    """
    config = GatewayConfig(auth_tokens=[GATEWAY_TOKEN], unified_billing=True)
    emu.set_gateway(GATEWAY_ID, config)
    model = _stored_keys_model(emu)
    assert model.invoke("paid by Cloudflare").content
    with pytest.raises(CloudflareGrokInvalidRequestError) as caught:
        model.invoke("must be my key", gateway_options={"no_wholesale": True})
    assert caught.value.status_code == 400
    assert emu.requests[-1].headers["cf-aig-no-wholesale"] == "true"
    assert len(emu.upstream_attempts) == 1  # only the Unified Billing call reached xAI


@pytest.mark.parametrize(("zdr", "header"), [(True, "true"), (False, "false")])
def test_zdr_header_arrives(emu: GatewayEmulator, zdr: bool, header: str) -> None:
    """ZDR has no effect for xAI (§2); the header must still arrive as sent."""
    assert make_model(emu, gateway_options={"zdr": zdr}).invoke("hi").content
    assert emu.requests[-1].headers["cf-aig-zdr"] == header


# --- where options come from --------------------------------------------------------------------
CallStyle = Callable[[ChatCloudflareGrok, GatewayOptions], list[AIMessage]]


def _per_call_invoke(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    return [model.invoke("a", gateway_options=options)]


def _per_call_ainvoke(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    return [asyncio.run(model.ainvoke("a", gateway_options=options))]


def _per_call_stream(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    return [merge_chunks(model.stream("a", gateway_options=options))]


def _per_call_astream(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    async def run() -> list[Any]:
        return [chunk async for chunk in model.astream("a", gateway_options=options)]

    return [merge_chunks(asyncio.run(run()))]


def _per_call_batch(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    return model.batch(["a", "b"], gateway_options=options)


def _per_call_abatch(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    return asyncio.run(model.abatch(["a", "b"], gateway_options=options))


def _bound_invoke(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    return [model.bind(gateway_options=options).invoke("a")]


def _bound_stream(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    return [merge_chunks(model.bind(gateway_options=options).stream("a"))]


def _bound_astream(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    bound = model.bind(gateway_options=options)

    async def run() -> list[Any]:
        return [chunk async for chunk in bound.astream("a")]

    return [merge_chunks(asyncio.run(run()))]


def _bound_batch(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    return model.bind(gateway_options=options).batch(["a", "b"])


def _bound_abatch(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    return asyncio.run(model.bind(gateway_options=options).abatch(["a", "b"]))


def _configurable(options: Mapping[str, Any]) -> RunnableConfig:
    return {"configurable": {"gateway_options": options}}


def _config_invoke(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    return [model.invoke("a", config=_configurable(options))]


def _config_ainvoke(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    return [asyncio.run(model.ainvoke("a", config=_configurable(options)))]


def _config_stream(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    return [merge_chunks(model.stream("a", config=_configurable(options)))]


def _config_astream(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    async def run() -> list[Any]:
        return [chunk async for chunk in model.astream("a", config=_configurable(options))]

    return [merge_chunks(asyncio.run(run()))]


def _config_batch(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    return model.batch(["a", "b"], config=_configurable(options))


def _config_abatch(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    return asyncio.run(model.abatch(["a", "b"], config=_configurable(options)))


def _with_config_invoke(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    return [model.with_config(configurable={"gateway_options": options}).invoke("a")]


def _constructor(model: ChatCloudflareGrok, options: GatewayOptions) -> list[AIMessage]:
    """The same settings as `model`, with `options` given to the constructor."""
    rebuilt = ChatCloudflareGrok(**{**_settings(model), "gateway_options": options})
    return [rebuilt.invoke("a"), merge_chunks(rebuilt.stream("b"))]


def _settings(model: ChatCloudflareGrok) -> dict[str, Any]:
    return {
        "model": model.model_name,
        "api_key": model.xai_api_key,
        "account_id": model.account_id,
        "gateway_id": model.gateway_id,
        "gateway_url": model.gateway_url,
        "max_retries": model.max_retries,
    }


CALL_STYLES: dict[str, CallStyle] = {
    "constructor": _constructor,
    "per-call invoke": _per_call_invoke,
    "per-call ainvoke": _per_call_ainvoke,
    "per-call stream": _per_call_stream,
    "per-call astream": _per_call_astream,
    "per-call batch": _per_call_batch,
    "per-call abatch": _per_call_abatch,
    "bind invoke": _bound_invoke,
    "bind stream": _bound_stream,
    "bind astream": _bound_astream,
    "bind batch": _bound_batch,
    "bind abatch": _bound_abatch,
    "config invoke": _config_invoke,
    "config ainvoke": _config_ainvoke,
    "config stream": _config_stream,
    "config astream": _config_astream,
    "config batch": _config_batch,
    "config abatch": _config_abatch,
    "with_config invoke": _with_config_invoke,
}


@pytest.mark.parametrize("style", list(CALL_STYLES))
def test_options_reach_the_gateway_from_every_entry_point(emu: GatewayEmulator, style: str) -> None:
    """Same options, each entry point: the gateway logs the metadata and retries upstream."""
    options: GatewayOptions = {
        "metadata": {"via": style},
        "max_attempts": 2,
        "retry_delay": 0.1,
    }
    emu.faults.add(upstream_status=503, times=1)  # only the first request's first attempt fails
    messages = CALL_STYLES[style](make_model(emu), options)
    assert messages
    assert all(m.content for m in messages)
    assert len(emu.requests) == len(messages)
    assert [entry.metadata for entry in emu.logs] == [{"via": style}] * len(messages)
    assert [h["cf-aig-max-attempts"] for h in sent_headers(emu)] == ["2"] * len(messages)
    statuses = [a.status for a in emu.upstream_attempts]
    assert (statuses.count(503), statuses.count(200)) == (1, len(messages))


def test_batch_with_one_config_per_input(emu: GatewayEmulator) -> None:
    model = make_model(emu)
    configs: list[RunnableConfig] = [
        _configurable({"event_id": "evt-first", "metadata": {"n": 1}}),
        _configurable({"event_id": "evt-second", "metadata": {"n": 2}}),
    ]
    first, second = model.batch(["first input", "second input"], config=configs)
    assert (_gateway(first)["event_id"], _gateway(second)["event_id"]) == (
        "evt-first",
        "evt-second",
    )
    by_event = {entry.event_id: entry for entry in emu.logs}
    assert by_event["evt-first"].request_body["messages"][0]["content"] == "first input"
    assert by_event["evt-second"].metadata == {"n": 2}


# --- precedence: constructor < configurable < bound < per call ----------------------------------
CONSTRUCTOR: GatewayOptions = {
    "backoff": "linear",
    "retry_delay": 0.1,
    "max_attempts": 2,
    "metadata": {"layer": "constructor"},
    "cache_ttl": 100,
}
CONFIGURABLE: GatewayOptions = {
    "retry_delay": 0.2,
    "max_attempts": 3,
    "metadata": {"layer": "config"},
}


def test_configurable_overrides_the_constructor_per_key(emu: GatewayEmulator) -> None:
    model = make_model(emu, gateway_options=CONSTRUCTOR)
    model.invoke("a", config=_configurable(CONFIGURABLE))
    assert sent_headers(emu)[-1] | {"cf-aig-event-id": "-"} == {
        "cf-aig-backoff": "linear",  # constructor
        "cf-aig-cache-ttl": "100",  # constructor
        "cf-aig-retry-delay": "200",  # configurable
        "cf-aig-max-attempts": "3",  # configurable
        "cf-aig-metadata": '{"layer":"config"}',  # configurable, replaced whole
        "cf-aig-event-id": "-",
    }


def test_bound_overrides_configurable_and_constructor(emu: GatewayEmulator) -> None:
    """Effect: max_attempts from the bound layer (4) decides how often the gateway tries."""
    emu.faults.add(upstream_status=503, times=3)
    bound = make_model(emu, gateway_options=CONSTRUCTOR).bind(
        gateway_options={"max_attempts": 4, "metadata": {"layer": "bound"}}
    )
    assert bound.invoke("a", config=_configurable(CONFIGURABLE)).content
    headers = sent_headers(emu)[-1]
    assert headers["cf-aig-max-attempts"] == "4"
    assert headers["cf-aig-retry-delay"] == "200"  # configurable
    assert headers["cf-aig-backoff"] == "linear"  # constructor
    assert emu.logs[-1].metadata == {"layer": "bound"}
    assert [a.delay_before for a in emu.upstream_attempts] == pytest.approx([0, 0.2, 0.4, 0.6])


def test_per_call_overrides_every_other_layer(emu: GatewayEmulator) -> None:
    model = make_model(emu, gateway_options=CONSTRUCTOR)
    model.invoke(
        "a",
        config=_configurable(CONFIGURABLE),
        gateway_options={"max_attempts": 5, "metadata": {"layer": "call"}},
    )
    headers = sent_headers(emu)[-1]
    assert (headers["cf-aig-max-attempts"], headers["cf-aig-retry-delay"]) == ("5", "200")
    assert emu.logs[-1].metadata == {"layer": "call"}


def test_per_call_options_replace_bound_options_whole(emu: GatewayEmulator) -> None:
    """LangChain merges call kwargs over bound kwargs: `gateway_options` is one kwarg.

    So a per-call dict replaces the bound dict entirely (bound `skip_cache` is gone), while the
    constructor's and `configurable` options still apply underneath.
    """
    emu.set_gateway(GATEWAY_ID, CACHED)
    model = make_model(emu, gateway_options={"metadata": {"layer": "constructor"}})
    bound = model.bind(gateway_options={"skip_cache": True, "max_attempts": 4})
    assert _cache_status(model.invoke("same")) == "MISS"  # stored
    assert _cache_status(bound.invoke("same")) == "MISS"  # bound skip_cache in effect
    replaced = bound.invoke(
        "same", config=_configurable({"retry_delay": 0.3}), gateway_options={"max_attempts": 2}
    )
    assert _cache_status(replaced) == "HIT"  # skip_cache no longer sent
    headers = sent_headers(emu)[-1]
    assert "cf-aig-skip-cache" not in headers
    assert (headers["cf-aig-max-attempts"], headers["cf-aig-retry-delay"]) == ("2", "300")
    assert emu.logs[-1].metadata == {"layer": "constructor"}


def test_per_call_empty_metadata_clears_the_constructors(emu: GatewayEmulator) -> None:
    model = make_model(emu, gateway_options={"metadata": {"team": "ai"}})
    model.invoke("a")
    model.invoke("b", gateway_options={"metadata": {}})
    assert [entry.metadata for entry in emu.logs] == [{"team": "ai"}, {}]


# --- options inside an agent --------------------------------------------------------------------
@tool
def lookup_order(order_id: int) -> str:
    """Look up an order by its number."""
    return f"order {order_id} shipped"


def test_agent_passes_configurable_options_to_every_model_call(emu: GatewayEmulator) -> None:
    agent = create_agent(make_model(emu), [lookup_order])
    config = _configurable({"metadata": {"agent": "support"}, "event_id": "agent-run-7"})
    result = agent.invoke({"messages": [("user", "Where is order 42?")]}, config=config)
    messages = result["messages"]
    assert isinstance(messages[-1], AIMessage)
    assert "order 42 shipped" in messages[-1].text
    assert any(isinstance(m, ToolMessage) for m in messages)
    assert len(emu.logs) == 2  # tool call turn + answer turn
    assert [entry.metadata for entry in emu.logs] == [{"agent": "support"}] * 2
    assert [entry.event_id for entry in emu.logs] == ["agent-run-7"] * 2


async def test_async_agent_passes_configurable_options(emu: GatewayEmulator) -> None:
    agent = create_agent(make_model(emu), [lookup_order])
    emu.faults.add(upstream_status=503, times=1)
    config = _configurable({"max_attempts": 2, "retry_delay": 0.1})
    result = await agent.ainvoke({"messages": [("user", "Where is order 7?")]}, config=config)
    assert "order 7 shipped" in result["messages"][-1].text
    assert [h["cf-aig-max-attempts"] for h in sent_headers(emu)] == ["2", "2"]
    assert [a.status for a in emu.upstream_attempts] == [503, 200, 200]


# --- invalid options: a clear error naming the key, before any request --------------------------
BAD_OPTIONS: list[tuple[dict[str, Any], str]] = [
    ({"cache_ttl": 30}, "'cache_ttl'"),
    ({"max_attempts": 9}, "'max_attempts'"),
    ({"retry_delay": 10}, "'retry_delay'"),
    ({"backoff": "random"}, "'backoff'"),
    ({"metadata": {str(i): i for i in range(6)}}, "'metadata'"),
    ({"event_id": "x\r\nX-Injected: 1"}, "'event_id'"),
    ({"gateway_cache_ttl": 60}, "'gateway_cache_ttl'"),
    ({"skip_cache": "yes"}, "'skip_cache'"),
]


@pytest.mark.parametrize(("options", "named"), BAD_OPTIONS)
@pytest.mark.parametrize(
    "where", ["constructor", "invoke", "stream", "astream", "bind", "batch", "config", "agent"]
)
def test_invalid_options_fail_before_any_request(
    emu: GatewayEmulator, options: dict[str, Any], named: str, where: str
) -> None:
    def run() -> object:
        if where == "constructor":
            return make_model(emu, gateway_options=options)
        model = make_model(emu)
        if where == "invoke":
            return model.invoke("a", gateway_options=options)
        if where == "stream":
            return list(model.stream("a", gateway_options=options))
        if where == "astream":

            async def consume() -> list[Any]:
                return [chunk async for chunk in model.astream("a", gateway_options=options)]

            return asyncio.run(consume())
        if where == "bind":
            return model.bind(gateway_options=options).invoke("a")
        if where == "batch":
            return model.batch(["a", "b"], gateway_options=options)
        if where == "config":
            return model.invoke("a", config=_configurable(options))
        agent = create_agent(model, [lookup_order])
        return agent.invoke({"messages": [("user", "hi")]}, config=_configurable(options))

    with pytest.raises(ValueError, match="gateway_options") as caught:
        run()
    text = str(caught.value)
    assert named in text
    assert "Fix:" in text
    assert "\r" not in text
    assert emu.requests == []


# --- event id = LangChain run id (issue 4 "Options", last bullet) --------------------------------
def test_event_id_defaults_to_the_run_id_on_invoke(emu: GatewayEmulator) -> None:
    handler = ChatRunIds()
    message = make_model(emu).invoke("hi", config={"callbacks": [handler]})
    (run_id,) = handler.run_ids
    assert emu.requests[-1].headers["cf-aig-event-id"] == str(run_id)
    assert emu.logs[-1].event_id == str(run_id)
    assert _gateway(message)["event_id"] == str(run_id)
    assert message.id is not None
    assert str(run_id) in message.id  # `lc_run--<run id>`: one id for the run and its log


def test_event_id_is_each_runs_id_in_batch_and_ainvoke(emu: GatewayEmulator) -> None:
    handler = ChatRunIds()
    model = make_model(emu)
    model.batch(["one", "two"], config={"callbacks": [handler]})
    asyncio.run(model.ainvoke("three", config={"callbacks": [handler]}))
    assert sorted(entry.event_id for entry in emu.logs) == sorted(map(str, handler.run_ids))
    assert len(set(handler.run_ids)) == 3


def test_an_explicit_run_id_becomes_the_event_id(emu: GatewayEmulator) -> None:
    run_id = UUID("01990000-0000-7000-8000-000000000001")
    make_model(emu).invoke("hi", config={"run_id": run_id})
    assert emu.logs[-1].event_id == str(run_id)


def test_event_id_defaults_to_the_run_id_on_stream(emu: GatewayEmulator) -> None:
    handler = ChatRunIds()
    chunks = list(make_model(emu).stream("hi", config={"callbacks": [handler]}))
    (run_id,) = handler.run_ids
    assert emu.requests[-1].headers.get("cf-aig-event-id") == str(run_id)
    assert chunks[0].response_metadata["gateway"]["event_id"] == str(run_id)


async def test_event_id_defaults_to_the_run_id_on_astream(emu: GatewayEmulator) -> None:
    handler = ChatRunIds()
    model = make_model(emu)
    _ = [chunk async for chunk in model.astream("hi", config={"callbacks": [handler]})]
    (run_id,) = handler.run_ids
    assert emu.requests[-1].headers.get("cf-aig-event-id") == str(run_id)


def test_event_id_defaults_to_the_run_id_when_invoke_streams(emu: GatewayEmulator) -> None:
    """`streaming=True`: langchain-core's invoke goes through `_stream`, without a run manager."""
    handler = ChatRunIds()
    make_model(emu, streaming=True).invoke("hi", config={"callbacks": [handler]})
    (run_id,) = handler.run_ids
    assert emu.requests[-1].headers.get("cf-aig-event-id") == str(run_id)


def test_event_id_is_the_run_id_in_an_agent_streaming_messages(emu: GatewayEmulator) -> None:
    """`stream_mode="messages"` makes the graph's model call stream (through `_stream`)."""
    handler = ChatRunIds()
    agent = create_agent(make_model(emu), [lookup_order])
    for _ in agent.stream(
        {"messages": [("user", "hi")]}, config={"callbacks": [handler]}, stream_mode="messages"
    ):
        pass
    assert [entry.event_id for entry in emu.logs] == [str(run_id) for run_id in handler.run_ids]


def test_explicit_event_id_wins_over_the_run_id(emu: GatewayEmulator) -> None:
    handler = ChatRunIds()
    model = make_model(emu, gateway_options={"event_id": "from-constructor"})
    model.invoke("a", config={"callbacks": [handler]})
    model.invoke("b", gateway_options={"event_id": "from-call"})
    list(model.stream("c"))
    assert [entry.event_id for entry in emu.logs] == [
        "from-constructor",
        "from-call",
        "from-constructor",
    ]
    assert str(handler.run_ids[0]) not in {entry.event_id for entry in emu.logs}


def test_event_id_from_run_id_can_be_switched_off(emu: GatewayEmulator) -> None:
    message = make_model(emu, event_id_from_run_id=False).invoke("hi")
    assert "cf-aig-event-id" not in emu.requests[-1].headers
    assert _gateway(message)["event_id"] == _gateway(message)["log_id"]  # the gateway's default


# --- metadata from RunnableConfig (opt-in) -------------------------------------------------------
RUN_METADATA: dict[str, Any] = {
    "team": "ai",
    "nested": {"not": "primitive"},
    "ls_custom": "LangChain's own",
    "user": 42,
    "ratio": 0.5,
    "beta": True,
    "tenant": "t-1",
    "sixth": "dropped",
}


def test_metadata_from_config_is_off_by_default(emu: GatewayEmulator) -> None:
    make_model(emu).invoke("hi", config={"metadata": RUN_METADATA})
    assert "cf-aig-metadata" not in emu.requests[-1].headers
    assert emu.logs[-1].metadata == {}


def test_metadata_from_config_maps_five_primitive_user_entries(emu: GatewayEmulator) -> None:
    model = make_model(emu, gateway_metadata_from_config=True)
    model.invoke("hi", config={"metadata": RUN_METADATA})
    assert emu.logs[-1].metadata == {
        "team": "ai",
        "user": 42,
        "ratio": 0.5,
        "beta": True,
        "tenant": "t-1",
    }


def test_explicit_metadata_comes_first_then_config_fills_up(emu: GatewayEmulator) -> None:
    model = make_model(
        emu, gateway_metadata_from_config=True, gateway_options={"metadata": {"team": "override"}}
    )
    model.invoke("hi", config={"metadata": RUN_METADATA})
    assert emu.logs[-1].metadata == {
        "team": "override",
        "user": 42,
        "ratio": 0.5,
        "beta": True,
        "tenant": "t-1",
    }
    model.invoke("hi", config={"metadata": RUN_METADATA}, gateway_options={"metadata": {"a": 1}})
    assert emu.logs[-1].metadata == {"a": 1, "team": "ai", "user": 42, "ratio": 0.5, "beta": True}


def test_metadata_from_config_inside_an_agent_skips_graph_internals(emu: GatewayEmulator) -> None:
    agent = create_agent(make_model(emu, gateway_metadata_from_config=True), [lookup_order])
    agent.invoke(
        {"messages": [("user", "Where is order 5?")]}, config={"metadata": {"tenant": "acme"}}
    )
    assert [entry.metadata for entry in emu.logs] == [{"tenant": "acme"}] * 2


def test_metadata_from_config_on_stream_and_astream(emu: GatewayEmulator) -> None:
    model = make_model(emu, gateway_metadata_from_config=True)
    list(model.stream("hi", config={"metadata": {"tenant": "acme"}}))

    async def consume() -> list[Any]:
        config: RunnableConfig = {"metadata": {"tenant": "globex", "ls_x": "skipped"}}
        return [chunk async for chunk in model.astream("hi", config=config)]

    asyncio.run(consume())
    assert [entry.metadata for entry in emu.logs] == [{"tenant": "acme"}, {"tenant": "globex"}]


def test_switches_do_not_leak_between_tests(emu: GatewayEmulator) -> None:
    """Guard for this module's fixture use: every test starts from the emulator defaults."""
    assert emu.switches == Switches()
    assert (emu.requests, emu.logs, emu.upstream_attempts) == ([], [], [])
