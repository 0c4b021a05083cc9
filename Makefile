# Two commands for a newcomer: `make run` and `make test`.
SWIFT ?= swift
BUILD_FLAGS := --explicit-target-dependency-import-check error
DEB_PACKAGES := libsqlite3-dev libzmq3-dev libvirt-dev pkg-config
FAKE_HOSTS ?= 4

.PHONY: deps build release test run clean

# Installs the system libraries Nimbus links (through apt-get), only those missing.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y $$missing; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build

run: build
	$(SWIFT) run --skip-build nimbus all-in-one --fake-hosts $(FAKE_HOSTS)

clean:
	rm -rf .build
