#!/usr/bin/env bash
# `lakestream produce` memory stays bounded whatever the input size (issue 10): peak RSS of a
# 1M-row run (127 MB of Avro) with the default settings must stay under 256 MiB. The bound comes
# from the pipeline (at most 2 x threads + 2 blocks of 4 MiB in flight) and librdkafka's local
# queue (200k messages / 64 MiB); measured 161 MB for 2M rows and 165 MB for 8M rows
# (bench/RESULTS-producer.md), so a queue or buffer that grows with the input fails this.
set -euo pipefail
BIN=${LAKESTREAM:?path to the lakestream binary}
SRC=${LAKESTREAM_SOURCE_DIR:?}
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
ROWS=1000000
LIMIT_KB=$((256 * 1024))
[ -x /usr/bin/time ] || { echo "/usr/bin/time not installed (Debian package time)"; exit 1; }

work=$(mktemp -d /tmp/ls-e2e-memory.XXXXXX)
broker_pid=""
cleanup() {
  exec 7>&- 2>/dev/null || true
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "produce_memory: FAIL: $*" >&2; exit 1; }

mkfifo "$work/control"
"$BIN" broker --brokers 1 --topic mem:128 <"$work/control" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
exec 7>"$work/control"
for _ in $(seq 300); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")
[ -n "$B" ] || fail "broker did not start"
"$BIN" generate --rows "$ROWS" --seed 8 --output "$work/big.csv" 2>/dev/null

/usr/bin/time -f "%M" -o "$work/rss" "$BIN" produce --bootstrap "$B" --topic mem --schema "$SCHEMA" \
  --input "$work/big.csv" --progress-interval 600 2>"$work/produce.log" \
  || { cat "$work/produce.log" >&2; fail "produce"; }
grep -q "produced $ROWS, rejected 0, failed 0" "$work/produce.log" || { cat "$work/produce.log" >&2; fail "summary"; }
rss=$(tail -n1 "$work/rss")
echo "produce_memory: $ROWS rows, peak RSS $rss kB (limit $LIMIT_KB kB)"
[ "$rss" -lt "$LIMIT_KB" ] || fail "peak RSS $rss kB >= $LIMIT_KB kB"
echo "produce_memory: OK"
