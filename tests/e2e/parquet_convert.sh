#!/usr/bin/env bash
# `lakestream convert` and `lakestream inspect` end to end: generated taxi CSV -> Parquet with every
# codec; DuckDB must read the same rows as it reads from the CSV itself; inspect must describe the
# file; bad input must fail with one clear line and a non-zero exit.
set -euo pipefail
: "${LAKESTREAM:?path to the lakestream binary}"
SRC=${LAKESTREAM_SOURCE_DIR:?source dir}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
duck() { node "$SRC/tools/js/duck.mjs" "$1"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

"$LAKESTREAM" generate --rows 20000 --seed 7 --output "$WORK/taxi.csv" --threads 1 2>/dev/null
COLS="{'VendorID':'BIGINT','tpep_pickup_datetime':'VARCHAR','tpep_dropoff_datetime':'VARCHAR','passenger_count':'DOUBLE','trip_distance':'DOUBLE','RatecodeID':'DOUBLE','store_and_fwd_flag':'VARCHAR','PULocationID':'BIGINT','DOLocationID':'BIGINT','payment_type':'BIGINT','fare_amount':'DOUBLE','extra':'DOUBLE','mta_tax':'DOUBLE','tip_amount':'DOUBLE','tolls_amount':'DOUBLE','improvement_surcharge':'DOUBLE','total_amount':'DOUBLE'}"
CSV="read_csv('$WORK/taxi.csv', header=true, columns=$COLS, strict_mode=false)"

for codec in uncompressed snappy gzip zstd lz4_raw; do
  out="$WORK/taxi_$codec.parquet"
  "$LAKESTREAM" convert --input "$WORK/taxi.csv" --schema "$SRC/schemas/nyc_taxi.avsc" \
    --output "$out" --compression "$codec" --threads 2 2>"$WORK/log" || { cat "$WORK/log"; fail "convert $codec"; }
  diff=$(duck "SELECT (SELECT count(*) FROM (SELECT * FROM '$out' EXCEPT ALL SELECT * FROM $CSV)) + (SELECT count(*) FROM (SELECT * FROM $CSV EXCEPT ALL SELECT * FROM '$out')) AS d")
  [[ "$diff" == '{"d":"0"}' ]] || fail "$codec: rows differ from the CSV: $diff"
  n=$(duck "SELECT count(*) AS n FROM '$out'")
  [[ "$n" == '{"n":"20000"}' ]] || fail "$codec: $n"
  comp=$(duck "SELECT DISTINCT compression AS c FROM parquet_metadata('$out')")
  [[ "$comp" == "{\"c\":\"${codec^^}\"}" ]] || fail "$codec: compression $comp"
  echo "ok convert $codec"
done

"$LAKESTREAM" inspect "$WORK/taxi_zstd.parquet" >"$WORK/inspect.txt"
grep -q '^rows: *20000$' "$WORK/inspect.txt" || fail "inspect rows"
grep -q 'required BYTE_ARRAY tpep_pickup_datetime (STRING)' "$WORK/inspect.txt" || fail "inspect schema"
grep -q '  VendorID: INT64 ZSTD \[PLAIN,RLE_DICTIONARY\] values=20000 .* min=1 max=2' "$WORK/inspect.txt" || fail "inspect chunk line"
echo "ok inspect"

echo "not parquet" >"$WORK/bad.parquet"
if "$LAKESTREAM" inspect "$WORK/bad.parquet" 2>"$WORK/err"; then fail "inspect accepted a text file"; fi
grep -q 'lakestream inspect: error: InvalidData: .*not a Parquet file' "$WORK/err" || { cat "$WORK/err"; fail "inspect error text"; }
if "$LAKESTREAM" convert --input "$WORK/taxi.csv" --schema "$SRC/schemas/nyc_taxi.avsc" --output "$WORK/x.parquet" --compression brotli 2>"$WORK/err"; then fail "brotli accepted"; fi
grep -q "unknown compression 'brotli'" "$WORK/err" || { cat "$WORK/err"; fail "compression error text"; }
[[ ! -e "$WORK/x.parquet" ]] || fail "failed convert left a file"
echo "ok errors"
