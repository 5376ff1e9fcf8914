#!/usr/bin/env bash
# CI: prove the container path. Runs plans/container.yaml (the default plan's modules) against the
# reference provider in its container image, built offline.
#   1. a Docker engine: use the running one; else, as root, apt-get install docker.io (when dockerd is
#      missing) and start `dockerd --storage-driver=vfs` in the background, waiting at most 60 s;
#   2. the base image (scripts/container-base.sh: the pinned Node binary + its libraries, no registry)
#      and touchstone-provider:local from provider/Dockerfile;
#   3. node harness/cli.ts run plans/container.yaml --strict (a skipped module, a warning or an unmet
#      expected failure fails it: a skip is never counted as a pass), and the run's container.log must exist.
# No engine can be made to work -> prints "container path: skipped (<reason>)" and exits 0 (the
# container path is then not proven; it is never reported as passed). A build or run failure with a
# working engine exits non-zero. Prints the time it added. A dockerd it started is stopped at the end.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost

T0=$(date +%s)
DOCKERD_PID=""
DOCKERD_LOG="${TMPDIR:-/tmp}/touchstone-dockerd.log"
BASE_IMAGE=touchstone-node-base:local
IMAGE=touchstone-provider:local
WAIT_S=60

say() { echo "ci-container: $*"; }
elapsed() { echo $(( $(date +%s) - T0 )); }
finish() {
  local code=$1
  if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    kill "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 1 20); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
  fi
  echo "container path: extra CI time $(elapsed) s"
  exit "$code"
}
skip() { echo "container path: skipped ($1)"; finish 0; }
engine_up() { timeout 10 docker info >/dev/null 2>&1; }

# ---- 1. an engine
if ! command -v docker >/dev/null 2>&1 || ! engine_up; then
  [ "$(id -u)" = 0 ] || skip "no Docker engine running and not root, so none can be started"
  if ! command -v dockerd >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || skip "no dockerd and no apt-get to install docker.io"
    say "installing docker.io"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null 2>&1; then
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io; } >/dev/null 2>&1 \
        || skip "apt-get install docker.io failed"
    fi
  fi
  say "starting dockerd --storage-driver=vfs (log: $DOCKERD_LOG)"
  setsid dockerd --storage-driver=vfs >"$DOCKERD_LOG" 2>&1 < /dev/null &
  DOCKERD_PID=$!
  for _ in $(seq 1 "$WAIT_S"); do
    engine_up && break
    kill -0 "$DOCKERD_PID" 2>/dev/null || skip "dockerd exited: $(tail -n 1 "$DOCKERD_LOG" 2>/dev/null | cut -c1-200)"
    sleep 1
  done
  engine_up || skip "dockerd did not answer within ${WAIT_S} s"
fi
say "engine: Docker $(docker version --format '{{.Server.Version}}' 2>/dev/null) after $(elapsed) s"

# A container must actually run (some sandboxes have a daemon that cannot create containers).
bash scripts/container-base.sh "$BASE_IMAGE" || skip "could not build the base image with docker import"
if ! timeout 60 docker run --rm "$BASE_IMAGE" node -e 'process.exit(0)' >/dev/null 2>&1; then
  skip "the engine cannot run containers: $(timeout 30 docker run --rm "$BASE_IMAGE" node -e 0 2>&1 | tail -n 1 | cut -c1-200)"
fi

# ---- 2. the image (from here on, a failure is a real failure)
say "building $IMAGE"
BUILD_LOG="${TMPDIR:-/tmp}/touchstone-docker-build.log"
if ! docker build --build-arg NODE_IMAGE="$BASE_IMAGE" -f provider/Dockerfile -t "$IMAGE" . >"$BUILD_LOG" 2>&1; then
  tail -n 20 "$BUILD_LOG"
  say "docker build failed (log: $BUILD_LOG)"
  finish 1
fi
say "image built after $(elapsed) s"

# ---- 3. the plan against the container
REPORT_DIR="reports/ci-container"
node harness/cli.ts run plans/container.yaml --strict --report-dir "$REPORT_DIR"
CODE=$?
if [ "$CODE" = 0 ] && [ ! -s "$REPORT_DIR/container.log" ]; then
  say "the run passed but $REPORT_DIR/container.log is missing"
  CODE=1
fi
[ "$CODE" = 0 ] && echo "container path: passed (reports: $REPORT_DIR/, container log: $REPORT_DIR/container.log)"
finish "$CODE"
