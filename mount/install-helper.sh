#!/bin/sh
# Install (or with --remove, remove) /sbin/mount.fuse.coherefs: a two-line wrapper that runs
# mount/mount.fuse.coherefs of this checkout with the node found now, since mount(8) under systemd
# runs with a short PATH. Needs root. Usage: mount/install-helper.sh [--remove] [TARGET]
set -eu
remove=
if [ "${1:-}" = --remove ]; then remove=1; shift; fi
target=${1:-/sbin/mount.fuse.coherefs}
marker='# installed by coherefs mount/install-helper.sh'

if [ -n "$remove" ]; then
  if [ -e "$target" ] && ! grep -qF "$marker" "$target"; then
    echo "install-helper: $target was not installed by coherefs; left alone" >&2
    exit 1
  fi
  rm -f "$target"
  exit 0
fi

here=$(dirname "$(readlink -f "$0")")
node=$(command -v node) || { echo "install-helper: node is not on PATH" >&2; exit 1; }
if [ -e "$target" ] && ! grep -qF "$marker" "$target"; then
  echo "install-helper: $target exists and is not coherefs's; left alone" >&2
  exit 1
fi
# Single-quoted for the wrapper, each ' written as '\'' : a checkout path may hold any character.
quote() {
  printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}
tmp="$target.tmp.$$"
cat > "$tmp" <<WRAPPER
#!/bin/sh
$marker
COHEREFS_NODE=$(quote "$node") COHEREFS_ROOT=$(quote "$(dirname "$here")") exec $(quote "$here/mount.fuse.coherefs") "\$@"
WRAPPER
chmod 755 "$tmp"
mv "$tmp" "$target"
echo "installed $target -> $here/mount.fuse.coherefs (node: $node)"
