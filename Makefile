# The two set-up commands of the README. Both install missing system packages first.
.PHONY: deps build test demo bench clean

deps:
	@bash scripts/install-deps.sh

build: deps
	swift build

## Runs every test: unit, codec properties, and the tests against real servers.
test: deps
	swift build --build-tests
	swift test --skip-build

## Runs the main job: the embedded demo.
demo: deps build
	@bash scripts/demo.sh

## Runs the micro benchmarks (a separate package under Benchmarks/).
bench: deps
	cd Benchmarks && swift package --disable-sandbox benchmark

clean:
	rm -rf .build Benchmarks/.build
