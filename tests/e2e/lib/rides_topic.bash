# Shared set-up of the stream e2e tests (sourced, not a test): a work directory removed at exit,
# fail(), and a dev broker (`lakestream broker`, one mock broker) whose topic "rides" holds
# generated taxi rows spread record by record over its partitions (the dev broker keeps ~5 MB per
# partition, so nothing is lost to retention at these sizes).
#   start_rides_topic PARTITIONS ROWS SEED   -> sets B (bootstrap); the CSV is $work/taxi.csv
# Needs LAKESTREAM and SCHEMA set by the caller.

work=$(mktemp -d)
broker_pid=""
cleanup() {
  exec 7>&- 2>/dev/null || true
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid"
    wait "$broker_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

start_rides_topic() {
  local partitions=$1 rows=$2 seed=$3
  # The broker stops when its stdin (fd 7, closed by cleanup) ends.
  mkfifo "$work/control"
  "$LAKESTREAM" broker --brokers 1 --topic rides:"$partitions" <"$work/control" \
    >"$work/broker.out" 2>"$work/broker.err" &
  broker_pid=$!
  exec 7>"$work/control"
  for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
  B=$(head -n1 "$work/broker.out")
  [ -n "$B" ] || fail "broker did not start"
  "$LAKESTREAM" generate --rows "$rows" --seed "$seed" --output "$work/taxi.csv" 2>/dev/null
  "$LAKESTREAM" produce --bootstrap "$B" --topic rides --schema "$SCHEMA" --input "$work/taxi.csv" \
    --partitioner random -X sticky.partitioning.linger.ms=0 2>"$work/produce.log" \
    || { cat "$work/produce.log"; fail "produce"; }
}
