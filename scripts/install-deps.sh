#!/usr/bin/env bash
# Installs the Debian packages embedkit needs to build and run its demo, and with `test` also
# what the test suite needs (the peers it compares against, Clang for the fuzzers). Idempotent
# and quiet: when everything is present it only checks, without touching the network.
#   scripts/install-deps.sh [test]
set -euo pipefail

packages=(
  cmake ninja-build g++ make pkg-config xz-utils
  libfmt-dev libcli11-dev nlohmann-json3-dev libutf8proc-dev libxxhash-dev
  libeigen3-dev libcairo2-dev libopenblas-pthread-dev libcpp-httplib-dev
  python3-dev pybind11-dev python3-numpy
  libgtest-dev libbenchmark-dev
)
if [ "${1:-}" = test ]; then
  packages+=(python3-pytest python3-gensim python3-torch clang libclang-rt-dev libomp-dev
             chromium chromium-driver python3-selenium openmpi-bin libopenmpi-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
