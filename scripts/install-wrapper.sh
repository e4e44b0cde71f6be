#!/bin/sh
# Installs (or with --remove, removes) TARGET: a two-line sh wrapper that runs COMMAND with ARGs and
# its own arguments. Every word is single-quoted, so a checkout path may hold any character; NAME=VALUE
# words before COMMAND become the command's environment. Only a file this script wrote is replaced
# or removed. Used by make install (the coherefs command) and mount/install-helper.sh.
# Usage: scripts/install-wrapper.sh TARGET [NAME=VALUE...] COMMAND [ARG...]
#        scripts/install-wrapper.sh --remove TARGET
set -eu
me=$(basename "$0" .sh)
marker='# installed by coherefs'
remove=
if [ "${1:-}" = --remove ]; then remove=1; shift; fi
[ $# -ge 1 ] || { echo "usage: $me TARGET [NAME=VALUE...] COMMAND [ARG...] | --remove TARGET" >&2; exit 2; }
target=$1
shift

if [ -e "$target" ] && ! grep -qF "$marker" "$target"; then
  echo "$me: $target was not installed by coherefs; left alone" >&2
  exit 1
fi
if [ -n "$remove" ]; then
  rm -f "$target"
  exit 0
fi
[ $# -ge 1 ] || { echo "usage: $me TARGET [NAME=VALUE...] COMMAND [ARG...]" >&2; exit 2; }
dir=$(dirname "$target")
if [ ! -d "$dir" ] || [ ! -w "$dir" ]; then
  echo "$me: cannot write to $dir (run as root, or choose another directory)" >&2
  exit 1
fi

# 'word', each ' written as '\''
quote() {
  printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}
line=
assignments=1
for word in "$@"; do
  if [ -n "$assignments" ]; then
    case ${word%%=*} in
      "$word" | '' | [0-9]* | *[!A-Za-z0-9_]*) assignments= ; line="${line}exec " ;;
      *) line="$line${word%%=*}=$(quote "${word#*=}") "; continue ;;
    esac
  fi
  line="$line$(quote "$word") "
done
tmp="$target.tmp.$$"
printf '#!/bin/sh\n%s\n%s"$@"\n' "$marker" "$line" > "$tmp"
chmod 755 "$tmp"
mv "$tmp" "$target"
