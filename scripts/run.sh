#!/usr/bin/env bash
# Set up and run the whole service on this machine: embedded PostgreSQL + pgvector, Redis,
# the ingestion worker and the API, with a demo account. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/tutor up --demo "$@"
