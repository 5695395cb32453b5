#!/usr/bin/env bash
# A throw-away S3 server for tests: Ceph's RADOS Gateway on a one-monitor, one-OSD (memstore)
# cluster bound to 127.0.0.1. No mgr, no auth, pool size 1. Several instances may run at once on
# different ports; each lives entirely in its own directory.
#
#   scripts/rgw.sh start [--port P] [--dir D]   # prints `export ...` lines for eval
#   scripts/rgw.sh stop  [--port P] [--dir D]   # stops radosgw, OSD, mon by PID; removes D
#
# Usage in a test run:  eval "$(scripts/rgw.sh start)"; ctest ...; scripts/rgw.sh stop
# Defaults: P=7480, D=/tmp/lakestream-rgw-$P. Diagnostics go to stderr, exports to stdout.
# Needs: apt-get install --no-install-recommends ceph-mon ceph-osd radosgw (scripts/install.sh).
set -euo pipefail

ACCESS_KEY=lakestream
SECRET_KEY=lakestream-secret-key

cmd=${1:-}
[ -n "$cmd" ] && shift
port=7480
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "rgw.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -n "$dir" ] || dir=/tmp/lakestream-rgw-$port

say() { echo "rgw.sh: $*" >&2; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  # A port for the monitor outside the ephemeral range, not listening now. Callers hold the
  # bring-up lock until the monitor listens, so two instances never pick the same one.
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 10000))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  return 1
}

stop_pid() {  # stop_pid NAME: SIGTERM, wait up to 10 s, then SIGKILL
  local f="$dir/run/$1.pid" pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

do_stop() {
  if [ ! -d "$dir" ]; then say "nothing to stop in $dir"; return 0; fi
  # Order matters: the gateway first (it talks to the OSD), then the OSD, then the monitor.
  stop_pid client  # radosgw runs as client.rgw: pid file $type.pid = client.pid
  stop_pid osd
  stop_pid mon
  rm -rf "$dir"
  say "stopped ($dir)"
}

do_start() {
  for b in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph; do
    command -v $b >/dev/null || { say "missing $b: run scripts/install.sh"; exit 1; }
  done
  if [ -d "$dir" ]; then
    say "$dir exists (already running? run: scripts/rgw.sh stop --port $port)"; exit 1
  fi
  if port_in_use "$port"; then
    say "port $port is already in use"; exit 1
  fi
  mkdir -p "$dir"/{mon,osd,run,log}
  # Any failing step: show why, and leave nothing running behind.
  trap 'say "start failed at line $LINENO; last log lines:"; tail -n 15 "$dir/log/setup.log" >&2; do_stop; exit 1' ERR
  # Bring-up runs under a lock shared by all instances (daemons do not inherit it): concurrent
  # bring-ups were seen to cross-talk ("wrong fsid", pools never going active). ~2 s each.
  exec 9>/tmp/lakestream-rgw.lock
  flock -w 120 9
  local mon_port fsid conf
  mon_port=$(free_port)
  fsid=$(cat /proc/sys/kernel/random/uuid)
  conf="$dir/ceph.conf"
  cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$mon_port
mon initial members = a
ms bind msgr2 = false
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon max pg per osd = 1000
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$type.pid
[mon]
mon data = $dir/mon
paxos propose interval = 0.05
paxos min wait = 0.01
[osd]
osd data = $dir/osd
osd objectstore = memstore
memstore device bytes = 8589934592
osd max object size = 1073741824
# The crush entry is added by this script; the OSD's own start-up crush/device-class updates were
# seen to fail ("wrong fsid") when several instances start at once, and are not needed.
osd crush update on start = false
osd class update on start = false
[client]
ms mon client mode = crc
rgw frontends = beast endpoint=127.0.0.1:$port
# Virtual-hosted addressing: http://BUCKET.localhost:$port (curl resolves *.localhost itself).
rgw dns name = localhost
rgw enable ops log = true
rgw ops log rados = false
rgw ops log file path = $dir/log/ops.log
rgw thread pool size = 64
EOF
  export CEPH_CONF="$conf"
  say "starting monitor on 127.0.0.1:$mon_port ($dir)"
  monmaptool --create --fsid "$fsid" --addv a "[v1:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null 2>&1
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" >>"$dir/log/setup.log" 2>&1
  ceph-mon -c "$conf" -i a >>"$dir/log/setup.log" 2>&1 9>&-
  for _ in $(seq 100); do port_in_use "$mon_port" && break; sleep 0.05; done
  local osd_id osd_uuid
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  # Right after start the monitor may still be settling its first elections and answer EPERM
  # ("problem getting command descriptions"); `osd create UUID` is idempotent, so just retry.
  osd_id=""
  for _ in $(seq 50); do
    if osd_id=$(ceph -c "$conf" --connect-timeout 20 osd create "$osd_uuid" 2>>"$dir/log/setup.log"); then
      break
    fi
    osd_id=""
    sleep 0.2
  done
  [ -n "$osd_id" ] || { say "the monitor never accepted 'osd create'"; false; }
  ceph-osd -c "$conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >>"$dir/log/setup.log" 2>&1
  ceph -c "$conf" osd crush add "osd.$osd_id" 1 root=default >>"$dir/log/setup.log" 2>&1 || true
  ceph-osd -c "$conf" -i "$osd_id" >>"$dir/log/setup.log" 2>&1 9>&-
  say "starting radosgw on 127.0.0.1:$port"
  radosgw -c "$conf" -n client.rgw >>"$dir/log/setup.log" 2>&1 9>&-
  local ok=0
  for _ in $(seq 600); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then ok=1; break; fi
    sleep 0.1
  done
  if [ $ok != 1 ]; then
    say "radosgw did not answer within 60 s; logs in $dir/log"
    tail -n 20 "$dir/log/"*.log >&2 || true
    do_stop
    exit 1
  fi
  radosgw-admin -c "$conf" -n client.rgw user create --uid=lakestream --display-name=lakestream \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >>"$dir/log/setup.log" 2>&1
  trap - ERR
  exec 9>&-  # releases the bring-up lock
  say "ready on http://127.0.0.1:$port (ops log $dir/log/ops.log)"
  cat <<EOF
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
export AWS_ACCESS_KEY_ID=$ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$SECRET_KEY
export AWS_REGION=us-east-1
export LAKESTREAM_TEST_S3=1
export LAKESTREAM_RGW_OPS_LOG=$dir/log/ops.log
EOF
}

case "$cmd" in
  start) do_start ;;
  stop) do_stop ;;
  *) echo "usage: scripts/rgw.sh start|stop [--port P] [--dir D]" >&2; exit 2 ;;
esac
