#!/usr/bin/env bash
# Rewrite constraints.txt from .venv: every installed distribution pinned, the project itself
# left out. Run it after changing dependencies in pyproject.toml (and installing them), then
# commit both; scripts/setup.sh installs with `-c constraints.txt`.
set -euo pipefail
cd "$(dirname "$0")/.."
{
    echo "# The whole dependency tree, pinned: scripts/setup.sh installs with -c constraints.txt."
    echo "# Regenerate with scripts/lock.sh after changing pyproject.toml; do not edit by hand."
    # Local version labels (torch's +cpu) are dropped: ==2.13.0 matches the CPU build from the
    # PyTorch index and the plain one from PyPI, so the file works with either source.
    .venv/bin/python -m pip freeze --exclude-editable --disable-pip-version-check \
        | grep -v '^#' | sed -E 's/\+[A-Za-z0-9.]+$//' | LC_ALL=C sort -f
} > constraints.txt
echo "constraints.txt: $(grep -vc '^#' constraints.txt) pins"
