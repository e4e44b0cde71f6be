# coherefs — see README.md. Every target works on a fresh clone: `make test` installs what it needs.
SHELL := /bin/bash
NODE_BIN := node_modules/.bin
CLI := node dist/src/cli/main.js
IMAGE ?= data/disk.img
MOUNTPOINT ?= mnt
MOUNT_OPTS ?=

.PHONY: install build test lint mount demo bench docker-test clean

## install: Debian packages (libfuse2, fuse, fio) when missing and root, then npm ci when the lock changed
install:
	@missing=""; \
	for pkg in libfuse2 fuse fio; do dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing Debian packages:$$missing (run make install as root)" >&2; exit 1; fi; \
	fi
	@if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	  npm ci --no-audit --no-fund; fi

## build: compile TypeScript to dist/
build: install
	$(NODE_BIN)/tsc -p tsconfig.json

## lint: typecheck and eslint
lint: install
	$(NODE_BIN)/tsc -p tsconfig.json --noEmit
	$(NODE_BIN)/eslint --max-warnings 0 --no-warn-ignored .

## test: lint, then every vitest suite (unit and real-mount integration)
test: install build lint
	$(NODE_BIN)/vitest run

## mount: build, create $(IMAGE) (1 GiB) if absent, mount it on $(MOUNTPOINT) in the foreground; Ctrl-C unmounts
mount: build
	@mkdir -p $(dir $(IMAGE)) $(MOUNTPOINT)
	@[ -f $(IMAGE) ] || $(CLI) mkfs $(IMAGE) --size 1G
	@echo "mounting $(IMAGE) on $(MOUNTPOINT); Ctrl-C writes back and unmounts"
	@exec $(CLI) mount $(IMAGE) $(MOUNTPOINT) -f $(if $(MOUNT_OPTS),-o $(MOUNT_OPTS))

## demo: the race (stale reads per coherence mode on real mounts; plot in demo-results/; DEMO_SECONDS=10) and the deadlock demo
demo: build
	$(CLI) demo race $(if $(DEMO_SECONDS),--seconds $(DEMO_SECONDS))
	$(CLI) demo deadlock

## bench: the fio matrix against a plain file and the ceiling daemon; results in bench/results/
bench: build
	node dist/bench/run-fio-bench.js

## docker-test: the integration suite inside a container (starts and stops an engine if none runs)
docker-test: install
	bash docker/test.sh

clean:
	rm -rf dist
