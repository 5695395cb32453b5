#!/usr/bin/env bash
# The three checkpoint modes side by side on the same topic: per-API S3 calls of the checkpoint
# and commit protocol, and non-data calls per batch. Output local (default) or on S3 (set
# STREAM_BENCH_OUTPUT=s3://bucket/prefix and the AWS_* exports of scripts/rgw.sh).
#   bench/stream_modes.sh [ROWS] [PARTITIONS] [MAX_OFFSETS_PER_TRIGGER]
set -euo pipefail
LAKESTREAM=${LAKESTREAM:-build/release/lakestream}
SRC=${LAKESTREAM_SOURCE_DIR:-$(pwd)}
ROWS=${1:-100000}
PARTITIONS=${2:-24}
MAXOFF=${3:-2000}
work=$(mktemp -d)
broker_pid=""
cleanup() {
  exec 7>&- 2>/dev/null || true
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkfifo "$work/control"
"$LAKESTREAM" broker --topic rides:$PARTITIONS <"$work/control" >"$work/broker.out" 2>/dev/null &
broker_pid=$!
exec 7>"$work/control"
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")
"$LAKESTREAM" generate --rows "$ROWS" --seed 1 --output "$work/taxi.csv" 2>/dev/null
"$LAKESTREAM" produce --bootstrap "$B" --topic rides --schema "$SRC/schemas/nyc_taxi.avsc" \
  --input "$work/taxi.csv" --partitioner random -X sticky.partitioning.linger.ms=0 2>/dev/null
base=${STREAM_BENCH_OUTPUT:-$work}
for mode in conditional direct rename; do
  start=$(date +%s.%N)
  "$LAKESTREAM" stream --bootstrap "$B" --topic rides --schema "$SRC/schemas/nyc_taxi.avsc" \
    --output "$base/out-$mode" --checkpoint-mode $mode --trigger available-now \
    --max-offsets-per-trigger "$MAXOFF" --metrics-json "$work/$mode.json" >"$work/$mode.progress" 2>"$work/$mode.log"
  end=$(date +%s.%N)
  echo "== $mode: $(awk -v s="$start" -v e="$end" 'BEGIN{printf "%.2f", e-s}') s"
  /usr/bin/python3 - "$work/$mode.json" "$work/$mode.progress" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
per_batch = [sum(json.loads(l)["s3_checkpoint"].values()) for l in open(sys.argv[2]) if l.strip()]
b = m["batches"]
ck = m["s3_checkpoint"]
tot = sum(v["calls"] for v in ck.values())
print(f"batches {b}, rows {m['rows']}, files {m['files']}")
for api, v in sorted(ck.items()):
    print(f"  {api:<22} {v['calls']:>7}")
print(f"  {'checkpoint total':<22} {tot:>7}   per batch {tot / max(b, 1):.2f}")
data = sum(v["calls"] for v in m["s3"].values()) - tot
print(f"  {'data-file calls':<22} {data:>7}")
if per_batch:
    print(f"  in-batch checkpoint calls per batch (progress lines): {sum(per_batch) / len(per_batch):.2f}"
          f" (min {min(per_batch)}, max {max(per_batch)}); recovery and exit: {tot - sum(per_batch)}")
PY
done
