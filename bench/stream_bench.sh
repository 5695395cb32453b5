#!/usr/bin/env bash
# Issue 7 throughput: `lakestream stream --trigger available-now` end to end (Kafka -> decode ->
# Parquet -> output -> commit) next to `kcat -C` consuming the same topic to /dev/null from the
# same dev broker in the same run (the broker's ceiling). The broker is started and filled once
# (ROWS generated taxi rows over PARTITIONS partitions, spread per message: the dev broker keeps
# ~5 MB per partition); then ROUNDS rounds of: kcat, stream to a local directory, and (when
# STREAM_BENCH_S3=s3://bucket/prefix is set with the AWS_* exports of scripts/rgw.sh) stream to
# S3. Each stream run uses a fresh output and checkpoint and must commit exactly ROWS rows.
# STREAM_BENCH_BASELINE=/path/to/older/lakestream adds a local run of that binary per round
# (before/after a change, same broker, same run).
# Prints per-round times and rows/s, then medians and the median of the per-round ratios.
#   bench/stream_bench.sh [ROWS=2000000] [PARTITIONS=100] [ROUNDS=3] [-- extra stream flags]
set -euo pipefail
LAKESTREAM=${LAKESTREAM:-build/release/lakestream}
SRC=${LAKESTREAM_SOURCE_DIR:-$(pwd)}
ROWS=${1:-2000000}
PARTITIONS=${2:-100}
ROUNDS=${3:-3}
shift $(($# < 3 ? $# : 3))
[ "${1:-}" = "--" ] && shift
EXTRA=("$@")
command -v kcat >/dev/null || { echo "kcat not installed" >&2; exit 1; }
work=$(mktemp -d)
broker_pid=""
cleanup() {
  exec 7>&- 2>/dev/null || true
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
secs() { awk -v s="$1" -v e="$2" 'BEGIN{printf "%.3f", e-s}'; }

mkfifo "$work/control"
"$LAKESTREAM" broker --topic rides:$PARTITIONS <"$work/control" >"$work/broker.out" 2>/dev/null &
broker_pid=$!
exec 7>"$work/control"
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")
"$LAKESTREAM" generate --rows "$ROWS" --seed 1 --output "$work/taxi.csv" 2>/dev/null
t0=$(now)
"$LAKESTREAM" produce --bootstrap "$B" --topic rides --schema "$SRC/schemas/nyc_taxi.avsc" \
  --input "$work/taxi.csv" --partitioner random -X sticky.partitioning.linger.ms=0 2>/dev/null
echo "produced $ROWS rows to $PARTITIONS partitions in $(secs "$t0" "$(now)") s (broker $B)"
rm -f "$work/taxi.csv"
# The topic must hold every row (nothing lost to the dev broker's retention).
kcat -C -b "$B" -t rides -o beginning -e -q -f 'x\n' | wc -l >"$work/count"
[ "$(cat "$work/count")" = "$ROWS" ] || { echo "topic holds $(cat "$work/count") records, not $ROWS" >&2; exit 1; }

run_stream() {  # $1 = output URI, $2 = label, [$3 = binary]; prints seconds
  local start end rows
  start=$(now)
  "${3:-$LAKESTREAM}" stream --bootstrap "$B" --topic rides --schema "$SRC/schemas/nyc_taxi.avsc" \
    --output "$1" --trigger available-now --metrics-json "$work/m.json" "${EXTRA[@]}" \
    >"$work/$2.progress" 2>"$work/$2.log" || { echo "stream $2 failed:" >&2; tail -5 "$work/$2.log" >&2; exit 1; }
  end=$(now)
  rows=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows"])' "$work/m.json")
  [ "$rows" = "$ROWS" ] || { echo "stream $2 committed $rows rows, not $ROWS" >&2; exit 1; }
  secs "$start" "$end"
}

: >"$work/results"
for r in $(seq "$ROUNDS"); do
  start=$(now)
  kcat -C -b "$B" -t rides -o beginning -e -q >/dev/null
  k=$(secs "$start" "$(now)")
  l=$(run_stream "$work/out-local-$r" local)
  rm -rf "$work/out-local-$r"
  s=-
  if [ -n "${STREAM_BENCH_S3:-}" ]; then s=$(run_stream "${STREAM_BENCH_S3%/}/run-$$-$r" s3); fi
  b=-
  if [ -n "${STREAM_BENCH_BASELINE:-}" ]; then
    b=$(run_stream "$work/out-base-$r" base "$STREAM_BENCH_BASELINE")
    rm -rf "$work/out-base-$r"
  fi
  echo "$k $l $s $b" >>"$work/results"
  echo "round $r: kcat -C ${k} s, stream local ${l} s, stream S3 ${s} s, baseline local ${b} s (load $(cut -d' ' -f1-3 /proc/loadavg))"
done
/usr/bin/python3 - "$work/results" "$ROWS" <<'PY'
import statistics, sys
rows = int(sys.argv[2])
res = [l.split() for l in open(sys.argv[1]) if l.strip()]
def col(i):
    return [float(r[i]) for r in res if r[i] != "-"]
k, l, s, b = col(0), col(1), col(2), col(3)
def line(name, t, ratios):
    if not t:
        return
    print(f"{name:<14} median {statistics.median(t):7.3f} s  {rows / statistics.median(t):>10,.0f} rows/s"
          + (f"  median ratio to kcat {statistics.median(ratios):.2f}x" if ratios else ""))
line("kcat -C", k, [])
line("stream local", l, [kk / ll for kk, ll in zip(k, l)])
line("stream S3", s, [float(r[0]) / float(r[2]) for r in res if r[2] != "-"])
line("baseline local", b, [float(r[0]) / float(r[3]) for r in res if r[3] != "-"])
PY
