"""The emulated xAI is pure standard library and knows no test's literals."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import langchain_cfgateway_grok.emulator._xai as xai

PACKAGE = Path(xai.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))  # the `responses` subpackage included
OWN = "langchain_cfgateway_grok.emulator._xai"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_stdlib_and_itself(path: Path) -> None:
    for name in imported_modules(path):
        if name == "__future__" or name.startswith(OWN + ".") or name == OWN:
            continue
        assert name.split(".")[0] in sys.stdlib_module_names, f"{path.name} imports {name}"


# Literals of the langchain-tests standard suite: the policy must pass it by rule, not by name.
SUITE_LITERALS = [
    "magic_function",
    "my_adder_tool",
    "greeting_generator",
    "unicode_customer",
    "customer_name",
    "answer_style",
    "get_weather",
    "punchline",
    "San Francisco",
    "Pirate",
    "你好",
    "こんにちは",
]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_standard_suite_literals(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    for literal in SUITE_LITERALS:
        assert literal not in source, f"{path.name} mentions {literal!r}"
