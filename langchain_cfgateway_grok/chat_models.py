"""`ChatCloudflareGrok`: xAI Grok through Cloudflare AI Gateway, as a LangChain chat model."""

from __future__ import annotations

import json
import logging
import math
import os
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any, Literal, NamedTuple
from urllib.parse import urlencode

import httpx2
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LangSmithParams, LanguageModelInput, ModelProfile
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, BaseMessageChunk
from langchain_core.messages.block_translators.openai import (
    _convert_from_v1_to_chat_completions,
)
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig, ensure_config
from langchain_core.utils import from_env, secret_from_env
from langchain_core.utils._gateway import GATEWAY_METADATA_RESPONSE_KEY
from langchain_core.utils.uuid import uuid7
from langchain_openai.chat_models.base import (
    BaseChatOpenAI,
    _convert_message_to_dict,
    _convert_to_openai_response_format,
    _is_pydantic_class,
)
from langchain_openai.chat_models.base import _use_responses_api as _wants_responses_api
from openai.lib._parsing._completions import type_to_response_format_param
from pydantic import ConfigDict, Field, PrivateAttr, SecretStr, field_validator, model_validator
from typing_extensions import Self

from langchain_cfgateway_grok import (
    _content_blocks,
    _fallbacks,
    _gateway,
    _grok,
    _options,
    _profiles,
    _responses,
    _server_tools,
)
from langchain_cfgateway_grok._fallbacks import FallbackStep
from langchain_cfgateway_grok._options import GatewayOptions
from langchain_cfgateway_grok._transport import DEFAULT_TIMEOUT, ChatTransport
from langchain_cfgateway_grok._version import __version__

logger = logging.getLogger("langchain_cfgateway_grok")

_PACKAGE = "langchain-cfgateway-grok"
#: Keyword arguments that are ours, never part of the xAI body.
_CALL_ONLY_KWARGS = (
    "gateway_options",
    "extra_headers",
    "ls_structured_output_format",
    "prompt_cache_key",
)
#: Gateway facts mirrored into LangSmith run metadata (`ls_gateway_info`). `model` and
#: `provider` are left out on purpose: there they would override `ls_provider="xai"`.
_LANGSMITH_KEYS = ("log_id", "cache_status", "request_id", "event_id", "step")
#: RunnableConfig metadata that is LangChain's own, never a user's gateway metadata.
_INTERNAL_METADATA_PREFIXES = ("ls_", "lc_", "langgraph_", "checkpoint_")
_MAX_GATEWAY_METADATA = 5
_XAI = "xai"
_DYNAMIC_PREFIX = "dynamic/"
#: Headers HTTP framing or the connection owns: user headers may not set them (a
#: `transfer-encoding` beside our `content-length` would be a request-smuggling shape).
_TRANSPORT_OWNED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "upgrade",
        "te",
        "trailer",
        "keep-alive",
        "expect",
        "proxy-connection",
    }
)
#: Private keyword carrying (run id, config metadata) from our entry points to `_prepare`.
_RUN_KWARG = "_cfgateway_run"
#: `cf-aig-provider` values that mean xAI served the answer (the gateway's slug is `grok`).
_XAI_PROVIDER_SLUGS = frozenset({"grok", "xai"})

_content_blocks.register()


class _Request(NamedTuple):
    """One prepared call: where it goes, its body, per-call headers, how to read the answer."""

    transport: ChatTransport
    body: dict[str, Any] | bytes
    headers: dict[str, str | None] | None
    parse_json: bool


