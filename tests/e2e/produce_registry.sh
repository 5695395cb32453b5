#!/usr/bin/env bash
# `lakestream produce --wire-format confluent` against a schema registry (the Confluent-compatible
# test server tests/tools/schema_registry.py): the schema is registered under <topic>-value, every
# message carries magic byte 0 + the id the registry assigned, and the bodies decode with
# python3-avro against the registered schema, field by field equal to the CSV. The registry URL is
# given once by --schema-registry and once by the environment (KAFKA_SCHEMA_REGISTRY).
set -euo pipefail
BIN=${LAKESTREAM:?path to the lakestream binary}
SRC=${LAKESTREAM_SOURCE_DIR:?}
SCHEMA="$SRC/schemas/nyc_taxi.avsc"
ROWS=20000
command -v kcat >/dev/null || { echo "kcat not installed"; exit 1; }

work=$(mktemp -d /tmp/ls-e2e-registry.XXXXXX)
broker_pid=""
reg_pid=""
cleanup() {
  if [ -n "$reg_pid" ]; then kill -TERM "$reg_pid" 2>/dev/null || true; fi
  exec 7>&- 2>/dev/null || true
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -TERM "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "produce_registry: FAIL: $*" >&2; exit 1; }

mkfifo "$work/control"
"$BIN" broker --brokers 1 --topic reg:8 --topic regenv:8 \
  <"$work/control" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
exec 7>"$work/control"

# The registry hands out ids from 42; a schema registered first under another subject takes 42,
# so the producer's schema must get 43: an id only the registry could have given.
coproc REG { exec /usr/bin/python3 "$SRC/tests/tools/schema_registry.py" --port 0 --first-id 42 2>"$work/registry.log"; }
reg_pid=$REG_PID
read -r -t 30 word port <&"${REG[0]}" || fail "registry did not start"
[ "$word" = port ] || fail "registry printed '$word $port'"
R="http://127.0.0.1:$port"
other=$(curl -s -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
  --data '{"schema": "{\"type\":\"record\",\"name\":\"Other\",\"fields\":[{\"name\":\"a\",\"type\":\"long\"}]}"}' \
  "$R/subjects/other-value/versions")
[ "$other" = '{"id": 42}' ] || fail "pre-registration answered $other"

for _ in $(seq 300); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")
[ -n "$B" ] || fail "broker did not start"
"$BIN" generate --rows "$ROWS" --seed 5 --output "$work/taxi.csv" 2>/dev/null

check() {  # topic
  kcat -b "$B" -C -t "$1" -o beginning -e -q -f '%R%s' >"$work/$1.dump"
  /usr/bin/python3 "$SRC/tests/e2e/produce_verify.py" "$SCHEMA" "$work/taxi.csv" "$work/$1.dump" \
    --registry "$R" --subject "$1-value" || fail "topic $1 does not match the CSV"
}

# 1. --schema-registry flag.
"$BIN" produce --bootstrap "$B" --topic reg --schema "$SCHEMA" --input "$work/taxi.csv" \
  --wire-format confluent --schema-registry "$R" 2>"$work/p1.log" || { cat "$work/p1.log"; fail "produce reg"; }
grep -q "schema registered as id 43 under subject reg-value" "$work/p1.log" || { cat "$work/p1.log"; fail "registration log"; }
grep -q "produced $ROWS, rejected 0, failed 0" "$work/p1.log" || { cat "$work/p1.log"; fail "summary"; }
check reg

# 2. KAFKA_SCHEMA_REGISTRY from the environment: the same schema under a new subject keeps its id.
KAFKA_SCHEMA_REGISTRY="$R" "$BIN" produce --bootstrap "$B" --topic regenv --schema "$SCHEMA" \
  --input "$work/taxi.csv" --wire-format confluent 2>"$work/p2.log" || { cat "$work/p2.log"; fail "produce regenv"; }
grep -q "schema registered as id 43 under subject regenv-value" "$work/p2.log" || { cat "$work/p2.log"; fail "registration log (env)"; }
check regenv
[ "$(curl -s "$R/subjects/regenv-value/versions")" = "[1]" ] || fail "regenv-value versions"
echo "produce_registry: OK"
