#!/usr/bin/env bash
# The checkpoint modes side by side on the same topic (crash-free): per-API S3 calls of the
# checkpoint and commit protocol, and non-data (checkpoint) calls per batch.
#   bench/stream_modes.sh [ROWS] [PARTITIONS] [MAX_OFFSETS_PER_TRIGGER]
# Output:
#  - local directory (default);
#  - STREAM_BENCH_RGW=1: a Ceph RGW of its own (port STREAM_BENCH_RGW_PORT or a free one), one
#    unversioned bucket per mode; RGW's ops log is then compared, per API, with the job's own
#    count (--metrics-json "s3": every request, data and checkpoint), and any disagreement fails;
#  - STREAM_BENCH_OUTPUT=s3://bucket/prefix: an S3 server of yours (AWS_* exports), no ops log.
# Fails if `conditional` spends more than 1.0 checkpoint request per batch in steady state.
# STREAM_BENCH_MODES (default "conditional direct rename chain") picks the modes.
set -euo pipefail
LAKESTREAM=${LAKESTREAM:-build/release/lakestream}
SRC=${LAKESTREAM_SOURCE_DIR:-$(pwd)}
ROWS=${1:-100000}
PARTITIONS=${2:-24}
MAXOFF=${3:-2000}
MODES=${STREAM_BENCH_MODES:-conditional direct rename chain}
TOOL="/usr/bin/python3 $SRC/tests/e2e/stream_rgw.py"
work=$(mktemp -d)
broker_pid=""
rgw_port=""
rgwdir=""
cleanup() {
  exec 7>&- 2>/dev/null || true
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; fi
  [ -z "$rgwdir" ] || bash "$SRC/scripts/rgw.sh" stop --port "$rgw_port" --dir "$rgwdir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

if [ "${STREAM_BENCH_RGW:-0}" = 1 ]; then
  rgw_port=${STREAM_BENCH_RGW_PORT:-$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
  rgwdir=$(mktemp -u /tmp/lakestream-bench-modes-rgw-XXXXXX)
  eval "$(bash "$SRC/scripts/rgw.sh" start --port "$rgw_port" --dir "$rgwdir")"
fi

mkfifo "$work/control"
"$LAKESTREAM" broker --topic rides:$PARTITIONS <"$work/control" >"$work/broker.out" 2>/dev/null &
broker_pid=$!
exec 7>"$work/control"
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")
"$LAKESTREAM" generate --rows "$ROWS" --seed 1 --output "$work/taxi.csv" 2>/dev/null
"$LAKESTREAM" produce --bootstrap "$B" --topic rides --schema "$SRC/schemas/nyc_taxi.avsc" \
  --input "$work/taxi.csv" --partitioner random -X sticky.partitioning.linger.ms=0 2>/dev/null
echo "topic: $ROWS taxi rows in $PARTITIONS partitions; --max-offsets-per-trigger $MAXOFF; $(date -u +%FT%TZ)"

for mode in $MODES; do
  if [ -n "$rgwdir" ]; then
    $TOOL mkbucket "bench-$mode"
    out="s3://bench-$mode/out"
  else
    out="${STREAM_BENCH_OUTPUT:-$work}/out-$mode"
  fi
  start=$(date +%s.%N)
  "$LAKESTREAM" stream --bootstrap "$B" --topic rides --schema "$SRC/schemas/nyc_taxi.avsc" \
    --output "$out" --checkpoint-mode $mode --trigger available-now \
    --max-offsets-per-trigger "$MAXOFF" --metrics-json "$work/$mode.json" >"$work/$mode.progress" 2>"$work/$mode.log" \
    || { tail "$work/$mode.log"; fail "$mode run"; }
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN{printf "%.2f\n", e-s}' >"$work/$mode.seconds"
  if [ -n "$rgwdir" ]; then
    # RGW writes its ops log asynchronously: wait until the count stops growing.
    prev=""
    for _ in $(seq 20); do
      cur=$($TOOL opscount "$LAKESTREAM_RGW_OPS_LOG" "bench-$mode")
      [ "$cur" = "$prev" ] && break
      prev=$cur
      sleep 0.5
    done
    echo "$cur" >"$work/$mode.ops"
  fi
done

/usr/bin/python3 - "$work" $MODES <<'PY'
import json, os, sys
work, modes = sys.argv[1], sys.argv[2:]
m = {x: json.load(open(f"{work}/{x}.json")) for x in modes}
prog = {x: [json.loads(l) for l in open(f"{work}/{x}.progress") if l.strip()] for x in modes}
secs = {x: open(f"{work}/{x}.seconds").read().strip() for x in modes}
ops = {x: json.load(open(f"{work}/{x}.ops")) for x in modes if os.path.exists(f"{work}/{x}.ops")}

def row(name, vals):
    print(f"  {name:<34}" + "".join(f"{v:>14}" for v in vals))

print("checkpoint and commit protocol requests (--metrics-json s3_checkpoint), per API:")
row("", modes)
apis = sorted({a for x in modes for a in m[x]["s3_checkpoint"]})
for a in apis:
    row(a, [m[x]["s3_checkpoint"].get(a, {}).get("calls", 0) for x in modes])
ck = {x: sum(v["calls"] for v in m[x]["s3_checkpoint"].values()) for x in modes}
row("checkpoint total", [ck[x] for x in modes])
row("batches", [m[x]["batches"] for x in modes])
row("checkpoint per batch (all)", [f"{ck[x] / max(m[x]['batches'], 1):.2f}" for x in modes])
inb = {x: [sum(p["s3_checkpoint"].values()) for p in prog[x]] for x in modes}
# Steady state: the batches after the first (the first one after recovery may differ).
steady = {x: (sum(inb[x][1:]) / len(inb[x][1:])) if len(inb[x]) > 1 else float("nan") for x in modes}
row("checkpoint per batch (steady)", [f"{steady[x]:.2f}" for x in modes])
row("  min / max in one batch", [f"{min(inb[x])} / {max(inb[x])}" if inb[x] else "-" for x in modes])
row("recovery + exit", [ck[x] - sum(inb[x]) for x in modes])
data = {x: sum(v["calls"] for v in m[x]["s3"].values()) - ck[x] for x in modes}
row("data-file requests", [data[x] for x in modes])
row("all requests (ours)", [sum(v["calls"] for v in m[x]["s3"].values()) for x in modes])
row("rows", [m[x]["rows"] for x in modes])
row("wall time, s", [secs[x] for x in modes])
bad = []
if ops:
    print("RGW ops log vs our count (all requests of the run, per API):")
    for x in modes:
        ours = {a: v["calls"] for a, v in m[x]["s3"].items() if v["calls"]}
        theirs = ops[x]
        same = ours == theirs
        print(f"  {x:<12} {'agree' if same else 'DISAGREE'}: ours {json.dumps(ours, sort_keys=True)}")
        if not same:
            print(f"  {'':<12} rgw: {json.dumps(theirs, sort_keys=True)}")
            bad.append(x)
if "conditional" in modes and not steady["conditional"] <= 1.0:
    print(f"FAIL: conditional spends {steady['conditional']:.2f} checkpoint requests per batch")
    sys.exit(1)
if bad:
    print(f"FAIL: RGW's ops log disagrees with our count for {', '.join(bad)}")
    sys.exit(1)
PY
