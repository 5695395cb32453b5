#!/usr/bin/env bash
# lakestream stream on a versioned RGW bucket, modes conditional and direct: after runs with
# retention (--retain 3 --compact-every 2) and crashes (SIGKILL right after a data upload, and
# right after a recovery's cleanup) plus recovery, the bucket holds no delete marker and no
# noncurrent version (boto3 list_object_versions, an independent client), retention did delete
# old log entries, and DuckDB finds every Kafka record exactly once in the committed files.
set -euo pipefail
LAKESTREAM=${LAKESTREAM:?path to the lakestream binary}
SRC=${LAKESTREAM_SOURCE_DIR:?}
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
DUCK="$SRC/tools/js/duck.mjs"
TOOL="/usr/bin/python3 $SRC/tests/e2e/stream_rgw.py"
ROWS=8000
PARTITIONS=4
MODES=${STREAM_VERSIONED_MODES:-conditional direct}

work=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rgwdir=$(mktemp -u /tmp/lakestream-e2e-versioned-rgw-XXXXXX)
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
mkfifo "$work/control"
"$LAKESTREAM" broker --brokers 1 --topic rides:$PARTITIONS <"$work/control" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
exec 7>"$work/control"
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")
[ -n "$B" ] || fail "broker did not start"
"$LAKESTREAM" generate --rows "$ROWS" --seed 23 --output "$work/taxi.csv" 2>/dev/null
"$LAKESTREAM" produce --bootstrap "$B" --topic rides --schema "$SCHEMA" --input "$work/taxi.csv" \
  --partitioner random -X sticky.partitioning.linger.ms=0 2>"$work/produce.log" \
  || { cat "$work/produce.log"; fail "produce"; }

for mode in $MODES; do
  bucket="ver-$mode"
  OUT="s3://$bucket/out"
  $TOOL mkbucket "$bucket" --versioned
  stream() {
    "$LAKESTREAM" stream --bootstrap "$B" --topic rides --schema "$SCHEMA" --output "$OUT" \
      --checkpoint-mode "$mode" --trigger available-now --max-offsets-per-trigger 400 \
      --include-kafka-metadata --threads 2 --retain 3 --compact-every 2 "$@"
  }
  # Some batches, then crashes at points that leave uncommitted files (and re-written log
  # entries in direct mode), each followed by a recovery; then the rest.
  stream --max-batches 8 >"$work/$mode.p0" 2>"$work/$mode.log0" || { tail "$work/$mode.log0"; fail "$mode: first run"; }
  crashes=0
  for k in 9 14 17 26 31; do
    set +e
    LAKESTREAM_CRASH_AFTER_S3_CALL=$k stream >"$work/$mode.p$k" 2>"$work/$mode.log$k"
    rc=$?
    set -e
    [ $rc = 137 ] && crashes=$((crashes + 1))
    [ $rc = 137 ] || [ $rc = 0 ] || { tail "$work/$mode.log$k"; fail "$mode: crash run $k exited $rc"; }
  done
  [ $crashes -ge 4 ] || fail "$mode: only $crashes runs crashed"
  stream --metrics-json "$work/$mode.json" >"$work/$mode.pend" 2>"$work/$mode.logend" \
    || { tail "$work/$mode.logend"; fail "$mode: final run"; }
  grep -h "batches, .* rows" "$work/$mode.logend" | sed 's/^.*INFO stream: /final run: /'

  v=$($TOOL versions "$OUT")
  echo "$mode versions: $v"
  /usr/bin/python3 -c '
import json, sys
v = json.loads(sys.argv[1])
sys.exit(0 if v["delete_markers"] == 0 and v["noncurrent"] == 0 and v["current"] > 0 else 1)' "$v" \
    || fail "$mode: delete markers or noncurrent versions left"

  # Retention removed old log entries: fewer live than written.
  "$LAKESTREAM" files "$OUT" | sort >"$work/$mode.committed"
  $TOOL parquet "$OUT" >"$work/$mode.listed"
  diff "$work/$mode.committed" "$work/$mode.listed" || fail "$mode: output holds uncommitted files"
  $TOOL keys "$OUT/_checkpoint" >"$work/$mode.log_keys"
  slots=$(cat "$work/$mode".p* | wc -l)
  logs=$(grep -c . "$work/$mode.log_keys" || true)
  echo "$mode: $slots batches, $logs checkpoint objects live: $(sed 's|.*/_checkpoint/||' "$work/$mode.log_keys" | tr '\n' ' ')"
  [ "$logs" -lt "$slots" ] || fail "$mode: retention removed nothing ($logs log objects for $slots batches)"

  $TOOL download "$OUT" "$work/$mode.dl" >/dev/null
  res=$(node "$DUCK" "SELECT count(*) AS n, count(DISTINCT (kafka_partition, kafka_offset)) AS d FROM read_parquet('$work/$mode.dl/*.parquet')")
  [ "$res" = "{\"n\":\"$ROWS\",\"d\":\"$ROWS\"}" ] || fail "$mode: expected $ROWS rows exactly once, got $res"
  echo "OK $mode: versioned bucket, $crashes crashes, $ROWS rows exactly once, no delete marker, no noncurrent version"
done
