"""Values a prompt offers: numbers, quoted strings, names, URLs, e-mails, dates, booleans.

The emulated model fills tool arguments and JSON output from these (docs/emulator-xai.md,
"Where values come from"). Extraction is generic: it reads the text, never a known prompt.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from langchain_cfgateway_grok.emulator._xai.conversation import NONCE_PATTERN

CandidateKind = Literal["number", "bool", "quoted", "name", "url", "email", "date"]

#: Kinds that can fill a string.
STRING_KINDS: frozenset[str] = frozenset({"quoted", "name", "url", "email", "date"})

_QUOTED = (
    re.compile(r'"([^"\n]+)"'),
    re.compile(r"“([^”\n]+)”"),
    re.compile(r"\u2018([^\u2019\n]+)\u2019"),
    re.compile(r"「([^」\n]+)」"),
    re.compile(r"『([^』\n]+)』"),
    re.compile(r"`([^`\n]+)`"),
    # Single quotes only when not part of a word, so apostrophes ("It's") are not quotes.
    re.compile(r"(?<!\w)'([^'\n]+)'(?!\w)"),
)
_URL = re.compile(r"https?://[^\s<>\"'`)\]]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DATE = re.compile(
    r"(?<![\w-])\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w-])"
)
_NUMBER = re.compile(r"(?<![\w.-])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w])")
_BOOL = re.compile(r"(?<![\w-])(true|false)(?![\w-])", re.IGNORECASE)
_WORD = re.compile(r"[^\W_][\w'\u2019-]*")
# ASCII and fullwidth sentence ends (U+3002, U+FF01, U+FF1F).
_SENTENCE_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s+")
_TRAILING_PUNCTUATION = ".,;:!?"
_SENTENCE_OPENERS = frozenset(".!?\u3002\uff01\uff1f\n")
FALLBACK_MAX_CHARS = 200
#: Words that open sentences without being names.
COMMON_OPENERS: frozenset[str] = frozenset(
    (
        "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be",
        "because", "before", "but", "by", "can", "could", "create", "define", "describe", "did",
        "do", "does", "each", "every", "explain", "find", "for", "from", "generate", "get",
        "give", "given", "has", "have", "he", "her", "here", "his", "how", "i", "if", "in", "is",
        "it", "its", "let", "list", "make", "may", "me", "my", "no", "not", "now", "of", "on",
        "once", "one", "only", "or", "our", "please", "provide", "put", "return", "say", "she",
        "should", "show", "so", "some", "summarize", "tell", "thank", "thanks", "that", "the",
        "their", "then", "there", "these", "they", "this", "those", "to", "translate", "try",
        "use", "using", "was", "we", "what", "when", "where", "which", "while", "who", "why",
        "will", "with", "would", "write", "yes", "you", "your", "hello", "hi", "hey", "ok",
        "okay", "it's", "i'm", "let's", "what's", "that's", "there's", "here's",
    )
)  # fmt: skip
#: Words after which a sentence-initial capitalised word reads as a name ("Alice is 30").
_NAME_FOLLOWERS = frozenset(("is", "are", "was", "were", "has", "had", "and", "or"))
#: Capitalised jargon that is never a value ("Return JSON").
NOT_NAMES = frozenset(("JSON", "XML", "YAML", "CSV", "API", "URL", "HTTP", "HTTPS", "SQL", "HTML"))


@dataclass(frozen=True)
class Candidate:
    """One value found in the text.

    Attributes:
        position: Character offset in the text.
        kind: What it is.
        value: Its JSON value (str, int, float or bool).
    """

    position: int
    kind: CandidateKind
    value: str | int | float | bool


@dataclass(frozen=True)
class PromptValues:
    """Everything the text offers, in order of position.

    Attributes:
        text: The source text.
        candidates: Values found, sorted by position.
        fallback: The first sentence (whitespace collapsed, at most 200 characters): the string
            used when no candidate fits a string.
    """

    text: str
    candidates: tuple[Candidate, ...]
    fallback: str


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < span_end and span_start < end for span_start, span_end in spans)


def _number(text: str) -> int | float:
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _is_sentence_start(text: str, position: int) -> bool:
    before = text[:position].rstrip(" \t\"'\u201c\u2018(\u300c\u300e")
    return not before or before[-1] in _SENTENCE_OPENERS


def _opens_a_name(text: str, match: re.Match[str]) -> bool:
    """Whether a capitalised word that opens a sentence is a name, not just a capital.

    It is when it is not a common opener and is followed by another capitalised word, by a
    verb or conjunction that usually follows a name (`_NAME_FOLLOWERS`), or by the sentence end.
    """
    if match.group().casefold() in COMMON_OPENERS:
        return False
    after = text[match.end() :]
    following = re.match(r"\s+([^\W_][\w'\u2019-]*)", after)
    if following is None:
        return not after.strip() or after.lstrip()[0] in ".!?,;:"
    word = following.group(1)
    return word[0].isupper() or word.casefold() in _NAME_FOLLOWERS


def _names(text: str, blocked: list[tuple[int, int]]) -> list[Candidate]:
    """Runs of capitalised words ("Oslo", "New Delhi"); see `_opens_a_name` for sentence starts."""
    names: list[Candidate] = []
    run: list[re.Match[str]] = []

    def flush() -> None:
        if run:
            start, end = run[0].start(), run[-1].end()
            names.append(Candidate(start, "name", text[start:end]))
            run.clear()

    for match in _WORD.finditer(text):
        word = match.group()
        usable = (
            word[0].isupper()
            and word != "I"
            and word not in NOT_NAMES
            and not _overlaps(match.start(), match.end(), blocked)
        )
        if usable and run and text[run[-1].end() : match.start()] == " ":
            run.append(match)
            continue
        flush()
        if usable and (not _is_sentence_start(text, match.start()) or _opens_a_name(text, match)):
            run.append(match)
    flush()
    return names


def first_sentence(text: str) -> str:
    """The first sentence of `text`, whitespace collapsed, at most 200 characters."""
    collapsed = " ".join(text.split())
    sentence = _SENTENCE_END.split(collapsed, maxsplit=1)[0] if collapsed else ""
    return sentence[:FALLBACK_MAX_CHARS]


def _special_strings(text: str, special: list[tuple[int, int]]) -> list[Candidate]:
    """URLs, e-mails and dates; their spans are added to `special`."""
    found: list[Candidate] = []
    kinds: tuple[tuple[re.Pattern[str], CandidateKind], ...] = (
        (_URL, "url"),
        (_EMAIL, "email"),
        (_DATE, "date"),
    )
    for pattern, kind in kinds:
        for match in pattern.finditer(text):
            if _overlaps(*match.span(), special):
                continue
            value = match.group().rstrip(_TRAILING_PUNCTUATION)
            found.append(Candidate(match.start(), kind, value))
            special.append((match.start(), match.start() + len(value)))
    return found


def _quoted(
    text: str,
    special: list[tuple[int, int]],
    quoted_spans: list[tuple[int, int]],
    exclude: Collection[str],
) -> list[Candidate]:
    """Quoted strings (first quote style wins on overlap); their spans go to `quoted_spans`."""
    found: list[Candidate] = []
    for pattern in _QUOTED:
        for match in pattern.finditer(text):
            if _overlaps(*match.span(), quoted_spans) or _overlaps(*match.span(), special):
                continue
            quoted_spans.append(match.span())
            inner = match.group(1).strip()
            if inner and inner not in exclude:
                found.append(Candidate(match.start(), "quoted", inner))
    return found


def extract(text: str, *, exclude: Collection[str] = ()) -> PromptValues:
    """Find the values `text` offers.

    Args:
        text: The prompt text (the last user message, then any tool results after it).
        exclude: Strings that are not values (e.g. key names a JSON-mode prompt asks for);
            quoted strings and names equal to one of them are dropped.

    Returns:
        The values, sorted by position.
    """
    special: list[tuple[int, int]] = [m.span() for m in NONCE_PATTERN.finditer(text)]
    found = _special_strings(text, special)
    quoted_spans: list[tuple[int, int]] = []
    found += _quoted(text, special, quoted_spans, exclude)
    for match in _NUMBER.finditer(text):
        if not _overlaps(*match.span(), special):
            found.append(Candidate(match.start(), "number", _number(match.group())))
    for match in _BOOL.finditer(text):
        if not _overlaps(*match.span(), special) and not _overlaps(*match.span(), quoted_spans):
            found.append(Candidate(match.start(), "bool", match.group().lower() == "true"))
    for name in _names(text, special + quoted_spans):
        if name.value not in exclude:
            found.append(name)
    found.sort(key=lambda c: c.position)
    return PromptValues(text=text, candidates=tuple(found), fallback=first_sentence(text))


def name_variants(name: str) -> list[str]:
    """How a prompt may write an identifier: as is, `_`/`-` as spaces, camelCase split."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    spaced = re.sub(r"[_\-\s]+", " ", spaced).strip()
    variants = [name, spaced]
    return [v for i, v in enumerate(variants) if v and v not in variants[:i]]


