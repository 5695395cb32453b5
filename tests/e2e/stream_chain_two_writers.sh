#!/usr/bin/env bash
# Two `lakestream stream --checkpoint-mode chain` processes on the same output at the same time
# (local filesystem: create-only publish by link(2)). Each data file's create-only write is the
# commit, so when both plan the same range one wins and the other is fenced (412), adopts the
# winner's chain end and plans again. DuckDB then finds every record exactly once.
set -euo pipefail
LAKESTREAM=${LAKESTREAM:?path to the lakestream binary}
SRC=${LAKESTREAM_SOURCE_DIR:?}
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
DUCK="$SRC/tools/js/duck.mjs"
ROWS=20000
PARTITIONS=4

# shellcheck source=lib/rides_topic.bash
source "$SRC/tests/e2e/lib/rides_topic.bash"
start_rides_topic "$PARTITIONS" "$ROWS" 9

# STREAM_E2E_OUTPUT=s3://bucket/prefix runs it on S3 (AWS_* exports of scripts/rgw.sh; an
# unversioned bucket: RGW 16.2 ignores If-None-Match on versioned ones).
OUT=${STREAM_E2E_OUTPUT:-$work/out}
stream() {
  local max=$1
  shift
  "$LAKESTREAM" stream --bootstrap "$B" --topic rides --schema "$SCHEMA" --output "$OUT" \
    --checkpoint-mode chain --spark-metadata --trigger available-now --max-offsets-per-trigger "$max" \
    --include-kafka-metadata --threads 1 "$@"
}
# Two writers with different batch sizes, so their files (when both land) would overlap if the
# protocol let them: 400 vs 300 offsets per batch.
stream 400 --metrics-json "$work/a.json" >"$work/a.progress" 2>"$work/a.log" &
a=$!
stream 300 --metrics-json "$work/b.json" >"$work/b.progress" 2>"$work/b.log" &
b=$!
wait $a || { tail -5 "$work/a.log"; fail "writer a"; }
wait $b || { tail -5 "$work/b.log"; fail "writer b"; }

summary=$(/usr/bin/python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
print(a["batches"], b["batches"], a["fenced"], b["fenced"])' "$work/a.json" "$work/b.json")
read -r ba bb fa fb <<<"$summary"
echo "writer a: $ba batches, $fa fenced attempts; writer b: $bb batches, $fb fenced attempts"
grep -h "fenced on" "$work/a.log" "$work/b.log" | head -3 || true

if [[ "$OUT" == s3://* ]]; then
  /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" s3 cp --recursive --quiet "$OUT/" "$work/dl/"
  DATA=$work/dl
  PREFIX=$OUT
else
  DATA=$OUT
  PREFIX=file://$OUT
fi
res=$(node "$DUCK" "SELECT count(*) AS n, count(DISTINCT (kafka_partition, kafka_offset)) AS d FROM read_parquet('$DATA/*.parquet')")
echo "duckdb: $res"
[ "$res" = "{\"n\":\"$ROWS\",\"d\":\"$ROWS\"}" ] || fail "expected $ROWS rows exactly once, got $res"
# Both committed and neither was ever fenced: impossible when both started from the empty output,
# since each one's first files start at offset 0 of every partition (same keys).
if [ "$ba" -gt 0 ] && [ "$bb" -gt 0 ] && [ "$fa" -eq 0 ] && [ "$fb" -eq 0 ]; then
  fail "both writers committed and neither was fenced"
fi
# Spark's log lists every data file exactly once across both writers' entries.
/usr/bin/python3 - "$DATA" "$PREFIX" <<'PY' || fail "Spark log"
import json, os, sys
d = os.path.join(sys.argv[1], "_spark_metadata")
ids = sorted(int(n.removesuffix(".compact")) for n in os.listdir(d))
assert ids == list(range(len(ids))), ids
latest, k, files = ids[-1], 10, []
for i in range(max(0, (latest + 1) // k * k - 1), latest + 1):
    name = f"{i}.compact" if (i + 1) % k == 0 else str(i)
    lines = open(os.path.join(d, name)).read().split("\n")
    assert lines[0] == "v1"
    files += [json.loads(l)["path"] for l in lines[1:]]
listed = sorted(sys.argv[2] + "/" + n for n in os.listdir(sys.argv[1]) if n.endswith(".parquet"))
assert sorted(set(files)) == listed, (len(set(files)), len(listed))
assert len(files) == len(set(files)), "a file is listed twice"
print(f"spark log: {len(ids)} entries, {len(files)} files")
PY
echo "OK: two concurrent writers, $ROWS records exactly once"
