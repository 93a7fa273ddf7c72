#!/usr/bin/env python3
"""Developer commands for a fresh machine with only Python.

    python3 dev.py quickstart   set up .venv and run examples/quickstart.py
    python3 dev.py test         set up .venv, then ruff, mypy and the whole test suite
    python3 dev.py bench        set up .venv and run the side-by-side benchmark
    python3 dev.py help         this list

The virtual environment is created in `.venv` and reinstalled only when
`pyproject.toml` or `constraints.txt` change (a stamp file records their hash).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
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
    setup()
    _run(PY, "examples/quickstart.py")


def test() -> None:
    setup()
    _run(PY, "-m", "ruff", "check", ".")
    _run(PY, "-m", "ruff", "format", "--check", ".")
    _run(PY, "-m", "mypy")
    _run(PY, "-m", "pytest", "-q", *sys.argv[2:])


def bench() -> None:
    setup()
    _run(PY, "bench/run.py", *sys.argv[2:])


COMMANDS = {"quickstart": quickstart, "test": test, "bench": bench, "setup": setup}


def main() -> None:
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
