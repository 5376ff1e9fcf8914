#!/usr/bin/env bash
# Build a minimal Node base image without any registry: `docker import` of a folder holding the
# pinned Node binary (node_modules/.bin/node) and the shared libraries ldd lists for it.
#   scripts/container-base.sh [image-tag]        # default tag: touchstone-node-base:local
# Then: docker build --build-arg NODE_IMAGE=touchstone-node-base:local -f provider/Dockerfile -t touchstone-provider:local .
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TAG="${1:-touchstone-node-base:local}"
NODE_BIN="$(readlink -f "${TOUCHSTONE_NODE_BIN:-node_modules/.bin/node}")"
[ -x "$NODE_BIN" ] || { echo "container-base: no node binary at $NODE_BIN (run npm ci)" >&2; exit 1; }

ROOTFS="$(mktemp -d)"
trap 'rm -rf "$ROOTFS"' EXIT
chmod 755 "$ROOTFS"
mkdir -p "$ROOTFS/usr/local/bin" "$ROOTFS/etc" "$ROOTFS/tmp" "$ROOTFS/app"
chmod 1777 "$ROOTFS/tmp"
cp "$NODE_BIN" "$ROOTFS/usr/local/bin/node"
# Every library the binary links against (and the dynamic loader), at the same paths.
for lib in $(ldd "$NODE_BIN" | grep -o '/[^ ]*'); do
  cp --parents -L "$lib" "$ROOTFS"
done
printf 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:10001:10001:node:/app:/sbin/nologin\n' > "$ROOTFS/etc/passwd"
printf 'root:x:0:\nnode:x:10001:\n' > "$ROOTFS/etc/group"

tar -C "$ROOTFS" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'CMD ["node"]' \
  - "$TAG" >/dev/null
echo "container-base: built $TAG ($("$NODE_BIN" --version), $(du -sh "$ROOTFS" | cut -f1))"
