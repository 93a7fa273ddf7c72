"""xAI's flat error bodies `{"code": ..., "error": ...}` (xai-api.md §1.5) and the texts we use.

Texts quoted by the reference are reproduced exactly: the wrong-key message, "Model not found:
<id>", "Model <id> does not support parameter stop.", the context-length sentence and the Live
Search 410. Every other `code` and message is Unconfirmed and lives here, in one place, so a live
capture can correct it (see docs/emulator-xai.md, "Errors").
"""

from __future__ import annotations

from typing import Any

#: The gRPC-style sentence xAI sends with 400s for a wrong key (xai-api.md §1.5).
CODE_INVALID_ARGUMENT = "Client specified an invalid argument"
#: The slug xAI sends with unsupported-parameter 400s (xai-api.md §1.2, §1.5).
CODE_INVALID_ARGUMENT_SLUG = "invalid-argument"
# Unconfirmed codes, chosen in the style of the two above.
CODE_UNAUTHENTICATED = "unauthenticated"
CODE_NOT_FOUND = "not-found"
CODE_GONE = "gone"
CODE_UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type"

CONSOLE_URL = "https://console.x.ai"
LIVE_SEARCH_GONE = (
    "Live search is deprecated. Please switch to the Agent Tools API: "
    "https://docs.x.ai/docs/guides/tools/overview"
)
ANTHROPIC_COMPAT_GONE = (
    "Deprecated: The Anthropic SDK compatibility is fully deprecated. "
    "Please migrate to the Responses API or gRPC."
)


class XaiError(Exception):
    """An xAI error answer: HTTP status plus the flat body fields."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        """The flat JSON body xAI sends."""
        return {"code": self.code, "error": self.message}


def mask_key(key: str) -> str:
    """Mask an API key the way xAI's wrong-key message does (`xa***ke`, xai-api.md §1.5).

    The first two and last two characters stay; keys of four characters or fewer are fully
    masked so the message never reveals a whole short secret.
    """
    if len(key) <= 4:
        return "***"
    return f"{key[:2]}***{key[-2:]}"


def missing_key() -> XaiError:
    """401: no `Authorization` (xai-api.md §1.5; message Unconfirmed)."""
    return XaiError(
        401,
        CODE_UNAUTHENTICATED,
        "No API key provided. Supply an `Authorization: Bearer <XAI_API_KEY>` header. "
        f"You can obtain an API key from {CONSOLE_URL}.",
    )


def incorrect_key(key: str) -> XaiError:
    """400: a key xAI does not know (xai-api.md §1.5, quoted)."""
    return XaiError(
        400,
        CODE_INVALID_ARGUMENT,
        f"Incorrect API key provided: {mask_key(key)}. "
        f"You can obtain an API key from {CONSOLE_URL}.",
    )


def model_not_found(model_id: str) -> XaiError:
    """400 "Model not found: <id>" (xai-api.md §1.5: returned as 400, not 404)."""
    return XaiError(400, CODE_INVALID_ARGUMENT, f"Model not found: {model_id}")


def unsupported_parameter(model_id: str, parameter: str) -> XaiError:
    """400 for a parameter the model rejects (xai-api.md §1.2, quoted form)."""
    return XaiError(
        400, CODE_INVALID_ARGUMENT_SLUG, f"Model {model_id} does not support parameter {parameter}."
    )


def invalid_argument(message: str) -> XaiError:
    """400 for an out-of-range or inconsistent argument (texts Unconfirmed)."""
    return XaiError(400, CODE_INVALID_ARGUMENT, message)


def context_too_long(limit: int, prompt_tokens: int) -> XaiError:
    """400 with the context-length sentence (xai-api.md §1.5, quoted)."""
    return XaiError(
        400,
        CODE_INVALID_ARGUMENT,
        f"This model's maximum prompt length is {limit} "
        f"but the request contains {prompt_tokens} tokens.",
    )


def live_search_gone() -> XaiError:
    """410 for `search_parameters` (xai-api.md §1.2, quoted message)."""
    return XaiError(410, CODE_GONE, LIVE_SEARCH_GONE)


def undeserializable(detail: str) -> XaiError:
    """422 for a body of the wrong shape (xai-api.md §1.5 "invalid field format").

    The sentence is the one Rust (axum/serde) servers send; xAI's exact text is Unconfirmed.
    """
    return XaiError(
        422,
        CODE_INVALID_ARGUMENT,
        f"Failed to deserialize the JSON body into the target type: {detail}",
    )


def unparsable_json(detail: str) -> XaiError:
    """400 for bytes that are not JSON (text Unconfirmed, axum's wording)."""
    return XaiError(
        400, CODE_INVALID_ARGUMENT, f"Failed to parse the request body as JSON: {detail}"
    )


def unsupported_media_type() -> XaiError:
    """415 for an empty body or a missing JSON content type (xai-api.md §1.5; text Unconfirmed)."""
    return XaiError(
        415,
        CODE_UNSUPPORTED_MEDIA_TYPE,
        "Expected request with `Content-Type: application/json` and a non-empty JSON body.",
    )


def retired_endpoint(path: str, status: int) -> XaiError:
    """A retired endpoint such as `/v1/messages` (xai-api.md §1.1; status is a switch)."""
    if status == 410:
        return XaiError(410, CODE_GONE, ANTHROPIC_COMPAT_GONE)
    return XaiError(status, CODE_NOT_FOUND, f"No route found for {path}.")


def response_not_found(response_id: str, status: int = 404) -> XaiError:
    """An unknown, expired, deleted or unstored response id (Responses API; text Unconfirmed).

    `status` is 404 for `GET`/`DELETE /v1/responses/{id}`; for `previous_response_id` it is the
    `previous_response_not_found_status` switch (400 answers as an invalid argument).
    """
    message = f"Response with id '{response_id}' not found."
    if status == 404:
        return XaiError(404, CODE_NOT_FOUND, message)
    return XaiError(status, CODE_INVALID_ARGUMENT, message)


def tampered_reasoning(path: str, item_id: str) -> XaiError:
    """400 for a reasoning item whose `encrypted_content` does not verify (text Unconfirmed)."""
    return XaiError(
        400,
        CODE_INVALID_ARGUMENT,
        f"{path}: the encrypted_content of reasoning item '{item_id}' could not be verified; "
        "send it back exactly as it was returned.",
    )
