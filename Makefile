# Two commands for a newcomer: `make run` and `make test`.
SWIFT ?= swift
BUILD_FLAGS := --explicit-target-dependency-import-check error
# genisoimage: the compute builds config drives with it (`[DEFAULT] mkisofs_cmd`); isoinfo (same package) reads them in tests.
DEB_PACKAGES := libsqlite3-dev libzmq3-dev libvirt-dev pkg-config genisoimage
# The real-QEMU guest test needs a libvirt daemon, QEMU and the tools that build its tiny guest; the
# linuxbridge network backend (and its tests) bridges, veths, dnsmasq and iptables; the store conformance
# suite the PostgreSQL server (it starts its own cluster).
DEB_TEST_PACKAGES := libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils \
	busybox-static cpio sqlite3 dnsmasq-base iproute2 iptables kmod postgresql
FAKE_HOSTS ?= 4

.PHONY: deps test-deps install-packages build release test fuzz run clean

# Installs the system libraries Nimbus links (through apt-get), only those missing.
deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(DEB_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(DEB_PACKAGES) $(DEB_TEST_PACKAGES)" \
	  APT_FLAGS=--no-install-recommends

install-packages:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y $(APT_FLAGS) $$missing; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

test: test-deps
	scripts/check-file-sizes.sh
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	# Bounded, so a hang names itself here instead of running into CI's limit (test suites have time limits too).
	# At most 8 tests at once: unbounded, ~400 tests share two cores and single requests wait over 10 s (seen as
	# Keystone and Neutron timeouts in the full run, never alone); bounded, the run takes 200 s instead of 160.
	timeout 40m $(SWIFT) test --skip-build --skip IntegrationTests --skip GracefulStopTests \
	  --experimental-maximum-parallelization-width 8 \
	  || { echo "swift test failed (or ran over 40 minutes)"; exit 1; }
	# Run apart: the multi-process tests wait on child processes (SIGTERM, kill -9, waitpid), which would stall the
	# 2-thread cooperative pool every in-process test shares; the graceful-stop check was seen to fail only under
	# the full suite's load (root cause not yet found: see the closing note of 2026-12-07).
	timeout 15m $(SWIFT) test --skip-build --filter "IntegrationTests|GracefulStopTests" \
	  || { echo "integration tests failed"; exit 1; }
	# The unmodified openstack CLI against an all-in-one (venv cached in ~/.cache/nimbus-cli-venv).
	tests/cli/run.sh
	# The out-of-tree plugin example builds its own nimbus against this package.
	cd examples/custom-filter && $(SWIFT) build && $(SWIFT) test

# The generated-input tests with many more cases than `make test` runs (NIMBUS_FUZZ_CASES per suite).
fuzz: test-deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	NIMBUS_FUZZ_CASES=$${NIMBUS_FUZZ_CASES:-20000} $(SWIFT) test --skip-build --filter GeneratedInput

run: build
	$(SWIFT) run --skip-build nimbus all-in-one --fake-hosts $(FAKE_HOSTS)

clean:
	rm -rf .build
