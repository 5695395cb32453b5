#!/usr/bin/env bash
# Secrets stay secret (docs/faults.md, row SEC): every job (generate, broker, topic, produce,
# stream, files, convert, inspect) runs with a recognisable AWS_SECRET_ACCESS_KEY,
# AWS_SESSION_TOKEN and sasl.password, in runs that work and runs that fail (a wrong secret key
# so RGW answers 403, an endpoint that refuses connections, SASL against a broker without it).
# Every stdout/stderr, progress line, --metrics-json, /metrics scrape, dead-letter and reject file
# is then searched for the three values (and the S3 one base64-encoded): none may appear.
source "$(dirname "$0")/common.bash"
[ -n "${FAULTS_KEEP:-}" ] && echo "work dir $work"
S3_SECRET="LsS3cretKey-7fq2XmZ9-dontLeak"
TOKEN="LsSessi0nTok-Qw8vB3-dontLeak"
SASL="LsSaslPassw0rd-Hj5kP1-dontLeak"

start_rgw
GOOD_SECRET="$AWS_SECRET_ACCESS_KEY"
aws s3 mb s3://sec >/dev/null
start_broker --brokers 1 --topic sec:2 --topic rejects:1
mkdir -p "$work/logs"
L="$work/logs"
X=(-X "sasl.password=$SASL")
# run NAME RC CMD...: run with the secrets in the environment, output to $L/NAME.log.
run() {
  local name=$1 rc=$2
  shift 2
  run_expect_rc "$rc" "$L/$name.log" env AWS_SECRET_ACCESS_KEY="$S3_SECRET" AWS_SESSION_TOKEN="$TOKEN" "$@"
}
# The same with RGW's real secret key (the session token and SASL password still set).
run_good_s3() {
  local name=$1 rc=$2
  shift 2
  run_expect_rc "$rc" "$L/$name.log" env AWS_SECRET_ACCESS_KEY="$GOOD_SECRET" "$@"
}

note "generate, convert, inspect"
run generate 0 "$LAKESTREAM" generate --rows 3000 --seed 91 --defects 0.01 --output "$work/gen.csv"
run convert 0 "$LAKESTREAM" convert --input "$work/gen.csv" --schema "$SCHEMA" --output "$work/conv.parquet"
run inspect 0 "$LAKESTREAM" inspect "$work/conv.parquet"
# A usage error quoting the arguments it did not expect (CLI11's ExtrasError, exit 109).
run usage_error 109 "$LAKESTREAM" inspect "$work/conv.parquet" -X "sasl.password=$SASL"

note "broker (with a schedule) and topic"
printf 'sleep 200\nstop\n' >"$work/sched"
run broker 0 "$LAKESTREAM" broker --brokers 1 --topic x:1 --schedule "$work/sched"
run topic_describe 0 "$LAKESTREAM" topic describe --bootstrap "$B" --topic sec "${X[@]}"
run topic_sasl_fail 1 "$LAKESTREAM" topic describe --bootstrap "$B" --topic sec --timeout 3 \
  -X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=PLAIN -X sasl.username=u "${X[@]}"

note "produce: local input with rejects, S3 input with a wrong secret (403), a dead endpoint, SASL"
run produce 0 "$LAKESTREAM" produce --bootstrap "$B" --topic sec --schema "$SCHEMA" \
  --input "$work/gen.csv" --reject-file "$L/rejects.jsonl" --reject-topic rejects "${X[@]}"
aws s3 cp --only-show-errors "$work/gen.csv" s3://sec/in/gen.csv
run produce_403 1 "$LAKESTREAM" produce --bootstrap "$B" --topic sec --schema "$SCHEMA" \
  --input s3://sec/in/ "${X[@]}"
dead=http://127.0.0.1:$(free_port)
run produce_dead_endpoint 1 "$LAKESTREAM" produce --bootstrap "$B" --topic sec --schema "$SCHEMA" \
  --input s3://sec/in/ --s3-endpoint "$dead" --s3-max-retries 1 "${X[@]}"
