"""The emulated model's server-side tools: when it searches or runs code, and what comes back.

Nothing leaves the process: searches return deterministic, clearly fake sources and code is never
executed (docs/emulator-xai.md, "Server-side tools").

**When.** From the last user message, generically (no test's words):

- `x_search` when it is offered and the message is about X: the words `twitter`, `tweet(s)`,
  `x.com`, `x_search`/`x search`, or a capital `X` after `on`/`from`/`in`/`across`/`search`/`and`/
  `or`, or before `post(s)`;
- `web_search` when it is offered and the message asks for the web: `web`, `internet`,
  `online`, `look up`, `google`, `web_search`; or asks to `search`, or for the `latest`/`news`,
  without being about X;
- `code_interpreter` when it is offered and the message carries a fenced code block, or asks to
  `run`, `execute`, `calculate`, `compute` or `evaluate` something.

A tool that already ran after the last user message (its call item is in the input, replayed) is
not called again. `tool_choice: {"type": <tool>}` forces one call; `required` with no function
tools calls the first offered runnable server tool.

**What.** Query: the message without a leading instruction ("search the web for", "look up",
...), the nonce removed, whitespace collapsed, at most 100 characters. Sources:
`https://example.com/search/<slug>/<n>` (web, three) and `https://example.com/x/<slug>/status/<n>`
(X, two), `<slug>` being the first six lower-case words of the query joined by `-`; with
`allowed_domains`, web sources use those domains in turn, and with `allowed_x_handles`, X sources
use `https://example.com/x/<handle>/status/<n>`. Code: the first fenced block, else the message's
first sentence as a comment; output `emulated run: code not executed (<lines> line(s), sha256
<12 hex>)`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_cfgateway_grok.emulator._xai.conversation import NONCE_PATTERN
from langchain_cfgateway_grok.emulator._xai.responses.request import ResponsesRequest, ServerTool

WEB_SOURCES = 3
X_SOURCES = 2
QUERY_MAX_CHARS = 100
SLUG_WORDS = 6
#: Tool names xAI's 2025 recordings give server-side calls (vercel/ai fixtures): `web_search`,
#: `x_semantic_search`/`x_keyword_search`, `code_execution`.
LEGACY_NAMES = {"web_search": "web_search", "x_search": "x_keyword_search",
                "code_interpreter": "code_execution"}  # fmt: skip
RUNNABLE = ("web_search", "x_search", "code_interpreter")

# A capital X as the platform: "on X", "from X", "search X", "X posts" (case-sensitive).
_X_PLATFORM = re.compile(r"\b(?:on|from|in|across|search|and|or)\s+X\b|\bX\s+posts?\b")
_X_TOPIC_ANY_CASE = re.compile(r"\b(?:twitter|tweets?|x\.com|x[ _-]search)\b", re.IGNORECASE)
_WEB_SPECIFIC = re.compile(
    r"\b(?:web|internet|online|google|web[ _-]search)\b|\blook\s+(?:\w+\s+)?up\b", re.IGNORECASE
)
_WEB_GENERIC = re.compile(r"\b(?:search(?:es|ing)?|latest|news)\b", re.IGNORECASE)
_CODE_VERB = re.compile(r"\b(?:run|execute|calculate|compute|evaluate)\b", re.IGNORECASE)
_FENCED = re.compile(r"```[^\n`]*\n(.*?)```", re.DOTALL)
_INSTRUCTION = re.compile(
    r"^\s*(?:please\s+)?(?:(?:do\s+a\s+)?(?:web\s+|x\s+)?search(?:\s+(?:the\s+)?(?:web|internet|online|x|twitter))?"
    r"|look\s+up|find(?:\s+out)?|check)\s*(?:(?:for|about|on|what|whether)\s+)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ServerCall:
    """One server-side tool call of a turn (made now, or replayed from the input).

    Attributes:
        kind: `web_search`, `x_search` or `code_interpreter`.
        query: The search query ("" for code).
        sources: Source URLs, in order.
        code: The code (code_interpreter).
        output: The canned output (code_interpreter).
        replayed: True when it came from the input rather than this response.
    """

    kind: str
    query: str = ""
    sources: tuple[str, ...] = ()
    code: str = ""
    output: str = ""
    replayed: bool = False

    @property
    def legacy_name(self) -> str:
        """The `name` a 2025-style item carries."""
        return LEGACY_NAMES[self.kind]

    @property
    def legacy_arguments(self) -> str:
        """The `arguments` a 2025-style item carries (compact JSON)."""
        if self.kind == "code_interpreter":
            args: dict[str, Any] = {"code": self.code}
        elif self.kind == "web_search":
            args = {"query": self.query, "num_results": len(self.sources)}
        else:
            args = {"query": self.query, "limit": len(self.sources)}
        return json.dumps(args, ensure_ascii=False, separators=(",", ":"))


def wants_x(text: str) -> bool:
    """The message is about X (module docstring)."""
    return bool(_X_PLATFORM.search(text) or _X_TOPIC_ANY_CASE.search(text))


def wants_web(text: str) -> bool:
    """The message asks for the web (module docstring)."""
    if _WEB_SPECIFIC.search(text):
        return True
    return bool(_WEB_GENERIC.search(text)) and not wants_x(text)


def wants_code(text: str) -> bool:
    """The message carries code or asks to run or calculate something."""
    return bool(_FENCED.search(text) or _CODE_VERB.search(text))


def search_query(text: str) -> str:
    """The query a search uses (module docstring)."""
    cleaned = " ".join(NONCE_PATTERN.sub(" ", text).split())
    stripped = _INSTRUCTION.sub("", cleaned, count=1).strip()
    query = (stripped or cleaned).rstrip("?.! ")
    return query[:QUERY_MAX_CHARS].rstrip() or "query"


def slug(query: str) -> str:
    """The first six lower-case words of the query joined by `-` (`query` when none)."""
    words = re.findall(r"[a-z0-9]+", query.lower())[:SLUG_WORDS]
    return "-".join(words) or "query"


def web_sources(query: str, tool: Mapping[str, Any]) -> tuple[str, ...]:
    """Three fake web sources; on `allowed_domains` when the tool restricts them."""
    domains = tool.get("allowed_domains") or ["example.com"]
    key = slug(query)
    return tuple(
        f"https://{domains[(n - 1) % len(domains)]}/search/{key}/{n}"
        for n in range(1, WEB_SOURCES + 1)
    )


def x_sources(query: str, tool: Mapping[str, Any]) -> tuple[str, ...]:
    """Two fake X sources; under the allowed handles when the tool restricts them."""
    handles = tool.get("allowed_x_handles") or [slug(query)]
    return tuple(
        f"https://example.com/x/{handles[(n - 1) % len(handles)].lstrip('@')}/status/{n}"
        for n in range(1, X_SOURCES + 1)
    )


def code_of(text: str) -> str:
    """The code to run: the first fenced block, else the first sentence as a comment."""
    fenced = _FENCED.search(text)
    if fenced:
        return fenced.group(1).rstrip("\n")
    sentence = re.split(r"(?<=[.!?])\s", " ".join(text.split()), maxsplit=1)[0]
    return f"# {sentence}"


def canned_output(code: str) -> str:
    """What the emulated interpreter reports for `code`: it never runs it."""
    lines = len(code.splitlines()) or 1
    digest = hashlib.sha256(code.encode("utf-8")).hexdigest()[:12]
    return f"emulated run: code not executed ({lines} line(s), sha256 {digest})"


def make_call(tool: ServerTool, user_text: str) -> ServerCall:
    """Run one server-side tool for the message (deterministically, without I/O)."""
    if tool.kind == "code_interpreter":
        code = code_of(user_text)
        return ServerCall("code_interpreter", code=code, output=canned_output(code))
    query = search_query(user_text)
    if tool.kind == "x_search":
        return ServerCall("x_search", query=query, sources=x_sources(query, tool.spec))
    return ServerCall("web_search", query=query, sources=web_sources(query, tool.spec))


def calls_to_make(
    request: ResponsesRequest, user_text: str, replayed: Sequence[ServerCall]
) -> list[ServerCall]:
    """The server-side tools the model runs this turn (module docstring: "When")."""
    choice = request.tool_choice
    if choice.mode == "none":
        return []
    if choice.mode == "server":
        tool = request.offers(choice.name or "")
        return [make_call(tool, user_text)] if tool and tool.kind in RUNNABLE else []
    done = {call.kind for call in replayed}
    wanted = {
        "x_search": wants_x(user_text),
        "web_search": wants_web(user_text),
        "code_interpreter": wants_code(user_text),
    }
    tools = [
        tool
        for tool in request.server_tools
        if tool.kind in RUNNABLE and wanted[tool.kind] and tool.kind not in done
    ]
    if not tools and not replayed and choice.mode == "required" and not request.function_tools:
        tools = [tool for tool in request.server_tools if tool.kind in RUNNABLE][:1]
    return [make_call(tool, user_text) for tool in tools]


def from_item(item: Mapping[str, Any]) -> ServerCall:
    """A replayed call item from the input (2026 `action` shape, or 2025 `arguments`)."""
    kind = str(item.get("type", "")).removesuffix("_call")
    raw_action = item.get("action")
    action: dict[str, Any] = raw_action if isinstance(raw_action, dict) else {}
    try:
        arguments = json.loads(item.get("arguments") or "{}")
    except ValueError:
        arguments = {}
    arguments = arguments if isinstance(arguments, dict) else {}
    if kind == "code_interpreter":
        code = item.get("code") or arguments.get("code") or ""
        outputs = item.get("outputs") or []
        logs = [o.get("logs", "") for o in outputs if isinstance(o, dict)]
        return ServerCall(
            kind, code=str(code), output="\n".join(logs) or canned_output(str(code)), replayed=True
        )
    sources = tuple(
        source["url"]
        for source in action.get("sources") or []
        if isinstance(source, dict) and isinstance(source.get("url"), str)
    )
    query = action.get("query") or arguments.get("query") or ""
    return ServerCall(kind, query=str(query), sources=sources, replayed=True)
