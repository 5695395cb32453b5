#!/usr/bin/env bash
# lakestream generate: deterministic output, the real files' layout, and values DuckDB reads as
# the 17-column taxi table with totals that add up.
set -euo pipefail
LAKESTREAM=${LAKESTREAM:?path to the lakestream binary}
SRC=${LAKESTREAM_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$LAKESTREAM" generate --rows 50000 --seed 3 --output "$tmp/a.csv"
"$LAKESTREAM" generate --rows 50000 --seed 3 --threads 1 --output "$tmp/b.csv"
cmp "$tmp/a.csv" "$tmp/b.csv" || { echo "FAIL: same seed, different output"; exit 1; }
"$LAKESTREAM" generate --rows 50000 --seed 4 --output "$tmp/c.csv"
if cmp -s "$tmp/a.csv" "$tmp/c.csv"; then echo "FAIL: seed ignored"; exit 1; fi

# Layout: header ends in LF, then a blank CRLF line, rows end in CRLF.
[ "$(sed -n 2p "$tmp/a.csv" | od -An -c | tr -d ' ')" = '\r\n' ] || { echo "FAIL: line 2 not blank CRLF"; exit 1; }
[ "$(sed -n 3p "$tmp/a.csv" | tail -c 2 | od -An -c | tr -d ' ')" = '\r\n' ] || { echo "FAIL: rows not CRLF"; exit 1; }
[ "$(wc -l < "$tmp/a.csv")" = 50002 ] || { echo "FAIL: line count"; exit 1; }

# DuckDB's CSV sniffer rejects the TLC layout (LF header, blank CRLF line, CRLF rows), so it reads
# a copy with the blank line and the CRs removed; the values are untouched.
sed '2d' "$tmp/a.csv" | tr -d '\r' > "$tmp/a_lf.csv"
cd "$SRC/tools/js"
out=$(node duck.mjs "SELECT count(*)::BIGINT AS n,
    sum(CASE WHEN abs(fare_amount + extra + mta_tax + tip_amount + tolls_amount + improvement_surcharge - total_amount) > 1e-6 THEN 1 ELSE 0 END)::BIGINT AS bad_totals,
    min(PULocationID) >= 1 AND max(PULocationID) <= 265 AS zones_ok,
    count(DISTINCT VendorID)::BIGINT AS vendors,
    sum(CASE WHEN payment_type = 2 AND tip_amount <> 0 THEN 1 ELSE 0 END)::BIGINT AS cash_tips
  FROM read_csv('$tmp/a_lf.csv', header=true, skip=0, delim=',', columns={
    'VendorID':'BIGINT','tpep_pickup_datetime':'VARCHAR','tpep_dropoff_datetime':'VARCHAR',
    'passenger_count':'DOUBLE','trip_distance':'DOUBLE','RatecodeID':'DOUBLE','store_and_fwd_flag':'VARCHAR',
    'PULocationID':'BIGINT','DOLocationID':'BIGINT','payment_type':'BIGINT','fare_amount':'DOUBLE',
    'extra':'DOUBLE','mta_tax':'DOUBLE','tip_amount':'DOUBLE','tolls_amount':'DOUBLE',
    'improvement_surcharge':'DOUBLE','total_amount':'DOUBLE'}, ignore_errors=false)")
echo "$out"
expected='{"n":"50000","bad_totals":"0","zones_ok":true,"vendors":"2","cash_tips":"0"}'
[ "$out" = "$expected" ] || { echo "FAIL: expected $expected"; exit 1; }

# Defects: the generator reports what it planted.
"$LAKESTREAM" generate --rows 20000 --seed 5 --defects 0.05 --output "$tmp/d.csv" 2> "$tmp/d.log"
grep -Eq ' [0-9]{3,4} defects \(' "$tmp/d.log" || { cat "$tmp/d.log"; echo "FAIL: defect count"; exit 1; }
echo PASS
