#!/bin/sh
# Install (or with --remove, remove) /sbin/mount.fuse.coherefs: a two-line wrapper that runs
# mount/mount.fuse.coherefs of this checkout with the node found now, since mount(8) under systemd
# runs with a short PATH. Needs root. Usage: mount/install-helper.sh [--remove] [TARGET]
set -eu
here=$(dirname "$(readlink -f "$0")")
root=$(dirname "$here")
if [ "${1:-}" = --remove ]; then
  exec sh "$root/scripts/install-wrapper.sh" --remove "${2:-/sbin/mount.fuse.coherefs}"
fi
target=${1:-/sbin/mount.fuse.coherefs}
node=$(command -v node) || { echo "install-helper: node is not on PATH" >&2; exit 1; }
sh "$root/scripts/install-wrapper.sh" "$target" COHEREFS_NODE="$node" COHEREFS_ROOT="$root" "$here/mount.fuse.coherefs"
echo "installed $target -> $here/mount.fuse.coherefs (node: $node)"
