# latchkey: `make demo` and `make check` are all a new machine needs (see README.md).
BUILD      ?= build
BUILD_TYPE ?= ASan
FUZZ_BUILD ?= build-fuzz
BENCH_BUILD ?= build-bench
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build check demo bench fuzz crash rig clean

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

fuzz:
	@scripts/install-deps build fuzz
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Fuzz >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@scripts/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(BENCH_BUILD)
