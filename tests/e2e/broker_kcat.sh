#!/usr/bin/env bash
# The dev broker against an independent client (kcat): bootstrap line, produce, consume back,
# metadata, stdin fault controls (broker down/up, injected errors, retention loss), clean stop.
set -euo pipefail
LAKESTREAM=${LAKESTREAM:?path to the lakestream binary}
command -v kcat >/dev/null || { echo "kcat not installed"; exit 1; }

work=$(mktemp -d)
broker_pid=""
cleanup() {
  exec 7>&- 2>/dev/null || true
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -KILL "$broker_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- broker stderr:" >&2; tail -20 "$work/broker.err" >&2; exit 1; }

mkfifo "$work/control"
"$LAKESTREAM" broker --brokers 3 --topic events:4 --topic other:2 \
  <"$work/control" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
exec 7>"$work/control"   # keep the control pipe open for the broker's whole life

for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
bootstrap=$(head -n1 "$work/broker.out")
[[ "$bootstrap" =~ ^127\.0\.0\.1:[0-9]+(,127\.0\.0\.1:[0-9]+){2}$ ]] || fail "bootstrap line '$bootstrap'"
echo "bootstrap: $bootstrap"

# Metadata: both topics with their partition counts, three brokers.
kcat -b "$bootstrap" -L -J >"$work/meta.json"
/usr/bin/python3 - "$work/meta.json" <<'PY' || fail "metadata"
import json, sys
m = json.load(open(sys.argv[1]))
topics = {t["topic"]: len(t["partitions"]) for t in m["topics"]}
assert topics.get("events") == 4, topics
assert topics.get("other") == 2, topics
assert len(m["brokers"]) == 3, m["brokers"]
print("metadata ok:", topics)
PY

# Produce 400 keyed records to explicit partitions, then read each partition back exactly.
for p in 0 1 2 3; do
  seq 1 100 | sed "s/^/p$p-/" | kcat -P -b "$bootstrap" -t events -p $p
done
for p in 0 1 2 3; do
  kcat -C -b "$bootstrap" -t events -p $p -o beginning -e -q -f '%o %s\n' >"$work/p$p.txt"
  [ "$(wc -l <"$work/p$p.txt")" = 100 ] || fail "partition $p has $(wc -l <"$work/p$p.txt") records"
  [ "$(head -n1 "$work/p$p.txt")" = "0 p$p-1" ] || fail "partition $p first record '$(head -n1 "$work/p$p.txt")'"
  [ "$(tail -n1 "$work/p$p.txt")" = "99 p$p-100" ] || fail "partition $p last record '$(tail -n1 "$work/p$p.txt")'"
done
echo "produce/consume ok: 4 x 100 records"

# Control protocol: each command answers one line on stdout after the bootstrap line.
send() { echo "$1" >&7; }
wait_reply() {  # wait for reply number $1 (line $1+1 of stdout)
  for _ in $(seq 300); do [ "$(wc -l <"$work/broker.out")" -gt "$1" ] && break; sleep 0.1; done
  sed -n "$(($1 + 1))p" "$work/broker.out"
}
send "bogus"
r=$(wait_reply 1); [[ "$r" == error:* ]] || fail "bogus command answered '$r'"
send "broker-down all"
r=$(wait_reply 2); [ "$r" = ok ] || fail "broker-down answered '$r'"
if timeout 10 kcat -b "$bootstrap" -L -m 3 >/dev/null 2>&1; then fail "metadata succeeded with every broker down"; fi
send "broker-up all"
r=$(wait_reply 3); [ "$r" = ok ] || fail "broker-up answered '$r'"
kcat -b "$bootstrap" -L -m 10 >/dev/null || fail "metadata after broker-up"
echo "broker down/up ok"

# Retention loss: everything in events/0 before the command is gone afterwards.
send "expire events 0"
r=$(wait_reply 4); [[ "$r" =~ ^ok\ log-start-offset\ ([0-9]+)$ ]] || fail "expire answered '$r'"
start=${BASH_REMATCH[1]}
[ "$start" -ge 100 ] || fail "log start offset $start after expire"
first=$(kcat -C -b "$bootstrap" -t events -p 0 -o beginning -c 1 -q -f '%o\n')
[ "$first" = "$start" ] || fail "first offset after expire $first, expected $start"
# The other partitions are untouched.
[ "$(kcat -C -b "$bootstrap" -t events -p 1 -o beginning -c 1 -q -f '%o %s\n')" = "0 p1-1" ] || fail "partition 1 changed"
echo "expire ok: events/0 now starts at $start"

# Clean stop on SIGTERM.
kill -TERM "$broker_pid"
for _ in $(seq 100); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$broker_pid" 2>/dev/null; then fail "broker still running 10 s after SIGTERM"; fi
set +e; wait "$broker_pid"; rc=$?; set -e
broker_pid=""
[ "$rc" = 0 ] || fail "broker exit status $rc after SIGTERM"
grep -q "stopped" "$work/broker.err" || fail "no 'stopped' log line"
echo "PASS"