run produce_sasl_fail 1 "$LAKESTREAM" produce --bootstrap "$B" --topic sec --schema "$SCHEMA" \
  --input "$work/gen.csv" -X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=PLAIN \
  -X sasl.username=u -X message.timeout.ms=3000 "${X[@]}"

note "stream: S3 output (good key, then 403, dead endpoint), dead letters, /metrics, SASL"
kcat -b "$B" -P -t sec -p 0 "$work/sched"   # a poison record for the dead letter
run_good_s3 stream_s3 0 "$LAKESTREAM" stream --bootstrap "$B" --topic sec --schema "$SCHEMA" \
  --output s3://sec/out --trigger available-now --metrics-json "$L/metrics_s3.json" "${X[@]}"
aws s3 cp --recursive --only-show-errors s3://sec/out/_dead_letter/ "$L/dead_s3/"
run stream_403 1 "$LAKESTREAM" stream --bootstrap "$B" --topic sec --schema "$SCHEMA" \
  --output s3://sec/out2 --trigger available-now --metrics-json "$L/metrics_403.json" "${X[@]}"
run stream_dead_endpoint 1 "$LAKESTREAM" stream --bootstrap "$B" --topic sec --schema "$SCHEMA" \
  --output s3://sec/out3 --s3-endpoint "$dead" --s3-max-retries 1 --trigger available-now "${X[@]}"
# A long-running local stream with /metrics, scraped while it runs, then stopped by SIGTERM.
env AWS_SECRET_ACCESS_KEY="$S3_SECRET" AWS_SESSION_TOKEN="$TOKEN" "$LAKESTREAM" stream \
  --bootstrap "$B" --topic sec --schema "$SCHEMA" --output "$work/localout" --trigger 200ms \
  --http-port 0 --metrics-json "$L/metrics_local.json" "${X[@]}" >"$L/stream_local.log" 2>&1 &
spid=$!
pids+=("$spid")
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*serving \/metrics.* on port \([0-9]*\).*/\1/p' "$L/stream_local.log" | head -1)
  [ -n "$port" ] && grep -q '"batchId"' "$L/stream_local.log" && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$L/stream_local.log"; fail "no /metrics port"; }
curl -sf "http://127.0.0.1:$port/metrics" >"$L/metrics_scrape.txt" || fail "scrape /metrics"
grep -q "^lakestream_" "$L/metrics_scrape.txt" || fail "empty /metrics"
kill -TERM "$spid"
wait "$spid" || fail "local stream exit status $?"
cp -r "$work/localout/_dead_letter" "$L/dead_local"
run stream_sasl_fail 1 timeout 60 "$LAKESTREAM" stream --bootstrap "$B" --topic sec \
  --schema "$SCHEMA" --output "$work/saslout" --trigger available-now \
  -X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=PLAIN -X sasl.username=u "${X[@]}"

note "files: good key, then 403"
run_good_s3 files 0 "$LAKESTREAM" files s3://sec/out -l
run files_403 1 "$LAKESTREAM" files s3://sec/out

note "searching every output for the secrets"
[ -s "$L/rejects.jsonl" ] && ls "$L"/dead_s3/*.jsonl "$L"/dead_local/*.jsonl >/dev/null \
  || fail "expected reject and dead-letter files to search"
b64=$(printf '%s' "$S3_SECRET" | base64)
leaks=0
for s in "$S3_SECRET" "$TOKEN" "$SASL" "$b64" "${S3_SECRET:0:12}" "${TOKEN:0:12}" "${SASL:0:12}"; do
  if grep -rl -F -- "$s" "$L"; then
    echo "LEAK of '$s':" >&2
    grep -r -F -n -- "$s" "$L" | head -5 >&2
    leaks=$((leaks + 1))
  fi
done
[ "$leaks" = 0 ] || fail "$leaks secrets leaked"
n=$(ls "$L" | wc -l)
for f in produce_403 stream_403 files_403; do grep -q "403\|SignatureDoesNotMatch\|denied" "$L/$f.log" || fail "$f: no 403 reported"; done
record "secrets: 3 values searched in $n outputs of 20 runs (8 jobs, 9 of them failing): no leak"
echo PASS
