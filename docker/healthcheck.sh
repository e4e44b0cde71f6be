#!/bin/sh
# Healthy when $COHEREFS_MOUNTPOINT is a mount and the daemon answers a statfs and a readdir on it.
# Each probe is killed after 5 s, so a hung daemon reads as unhealthy instead of hanging the check.
# A FUSE mount answers only its owner (not even root), so the probes run as the daemon's user.
set -eu
if [ "$(id -u)" = 0 ] && [ "$COHEREFS_USER" != root ]; then
  set -- setpriv --reuid="$COHEREFS_USER" --regid="$COHEREFS_USER" --init-groups --inh-caps=-all
fi
"$@" timeout -s KILL 5 mountpoint -q "$COHEREFS_MOUNTPOINT"
"$@" timeout -s KILL 5 stat -f "$COHEREFS_MOUNTPOINT" >/dev/null
"$@" timeout -s KILL 5 ls "$COHEREFS_MOUNTPOINT" >/dev/null
