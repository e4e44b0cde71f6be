#!/usr/bin/env bash
# make docker-test: the integration suite inside a container, on a machine that may have no Docker
# engine running and no image registry reachable (see README, "Docker").
#  1. installs the engine (docker.io) when absent; starts one when none answers, without touching the
#     host firewall (--iptables=false --bridge=none), and stops that one, by pid, on every exit path;
#  2. makes the local base image once per machine (docker/make-base.sh) and builds the test and runtime
#     targets of docker/Dockerfile with the host's node_modules (`make deps` ran `npm ci` on the host);
#  3. runs $COHEREFS_DOCKER_SUITE in a throwaway container with /dev/fuse, CAP_SYS_ADMIN and no network,
#     prints the suite's summary line (root in the container: the default, kernel transport serves);
#  4. starts the runtime image as a user runs it: its daemon runs as the user coherefs, whom mount(8)
#     refuses, so the kernel transport cannot mount and libfuse must serve, the log saying why;
#     exits with the suite's status, or 1 when that check failed.
# Afterwards no container runs, no mount is left, and iptables-save reads as before (checked).
set -euo pipefail
cd "$(dirname "$0")/.."

suite=${COHEREFS_DOCKER_SUITE:-npx vitest run test/integration}
test_image=coherefs:test
runtime_image=coherefs:latest
container=coherefs-test-$$
runtime_container=coherefs-runtime-$$
started_dockerd_pid=""
log_dir=$(mktemp -d)
firewall_before=""

# fd 3 is the script's own stderr, so messages from cleanup show even when a signal lands while a
# command's output is redirected to a log.
exec 3>&2
say() { echo "docker-test [${SECONDS}s]: $*" >&3; }

# The firewall as rules, without the header comments and the packet counters that change on their own.
firewall_rules() {
  if command -v iptables-save >/dev/null; then
    iptables-save | sed -e '/^#/d' -e 's/\[[0-9]*:[0-9]*\]//'
  fi
}

# Called on every exit: removes our container, stops the engine we started, checks the firewall.
cleanup() {
  local status=$?
  trap - EXIT
  for name in "$container" "$runtime_container"; do
    if docker container inspect "$name" >/dev/null 2>&1; then
      docker rm -f -v "$name" >/dev/null || true
    fi
  done
  if [ -n "$started_dockerd_pid" ]; then
    say "stopping the engine it started (pid $started_dockerd_pid)"
    kill -TERM "$started_dockerd_pid" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$started_dockerd_pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$started_dockerd_pid" 2>/dev/null; then
      say "engine did not stop in 30 s, killing it"
      kill -KILL "$started_dockerd_pid" 2>/dev/null || true
    fi
    if grep -q ' /var/lib/docker/' /proc/mounts; then
      say "mounts left under /var/lib/docker:"; grep ' /var/lib/docker/' /proc/mounts >&2; status=1
    fi
  fi
  if [ "$(firewall_rules)" != "$firewall_before" ]; then
    say "host firewall changed:"; diff <(echo "$firewall_before") <(firewall_rules) >&2 || true; status=1
  fi
  rm -rf "$log_dir"
  exit "$status"
}

ensure_engine_installed() {
  if command -v dockerd >/dev/null; then return; fi
  if [ "$(id -u)" != 0 ]; then say "dockerd missing; run as root to install docker.io"; exit 1; fi
  say "installing docker.io"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -qq docker.io >/dev/null
}

start_engine_unless_running() {
  if docker info >/dev/null 2>&1; then say "using the running engine"; return; fi
  say "starting an engine"
  dockerd --storage-driver=overlay2 --iptables=false --ip6tables=false --bridge=none \
    >"$log_dir/dockerd.log" 2>&1 3>&- &
  started_dockerd_pid=$!
  for _ in $(seq 120); do
    if docker info >/dev/null 2>&1; then return; fi
    if ! kill -0 "$started_dockerd_pid" 2>/dev/null; then
      say "engine exited:"; tail -n 20 "$log_dir/dockerd.log" >&2; started_dockerd_pid=""; exit 1
    fi
    sleep 0.25
  done
  say "engine did not answer in 30 s:"; tail -n 20 "$log_dir/dockerd.log" >&2; exit 1
}

build_images() {
  local base
  base=$(docker/make-base.sh)
  say "building $test_image and $runtime_image on $base"
  # --network host: the engine runs without a bridge; only a base lacking packages uses the network.
  local commit
  commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
  local build=(docker build --network host --build-arg "BASE_IMAGE=$base" --build-arg "COHEREFS_COMMIT=$commit" -f docker/Dockerfile)
  if ! { "${build[@]}" --target test -t "$test_image" . && "${build[@]}" -t "$runtime_image" .; } \
      >"$log_dir/build.log" 2>&1; then
    say "build failed:"; tail -n 40 "$log_dir/build.log" >&2; exit 1
  fi
  say "built"
}

run_suite() {
  say "running: $suite"
  local status=0
  docker run --rm --name "$container" --network none \
    --device /dev/fuse --cap-add SYS_ADMIN -e CI=true \
    "$test_image" sh -c "$suite" 2>&1 | tee "$log_dir/suite.log" || status=${PIPESTATUS[0]}
  local summary
  summary=$(sed 's/\x1b\[[0-9;]*m//g' "$log_dir/suite.log" | grep -E '^ *(Test Files|Tests) ' | tr -s ' ' | paste -sd ';' -) || true
  say "summary: ${summary:-no vitest summary line} (exit $status)"
  return "$status"
}

# The runtime image's own, non-root path: mounted on libfuse after the kernel transport's warning,
# and unmounted cleanly by docker stop (exit 0). Its image lives in an anonymous volume, removed after.
check_runtime_fallback() {
  say "starting $runtime_image as its user (the kernel transport cannot mount there: libfuse serves)"
  docker run -d --name "$runtime_container" --network none --device /dev/fuse --cap-add SYS_ADMIN \
    -e COHEREFS_SIZE=64M "$runtime_image" >/dev/null
  local logs=""
  for _ in $(seq 120); do
    logs=$(docker logs "$runtime_container" 2>&1)
    if grep -q '"msg":"mounted"' <<<"$logs" || [ "$(docker inspect -f '{{.State.Running}}' "$runtime_container")" != true ]; then break; fi
    sleep 0.25
  done
  docker stop "$runtime_container" >/dev/null
  local status
  status=$(docker wait "$runtime_container")
  logs=$(docker logs "$runtime_container" 2>&1)
  docker rm -v "$runtime_container" >/dev/null
  if grep -q '"msg":"the kernel transport cannot mount here, so libfuse serves"' <<<"$logs" \
      && grep '"msg":"mounted"' <<<"$logs" | grep -q '"transport":"libfuse"' && [ "$status" = 0 ]; then
    say "runtime image: libfuse served after the kernel transport's warning; docker stop unmounted it (exit 0)"
    return 0
  fi
  say "runtime image: expected the fallback warning, a libfuse mount and exit 0 (exit $status); its log:"
  echo "$logs" >&2
  return 1
}

trap cleanup EXIT
# Interrupted: exit through cleanup too, with the shell's usual status for the signal.
trap 'exit 130' INT
trap 'exit 143' TERM
ensure_engine_installed
firewall_before=$(firewall_rules)
start_engine_unless_running
build_images
suite_status=0
run_suite || suite_status=$?
if ! check_runtime_fallback && [ "$suite_status" = 0 ]; then suite_status=1; fi
exit "$suite_status"
