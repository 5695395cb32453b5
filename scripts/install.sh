#!/usr/bin/env bash
# Installs every Debian package lakestream needs to build, test and run its test servers,
# then the JavaScript checkers (DuckDB, hyparquet, parquet-wasm) from the committed lockfile.
# Idempotent: a second run only checks. Works on a fresh Debian 12 (as root, or with sudo).
#   scripts/install.sh            everything: build, test servers, checkers (developers, CI)
#   scripts/install.sh --build    only what compiling needs (the container's build stage)
#   scripts/install.sh --runtime  only the shared libraries the binary loads (the container's final stage)
set -euo pipefail
MODE="${1:---all}"
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config git ca-certificates ccache
  clang libclang-rt-14-dev clang-format            # libFuzzer + sanitizer runtimes, formatting
  librdkafka-dev libzstd-dev libsnappy-dev liblz4-dev zlib1g-dev
  libssl-dev libcurl4-openssl-dev libpugixml-dev nlohmann-json3-dev libfast-float-dev
  libcli11-dev libfmt-dev libspdlog-dev libgtest-dev libgmock-dev libbenchmark-dev
  libavro-dev                                      # Avro C: the anchor of the Avro benchmark only
)
TEST_PKGS=(
  python3 python3-avro python3-boto3 python3-yaml awscli kcat prometheus
  ceph-mon ceph-osd radosgw                         # the S3 test server (RADOS Gateway)
  procps psmisc curl jq hyperfine time openssl bc
)

RUNTIME_PKGS=(
  ca-certificates librdkafka1 libzstd1 libsnappy1v5 liblz4-1 zlib1g libssl3 libcurl4 libpugixml1v5
  libfmt9
)
case "$MODE" in
  --all) WANT=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}") ;;
  --build) WANT=("${BUILD_PKGS[@]}") ;;
  --runtime) WANT=("${RUNTIME_PKGS[@]}") ;;
  *) echo "usage: scripts/install.sh [--all|--build|--runtime]" >&2; exit 2 ;;
esac

UPDATED=""
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$UPDATED" ]; then $SUDO apt-get update -qq; UPDATED=1; fi
  $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
for p in "${WANT[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install: apt-get install ${missing[*]}"
  apt_install "${missing[@]}"
fi
if [ "$MODE" != --all ]; then echo "install: ok ($MODE)"; exit 0; fi
# kubectl (for `kubectl kustomize` of deploy/): Debian's kubernetes-client, unless some kubectl is
# already on the machine (another package owning /usr/bin/kubectl would make dpkg fail).
if ! command -v kubectl >/dev/null 2>&1; then
  apt_install kubernetes-client
fi
# Node.js: Debian's nodejs + npm unless a node with npm is already present.
if ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi
if [ -f tools/js/package-lock.json ]; then
  if [ ! -d tools/js/node_modules ] || [ tools/js/package-lock.json -nt tools/js/node_modules/.package-lock.json ]; then
    (cd tools/js && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
echo "install: ok"
