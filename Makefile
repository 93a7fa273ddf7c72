# Thin wrapper: every target delegates to dev.py, which works with only Python installed.
PY ?= python3

.PHONY: help setup quickstart test lint format typecheck docs docs-serve wheel-smoke ci bench check-version

help:  ## this list
	@$(PY) dev.py help

setup quickstart test lint format typecheck docs wheel-smoke ci bench:
	$(PY) dev.py $@

docs-serve:  ## live docs preview
	$(PY) dev.py docs serve

check-version:  ## version in one place (pyproject, CHANGELOG, _version.py)
	$(PY) .ci/check_version.py