class ChatCloudflareGrok(BaseChatOpenAI):
    r"""xAI Grok through Cloudflare AI Gateway, as a LangChain chat model.

    Works in chains and agents like any LangChain chat model, on the gateway's `grok` route
    (default) or its OpenAI-compatible `compat` route, with the gateway's controls as typed
    options and its answers as metadata and typed errors. Guides: the package's `docs/`.

    Setup:
        Install the package and set the gateway's ids and your credentials:

        ```bash
        pip install -U langchain-cfgateway-grok
        export CLOUDFLARE_ACCOUNT_ID="023e105f4ecef8ad9ca31a8372d0c353"
        export CLOUDFLARE_GATEWAY_ID="my-gateway"
        export XAI_API_KEY="xai-..."                   # your key, forwarded to xAI
        export CLOUDFLARE_AI_GATEWAY_TOKEN="..."       # authenticated gateways, stored keys
        ```

        With a gateway token and no xAI key, the key stored in the gateway (BYOK) is used and
        no `Authorization` header is sent at all. `cfgateway-grok doctor` checks the set-up.

    Key init args — completion params:
        model (str): Grok model id, default `grok-4.5`. A `grok/` or `xai/` prefix is
            accepted. Retired ids (`grok-4`, `grok-3`, ...) warn: xAI serves `grok-4.3`.
        temperature (float | None): Sampling temperature, 0-2.
        max_tokens (int | None): Cap on visible output tokens, sent as
            `max_completion_tokens` (reasoning is not capped).
        reasoning_effort (str | None): `none`/`low`/`medium`/`high`/`xhigh`, as the model
            accepts (checked before sending).
        stop (list[str] | None): Stop sequences; dropped for reasoning models, which reject
            them.
        stream_usage (bool): Usage on the last stream chunk. Default True.

    Key init args — gateway params:
        account_id (str | None): Cloudflare account id. Env `CLOUDFLARE_ACCOUNT_ID`.
        gateway_id (str | None): AI Gateway id. Env `CLOUDFLARE_GATEWAY_ID`.
        gateway_token (SecretStr | None): Sent as `cf-aig-authorization: Bearer ...`. Env
            `CLOUDFLARE_AI_GATEWAY_TOKEN`.
        endpoint (str | None): `"grok"` (default) or `"compat"`; inferred from `base_url`.
        gateway_url (str): Gateway root, default `https://gateway.ai.cloudflare.com/v1`. Env
            `CLOUDFLARE_AI_GATEWAY_URL`.
        base_url (str | None): Full route prefix (a proxy, a copied URL); wins over
            `gateway_url` and makes the ids optional.
        gateway_options (GatewayOptions | None): Gateway controls for every call (cache,
            metadata, retries, timeouts, logging); per-call options override them.
        event_id_from_run_id (bool): Send the LangChain run id as `cf-aig-event-id`. Default
            True.
        gateway_metadata_from_config (bool): Send up to 5 `RunnableConfig` metadata entries as
            `cf-aig-metadata`. Default False.

    Key init args — client params:
        api_key (SecretStr | None): xAI API key, sent as `Authorization: Bearer ...`. Env
            `XAI_API_KEY`. Omit it (with a gateway token) to use a stored key.
        timeout (float | tuple | None): Client timeout in seconds; default 600 s (5 s to
            connect), the openai SDK's.
        max_retries (int): Client retries on 408/409/429/5xx and connection errors. Default 2.
        default_headers (dict | None): Extra headers on every call.
        http_client, http_async_client: Your own `httpx2` clients (never closed by the model).

    Instantiate:
        ```python
        from langchain_cfgateway_grok import ChatCloudflareGrok

        model = ChatCloudflareGrok(
            model="grok-4.5",
            temperature=0,
            max_tokens=None,
            timeout=None,
            max_retries=2,
            # account_id="...", gateway_id="...", api_key="...", gateway_token="...",
            # endpoint="compat", gateway_options={"cache_ttl": 3600},
        )
        ```

        !!! note
            As of 2026-11, Cloudflare's `/compat` route expects `grok/<model>` and is deprecated
            (it keeps working for existing integrations). With `endpoint="compat"` the model
            adds the prefix.

    Invoke:
        ```python
        messages = [
            ("system", "You are a helpful translator. Translate the user sentence to French."),
            ("human", "I love programming."),
        ]
        ai_msg = model.invoke(messages)
        ai_msg.text
        ```

        ```python
        'You said: I love programming.'
        ```

        (Results here come from the offline gateway emulator, whose model echoes the prompt.)

    Stream:
        ```python
        for chunk in model.stream(messages):
            print(repr(chunk.text), end=" ")
        ```

        ```python
        'You ' 'said: ' 'I ' 'love ' 'programming.'
        ```

        Chunks add up to one message; gateway facts ride on the first chunk only, usage on the
        last:

        ```python
        stream = model.stream(messages)
        full = next(stream)
        for chunk in stream:
            full += chunk
        full.text, full.response_metadata["gateway"]["cache_status"]
        ```

        ```python
        ('You said: I love programming.', 'MISS')
        ```

    Async:
        ```python
        await model.ainvoke(messages)

        # stream
        async for chunk in model.astream(messages):
            print(chunk.text, end="")

        # batch
        await model.abatch([messages, messages])
        ```

        ```python
        AIMessage(content='You said: I love programming.', ...)
        You said: I love programming.
        [AIMessage(content='You said: I love programming.', ...), AIMessage(content='You said: I love programming.', ...)]
        ```

    Tool calling:
        ```python
        from pydantic import BaseModel, Field


        class GetWeather(BaseModel):
            '''Get the current weather in a given location'''

            location: str = Field(..., description="The city and state, e.g. San Francisco, CA")


        class GetPopulation(BaseModel):
            '''Get the current population in a given location'''

            location: str = Field(..., description="The city and state, e.g. San Francisco, CA")


        model_with_tools = model.bind_tools([GetWeather, GetPopulation])
        ai_msg = model_with_tools.invoke(
            "What is the weather and the population in Los Angeles, CA?"
        )
        ai_msg.tool_calls
        ```

        ```python
        [{'name': 'GetWeather', 'args': {'location': 'Los Angeles'}, 'id': 'call_23166404', 'type': 'tool_call'}, {'name': 'GetPopulation', 'args': {'location': 'Los Angeles'}, 'id': 'call_14324346', 'type': 'tool_call'}]
        ```

        `tool_choice` takes `"auto"`, `"none"`, `"required"` or a tool name:

        ```python
        model.bind_tools([GetWeather], tool_choice="GetWeather").invoke(
            "Is it raining in Paris, France?"
        ).tool_calls
        ```

        ```python
        [{'name': 'GetWeather', 'args': {'location': 'Paris'}, 'id': 'call_15871622', 'type': 'tool_call'}]
        ```

    Structured output:
        ```python
        class Joke(BaseModel):
            '''Joke to tell user.'''

            setup: str = Field(description="The setup of the joke")
            punchline: str = Field(description="The punchline to the joke")
            rating: int | None = Field(default=None, description="How funny the joke is, from 1 to 10")


        structured_model = model.with_structured_output(Joke)  # or method="json_schema"
        structured_model.invoke(
            "Tell me a joke about cats: setup 'Why was the cat on the computer?' "
            "punchline 'To keep an eye on the mouse.' rating 7"
        )
        ```

        ```python
        Joke(setup='Why was the cat on the computer?', punchline='To keep an eye on the mouse.', rating=7)
        ```

        `method="function_calling"` (default) forces a tool call; `"json_schema"` uses xAI's
        structured outputs; `strict` is dropped for function calling (xAI documents it as
        unsupported there).

    JSON mode:
        ```python
        json_model = model.with_structured_output(method="json_mode")
        json_model.invoke(
            "Reply in JSON with the keys `setup` and `punchline`: setup 'Why was the cat on "
            "the computer?' punchline 'To keep an eye on the mouse.'"
        )
        ```

        ```python
        {'setup': 'Why was the cat on the computer?', 'punchline': 'To keep an eye on the mouse.'}
        ```

    Image input:
        ```python
        import base64
        from pathlib import Path

        image_b64 = base64.b64encode(Path("weather.png").read_bytes()).decode()
        message = {
            "role": "user",
            "content": [
                {"type": "text", "text": "Describe the weather in this image."},
                {"type": "image", "base64": image_b64, "mime_type": "image/png"},
            ],
        }
        ai_msg = model.invoke([message])
        ai_msg.text
        ```

        ```python
        'You said: Describe the weather in this image.'
        ```

        Sent to xAI as an `image_url` part with a `data:image/png;base64,...` URL; an
        `{"type": "image", "url": "https://..."}` block is sent as the URL itself.

    Token usage:
        ```python
        ai_msg = model.invoke(messages)
        ai_msg.usage_metadata
        ```

        ```python
        {'input_tokens': 26, 'output_tokens': 33, 'total_tokens': 59, 'input_token_details': {'cache_read': 0, 'audio': 0}, 'output_token_details': {'reasoning': 25, 'audio': 0}}
        ```

        `output_tokens` includes reasoning tokens (xAI's `completion_tokens` does not);
        `total_tokens` = input + output; cached prompt tokens are `cache_read`. The cost is in
        `ai_msg.response_metadata["cost_in_usd_ticks"]` (1 USD = 10**10 ticks):

        ```python
        ai_msg.response_metadata["cost_in_usd_ticks"] / 1e10
        ```

        ```python
        0.00025
        ```

    Reasoning:
        ```python
        reasoner = ChatCloudflareGrok(model="grok-4.3", reasoning_effort="high")
        ai_msg = reasoner.invoke("What is 3^3?")
        ai_msg.additional_kwargs["reasoning_content"]
        [block["type"] for block in ai_msg.content_blocks]
        ```

        ```python
        'The user wrote: "What is 3^3?". Plan: reply in text. Checking the plan against the request. Verifying the answer before replying.'
        ['reasoning', 'text']
        ```

        Reasoning content is sent back to xAI on later turns. `reasoning_effort` is checked
        against the model before anything is sent:

        ```python
        ChatCloudflareGrok(model="grok-4.20-non-reasoning", reasoning_effort="high").invoke("hi")
        ```

        ```python
        ValueError: `reasoning_effort` is not accepted by grok-4.20-non-reasoning (xAI answers 400). Remove `reasoning_effort`, or pick a model that takes it, such as grok-4.3.
        ```

    Response metadata:
        ```python
        ai_msg = model.invoke(messages)
        ai_msg.response_metadata
        ```

        ```python
        {
            "token_usage": {"prompt_tokens": 26, "completion_tokens": 8, "total_tokens": 59, ...},
            "model_provider": "xai",
            "model_name": "grok-4.5",
            "system_fingerprint": "fp_d3b23c7949",
            "id": "1b01070f-1592-d44b-302c-8d1eb0b50815",
            "gateway": {
                "cache_status": "MISS",
                "log_id": "01a20e9d-6dc0-74e3-b6ee-e1f4a4b3439c",
                "request_id": "01a20e9d-6dc0-74e3-b6ee-e1f4a4b3439c",
                "event_id": "01a20e9d-759a-7152-b9cf-c200858daecc",
            },
            "finish_reason": "stop",
            "cost_in_usd_ticks": 2500000,
        }
        ```

        `gateway` holds what the gateway reported (`cf-aig-*` response headers): cache status,
        log id, request id, event id (the LangChain run id by default), and `step`, `model`,
        `provider`, `dlp` when sent. The same facts reach LangSmith as `ls_gateway_info`.

    Gateway options:
        ```python
        options = {"cache_key": "faq:what-is-a-gateway", "cache_ttl": 3600,
                   "metadata": {"team": "docs", "user_id": 42}}
        first = model.invoke("What is a gateway?", gateway_options=options)
        second = model.invoke("What is a gateway?", gateway_options=options)
        first.response_metadata["gateway"]["cache_status"], second.response_metadata["gateway"]["cache_status"]
        ```

        ```python
        ('MISS', 'HIT')
        ```

        Options are validated before sending, in the constructor (`gateway_options=`), per
        call, with `.bind(...)` and from `config["configurable"]["gateway_options"]`:

        ```python
        model.invoke("hi", gateway_options={"cache_ttl": 30})
        ```

        ```python
        ValueError: gateway_options['cache_ttl'] (cf-aig-cache-ttl) must be an int from 60 to 2592000 seconds; got 30. Fix: use a TTL in that range; to bypass the cache use skip_cache=True.
        ```

    Routes:
        ```python
        # Cloudflare's REST API (recommended by Cloudflare for new work): Unified Billing,
        # a Cloudflare API token instead of an xAI key, model sent as xai/<model>.
        rest = ChatCloudflareGrok(endpoint="rest", cloudflare_api_token="...", gateway_id="my-gateway")

        # Gateway-side fallbacks: one request, the gateway tries each step in order.
        from langchain_cfgateway_grok import FallbackStep

        resilient = ChatCloudflareGrok(
            model="grok-4.5",
            gateway_options={"first_byte_timeout": 5},
            gateway_fallbacks=[FallbackStep(model="grok-4.3")],
        )
        resilient.invoke("hi").response_metadata["gateway"]["step"]  # 0, or 1 if it fell back

        # A dynamic route kept in the dashboard (compat route only).
        routed = ChatCloudflareGrok(endpoint="compat", model="dynamic/support")
        ```

    Prompt caching:
        ```python
        model = ChatCloudflareGrok(prompt_cache_key="conversation-42")  # or per call
        ```

        Sent as `x-grok-conv-id` (Chat Completions) or `prompt_cache_key` (Responses API), so
        repeated turns of one conversation hit xAI's cache; hits show as `cache_read` tokens.

    Errors:
        Gateway errors are typed, and still the openai SDK's and langchain-core's classes:

        ```python
        from langchain_cfgateway_grok import GatewayNotFoundError

        try:
            ChatCloudflareGrok(model="grok-4.5", gateway_id="no-such-gateway").invoke("hi")
        except GatewayNotFoundError as e:
            print(e.status_code, e.gateway_code)
            print(e)
        ```

        ```python
        400 2001
        Error code: 400 - Cloudflare AI Gateway error 2001: Gateway does not exist. The gateway does not exist: check account_id and gateway_id (or base_url). (cf-aig-log-id: 01a20e9d-6dc0-76ec-b0e2-d58541240849)
        ```

        Bad configuration fails at construction, naming the field, its env var and the fix:

        ```python
        ChatCloudflareGrok(model="grok-4.5", gateway_id="my gateway")
        ```

        ```python
        ValidationError: 1 validation error for ChatCloudflareGrok
          Value error, Invalid `gateway_id` (env CLOUDFLARE_GATEWAY_ID): it contains ' ' at position 2, which is not allowed. `gateway_id` takes 1-64 characters from A-Z a-z 0-9 . _ - (no '..', not '.' alone). Fix: pass gateway_id=... or set CLOUDFLARE_GATEWAY_ID to the id shown in the Cloudflare dashboard.
        ```
    """  # noqa: E501

    model_name: str = Field(default=_profiles.DEFAULT_MODEL, alias="model")
    """Grok model id, e.g. `grok-4.5`; a `grok/` or `xai/` prefix is accepted."""

    xai_api_key: SecretStr | None = Field(
        alias="api_key", default_factory=secret_from_env("XAI_API_KEY", default=None)
    )
    """xAI API key, sent as `Authorization: Bearer …` (env `XAI_API_KEY`).

    Leave it unset and set `gateway_token` to use a key stored in the gateway (BYOK): then
    no `Authorization` header is sent at all, since the gateway forwards any key it sees.
    """

    account_id: str | None = Field(default_factory=from_env("CLOUDFLARE_ACCOUNT_ID", default=None))
    """Cloudflare account id (env `CLOUDFLARE_ACCOUNT_ID`)."""

    gateway_id: str | None = Field(default_factory=from_env("CLOUDFLARE_GATEWAY_ID", default=None))
    """AI Gateway id (env `CLOUDFLARE_GATEWAY_ID`)."""

    gateway_token: SecretStr | None = Field(
        default_factory=secret_from_env("CLOUDFLARE_AI_GATEWAY_TOKEN", default=None)
    )
    """Gateway authentication token, sent as `cf-aig-authorization: Bearer …`
    (env `CLOUDFLARE_AI_GATEWAY_TOKEN`). Needed for authenticated gateways and stored keys."""

    endpoint: Literal["grok", "compat", "rest"] | None = None
    """Route: `"grok"` (the gateway's provider route, default), `"compat"` (its OpenAI-compatible
    route, model sent as `grok/<model>`) or `"rest"` (Cloudflare's REST API on
    api.cloudflare.com, model sent as `xai/<model>`, paid through Unified Billing). Inferred from
    `base_url` when that is given."""

    cloudflare_api_url: str = Field(
        default_factory=from_env("CLOUDFLARE_API_URL", default=_gateway.DEFAULT_CLOUDFLARE_API_URL)
    )
    """Cloudflare API root for `endpoint="rest"` (env `CLOUDFLARE_API_URL`)."""

    cloudflare_api_token: SecretStr | None = Field(
        default_factory=secret_from_env("CLOUDFLARE_API_TOKEN", default=None)
    )
    """Cloudflare API token (AI Gateway permission) for `endpoint="rest"`, sent as
    `Authorization: Bearer …` there (env `CLOUDFLARE_API_TOKEN`). Not an xAI key."""

    gateway_fallbacks: list[FallbackStep] | None = None
    """Gateway-side fallbacks: other models (and routes) the gateway tries, in order, when this
    one fails or times out, all in ONE request to the gateway's Universal endpoint. The step
    that served is `response_metadata["gateway"]["step"]` (0 = this model). Unlike LangChain's
    client-side `.with_fallbacks()`, the client sends one request and the gateway retries."""

    gateway_url: str = Field(
        default_factory=from_env("CLOUDFLARE_AI_GATEWAY_URL", default=_gateway.DEFAULT_GATEWAY_URL)
    )
    """Gateway root, `https://gateway.ai.cloudflare.com/v1` (env `CLOUDFLARE_AI_GATEWAY_URL`);
    point it at the emulator in tests so the real URL builder runs."""

    gateway_base_url: str | None = Field(default=None, alias="base_url")
    """Full route prefix override (e.g. a proxy); wins over `gateway_url` and makes the ids
    optional. `…/grok`, `…/grok/v1` and `…/compat` are used as given (never `/v1/v1`)."""

    gateway_options: GatewayOptions | None = None
    """Gateway controls for every call (see `GatewayOptions`); per-call options override them
    key by key."""

    prompt_cache_key: str | None = None
    """A stable conversation id so repeated turns hit xAI's prompt cache: sent as the
    `x-grok-conv-id` header on Chat Completions and as `prompt_cache_key` on the Responses API.
    Settable per call too (`invoke(..., prompt_cache_key="...")`)."""

    gateway_metadata_from_config: bool = False
    """Opt-in: send up to 5 primitive `RunnableConfig` metadata entries (not LangChain's own
    `ls_*`/`lc_*` keys) as `cf-aig-metadata`, after any explicit `metadata` option."""

    event_id_from_run_id: bool = True
    """Send the LangChain run id as `cf-aig-event-id`, so a LangSmith run and its gateway log
    share one id. An explicit `event_id` option wins."""

    max_retries: int | None = Field(default=2, strict=True)
    """Client retries (the openai SDK's policy and default: 408, 409, 429, 5xx and connection
    errors, honouring `Retry-After`). Independent of the gateway's `max_attempts`."""

    stream_usage: bool | None = True
    """Ask for the final usage chunk when streaming (`stream_options.include_usage`)."""

    # Inherited OpenAI settings that must never be read from OPENAI_* env vars here.
    openai_api_key: SecretStr | None = Field(default=None, exclude=True)
    openai_api_base: str | None = Field(default=None, exclude=True)
    openai_organization: str | None = Field(default=None, exclude=True)
    openai_proxy: str | None = Field(default=None, alias="proxy")
    """HTTP proxy URL for the gateway connection."""

    model_config = ConfigDict(populate_by_name=True)

    _transport: ChatTransport = PrivateAttr()
    _universal: ChatTransport | None = PrivateAttr(default=None)
    _api_key: str | None = PrivateAttr(default=None)
    _endpoint: _gateway.Endpoint = PrivateAttr(default="grok")
    _chat_url: str = PrivateAttr(default="")
    _stored_keys: bool = PrivateAttr(default=False)

    # -- identity -------------------------------------------------------------------------

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Constructor fields that hold secrets, and the env vars they come from."""
        return {
            "xai_api_key": "XAI_API_KEY",
            "gateway_token": "CLOUDFLARE_AI_GATEWAY_TOKEN",
            "cloudflare_api_token": "CLOUDFLARE_API_TOKEN",
        }

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """`["langchain_cfgateway_grok", "chat_models"]`."""
        return ["langchain_cfgateway_grok", "chat_models"]

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """False: langchain-core's `load()` admits only allowlisted classes (style.md §5)."""
        return False

    @property
    def _llm_type(self) -> str:
        return "cfgateway-grok-chat"

    @property
    def chat_url(self) -> str:
        """The URL every Chat Completions request is POSTed to (resolved at construction)."""
        return self._chat_url

    @property
    def endpoint_in_use(self) -> _gateway.Endpoint:
        """The route actually used: `endpoint`, or what `base_url` implied."""
        return self._endpoint

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "xai"
        return params

    def _get_invocation_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        kwargs.pop(_RUN_KWARG, None)  # plumbing, not a parameter
        params = super()._get_invocation_params(stop=stop, **kwargs)
        # Callbacks and tracers record these params: per-call headers may carry credentials.
        if isinstance(params.get("extra_headers"), Mapping):
            params["extra_headers"] = dict.fromkeys(params["extra_headers"], "**REDACTED**")
        return params

    def _resolve_model_profile(self) -> ModelProfile | None:
        bare = _gateway.xai_model_id(self.model_name)
        row = _profiles.lookup(bare) if bare is not None else None
        return _profiles.to_profile(row) if row is not None else None

    # -- construction ---------------------------------------------------------------------

    @field_validator("gateway_options", mode="plain")
    @classmethod
    def _check_gateway_options(cls, value: object) -> GatewayOptions | None:
        if value is None:
            return None
        return _options.validate_gateway_options(value, source="gateway_options")

    @field_validator("gateway_fallbacks", mode="plain")
    @classmethod
    def _check_gateway_fallbacks(cls, value: object) -> list[FallbackStep] | None:
        return _fallbacks.check_gateway_fallbacks(value)

    @model_validator(mode="after")
    def _set_cfgateway_grok_version(self) -> Self:
        """Record the package version; unique name so the parent's validator still runs."""
        self._add_version(_PACKAGE, __version__)
        return self

    @model_validator(mode="after")
    def validate_environment(self) -> Self:
        """Resolve the route, check every setting and build the transport.

        Replaces `BaseChatOpenAI.validate_environment` on purpose (same name): that one builds
        openai clients and reads `OPENAI_*` env vars; this one builds nothing per instance but
        a small transport over HTTP clients shared by every model with the same settings.
        """
        if self.n is not None and self.n < 1:
            msg = "`n` must be at least 1."
            raise ValueError(msg)
        if self.n is not None and self.n > 1 and self.streaming:
            msg = "`n` must be 1 when `streaming=True`."
            raise ValueError(msg)
        if self.max_retries is not None and (
            isinstance(self.max_retries, bool) or self.max_retries < 0
        ):
            msg = f"`max_retries` must be a whole number >= 0; got {self.max_retries!r}."
            raise ValueError(msg)
        _grok.refuse_live_search(self.model_kwargs)
        if self.prompt_cache_key is not None:
            _checked_default_headers(
                {"x-grok-conv-id": self.prompt_cache_key}, field="prompt_cache_key"
            )
        url, endpoint = _gateway.resolve_chat_url(
            base_url=self.gateway_base_url,
            gateway_url=self.gateway_url,
            account_id=self.account_id,
            gateway_id=self.gateway_id,
            endpoint=self.endpoint,
            cloudflare_api_url=self.cloudflare_api_url,
        )
        if self.http_socket_options is not None:
            msg = (
                "`http_socket_options` is not supported by ChatCloudflareGrok. Fix: pass an "
                "`http_client`/`http_async_client` whose transport sets the socket options."
            )
            raise ValueError(msg)
        if self.default_query:
            url = f"{url}?{urlencode(self.default_query, doseq=True)}"
        self._endpoint = endpoint
        self._chat_url = url
        if self.use_responses_api and endpoint != "grok":
            msg = (
                f"use_responses_api=True needs endpoint='grok': the gateway serves xAI's "
                f"Responses API only on its grok route, not on {endpoint!r}."
            )
            raise ValueError(msg)
        _gateway.wire_model(self.model_name, endpoint)  # a bad id fails now, not per call
        if self.model_name.startswith(_DYNAMIC_PREFIX) and self.gateway_token is None:
            msg = (
                f"model={self.model_name!r} is a dynamic route, which needs an authenticated "
                "gateway and the provider keys stored in it (BYOK): pass gateway_token= (env "
                "CLOUDFLARE_AI_GATEWAY_TOKEN). No provider key is sent on dynamic routes."
            )
            raise ValueError(msg)
        bare = _gateway.xai_model_id(self.model_name)
        row = _profiles.lookup(bare) if bare is not None else None
        if row is not None and row.retired_to is not None:
            warnings.warn(
                f"{self.model_name} was retired by xAI on 2026-05-15; xAI silently serves "
                f"{row.retired_to} instead (billed at its prices). Pass model={row.retired_to!r}.",
                UserWarning,
                stacklevel=2,
            )
        headers: dict[str, str] = {**_checked_default_headers(self.default_headers)}
        if self.gateway_options:
            headers.update(_options.gateway_option_headers(self.gateway_options))
        headers.update(self._credential_headers(endpoint))
        self._transport = self._make_transport(url, headers)
        self._universal = self._universal_transport(headers) if self.gateway_fallbacks else None
        if self.stream_usage is not False:
            self.stream_usage = True
        return self

    def _credential_headers(self, endpoint: _gateway.Endpoint) -> dict[str, str]:
        """Who we are, per route; also fixes the stored-keys mode and the key steps carry."""
        api_key = self.xai_api_key.get_secret_value() if self.xai_api_key else None
        if endpoint != "rest":
            token = self.gateway_token.get_secret_value() if self.gateway_token else None
            self._stored_keys = api_key is None
            self._api_key = api_key
            return _gateway.credential_headers(api_key=api_key, gateway_token=token)
        if api_key is not None and api_key == os.environ.get("XAI_API_KEY"):
            # From the environment, not asked for here: the REST API has no use for it.
            logger.debug("endpoint='rest': ignoring XAI_API_KEY from the environment")
            api_key = None
        api_token = (
            self.cloudflare_api_token.get_secret_value() if self.cloudflare_api_token else None
        )
        self._stored_keys = False
        self._api_key = None
        return _gateway.rest_credential_headers(
            api_token=api_token, gateway_id=self.gateway_id, api_key=api_key
        )

    def _universal_transport(self, headers: Mapping[str, str]) -> ChatTransport:
        """The transport for gateway fallbacks: the Universal endpoint, keys in the steps only."""
        if self._endpoint == "rest" or self.gateway_base_url:
            msg = (
                "`gateway_fallbacks` need the gateway's Universal endpoint, built from "
                "`gateway_url`, `account_id` and `gateway_id`: they cannot be combined with "
                "endpoint='rest' or a `base_url`."
            )
            raise ValueError(msg)
        # Validates every step now (a bad step fails at construction, not per call).
        self._fallback_chain(self.model_name)
        # A request-level Authorization would reach every step, also steps of other providers.
        request_headers = {k: v for k, v in headers.items() if k != "authorization"}
        return self._make_transport(
            _gateway.universal_url(self.gateway_url, self.account_id, self.gateway_id),
            request_headers,
        )

    def _make_transport(self, url: str, headers: Mapping[str, str]) -> ChatTransport:
        return ChatTransport(
            url=url,
            headers=headers,
            timeout=_client_timeout(self.request_timeout),
            max_retries=2 if self.max_retries is None else self.max_retries,
            http_client=self.http_client,
            http_async_client=self.http_async_client,
            proxy=self.openai_proxy,
            # langchain-openai's stream_chunk_timeout (env LANGCHAIN_OPENAI_STREAM_CHUNK_TIMEOUT_S,
            # default 120 s; 0 or None disables): the longest wait for the next chunk.
            chunk_timeout=self.stream_chunk_timeout or None,
        )

    def _fallback_chain(self, model: str) -> list[_gateway.StepSpec]:
        endpoint: _gateway.UniversalEndpoint = "compat" if self._endpoint == "compat" else "grok"
        return _fallbacks.fallback_chain(
            model, endpoint, self.gateway_fallbacks or [], api_key=self._api_key
        )

    # -- request shaping ------------------------------------------------------------------

    def _get_request_payload(
        self,
        input_: LanguageModelInput,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The JSON body sent to the gateway for `input_` (Chat Completions)."""
        for name in _CALL_ONLY_KWARGS:
            kwargs.pop(name, None)
        endpoint = kwargs.pop("_endpoint", None) or self._endpoint
        messages = self._convert_input(input_).to_messages()
        if stop is not None:
            kwargs["stop"] = stop
        payload: dict[str, Any] = {**self._default_params, **kwargs}
        _grok.refuse_live_search(payload)
        payload["messages"] = [_message_to_wire(m) for m in messages]
        requested = payload.get("model") or self.model_name
        payload["model"] = _gateway.wire_model(requested, endpoint)
        bare = _gateway.xai_model_id(requested) or requested
        row = _profiles.lookup(bare)
        if requested == self.model_name and self.profile is not None:
            reasoning = bool(self.profile.get("reasoning_output"))
        else:
            reasoning = _grok.is_reasoning(bare, row)
        response_format = payload.get("response_format")
        if response_format is not None and _is_pydantic_class(response_format):
            # What the openai SDK's `parse()` sends for a pydantic class: its strict schema.
            payload["response_format"] = type_to_response_format_param(response_format)
        elif isinstance(response_format, dict) and response_format.get("type") not in (
            None,
            "text",
            "json_object",
            "json_schema",
        ):
            payload["response_format"] = _convert_to_openai_response_format(response_format)
        if not payload.get("stream"):
            payload.pop("stream", None)
            payload.pop("stream_options", None)
        if self.disabled_params:
            payload = self._filter_disabled_params(**payload)
        return _grok.shape_request(payload, model=bare, reasoning=reasoning, row=row)

    def _prepare(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        run_id: Any,
        run_metadata: Mapping[str, Any] | None,
        kwargs: dict[str, Any],
    ) -> _Request:
        """One Chat Completions call: its body and its per-call headers."""
        headers = self._call_headers(run_id, run_metadata, kwargs)
        if conversation := kwargs.get("prompt_cache_key") or self.prompt_cache_key:
            # xAI routes a conversation to the same cache by this header (xai-api.md §1.2).
            headers = {
                **(headers or {}),
                **_checked_default_headers(
                    {"x-grok-conv-id": conversation}, field="prompt_cache_key"
                ),
            }
        body = self._get_request_payload(messages, stop=stop, **kwargs)
        if str(body.get("model", "")).startswith(_DYNAMIC_PREFIX) and not self._stored_keys:
            # A dynamic route may pick any provider: an xAI key sent along would be forwarded
            # to it (and would stop the gateway using its stored keys), so it stays home.
            headers = {**(headers or {}), "authorization": None}
        format_type = (body.get("response_format") or {}).get("type")
        parse_json = format_type == "json_schema"
        if self._universal is None:
            return _Request(self._transport, body, headers, parse_json)
        # Gateway fallbacks: one Universal request, each step's body shaped for its own model.
        # Step 0 is this model on this route: its body is the one just built.
        primary, *fallbacks = self._fallback_chain(kwargs.get("model") or self.model_name)
        steps = [_gateway.universal_step(primary, body)] + [
            _gateway.universal_step(
                spec,
                self._get_request_payload(
                    messages, stop=stop, **{**kwargs, "model": spec.model}, _endpoint=spec.endpoint
                ),
            )
            for spec in fallbacks
        ]
        return _Request(self._universal, _json_bytes(steps), headers, parse_json)

    def _call_headers(
        self, run_id: Any, run_metadata: Mapping[str, Any] | None, kwargs: Mapping[str, Any]
    ) -> dict[str, str | None] | None:
        """Per-call header overrides, for any API: credentials mode, options, event id, extras.

        Order, later winning: per-call (and `configurable`) gateway options over the model's,
        the run id as `cf-aig-event-id` unless an `event_id` option is set, then the caller's
        own `extra_headers`.
        """
        per_call = kwargs.get("gateway_options")
        extra_headers = kwargs.get("extra_headers")
        headers: dict[str, str | None] = {}
        if self._stored_keys:
            # Stored keys: any Authorization (even a placeholder) would be forwarded and
            # would silently disable the stored key, so remove it on every request.
            headers["authorization"] = None
        options = (
            _options.validate_gateway_options(per_call, source="gateway_options")
            if per_call
            else None
        )
        config_metadata = (
            _metadata_from_run(run_metadata) if self.gateway_metadata_from_config else {}
        )
        if config_metadata:
            # A per-call `metadata` replaces the constructor's whole (one header, one value);
            # config entries then fill the slots left, up to the gateway's five.
            explicit = dict(
                (options or {}).get("metadata")
                or (self.gateway_options or {}).get("metadata")
                or {}
            )
            merged = {**config_metadata, **explicit}
            keep = list(explicit) + [k for k in config_metadata if k not in explicit]
            options = {
                **(options or {}),
                "metadata": {k: merged[k] for k in keep[:_MAX_GATEWAY_METADATA]},
            }
            options = _options.validate_gateway_options(options, source="gateway_options")
        if options:
            headers.update(_options.gateway_option_headers(options))
        explicit_event_id = (options or {}).get("event_id") or (self.gateway_options or {}).get(
            "event_id"
        )
        if self.event_id_from_run_id and run_id is not None and not explicit_event_id:
            headers["cf-aig-event-id"] = str(run_id)
        if extra_headers:
            headers.update(_checked_default_headers(extra_headers, field="extra_headers"))
        return headers or None

    # -- Responses API routing (the Responses path itself lives in `_responses.py`) ------

    def _use_responses_api(self, payload: dict[str, Any]) -> bool:
        if isinstance(self.use_responses_api, bool):
            return self.use_responses_api
        return bool(
            self.reasoning is not None
            or self.include is not None
            or self.truncation is not None
            or self.use_previous_response_id
            or _wants_responses_api(payload)
        )

    def _routes_to_responses(self, kwargs: Mapping[str, Any]) -> bool:
        """Whether this call goes to `/responses`; refused before sending off the grok route."""
        if not self._use_responses_api({**self.model_kwargs, **kwargs}):
            return False
        if self._endpoint != "grok":
            msg = (
                f"The Responses API (use_responses_api=True, or a server-side tool such as "
                f"web_search) is served only on the grok route, not on endpoint="
                f"{self._endpoint!r}. Fix: use endpoint='grok', or bind only function tools."
            )
            raise ValueError(msg)
        return True

    # -- invoke ---------------------------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self._routes_to_responses(kwargs):
            return _responses.generate(self, messages, stop, run_manager, kwargs)
        request = self._prepare(messages, stop, *_run_facts(run_manager, kwargs), kwargs)
        reply = request.transport.post(request.body, headers=request.headers)
        return self._result_from_reply(reply.json, reply.headers, request)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self._routes_to_responses(kwargs):
            return await _responses.agenerate(self, messages, stop, run_manager, kwargs)
        request = self._prepare(messages, stop, *_run_facts(run_manager, kwargs), kwargs)
        reply = await request.transport.apost(request.body, headers=request.headers)
        return self._result_from_reply(reply.json, reply.headers, request)

    def _result_from_reply(
        self, data: dict[str, Any], headers: Mapping[str, str], request: _Request
    ) -> ChatResult:
        result = self._create_chat_result(
            data, _gateway_generation_info(headers, include_headers=self.include_response_headers)
        )
        if request.parse_json:
            for generation in result.generations:
                _attach_parsed(generation.message)
        return result

    def _create_chat_result(
        self,
        response: dict[str, Any] | Any,
        generation_info: dict[str, Any] | None = None,
    ) -> ChatResult:
        result = super()._create_chat_result(response, generation_info)
        provider = _served_provider(generation_info)
        llm_output = result.llm_output or {}
        llm_output["model_provider"] = provider
        if provider != _XAI:
            # A dynamic route served another provider: its answer is plain OpenAI schema.
            for generation in result.generations:
                generation.message.response_metadata["model_provider"] = provider
            return result
        data = response if isinstance(response, dict) else response.model_dump()
        usage = data.get("usage")
        for generation, choice in zip(result.generations, data.get("choices") or (), strict=False):
            message = generation.message
            message.response_metadata["model_provider"] = _XAI
            wire_message = choice.get("message") or {}
            if reasoning := wire_message.get("reasoning_content"):
                message.additional_kwargs["reasoning_content"] = reasoning
            if citations := data.get("citations"):
                message.additional_kwargs["citations"] = citations
            if usage and isinstance(message, AIMessage):
                message.usage_metadata = _grok.usage_metadata(usage)
                _add_cost(message.response_metadata, usage)
        return result

    # -- stream ---------------------------------------------------------------------------

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        *,
        stream_usage: bool | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        if self._routes_to_responses(kwargs):
            yield from _responses.stream(self, messages, stop, run_manager, kwargs)
            return
        request = self._prepare_stream(messages, stop, run_manager, stream_usage, kwargs)
        with request.transport.stream(request.body, headers=request.headers) as stream:
            reader = _ChunkReader(self, stream.headers, request)
            for chunk in stream:
                generation_chunk = reader.read(chunk)
                if generation_chunk is None:
                    continue
                if run_manager:
                    run_manager.on_llm_new_token(generation_chunk.text, chunk=generation_chunk)
                yield generation_chunk
            if (final := reader.finish()) is not None:
                if run_manager:
                    run_manager.on_llm_new_token(final.text, chunk=final)
                yield final

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        *,
        stream_usage: bool | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        if self._routes_to_responses(kwargs):
            async for responses_chunk in _responses.astream(
                self, messages, stop, run_manager, kwargs
            ):
                yield responses_chunk
            return
        request = self._prepare_stream(messages, stop, run_manager, stream_usage, kwargs)
        async with request.transport.astream(request.body, headers=request.headers) as stream:
            reader = _ChunkReader(self, stream.headers, request)
            async for chunk in stream:
                generation_chunk = reader.read(chunk)
                if generation_chunk is None:
                    continue
                if run_manager:
                    await run_manager.on_llm_new_token(
                        generation_chunk.text, chunk=generation_chunk
                    )
                yield generation_chunk
            if (final := reader.finish()) is not None:
                if run_manager:
                    await run_manager.on_llm_new_token(final.text, chunk=final)
                yield final

    def _prepare_stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None,
        stream_usage: bool | None,
        kwargs: dict[str, Any],
    ) -> _Request:
        kwargs["stream"] = True
        if self._should_stream_usage(stream_usage, **kwargs):
            kwargs["stream_options"] = {"include_usage": True}
        return self._prepare(messages, stop, *_run_facts(run_manager, kwargs), kwargs)

    def _convert_chunk_to_generation_chunk(
        self,
        chunk: dict[str, Any],
        default_chunk_class: type,
        base_generation_info: dict[str, Any] | None,
    ) -> ChatGenerationChunk | None:
        return self._chunk_from_wire(chunk, default_chunk_class, base_generation_info, _XAI)

    def _chunk_from_wire(
        self,
        chunk: dict[str, Any],
        default_chunk_class: type,
        base_generation_info: dict[str, Any] | None,
        provider: str,
    ) -> ChatGenerationChunk | None:
        generation_chunk = super()._convert_chunk_to_generation_chunk(
            chunk, default_chunk_class, base_generation_info
        )
        if generation_chunk is None:
            return None
        message = generation_chunk.message
        message.response_metadata["model_provider"] = provider
        if provider != _XAI:
            return generation_chunk
        if choices := chunk.get("choices"):
            delta = choices[0].get("delta") or {}
            if reasoning := delta.get("reasoning_content"):
                message.additional_kwargs["reasoning_content"] = reasoning
        usage = chunk.get("usage")
        # xAI repeats citations on the final usage chunk: keep the first copy only.
        if (citations := chunk.get("citations")) and not usage:
            message.additional_kwargs["citations"] = citations
        if usage and isinstance(message, AIMessageChunk):
            message.usage_metadata = _grok.usage_metadata(usage)
            _add_cost(message.response_metadata, usage)
        return generation_chunk

    # -- config plumbing: RunnableConfig["configurable"]["gateway_options"] ---------------

    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Invoke the model; `gateway_options` come from kwargs and `config["configurable"]`."""
        config, kwargs = _call_kwargs(config, kwargs)
        return super().invoke(input, config, stop=stop, **kwargs)

    async def ainvoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Async `invoke`."""
        config, kwargs = _call_kwargs(config, kwargs)
        return await super().ainvoke(input, config, stop=stop, **kwargs)

    def stream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        """Stream the reply; gateway facts arrive on the first chunk only."""
        config, kwargs = _call_kwargs(config, kwargs)
        return super().stream(input, config, stop=stop, **kwargs)

    def astream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        """Async `stream`."""
        config, kwargs = _call_kwargs(config, kwargs)
        return super().astream(input, config, stop=stop, **kwargs)

    # -- tools and structured output ------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: dict[str, Any] | str | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools: functions, pydantic models, LangChain tools and xAI server-side tools.

        Server-side tool dicts (`{"type": "web_search"}`, `{"type": "x_search", ...}`,
        `code_interpreter`/`code_execution`, `mcp`, `collections_search`) are passed through as
        given, mixed with the others in any order (langchain-core would reject `x_search`);
        they make calls use the Responses API, served on the grok route only.
        `tool_choice="web_search"` forces that server-side tool. Other arguments are
        `BaseChatOpenAI.bind_tools`'s (`strict`, `parallel_tool_calls`, `response_format`).
        """
        return _server_tools.bind_tools(
            super().bind_tools, tools, tool_choice=tool_choice, **kwargs
        )

    def with_structured_output(
        self,
        schema: Any = None,
        *,
        method: Literal["function_calling", "json_mode", "json_schema"] = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Structured output via tool calling (default), xAI's `json_schema`, or JSON mode.

        `strict` is dropped for `function_calling`: xAI documents `strict` on functions as
        unsupported (its arguments always follow the schema).
        """
        if method == "function_calling" and strict:
            strict = None
        return super().with_structured_output(
            schema, method=method, include_raw=include_raw, strict=strict, **kwargs
        )

    # -- token counting without the network -----------------------------------------------

    def get_token_ids(self, text: str) -> list[int]:
        """Offline token estimate: one id per 4 UTF-8 bytes (xAI's rough ratio).

        `BaseChatOpenAI` uses tiktoken, which downloads encodings at run time; Grok's own
        tokenizer is only reachable over the network (`/v1/tokenize-text`).
        """
        if self.custom_get_token_ids is not None:
            return self.custom_get_token_ids(text)
        data = text.encode("utf-8")
        return [int.from_bytes(data[i : i + 4], "big") for i in range(0, len(data), 4)]

    def get_num_tokens(self, text: str) -> int:
        """Offline token estimate: ceil(UTF-8 bytes / 4)."""
        if self.custom_get_token_ids is not None:
            return len(self.custom_get_token_ids(text))
        return math.ceil(len(text.encode("utf-8")) / 4)

    def get_num_tokens_from_messages(
        self,
        messages: Sequence[BaseMessage],
        tools: Sequence[Any] | None = None,
        *,
        allow_fetching_images: bool = False,
    ) -> int:
        """Offline estimate over the JSON the messages (and tools) are sent as."""
        wire: list[Any] = [_message_to_wire(m) for m in messages]
        if tools:
            wire.append([_jsonable(t) for t in tools])
        return self.get_num_tokens(json.dumps(wire, ensure_ascii=False, default=str))


# -- helpers ------------------------------------------------------------------------------


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _client_timeout(timeout: Any) -> float | httpx2.Timeout | None:
    """The client timeout; unset means the openai SDK's default (600 s, 5 s to connect)."""
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, tuple):
        connect, read = timeout
        return httpx2.Timeout(read, connect=connect)
    if isinstance(timeout, httpx2.Timeout | int | float) and not isinstance(timeout, bool):
        if isinstance(timeout, int | float) and timeout <= 0:
            msg = f"`timeout` must be a positive number of seconds; got {timeout!r}."
            raise ValueError(msg)
        return timeout
    msg = (
        f"`timeout` must be seconds (a number), a (connect, read) tuple or an httpx2.Timeout; "
        f"got {type(timeout).__name__}."
    )
    raise ValueError(msg)


def _message_to_wire(message: BaseMessage) -> dict[str, Any]:
    """One LangChain message as an xAI Chat Completions message.

    Assistant turns carry their `reasoning_content` back: xAI's prompt-caching guide asks
    reasoning models to receive it again on later turns.
    """
    if not isinstance(message, AIMessage):
        return _convert_message_to_dict(message)
    wire = _convert_message_to_dict(_convert_from_v1_to_chat_completions(message))
    reasoning = message.additional_kwargs.get("reasoning_content")
    if not reasoning and isinstance(message.content, list):
        reasoning = "".join(
            block.get("reasoning", "")
            for block in message.content
            if isinstance(block, dict) and block.get("type") == "reasoning"
        )
    if reasoning:
        wire["reasoning_content"] = reasoning
    return wire


def _jsonable(tool: Any) -> Any:
    from langchain_core.utils.function_calling import convert_to_openai_tool

    try:
        return convert_to_openai_tool(tool)
    except (TypeError, ValueError):
        return str(tool)


def _checked_default_headers(
    headers: Mapping[str, Any] | None, *, field: str = "default_headers"
) -> dict[str, str]:
    """Headers as given, refusing names or values that would break or inject HTTP headers."""
    if not headers:
        return {}
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not name or not _is_token(name):
            msg = f"`{field}` has an invalid header name {name!r}: use letters, digits and -."
            raise ValueError(msg)
        if name.lower() in _TRANSPORT_OWNED_HEADERS:
            msg = (
                f"`{field}[{name!r}]` is a header HTTP framing or the connection owns; the "
                "client sets it. Fix: remove it."
            )
            raise ValueError(msg)
        if not isinstance(value, str) or not _is_header_value(value):
            msg = (
                f"`{field}[{name!r}]` must be a string of printable ASCII without CR/LF and "
                "without leading or trailing whitespace; encode other values first."
            )
            raise ValueError(msg)
        checked[name.lower()] = value
    return checked


def _is_token(name: str) -> bool:
    return all(c.isascii() and (c.isalnum() or c in "!#$%&'*+-.^_`|~") for c in name)


def _is_header_value(value: str) -> bool:
    if value != value.strip(" \t"):
        return False
    return all(" " <= c <= "~" or c == "\t" for c in value)


def _run_facts(
    run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None,
    kwargs: dict[str, Any],
) -> tuple[Any, Mapping[str, Any] | None]:
    """The run id and metadata of this call: from the run manager, else from our entry points.

    langchain-core 1.8 calls `_stream` without a run manager (from `stream()`, and from
    `invoke()` when streaming), so `invoke`/`stream` and their async twins fix the run id in
    the config up front and hand it down under a private keyword that never reaches the body
    or the traced invocation params.
    """
    handed_down = kwargs.pop(_RUN_KWARG, None)
    if run_manager is not None:
        return run_manager.run_id, run_manager.metadata
    if handed_down is not None:
        run_id, metadata = handed_down
        return run_id, metadata
    return None, None


def _metadata_from_run(metadata: Mapping[str, Any] | None) -> dict[str, str | int | float | bool]:
    """Up to 5 primitive user entries of a run's metadata (LangChain's own keys left out)."""
    picked: dict[str, str | int | float | bool] = {}
    for key, value in (metadata or {}).items():
        if len(picked) == _MAX_GATEWAY_METADATA:
            break
        if key.startswith(_INTERNAL_METADATA_PREFIXES) or not isinstance(
            value, str | int | float | bool
        ):
            continue
        picked[key] = value
    return picked


def _call_kwargs(
    config: RunnableConfig | None, kwargs: dict[str, Any]
) -> tuple[RunnableConfig, dict[str, Any]]:
    """Config and kwargs for one call: a fixed run id, and `configurable` gateway options.

    `config["configurable"]["gateway_options"]` is folded under any per-call options.
    """
    config = ensure_config(config)
    run_id = config.get("run_id") or uuid7()
    config["run_id"] = run_id
    kwargs = {**kwargs, _RUN_KWARG: (run_id, config.get("metadata") or {})}
    configurable = config.get("configurable") or {}
    from_config = configurable.get("gateway_options")
    if not from_config:
        return config, kwargs
    options = _options.validate_gateway_options(
        from_config, source='config["configurable"]["gateway_options"]'
    )
    per_call = kwargs.get("gateway_options")
    if per_call:
        options = _options.merge_gateway_options(
            options, _options.validate_gateway_options(per_call, source="gateway_options")
        )
    kwargs["gateway_options"] = options
    return config, kwargs


def _gateway_generation_info(
    headers: Mapping[str, str], *, include_headers: bool = False
) -> dict[str, Any]:
    """`generation_info` for one response: `gateway` facts, mirrored for LangSmith.

    With `include_headers` (langchain-openai's `include_response_headers`), all response
    headers too, under `headers`.
    """
    info: dict[str, Any] = {"headers": dict(headers)} if include_headers else {}
    gateway = _gateway.parse_gateway_headers(headers)
    if not gateway:
        return info
    info["gateway"] = gateway
    langsmith = {f"cf_aig_{key}": gateway[key] for key in _LANGSMITH_KEYS if key in gateway}
    if langsmith:
        info[GATEWAY_METADATA_RESPONSE_KEY] = langsmith
    return info


def _served_provider(generation_info: Mapping[str, Any] | None) -> str:
    """`"xai"`, unless a dynamic route reports (`cf-aig-provider`) another provider served."""
    provider = ((generation_info or {}).get("gateway") or {}).get("provider")
    if not isinstance(provider, str) or provider.lower() in _XAI_PROVIDER_SLUGS:
        return _XAI
    return provider.lower()


def _add_cost(response_metadata: dict[str, Any], usage: Mapping[str, Any]) -> None:
    ticks = usage.get("cost_in_usd_ticks")
    if isinstance(ticks, int) and not isinstance(ticks, bool):
        response_metadata["cost_in_usd_ticks"] = ticks


def _attach_parsed(message: BaseMessage) -> None:
    """Give `json_schema` structured output its `parsed` value, as the SDK's `parse()` does."""
    if isinstance(message.content, str) and message.content:
        try:
            message.additional_kwargs["parsed"] = json.loads(message.content)
        except json.JSONDecodeError:
            logger.debug("json_schema reply was not valid JSON; left unparsed")


class _ChunkReader:
    """Turns one response's wire chunks into LangChain chunks (shared by sync and async)."""

    __slots__ = ("_base_info", "_chunk_class", "_convert", "_parse_json", "_provider", "_text")

    def __init__(
        self, model: ChatCloudflareGrok, headers: Mapping[str, str], request: _Request
    ) -> None:
        self._convert: Callable[..., ChatGenerationChunk | None] = model._chunk_from_wire
        self._chunk_class: type[BaseMessageChunk] = AIMessageChunk
        # Gateway facts ride on the first chunk only: merged chunks would concatenate them.
        self._base_info: dict[str, Any] | None = _gateway_generation_info(
            headers, include_headers=model.include_response_headers
        )
        self._provider = _served_provider(self._base_info)
        self._parse_json = request.parse_json
        self._text: list[str] = []

    def read(self, chunk: dict[str, Any]) -> ChatGenerationChunk | None:
        generation_chunk = self._convert(chunk, self._chunk_class, self._base_info, self._provider)
        if generation_chunk is None:
            return None
        self._base_info = None
        self._chunk_class = generation_chunk.message.__class__
        if self._parse_json and isinstance(generation_chunk.message.content, str):
            self._text.append(generation_chunk.message.content)
        return generation_chunk

    def finish(self) -> ChatGenerationChunk | None:
        """For `json_schema` streams, a last empty chunk carrying `parsed`."""
        if not self._parse_json or not self._text:
            return None
        message = AIMessageChunk(content="")
        message.content = "".join(self._text)
        _attach_parsed(message)
        message.content = ""
        if "parsed" not in message.additional_kwargs:
            return None
        message.response_metadata["model_provider"] = self._provider
        return ChatGenerationChunk(message=message)
