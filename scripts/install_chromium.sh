#!/usr/bin/env bash
# The Chromium the browser tests drive, from Debian's apt, when it is missing (scripts/test.sh
# calls this; running the service never needs a browser). Idempotent.
set -euo pipefail

# Playwright drives the system Chromium (tests/browser/conftest.py): `playwright install`
# downloads from a CDN, which CI cannot reach.
CHROMIUM_PACKAGES="chromium fonts-liberation"
install_chromium() {
    if [ -n "${TUTOR_TEST_CHROMIUM:-}" ]; then
        echo "TUTOR_TEST_CHROMIUM=$TUTOR_TEST_CHROMIUM is not an executable" >&2
        return 1
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null 2>&1 || ! sudo -n true 2>/dev/null; then
            echo "The browser tests need Chromium at /usr/bin/chromium; as root, run:" >&2
            echo "  apt-get install -y --no-install-recommends $CHROMIUM_PACKAGES" >&2
            echo "or point TUTOR_TEST_CHROMIUM at a Chromium executable." >&2
            return 1
        fi
        sudo=(sudo -n)
    fi
    local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
    # shellcheck disable=SC2086  # the package list splits on purpose
    "${apt[@]}" install -y --no-install-recommends $CHROMIUM_PACKAGES \
        || { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends $CHROMIUM_PACKAGES; }
}
[ -x "${TUTOR_TEST_CHROMIUM:-/usr/bin/chromium}" ] || install_chromium

