#!/usr/bin/env bash
# Make the checkout runnable: dependencies (incl. the pinned Node 24 in node_modules/.bin/node) and
# Chromium. Runs before `npm start` / `npm test`; idempotent and silent when nothing is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { echo "touchstone: $*" >&2; }

# ---- node_modules: missing, incomplete, or older than package-lock.json -> npm ci
if [ ! -d node_modules ] || [ ! -e node_modules/.bin/node ] || [ ! -f node_modules/.package-lock.json ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm scripts put node_modules/.bin first on PATH; npm ci deletes node_modules, so run npm with
  # the system node, never the pinned one it is about to remove.
  PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)"
  export PATH
  if ! command -v npm >/dev/null 2>&1; then
    say "npm is missing; install Node.js (>= 20) and npm, then run: npm ci"
    exit 1
  fi
  say "installing dependencies (npm ci)"
  if ! npm ci --no-audit --no-fund --loglevel=error >&2; then
    say "npm ci failed (see the output above)"
    exit 1
  fi
  touch node_modules/.package-lock.json
fi

# ---- Chromium (Debian package; TOUCHSTONE_CHROMIUM points elsewhere)
if [ -n "${TOUCHSTONE_CHROMIUM:-}" ]; then
  if [ ! -x "$TOUCHSTONE_CHROMIUM" ]; then
    say "TOUCHSTONE_CHROMIUM=$TOUCHSTONE_CHROMIUM is not an executable file"
    exit 1
  fi
elif [ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Chromium (apt-get install chromium)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >&2; then
      say "installing Chromium failed; install it with: apt-get install -y chromium"
      exit 1
    fi
  else
    say "Chromium is missing; install it with: sudo apt-get install -y chromium"
    exit 1
  fi
fi
