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

# ---- Chromium (Debian packages; TOUCHSTONE_CHROMIUM points elsewhere): chromium, and
# chromium-headless-shell, which headless runs prefer (no browser UI: a fresh context per module
# costs less than half; playwright.config.ts falls back to chromium without it).
if [ -n "${TOUCHSTONE_CHROMIUM:-}" ]; then
  if [ ! -x "$TOUCHSTONE_CHROMIUM" ]; then
    say "TOUCHSTONE_CHROMIUM=$TOUCHSTONE_CHROMIUM is not an executable file"
    exit 1
  fi
else
  missing=()
  if [ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
  if [ ! -x /usr/lib/chromium/chromium-headless-shell ]; then missing+=(chromium-headless-shell); fi
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing ${missing[*]} (apt-get install)"
      if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >&2; then
        say "installing ${missing[*]} failed; install with: apt-get install -y ${missing[*]}"
        [[ " ${missing[*]} " == *" chromium "* ]] && exit 1
      fi
    elif [[ " ${missing[*]} " == *" chromium "* ]]; then
      say "Chromium is missing; install it with: sudo apt-get install -y chromium chromium-headless-shell"
      exit 1
    fi
  fi
fi

# ---- redis-server (Debian's; TOUCHSTONE_REDIS_SERVER points elsewhere): the Redis store tests and
# the multi-instance plan start a private one on a free loopback port. Optional: without it (and
# not root) those tests and plans are reported skipped with the reason.
if [ -z "${TOUCHSTONE_REDIS_SERVER:-}" ] && ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing redis-server (apt-get install)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server; } >&2; then
      say "installing redis-server failed: the Redis tests will be skipped (apt-get install -y redis-server)"
    fi
  else
    say "redis-server is missing: the Redis store tests and plans/multi-instance.yaml will be skipped (sudo apt-get install -y redis-server)"
  fi
fi
