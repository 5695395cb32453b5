# Shared set-up for the fault scripts (sourced, not a test): a work directory, the dev broker, a
# private RGW, fault proxies, and the checks every script ends with. Everything started here is
# stopped by the EXIT trap, by PID.
set -euo pipefail
LAKESTREAM=${LAKESTREAM:?path to the lakestream binary}
SRC=${LAKESTREAM_SOURCE_DIR:?}
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
DUCK="$SRC/tools/js/duck.mjs"
PROXY="$SRC/tests/tools/s3_fault_proxy.py"
PY=/usr/bin/python3
command -v kcat >/dev/null || { echo "kcat not installed"; exit 1; }

work=$(mktemp -d)
pids=()
rgw_port=""
rgw_dir=""
broker_pid=""
cleanup() {
  local rc=$?
  exec 7>&- 2>/dev/null || true
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "$rgw_port" ]; then
    bash "$SRC/scripts/rgw.sh" stop --port "$rgw_port" --dir "$rgw_dir" >/dev/null 2>&1 || true
  fi
  for m in "${mounts[@]}"; do umount -l "$m" 2>/dev/null || true; done
  [ -n "${FAULTS_KEEP:-}" ] || rm -rf "$work"
  exit $rc
}
mounts=()
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "== $(date +%T) $*"; }

free_port() {
  $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_broker ARGS...: `lakestream broker` with a control FIFO on fd 7; sets B (bootstrap).
start_broker() {
  mkfifo "$work/control"
  "$LAKESTREAM" broker "$@" <"$work/control" >"$work/broker.out" 2>"$work/broker.err" &
  broker_pid=$!
  pids+=("$broker_pid")
  exec 7>"$work/control"
  for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
  B=$(head -n1 "$work/broker.out")
  [ -n "$B" ] || fail "broker did not start"
}

# control CMD...: one command to the broker; waits for its reply line and fails on "error:".
control() {
  local before
  before=$(wc -l <"$work/broker.out")
  echo "$*" >&7
  for _ in $(seq 300); do
    [ "$(wc -l <"$work/broker.out")" -gt "$before" ] && break
    sleep 0.05
  done
  local reply
  reply=$(sed -n "$((before + 1))p" "$work/broker.out")
  case "$reply" in ok*) ;; *) fail "broker control '$*': '$reply'" ;; esac
}

# start_rgw: a private RGW on a free port; exports AWS_* (rgw.sh), aws() wraps awscli.
# A start-up that fails (it does, now and then, on a loaded machine) is tried once more.
start_rgw() {
  local exports="" attempt
  for attempt in 1 2; do
    rgw_port=$(free_port)
    rgw_dir=$(mktemp -u /tmp/lakestream-faults-rgw-XXXXXX)
    if exports=$(bash "$SRC/scripts/rgw.sh" start --port "$rgw_port" --dir "$rgw_dir"); then break; fi
    echo "RGW start-up $attempt failed" >&2
    bash "$SRC/scripts/rgw.sh" stop --port "$rgw_port" --dir "$rgw_dir" >/dev/null 2>&1 || true
    exports=""
  done
  [ -n "$exports" ] || { rgw_port=""; fail "RGW did not start"; }
  eval "$exports"
  RGW="$AWS_ENDPOINT_URL"
}
aws() { /usr/bin/aws --endpoint-url "$RGW" "$@"; }

# start_proxy NAME ARGS...: the S3 fault proxy before RGW; sets PROXY_URL, logs to NAME.jsonl.
start_proxy() {
  local name=$1
  shift
  local scheme=http
  case " $* " in *" --tls-cert "*) scheme=https ;; esac
  "$PY" "$PROXY" --upstream "$RGW" --log "$work/$name.jsonl" "$@" >"$work/$name.port" \
    2>"$work/$name.err" &
  pids+=("$!")
  PROXY_PID=$!
  for _ in $(seq 100); do [ -s "$work/$name.port" ] && break; sleep 0.05; done
  local port
  port=$(head -n1 "$work/$name.port")
  [ -n "$port" ] || fail "proxy $name did not start: $(cat "$work/$name.err")"
  PROXY_URL="$scheme://127.0.0.1:$port"
}
stop_proxy() {
  kill -TERM "$PROXY_PID" 2>/dev/null || true
  wait "$PROXY_PID" 2>/dev/null || true
}
# faults_fired NAME: how many requests the proxy broke (any fault), from its log.
faults_fired() { grep -c '"fault": "[^"]' "$work/$1.jsonl" || true; }
# fault_kinds NAME: "2 500, 1 reset, ..." from the proxy's log.
fault_kinds() {
  grep -o '"fault": "[^"][^"]*"' "$work/$1.jsonl" | cut -d'"' -f4 | sort | uniq -c \
    | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}'
}

duck() { node "$DUCK" "$1"; }

