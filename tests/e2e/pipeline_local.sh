#!/usr/bin/env bash
# First end-to-end slice (issue 2): generated CSV -> produce (Avro) -> dev broker -> stream ->
# Parquet on the local filesystem. DuckDB (independent reader) compares the Parquet with the CSV:
# row count, per-column sums, and the exact values of sampled rows.
set -euo pipefail
BIN="${LAKESTREAM:?}"
SRC="${LAKESTREAM_SOURCE_DIR:?}"
WORK="$(mktemp -d /tmp/ls-e2e-pipeline.XXXXXX)"
ROWS=60000
PARTS=6
TOPIC=taxi
DUCK="node $SRC/tools/js/duck.mjs"
cleanup() { [ -n "${BROKER_PID:-}" ] && kill "$BROKER_PID" 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "pipeline_local: FAIL: $*" >&2; exit 1; }

coproc BROKER { exec "$BIN" broker --topic "$TOPIC:$PARTS" 2>"$WORK/broker.log"; }
BROKER_PID=$BROKER_PID
read -r -t 30 BOOTSTRAP <&"${BROKER[0]}" || fail "broker did not print its bootstrap address"

"$BIN" generate --rows "$ROWS" --seed 7 --output "$WORK/taxi.csv"
"$BIN" produce --bootstrap "$BOOTSTRAP" --topic "$TOPIC" --schema "$SRC/schemas/nyc_taxi.avsc" \
  --input "$WORK/taxi.csv" --partitioner random -X sticky.partitioning.linger.ms=0 2>"$WORK/produce.log" || { cat "$WORK/produce.log" >&2; fail "produce"; }
"$BIN" stream --bootstrap "$BOOTSTRAP" --topic "$TOPIC" --schema "$SRC/schemas/nyc_taxi.avsc" \
  --output "$WORK/out" --checkpoint "$WORK/ckpt" --trigger available-now --include-kafka-metadata \
  >"$WORK/progress.jsonl" 2>"$WORK/stream.log" || { cat "$WORK/stream.log" >&2; fail "stream"; }

"$BIN" files "$WORK/out" | sed 's#^file://##' > "$WORK/files.txt"
[ -s "$WORK/files.txt" ] || fail "no committed files"
LIST=$(sed "s#.*#'&'#" "$WORK/files.txt" | paste -sd, -)
# DuckDB's CSV sniffer rejects the TLC quirks (blank CRLF line after the header); give it the same
# rows without them.
tr -d '\r' < "$WORK/taxi.csv" | grep -v '^$' > "$WORK/plain.csv"
AGG="count(*) AS n, sum(VendorID) AS v, sum(PULocationID) AS pu, sum(DOLocationID) AS do_, sum(payment_type) AS pt,
     round(sum(passenger_count)::DOUBLE,4) AS pc, round(sum(trip_distance),4) AS td, round(sum(RatecodeID)::DOUBLE,4) AS rc,
     round(sum(fare_amount),4) AS fa, round(sum(extra),4) AS ex, round(sum(mta_tax),4) AS mt,
     round(sum(tip_amount),4) AS ti, round(sum(tolls_amount),4) AS tl, round(sum(improvement_surcharge),4) AS im,
     round(sum(total_amount),4) AS tt, count(DISTINCT tpep_pickup_datetime) AS dp, count(DISTINCT store_and_fwd_flag) AS sf"
P=$($DUCK "SELECT $AGG FROM read_parquet([$LIST])")
C=$($DUCK "SELECT $AGG FROM read_csv('$WORK/plain.csv', header=true, all_varchar=false)")
[ "$P" = "$C" ] || fail "aggregates differ: parquet=$P csv=$C"
echo "$P" | grep -q "\"n\":$ROWS\b\|\"n\":\"$ROWS\"" || fail "row count is not $ROWS: $P"
# Exactly once by Kafka coordinates.
D=$($DUCK "SELECT count(*) AS dup FROM (SELECT kafka_partition, kafka_offset FROM read_parquet([$LIST]) GROUP BY 1,2 HAVING count(*) > 1)")
[ "$D" = '{"dup":"0"}' ] || [ "$D" = '{"dup":0}' ] || fail "duplicate (partition, offset): $D"
# Sampled rows, value for value: every row of the CSV appears in the Parquet (EXCEPT ALL leaves nothing).
COLS="VendorID, tpep_pickup_datetime, tpep_dropoff_datetime, passenger_count, trip_distance, RatecodeID, store_and_fwd_flag, PULocationID, DOLocationID, payment_type, fare_amount, extra, mta_tax, tip_amount, tolls_amount, improvement_surcharge, total_amount"
M=$($DUCK "SELECT count(*) AS missing FROM (SELECT $COLS FROM read_csv('$WORK/plain.csv', header=true, types={'tpep_pickup_datetime':'VARCHAR','tpep_dropoff_datetime':'VARCHAR'}) USING SAMPLE 2000 ROWS (reservoir, 11) EXCEPT ALL SELECT $COLS FROM read_parquet([$LIST]))")
[ "$M" = '{"missing":"0"}' ] || [ "$M" = '{"missing":0}' ] || fail "sampled CSV rows missing from Parquet: $M"
echo "pipeline_local: OK: $P"
