#!/usr/bin/env bash
# Consumer-group scale-out on this machine (issue 9):
#  1. aggregate rows/s of `lakestream stream --group` with W workers x T threads each, on the dev
#     broker (24 partitions, ROWS taxi records produced up front) into a local directory: rows
#     committed from the moment every worker has committed once (the group has formed) to the
#     last row, over that time, read from the workers' /metrics every 0.1 s;
#  2. rebalance latency: two workers with a backlog; one is stopped (SIGKILL, or SIGTERM = leaving
#     the group cleanly); the time until the survivor commits a batch holding one of the dead
#     worker's partitions (the survivor's progress lines, polled every 0.05 s).
#
#   bench/group_bench.sh [build/release/lakestream]
#   env: ROWS (500000), CONFIGS ("1x2 2x1 2x2"), REPS (2), SESSION_MS (6000), OUT_BASE (/tmp),
#        SKIP_LATENCY (set: throughput only)
set -euo pipefail
BIN=${1:-build/release/lakestream}
BIN=$(realpath "$BIN")
SRC=$(cd "$(dirname "$0")/.." && pwd)
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
ROWS=${ROWS:-500000}
CONFIGS=${CONFIGS:-"1x2 2x1 2x2"}
REPS=${REPS:-2}
SESSION_MS=${SESSION_MS:-6000}
WORK=$(mktemp -d "${OUT_BASE:-/tmp}/ls-group-bench.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  [ -n "${BROKER_PID:-}" ] && kill "$BROKER_PID" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
now() { date +%s.%N; }

coproc BROKER { exec "$BIN" broker --topic taxi:24 2>"$WORK/broker.log"; }
BROKER_PID=$BROKER_PID
read -r -t 30 BOOTSTRAP <&"${BROKER[0]}"
"$BIN" generate --rows "$ROWS" --seed 9 --output "$WORK/taxi.csv" 2>/dev/null
"$BIN" produce --bootstrap "$BOOTSTRAP" --topic taxi --schema "$SCHEMA" --input "$WORK/taxi.csv" \
  --partitioner random -X sticky.partitioning.linger.ms=0 2>"$WORK/produce.log"
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $ROWS records, 24 partitions"

run=0
worker() {  # worker NAME THREADS GROUP OUT [extra flags]
  local name=$1 threads=$2 group=$3 out=$4
  shift 4
  "$BIN" stream --bootstrap "$BOOTSTRAP" --topic taxi --schema "$SCHEMA" --output "$out" \
    --group "$group" --threads "$threads" --http-port 0 -X session.timeout.ms="$SESSION_MS" \
    "$@" >"$WORK/$name.jsonl" 2>"$WORK/$name.log" &
  PIDS+=($!)
}
port_of() {
  local p=""
  for _ in $(seq 200); do
    p=$(sed -n 's/.*serving \/metrics, \/healthz and \/readyz on port \([0-9]*\).*/\1/p' "$WORK/$1.log")
    [ -n "$p" ] && { echo "$p"; return; }
    sleep 0.05
  done
}
rows_of() { curl -sf "http://127.0.0.1:$1/metrics" | awk '$1 == "lakestream_stream_rows_total" {print $2}'; }

echo "## Aggregate throughput (trigger 0ms, 50000 offsets per batch, local output)"
echo "| workers x threads | rep | rows/s (all workers committing -> last commit) | rows in that window | wall s (start to done, incl. group join) |"
echo "|---|---|---|---|---|"
for cfg in $CONFIGS; do
  w=${cfg%x*}
  t=${cfg#*x}
  for rep in $(seq "$REPS"); do
    run=$((run + 1))
    out="$WORK/out$run"
    PIDS=()
    t_start=$(now)
    for i in $(seq "$w"); do
      worker "r${run}w$i" "$t" "bench-$run" "$out" --trigger 0ms --max-offsets-per-trigger 50000
    done
    ports=()
    for i in $(seq "$w"); do ports+=("$(port_of "r${run}w$i")"); done
    t_first=""
    rows_first=0
    while :; do
      total=0
      all=1
      for p in "${ports[@]}"; do
        r=$(rows_of "$p" || echo 0)
        [ "${r:-0}" -gt 0 ] || all=0
        total=$((total + ${r:-0}))
      done
      # The window opens once every worker has committed: the group has formed (on the dev
      # broker a join takes ~3-5 s, which would otherwise dominate a run this short).
      if [ -z "$t_first" ] && [ "$all" = 1 ]; then t_first=$(now); rows_first=$total; fi
      [ "$total" -ge "$ROWS" ] && break
      sleep 0.1
    done
    t_done=$(now)
    for p in "${PIDS[@]}"; do kill -TERM "$p"; done
    wait "${PIDS[@]}" 2>/dev/null || true
    python3 -c "
r, f, s, d, t0 = $ROWS, $rows_first, $t_first, $t_done, $t_start
print(f'| $w x $t | $rep | {(r - f) / (d - s):,.0f} | {r - f:,} | {d - t0:.1f} |')"
    rm -rf "$out"
  done
done

[ -n "${SKIP_LATENCY:-}" ] && exit 0
echo
echo "## Rebalance latency (2 workers, trigger 0ms, 2000 offsets per batch, session.timeout.ms=$SESSION_MS)"
echo "| stop signal | rep | death -> survivor commits one of its partitions, s |"
echo "|---|---|---|"
for sig in KILL TERM; do
  for rep in $(seq "$REPS"); do
    run=$((run + 1))
    out="$WORK/out$run"
    PIDS=()
    worker "r${run}a" 1 "bench-$run" "$out" --trigger 0ms --max-offsets-per-trigger 2000
    worker "r${run}b" 1 "bench-$run" "$out" --trigger 0ms --max-offsets-per-trigger 2000
    # Both hold partitions and have committed.
    for _ in $(seq 600); do
      [ -s "$WORK/r${run}a.jsonl" ] && [ -s "$WORK/r${run}b.jsonl" ] && break
      sleep 0.1
    done
    part=$(sed -n 's/.*INFO stream: assigned taxi\/\([0-9]*\).*/\1/p' "$WORK/r${run}a.log" | head -1)
    t_kill=$(now)
    kill -"$sig" "${PIDS[0]}"
    t_commit=""
    for _ in $(seq 1200); do
      if jq -e --arg p "$part" '.sources[0].endOffset.taxi | has($p)' "$WORK/r${run}b.jsonl" 2>/dev/null | grep -q true; then
        t_commit=$(now)
        break
      fi
      sleep 0.05
    done
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    wait "${PIDS[@]}" 2>/dev/null || true
    if [ -n "$t_commit" ]; then
      python3 -c "print(f'| SIG$sig | $rep | {$t_commit - $t_kill:.2f} |')"
    else
      echo "| SIG$sig | $rep | not seen within 60 s |"
    fi
    rm -rf "$out"
  done
done
