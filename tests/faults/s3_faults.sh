#!/usr/bin/env bash
# S3 faults under produce (S3 input) and stream (S3 output), through tests/tools/s3_fault_proxy.py
# before a private RGW (docs/faults.md, rows S3-*):
#   transient (500, 503 SlowDown, reset mid-body, truncated body, stall past the request timeout):
#     ridden out by retries, exit 0;
#   permanent (403 InvalidAccessKeyId, 404 NoSuchBucket mid-run): one clear error line, exit 1;
#   the stream job restarted after them ends with every Kafka record exactly once (DuckDB), and
#   the rows equal the CSV's (so produce through faults lost and doubled nothing).
source "$(dirname "$0")/common.bash"
[ -n "${FAULTS_KEEP:-}" ] && echo "work dir $work"
ROWS=20000
PARTS=4
SEED=${FAULTS_SEED:-7}
echo "fault seed $SEED"

start_rgw
start_broker --brokers 1 --topic rides:$PARTS --topic scratch:1
aws s3 mb s3://faults-in >/dev/null
aws s3 mb s3://faults-out >/dev/null
"$LAKESTREAM" generate --rows $ROWS --seed 41 --output "$work/gen.csv" 2>/dev/null
head -n $((ROWS / 2 + 2)) "$work/gen.csv" | gzip -c >"$work/a.csv.gz"
{ head -n 2 "$work/gen.csv"; tail -n +$((ROWS / 2 + 3)) "$work/gen.csv"; } >"$work/b.csv"
aws s3 cp --only-show-errors "$work/a.csv.gz" s3://faults-in/taxi/a.csv.gz
aws s3 cp --only-show-errors "$work/b.csv" s3://faults-in/taxi/b.csv
want_sum=$($PY -c '
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline="")) if r.get("total_amount")]
print("%.2f" % sum(float(r["total_amount"]) for r in rows))' "$work/gen.csv")

# --- produce, transient faults on its S3 input: scripted on the first requests (LIST, then the
# GETs of both files), so every kind fires at least once, then a seeded rate.
note "produce x S3 transient faults"
start_proxy produce_transient --seed "$SEED" --script 1:503,2:500,3:reset,4:truncate,5:stall \
  --stall-seconds 4 --rate 0.2 --faults 500,503,reset,truncate
run_expect_rc 0 "$work/produce_transient.log" produce_csv rides s3://faults-in/taxi/ \
  --s3-endpoint "$PROXY_URL" --s3-request-timeout-ms 1500 --s3-max-retries 8
stop_proxy
grep -q "files 2, rows read $ROWS, produced $ROWS, rejected 0, failed 0" "$work/produce_transient.log" \
  || { cat "$work/produce_transient.log"; fail "produce summary"; }
n=$(faults_fired produce_transient)
[ "$n" -ge 5 ] || fail "only $n faults fired under produce"
record "produce: $n S3 faults injected ($(fault_kinds produce_transient)), all ridden out"

# --- produce, permanent faults: one clear line, exit 1.
note "produce x S3 403 (bad keys)"
start_proxy produce_403 --after 1 --permanent 403
run_expect_rc 1 "$work/produce_403.log" produce_csv scratch s3://faults-in/taxi/ --s3-endpoint "$PROXY_URL"
stop_proxy
expect_one_error "$work/produce_403.log" produce "InvalidAccessKeyId|403"
note "produce x S3 404 (bucket deleted mid-run)"
start_proxy produce_404 --after 1 --permanent 404
run_expect_rc 1 "$work/produce_404.log" produce_csv scratch s3://faults-in/taxi/ --s3-endpoint "$PROXY_URL"
stop_proxy
expect_one_error "$work/produce_404.log" produce "NoSuchBucket|404"
# Both failed before sending a record (the first GET was refused); the rerun sends each row once.
note "produce rerun without faults"
run_expect_rc 0 "$work/produce_rerun.log" produce_csv scratch s3://faults-in/taxi/
n=$(kcat -b "$B" -C -t scratch -o beginning -e -q -f 'x\n' | wc -l)
[ "$n" = $ROWS ] || fail "scratch topic holds $n records after the rerun, expected $ROWS"

OUT=s3://faults-out/rides
stream() {
  "$LAKESTREAM" stream --bootstrap "$B" --topic rides --schema "$SCHEMA" --output "$OUT" \
    --trigger available-now --max-offsets-per-trigger 1500 --include-kafka-metadata --threads 2 "$@"
}

# --- stream, transient faults at a seeded rate (every request kind can be hit: data PUTs,
# multipart, the conditional commit PUT, LISTs, GETs of the checkpoint).
note "stream x S3 transient faults"
start_proxy stream_transient --seed "$SEED" --rate 0.12 --faults 500,503,reset,truncate,stall \
  --stall-seconds 4 --script 2:503,3:reset,5:truncate,7:stall
run_expect_rc 0 "$work/stream_transient.log" stream --s3-endpoint "$PROXY_URL" \
  --s3-request-timeout-ms 1500 --s3-max-retries 8 --max-batches 4 --metrics-json "$work/m1.json"
stop_proxy
n=$(faults_fired stream_transient)
record "stream: $n S3 faults injected ($(fault_kinds stream_transient)), all ridden out; retries per API (errors/calls): $(metric_errors "$work/m1.json")"
[ "$n" -ge 4 ] || fail "only $n faults fired under stream"

# --- stream, permanent faults mid-run: one clear line, exit 1; then restarts.
note "stream x S3 403 mid-run"
start_proxy stream_403 --after 12 --permanent 403
run_expect_rc 1 "$work/stream_403.log" stream --s3-endpoint "$PROXY_URL"
stop_proxy
expect_one_error "$work/stream_403.log" stream "InvalidAccessKeyId|403"
note "stream x S3 404 NoSuchBucket mid-run"
start_proxy stream_404 --after 20 --permanent 404
run_expect_rc 1 "$work/stream_404.log" stream --s3-endpoint "$PROXY_URL"
stop_proxy
expect_one_error "$work/stream_404.log" stream "NoSuchBucket|404"

note "stream restarted without faults"
run_expect_rc 0 "$work/stream_final.log" stream --metrics-json "$work/m2.json"
fetch_committed "$OUT" "$work/data"
exactly_once "$work/data" $ROWS $PARTS
gapless "$work/data"
got=$(duck "SELECT printf('%.2f', sum(total_amount)) AS s FROM read_parquet('$work/data/*.parquet')")
[ "{\"s\":\"$want_sum\"}" = "$got" ] || fail "sum(total_amount): csv $want_sum, parquet $got"
echo "PASS: $ROWS records exactly once after transient and permanent S3 faults"
