#!/usr/bin/env bash
# Set up and run every check: lint, format, types, the test suite on the real stack (browser
# tests in headless Chromium included), and the eval gate (search and tutor metrics on fixed
# smoke cuts must stay above their thresholds).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install_chromium.sh

.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Types are checked beside the tests (one core for half a minute, while the test processes
# start their stacks); a type error still fails the command, once the tests are done.
types_log=$(mktemp /tmp/tutor-mypy-XXXXXX)
.venv/bin/mypy tutor ingestion retrieval api evals > "$types_log" 2>&1 &
types_pid=$!

# Two test processes (TUTOR_TEST_PROCESSES): each starts its own PostgreSQL, Redis, worker and
# browser, and much of a real-stack test is waiting on them, so two share two cores well.
# worksteal: the process that runs out of tests takes the other's remaining ones.
set +e
.venv/bin/python -m pytest -n "${TUTOR_TEST_PROCESSES:-2}" --dist worksteal "$@"
status=$?
wait "$types_pid"
types_status=$?
set -e
cat "$types_log"
rm -f "$types_log"
[ "$types_status" -eq 0 ] || exit "$types_status"
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: that is a failure here, not a pass" >&2
    exit 1
fi
[ "$status" -eq 0 ] || exit "$status"

if [ ! -d ../shared/data ]; then
    echo "eval gate skipped: ../shared/data (the evaluation datasets) is not here" >&2
    exit 0
fi
gate_dir=$(mktemp -d /tmp/tutor-gate-XXXXXX)
trap 'rm -rf "$gate_dir"' EXIT
TUTOR_DATA_DIR="$gate_dir" TUTOR_LOCAL_CHAT_MODEL=smollm2-135m-instruct \
    TUTOR_TUTOR_MAX_OUTPUT_TOKENS=96 \
    .venv/bin/tutor eval check --baseline "${TUTOR_EVAL_BASELINE:-evals/baselines/smoke.json}"

# Honesty and practice need the model students get (`tutor up`): its answerability threshold
# is calibrated, and the 135M test model writes no usable practice items.
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[model-default]"
TUTOR_DATA_DIR="$gate_dir" .venv/bin/tutor eval check --baseline evals/baselines/smoke-default-model.json
