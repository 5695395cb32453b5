#!/usr/bin/env bash
# Kafka faults under produce and stream, injected through `lakestream broker`'s control protocol
# (docs/faults.md, rows K-*): brokers down and up, pushed request errors, a leader change, a
# slow broker (RTT) are ridden out by both jobs, in one stream process that keeps running through
# all of them; offsets lost to retention stop the stream with --fail-on-data-loss true (one clear
# line) and are skipped, counted and reported with false. DuckDB then finds every record that
# was still in Kafka exactly once.
source "$(dirname "$0")/common.bash"
[ -n "${FAULTS_KEEP:-}" ] && echo "work dir $work"
CHUNK=6000
PARTS=6

start_broker --brokers 3 --topic rides:$PARTS --topic lossy:1
"$LAKESTREAM" generate --rows $((CHUNK * 3)) --seed 51 --output "$work/gen.csv" 2>/dev/null
H=$(head -n 2 "$work/gen.csv")
for i in 1 2 3; do
  { echo "$H"; tail -n +3 "$work/gen.csv" | sed -n "$(((i - 1) * CHUNK + 1)),$((i * CHUNK))p"; } >"$work/c$i.csv"
done

# One stream process for the whole run: it must ride out every fault below.
OUT="$work/out"
"$LAKESTREAM" stream --bootstrap "$B" --topic rides --schema "$SCHEMA" --output "$OUT" \
  --trigger 300ms --max-offsets-per-trigger 2000 --include-kafka-metadata --threads 2 \
  -X reconnect.backoff.max.ms=500 --metrics-json "$work/metrics.json" \
  >"$work/progress.jsonl" 2>"$work/stream.log" &
stream_pid=$!
pids+=("$stream_pid")
rows_streamed() {
  $PY -c '
import json, sys
print(sum(json.loads(l)["numOutputRows"] for l in open(sys.argv[1]) if l.startswith("{")))' "$work/progress.jsonl"
}
# wait_rows N: until the stream committed N rows (or 90 s), failing if it died.
wait_rows() {
  for _ in $(seq 900); do
    kill -0 "$stream_pid" 2>/dev/null || { tail -20 "$work/stream.log"; fail "stream died"; }
    [ "$(rows_streamed)" -ge "$1" ] && return 0
    sleep 0.1
  done
  tail -20 "$work/stream.log"
  fail "stream committed $(rows_streamed) rows, expected $1"
}

note "produce x all brokers down at start, up after 3 s; stream x the same outage"
control broker-down all
produce_csv rides "$work/c1.csv" >"$work/p1.log" 2>&1 &
p1=$!
sleep 3
control broker-up all
wait $p1 || { cat "$work/p1.log"; fail "produce through the outage"; }
grep -q "produced $CHUNK, rejected 0, failed 0" "$work/p1.log" || { cat "$work/p1.log"; fail "p1 summary"; }
wait_rows $CHUNK

note "produce x 20 Produce errors (NOT_LEADER_FOR_PARTITION); stream x 20 Fetch errors"
control errors Produce 20 NOT_LEADER_FOR_PARTITION
control errors Fetch 20 NOT_LEADER_FOR_PARTITION
run_expect_rc 0 "$work/p2.log" produce_csv rides "$work/c2.csv"
grep -q "produced $CHUNK, rejected 0, failed 0" "$work/p2.log" || { cat "$work/p2.log"; fail "p2 summary"; }
wait_rows $((CHUNK * 2))

note "produce and stream x leader changes and a 400 ms RTT on every broker"
control rtt all 400
for p in 0 1 2 3 4 5; do control leader rides $p $(((p + 1) % 3 + 1)); done
run_expect_rc 0 "$work/p3.log" produce_csv rides "$work/c3.csv"
grep -q "produced $CHUNK, rejected 0, failed 0" "$work/p3.log" || { cat "$work/p3.log"; fail "p3 summary"; }
control rtt all 0
wait_rows $((CHUNK * 3))

kill -TERM "$stream_pid"
set +e
wait "$stream_pid"
rc=$?
set -e
[ "$rc" = 0 ] || { tail -20 "$work/stream.log"; fail "stream exited $rc after the faults"; }
fetch_committed "$OUT" "$work/data"
exactly_once "$work/data" $((CHUNK * 3)) $PARTS
gapless "$work/data"
want=$($PY -c '
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline="")) if r.get("total_amount")]
print("%.2f" % sum(float(r["total_amount"]) for r in rows))' "$work/gen.csv")
got=$(duck "SELECT printf('%.2f', sum(total_amount)) AS s FROM read_parquet('$work/data/*.parquet')")
[ "{\"s\":\"$want\"}" = "$got" ] || fail "sum(total_amount): csv $want, parquet $got"
record "kafka: 1 full outage (3 s), 20 Produce + 20 Fetch errors, 6 leader changes, 400 ms RTT ridden out by produce and one stream process; $((CHUNK * 3)) records exactly once"

note "stream x offsets lost to retention"
LOUT="$work/lossy"
lstream() {
  "$LAKESTREAM" stream --bootstrap "$B" --topic lossy --schema "$SCHEMA" --output "$LOUT" \
    --trigger available-now --include-kafka-metadata "$@"
}
{ echo "$H"; sed -n 3,2002p "$work/gen.csv"; } >"$work/l1.csv"
{ echo "$H"; sed -n 2003,3002p "$work/gen.csv"; } >"$work/l2.csv"
{ echo "$H"; sed -n 3003,3502p "$work/gen.csv"; } >"$work/l3.csv"
produce_csv lossy "$work/l1.csv" 2>/dev/null
run_expect_rc 0 "$work/l_first.log" lstream
produce_csv lossy "$work/l2.csv" 2>/dev/null   # offsets 2000..2999: never read, then expired
control expire lossy 0
produce_csv lossy "$work/l3.csv" 2>/dev/null
low=$(kcat -b "$B" -Q -t lossy:0:-2 2>/dev/null | awk '{print $NF}')
echo "   log start offset after expire: $low"
run_expect_rc 1 "$work/l_true.log" lstream --fail-on-data-loss true
expect_one_error "$work/l_true.log" stream "lossy/0: offsets \[2000, [0-9]+\) were removed by retention"
run_expect_rc 0 "$work/l_false.log" lstream --fail-on-data-loss false
grep -q "data loss: lossy/0: offsets \[2000, " "$work/l_false.log" || { cat "$work/l_false.log"; fail "no data-loss warning"; }
lost=$(grep -o '"lostOffsets":[0-9]*' "$work/l_false.log" | head -1 | cut -d: -f2 || true)
[ -z "$lost" ] && lost=$(sed -n 's/.*, \([0-9]*\) offsets lost to retention.*/\1/p' "$work/l_false.log")
[ "${lost:-0}" -ge 1000 ] || { cat "$work/l_false.log"; fail "lost offsets '$lost'"; }
fetch_committed "$LOUT" "$work/ldata"
# The 2000 read before and the 500 produced after the loss, once each; none of the lost ones.
exactly_once "$work/ldata" 2500 1
res=$(duck "SELECT count(*) AS n FROM read_parquet('$work/ldata/*.parquet') WHERE kafka_offset BETWEEN 2000 AND 2999")
[ "$res" = '{"n":"0"}' ] || fail "lost offsets appear in the output: $res"
record "retention: $lost offsets lost; failOnDataLoss=true stopped with one line, false skipped and counted them; 2500 surviving records exactly once"
echo "PASS"
