#!/usr/bin/env bash
# End-to-end producer benchmark: N generated taxi rows, CSV -> Avro -> dev broker with
# `lakestream produce`, next to `kcat -P` producing the same pre-encoded Avro messages to the same
# broker in the same run, with the same producer settings. Prints rows/s of both and the ratio.
#
# usage: bench/produce_bench.sh [ROWS=2000000] [LAKESTREAM=build/release/lakestream] [ROUNDS=5]
set -euo pipefail
ROWS=${1:-2000000}
LAKESTREAM=${2:-build/release/lakestream}
ROUNDS=${3:-5}
SRC=$(cd "$(dirname "$0")/.." && pwd)
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
PARTS=256
work=$(mktemp -d)
broker_pid=""
cleanup() {
  exec 7>&- 2>/dev/null || true
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

mkfifo "$work/control"
topics=(--topic src:$PARTS)
for r in $(seq "$ROUNDS"); do topics+=(--topic lk$r:$PARTS --topic kc$r:$PARTS); done
"$LAKESTREAM" broker --brokers 1 "${topics[@]}" \
  <"$work/control" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
exec 7>"$work/control"
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")

"$LAKESTREAM" generate --rows "$ROWS" --seed 1 --output "$work/taxi.csv" 2>/dev/null
echo "rows $ROWS, CSV $(stat -c %s "$work/taxi.csv") bytes, $(nproc) cores, broker $B"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# kcat gets the producer settings lakestream uses by default.
SETTINGS=(-X enable.idempotence=true -X acks=all -X compression.type=lz4 -X linger.ms=20
          -X batch.size=1048576 -X queue.buffering.max.kbytes=65536
          -X queue.buffering.max.messages=200000)
DELIM='@@LKDELIM-7f3a9c21-d0e4@@'
now() { date +%s.%N; }

# Each timed command also reports its CPU time (user + system, all threads) through /usr/bin/time:
# on this shared machine wall time depends on what else runs, CPU per row much less.
run_lakestream() {  # topic -> "start end cpu_seconds"
  local t0 t1
  t0=$(now)
  /usr/bin/time -f "%U %S" -o "$work/$1.cpu" "$LAKESTREAM" produce --bootstrap "$B" --topic "$1" --schema "$SCHEMA" --input "$work/taxi.csv" \
    --progress-interval 600 2>"$work/$1.log"
  t1=$(now)
  grep -q "produced $ROWS, rejected 0, failed 0" "$work/$1.log" || { cat "$work/$1.log"; exit 1; }
  echo "$t0 $t1 $(awk '{print $1 + $2}' "$work/$1.cpu")"
}
run_kcat() {
  local t0 t1
  t0=$(now)
  /usr/bin/time -f "%U %S" -o "$work/$1.cpu" kcat -P -b "$B" -t "$1" -D "$DELIM" "${SETTINGS[@]}" \
    <"$work/msgs.bin" 2>"$work/$1.err" || { cat "$work/$1.err" >&2; exit 1; }
  if grep -qi "fail\|error" "$work/$1.err"; then cat "$work/$1.err" >&2; exit 1; fi
  t1=$(now)
  echo "$t0 $t1 $(awk '{print $1 + $2}' "$work/$1.cpu")"
}

# The pre-encoded messages for kcat: lakestream's own output (an untimed run that spreads messages
# evenly, so no partition passes the mock's retention), read back from the topic and joined by a
# delimiter that no message contains (checked by counting).
"$LAKESTREAM" produce --bootstrap "$B" --topic src --schema "$SCHEMA" --input "$work/taxi.csv" \
  -X sticky.partitioning.linger.ms=0 --progress-interval 600 2>"$work/src.log"
kcat -b "$B" -C -t src -o beginning -e -q -f "%s$DELIM" >"$work/msgs.bin"
n=$(grep -o -a -F "$DELIM" "$work/msgs.bin" | wc -l)
[ "$n" = "$ROWS" ] || { echo "pre-encoded dump has $n messages, expected $ROWS"; exit 1; }

# Timed rounds with default settings, alternating which goes first. Delivery is checked by
# lakestream's summary (every record acknowledged) and kcat's exit status.
times=""
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then
    read -r a b x < <(run_lakestream lk$r); read -r c d y < <(run_kcat kc$r)
  else
    read -r c d y < <(run_kcat kc$r); read -r a b x < <(run_lakestream lk$r)
  fi
  times="$times $a $b $c $d $x $y"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$ROWS" $times <<'PY'
import statistics, sys
rows = int(sys.argv[1]); t = list(map(float, sys.argv[2:]))
n = len(t)
lk = [rows / (t[i + 1] - t[i]) for i in range(0, n, 6)]
kc = [rows / (t[i + 3] - t[i + 2]) for i in range(0, n, 6)]
lc = [t[i + 4] for i in range(0, n, 6)]
kcc = [t[i + 5] for i in range(0, n, 6)]
for r in range(len(lk)):
    print(f"round {r + 1}: lakestream produce {lk[r]:>10,.0f} rows/s ({lc[r]:.2f} CPU-s)   "
          f"kcat -P {kc[r]:>10,.0f} rows/s ({kcc[r]:.2f} CPU-s)   ratio {lk[r] / kc[r]:.2f}x")
ml, mk = statistics.median(lk), statistics.median(kc)
print(f"median: lakestream produce (CSV -> Avro -> broker) {ml:,.0f} rows/s; "
      f"kcat -P (pre-encoded Avro -> broker) {mk:,.0f} rows/s; ratio {ml / mk:.2f}x "
      f"(median of the rounds' ratios {statistics.median(a / b for a, b in zip(lk, kc)):.2f}x)")
print(f"median CPU (user + sys, all threads): lakestream {statistics.median(lc):.2f} s, "
      f"kcat {statistics.median(kcc):.2f} s for {rows:,} rows")
PY
