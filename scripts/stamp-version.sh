#!/bin/sh
# Writes OUT (make build: dist/version.json), which `coherefs --version` reads: the version in
# package.json and the commit the tree was built from. The commit is $COHEREFS_COMMIT when set (the
# Docker build, whose context has no .git), else git's, with "-dirty" when tracked files differ from
# it, else "unknown". OUT is rewritten only when its content changes.
# Usage: scripts/stamp-version.sh OUT
set -eu
out=$1
root=$(dirname "$(dirname "$(readlink -f "$0")")")
version=$(node -p 'require(process.argv[1]).version' "$root/package.json")
commit=${COHEREFS_COMMIT:-}
if [ -z "$commit" ] && [ -e "$root/.git" ] && command -v git >/dev/null; then
  commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null) || commit=
  if [ -n "$commit" ] && ! git -C "$root" diff --quiet HEAD -- 2>/dev/null; then commit="$commit-dirty"; fi
fi
# Only what a commit name holds goes into the JSON.
case $commit in
  '' | *[!0-9A-Za-z._-]*) commit=unknown ;;
esac
mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
printf '{ "version": "%s", "commit": "%s" }\n' "$version" "$commit" > "$tmp"
if cmp -s "$tmp" "$out"; then rm -f "$tmp"; else mv "$tmp" "$out"; fi
