#!/usr/bin/env bash
# The project's front door. On a fresh Debian 12 machine:
#   ./lakestream.sh demo    install, build, and run the whole pipeline end to end on embedded defaults
#   ./lakestream.sh test    install, build (release + ASan/UBSan + fuzz), start the test servers, run ctest
#   ./lakestream.sh build   install and build the release binary (build/release/lakestream)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")" && pwd)"
cd "$ROOT"
JOBS="${LAKESTREAM_BUILD_JOBS:-$(nproc)}"

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

install() {
  log "installing Debian packages and JS checkers (scripts/install.sh)"
  bash scripts/install.sh
}

# build_preset PRESET [TARGET]: configure and build one CMake preset (warnings are errors in CI).
build_preset() {
  local preset="$1" target="${2:-all}"
  local extra=()
  # gcc's warnings are the contract; the clang-built fuzz preset is not held to them.
  if [ "${CI:-}" = "true" ] && [ "$preset" != fuzz ]; then extra+=(-DLAKESTREAM_WERROR=ON); fi
  log "building preset '$preset' (target $target)"
  cmake --preset "$preset" "${extra[@]}" >/dev/null
  cmake --build --preset "$preset" -j "$JOBS" --target "$target"
}

cmd_build() {
  install
  build_preset release
}

cmd_demo() {
  install
  build_preset release
  exec bash scripts/demo.sh "$@"
}

cmd_test() {
  install
  # Unit tests run on the sanitizer build; end-to-end tests need only the release binary.
  build_preset sanitize
  build_preset release lakestream
  build_preset fuzz fuzzers
  local rgw_port="${LAKESTREAM_RGW_PORT:-7480}"
  # rgw.sh creates the directory itself (and refuses an existing one).
  local rgw_dir="/tmp/lakestream-rgw-test-$$"
  log "starting the S3 test server (Ceph RGW) on 127.0.0.1:$rgw_port"
  trap 'bash scripts/rgw.sh stop --port '"$rgw_port"' --dir '"$rgw_dir"' >/dev/null 2>&1 || true' EXIT
  local exports
  exports="$(bash scripts/rgw.sh start --port "$rgw_port" --dir "$rgw_dir")" \
    || { log "FAILED: the S3 test server did not start"; exit 1; }
  eval "$exports"
  [ -n "${LAKESTREAM_TEST_S3:-}" ] || { log "FAILED: rgw.sh printed no exports"; exit 1; }
  local failed=0
  log "unit tests (ASan + UBSan build)"
  ctest --test-dir build/sanitize -L unit --output-on-failure -j "$JOBS" --timeout 600 || failed=1
  log "end-to-end tests (release build)"
  ctest --test-dir build/release -L e2e --output-on-failure --timeout 900 || failed=1
  log "fault tests (release build; docs/faults.md)"
  ctest --test-dir build/release -L faults --output-on-failure --timeout 600 || failed=1
  log "fuzz targets (bounded time, ASan + UBSan)"
  ctest --test-dir build/fuzz -L fuzz --output-on-failure -j "$JOBS" || failed=1
  if [ "$failed" != 0 ]; then
    log "FAILED: see the ctest output above"
    exit 1
  fi
  log "all test suites passed"
}

case "${1:-}" in
  demo) shift; cmd_demo "$@" ;;
  test) shift; cmd_test "$@" ;;
  build) shift; cmd_build "$@" ;;
  *)
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
    exit 2 ;;
esac
