"""The gateway's other routes on the emulator, over loopback with raw httpx2.

Universal endpoint (gateway-protocol.md §1.4): steps in order, per-step headers and config, the
header precedence, fallback on an error and on a timeout, `cf-aig-step`, per-step log entries,
streams, all steps failing (Unconfirmed, switch). Dynamic routes to a non-xAI provider (§1.5).
The Cloudflare REST chat route (§1.6) with and without a valid API token. The logs API (§5):
list, get, patch, filters, validation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from langchain_cfgateway_grok.emulator import (
    DynamicRoute,
    GatewayConfig,
    GatewayEmulator,
    ScriptedReply,
    Switches,
    fingerprint,
)

ACCT = "acct"
TOKEN = "cf-gateway-token"
API_TOKEN = "cf-api-token-0001"
XAI_KEY = "xai-good-key"
API_AUTH = {"authorization": f"Bearer {API_TOKEN}"}
GW_AUTH = {"cf-aig-authorization": f"Bearer {TOKEN}"}
MODEL = "grok-4.20-0309-non-reasoning"
GATEWAYS = {
    "gw": GatewayConfig(),
    "secure": GatewayConfig(
        auth_tokens=[TOKEN],
        dynamic_routes={
            "support": DynamicRoute("gpt-4o-mini", provider="openai"),
            "grokroute": DynamicRoute("grok-4.3"),
        },
    ),
    "retrying": GatewayConfig(max_attempts=2, retry_delay_ms=100),
    "default": GatewayConfig(),
    "broke": GatewayConfig(unified_billing_credits=False),
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[GatewayEmulator]:
    with GatewayEmulator(gateways=GATEWAYS, xai_keys=[XAI_KEY], api_tokens=[API_TOKEN]) as emu:
        yield emu


@pytest.fixture
def emu(emulator: GatewayEmulator) -> Iterator[GatewayEmulator]:
    emulator.reset()
    yield emulator
    emulator.reset()


def messages(text: str = "hello") -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def grok_step(model: str = MODEL, *, key: str = XAI_KEY, **extra: Any) -> dict[str, Any]:
    return {
        "provider": "grok",
        "endpoint": "v1/chat/completions",
        "headers": {"Authorization": f"Bearer {key}"},
        "query": {"model": model, "messages": messages(), **extra.pop("query", {})},
        **extra,
    }


def universal(
    emu: GatewayEmulator,
    steps: Any,
    *,
    gateway: str = "gw",
    headers: dict[str, str] | None = None,
) -> httpx2.Response:
    return httpx2.post(emu.universal_url(ACCT, gateway), json=steps, headers=headers or {})


# --- Universal: fallback ------------------------------------------------------------------------


def test_step_zero_serves_with_equal_ids(emu: GatewayEmulator) -> None:
    response = universal(emu, [grok_step(), grok_step()])
    assert response.status_code == 200
    assert response.headers["cf-aig-step"] == "0"
    log_id = response.headers["cf-aig-log-id"]
    assert response.headers["cf-aig-request-id"] == log_id == response.headers["cf-aig-event-id"]
    assert [(e.id, e.step, e.request_type) for e in emu.logs] == [(log_id, 0, "universal")]
    assert response.json()["choices"][0]["message"]["content"]


def test_fallback_on_an_error_reports_the_serving_step(emu: GatewayEmulator) -> None:
    emu.faults.add(upstream_status=503)
    response = universal(emu, [grok_step(), grok_step("grok-4.3")])
    assert response.status_code == 200
    assert response.headers["cf-aig-step"] == "1"
    assert response.json()["model"] == "grok-4.3"  # the winner's own body
    first, second = emu.logs
    assert (first.step, first.status_code, second.step, second.status_code) == (0, 503, 1, 200)
    # One request: both entries share its id; the answer names the serving step's entry.
    assert first.request_id == second.request_id == response.headers["cf-aig-request-id"]
    assert response.headers["cf-aig-log-id"] == second.id != first.id


def test_fallback_on_a_timeout(emu: GatewayEmulator) -> None:
    emu.faults.add(upstream_delay=5)  # xAI's first byte after 5 s on the emulator clock
    step0 = grok_step(config={"requestTimeout": 1000})
    response = universal(emu, [step0, grok_step()])
    assert response.status_code == 200
    assert response.headers["cf-aig-step"] == "1"
    timed_out = emu.logs[0]
    assert (timed_out.status_code, timed_out.gateway_error_code) == (504, 2007)
    assert [a.timed_out for a in emu.attempts_for(timed_out.id)] == [True]


def test_a_steps_retries_run_before_falling_back(emu: GatewayEmulator) -> None:
    emu.faults.add(upstream_status=500, times=2)
    step0 = grok_step(config={"maxAttempts": 2, "retryDelay": 100, "backoff": "constant"})
    response = universal(emu, [step0, grok_step()])
    assert response.headers["cf-aig-step"] == "1"
    attempts = emu.attempts_for(emu.logs[0].id)
    assert [(a.status, a.delay_before) for a in attempts] == [(500, 0.0), (500, 0.1)]
    assert [a.status for a in emu.attempts_for(response.headers["cf-aig-log-id"])] == [200]


def test_per_step_provider_keys(emu: GatewayEmulator) -> None:
    """Each step carries its own key (§0 "per step, in headers"): a bad one fails over."""
    response = universal(emu, [grok_step(key="xai-wrong"), grok_step()])
    assert response.headers["cf-aig-step"] == "1"
    assert emu.logs[0].status_code in (400, 401)  # xAI's own answer to a bad key


def test_header_precedence_step_over_http_over_gateway(emu: GatewayEmulator) -> None:
    """§1.4: step headers > HTTP request headers > gateway settings."""
    emu.faults.add(upstream_status=500, times=5)
    step_plain = grok_step()
    step_override = grok_step(
        headers={"authorization": f"Bearer {XAI_KEY}", "cf-aig-max-attempts": "1"}
    )
    # gateway setting (max_attempts=2) applies when nothing overrides it
    universal(emu, [step_plain], gateway="retrying")
    # the HTTP header (3) overrides the gateway; the step header (1) overrides the HTTP header
    universal(
        emu, [step_plain, step_override], gateway="retrying", headers={"cf-aig-max-attempts": "3"}
    )
    assert [entry.attempts for entry in emu.logs] == [2, 3, 1]
    # metadata: the HTTP request's is inherited, a step's replaces it for that step only
    emu.faults.clear()
    emu.faults.add(upstream_status=500)
    universal(
        emu,
        [
            grok_step(),
            grok_step(
                headers={
                    "authorization": f"Bearer {XAI_KEY}",
                    "cf-aig-metadata": '{"tier":"backup"}',
                }
            ),
        ],
        headers={"cf-aig-metadata": '{"user":"u1"}'},
    )
    assert [dict(entry.metadata) for entry in emu.logs[-2:]] == [{"user": "u1"}, {"tier": "backup"}]


def test_config_overrides_the_steps_own_headers(emu: GatewayEmulator) -> None:
    emu.faults.add(upstream_status=500, times=5)
    step = grok_step(
        headers={"authorization": f"Bearer {XAI_KEY}", "cf-aig-max-attempts": "1"},
        config={"maxAttempts": 3, "retryDelay": 0},
    )
    universal(emu, [step])
    assert emu.logs[0].attempts == 3


def test_gateway_token_only_as_a_real_http_header(emu: GatewayEmulator) -> None:
    in_step = grok_step(headers={"authorization": f"Bearer {XAI_KEY}", **GW_AUTH})
    refused = universal(emu, [in_step], gateway="secure")
    assert refused.status_code == 401
    assert refused.json()["internalCode"] == 2009
    served = universal(emu, [in_step], gateway="secure", headers=GW_AUTH)
    assert served.status_code == 200
    assert any("cf-aig-authorization" in note for note in emu.logs[-1].ignored_headers)
    # recorded as a fingerprint, like every secret header
    assert emu.requests[-1].headers["cf-aig-authorization"] == fingerprint(f"Bearer {TOKEN}")


def test_compat_and_dynamic_steps(emu: GatewayEmulator) -> None:
    emu.faults.add(upstream_status=503)
    compat = {
        "provider": "compat",
        "endpoint": "chat/completions",
        "query": {"model": "dynamic/support", "messages": messages()},
    }
    response = universal(emu, [grok_step(), compat], gateway="secure", headers=GW_AUTH)
    assert response.headers["cf-aig-step"] == "1"
    assert response.headers["cf-aig-provider"] == "openai"
    assert response.headers["cf-aig-model"] == "gpt-4o-mini"
    assert response.json()["model"] == "gpt-4o-mini"


def test_one_step_object_and_the_unversioned_grok_endpoint(emu: GatewayEmulator) -> None:
    step = {**grok_step(), "endpoint": "chat/completions"}
    response = universal(emu, step)  # binding-style single object
    assert (response.status_code, response.headers["cf-aig-step"]) == (200, "0")


def test_legacy_authorization_field(emu: GatewayEmulator) -> None:
    """Older docs put the provider key in a step's `authorization` field."""
    step = {k: v for k, v in grok_step().items() if k != "headers"}
    response = universal(emu, [{**step, "authorization": XAI_KEY}])
    assert response.status_code == 200


