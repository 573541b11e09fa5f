#!/bin/sh
# Runs a command with a headless Chromium available, for the web page's browser tests
# (tests/serve_api.rs, the tests named `..._in_a_browser_...`):
#   scripts/with-chromium.sh CMD [ARG...]
# Installs Debian's chromium if it is missing (needs root and the package registry), then runs
# CMD with CHANCERY_CHROMIUM set to the browser's path. The exit code is CMD's.
set -eu

if ! command -v chromium >/dev/null 2>&1; then
    echo "with-chromium: installing Chromium from the distribution's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq chromium >&2
fi
CHANCERY_CHROMIUM=$(command -v chromium)
export CHANCERY_CHROMIUM
"$@"
