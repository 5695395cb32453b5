#!/usr/bin/env bash
# `lakestream produce` stopped by a signal mid-run, with --http-port scraped while it runs:
#  - the scrape (/metrics) passes `promtool check metrics`; /healthz and /readyz answer 200;
#  - SIGINT: exit 130, the summary says "interrupted", and the number of records in the topic
#    (counted with kcat) equals the summary's "produced" (only acknowledged records are claimed,
#    and everything acknowledged is there); fewer than all rows were produced;
#  - SIGTERM: the same with exit 143;
#  - SIGINT after all input was read, while the job waits for the last acknowledgements (the
#    broker slowed down by a 3 s round trip): the wait is cut short, exit 130, same count check.
set -euo pipefail
BIN=${LAKESTREAM:?path to the lakestream binary}
SRC=${LAKESTREAM_SOURCE_DIR:?}
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
ROWS=1500000
command -v kcat >/dev/null || { echo "kcat not installed"; exit 1; }
command -v promtool >/dev/null || { echo "promtool not installed (Debian package prometheus)"; exit 1; }

work=$(mktemp -d /tmp/ls-e2e-interrupt.XXXXXX)
broker_pid=""
prod_pid=""
cleanup() {
  # (an `a && b` whose b fails would end this trap early under set -e, leaving the broker)
  if [ -n "$prod_pid" ]; then kill -KILL "$prod_pid" 2>/dev/null || true; fi
  exec 7>&- 2>/dev/null || true
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "produce_interrupt: FAIL: $*" >&2; exit 1; }

# 128 partitions: records spread evenly (the job's default for keyless records), far below the
# dev broker's ~5 MiB retention per partition even if the whole file got through.
mkfifo "$work/control"
"$BIN" broker --brokers 1 --topic int:128 --topic term:128 --topic slow:16 \
  <"$work/control" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
exec 7>"$work/control"
for _ in $(seq 300); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")
[ -n "$B" ] || fail "broker did not start"
"$BIN" generate --rows "$ROWS" --seed 21 --output "$work/big.csv" 2>/dev/null

metric() { awk -v n="$1" '$1 == n {print $2}' "$2"; }

# run TOPIC SIGNAL EXPECTED_EXIT: starts produce, waits until its metrics show rows produced,
# sends the signal, and checks exit status, summary and topic.
run() {
  local topic=$1 sig=$2 want_rc=$3 port="" rc=0
  "$BIN" produce --bootstrap "$B" --topic "$topic" --schema "$SCHEMA" --input "$work/big.csv" \
    --http-port 0 --progress-interval 1 2>"$work/$topic.log" &
  prod_pid=$!
  for _ in $(seq 300); do
    port=$(sed -n 's/.*serving \/metrics, \/healthz and \/readyz on port \([0-9]*\).*/\1/p' "$work/$topic.log")
    [ -n "$port" ] && break
    kill -0 "$prod_pid" 2>/dev/null || { cat "$work/$topic.log" >&2; fail "$topic: produce exited early"; }
    sleep 0.1
  done
  [ -n "$port" ] || fail "$topic: no metrics port logged"
  local url="http://127.0.0.1:$port" produced=0
  for _ in $(seq 600); do
    curl -s "$url/metrics" >"$work/$topic.metrics" || true
    produced=$(metric lakestream_produce_rows_produced_total "$work/$topic.metrics")
    [ "${produced:-0}" -gt 0 ] && break
    sleep 0.05
  done
  [ "${produced:-0}" -gt 0 ] || fail "$topic: metrics never showed a produced row"
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")" = 200 ] || fail "$topic: /healthz"
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz")" = 200 ] || fail "$topic: /readyz"
  kill "-$sig" "$prod_pid"
  wait "$prod_pid" || rc=$?
  prod_pid=""
  promtool check metrics <"$work/$topic.metrics" || fail "$topic: promtool rejected the scrape"
  for m in rows_read_total rows_produced_total rows_rejected_total rows_failed_total \
    input_bytes_total avro_bytes_total in_flight_messages rows_per_second; do
    grep -q "^lakestream_produce_$m " "$work/$topic.metrics" || fail "$topic: no lakestream_produce_$m"
  done
  [ "$rc" = "$want_rc" ] || { tail -5 "$work/$topic.log" >&2; fail "$topic: exit $rc after SIG$sig, want $want_rc"; }
  local summary
  summary=$(grep "rows read" "$work/$topic.log" | tail -1)
  echo "$topic: $summary"
  grep -q "interrupted" <<<"$summary" || fail "$topic: summary does not say interrupted"
  local claimed
  claimed=$(sed -n 's/.*, produced \([0-9]*\),.*/\1/p' <<<"$summary")
  [ -n "$claimed" ] || fail "$topic: no produced count in the summary"
  [ "$claimed" -ge "$produced" ] || fail "$topic: summary produced $claimed < scraped $produced"
  [ "$claimed" -lt "$ROWS" ] || fail "$topic: all $ROWS rows produced before SIG$sig (not interrupted mid-run)"
  local in_topic
  in_topic=$(kcat -b "$B" -C -t "$topic" -o beginning -e -q -f 'x\n' | wc -l)
  [ "$in_topic" = "$claimed" ] || fail "$topic: $in_topic records in the topic, summary claims $claimed"
  echo "$topic: SIG$sig -> exit $rc, $claimed produced = $in_topic in the topic"
}

