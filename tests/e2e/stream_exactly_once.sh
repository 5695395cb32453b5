#!/usr/bin/env bash
# lakestream stream, exactly once under crashes, on the local filesystem: generate taxi rows,
# produce them to the dev broker, then run the stream job again and again, each run killed with
# SIGKILL right after its Nth object-store request (LAKESTREAM_CRASH_AFTER_S3_CALL, N drawn from
# a fixed seed), and finish with a clean run. DuckDB then finds every Kafka record exactly once
# among the committed files, and the output holds no other data file.
set -euo pipefail
LAKESTREAM=${LAKESTREAM:?path to the lakestream binary}
SRC=${LAKESTREAM_SOURCE_DIR:?}
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
DUCK="$SRC/tools/js/duck.mjs"
ROWS=${STREAM_E2E_ROWS:-30000}
PARTITIONS=6
SEED=${STREAM_E2E_SEED:-7}
CHECKPOINT_MODE=${STREAM_E2E_MODE:-conditional}

# shellcheck source=lib/rides_topic.bash
source "$SRC/tests/e2e/lib/rides_topic.bash"
start_rides_topic "$PARTITIONS" "$ROWS" 11

# STREAM_E2E_OUTPUT=s3://bucket/prefix runs the same test on S3 (with the AWS_* exports of
# scripts/rgw.sh); the committed files are then downloaded for DuckDB.
OUT=${STREAM_E2E_OUTPUT:-$work/out}
stream() {
  "$LAKESTREAM" stream --bootstrap "$B" --topic rides --schema "$SCHEMA" --output "$OUT" \
    --checkpoint-mode "$CHECKPOINT_MODE" --trigger available-now --max-offsets-per-trigger 500 \
    --include-kafka-metadata --threads 2 "$@"
}

echo "crash points from seed $SEED"
RANDOM=$SEED
crashes=0
for i in $(seq 1 8); do
  n=$(( (RANDOM % 60) + 1 ))
  set +e
  LAKESTREAM_CRASH_AFTER_S3_CALL=$n stream >"$work/progress.$i" 2>"$work/stream.$i.log"
  rc=$?
  set -e
  if [ $rc -eq 137 ]; then
    crashes=$((crashes + 1))
  elif [ $rc -ne 0 ]; then
    tail -5 "$work/stream.$i.log"; fail "run $i (crash after request $n) exited $rc"
  fi
  echo "run $i: crash after request $n -> exit $rc, $(wc -l <"$work/progress.$i") batches committed"
done
[ $crashes -ge 4 ] || fail "only $crashes runs crashed; crash hook not effective"

stream --metrics-json "$work/metrics.json" >"$work/progress.final" 2>"$work/stream.final.log" \
  || { cat "$work/stream.final.log"; fail "final run"; }
cat "$work/stream.final.log" | tail -n 30

# The committed files, and nothing else, in the output.
"$LAKESTREAM" files "$OUT" | sort >"$work/committed.txt"
[ -s "$work/committed.txt" ] || fail "no committed files"
if [[ "$OUT" == s3://* ]]; then
  bucket=${OUT#s3://}; bucket=${bucket%%/*}
  /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" s3 ls --recursive "$OUT/" | awk '{print $4}' \
    | grep '\.parquet$' | sed "s|^|s3://$bucket/|" | sort >"$work/listed.txt"
  mkdir -p "$work/dl"
  while read -r uri; do
    /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" s3 cp --quiet "$uri" "$work/dl/"
  done <"$work/committed.txt"
  DATA="$work/dl"
else
  sed -i 's|^file://||' "$work/committed.txt"
  find "$OUT" -name '*.parquet' | sort >"$work/listed.txt"
  DATA="$OUT"
fi
diff "$work/committed.txt" "$work/listed.txt" || fail "output holds files that are not committed (or misses committed ones)"

res=$(node "$DUCK" "SELECT count(*) AS n, count(DISTINCT (kafka_partition, kafka_offset)) AS d, min(kafka_offset) AS lo, count(DISTINCT kafka_partition) AS p FROM read_parquet('$DATA/*.parquet')")
echo "duckdb: $res"
[ "$res" = "{\"n\":\"$ROWS\",\"d\":\"$ROWS\",\"lo\":\"0\",\"p\":\"$PARTITIONS\"}" ] || fail "expected $ROWS rows exactly once, got $res"
# Per partition the offsets are exactly 0..count-1 (nothing skipped, nothing twice).
gaps=$(node "$DUCK" "SELECT count(*) AS bad FROM (SELECT kafka_partition, max(kafka_offset) + 1 - count(*) AS gap FROM read_parquet('$DATA/*.parquet') GROUP BY 1) WHERE gap <> 0")
[ "$gaps" = '{"bad":"0"}' ] || fail "offset gaps: $gaps"
# And the values match the CSV: sum of total_amount, computed by DuckDB from the input too.
# (The CSV is summed by python3's csv module: the generator's blank line after the header and
# CRLF endings mirror the 2017-2018 files and defeat DuckDB's CSV sniffer.)
want=$(/usr/bin/python3 -c '
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline="")) if r.get("total_amount")]
print("%.2f" % sum(float(r["total_amount"]) for r in rows))' "$work/taxi.csv")
got=$(node "$DUCK" "SELECT printf('%.2f', sum(total_amount)) AS s FROM read_parquet('$DATA/*.parquet')")
[ "{\"s\":\"$want\"}" = "$got" ] || fail "sum(total_amount): csv $want, parquet $got"
echo "OK: $ROWS records exactly once after $crashes crashes ($CHECKPOINT_MODE)"
