#!/usr/bin/env bash
# Consumer-group scale-out under churn (issue 9), on the local filesystem (REBALANCE_OUTPUT=s3 runs
# it on a private RGW instead: stream_rebalance_s3.sh). 600k taxi records on 32 partitions of the
# dev broker; workers in one group (-X session.timeout.ms=6000):
#   W1 W2 W3 start; W1 is killed with SIGKILL mid-run; W4 joins; W2 is stopped with SIGSTOP past
#   the session timeout and resumed once its partitions were reassigned (a zombie: its in-flight
#   commit must be refused and logged "fenced"); W3 and W4 stop with SIGTERM; W2 and a fifth
#   worker with large batches finish.
# The brokers answer 50 ms late during the churn (see below), so the backlog outlasts it.
# Judged by DuckDB: every record exactly once (count, distinct (partition, offset), no offset gap,
# sum of total_amount against the CSV), no uncommitted data file left. /metrics scraped during the
# run passes promtool; lag 0 on every partition at the end, in the workers' metrics and in the
# offsets written back to the group (read with kafkajs).
set -euo pipefail
BIN="${LAKESTREAM:?}"
SRC="${LAKESTREAM_SOURCE_DIR:?}"
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
DUCK="$SRC/tools/js/duck.mjs"
ROWS=${REBALANCE_ROWS:-600000}
PARTITIONS=32
KIND=${REBALANCE_OUTPUT:-local}
TRIGGER=0ms
GROUP="rebalance-$$"
WORK="$(mktemp -d /tmp/ls-e2e-rebalance.XXXXXX)"
declare -A PID
rgw_port=""
rgw_dir=""
T0=$(date +%s)
say() { echo "stream_rebalance[$KIND] +$(($(date +%s) - T0))s: $*"; }
fail() {
  echo "stream_rebalance[$KIND]: FAIL: $*" >&2
  if [ -n "${REBALANCE_KEEP:-}" ] && command -v gdb >/dev/null; then
    mkdir -p "$REBALANCE_KEEP"
    for i in "${!PID[@]}"; do
      p=$(port_of "$i")
      [ -n "$p" ] && curl -s -m 5 "http://127.0.0.1:$p/metrics" >"$REBALANCE_KEEP/metrics-w$i.txt" 2>&1
      gdb -p "${PID[$i]}" -batch -ex "thread apply all bt" >"$REBALANCE_KEEP/stack-w$i.txt" 2>&1 || true
    done
  fi
  for f in "$WORK"/w*.log; do [ -f "$f" ] && { echo "--- $f" >&2; grep -v DEBUG "$f" | tail -8 >&2; }; done
  exit 1
}
cleanup() {
  # REBALANCE_KEEP=DIR keeps the workers' logs and progress lines (to study a failed run).
  if [ -n "${REBALANCE_KEEP:-}" ]; then
    mkdir -p "$REBALANCE_KEEP" && cp "$WORK"/*.log "$WORK"/*.jsonl "$REBALANCE_KEEP"/ 2>/dev/null || true
  fi
  for i in "${!PID[@]}"; do
    kill -CONT "${PID[$i]}" 2>/dev/null || true
    kill -KILL "${PID[$i]}" 2>/dev/null || true
  done
  [ -n "${BROKER_PID:-}" ] && kill "$BROKER_PID" 2>/dev/null
  wait 2>/dev/null || true
  [ -n "$rgw_port" ] && "$SRC/scripts/rgw.sh" stop --port "$rgw_port" --dir "$rgw_dir" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
command -v promtool >/dev/null || fail "promtool not installed (Debian package prometheus)"

if [ "$KIND" = s3 ]; then
  rgw_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rgw_dir=$(mktemp -u /tmp/lakestream-e2e-rebalance-rgw-XXXXXX)
  eval "$("$SRC/scripts/rgw.sh" start --port "$rgw_port" --dir "$rgw_dir")"
  /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" s3 mb s3://rebalance >/dev/null
  OUT=s3://rebalance/out
  # On RGW a commit round trip is ~10x the local one: with back-to-back batches a joining worker
  # catching up on the log slot by slot (412 + GET per slot) can fall behind the others' commit
  # rate (docs/scale-out.md, log contention). A 250 ms trigger keeps the commit rate below that.
  TRIGGER=250ms
else
  OUT="$WORK/out"
fi

coproc BROKER { exec "$BIN" broker --topic taxi:$PARTITIONS 2>"$WORK/broker.log"; }
BROKER_PID=$BROKER_PID
read -r -t 30 BOOTSTRAP <&"${BROKER[0]}" || fail "broker did not start"
"$BIN" generate --rows "$ROWS" --seed 5 --output "$WORK/taxi.csv" 2>/dev/null
"$BIN" produce --bootstrap "$BOOTSTRAP" --topic taxi --schema "$SCHEMA" --input "$WORK/taxi.csv" \
  --partitioner random -X sticky.partitioning.linger.ms=0 2>"$WORK/produce.log" \
  || { cat "$WORK/produce.log" >&2; fail "produce"; }
say "produced $ROWS records to $PARTITIONS partitions"
# During the churn every broker answers 50 ms late: each batch waits on several round trips, so a
# worker's read rate has a ceiling (a few thousand records/s) that keeps the backlog from draining
# before the churn is over on an idle machine, and workers are inside a batch (waiting on a fetch)
# nearly all the time, so the SIGSTOP catches the zombie mid-batch. Without it three workers
# drained 1M records in ~30 s, before the zombie step. Back to 0 ms for the final drain.
echo "rtt all ${REBALANCE_RTT_MS:-50}" >&"${BROKER[1]}"

# Back-to-back small batches (trigger 0ms, 1500 offsets each): a worker is almost always inside a
# batch, so SIGSTOP lands mid-batch and the zombie has a commit to lose, and the backlog lasts
# through every event. W5 (100000 offsets per batch) joins at the end to drain it quickly. --retain above the number
# of slots the others commit while it is paused (see docs/scale-out.md).
start_worker() {
  local batch=1500
  [ "$1" = 5 ] && batch=100000
  "$BIN" stream --bootstrap "$BOOTSTRAP" --topic taxi --schema "$SCHEMA" --output "$OUT" \
    --group "$GROUP" --trigger "$TRIGGER" --max-offsets-per-trigger "$batch" --threads 2 \
    --include-kafka-metadata --http-port 0 --retain 100000 \
    -X session.timeout.ms=6000 -X heartbeat.interval.ms=500 \
    >"$WORK/p$1.jsonl" 2>"$WORK/w$1.log" &
  PID[$1]=$!
}
batches() { [ -f "$WORK/p$1.jsonl" ] && wc -l <"$WORK/p$1.jsonl" || echo 0; }
port_of() { sed -n 's/.*serving \/metrics, \/healthz and \/readyz on port \([0-9]*\).*/\1/p' "$WORK/w$1.log"; }
assigned_lines() { cat "$@" | grep -c 'INFO stream: assigned' || true; }
# wait_until SECONDS CONDITION...: polls the condition every 0.2 s.
wait_until() {
  local limit=$1; shift
  local end=$(($(date +%s) + limit))
  until "$@"; do
    [ "$(date +%s)" -lt "$end" ] || return 1
    sleep 0.2
  done
}
has_batches() { [ "$(batches "$1")" -ge "$2" ]; }
alive() { kill -0 "${PID[$1]}" 2>/dev/null; }
stop_term() {
  kill -TERM "${PID[$1]}"
  local rc=0
  wait "${PID[$1]}" || rc=$?
  unset "PID[$1]"
  [ "$rc" = 0 ] || fail "W$1: SIGTERM exit code $rc"
}

for i in 1 2 3; do start_worker $i; done
for i in 1 2 3; do wait_until 60 has_batches $i 1 || fail "W$i committed no batch"; done
say "W1 W2 W3 committing"
PORT3=$(port_of 3)
curl -sf "http://127.0.0.1:$PORT3/metrics" >"$WORK/metrics-mid.txt" || fail "scrape W3"
promtool check metrics <"$WORK/metrics-mid.txt" || fail "promtool rejected W3's scrape"

kill -KILL "${PID[1]}"
wait "${PID[1]}" 2>/dev/null || true
unset "PID[1]"
say "W1 killed with SIGKILL"
start_worker 4
wait_until 90 has_batches 4 1 || fail "W4 committed no batch"
say "W4 joined and committed"

# The zombie: W2 is stopped mid-run (trigger 0ms: almost surely inside a batch) for longer than the
# session timeout and until one of the partitions it held shows up in W3's or W4's assignment.
fenced=0
for attempt in 1 2 3; do
  b2=$(batches 2)
  wait_until 60 has_batches 2 $((b2 + 2)) || fail "W2 is not committing"
  mine=$(tail -n1 "$WORK/p2.jsonl" | jq -r '.sources[0].endOffset.taxi | keys[0]')
  l3=$(wc -l <"$WORK/w3.log")
  l4=$(wc -l <"$WORK/w4.log")
  kill -STOP "${PID[2]}"
  say "W2 stopped (SIGSTOP, attempt $attempt) holding taxi/$mine among others"
  sleep 7  # > session.timeout.ms
  moved() {
    { tail -n +$((l3 + 1)) "$WORK/w3.log"; tail -n +$((l4 + 1)) "$WORK/w4.log"; } \
      | grep 'INFO stream: assigned' | grep -Eq "taxi/$mine( |:)"
  }
  wait_until 60 moved || fail "taxi/$mine was not reassigned while W2 was stopped"
  sleep 1  # let the new owner commit on top of its claim
  kill -CONT "${PID[2]}"
  say "W2 resumed (SIGCONT) after taxi/$mine moved"
  zombie_fenced() { grep -q 'fenced' "$WORK/w2.log"; }
  if wait_until 20 zombie_fenced; then
    fenced=1
    break
  fi
  # W2 was between batches when stopped and heard of the loss before it could commit: again.
done
[ "$fenced" = 1 ] || fail "the zombie never had a commit refused in 3 attempts"
grep -m1 'fenced' "$WORK/w2.log"
alive 2 || fail "W2 exited after being fenced"

stop_term 3
stop_term 4
say "W3 and W4 stopped with SIGTERM"
echo "rtt all 0" >&"${BROKER[1]}"

start_worker 5
say "W5 joined to drain the backlog with large batches"
PORT2=$(port_of 2)
has_port() { [ -n "$(port_of "$1")" ]; }
wait_until 30 has_port 5 || fail "W5 did not start"
PORT5=$(port_of 5)
lag_zero() {
  curl -sf "http://127.0.0.1:$PORT2/metrics" >"$WORK/metrics-end.txt" || return 1
  curl -sf "http://127.0.0.1:$PORT5/metrics" >"$WORK/metrics-end5.txt" || return 1
  cat "$WORK/metrics-end.txt" "$WORK/metrics-end5.txt" \
    | awk -v want="$PARTITIONS" '$1 ~ /^lakestream_partition_lag\{/ {n++; s += $2}
      END {exit !(n == want && s == 0)}'
}
wait_until 150 lag_zero || { grep -h lakestream_partition_lag "$WORK"/metrics-end*.txt | head -5; fail "lag not 0 on all $PARTITIONS partitions"; }
say "W2 and W5 hold all $PARTITIONS partitions with lag 0"
promtool check metrics <"$WORK/metrics-end.txt" || fail "promtool rejected W2's scrape"
promtool check metrics <"$WORK/metrics-end5.txt" || fail "promtool rejected W5's scrape"
grep -Eq '^lakestream_stream_fenced_commits_total [1-9]' "$WORK/metrics-end.txt" || fail "no fenced commit counted"
grep -Eq '^lakestream_stream_rebalances_total\{kind="lost"\} [1-9]' "$WORK/metrics-end.txt" || fail "no lost partitions counted"
stop_term 5
stop_term 2

# The offsets written back to the group, read by an independent client (kafkajs admin
# fetchOffsets) against the topic's end offsets: lag tools must see 0 on every partition.
node "$SRC/tools/js/group_offsets.mjs" "$BOOTSTRAP" "$GROUP" taxi >"$WORK/group_offsets.jsonl" \
  || fail "kafkajs could not read the group's offsets"
group_lag=$(jq -s '[.[] | select(.lag != 0)] | length' "$WORK/group_offsets.jsonl")
group_parts=$(wc -l <"$WORK/group_offsets.jsonl")
[ "$group_parts" = "$PARTITIONS" ] && [ "$group_lag" = 0 ] \
  || { grep -v '"lag":0' "$WORK/group_offsets.jsonl" | head -5 >&2; fail "group offsets: $group_lag of $group_parts partitions show lag (kafkajs)"; }
say "group $GROUP: committed offsets = end offsets on all $PARTITIONS partitions (kafkajs fetchOffsets)"

# Every committed file and nothing else in the output.
"$BIN" files "$OUT" | sort >"$WORK/committed.txt"
if [ "$KIND" = s3 ]; then
  /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" s3 sync --quiet "$OUT/" "$WORK/dl/" --exclude '*' --include '*.parquet'
  DATA="$WORK/dl"
  (cd "$DATA" && find . -name '*.parquet' | sed "s|^\./|$OUT/|") | sort >"$WORK/listed.txt"
else
  sed -i 's|^file://||' "$WORK/committed.txt"
  DATA="$OUT"
  find "$OUT" -name '*.parquet' | sort >"$WORK/listed.txt"
fi
diff -q "$WORK/committed.txt" "$WORK/listed.txt" >/dev/null \
  || { diff "$WORK/committed.txt" "$WORK/listed.txt" | head >&2; fail "output holds uncommitted files (or misses committed ones)"; }

want=$(/usr/bin/python3 -c '
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline="")) if r.get("total_amount")]
print("%.2f" % sum(float(r["total_amount"]) for r in rows))' "$WORK/taxi.csv")
# One DuckDB pass: count, distinct (partition, offset), first offset, partitions, partitions whose
# offsets are not exactly 0..n-1, and the sum of total_amount.
got=$(node "$DUCK" "WITH t AS (SELECT kafka_partition, kafka_offset, total_amount FROM read_parquet('$DATA/*.parquet')) SELECT count(*) AS n, count(DISTINCT (kafka_partition, kafka_offset)) AS d, min(kafka_offset) AS lo, count(DISTINCT kafka_partition) AS p, (SELECT count(*) FROM (SELECT max(kafka_offset) + 1 - count(*) AS gap FROM t GROUP BY kafka_partition) WHERE gap <> 0) AS gaps, printf('%.2f', sum(total_amount)) AS s FROM t")
[ "$got" = "{\"n\":\"$ROWS\",\"d\":\"$ROWS\",\"lo\":\"0\",\"p\":\"$PARTITIONS\",\"gaps\":\"0\",\"s\":\"$want\"}" ] \
  || fail "expected $ROWS records exactly once, no gap, sum(total_amount) $want; DuckDB says $got"
say "OK: $ROWS records exactly once ($(wc -l <"$WORK/committed.txt") files) after SIGKILL, a join, a fenced zombie and two SIGTERMs; promtool clean, lag 0"