def test_unknown_provider_steps_fall_back(emu: GatewayEmulator) -> None:
    bogus = {"provider": "nope", "endpoint": "chat/completions", "query": {}}
    response = universal(emu, [bogus, grok_step()])
    assert response.headers["cf-aig-step"] == "1"
    assert emu.logs[0].gateway_error_code == 2008


def test_stream_through_universal(emu: GatewayEmulator) -> None:
    emu.faults.add(upstream_status=502)
    emu.script(ScriptedReply(text="streamed answer"))
    steps = [grok_step(query={"stream": True}), grok_step(query={"stream": True})]
    with httpx2.stream("POST", emu.universal_url(ACCT, "gw"), json=steps) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cf-aig-step"] == "1"
        raw = response.read()
    events = raw.decode().strip().split("\n\n")
    assert events[-1] == "data: [DONE]"
    text = "".join(
        json.loads(e[6:])["choices"][0]["delta"].get("content") or ""
        for e in events[:-1]
        if json.loads(e[6:])["choices"]
    )
    assert text == "streamed answer"
    assert emu.logs[-1].stream is True


@pytest.mark.parametrize(
    ("mode", "status", "step"),
    [("last_error", 429, "1"), ("first_error", 503, "0"), ("gateway_error", 502, None)],
)
def test_all_steps_failing_is_a_switch(
    emu: GatewayEmulator, mode: Any, status: int, step: str | None
) -> None:
    emu.switches = Switches(universal_all_failed=mode)
    emu.faults.add(upstream_status=503)
    emu.faults.add(upstream_status=429)
    response = universal(emu, [grok_step(), grok_step()])
    assert response.status_code == status
    assert response.headers.get("cf-aig-step") == step
    if mode == "gateway_error":
        assert response.json()["internalCode"] == 2005


