#!/usr/bin/env bash
# lakestream produce with bad rows: PERMISSIVE (skip, count, reject file and topic with line and
# reason), DROPMALFORMED (skip, count), FAILFAST (stop, naming line and column), on a hand-made
# file with one defect of each kind and on a generated file with planted defects.
set -euo pipefail
LAKESTREAM=${LAKESTREAM:?path to the lakestream binary}
SRC=${LAKESTREAM_SOURCE_DIR:?}
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
command -v kcat >/dev/null || { echo "kcat not installed"; exit 1; }

work=$(mktemp -d)
broker_pid=""
cleanup() {
  exec 7>&- 2>/dev/null || true
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkfifo "$work/control"
"$LAKESTREAM" broker --brokers 1 --topic perm:4 --topic drop:4 --topic fast:4 --topic rejects:1 \
  --topic planted:24 <"$work/control" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
exec 7>"$work/control"
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")
[ -n "$B" ] || fail "broker did not start"
count() { kcat -b "$B" -C -t "$1" -o beginning -e -q -f 'x\n' | wc -l; }

H="VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,RatecodeID,store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,extra,mta_tax,tip_amount,tolls_amount,improvement_surcharge,total_amount"
G1="1,2018-01-01 00:21:05,2018-01-01 00:24:23,1,.50,1,N,41,24,2,4.5,0.5,0.5,0,0,0.3,5.8"
G2="2,2018-01-01 00:44:55,2018-01-01 01:03:05,1,2.70,1,N,239,140,2,14,0.5,0.5,0,0,0.3,15.3"
G3="1,2018-01-01 00:08:26,2018-01-01 00:14:21,2,.80,1,N,262,141,1,6,0.5,0.5,1,0,0.3,8.3"
{
  printf '%s\n\r\n' "$H"                                                                   # 1, 2
  printf '%s\r\n' "$G1"                                                                    # 3
  printf '%s\r\n' "1,2018-01-01 00:21:05,2018-01-01 00:24:23,1,.50,1,N,41,24,2,abc,0.5,0.5,0,0,0.3,5.8"  # 4 bad number
  printf '%s\r\n' "1,2018-01-01 00:21:05,2018-01-01 00:24:23,1,.50,1,N,,24,2,4.5,0.5,0.5,0,0,0.3,5.8"    # 5 missing value
  printf '%s\r\n' "$G2,7,8"                                                                # 6 extra columns
  printf '%s\r\n' "$G3"                                                                    # 7
  printf '%s\r\n' "2,2018-01-01 00:44:55,2018-01-01 01:03:05,1,2.70"                       # 8 short row
  printf '%s\r\n' "$G2"                                                                    # 9
  printf '%s\r\n' "1,2018-01-01 00:21:05,2018-01-01 00:24:23,1,.50,1,\"N,41,24,2,4.5,0.5,0.5,0,0,0.3,5.8"  # 10 unterminated quote (to EOF)
} >"$work/bad.csv"
printf '%s\n%s\n%s\n%s\n' "$H" "$G1" "$G3" "$G2" >"$work/good.csv"

# PERMISSIVE: 3 rows produced, 5 rejected, each in the reject file and the reject topic.
"$LAKESTREAM" produce --bootstrap "$B" --topic perm --schema "$SCHEMA" --input "$work/bad.csv" \
  --reject-file "$work/rejects.jsonl" --reject-topic rejects 2>"$work/perm.log" \
  || { cat "$work/perm.log"; fail "permissive run failed"; }
grep -q "rows read 8, produced 3, rejected 5, failed 0" "$work/perm.log" || { cat "$work/perm.log"; fail "permissive summary"; }
grep -q "5 rejected (2 field count, 1 bad value, 1 missing value, 1 unterminated quote)" "$work/perm.log" \
  || { cat "$work/perm.log"; fail "reject reasons"; }
/usr/bin/python3 - "$work/rejects.jsonl" <<'PY' || fail "reject file"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
got = [(r["line"], r["column"], r["reason"]) for r in rows]
want = [(4, "fare_amount", "bad double 'abc'"),
        (5, "PULocationID", "empty value for a non-nullable column"),
        (6, "", "17 fields expected, 19 found"),
        (8, "", "17 fields expected, 5 found"),
        (10, "", "unterminated quoted field")]
assert got == want, got
assert rows[0]["record"].startswith("1,2018-01-01 00:21:05"), rows[0]
print("reject file ok")
PY
[ "$(count rejects)" = 5 ] || fail "reject topic has $(count rejects) messages"
kcat -b "$B" -C -t perm -o beginning -e -q -f '%R%s' >"$work/perm.dump"
/usr/bin/python3 "$SRC/tests/e2e/produce_verify.py" "$SCHEMA" "$work/good.csv" "$work/perm.dump" || fail "permissive topic content"

# DROPMALFORMED: same counts, nothing written for the rejects.
"$LAKESTREAM" produce --bootstrap "$B" --topic drop --schema "$SCHEMA" --input "$work/bad.csv" \
  --mode DROPMALFORMED --reject-file "$work/drop.jsonl" 2>"$work/drop.log" || { cat "$work/drop.log"; fail "drop run"; }
grep -q "rows read 8, produced 3, rejected 5, failed 0" "$work/drop.log" || { cat "$work/drop.log"; fail "drop summary"; }
[ ! -s "$work/drop.jsonl" ] || fail "DROPMALFORMED wrote rejects"
[ "$(count drop)" = 3 ] || fail "drop topic has $(count drop)"

# FAILFAST: stops at line 4 naming the column; exit status 1.
set +e
"$LAKESTREAM" produce --bootstrap "$B" --topic fast --schema "$SCHEMA" --input "$work/bad.csv" \
  --mode failfast 2>"$work/fast.log"
rc=$?
set -e
[ $rc = 1 ] || { cat "$work/fast.log"; fail "FAILFAST exit status $rc"; }
grep -q "bad.csv: line 4, column 'fare_amount': bad double 'abc'" "$work/fast.log" || { cat "$work/fast.log"; fail "FAILFAST message"; }

# Planted defects in a generated file: exactly the planted rows are rejected.
"$LAKESTREAM" generate --rows 100000 --seed 21 --defects 0.02 --output "$work/planted.csv" 2>"$work/gen.log"
planted=$(sed -E 's/.* ([0-9]+) defects \(.*/\1/' "$work/gen.log")
[ "$planted" -gt 1500 ] || { cat "$work/gen.log"; fail "planted count '$planted'"; }
# Records spread one by one: sticky batches could pile > 5 MiB (the dev broker's retention) on one
# partition and lose rows, which the count below would (rightly) report.
"$LAKESTREAM" produce --bootstrap "$B" --topic planted --schema "$SCHEMA" --input "$work/planted.csv" \
  --partitioner random -X sticky.partitioning.linger.ms=0 --reject-file "$work/planted.jsonl" 2>"$work/planted.log" || { cat "$work/planted.log"; fail "planted run"; }
grep -q "rows read 100000, produced $((100000 - planted)), rejected $planted, failed 0" "$work/planted.log" \
  || { cat "$work/gen.log" "$work/planted.log"; fail "planted summary"; }
[ "$(wc -l <"$work/planted.jsonl")" = "$planted" ] || fail "reject file lines"
[ "$(count planted)" = "$((100000 - planted))" ] || fail "planted topic count"
echo PASS
