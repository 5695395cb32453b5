#!/usr/bin/env bash
# `lakestream broker --schedule FILE`: a scripted fault schedule runs after start (here: create a
# topic, take broker 1 down and up, then stop), checked with kcat; a bad schedule is refused
# before the broker starts.
set -euo pipefail
LAKESTREAM=${LAKESTREAM:?path to the lakestream binary}
work=$(mktemp -d)
broker_pid=""
cleanup() {
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -KILL "$broker_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -20 "$work/broker.err" >&2 || true; exit 1; }

cat >"$work/schedule" <<'S'
# created after start, then a short outage of broker 1, then stop
create-topic late 5 2
broker-down 1
sleep 500
broker-up 1
sleep 4000
stop
S
"$LAKESTREAM" broker --brokers 2 --topic early:1 --schedule "$work/schedule" </dev/null \
  >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
B=$(head -n1 "$work/broker.out")
[ -n "$B" ] || fail "no bootstrap line"

# The scheduled topic appears (5 partitions), next to the one from --topic.
ok=""
for _ in $(seq 50); do
  if kcat -b "$B" -L -J 2>/dev/null | /usr/bin/python3 -c '
import json, sys
t = {x["topic"]: len(x["partitions"]) for x in json.load(sys.stdin)["topics"]}
sys.exit(0 if t.get("late") == 5 and t.get("early") == 1 else 1)'; then ok=1; break; fi
  sleep 0.1
done
[ -n "$ok" ] || fail "topic 'late' never appeared"
# Every scheduled command ran and was logged in order.
for _ in $(seq 100); do grep -q "control: broker-up 1 -> ok" "$work/broker.err" && break; sleep 0.1; done
grep -q "control: create-topic late 5 2 -> ok" "$work/broker.err" || fail "create-topic not logged"
grep -q "control: broker-down 1 -> ok" "$work/broker.err" || fail "broker-down not logged"
grep -q "control: broker-up 1 -> ok" "$work/broker.err" || fail "broker-up not logged"
# Produce/consume still work after the outage.
echo hello | kcat -P -b "$B" -t late -p 3
[ "$(kcat -C -b "$B" -t late -p 3 -o beginning -c 1 -q)" = hello ] || fail "consume after outage"

# The schedule's `stop` ends the broker with status 0.
for _ in $(seq 300); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$broker_pid" 2>/dev/null; then fail "broker did not stop by schedule"; fi
set +e; wait "$broker_pid"; rc=$?; set -e
broker_pid=""
[ "$rc" = 0 ] || fail "exit status $rc"

# A malformed schedule is refused up front, naming the file.
echo "rtt 1" >"$work/bad"
set +e
"$LAKESTREAM" broker --topic t:1 --schedule "$work/bad" </dev/null >"$work/bad.out" 2>"$work/bad.err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "bad schedule exit status $rc"
grep -q "schedule $work/bad: rtt: usage" "$work/bad.err" || fail "bad schedule message: $(cat "$work/bad.err")"
[ ! -s "$work/bad.out" ] || fail "bad schedule still printed a bootstrap line"
echo PASS
