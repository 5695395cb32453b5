#!/usr/bin/env bash
# Issue 7's crash test at the issue's scale (too long for ctest): 500k records in 24 partitions,
# 126 batches, output and checkpoint on Ceph RGW, Kafka metadata columns on, the three
# checkpoint modes; see tests/e2e/stream_crash_rgw.sh for what is done and checked.
#   LAKESTREAM=build/release/lakestream bash bench/stream_crash_scale.sh [ROWS] [PARTITIONS] [MAX_OFFSETS] [MODES]
set -euo pipefail
export LAKESTREAM=${LAKESTREAM:-build/release/lakestream}
export LAKESTREAM_SOURCE_DIR=${LAKESTREAM_SOURCE_DIR:-$(pwd)}
export STREAM_CRASH_ROWS=${1:-500000}
export STREAM_CRASH_PARTITIONS=${2:-24}
export STREAM_CRASH_MAX_OFFSETS=${3:-4000}
export STREAM_CRASH_MODES=${4:-conditional direct rename}
export STREAM_CRASH_KILLS=${STREAM_CRASH_KILLS:-6}
export STREAM_CRASH_MAX_RUNS=${STREAM_CRASH_MAX_RUNS:-200}
export STREAM_CRASH_KILL_MS=${STREAM_CRASH_KILL_MS:-1500}
exec bash "$LAKESTREAM_SOURCE_DIR/tests/e2e/stream_crash_rgw.sh"
