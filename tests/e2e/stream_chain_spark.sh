#!/usr/bin/env bash
# lakestream stream --checkpoint-mode chain --spark-metadata, on the local filesystem, with
# crashes: every run is killed (SIGKILL) right after its Nth object-store request, then a clean
# run finishes. Checks: DuckDB finds every Kafka record exactly once in the files that Spark's
# reader would read (_spark_metadata, read like CompactibleFileStreamLog.allFiles), those files are
# exactly the output's data files and `lakestream files`; files roll at fixed offset steps
# (--max-file-rows) and carry their end offset; the steady state makes no checkpoint request.
set -euo pipefail
LAKESTREAM=${LAKESTREAM:?path to the lakestream binary}
SRC=${LAKESTREAM_SOURCE_DIR:?}
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
DUCK="$SRC/tools/js/duck.mjs"
ROWS=20000
PARTITIONS=4
SEED=${STREAM_E2E_SEED:-5}

# shellcheck source=lib/rides_topic.bash
source "$SRC/tests/e2e/lib/rides_topic.bash"
start_rides_topic "$PARTITIONS" "$ROWS" 3

OUT=$work/out
stream() {
  "$LAKESTREAM" stream --bootstrap "$B" --topic rides --schema "$SCHEMA" --output "$OUT" \
    --checkpoint-mode chain --spark-metadata --trigger available-now --max-offsets-per-trigger 1000 \
    --max-file-rows 150 --include-kafka-metadata --threads 2 "$@"
}

echo "crash points from seed $SEED"
RANDOM=$SEED
crashes=0
for i in $(seq 1 6); do
  n=$(( (RANDOM % 40) + 1 ))
  set +e
  LAKESTREAM_CRASH_AFTER_S3_CALL=$n stream >"$work/progress.$i" 2>"$work/stream.$i.log"
  rc=$?
  set -e
  if [ $rc -eq 137 ]; then
    crashes=$((crashes + 1))
  elif [ $rc -ne 0 ]; then
    tail -5 "$work/stream.$i.log"; fail "run $i (crash after request $n) exited $rc"
  fi
  echo "run $i: crash after request $n -> exit $rc"
done
[ $crashes -ge 3 ] || fail "only $crashes runs crashed; crash hook not effective"
stream --metrics-json "$work/metrics.json" >"$work/progress.final" 2>"$work/stream.final.log" \
  || { cat "$work/stream.final.log"; fail "final run"; }
tail -n 12 "$work/stream.final.log"

# Spark's view: the newest entry back to the newest compact one, adds minus deletes.
/usr/bin/python3 - "$OUT/_spark_metadata" >"$work/spark.txt" <<'PY' || fail "spark log unreadable"
import json, os, sys
d = sys.argv[1]
ids = sorted(int(n.removesuffix(".compact")) for n in os.listdir(d) if n.removesuffix(".compact").isdigit())
latest, k = ids[-1], 10
assert ids == list(range(latest + 1)), f"ids not gap-free: {ids}"
files = {}
for i in range(max(0, (latest + 1) // k * k - 1), latest + 1):
    name = f"{i}.compact" if (i + 1) % k == 0 else str(i)
    lines = open(os.path.join(d, name), encoding="utf-8").read().split("\n")
    assert lines[0] == "v1", (name, lines[0])
    for line in lines[1:]:
        e = json.loads(line)
        assert list(e) == ["path", "size", "isDir", "modificationTime", "blockReplication", "blockSize", "action"], e
        assert e["isDir"] is False and e["blockReplication"] == 1
        if e["action"] == "add":
            files[e["path"]] = e["size"]
        else:
            files.pop(e["path"], None)
for p in sorted(files):
    assert p.startswith("file:///"), p
    assert os.path.getsize(p[len("file://"):]) == files[p], (p, files[p])
    print(p[len("file://"):])
PY
find "$OUT" -maxdepth 1 -name '*.parquet' | sort >"$work/listed.txt"
"$LAKESTREAM" files "$OUT" | sed 's|^file://||' | sort >"$work/committed.txt"
diff "$work/spark.txt" "$work/listed.txt" || fail "Spark's log and the output's files differ"
diff "$work/committed.txt" "$work/listed.txt" || fail "lakestream files and the output's files differ"

res=$(node "$DUCK" "SELECT count(*) AS n, count(DISTINCT (kafka_partition, kafka_offset)) AS d, count(DISTINCT kafka_partition) AS p FROM read_parquet([$(sed "s/.*/'&'/" "$work/spark.txt" | paste -sd,)])")
echo "duckdb: $res"
[ "$res" = "{\"n\":\"$ROWS\",\"d\":\"$ROWS\",\"p\":\"$PARTITIONS\"}" ] || fail "expected $ROWS rows exactly once, got $res"
# Fixed offset steps: no file holds more than 150 offsets, each file's offsets lie in
# [start, start + 150) with start taken from its name.
bad=$(node "$DUCK" "SELECT count(*) AS bad FROM (SELECT filename, min(kafka_offset) AS lo, max(kafka_offset) AS hi, count(*) AS n, CAST(regexp_extract(filename, '-([0-9]{20})\\.parquet', 1) AS BIGINT) AS s FROM read_parquet('$OUT/*.parquet', filename = true) GROUP BY filename) WHERE n > 150 OR lo < s OR hi >= s + 150")
[ "$bad" = '{"bad":"0"}' ] || fail "files outside their offset step: $bad"

# Zero checkpoint requests per batch: the final run's only protocol requests are its start-up
# LIST and one HEAD per partition; the Spark log costs one PUT per batch (+ its start-up reads).
/usr/bin/python3 - "$work/metrics.json" "$work/progress.final" "$PARTITIONS" <<'PY' || fail "request counts"
import json, sys
m = json.load(open(sys.argv[1]))
ck = {k: v["calls"] for k, v in m["s3_checkpoint"].items() if v["calls"]}
per_batch = [sum(json.loads(l)["s3_checkpoint"].values()) for l in open(sys.argv[2]) if l.strip()]
print("checkpoint requests:", ck, "batches:", m["batches"], "spark log:", {k: v["calls"] for k, v in m["s3_spark_metadata"].items()})
assert ck == {"ListObjectsV2": 1, "HeadObject": int(sys.argv[3])}, ck
assert sum(per_batch) == 0, per_batch
sp = m["s3_spark_metadata"]
# One entry per batch, plus at most one at start for the batch a crash left without its entry.
assert m["batches"] <= sp["PutObject"]["calls"] <= m["batches"] + 1, sp
PY
echo "OK: $ROWS records exactly once after $crashes crashes (chain layout, Spark sink log)"
