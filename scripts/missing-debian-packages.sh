#!/bin/sh
# Prints those of the named Debian packages that are not installed, one a line (make deps installs
# them). A package counts as installed only when dpkg-query's status reads "install ok installed":
# `dpkg -s` also succeeds for a package removed with its configuration left behind (state "rc",
# status "deinstall ok config-files"), which is not installed.
# Usage: scripts/missing-debian-packages.sh PACKAGE...
set -eu
for pkg in "$@"; do
  # One status line per installed architecture; any of them will do.
  if ! dpkg-query -W -f '${Status}\n' "$pkg" 2>/dev/null | grep -qx 'install ok installed'; then
    echo "$pkg"
  fi
done
