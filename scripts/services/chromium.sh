#!/usr/bin/env bash
# Debian's chromium for the browser tests (test/browser, driven by playwright-core) and
# `npm run screenshots`. Idempotent: a no-op when /usr/bin/chromium is there; otherwise installs
# the distribution's package with apt-get (the machine's own package manager, as root).
set -euo pipefail
SERVICE=chromium
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  say "present ($("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM"))"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  warn "$CHROMIUM is missing; install Debian's chromium package (apt-get install -y chromium) as root"
  exit 1
fi
LOCK_FILE="$ROOT/.local/chromium.lock"
# Serializes concurrent installs (services:up and a test run at once): apt holds its own lock and
# a second apt-get would fail instead of waiting.
take_lock
if [ ! -x "$CHROMIUM" ]; then
  say "installing Debian's chromium package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
[ -x "$CHROMIUM" ] || { warn "apt-get finished but $CHROMIUM is still missing"; exit 1; }
say "installed ($("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM"))"
