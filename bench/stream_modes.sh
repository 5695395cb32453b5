#!/usr/bin/env bash
# The checkpoint modes (conditional, direct, rename, chain) side by side on the same topic:
# per-API S3 calls of the checkpoint and commit protocol, and non-data calls per batch; on RGW
# (LAKESTREAM_RGW_OPS_LOG exported by scripts/rgw.sh) also RGW's own count from its ops log. Output local (default) or on S3 (set
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
OPS_LOG=${LAKESTREAM_RGW_OPS_LOG:-}
# "chain-restart": the chain mode again on its own output with nothing new: the cost of a restart.
for mode in conditional direct rename chain chain-restart; do
  m=${mode%-restart}
  ops_before=0
  if [ -n "$OPS_LOG" ] && [ -f "$OPS_LOG" ]; then ops_before=$(wc -l <"$OPS_LOG"); fi
  start=$(date +%s.%N)
  "$LAKESTREAM" stream --bootstrap "$B" --topic rides --schema "$SRC/schemas/nyc_taxi.avsc" \
    --output "$base/out-$m" --checkpoint-mode $m --trigger available-now \
    --max-offsets-per-trigger "$MAXOFF" --metrics-json "$work/$mode.json" >"$work/$mode.progress" 2>"$work/$mode.log"
  end=$(date +%s.%N)
  if [ -n "$OPS_LOG" ] && [ -f "$OPS_LOG" ] && [[ "$base" == s3://* ]]; then
    sleep 3  # RGW appends its ops log asynchronously
    tail -n +"$((ops_before + 1))" "$OPS_LOG" >"$work/$mode.ops"
  fi
  echo "== $mode: $(awk -v s="$start" -v e="$end" 'BEGIN{printf "%.2f", e-s}') s"
  bucket=${base#s3://}; bucket=${bucket%%/*}
  /usr/bin/python3 - "$work/$mode.json" "$work/$mode.progress" "$work/$mode.ops" "$bucket" <<'PY'
import json, os, sys
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
# RGW's own count of the run's requests (ops log), next to ours: every request of the run, and
# the ones that are not data-file uploads (a .parquet PUT / multipart part / completion).
if os.path.exists(sys.argv[3]):
    # Records are JSON objects, not always one per line: decode them one after the other.
    text, ops, pos, dec = open(sys.argv[3]).read(), [], 0, json.JSONDecoder()
    while True:
        pos = text.find("{", pos)
        if pos < 0:
            break
        o, pos = dec.raw_decode(text, pos)
        if o.get("bucket") == sys.argv[4]:  # other clients of this RGW are not ours to count
            ops.append(o)
    ours = sum(v["calls"] for v in m["s3"].values())
    def is_data(o):
        path = o["uri"].split(" ")[1].split("?")[0]
        return path.endswith(".parquet") and o["operation"] in (
            "put_obj", "init_multipart", "complete_multipart", "post_obj")
    rgw_non_data = [o for o in ops if not is_data(o)]
    by_op = {}
    for o in rgw_non_data:
        op = o["uri"].split(" ")[0] + " " + o["operation"]  # RGW logs a HEAD as get_obj
        by_op[op] = by_op.get(op, 0) + 1
    print(f"  RGW ops log: {len(ops)} requests (ours: {ours}); not data-file uploads: {len(rgw_non_data)}"
          f" {dict(sorted(by_op.items()))}")
PY
done
