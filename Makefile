# latchkey: `make demo` and `make check` are all a new machine needs (see README.md).
BUILD      ?= build
BUILD_TYPE ?= ASan
FUZZ_BUILD ?= build-fuzz
BENCH_BUILD ?= build-bench
INSTALL_BUILD ?= build-install
DEB_OUT    ?= build-deb
PREFIX     ?= /usr/local
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build check demo bench fuzz crash rig deb install clean

all: build

deps:
	@scripts/install-deps build

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

check: build
	@scripts/install-deps rig || echo "make check: the virtual-radio rig's packages are missing; rig/virtual-radio will skip"
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@if [ -f $(BUILD)/rig-out/scenarios.log ]; then echo "virtual-radio rig (ctest rig/virtual-radio):"; \
		sed -n 's/^SCENARIO /  /p' $(BUILD)/rig-out/scenarios.log; fi
	@if [ -f $(BUILD)/systemd-out/test.log ]; then echo "the .deb under systemd (ctest rig/systemd):"; \
		sed -n 's/^STEP /  /p' $(BUILD)/systemd-out/test.log; fi

demo: build
	@scripts/demo $(BUILD)

bench: deps
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BENCH_BUILD) -j $(JOBS)
	@scripts/bench $(BENCH_BUILD)

# kill -9 the daemon at random points (RUNS times) and check nothing is lost or doubled.
RUNS ?= 200
crash: build
	@scripts/crash-test $(BUILD) $(RUNS)

# The virtual-radio rig: a Debian kernel under qemu, btvirt, one bluetoothd (hw-tests/rig).
rig: build
	@scripts/install-deps build rig
	@hw-tests/rig/run.sh $(BUILD)

# A Release build installed under PREFIX (DESTDIR honoured): binaries, man pages, completion,
# and the unit, sysusers.d, tmpfiles.d, D-Bus policy placed for that prefix
# (packaging/install-system.cmake). Then, as root: systemd-sysusers; systemd-tmpfiles --create;
# systemctl daemon-reload; systemctl enable --now latchkey.
install: deps
	@cmake -S . -B $(INSTALL_BUILD) -DCMAKE_BUILD_TYPE=Release -DLATCHKEY_BUILD_TESTS=OFF \
		-DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(INSTALL_BUILD) -j $(JOBS)
	cmake --install $(INSTALL_BUILD) --prefix $(PREFIX)

# The Debian package (packaging/debian, debhelper) and lintian's verdict, in $(DEB_OUT).
deb:
	@scripts/install-deps build deb
	@scripts/deb $(DEB_OUT)

fuzz:
	@scripts/install-deps build fuzz
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Fuzz >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@scripts/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(BENCH_BUILD) $(INSTALL_BUILD) $(DEB_OUT)
