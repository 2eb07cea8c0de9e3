# The two set-up commands of the README. Both install missing system packages first.
.PHONY: deps build test demo bench bench-scaling bench-failures clean

deps:
	@bash scripts/install-deps.sh

build: deps
	swift build

## Runs every test: unit, codec properties, and the tests against real servers.
## Serially: on a 2-core machine the cooperative thread pool has 2 threads, and tests that block one
## (key generation, foreign processes such as openssl and curl) could starve the tests that wait on
## real servers with deadlines. Serial runs take about twice as long (under a minute) and cannot.
test: deps
	swift build --build-tests
	swift test --skip-build --no-parallel

## Runs the main job: the embedded demo.
demo: deps build
	@bash scripts/demo.sh

## Runs the micro benchmarks (a separate package under Benchmarks/).
bench: deps
	cd Benchmarks && swift package --disable-sandbox benchmark

## The end-to-end suites through release worker processes (PERFORMANCE.md, docs/distributed.md).
bench-scaling: deps
	@bash scripts/bench-scaling.sh

bench-failures: deps
	@bash scripts/bench-failures.sh

clean:
	rm -rf .build Benchmarks/.build
