#!/usr/bin/env bash
# lakestream stream on Ceph RGW, exactly once under SIGKILL, in every checkpoint mode (issue 7's
# crash test). Per mode, on its own bucket:
#  1. a reference run (crash-free, on a scratch bucket with a non-empty log) records which S3
#     requests a recovery and a few batches make, in order (RGW's ops log);
#  2. crash runs: the job is restarted again and again, each run killed by SIGKILL right after
#     its k-th request (LAKESTREAM_CRASH_AFTER_S3_CALL=k; k drawn at random over the whole
#     reference or within its recovery, then aimed at what is still missed) until, for every
#     kind of request of the reference (API + key pattern), some run was killed right after
#     one; every 10th run is killed after a random delay instead (seeded, STREAM_CRASH_KILLS;
#     these run with a 500 ms processing-time trigger, so a kill can also land between batches);
#     now and then a clean one-batch run (so that some recoveries have nothing to delete);
#  3. a clean run to the end.
# Checked: the crash points (from RGW's ops log: the last request of each killed run); DuckDB
# finds every Kafka record (as listed by kcat) exactly once: count, distinct (kafka_partition,
# kafka_offset), sum of (partition << 32 | offset), sum(total_amount) equal to the CSV's;
# `lakestream files` == every *.parquet in a plain listing of the output.
#
# ctest runs a reduced size (< 3 min). Issue scale (500k records, 24 partitions, 100+ batches,
# the three modes) is bench/stream_crash_scale.sh. Knobs (environment):
#   STREAM_CRASH_ROWS (48000), STREAM_CRASH_PARTITIONS (6), STREAM_CRASH_MAX_OFFSETS (1000),
#   STREAM_CRASH_MODES ("conditional"), STREAM_CRASH_KILLS (2 timed kills per mode),
#   STREAM_CRASH_SEED (5), STREAM_CRASH_REF_BATCHES (2 batches in the reference run),
#   STREAM_CRASH_MAX_RUNS (100 crash-hook runs at most per mode), STREAM_CRASH_KILL_MS (timed
#   kills land 300 ms + up to this after the start; 2500),
#   STREAM_CRASH_RGW_PORT (a free port), STREAM_CRASH_KEEP (1: keep the work dir).
set -euo pipefail
LAKESTREAM=${LAKESTREAM:?path to the lakestream binary}
SRC=${LAKESTREAM_SOURCE_DIR:?}
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
DUCK="$SRC/tools/js/duck.mjs"
TOOL="/usr/bin/python3 $SRC/tests/e2e/stream_rgw.py"
ROWS=${STREAM_CRASH_ROWS:-48000}
PARTITIONS=${STREAM_CRASH_PARTITIONS:-6}
MAXOFF=${STREAM_CRASH_MAX_OFFSETS:-1000}
MODES=${STREAM_CRASH_MODES:-conditional}
KILLS=${STREAM_CRASH_KILLS:-2}
SEED=${STREAM_CRASH_SEED:-5}
REF_BATCHES=${STREAM_CRASH_REF_BATCHES:-2}
MAX_RUNS=${STREAM_CRASH_MAX_RUNS:-100}
KILL_MS=${STREAM_CRASH_KILL_MS:-2500}
command -v kcat >/dev/null || { echo "kcat not installed"; exit 1; }

