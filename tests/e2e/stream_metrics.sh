#!/usr/bin/env bash
# `lakestream stream --trigger 1s --http-port`: a running job serves /healthz, /readyz and
# /metrics; the scrape passes `promtool check metrics`, its row counter reaches every produced
# record, and SIGTERM stops the job gracefully (exit 0) with everything committed.
set -euo pipefail
BIN="${LAKESTREAM:?}"
SRC="${LAKESTREAM_SOURCE_DIR:?}"
WORK="$(mktemp -d /tmp/ls-e2e-metrics.XXXXXX)"
ROWS=20000
fail() { echo "stream_metrics: FAIL: $*" >&2; exit 1; }
cleanup() {
  [ -n "${STREAM_PID:-}" ] && kill "$STREAM_PID" 2>/dev/null
  [ -n "${BROKER_PID:-}" ] && kill "$BROKER_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
command -v promtool >/dev/null || fail "promtool not installed (Debian package prometheus)"

coproc BROKER { exec "$BIN" broker --topic taxi:4 2>"$WORK/broker.log"; }
BROKER_PID=$BROKER_PID
read -r -t 30 BOOTSTRAP <&"${BROKER[0]}" || fail "broker did not start"
"$BIN" generate --rows "$ROWS" --seed 3 --output "$WORK/taxi.csv" 2>/dev/null
"$BIN" produce --bootstrap "$BOOTSTRAP" --topic taxi --schema "$SRC/schemas/nyc_taxi.avsc" \
  --input "$WORK/taxi.csv" --partitioner random -X sticky.partitioning.linger.ms=0 2>"$WORK/produce.log" \
  || { cat "$WORK/produce.log" >&2; fail "produce"; }

"$BIN" stream --bootstrap "$BOOTSTRAP" --topic taxi --schema "$SRC/schemas/nyc_taxi.avsc" \
  --output "$WORK/out" --trigger 1s --max-offsets-per-trigger 4000 --http-port 0 \
  >"$WORK/progress.jsonl" 2>"$WORK/stream.log" &
STREAM_PID=$!
PORT=""
for _ in $(seq 100); do
  PORT=$(sed -n 's/.*serving \/metrics, \/healthz and \/readyz on port \([0-9]*\).*/\1/p' "$WORK/stream.log")
  [ -n "$PORT" ] && break
  kill -0 "$STREAM_PID" 2>/dev/null || { cat "$WORK/stream.log" >&2; fail "stream exited early"; }
  sleep 0.1
done
[ -n "$PORT" ] || fail "no metrics port logged"
URL="http://127.0.0.1:$PORT"
[ "$(curl -s "$URL/healthz")" = "ok" ] || fail "/healthz"

# Wait until the row counter shows every record (maxOffsetsPerTrigger makes it take >= 5 batches).
rows=0
for _ in $(seq 300); do
  rows=$(curl -s "$URL/metrics" | awk '$1 == "lakestream_stream_rows_total" {print $2}')
  [ "${rows:-0}" = "$ROWS" ] && break
  sleep 0.2
done
[ "$rows" = "$ROWS" ] || fail "lakestream_stream_rows_total = $rows, want $ROWS"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] || fail "/readyz"
curl -s "$URL/metrics" > "$WORK/metrics.txt"
promtool check metrics < "$WORK/metrics.txt" || fail "promtool rejected the scrape"
grep -q '^lakestream_s3_calls_total{api="PutObject",purpose="checkpoint"} [1-9]' "$WORK/metrics.txt" \
  || fail "no checkpoint PutObject counted"
batches=$(awk '$1 == "lakestream_stream_batches_total" {print $2}' "$WORK/metrics.txt")
[ "$batches" -ge 5 ] || fail "expected >= 5 batches with maxOffsetsPerTrigger 4000, got $batches"
offsets=$(grep -c '^lakestream_committed_offset{' "$WORK/metrics.txt")
[ "$offsets" = 4 ] || fail "expected a committed offset for 4 partitions, got $offsets"

kill -TERM "$STREAM_PID"
rc=0
wait "$STREAM_PID" || rc=$?
STREAM_PID=""
[ "$rc" = 0 ] || { tail -5 "$WORK/stream.log" >&2; fail "SIGTERM exit code $rc"; }
n=$("$BIN" files "$WORK/out" | wc -l)
[ "$n" -ge 4 ] || fail "committed files after SIGTERM: $n"
echo "stream_metrics: OK ($batches batches, port $PORT, promtool clean, graceful SIGTERM)"
