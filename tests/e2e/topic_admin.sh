#!/usr/bin/env bash
# `lakestream topic describe|create` against the dev broker, checked against kcat's metadata, and
# its error paths: missing topic, existing topic, impossible replication, unreachable broker,
# bad librdkafka property, secrets never echoed.
set -euo pipefail
LAKESTREAM=${LAKESTREAM:?path to the lakestream binary}
work=$(mktemp -d)
broker_pid=""
cleanup() {
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -TERM "$broker_pid"; wait "$broker_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$LAKESTREAM" broker --brokers 3 --topic nyc-avro-topic:10 </dev/null >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")
[ -n "$B" ] || fail "no bootstrap line"

# 25 records into partition 7, so the watermarks have something to show.
seq 1 25 | kcat -P -b "$B" -t nyc-avro-topic -p 7

"$LAKESTREAM" topic describe --bootstrap "$B" --topic nyc-avro-topic --json >"$work/d.json"
kcat -b "$B" -L -J -t nyc-avro-topic >"$work/k.json"
/usr/bin/python3 - "$work/d.json" "$work/k.json" <<'PY' || fail "describe disagrees with kcat"
import json, sys
d = json.load(open(sys.argv[1])); k = json.load(open(sys.argv[2]))
kt = [t for t in k["topics"] if t["topic"] == "nyc-avro-topic"][0]
assert d["topic"] == "nyc-avro-topic" and d["partitions"] == 10 == len(kt["partitions"]), d
assert d["replication"] == 3, d
kp = {p["partition"]: p for p in kt["partitions"]}
for p in d["partition_details"]:
    assert p["leader"] == kp[p["partition"]]["leader"], (p, kp[p["partition"]])
    assert sorted(p["replicas"]) == sorted(r["id"] for r in kp[p["partition"]]["replicas"]), p
    want_high = 25 if p["partition"] == 7 else 0
    assert (p["low"], p["high"]) == (0, want_high), p
print("describe ok")
PY
# Text form, and the environment variable (the seed's misspelt one too) instead of --bootstrap.
KAFKA_BOOTSTRAM_SERVER="$B" "$LAKESTREAM" topic describe --topic nyc-avro-topic >"$work/d.txt"
head -n1 "$work/d.txt" | grep -qx "topic nyc-avro-topic partitions 10 replication 3" || fail "text describe: $(head -n1 "$work/d.txt")"
grep -q "partition 7 leader [0-9] replicas .* low 0 high 25" "$work/d.txt" || fail "text describe partition 7"

expect_error() {  # expect_error EXIT_CODE PATTERN -- command...
  local want=$1 pattern=$2; shift 3
  set +e; "$@" >"$work/out" 2>"$work/err"; local rc=$?; set -e
  [ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want: $(cat "$work/err")"
  grep -q -- "$pattern" "$work/err" || fail "'$*' stderr lacks '$pattern': $(cat "$work/err")"
}
expect_error 1 "NotFound: topic missing does not exist" -- "$LAKESTREAM" topic describe --bootstrap "$B" --topic missing
# The lookup must not have auto-created it.
kcat -b "$B" -L -J | /usr/bin/python3 -c 'import json,sys; assert "missing" not in [t["topic"] for t in json.load(sys.stdin)["topics"]]' || fail "describe created the topic"
expect_error 1 "AlreadyExists: create topic nyc-avro-topic: topic already exists with 10 partitions" -- \
  "$LAKESTREAM" topic create --bootstrap "$B" --topic nyc-avro-topic --partitions 10 --replication 3
expect_error 2 "replication factor 5 exceeds the 3 broker" -- \
  "$LAKESTREAM" topic create --bootstrap "$B" --topic fresh --partitions 2 --replication 5
# The mock does not implement CreateTopics: a timeout that says what to do instead.
expect_error 1 "does not implement CreateTopics" -- \
  "$LAKESTREAM" topic create --bootstrap "$B" --topic fresh --partitions 2 --replication 1 --timeout 2
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect_error 1 "cannot reach Kafka at 127.0.0.1:$port" -- \
  "$LAKESTREAM" topic describe --bootstrap "127.0.0.1:$port" --topic t --timeout 2
expect_error 2 "kafka property no.such.property=1" -- \
  "$LAKESTREAM" topic describe --bootstrap "$B" --topic t --kafka no.such.property=1
expect_error 2 "bootstrap is required" -- env -u KAFKA_BOOTSTRAP_SERVER -u KAFKA_BOOTSTRAM_SERVER \
  "$LAKESTREAM" topic describe --topic t
# A secret passed through never shows up, even when librdkafka rejects the configuration.
secret="S3cretLakestreamCanary"
set +e
"$LAKESTREAM" --log-level debug topic describe --bootstrap "$B" --topic nyc-avro-topic \
  --kafka kafka.sasl.password=$secret --kafka ssl.key.password=$secret >"$work/s.out" 2>"$work/s.err"
"$LAKESTREAM" topic describe --bootstrap "$B" --topic nyc-avro-topic \
  --kafka sasl.oauthbearer.client.secret=$secret --kafka bad >>"$work/s.out" 2>>"$work/s.err"
set -e
if grep -q "$secret" "$work/s.out" "$work/s.err"; then fail "secret leaked: $(grep "$secret" "$work/s.out" "$work/s.err")"; fi
grep -q "sasl.password=\*\*\*\*" "$work/s.err" || fail "debug log should show the redacted secret: $(cat "$work/s.err")"
echo PASS
