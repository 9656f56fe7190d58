# The two entry points (see README): `make demo` and `make test`. Both install what they need.
.PHONY: all deps test-deps demo test build install python bench clean

all: build

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh test

build: deps
	cmake --preset release
	cmake --build --preset release

# Only the CLI and the Python module: the demo runs nothing else.
demo: deps
	cmake --preset release
	cmake --build --preset release --target embedkit_cli embedkit_python
	scripts/demo.sh

# Every test runs once, where it finds most: the unit tests (label "unit") and a short libFuzzer run
# of every reader under AddressSanitizer + UBSan (Clang, one tree); the suites of what users run
# (label "integration": the CLI, pytest, MPI, the browser, the install) in the optimised build.
# So the library is compiled twice, and the CLI and the tests once each.
test: test-deps
	cmake --preset release
	cmake --build --preset release --target embedkit_cli embedkit_python
	ctest --preset release -j2 -L integration
	cmake --preset asan
	cmake --build --preset asan --target embedkit_unit_tests fuzzers
	ctest --preset asan -j2 -L unit
	fuzz/run_fuzzers.sh 2

# The CLI, headers, libraries and CMake package under PREFIX (make install PREFIX=~/.local).
PREFIX ?= /usr/local
install: build
	cmake --install build/release --prefix $(PREFIX)

# `import embedkit` for /usr/bin/python3: the package into its site directory (on Debian
# /usr/local/lib/python3.X/dist-packages; -DEMBEDKIT_PYTHON_INSTALL_DIR=... at configure to change).
python: deps
	cmake --preset release
	cmake --build --preset release --target embedkit_python
	cmake --install build/release --component python

bench: build
	bench/scripts/run_vocab_bench.sh

clean:
	rm -rf build
