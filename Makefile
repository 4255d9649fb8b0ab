# Developer entry points. `make test` is what CI runs (through .ci/run).
JOBS ?= $(shell nproc)
CMAKE ?= cmake
BUILD_TYPE ?= Release

.PHONY: all build test run bench asan tsan fuzz clean

all: build

build:
	$(CMAKE) -S . -B build -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	$(CMAKE) --build build -j $(JOBS)

test: build
	cd build && ctest --output-on-failure -j $(JOBS)

# Starts the server on :9090 with the built-in configuration (it scrapes
# itself every 15s) and data under ./data, or with ./prometheus.yml if present.
run: build
	./build/server/promlite

bench: build
	$(CMAKE) --build build --target benches -j $(JOBS)
	@for b in build/bench/bench_*; do echo "== $$b"; $$b --benchmark_min_time=0.2 || exit 1; done

# ASan+UBSan build and tests (Debug, separate build directory).
asan:
	$(CMAKE) -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPROMLITE_SANITIZE=address,undefined -DPROMLITE_BUILD_BENCH=OFF
	$(CMAKE) --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS)

# ThreadSanitizer build; runs the tests tagged [concurrency] and the server tests
# (Catch2 2.x tags are not CTest labels, so the binaries are run directly).
tsan:
	$(CMAKE) -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROMLITE_SANITIZE=thread -DPROMLITE_BUILD_BENCH=OFF
	$(CMAKE) --build build-tsan -j $(JOBS)
	@for t in tsdb_test promql_test scrape_test; do echo "== $$t [concurrency]"; \
	  TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/test/tsan.supp" build-tsan/test/$$t "[concurrency]" || exit 1; done
	TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/test/tsan.supp" build-tsan/test/server_test

# libFuzzer targets (needs clang); runs each for a short while.
fuzz:
	CC=clang CXX=clang++ $(CMAKE) -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROMLITE_BUILD_FUZZ=ON \
	  -DPROMLITE_SANITIZE=address,undefined,fuzzer-no-link -DPROMLITE_BUILD_BENCH=OFF -DPROMLITE_BUILD_TESTS=OFF
	$(CMAKE) --build build-fuzz -j $(JOBS)
	@for f in build-fuzz/fuzz/fuzz_*; do echo "== $$f"; $$f -max_total_time=60 -rss_limit_mb=2048 || exit 1; done

clean:
	rm -rf build build-asan build-tsan build-fuzz
