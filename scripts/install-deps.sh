#!/usr/bin/env bash
# Installs the Debian packages embedkit needs to build, test and run its demo. Idempotent and
# quiet: when everything is present it only checks, without touching the network.
set -euo pipefail

packages=(
  cmake ninja-build g++ make pkg-config xz-utils
  libfmt-dev libcli11-dev nlohmann-json3-dev libutf8proc-dev libxxhash-dev
  libeigen3-dev libcairo2-dev libopenblas-pthread-dev
  python3-gensim
  libgtest-dev libbenchmark-dev
  clang libclang-rt-dev libomp-dev
)

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