def mention_pattern(phrase: str) -> re.Pattern[str]:
    """Case-insensitive whole-word match for `phrase` (words may be split by any whitespace)."""
    parts = [re.escape(p) for p in phrase.split()]
    return re.compile(r"(?<![\w])" + r"\s+".join(parts) + r"(?![\w])", re.IGNORECASE)


def first_mention(text: str, name: str) -> int | None:
    """Offset of the first mention of identifier `name` (any variant) in `text`, or None."""
    positions = [
        match.start()
        for variant in name_variants(name)
        if (match := mention_pattern(variant).search(text))
    ]
    return min(positions) if positions else None


_KEY_VALUE = (
    r"(\"[^\"\n]+\"|'[^'\n]+'|“[^”\n]+”|`[^`\n]+`"
    r"|-?\d+(?:\.\d+)?(?![\w])"
    r"|[^\W_][\w'\u2019-]*(?: [^\W\d_][\w'\u2019-]*)*)"
)
# After `:`/`=` any word run is a value; after a verb ("is", "named", ...) only quoted text,
# numbers, booleans or capitalised words are, so "setup to a joke" does not yield "a".
_KEY_SEPARATORS = (r"\s*[:=]\s*", r"\s+(?i:is|are|of|named|called|to|as|equals)\s+")


