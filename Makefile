# coherefs — see README.md. Every target works on a fresh clone: each installs what it needs (make deps).
SHELL := /bin/bash
NODE_BIN := node_modules/.bin
CLI := node dist/src/cli/main.js
IMAGE ?= data/disk.img
MOUNTPOINT ?= mnt
MOUNT_OPTS ?=
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DEBIAN_PACKAGES := libfuse2 fuse fio util-linux xfsprogs libfuse3-dev gcc pkg-config

# What tsc compiles (tsconfig.json's include); the build reruns only when one of them changed.
TS_SOURCES := $(shell find src tools bench test -name '*.ts') tsconfig.json
BUILD_STAMP := dist/.build-stamp
NPM_STAMP := node_modules/.package-lock.json

.PHONY: deps debian-packages build install uninstall test lint mount demo bench bench-quick docker-test clean FORCE

## deps: Debian packages (libfuse2, fuse, fio, util-linux for flock, fallocate and setpriv, xfsprogs for xfs_io in the tests;
##   libfuse3-dev, gcc, pkg-config for the bench's passthrough_ll, never fuse3, which removes fuse) when missing and root, then npm ci when the lock changed
deps: debian-packages $(NPM_STAMP)

debian-packages:
	@missing=$$(sh scripts/missing-debian-packages.sh $(DEBIAN_PACKAGES)); \
	if [ -n "$$missing" ]; then \
	  missing=$$(echo $$missing); \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing Debian packages: $$missing (run make deps as root)" >&2; exit 1; fi; \
	fi

# npm ci writes node_modules/.package-lock.json; touched in case it kept the old time.
$(NPM_STAMP): package-lock.json | debian-packages
	npm ci --no-audit --no-fund
	@touch $@

## build: compile TypeScript to dist/ (only when a source changed) and stamp dist/version.json
build: $(BUILD_STAMP) dist/version.json

$(BUILD_STAMP): $(TS_SOURCES) $(NPM_STAMP) | debian-packages
	$(NODE_BIN)/tsc -p tsconfig.json
	@touch $@

# Rewritten only when the version or the commit changed (coherefs --version reads it).
dist/version.json: FORCE
	@sh scripts/stamp-version.sh $@

## install: build, then put `coherefs` on PATH ($(BINDIR)/coherefs runs this checkout's build)
install: build
	@sh scripts/install-wrapper.sh $(BINDIR)/coherefs "$$(command -v node)" "$$PWD/dist/src/cli/main.js"
	@echo "installed $(BINDIR)/coherefs -> $$PWD/dist/src/cli/main.js"

## uninstall: take `coherefs` off PATH again
uninstall:
	@sh scripts/install-wrapper.sh --remove $(BINDIR)/coherefs

## lint: typecheck (the build) and eslint
lint: build
	$(NODE_BIN)/eslint --max-warnings 0 --no-warn-ignored .

## test: lint, then every vitest suite (unit and real-mount integration) on the default transport (kernel, as root),
##   then the integration suite again on the libfuse one (every daemon it starts reads COHEREFS_TRANSPORT)
test: build lint
	$(NODE_BIN)/vitest run
	@echo "integration suite again on the libfuse transport (COHEREFS_TRANSPORT=libfuse)"
	COHEREFS_TRANSPORT=libfuse $(NODE_BIN)/vitest run test/integration

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

## bench: the fio matrix on both transports against libfuse 3's passthrough_ll, the ceiling daemon and a plain file, and the kernel
##   transport's hand-off (about 17 min, as root); results in bench/results/ and docs/benchmarks.md;
##   BENCH_ARGS='--repeat 5 --runtime 3' passes options on (node dist/bench/run-fio-bench.js --help)
bench: build
	node dist/bench/run-fio-bench.js $(BENCH_ARGS)

## bench-quick: about two minutes (1-job cases and the 2-job transport cases, 1 round of 2 s runs, 32M files); results in bench/results/ only, docs/ untouched
bench-quick: build
	node dist/bench/run-fio-bench.js --jobs 1 --repeat 1 --runtime 2 --size 32M --no-docs $(BENCH_ARGS)

## docker-test: the integration suite inside a container (starts and stops an engine if none runs)
docker-test: deps
	bash docker/test.sh

clean:
	rm -rf dist
