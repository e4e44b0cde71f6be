#!/bin/sh
# Mounts a coherefs image in the foreground.
#   entrypoint.sh [IMAGE]          IMAGE defaults to $COHEREFS_IMAGE; mkfs'd with $COHEREFS_SIZE if absent
#   entrypoint.sh coherefs ARGS... runs any other coherefs command instead (fsck, stats, ...)
# The mountpoint is $COHEREFS_MOUNTPOINT (the HEALTHCHECK watches it); options are $COHEREFS_OPTIONS.
#
# Started as root (the default), it runs mkfs and the daemon as $COHEREFS_USER (default coherefs, which
# owns /data and the mountpoint), so the mount is an unprivileged user's: the kernel mounts it through
# the setuid fusermount. Started with --user, it runs as that user. COHEREFS_USER=root keeps root, e.g.
# for an image on a root-owned bind mount.
set -eu

if [ "${1:-}" = coherefs ]; then
  exec "$@"
fi
if [ "$#" -gt 1 ]; then
  echo "usage: entrypoint.sh [IMAGE] | coherefs COMMAND [ARGS...]" >&2
  exit 2
fi

image=${1:-$COHEREFS_IMAGE}
mountpoint=$COHEREFS_MOUNTPOINT

if [ "$(id -u)" = 0 ] && [ "$COHEREFS_USER" != root ]; then
  # Docker copies the host's /dev/fuse mode, often 0600: hand the container's own node to the daemon's
  # user (the host's node is untouched). libfuse opens it, then asks fusermount for the mount itself.
  chown "$COHEREFS_USER" /dev/fuse
  set -- setpriv --reuid="$COHEREFS_USER" --regid="$COHEREFS_USER" --init-groups --inh-caps=-all
fi

if [ ! -e "$image" ]; then
  echo "coherefs: $image absent, creating it ($COHEREFS_SIZE)" >&2
  "$@" coherefs mkfs "$image" --size "$COHEREFS_SIZE"
fi

# exec: the daemon is the container's main process, so `docker stop` signals it directly.
exec "$@" coherefs mount "$image" "$mountpoint" -f -o "$COHEREFS_OPTIONS"
