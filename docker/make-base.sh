#!/usr/bin/env bash
# Builds the local base image for machines that reach no image registry: Debian bookworm made with
# mmdebstrap, plus the host's Node 20 (Debian bookworm has no Node 20). Made once per machine: does
# nothing when the image exists. Prints the image name on stdout.
#   docker/make-base.sh            -> local/coherefs-base:node-vX.Y.Z
set -euo pipefail

node_bin=$(command -v node)
node_version=$(node --version)
case $node_version in
  v20.*) ;;
  *) echo "make-base: host node is $node_version, Node 20 is required" >&2; exit 1 ;;
esac
npm_dir=$(npm root -g)/npm
base=local/coherefs-base:node-$node_version

if docker image inspect "$base" >/dev/null 2>&1; then
  echo "$base"
  exit 0
fi

if ! command -v mmdebstrap >/dev/null; then
  echo "make-base: installing mmdebstrap" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -qq mmdebstrap >/dev/null
fi

echo "make-base: building $base (Debian bookworm + host node $node_version)" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Same layout as the official node images: node, npm and npx in /usr/local.
mmdebstrap --variant=minbase --quiet \
  --include=fuse,libfuse2,fio,python3,util-linux,xfsprogs,libstdc++6,ca-certificates \
  --customize-hook='mkdir -p "$1/usr/local/lib/node_modules"' \
  --customize-hook="copy-in $node_bin /usr/local/bin" \
  --customize-hook="copy-in $npm_dir /usr/local/lib/node_modules" \
  --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"' \
  --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
  --customize-hook='chroot "$1" node --version' \
  bookworm "$work/rootfs.tar" "deb http://deb.debian.org/debian bookworm main"
# Imported only once complete, so a failed run never leaves an image that the guard above would trust.
docker import --change 'CMD ["node"]' "$work/rootfs.tar" "$base" >&2
echo "$base"
