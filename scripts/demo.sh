#!/usr/bin/env bash
# The whole pipeline on embedded defaults, as the seed runs it, on one machine:
#   dev broker (librdkafka mock cluster, topic nyc-avro-topic with 10 partitions)
#   -> generate taxi CSV -> lakestream produce (CSV -> Avro -> Kafka)
#   -> lakestream stream (Kafka -> Parquet on the local filesystem, checkpointed) until caught up
#   -> DuckDB checks the Parquet against the CSV.
# Sizing: the dev broker keeps only ~5 MB per partition (hard-coded in librdkafka), so the default
# 200,000 rows (~26 MB of Avro, spread record by record over 10 partitions) stay well under it.
# Override with DEMO_ROWS.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${LAKESTREAM:-$ROOT/build/release/lakestream}"
ROWS="${DEMO_ROWS:-200000}"
PARTITIONS=10
TOPIC=nyc-avro-topic
WORK="${DEMO_DIR:-$ROOT/out/demo}"
rm -rf "$WORK"
mkdir -p "$WORK"

say() { printf '\033[1m== %s\033[0m\n' "$*"; }

say "starting the dev broker (topic $TOPIC, $PARTITIONS partitions)"
coproc BROKER { exec "$BIN" broker --topic "$TOPIC:$PARTITIONS" 2>"$WORK/broker.log"; }
BROKER_PID=$BROKER_PID
trap 'kill $BROKER_PID 2>/dev/null || true; wait $BROKER_PID 2>/dev/null || true' EXIT
read -r -t 30 BOOTSTRAP <&"${BROKER[0]}"
say "broker up at $BOOTSTRAP"

say "generating $ROWS NYC taxi trips (seeded) into $WORK/taxi.csv"
"$BIN" generate --rows "$ROWS" --seed 42 --output "$WORK/taxi.csv"

say "producing CSV -> Avro -> Kafka"
"$BIN" produce --bootstrap "$BOOTSTRAP" --topic "$TOPIC" --schema "$ROOT/schemas/nyc_taxi.avsc" \
  --input "$WORK/taxi.csv" --partitioner random -X sticky.partitioning.linger.ms=0

say "streaming Kafka -> Parquet until caught up (trigger available-now)"
START=$(date +%s.%N)
"$BIN" stream --bootstrap "$BOOTSTRAP" --topic "$TOPIC" --schema "$ROOT/schemas/nyc_taxi.avsc" \
  --output "$WORK/parquet" --checkpoint "$WORK/checkpoint" --trigger available-now \
  --metrics-json "$WORK/metrics.json" | tee "$WORK/progress.jsonl"
END=$(date +%s.%N)

say "checking the output with DuckDB (an independent reader)"
"$BIN" files "$WORK/parquet" > "$WORK/files.txt"
FILES=$(wc -l < "$WORK/files.txt")
BYTES=$(sed 's#^file://##' "$WORK/files.txt" | xargs stat -c %s | awk '{s+=$1} END {print s+0}')
DUCK="node $ROOT/tools/js/duck.mjs"
LIST=$(sed "s#^file://##; s#.*#'&'#" "$WORK/files.txt" | paste -sd, -)
# DuckDB's CSV sniffer rejects the TLC quirks (a blank CRLF line after the header): same rows without them.
tr -d '\r' < "$WORK/taxi.csv" | grep -v '^$' > "$WORK/plain.csv"
PARQ=$($DUCK "SELECT count(*) AS n, round(sum(total_amount),2) AS total, sum(PULocationID) AS pu FROM read_parquet([$LIST])")
CSV=$($DUCK "SELECT count(*) AS n, round(sum(total_amount),2) AS total, sum(PULocationID) AS pu FROM read_csv('$WORK/plain.csv', header=true)")
echo "parquet: $PARQ"
echo "csv:     $CSV"
ROWS_PARQUET=$(echo "$PARQ" | sed -E 's/.*"n":"?([0-9]+)"?.*/\1/')
ELAPSED=$(echo "$END - $START" | bc)
say "summary"
printf '  rows produced      %s\n  rows in Parquet    %s\n  files              %s\n  bytes              %s\n  stream elapsed     %.2f s\n  stream rows/s      %.0f\n' \
  "$ROWS" "$ROWS_PARQUET" "$FILES" "$BYTES" "$ELAPSED" "$(echo "$ROWS_PARQUET / $ELAPSED" | bc -l)"
if [ "$PARQ" != "$CSV" ]; then
  echo "demo: FAILED: Parquet output differs from the CSV input" >&2
  exit 1
fi
say "demo OK: every row arrived exactly once"
