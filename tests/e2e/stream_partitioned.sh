#!/usr/bin/env bash
# lakestream stream with Hive-style output partitioning and a small memory bound, on the local
# filesystem: 50k taxi rows over 8 Kafka partitions, written --partition-by PULocationID (265
# directories, so about 2,100 files per batch) with --max-batch-bytes 16MiB, once killed mid-batch
# (LAKESTREAM_CRASH_AFTER_S3_CALL) and restarted; then again --partition-by-time
# tpep_pickup_datetime (dt=/hr=). DuckDB (hive_partitioning=true) must find every Kafka record
# exactly once with the right partition values, `lakestream files` must list exactly the files on
# disk, and the peak RSS of the partitioned run must stay under the RSS of an unpartitioned run
# with default settings + the bound + 16 MiB (the fixed overhead documented in
# src/stream/README.md).
set -euo pipefail
LAKESTREAM=${LAKESTREAM:?path to the lakestream binary}
SRC=${LAKESTREAM_SOURCE_DIR:?}
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
DUCK="$SRC/tools/js/duck.mjs"
ROWS=${STREAM_E2E_ROWS:-50000}
PARTITIONS=8
BOUND_MIB=16
SLACK_MIB=16

work=$(mktemp -d)
broker_pid=""
cleanup() {
  exec 7>&- 2>/dev/null || true
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkfifo "$work/control"
"$LAKESTREAM" broker --brokers 1 --topic rides:$PARTITIONS --topic few:1 <"$work/control" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
exec 7>"$work/control"
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")
[ -n "$B" ] || fail "broker did not start"

"$LAKESTREAM" generate --rows "$ROWS" --seed 11 --output "$work/taxi.csv" 2>/dev/null
"$LAKESTREAM" produce --bootstrap "$B" --topic rides --schema "$SCHEMA" --input "$work/taxi.csv" --partitioner random -X sticky.partitioning.linger.ms=0 \
  2>"$work/produce.log" || { cat "$work/produce.log"; fail "produce"; }

# stream NAME OUTPUT [flags...]: one run under /usr/bin/time; peak RSS (KiB) in $work/NAME.rss.
stream() {
  local name=$1 out=$2
  shift 2
  /usr/bin/time -f "%M" -o "$work/$name.rss" "$LAKESTREAM" stream --bootstrap "$B" --topic rides --schema "$SCHEMA" \
    --output "$out" --trigger available-now --max-offsets-per-trigger 25000 --include-kafka-metadata --threads 2 "$@" \
    >"$work/$name.progress" 2>"$work/$name.log"
}

# Baseline: the same data, no partitioning, default settings.
stream baseline "$work/flat" || { tail -5 "$work/baseline.log"; fail "baseline run"; }

# Partitioned, killed after its 1000th store request (inside the first batch's ~2,100 files),
# then restarted: recovery must remove the dead attempt's files from their directories.
OUT="$work/out"
set +e
LAKESTREAM_CRASH_AFTER_S3_CALL=1000 stream crash "$OUT" --partition-by PULocationID --max-batch-bytes ${BOUND_MIB}MiB
rc=$?
set -e
[ $rc -eq 137 ] || { tail -5 "$work/crash.log"; fail "the crash run exited $rc, expected 137 (SIGKILL)"; }
left=$(find "$OUT" -name '*.parquet' | wc -l)
echo "crash run: killed after request 1000, $left data files left behind"
stream part "$OUT" --partition-by PULocationID --max-batch-bytes ${BOUND_MIB}MiB \
  || { tail -5 "$work/part.log"; fail "partitioned run"; }
grep -q "removed\|uncommitted" "$work/part.log" || true

# Exactly the committed files on disk.
"$LAKESTREAM" files "$OUT" | sed 's|^file://||' | sort >"$work/committed.txt"
find "$OUT" -name '*.parquet' | sort >"$work/listed.txt"
[ -s "$work/committed.txt" ] || fail "no committed files"
diff "$work/committed.txt" "$work/listed.txt" >/dev/null || fail "output holds files that are not committed (or misses committed ones)"
grep -q '/PULocationID=[0-9]*/rides-' "$work/committed.txt" || fail "no Hive directory in $(head -1 "$work/committed.txt")"

Q="read_parquet('$OUT/**/*.parquet', hive_partitioning=true)"
res=$(node "$DUCK" "SELECT count(*) AS n, count(DISTINCT (kafka_partition, kafka_offset)) AS d, count(DISTINCT PULocationID) AS z FROM $Q")
echo "duckdb (PULocationID=): $res"
[ "$res" = "{\"n\":\"$ROWS\",\"d\":\"$ROWS\",\"z\":\"265\"}" ] || fail "expected $ROWS rows exactly once over 265 directories, got $res"
# Every directory's rows are the CSV's rows of that PULocationID (count and sum of total_amount).
want=$(/usr/bin/python3 -c '
import csv, sys, collections
n, s = collections.Counter(), collections.Counter()
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r.get("total_amount"):
        z = int(r["PULocationID"]); n[z] += 1; s[z] += float(r["total_amount"])
print(",".join("%d:%d:%.2f" % (z, n[z], s[z]) for z in sorted(n)))' "$work/taxi.csv")
got=$(node "$DUCK" "SELECT string_agg(z || ':' || n || ':' || printf('%.2f', s), ',' ORDER BY z) AS a FROM (SELECT PULocationID AS z, count(*) AS n, sum(total_amount) AS s FROM $Q GROUP BY 1)")
[ "$got" = "{\"a\":\"$want\"}" ] || fail "per-PULocationID counts and sums differ from the CSV"

# The memory bound.
base=$(tail -1 "$work/baseline.rss")
peak=$(tail -1 "$work/part.rss")
limit=$((base + (BOUND_MIB + SLACK_MIB) * 1024))
files=$(wc -l <"$work/committed.txt")
echo "peak RSS: baseline $base KiB, partitioned $peak KiB (limit $limit KiB = baseline + ${BOUND_MIB} MiB bound + ${SLACK_MIB} MiB), $files files"
[ "$peak" -le "$limit" ] || fail "peak RSS $peak KiB over $limit KiB"

# Kafka-time directories (UTC) over the same 50k records.
OUT2="$work/bykafkatime"
stream ktime "$OUT2" --partition-by-time kafka_timestamp || { tail -5 "$work/ktime.log"; fail "kafka-time run"; }
Q2="read_parquet('$OUT2/**/*.parquet', hive_partitioning=true)"
res=$(node "$DUCK" "SELECT count(*) AS n, count(DISTINCT (kafka_partition, kafka_offset)) AS d, count(*) FILTER (WHERE datediff('day', DATE '1970-01-01', dt) <> epoch_ms(kafka_timestamp) // 86400000 OR hr <> (epoch_ms(kafka_timestamp) // 3600000) % 24) AS wrong FROM $Q2")
echo "duckdb (dt=/hr= of kafka_timestamp): $res"
[ "$res" = "{\"n\":\"$ROWS\",\"d\":\"$ROWS\",\"wrong\":\"0\"}" ] || fail "kafka-time partitions: expected $ROWS rows, none misplaced, got $res"

# Event-time directories from the pickup time string: a small topic, since 2017-2018 pickups
# spread over ~17,000 hours (one file per hour per task).
FEW=400
"$LAKESTREAM" generate --rows $FEW --seed 12 --output "$work/few.csv" 2>/dev/null
"$LAKESTREAM" produce --bootstrap "$B" --topic few --schema "$SCHEMA" --input "$work/few.csv" \
  2>"$work/produce-few.log" || { cat "$work/produce-few.log"; fail "produce few"; }
OUT3="$work/bypickup"
"$LAKESTREAM" stream --bootstrap "$B" --topic few --schema "$SCHEMA" --output "$OUT3" --trigger available-now \
  --include-kafka-metadata --partition-by-time tpep_pickup_datetime >/dev/null 2>"$work/pickup.log" \
  || { tail -5 "$work/pickup.log"; fail "pickup-time run"; }
Q3="read_parquet('$OUT3/**/*.parquet', hive_partitioning=true)"
res=$(node "$DUCK" "SELECT count(*) AS n, count(DISTINCT kafka_offset) AS d, count(DISTINCT (dt, hr)) > 100 AS spread, count(*) FILTER (WHERE CAST(dt AS VARCHAR) <> substr(tpep_pickup_datetime, 1, 10) OR hr <> CAST(substr(tpep_pickup_datetime, 12, 2) AS INTEGER)) AS wrong FROM $Q3")
echo "duckdb (dt=/hr= of tpep_pickup_datetime): $res"
[ "$res" = "{\"n\":\"$FEW\",\"d\":\"$FEW\",\"spread\":true,\"wrong\":\"0\"}" ] || fail "pickup-time partitions: expected $FEW rows, none misplaced, got $res"
echo "OK: records exactly once in Hive directories (PULocationID=, dt=/hr=), peak RSS $peak KiB <= $limit KiB"