run int INT 130
run term TERM 143

# The final wait: every row read, none acknowledged yet (3 s round trips), then SIGINT. The file
# is one block (~1.8 MB < the 4 MiB block size), so a non-zero row count means all of it was read.
head -n 20001 "$work/big.csv" >"$work/small.csv"
echo "rtt all 3000" >&7
"$BIN" produce --bootstrap "$B" --topic slow --schema "$SCHEMA" --input "$work/small.csv" \
  --http-port 0 2>"$work/slow.log" &
prod_pid=$!
waiting=""
for _ in $(seq 600); do
  port=$(sed -n 's/.*serving \/metrics, \/healthz and \/readyz on port \([0-9]*\).*/\1/p' "$work/slow.log")
  if [ -n "$port" ]; then
    curl -s "http://127.0.0.1:$port/metrics" >"$work/slow.metrics" || true
    if [ "$(metric lakestream_produce_rows_read_total "$work/slow.metrics")" -gt 0 ] &&
      [ "$(metric lakestream_produce_in_flight_messages "$work/slow.metrics")" -gt 0 ]; then
      waiting=yes
      break
    fi
  fi
  kill -0 "$prod_pid" 2>/dev/null || break
  sleep 0.05
done
[ -n "$waiting" ] || { cat "$work/slow.log" "$work/slow.metrics" >&2; fail "slow: never saw all rows read with records in flight"; }
rc=0
kill -INT "$prod_pid"
wait "$prod_pid" || rc=$?
prod_pid=""
echo "rtt all 0" >&7
[ "$rc" = 130 ] || { tail -5 "$work/slow.log" >&2; fail "slow: exit $rc after SIGINT, want 130"; }
grep -q "stopped on request while waiting for the last deliveries" "$work/slow.log" \
  || { tail -5 "$work/slow.log" >&2; fail "slow: not stopped in the final wait"; }
claimed=$(sed -n 's/.*rows read [0-9]*, produced \([0-9]*\),.*/\1/p' "$work/slow.log" | tail -1)
in_topic=$(kcat -b "$B" -C -t slow -o beginning -e -q -f 'x\n' | wc -l)
[ "$in_topic" = "$claimed" ] || fail "slow: $in_topic records in the topic, summary claims $claimed"
echo "slow: SIGINT in the final wait -> exit 130, $claimed produced = $in_topic in the topic"
echo "produce_interrupt: OK"
