"""Ids (§3), fingerprints, the error table and envelope (§4), fault-plan validation."""

from __future__ import annotations

import re
import uuid

import pytest

from langchain_cfgateway_grok.emulator import (
    GATEWAY_ERRORS,
    GatewayConfig,
    GatewayErrorSpec,
    Switches,
    envelope,
    fingerprint,
)
from langchain_cfgateway_grok.emulator._faults import Fault, FaultPlan, encode_body
from langchain_cfgateway_grok.emulator._gateway_errors import render
from langchain_cfgateway_grok.emulator._ids import uuid7
from langchain_cfgateway_grok.emulator._secrets import redact_headers


def test_uuid7_shape_and_time() -> None:
    """changelog 2026-10-08: lower-case UUIDv7 log ids."""
    value = uuid7(1_795_540_149.123, rand=0)
    parsed = uuid.UUID(value)
    assert value == value.lower()
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert parsed.int >> 80 == 1_795_540_149_123
    assert uuid7(1.0) != uuid7(1.0)
    assert uuid7(1.0, rand=5) < uuid7(2.0, rand=0)  # time-ordered


def test_fingerprint_and_redaction() -> None:
    assert re.fullmatch(r"sha256:[0-9a-f]{12}", fingerprint("Bearer x"))
    assert fingerprint("Bearer x") != fingerprint("Bearer y")
    redacted = redact_headers(
        [
            ("Authorization", "Bearer x"),
            ("CF-AIG-Authorization", "Bearer t"),
            ("X-A", "1"),
            ("x-a", "2"),
        ]
    )
    assert redacted == {
        "authorization": fingerprint("Bearer x"),
        "cf-aig-authorization": fingerprint("Bearer t"),
        "x-a": "1, 2",
    }


def test_envelope_matches_the_capture() -> None:
    """§4.1, captured live (DevoxxGenieIDEAPlugin#1254)."""
    assert envelope(400, 2008, "Invalid provider") == {
        "success": False,
        "result": [],
        "messages": [],
        "error": [{"code": 2008, "message": "Invalid provider"}],
        "name": "AiGatewayError",
        "httpCode": 400,
        "internalCode": 2008,
        "message": "Invalid provider",
        "description": "Invalid provider",
    }


@pytest.mark.parametrize("name", sorted(GATEWAY_ERRORS))
def test_every_error_renders(name: str) -> None:
    fields = {
        "provider": "grok",
        "alias": "a",
        "aliases": "none",
        "rule": "r",
        "limit": "1",
        "interval": "60",
        "technique": "fixed",
    }
    status, body = render(GATEWAY_ERRORS[name], **fields)
    assert status == body["httpCode"] == GATEWAY_ERRORS[name].status
    assert body["error"][0]["code"] == body["internalCode"]
    assert "{" not in body["message"]


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("gateway_not_found", 400, 2001),
        ("unauthorized", 401, 2009),
        ("rate_limited", 429, 2003),
        ("spend_limit", 429, 2041),
        ("prompt_blocked", 424, 2016),
        ("response_blocked", 424, 2017),
        ("insufficient_credits", 402, 2021),
        ("byok_alias_unknown", 400, 2040),
        ("invalid_provider", 400, 2008),
        ("provider_failed", 400, 2005),
    ],
)
def test_documented_codes(name: str, status: int, code: int) -> None:
    """§4.2 code table."""
    spec = GATEWAY_ERRORS[name]
    assert (spec.status, spec.code) == (status, code)


def test_switches_override_errors() -> None:
    custom = GatewayErrorSpec(408, 9999, "late")
    assert Switches(errors={"request_timeout": custom}).error("request_timeout") == custom
    assert Switches().error("request_timeout") == GATEWAY_ERRORS["request_timeout"]
    with pytest.raises(ValueError, match="Unknown gateway error names"):
        Switches(errors={"nope": custom})


def test_fault_plan_consumes_times_in_order() -> None:
    plan = FaultPlan()
    first = plan.add(upstream_status=503, times=2)
    plan.add(status=429)
    assert len(plan) == 2
    assert plan.take_upstream() == first
    assert plan.pending[0].times == 1
    assert plan.take_upstream() == Fault(upstream_status=503, times=1)
    assert plan.take_upstream() is None
    assert plan.take_edge().status == 429  # type: ignore[union-attr]
    assert plan.take_edge() is None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"upstream_status": 503, "status": 503}, "either upstream"),
        ({}, "empty fault"),
        ({"status": 99}, "100..599"),
        ({"upstream_body": {}}, "needs `upstream_status`"),
        ({"body": "x"}, "need `status`"),
        ({"stall_after_chunks": 1}, "go together"),
        ({"first_byte_delay": -1}, ">= 0 seconds"),
        ({"cut_stream_after_chunks": -1}, ">= 0"),
        ({"status": 500, "times": 0}, "times"),
    ],
)
def test_fault_validation(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        FaultPlan().add(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "kind", "expected"),
    [
        ({"a": 1}, None, (b'{"a":1}', "application/json")),
        ("[1]", None, (b"[1]", "application/json")),
        ("oops", None, (b"oops", "text/plain; charset=utf-8")),
        ("<p>x</p>", "html", (b"<p>x</p>", "text/html; charset=utf-8")),
        (b"raw", "text", (b"raw", "text/plain; charset=utf-8")),
    ],
)
def test_encode_body(body: object, kind: str | None, expected: tuple[bytes, str]) -> None:
    assert encode_body(body, kind) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"auth_tokens": "one-token"}, "list of tokens"),
        ({"stored_keys": {"default": "k"}}, "authenticated gateway"),
        ({"cache_ttl": 30}, "cache_ttl"),
        ({"max_attempts": 6}, "max_attempts"),
        ({"retry_delay_ms": 6000}, "retry_delay_ms"),
        ({"backoff": "random"}, "backoff"),
    ],
)
def test_gateway_config_validation(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        GatewayConfig(**kwargs)  # type: ignore[arg-type]


def test_gateway_config_repr_hides_secrets() -> None:
    config = GatewayConfig(auth_tokens=["tok-secret"], stored_keys={"default": "xai-secret"})
    text = repr(config)
    assert "tok-secret" not in text
    assert "xai-secret" not in text
    assert "auth_tokens=<1>" in text
    assert "stored_keys=<['default']>" in text