def test_client_errors_fall_back_unless_switched_off(emu: GatewayEmulator) -> None:
    emu.script_error(400, {"code": "Client specified an invalid argument", "error": "bad"})
    assert universal(emu, [grok_step(), grok_step()]).headers["cf-aig-step"] == "1"
    emu.switches = Switches(universal_fallback_on_client_errors=False)
    emu.script_error(400, {"code": "Client specified an invalid argument", "error": "bad"})
    response = universal(emu, [grok_step(), grok_step()])
    assert (response.status_code, response.headers["cf-aig-step"]) == (400, "0")


@pytest.mark.parametrize("body", [[], {"steps": []}, [{"provider": "grok"}], "[not json"])
def test_invalid_universal_bodies(emu: GatewayEmulator, body: Any) -> None:
    url = emu.universal_url(ACCT, "gw")
    if isinstance(body, str):
        response = httpx2.post(url, content=body, headers={"content-type": "application/json"})
    else:
        response = httpx2.post(url, json=body)
    assert response.status_code == 400
    assert response.json()["internalCode"] == 2006


# --- dynamic route to a non-xAI provider ------------------------------------------------------


def compat_chat(emu: GatewayEmulator, body: dict[str, Any]) -> httpx2.Response:
    return httpx2.post(
        emu.base_url(ACCT, "secure", "compat") + "/chat/completions",
        json=body,
        headers={**GW_AUTH, "authorization": f"Bearer {XAI_KEY}"},
    )