work=$(mktemp -d)
port=${STREAM_CRASH_RGW_PORT:-$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
rgwdir=$(mktemp -u /tmp/lakestream-e2e-crash-rgw-XXXXXX)
broker_pid=""
job_pid=""
cleanup() {
  exec 7>&- 2>/dev/null || true
  if [ -n "$job_pid" ] && kill -0 "$job_pid" 2>/dev/null; then kill -KILL "$job_pid"; wait "$job_pid" 2>/dev/null || true; fi
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; fi
  [ "${STREAM_CRASH_KEEP:-0}" = 1 ] && cp "${LAKESTREAM_RGW_OPS_LOG:-/dev/null}" "$work/ops.log" 2>/dev/null || true
  "$SRC/scripts/rgw.sh" stop --port "$port" --dir "$rgwdir" >/dev/null 2>&1 || true
  if [ "${STREAM_CRASH_KEEP:-0}" = 1 ]; then
    echo "work dir kept: $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }

eval "$("$SRC/scripts/rgw.sh" start --port "$port" --dir "$rgwdir")"
OPSLOG=$LAKESTREAM_RGW_OPS_LOG

mkfifo "$work/control"
"$LAKESTREAM" broker --brokers 1 --topic rides:$PARTITIONS <"$work/control" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
exec 7>"$work/control"
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")
[ -n "$B" ] || fail "broker did not start"

"$LAKESTREAM" generate --rows "$ROWS" --seed 11 --output "$work/taxi.csv" 2>/dev/null
# One record per message batch spread at random: the dev broker keeps ~5 MB per partition.
"$LAKESTREAM" produce --bootstrap "$B" --topic rides --schema "$SCHEMA" --input "$work/taxi.csv" \
  --partitioner random -X sticky.partitioning.linger.ms=0 2>"$work/produce.log" \
  || { cat "$work/produce.log"; fail "produce"; }

# What Kafka holds, read by kcat: every (partition, offset), the expected unique-key sum.
kcat -b "$B" -C -t rides -o beginning -e -q -f '%p %o\n' >"$work/kafka.txt"
[ "$(wc -l <"$work/kafka.txt")" = "$ROWS" ] || fail "kcat reads $(wc -l <"$work/kafka.txt") records, produced $ROWS"
# (Exact integers: the sum passes 2^53, where awk's doubles round.)
want_key=$(/usr/bin/python3 -c '
import sys
print(sum(int(p) * 4294967296 + int(o) for p, o in (l.split() for l in open(sys.argv[1]))))' "$work/kafka.txt")
want_amount=$(/usr/bin/python3 -c '
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline="")) if r.get("total_amount")]
print("%.2f" % sum(float(r["total_amount"]) for r in rows))' "$work/taxi.csv")
echo "topic: $ROWS records in $PARTITIONS partitions; crash seed $SEED"

stream() {  # stream OUTPUT_URI [flags...]; with STREAM_EXEC=1 the (background) subshell execs
  local out=$1
  shift
  ${STREAM_EXEC:+exec} "$LAKESTREAM" stream --bootstrap "$B" --topic rides --schema "$SCHEMA" --output "$out" \
    --checkpoint-mode "$mode" --trigger "${TRIGGER:-available-now}" --max-offsets-per-trigger "$MAXOFF" \
    --include-kafka-metadata --threads 2 "$@"
}

RANDOM=$SEED
for mode in $MODES; do
  echo "== $mode"
  ref="s3://ref-$mode/out"
  OUT="s3://crash-$mode/out"
  $TOOL mkbucket "ref-$mode"
  $TOOL mkbucket "crash-$mode"
  windows="$work/$mode.windows"
  : >"$windows"

  # 1. The reference: one batch to make the log non-empty, then recovery + REF_BATCHES batches.
  stream "$ref" --max-batches 1 >/dev/null 2>"$work/$mode.ref0.log" || { cat "$work/$mode.ref0.log"; fail "reference setup"; }
  t0=$(now)
  stream "$ref" --max-batches "$REF_BATCHES" --metrics-json "$work/$mode.ref.json" >/dev/null 2>"$work/$mode.ref.log" \
    || { cat "$work/$mode.ref.log"; fail "reference run"; }
  echo "reference $t0 $(now)" >>"$windows"
  M=$(/usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(sum(v["calls"] for v in m["s3"].values()))' "$work/$mode.ref.json")
  $TOOL settle "$OPSLOG"  # RGW writes its ops log asynchronously
  R=$($TOOL recovery-length "$OPSLOG" "$windows")
  echo "reference run: $M requests for recovery ($R) + $REF_BATCHES batches"

  # 2. Crash right after request k, k drawn from 1..M+10 or 1..R+10 (seeded; a sweep in order
  # would alias: every killed recovery adds a claim to the log, so request k is the same kind
  # run after run; +10: a recovery reads up to --compact-every (10) more manifests than the
  # reference did), until, for every kind of request the reference made, a run was killed
  # right after one (stream_rgw.py coverage, from RGW's ops log), or 2/3 of MAX_RUNS; then
  # directed runs around the kinds still missed, up to MAX_RUNS.
  crashes=0
  runs=0
  kills=0
  covered=0
  crash_run() {  # crash_run K: one run killed right after its K-th request
    local t0 rc
    t0=$(now)
    set +e
    LAKESTREAM_CRASH_AFTER_S3_CALL=$1 stream "$OUT" >"$work/$mode.p.$runs" 2>"$work/$mode.crash.$runs.log"
    rc=$?
    set -e
    if [ $rc -eq 137 ]; then
      echo "crash$runs $t0 $(now)" >>"$windows"
      crashes=$((crashes + 1))
    elif [ $rc -ne 0 ]; then
      tail -5 "$work/$mode.crash.$runs.log"; fail "$mode: run $runs (kill after request $1) exited $rc"
    fi
  }
  while [ $runs -lt $((MAX_RUNS * 2 / 3)) ]; do
    # Every other run dies within the recovery (+10 manifests): each of its requests is one
    # position, far rarer than the data uploads of the batches.
    if [ $((runs % 2)) = 0 ]; then k=$(( (RANDOM % (R + 10)) + 1 )); else k=$(( (RANDOM % (M + 10)) + 1 )); fi
    runs=$((runs + 1))
    if [ $((runs % 10)) = 5 ] && [ "$kills" -lt "$KILLS" ]; then
      # A SIGKILL at a random time instead of after a given request. exec: $! must be the job
      # itself, not a subshell around it (killing only the subshell would leave the job
      # running on as a second writer).
      kills=$((kills + 1))
      delay=$(( (RANDOM % KILL_MS) + 300 ))
      # A 500 ms trigger: at most a few batches before the kill however fast the machine is
      # (available-now consumed the whole topic within the delay on an idle machine).
      TRIGGER=500ms STREAM_EXEC=1 stream "$OUT" >"$work/$mode.k.$kills" 2>"$work/$mode.kill.$kills.log" &
      job_pid=$!
      sleep "$(awk -v d=$delay 'BEGIN{print d/1000}')"
      if kill -KILL "$job_pid" 2>/dev/null; then
        echo "timed kill $kills after ${delay} ms ($(wc -l <"$work/$mode.k.$kills") batches committed)"
      else
        echo "timed kill $kills after ${delay} ms: the job had already finished"
      fi
      wait "$job_pid" 2>/dev/null || true
      job_pid=""
    fi
    if [ $((runs % 6)) = 0 ]; then
      # Now and then one clean batch: the next recovery then has no uncommitted files to delete
      # (a different sequence of requests: more gaps to hit).
      stream "$OUT" --max-batches 1 >"$work/$mode.c.$runs" 2>"$work/$mode.clean.$runs.log" \
        || { tail -5 "$work/$mode.clean.$runs.log"; fail "$mode: clean run $runs"; }
    fi
    crash_run "$k"
    if [ $runs -ge 20 ] && [ "$kills" -ge "$KILLS" ] && [ $((runs % 5)) = 0 ] && $TOOL coverage "$OPSLOG" "$windows" >"$work/$mode.coverage" 2>&1; then
      covered=1
      break
    fi
  done
  # Aimed: at the position of each kind still missed in the latest crash run that made one
  # (the next run reads the same log, give or take one entry), until hit or MAX_RUNS.
  random_runs=$runs
  while [ $covered = 0 ] && [ $runs -lt "$MAX_RUNS" ]; do
    for pos in $($TOOL missing-positions "$OPSLOG" "$windows"); do
      [ $runs -lt "$MAX_RUNS" ] || break
      runs=$((runs + 1))
      k=$(( pos - 1 + RANDOM % 3 ))
      crash_run $(( k < 1 ? 1 : k ))
    done
    $TOOL coverage "$OPSLOG" "$windows" >"$work/$mode.coverage" 2>&1 && covered=1
  done
  committed=$(cat "$work/$mode".p.* "$work/$mode".c.* | wc -l)
  echo "crash hook: $crashes of $runs runs killed ($random_runs with k in 1..$((M + 10)) or 1..$((R + 10)), then $((runs - random_runs)) aimed), $committed batches committed meanwhile"
  [ $crashes -ge $((runs * 3 / 4)) ] || fail "$mode: only $crashes of $runs runs crashed (topic consumed too early?)"
  $TOOL coverage "$OPSLOG" "$windows" >"$work/$mode.coverage" 2>&1 && covered=1
  cat "$work/$mode.coverage"
  # (Judged after the exactly-once checks below, which must run either way.)
  # 3. To the end.
  stream "$OUT" --metrics-json "$work/$mode.final.json" >"$work/$mode.final" 2>"$work/$mode.final.log" \
    || { tail -20 "$work/$mode.final.log"; fail "$mode: final run"; }
  batches=$(grep -h -o '"batchId":[0-9]*' "$work/$mode".p.* "$work/$mode".c.* "$work/$mode".k.* "$work/$mode.final" 2>/dev/null | sort -u | wc -l)
  echo "batches seen in progress lines: $batches (a run killed right after its commit prints none)"

  # The committed files, and nothing else, in a plain listing of the output.
  "$LAKESTREAM" files "$OUT" | sort >"$work/$mode.committed"
  [ -s "$work/$mode.committed" ] || fail "$mode: no committed files"
  $TOOL parquet "$OUT" >"$work/$mode.listed"
  diff "$work/$mode.committed" "$work/$mode.listed" >"$work/$mode.diff" \
    || { head "$work/$mode.diff"; fail "$mode: the output holds files that are not committed (or misses committed ones)"; }
  n=$($TOOL download "$OUT" "$work/$mode.dl")
  echo "output: $n data files, all committed"

  DATA="$work/$mode.dl/*.parquet"
  res=$(node "$DUCK" "SELECT count(*) AS n, count(DISTINCT (kafka_partition, kafka_offset)) AS d, CAST(sum(kafka_partition::HUGEINT * 4294967296 + kafka_offset) AS VARCHAR) AS k, printf('%.2f', sum(total_amount)) AS a FROM read_parquet('$DATA')")
  echo "duckdb: $res"
  [ "$res" = "{\"n\":\"$ROWS\",\"d\":\"$ROWS\",\"k\":\"$want_key\",\"a\":\"$want_amount\"}" ] \
    || fail "$mode: expected {n: $ROWS, d: $ROWS, k: $want_key, a: $want_amount}"
  echo "exactly once ($mode): $ROWS records after $crashes crash-hook kills and $kills timed kills"
  [ $covered = 1 ] || fail "$mode: no run was killed right after some kind of request, in $runs runs"
  echo "OK $mode"
done
