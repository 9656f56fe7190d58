# The two entry points (see README): `make demo` and `make test`. Both install what they need.
.PHONY: all deps demo test build install bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake --preset release
	cmake --build --preset release

# Only the CLI: the demo runs nothing else.
demo: deps
	cmake --preset release
	cmake --build --preset release --target embedkit_cli
	scripts/demo.sh

# The whole suite in the release build, again under AddressSanitizer + UBSan, then a short
# libFuzzer run of every file/text reader (Clang).
test: deps
	cmake --preset release
	cmake --build --preset release
	ctest --preset release -j2
	cmake --preset asan
	cmake --build --preset asan
	ctest --preset asan -j2
	cmake --preset fuzz
	cmake --build --preset fuzz
	fuzz/run_fuzzers.sh 8

# The CLI, headers, libraries and CMake package under PREFIX (make install PREFIX=~/.local).
PREFIX ?= /usr/local
install: build
	cmake --install build/release --prefix $(PREFIX)

bench: build
	bench/scripts/run_vocab_bench.sh

clean:
	rm -rf build