def keyed_values(text: str, key: str) -> list[Candidate]:
    """Values written right after `key` ("location: Paris", "count = 3", "unit is celsius").

    Args:
        text: The prompt text.
        key: A property name.

    Returns:
        Candidates for that key, in order; a quoted value yields a `quoted` string, digits a
        `number` and a `quoted` string, `true`/`false` a `bool`, a word a `name`.
    """
    out: list[Candidate] = []
    for variant in name_variants(key):
        words = r"\s+".join(re.escape(p) for p in variant.split())
        for strict, separator in enumerate(_KEY_SEPARATORS):
            pattern = re.compile(r"(?<![\w])(?i:" + words + r")(?![\w])" + separator + _KEY_VALUE)
            for match in pattern.finditer(text):
                out.extend(_keyed_candidates(match.group(1), match.start(1), strict=bool(strict)))
    out.sort(key=lambda c: c.position)
    return out


def _keyed_candidates(raw: str, position: int, *, strict: bool) -> list[Candidate]:
    if raw[0] in "\"'“`":
        return [Candidate(position, "quoted", raw[1:-1].strip())]
    if re.fullmatch(r"-?\d+(?:\.\d+)?", raw):
        return [Candidate(position, "number", _number(raw)), Candidate(position, "quoted", raw)]
    if raw.lower() in ("true", "false"):
        return [Candidate(position, "bool", raw.lower() == "true")]
    if strict:
        # Keep the leading run of capitalised words only.
        words: list[str] = []
        for word in raw.split(" "):
            if not word[0].isupper():
                break
            words.append(word)
        return [Candidate(position, "name", " ".join(words))] if words else []
    return [Candidate(position, "name", raw)]
