#!/usr/bin/env bash
# Peak RSS of `lakestream stream` on a backlog (issue 10, bounded memory).
#   bench/stream_memory.sh [ROWS] [PARTITIONS] [SMALL_BOUND]
# Generates ROWS taxi rows (default 2,000,000), produces them to a fresh dev broker topic with
# PARTITIONS partitions (default 100: the dev broker keeps ~5 MB per partition), then runs the
# stream job (--trigger available-now, local output, 2 threads) under /usr/bin/time -v:
#   1. default settings (one batch of the whole backlog, one file per Kafka partition);
#   2. --partition-by PULocationID (265 directories: up to 265 open files per task) with the
#      default --max-batch-bytes (256 MiB);
#   3. the same with --max-batch-bytes SMALL_BOUND (default 32MiB);
#   4. --partition-by payment_type (few directories) with SMALL_BOUND.
# Prints one line per run: peak RSS, files, rows, wall time; each run is checked by DuckDB
# (count and distinct (partition, offset) == ROWS).
set -euo pipefail
ROWS=${1:-2000000}
PARTITIONS=${2:-100}
SMALL=${3:-32MiB}
HERE=$(cd "$(dirname "$0")/.." && pwd)
LAKESTREAM=${LAKESTREAM:-$HERE/build/release/lakestream}
SCHEMA="$HERE/schemas/nyc_taxi.avsc"
DUCK="$HERE/tools/js/duck.mjs"
work=$(mktemp -d)
broker_pid=""
cleanup() {
  exec 7>&- 2>/dev/null || true
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

mkfifo "$work/control"
"$LAKESTREAM" broker --brokers 1 --topic rides:$PARTITIONS <"$work/control" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
exec 7>"$work/control"
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")
"$LAKESTREAM" generate --rows "$ROWS" --seed 11 --output "$work/taxi.csv" 2>/dev/null
"$LAKESTREAM" produce --bootstrap "$B" --topic rides --schema "$SCHEMA" --input "$work/taxi.csv" \
  --partitioner random -X sticky.partitioning.linger.ms=0 2>"$work/produce.log"
tail -1 "$work/produce.log"
rm -f "$work/taxi.csv"
echo "date: $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg), rows $ROWS, partitions $PARTITIONS"

run() {
  local name=$1
  shift
  local out="$work/out-$name"
  /usr/bin/time -v "$LAKESTREAM" stream --bootstrap "$B" --topic rides --schema "$SCHEMA" --output "$out" \
    --trigger available-now --threads 2 --include-kafka-metadata "$@" >"$work/$name.progress" 2>"$work/$name.log"
  local rss wall files res
  rss=$(awk '/Maximum resident set size/ {print $6}' "$work/$name.log")
  wall=$(awk '/Elapsed \(wall clock\)/ {print $8}' "$work/$name.log")
  files=$(find "$out" -name '*.parquet' | wc -l)
  res=$(node "$DUCK" "SELECT count(*) AS n, count(DISTINCT (kafka_partition, kafka_offset)) AS d FROM read_parquet('$out/**/*.parquet', hive_partitioning=true)")
  printf '%-28s peak RSS %7d KiB (%6.1f MiB)  files %6d  wall %s  duckdb %s  flags: %s\n' "$name" "$rss" \
    "$(echo "$rss / 1024" | bc -l)" "$files" "$wall" "$res" "$*"
  rm -rf "$out"
}

run default
run partitioned-default-bound --partition-by PULocationID
run partitioned-small-bound --partition-by PULocationID --max-batch-bytes "$SMALL"
# Same bound, few directories (payment_type: ~6 values): separates what grows with the number of
# files per batch (the batch's file list: task results, the manifest and its JSON) from the bound.
run few-dirs-small-bound --partition-by payment_type --max-batch-bytes "$SMALL"
