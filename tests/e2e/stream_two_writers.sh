#!/usr/bin/env bash
# Two `lakestream stream` processes at once on the same output and checkpoint (conditional mode,
# unversioned RGW bucket: RGW 16.2 honours If-None-Match there). Checked:
#  - exactly one writer wins each log slot: in RGW's ops log every _commits/<n>.json was PUT with
#    success exactly once, each slot's 200 is the only one, and losing PUTs got 412;
#  - losers log "fenced" (both jobs exit 0, and the jobs together committed every record);
#  - DuckDB finds every Kafka record exactly once; `lakestream files` == a plain listing of the
#    output's *.parquet (no stray file of a fenced attempt).
set -euo pipefail
LAKESTREAM=${LAKESTREAM:?path to the lakestream binary}
SRC=${LAKESTREAM_SOURCE_DIR:?}
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
DUCK="$SRC/tools/js/duck.mjs"
TOOL="/usr/bin/python3 $SRC/tests/e2e/stream_rgw.py"
ROWS=${STREAM_TWO_ROWS:-30000}
PARTITIONS=6

work=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rgwdir=$(mktemp -u /tmp/lakestream-e2e-two-rgw-XXXXXX)
broker_pid=""
pids=""
cleanup() {
  exec 7>&- 2>/dev/null || true
  for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; fi
  "$SRC/scripts/rgw.sh" stop --port "$port" --dir "$rgwdir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

eval "$("$SRC/scripts/rgw.sh" start --port "$port" --dir "$rgwdir")"
mkfifo "$work/control"
"$LAKESTREAM" broker --brokers 1 --topic rides:$PARTITIONS <"$work/control" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
exec 7>"$work/control"
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")
[ -n "$B" ] || fail "broker did not start"
"$LAKESTREAM" generate --rows "$ROWS" --seed 41 --output "$work/taxi.csv" 2>/dev/null
"$LAKESTREAM" produce --bootstrap "$B" --topic rides --schema "$SCHEMA" --input "$work/taxi.csv" \
  --partitioner random -X sticky.partitioning.linger.ms=0 2>"$work/produce.log" \
  || { cat "$work/produce.log"; fail "produce"; }

$TOOL mkbucket two
OUT=s3://two/out
for w in a b; do
  "$LAKESTREAM" stream --bootstrap "$B" --topic rides --schema "$SCHEMA" --output "$OUT" \
    --checkpoint-mode conditional --trigger available-now --max-offsets-per-trigger 600 \
    --include-kafka-metadata --threads 1 --metrics-json "$work/$w.json" >"$work/$w.progress" 2>"$work/$w.log" &
  pids="$pids $!"
done
for p in $pids; do wait "$p" || fail "a writer exited non-zero: $(tail -3 "$work"/*.log)"; done
pids=""
for w in a b; do
  echo "writer $w: $(grep -o 'writer [0-9a-f]*' "$work/$w.log" | head -1), $(wc -l <"$work/$w.progress") batches committed, $(grep -c 'fenced at slot' "$work/$w.log" || true) fenced attempts"
done
fenced=$(cat "$work"/?.log | grep -c 'fenced at slot' || true)
[ "$fenced" -ge 1 ] || fail "no writer was fenced: the two did not compete"
[ -s "$work/a.progress" ] || [ -s "$work/b.progress" ] || fail "nobody committed"

# The log, as RGW saw it: per slot, one successful PUT, the others 412.
$TOOL settle "$LAKESTREAM_RGW_OPS_LOG"  # RGW writes its ops log asynchronously
PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 - "$LAKESTREAM_RGW_OPS_LOG" "$SRC/tests/e2e" <<'PY' || fail "log slots"
import collections, re, sys
sys.path.insert(0, sys.argv[2])
import stream_rgw
ok = collections.Counter()
lost = collections.Counter()
other = []
for rec in stream_rgw.ours(sys.argv[1], {"two"}):
    m = re.match(r"PUT /(?:two/)?out/_checkpoint/_commits/(\d+)\.json", rec["uri"])
    if not m:
        continue
    slot = int(m.group(1))
    st = rec["http_status"]
    if st == "200":
        ok[slot] += 1
    elif st == "412":
        lost[slot] += 1
    else:
        other.append((slot, st))
slots = sorted(set(ok) | set(lost))
twice = [s for s in slots if ok[s] != 1]
print(f"log slots: {len(slots)} (0..{max(slots)}), each won by exactly one PUT: {not twice}; "
      f"slots where a second writer's PUT lost with 412: {sum(1 for s in slots if lost[s])} "
      f"({sum(lost.values())} losing PUTs)")
if twice:
    print("slots not won exactly once:", [(s, ok[s]) for s in twice][:10])
if other:
    print("other statuses:", other[:10])
gap = [s for s in range(max(slots) + 1) if s not in ok]
if gap:
    print("slots never written:", gap[:10])
sys.exit(1 if twice or other or gap or not sum(lost.values()) else 0)
PY

"$LAKESTREAM" files "$OUT" | sort >"$work/committed"
$TOOL parquet "$OUT" >"$work/listed"
diff "$work/committed" "$work/listed" || fail "the output holds files that are not committed (or misses committed ones)"
n=$($TOOL download "$OUT" "$work/dl")
res=$(node "$DUCK" "SELECT count(*) AS n, count(DISTINCT (kafka_partition, kafka_offset)) AS d, count(DISTINCT kafka_partition) AS p FROM read_parquet('$work/dl/*.parquet')")
echo "duckdb over $n committed files: $res"
[ "$res" = "{\"n\":\"$ROWS\",\"d\":\"$ROWS\",\"p\":\"$PARTITIONS\"}" ] || fail "expected $ROWS rows exactly once"
rows=$(cat "$work"/?.progress | /usr/bin/python3 -c 'import json,sys; print(sum(json.loads(l)["numInputRows"] for l in sys.stdin if l.strip()))')
[ "$rows" = "$ROWS" ] || fail "the writers' progress lines add up to $rows rows, not $ROWS"
echo "OK: two writers, $fenced fenced attempts, every slot won once, $ROWS records exactly once"