# expect_failure LOG JOB PATTERN: the job ended non-zero (checked by the caller) with exactly one
# error line, "lakestream JOB: error: ...", matching the extended regex PATTERN.
expect_one_error() {
  local log=$1 job=$2 pattern=$3
  local n
  n=$(grep -c "^lakestream $job: error: " "$log" || true)
  [ "$n" = 1 ] || { tail -20 "$log"; fail "$job: expected one error line, found $n"; }
  grep "^lakestream $job: error: " "$log" | grep -Eq "$pattern" \
    || { grep "^lakestream $job: error: " "$log"; fail "$job: error line does not match /$pattern/"; }
  echo "   error line: $(grep "^lakestream $job: error: " "$log" | cut -c1-200)"
}

# run_expect_rc RC LOG CMD...: runs CMD with stdout+stderr to LOG and checks its exit status.
run_expect_rc() {
  local want=$1 log=$2
  shift 2
  set +e
  "$@" >"$log" 2>&1
  local rc=$?
  set -e
  [ "$rc" = "$want" ] || { tail -30 "$log"; fail "exit status $rc, expected $want: $*"; }
}

# fetch_committed OUT DIR: the committed data files of a stream output (local or S3) in DIR,
# after checking that the output holds no other data file.
fetch_committed() {
  local out=$1 dir=$2
  mkdir -p "$dir"
  "$LAKESTREAM" files "$out" | sort >"$work/committed.txt"
  [ -s "$work/committed.txt" ] || fail "no committed files in $out"
  if [[ "$out" == s3://* ]]; then
    # One boto3 process lists the prefix and downloads the committed files (awscli per file
    # costs a second each).
    $PY - "$out" "$dir" "$work/committed.txt" "$RGW" <<'PY' | sort >"$work/listed.txt"
import os, sys, boto3
out, dest, committed, endpoint = sys.argv[1:5]
bucket, _, prefix = out[len("s3://"):].partition("/")
s3 = boto3.client("s3", endpoint_url=endpoint)
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix.rstrip("/") + "/"):
    for o in page.get("Contents", []):
        if o["Key"].endswith(".parquet"):
            print(f"s3://{bucket}/{o['Key']}")
for uri in open(committed).read().split():
    key = uri[len("s3://") + len(bucket) + 1:]
    s3.download_file(bucket, key, os.path.join(dest, os.path.basename(key)))
PY
  else
    sed -i 's|^file://||' "$work/committed.txt"
    find "$out" -name '*.parquet' | sort >"$work/listed.txt"
    while read -r f; do cp "$f" "$dir/"; done <"$work/committed.txt"
  fi
  diff "$work/committed.txt" "$work/listed.txt" >/dev/null \
    || fail "output $out holds data files that are not committed (or misses committed ones)"
}

# exactly_once DIR ROWS [PARTITIONS]: DuckDB reads the Parquet files in DIR (written with
# --include-kafka-metadata) and finds ROWS records, each (partition, offset) once.
exactly_once() {
  local dir=$1 rows=$2 parts=${3:-}
  local res
  res=$(duck "SELECT count(*) AS n, count(DISTINCT (kafka_partition, kafka_offset)) AS d, count(DISTINCT kafka_partition) AS p FROM read_parquet('$dir/*.parquet')")
  echo "   duckdb: $res"
  local want="{\"n\":\"$rows\",\"d\":\"$rows\""
  [[ "$res" == "$want"* ]] || fail "expected $rows records exactly once in $dir, got $res"
  if [ -n "$parts" ]; then [[ "$res" == *"\"p\":\"$parts\"}" ]] || fail "expected $parts partitions: $res"; fi
}

# gapless DIR: per partition, offsets run without gaps from their minimum (nothing skipped).
gapless() {
  local res
  res=$(duck "SELECT count(*) AS bad FROM (SELECT kafka_partition, max(kafka_offset) + 1 - min(kafka_offset) - count(*) AS gap FROM read_parquet('$1/*.parquet') GROUP BY 1) WHERE gap <> 0")
  [ "$res" = '{"bad":"0"}' ] || fail "offset gaps in $1: $res"
}

# produce_csv TOPIC CSV [ARGS...]: lakestream produce, records spread one by one (the dev broker
# keeps 5 MiB per partition).
produce_csv() {
  local topic=$1 csv=$2
  shift 2
  "$LAKESTREAM" produce --bootstrap "$B" --topic "$topic" --schema "$SCHEMA" --input "$csv" \
    --partitioner random -X sticky.partitioning.linger.ms=0 "$@"
}

# metric_errors FILE: "api=errors/calls ..." for the APIs with errors in a --metrics-json file.
metric_errors() {
  $PY -c '
import json, sys
m = json.load(open(sys.argv[1]))["s3"]
print(" ".join("%s=%d/%d" % (k, v["errors"], v["calls"]) for k, v in sorted(m.items()) if v["errors"]) or "none")' "$1"
}

# record FIGURE...: one line for bench/RESULTS-faults.md (collected when FAULTS_FIGURES is set).
record() {
  echo "   figure: $*"
  if [ -n "${FAULTS_FIGURES:-}" ]; then echo "$(basename "$0" .sh): $*" >>"$FAULTS_FIGURES"; fi
}
