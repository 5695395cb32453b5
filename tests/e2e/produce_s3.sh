#!/usr/bin/env bash
# lakestream produce from S3 (the local RGW test server): a key prefix holding a gzip and a plain
# CSV, uploaded with awscli, produced to the dev broker; every row in the topic exactly once
# (kcat + python3-avro against the CSV).
set -euo pipefail
LAKESTREAM=${LAKESTREAM:?path to the lakestream binary}
SRC=${LAKESTREAM_SOURCE_DIR:?}
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
command -v kcat >/dev/null || { echo "kcat not installed"; exit 1; }

work=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rgwdir=$(mktemp -u /tmp/lakestream-e2e-produce-rgw-XXXXXX)
broker_pid=""
cleanup() {
  exec 7>&- 2>/dev/null || true
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; fi
  "$SRC/scripts/rgw.sh" stop --port "$port" --dir "$rgwdir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

eval "$("$SRC/scripts/rgw.sh" start --port "$port" --dir "$rgwdir")"
aws() { /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }

mkfifo "$work/control"
"$LAKESTREAM" broker --brokers 1 --topic s3:8 <"$work/control" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
exec 7>"$work/control"
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")

"$LAKESTREAM" generate --rows 60000 --seed 31 --output "$work/gen.csv" 2>/dev/null
head -n 30002 "$work/gen.csv" | gzip -c >"$work/a.csv.gz"
{ head -n 2 "$work/gen.csv"; tail -n +30003 "$work/gen.csv"; } >"$work/b.csv"
aws s3 mb s3://taxi >/dev/null
aws s3 cp --only-show-errors "$work/a.csv.gz" s3://taxi/in/2018/a.csv.gz
aws s3 cp --only-show-errors "$work/b.csv" s3://taxi/in/2018/b.csv

"$LAKESTREAM" produce --bootstrap "$B" --topic s3 --schema "$SCHEMA" --input s3a://taxi/in/2018/ \
  2>"$work/p.log" || { cat "$work/p.log"; fail "produce from S3"; }
grep -q "files 2, rows read 60000, produced 60000, rejected 0, failed 0" "$work/p.log" \
  || { cat "$work/p.log"; fail "summary"; }
kcat -b "$B" -C -t s3 -o beginning -e -q -f '%R%s' >"$work/s3.dump"
/usr/bin/python3 "$SRC/tests/e2e/produce_verify.py" "$SCHEMA" "$work/gen.csv" "$work/s3.dump" || fail "topic content"
echo PASS
