#!/usr/bin/env bash
# Installs what Strata needs from Debian, idempotently: build dependencies always, and
# with --test the peers and tools the test suite and benchmarks use, with --fuzz clang's
# libFuzzer.
set -euo pipefail

build_pkgs=(build-essential cmake ninja-build pkg-config git
  libarchive-dev nlohmann-json3-dev libcli11-dev libfmt-dev libzstd-dev zlib1g-dev
  libdeflate-dev libisal-dev libssl-dev libsqlite3-dev libseccomp-dev libgtest-dev libgmock-dev busybox-static
  ccache)
test_pkgs=(bats jq sqlite3 podman containernetworking-plugins skopeo umoci pigz zstd uidmap python3
  debootstrap time runc crun iproute2 docker.io strace tini
  golang-github-opencontainers-specs-dev python3-jsonschema procps)

fuzz_pkgs=(clang-14 libclang-rt-14-dev)

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${test_pkgs[@]}"); fi
if [[ "${1:-}" == "--fuzz" ]]; then want+=("${fuzz_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then exit 0; fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Update the package lists once, then only when an install fails for want of them.
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/strata-apt.log 2>&1; then
  apt-get update -q >>/tmp/strata-apt.log 2>&1
  apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/strata-apt.log 2>&1 ||
    { tail -20 /tmp/strata-apt.log >&2; exit 1; }
fi
