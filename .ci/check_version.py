"""The version lives in one place: `langchain_cfgateway_grok/_version.py`.

Checks that pyproject.toml takes it from there (hatch dynamic version, no literal `version =`),
that CHANGELOG.md has an `## [Unreleased]` section or one for this version, and, given a wheel
path, that the wheel was built with it. Exit 1 with the reason otherwise.

    python .ci/check_version.py [dist/langchain_cfgateway_grok-X.Y.Z-py3-none-any.whl]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSION_FILE = ROOT / "langchain_cfgateway_grok" / "_version.py"


def main(argv: list[str]) -> int:
    """Run the checks; return the exit status."""
    problems: list[str] = []
    match = re.search(r'^__version__ = "([^"]+)"$', VERSION_FILE.read_text(), re.MULTILINE)
    if match is None:
        _say(f'no __version__ = "..." line in {VERSION_FILE}')
        return 1
    version = match.group(1)
    if not re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?", version):
        problems.append(f"__version__ {version!r} is not a PEP 440 release such as 1.2.3")
    pyproject = (ROOT / "pyproject.toml").read_text()
    if 'dynamic = ["version"]' not in pyproject:
        problems.append('pyproject.toml must declare dynamic = ["version"]')
    if re.search(r"^version\s*=", pyproject, re.MULTILINE):
        problems.append("pyproject.toml has a literal `version =`: keep it in _version.py only")
    if 'path = "langchain_cfgateway_grok/_version.py"' not in pyproject:
        problems.append("[tool.hatch.version] must read langchain_cfgateway_grok/_version.py")
    changelog = (ROOT / "CHANGELOG.md").read_text()
    if "## [Unreleased]" not in changelog and f"## [{version}]" not in changelog:
        problems.append(f"CHANGELOG.md has neither ## [Unreleased] nor ## [{version}]")
    for wheel in argv:
        name = Path(wheel).name
        if not name.startswith(f"langchain_cfgateway_grok-{version}-"):
            problems.append(f"wheel {name} was not built as version {version}")
    for problem in problems:
        _say(f"version check: {problem}")
    if not problems:
        _say(f"version check: {version} in one place (pyproject, CHANGELOG, wheel agree)")
    return 1 if problems else 0


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
