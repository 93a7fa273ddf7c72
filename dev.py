#!/usr/bin/env python3
"""Developer commands for a fresh machine with only Python.

    python3 dev.py quickstart   set up .venv and run examples/quickstart.py
    python3 dev.py test         set up .venv, then lint, types, docs build and the whole test suite
                                (extra arguments go to pytest, e.g. `test -k doctor`)
    python3 dev.py lint         ruff check and ruff format --check
    python3 dev.py format       ruff format and ruff check --fix
    python3 dev.py typecheck    mypy --strict on the package
    python3 dev.py docs         build the docs site strictly into site/ (`docs serve`: live preview)
    python3 dev.py wheel-smoke  build the wheel, install it in a fresh venv outside the tree,
                                and smoke-test it there
    python3 dev.py ci           what .ci/run runs: wheel-smoke, then test
    python3 dev.py bench        set up .venv and run the side-by-side benchmark
    python3 dev.py help         this list

`make <command>` runs the same commands (see Makefile); pre-commit runs lint and typecheck
(`.venv/bin/pre-commit install` if you want it as a git hook).

The virtual environment is created in `.venv` and reinstalled only when
`pyproject.toml` or `constraints.txt` change (a stamp file records their hash).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"
INPUTS = [ROOT / "pyproject.toml", ROOT / "constraints.txt"]


def _digest() -> str:
    h = hashlib.sha256()
    for path in INPUTS:
        if path.exists():
            h.update(path.read_bytes())
    return h.hexdigest()


def _run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def setup() -> None:
    """Create `.venv` and install the package with its test and lint extras."""
    if not PY.exists():
        venv.create(VENV, with_pip=True)
    if STAMP.exists() and STAMP.read_text() == _digest():
        return
    _run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    constraints = ["-c", "constraints.txt"] if (ROOT / "constraints.txt").exists() else []
    _run(PY, "-m", "pip", "install", "--quiet", *constraints, "-e", ".[test,lint,docs]")
    STAMP.write_text(_digest())


def quickstart() -> None:
    """Set up, then run examples/quickstart.py (emulator without credentials)."""
    setup()
    _run(PY, "examples/quickstart.py")


def lint() -> None:
    """Ruff lint and format check."""
    setup()
    _run(PY, "-m", "ruff", "check", ".")
    _run(PY, "-m", "ruff", "format", "--check", ".")


def format_code() -> None:
    """Format and autofix with ruff."""
    setup()
    _run(PY, "-m", "ruff", "format", ".")
    _run(PY, "-m", "ruff", "check", "--fix", ".")


def typecheck() -> None:
    """Type-check the package with mypy --strict."""
    setup()
    _run(PY, "-m", "mypy")


def docs() -> None:
    """Build the site with warnings as errors (mkdocs.yml sets `strict: true`)."""
    setup()
    env_note = {"NO_MKDOCS_2_WARNING": "1"}
    action = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "docs" else "build"
    args = ["serve"] if action == "serve" else ["build", "--strict", "--quiet"]
    print("+", PY, "-m", "mkdocs", *args, flush=True)
    subprocess.run(
        [str(PY), "-m", "mkdocs", *args], cwd=ROOT, check=True, env={**os.environ, **env_note}
    )


def test() -> None:
    """Lint, types, the docs build and the whole test suite."""
    lint()
    typecheck()
    docs()
    _run(PY, "-m", "pytest", "-q", *sys.argv[2:])


def wheel_smoke() -> None:
    """Build the wheel and smoke-test it installed in a fresh venv outside the source tree."""
    setup()
    with tempfile.TemporaryDirectory(prefix="cfgateway-grok-wheel-") as tmp:
        work = Path(tmp)
        dist = work / "dist"
        _run(PY, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, ".")
        (wheel,) = dist.glob("langchain_cfgateway_grok-*.whl")
        _run(PY, ROOT / ".ci" / "check_version.py", wheel)
        fresh = work / "venv"
        venv.create(fresh, with_pip=True)
        fresh_py = fresh / BIN.name / PY.name
        constraints: list[str | Path] = []
        if (ROOT / "constraints.txt").exists():
            constraints = ["-c", ROOT / "constraints.txt"]
        _run(fresh_py, "-m", "pip", "install", "--quiet", *constraints, f"{wheel}[emulator]")
        print("+ (in", work, ")", fresh_py, ".ci/wheel_smoke.py", wheel.name, flush=True)
        subprocess.run(
            [str(fresh_py), str(ROOT / ".ci" / "wheel_smoke.py"), str(wheel)],
            cwd=work,
            check=True,
        )
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # pip may leave a build/ dir behind


def ci() -> None:
    """What .ci/run runs: the wheel smoke test, then the whole test command."""
    wheel_smoke()
    test()


def bench() -> None:
    """Run the side-by-side benchmark."""
    setup()
    _run(PY, "bench/run.py", *sys.argv[2:])


COMMANDS = {
    "quickstart": quickstart,
    "test": test,
    "lint": lint,
    "format": format_code,
    "typecheck": typecheck,
    "docs": docs,
    "wheel-smoke": wheel_smoke,
    "ci": ci,
    "bench": bench,
    "setup": setup,
}


def main() -> None:
    """Dispatch `python3 dev.py <command>`."""
    name = sys.argv[1] if len(sys.argv) > 1 else "help"
    if name not in COMMANDS:
        print(__doc__)
        sys.exit(0 if name == "help" else 2)
    try:
        COMMANDS[name]()
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)


if __name__ == "__main__":
    main()
