#!/usr/bin/env bash
# lakestream stream --topic-pattern + --schema-registry: two topics matching the pattern, written
# in Confluent framing with two different writer schemas registered in a schema registry
# (tests/tools/schema_registry.py), a third topic that does not match, and one record with an
# unknown schema id. The stream reads both matching topics with one reader schema (schema
# resolution per writer id), sends the unknown id to the dead letters, and DuckDB checks the
# rows against the CSV.
set -euo pipefail
LAKESTREAM=${LAKESTREAM:?path to the lakestream binary}
SRC=${LAKESTREAM_SOURCE_DIR:?}
command -v kcat >/dev/null || { echo "kcat not installed"; exit 1; }
ROWS=3000

work=$(mktemp -d)
broker_pid=""
registry_pid=""
cleanup() {
  exec 7>&- 2>/dev/null || true
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; fi
  if [ -n "$registry_pid" ] && kill -0 "$registry_pid" 2>/dev/null; then kill -TERM "$registry_pid"; wait "$registry_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -20 "$work/stream.log" >&2 2>/dev/null || true; exit 1; }

mkfifo "$work/control"
"$LAKESTREAM" broker --brokers 1 --topic rides-a:4 --topic rides-b:3 --topic other:2 \
  <"$work/control" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
exec 7>"$work/control"
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")
[ -n "$B" ] || fail "broker did not start"

/usr/bin/python3 "$SRC/tests/tools/schema_registry.py" --port 0 --first-id 11 \
  >"$work/registry.out" 2>"$work/registry.err" &
registry_pid=$!
for _ in $(seq 100); do [ -s "$work/registry.out" ] && break; sleep 0.1; done
REG="http://127.0.0.1:$(awk '/^port/{print $2}' "$work/registry.out")"

# Writer schemas: v1 = the seed's schema; v2 = renamed record without tolls_amount. The reader
# schema gives tolls_amount a default (-1), so v2 records resolve to it.
/usr/bin/python3 - "$SRC/schemas/nyc_taxi.avsc" "$work" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
v2 = dict(s, name="topLevelRecord", fields=[f for f in s["fields"] if f["name"] != "tolls_amount"])
json.dump(v2, open(sys.argv[2] + "/v2.avsc", "w"))
reader = dict(s, fields=[dict(f, default=-1.0) if f["name"] == "tolls_amount" else f for f in s["fields"]])
json.dump(reader, open(sys.argv[2] + "/reader.avsc", "w"))
PY

"$LAKESTREAM" generate --rows $ROWS --seed 5 --output "$work/taxi.csv" 2>/dev/null
produce() {  # topic schema
  "$LAKESTREAM" produce --bootstrap "$B" --topic "$1" --schema "$2" --input "$work/taxi.csv" \
    --wire-format confluent --schema-registry "$REG" --partitioner random \
    -X sticky.partitioning.linger.ms=0 2>>"$work/produce.log" || fail "produce $1"
}
produce rides-a "$SRC/schemas/nyc_taxi.avsc"
produce rides-b "$work/v2.avsc"
produce other "$SRC/schemas/nyc_taxi.avsc"
# One record with schema id 999, which the registry does not know.
printf '\x00\x00\x00\x03\xe7\x02\x04' >"$work/bad.bin"
kcat -P -b "$B" -t rides-a -p 0 "$work/bad.bin"

"$LAKESTREAM" stream --bootstrap "$B" --topic-pattern 'rides-.*' --schema "$work/reader.avsc" \
  --wire-format confluent --schema-registry "$REG" --output "$work/out" \
  --trigger available-now --include-kafka-metadata --metrics-json "$work/m.json" \
  >"$work/progress" 2>"$work/stream.log" || fail "stream exited $?"

/usr/bin/python3 - "$work/m.json" "$ROWS" <<'PY' || fail "metrics"
import json, sys
m = json.load(open(sys.argv[1])); rows = int(sys.argv[2])
assert m["rows"] == 2 * rows, m
assert m["bad_records"] == 1, m
print("metrics ok:", m["rows"], "rows,", m["bad_records"], "bad record")
PY
grep -h "schema id 999 is unknown to the schema registry" "$work"/out/_dead_letter/*.jsonl >/dev/null \
  || fail "dead letter for the unknown id not found"
grep -c '"topic":"rides-a"' "$work"/out/_dead_letter/*.jsonl | grep -qx 1 || fail "dead letter topic"

# Per topic: every row once; rides-a's tolls are the CSV's, rides-b's are the reader default.
exp=$(/usr/bin/python3 - "$work/taxi.csv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline="")) if r.get("VendorID")]
print(f'{len(rows)} {sum(float(r["total_amount"]) for r in rows):.2f} {sum(float(r["tolls_amount"]) for r in rows):.2f}')
PY
)
read -r n total tolls <<<"$exp"
[ "$n" = "$ROWS" ] || fail "CSV has $n rows"
out=$(cd "$work/out" && node "$SRC/tools/js/duck.mjs" "SELECT kafka_topic AS t, count(*) AS n, count(DISTINCT (kafka_partition, kafka_offset)) AS d, round(sum(total_amount), 2) AS total, round(sum(tolls_amount), 2) AS tolls FROM read_parquet('$work/out/**/*.parquet') GROUP BY 1 ORDER BY 1")
echo "$out"
/usr/bin/python3 - "$n" "$total" "$tolls" <<PY || fail "DuckDB rows do not match the CSV"
import json, sys
n, total, tolls = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
rows = [json.loads(l) for l in """$out""".splitlines() if l.startswith("{")]
assert [r["t"] for r in rows] == ["rides-a", "rides-b"], rows
for r in rows:
    assert int(r["n"]) == n and int(r["d"]) == n, r
    assert abs(float(r["total"]) - total) < 0.01, (r, total)
assert abs(float(rows[0]["tolls"]) - tolls) < 0.01, (rows[0], tolls)
assert abs(float(rows[1]["tolls"]) + n) < 0.01, rows[1]
print("duckdb ok: both topics, every row once, writer schemas resolved")
PY
echo "PASS"