def test_dynamic_route_to_openai_answers_in_openais_shape(emu: GatewayEmulator) -> None:
    response = compat_chat(emu, {"model": "dynamic/support", "messages": messages()})
    assert response.status_code == 200
    assert (response.headers["cf-aig-provider"], response.headers["cf-aig-model"]) == (
        "openai",
        "gpt-4o-mini",
    )
    body = response.json()
    assert body["model"] == "gpt-4o-mini"
    assert set(body) == {"id", "object", "created", "model", "choices", "usage"}
    assert set(body["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    assert "reasoning_content" not in body["choices"][0]["message"]
    assert emu.logs[-1].provider == "openai"
    # a dynamic route to xAI keeps xAI's shape
    grok = compat_chat(emu, {"model": "dynamic/grokroute", "messages": messages()})
    assert grok.headers["cf-aig-provider"] == "grok"
    assert "cost_in_usd_ticks" in grok.json()["usage"]


def test_dynamic_route_to_openai_streams_and_calls_tools(emu: GatewayEmulator) -> None:
    emu.script(
        ScriptedReply(reasoning="hidden", tool_calls=[{"name": "lookup", "arguments": {"q": "x"}}])
    )
    body = {
        "model": "dynamic/support",
        "messages": messages(),
        "stream": True,
        "stream_options": {"include_usage": True},
        "tools": [
            {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
        ],
    }
    response = compat_chat(emu, body)
    chunks = [json.loads(e[6:]) for e in response.text.strip().split("\n\n")[:-1]]
    assert all(c["model"] == "gpt-4o-mini" for c in chunks)
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    assert not any("reasoning_content" in d for d in deltas)
    calls = [call for d in deltas for call in d.get("tool_calls", [])]
    assert calls[0]["function"]["name"] == "lookup"
    assert json.loads(calls[0]["function"]["arguments"]) == {"q": "x"}
    assert set(chunks[-1]["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}


# --- the REST API route -------------------------------------------------------------------------


def rest(
    emu: GatewayEmulator, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> httpx2.Response:
    return httpx2.post(
        f"{emu.api_url}/accounts/{ACCT}/ai/v1/chat/completions",
        json=body or {"model": f"xai/{MODEL}", "messages": messages()},
        headers={**API_AUTH, **(headers or {})},
    )


def test_rest_with_a_valid_token_uses_unified_billing(emu: GatewayEmulator) -> None:
    response = rest(emu, headers={"cf-aig-gateway-id": "gw", "cf-aig-metadata": '{"app":"t"}'})
    assert response.status_code == 200
    assert response.json()["model"] == MODEL
    entry = emu.logs[-1]
    assert (entry.account, entry.gateway, entry.path) == (ACCT, "gw", "ai/v1/chat/completions")
    assert dict(entry.metadata) == {"app": "t"}  # §2 headers apply
    assert response.headers["cf-aig-log-id"] == entry.id
    # the API token is recorded as a fingerprint only
    assert emu.requests[-1].headers["authorization"] == fingerprint(f"Bearer {API_TOKEN}")


def test_rest_gateway_defaults_to_default_and_needs_no_gateway_token(emu: GatewayEmulator) -> None:
    assert rest(emu).status_code == 200
    assert emu.logs[-1].gateway == "default"
    # an authenticated gateway: the API token is enough, no cf-aig-authorization needed
    assert rest(emu, headers={"cf-aig-gateway-id": "secure"}).status_code == 200


def test_rest_gateway_features_apply(emu: GatewayEmulator) -> None:
    first = rest(emu, headers={"cf-aig-gateway-id": "gw", "cf-aig-cache-key": "k1"})
    second = rest(emu, headers={"cf-aig-gateway-id": "gw", "cf-aig-cache-key": "k1"})
    assert (first.headers["cf-aig-cache-status"], second.headers["cf-aig-cache-status"]) == (
        "MISS",
        "HIT",
    )
    broke = rest(emu, headers={"cf-aig-gateway-id": "broke"})
    assert (broke.status_code, broke.json()["internalCode"]) == (402, 2021)


@pytest.mark.parametrize(
    "headers",
    [
        {"authorization": None},
        {"authorization": f"Bearer {XAI_KEY}"},  # an xAI key is not a Cloudflare token
        {"authorization": "Bearer wrong-token"},
        {"authorization": API_TOKEN},  # no Bearer scheme
    ],
)
def test_rest_without_a_valid_token(emu: GatewayEmulator, headers: dict[str, Any]) -> None:
    sent = {**API_AUTH, **headers}
    response = httpx2.post(
        f"{emu.api_url}/accounts/{ACCT}/ai/v1/chat/completions",
        json={"model": f"xai/{MODEL}", "messages": messages()},
        headers={k: v for k, v in sent.items() if v is not None},
    )
    assert response.status_code == 401
    assert response.json() == {
        "result": None,
        "success": False,
        "errors": [{"code": 10000, "message": "Authentication error"}],
        "messages": [],
    }
    assert not emu.logs  # refused before the gateway
    assert not emu.upstream_attempts


@pytest.mark.parametrize("model", [MODEL, f"grok/{MODEL}", "xai/", "openai/gpt-4o"])
def test_rest_takes_xai_model_ids_only(emu: GatewayEmulator, model: str) -> None:
    response = rest(emu, {"model": model, "messages": messages()})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 7003


def test_rest_wrong_method_and_unknown_api_paths(emu: GatewayEmulator) -> None:
    get = httpx2.get(f"{emu.api_url}/accounts/{ACCT}/ai/v1/chat/completions", headers=API_AUTH)
    assert get.status_code == 405
    nowhere = httpx2.get(f"{emu.api_url}/accounts/{ACCT}/nothing/here", headers=API_AUTH)
    assert (nowhere.status_code, nowhere.json()["errors"][0]["code"]) == (404, 7000)


# --- the logs API -------------------------------------------------------------------------------


def logs_url(emu: GatewayEmulator, gateway: str = "gw") -> str:
    return f"{emu.api_url}/accounts/{ACCT}/ai-gateway/gateways/{gateway}/logs"


def make_logs(emu: GatewayEmulator, count: int) -> list[str]:
    ids = []
    for index in range(count):
        emu.clock.advance(1)
        response = httpx2.post(
            emu.base_url(ACCT, "gw") + "/chat/completions",
            json={"model": MODEL, "messages": messages(f"n{index}")},
            headers={
                "authorization": f"Bearer {XAI_KEY}",
                "cf-aig-metadata": json.dumps({"n": index, "team": "a" if index % 2 else "b"}),
                "cf-aig-event-id": f"evt-{index}",
            },
        )
        ids.append(response.headers["cf-aig-log-id"])
    return ids


def test_list_pages_order_and_envelope(emu: GatewayEmulator) -> None:
    ids = make_logs(emu, 5)
    page = httpx2.get(logs_url(emu), params={"per_page": 2}, headers=API_AUTH).json()
    assert (page["success"], page["errors"], page["messages"]) == (True, [], [])
    assert [item["id"] for item in page["result"]] == ids[::-1][:2]  # newest first by default
    assert page["result_info"] == {"page": 1, "per_page": 2, "count": 2, "total_count": 5}
    third = httpx2.get(
        logs_url(emu), params={"per_page": 2, "page": 3, "direction": "asc"}, headers=API_AUTH
    ).json()
    assert [item["id"] for item in third["result"]] == ids[4:]
    item = page["result"][0]
    assert json.loads(item["metadata"]) == {"n": 4, "team": "b"}  # a JSON string, as Cloudflare
    assert (item["provider"], item["model"], item["success"], item["step"]) == (
        "grok",
        MODEL,
        True,
        0,
    )


def test_list_filters(emu: GatewayEmulator) -> None:
    ids = make_logs(emu, 4)

    def listed(params: dict[str, Any]) -> list[str]:
        response = httpx2.get(logs_url(emu), params=params, headers=API_AUTH)
        assert response.status_code == 200, response.text
        return sorted(item["id"] for item in response.json()["result"])

    as_json = json.dumps([{"key": "event_id", "operator": "eq", "value": ["evt-2"]}])
    assert listed({"filters": as_json}) == [ids[2]]
    brackets = {
        "filters[0][key]": "metadata.team",
        "filters[0][operator]": "eq",
        "filters[0][value][0]": "a",
    }
    assert listed(brackets) == sorted([ids[1], ids[3]])
    value_filter = json.dumps([{"key": "metadata.value", "operator": "eq", "value": ["b"]}])
    assert listed({"filters": value_filter}) == sorted([ids[0], ids[2]])
    assert listed(
        {"filters": json.dumps([{"key": "metadata.n", "operator": "gt", "value": [1]}])}
    ) == sorted(ids[2:])
    assert listed({"model": MODEL, "success": "true"}) == sorted(ids)
    assert listed({"provider": "openai"}) == []
    # another gateway's logs are not listed
    assert httpx2.get(logs_url(emu, "default"), headers=API_AUTH).json()["result"] == []


@pytest.mark.parametrize(
    "params",
    [{"per_page": 51}, {"page": 0}, {"order_by": "nope"}, {"direction": "up"}, {"feedback": 2}],
)
def test_list_rejects_bad_parameters(emu: GatewayEmulator, params: dict[str, Any]) -> None:
    response = httpx2.get(logs_url(emu), params=params, headers=API_AUTH)
    assert response.status_code == 400
    assert response.json()["success"] is False


def test_get_and_patch_a_log(emu: GatewayEmulator) -> None:
    (log_id,) = make_logs(emu, 1)
    url = f"{logs_url(emu)}/{log_id}"
    got = httpx2.get(url, headers=API_AUTH).json()["result"]
    assert (got["id"], got["feedback"], got["score"]) == (log_id, None, None)
    patched = httpx2.patch(
        url, json={"feedback": -1, "score": 42, "metadata": {"reviewer": "ana"}}, headers=API_AUTH
    )
    assert patched.status_code == 200
    result = patched.json()["result"]
    assert (result["feedback"], result["score"]) == (-1, 42)
    assert json.loads(result["metadata"]) == {"n": 0, "team": "b", "reviewer": "ana"}
    assert (emu.log(log_id).feedback, emu.log(log_id).score) == (-1, 42)
    # the list filter reads feedback as 0|1 (negative|positive)
    negative = httpx2.get(logs_url(emu), params={"feedback": 0}, headers=API_AUTH).json()
    assert [item["id"] for item in negative["result"]] == [log_id]
    request_body = httpx2.get(f"{url}/request", headers=API_AUTH).json()["result"]
    assert request_body["messages"] == messages("n0")
    response_body = httpx2.get(f"{url}/response", headers=API_AUTH).json()["result"]
    assert response_body["object"] == "chat.completion"


@pytest.mark.parametrize(
    "body",
    [
        {"feedback": 2},
        {"feedback": 0},  # not on the default ±1 scale
        {"feedback": "1"},
        {"score": "high"},
        {"metadata": {str(i): i for i in range(6)}},
        {"metadata": {"a": {"b": 1}}},
        {"rating": 5},
        [1],
    ],
)
def test_patch_validation(emu: GatewayEmulator, body: Any) -> None:
    (log_id,) = make_logs(emu, 1)
    response = httpx2.patch(f"{logs_url(emu)}/{log_id}", json=body, headers=API_AUTH)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 7001
    assert emu.log(log_id).feedback is None


def test_feedback_scale_switch(emu: GatewayEmulator) -> None:
    (log_id,) = make_logs(emu, 1)
    url = f"{logs_url(emu)}/{log_id}"
    emu.switches = Switches(feedback_scale="zero_one")
    assert httpx2.patch(url, json={"feedback": -1}, headers=API_AUTH).status_code == 400
    assert httpx2.patch(url, json={"feedback": 0}, headers=API_AUTH).status_code == 200
    emu.switches = Switches(feedback_scale="either")
    assert httpx2.patch(url, json={"feedback": -1}, headers=API_AUTH).status_code == 200


def test_logs_api_needs_the_api_token_and_the_right_gateway(emu: GatewayEmulator) -> None:
    (log_id,) = make_logs(emu, 1)
    url = f"{logs_url(emu)}/{log_id}"
    for headers in ({}, {"authorization": f"Bearer {XAI_KEY}"}, GW_AUTH):
        response = httpx2.get(url, headers=headers)
        assert (response.status_code, response.json()["errors"][0]["code"]) == (401, 10000)
    assert httpx2.patch(url, json={"feedback": 1}).status_code == 401
    other_gateway = httpx2.get(f"{logs_url(emu, 'default')}/{log_id}", headers=API_AUTH)
    assert other_gateway.status_code == 404
    unknown = httpx2.get(f"{logs_url(emu)}/0199aaaa-0000-7000-8000-000000000000", headers=API_AUTH)
    assert unknown.status_code == 404
    assert httpx2.delete(url, headers=API_AUTH).status_code == 405


def test_universal_steps_in_the_logs_api(emu: GatewayEmulator) -> None:
    emu.faults.add(upstream_status=503)
    response = universal(emu, [grok_step(), grok_step()])
    request_id = response.headers["cf-aig-request-id"]
    listed = httpx2.get(
        logs_url(emu),
        params={
            "filters": json.dumps(
                [{"key": "request_type", "operator": "eq", "value": ["universal"]}]
            ),
            "direction": "asc",
        },
        headers=API_AUTH,
    ).json()["result"]
    assert [(item["step"], item["status_code"], item["request_id"]) for item in listed] == [
        (0, 503, request_id),
        (1, 200, request_id),
    ]
