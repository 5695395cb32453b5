#!/usr/bin/env bash
# scripts/rgw.sh itself: start an instance on a free port, use it with awscli (an independent
# client), check the exports and the ops log, stop it, and check that nothing is left behind.
set -euo pipefail
src=${LAKESTREAM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -u /tmp/lakestream-e2e-rgw-XXXXXX)
cleanup() { "$src/scripts/rgw.sh" stop --port "$port" --dir "$dir" >/dev/null 2>&1 || true; rm -f "$tmp"; }
tmp=$(mktemp)
trap cleanup EXIT

exports=$("$src/scripts/rgw.sh" start --port "$port" --dir "$dir")
eval "$exports"
[ "$AWS_ENDPOINT_URL" = "http://127.0.0.1:$port" ] || { echo "bad endpoint: $AWS_ENDPOINT_URL"; exit 1; }
[ "$LAKESTREAM_TEST_S3" = 1 ] || { echo "LAKESTREAM_TEST_S3 not exported"; exit 1; }
pids=$(cat "$dir"/run/*.pid)
[ "$(echo "$pids" | wc -w)" = 3 ] || { echo "expected 3 daemons, got: $pids"; exit 1; }

aws() { /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }
echo "hello rgw" > "$tmp"
aws s3 mb s3://e2e-rgw >/dev/null
aws s3 cp --only-show-errors "$tmp" s3://e2e-rgw/dir/hello.txt
got=$(aws s3 cp s3://e2e-rgw/dir/hello.txt -)
[ "$got" = "hello rgw" ] || { echo "read back: $got"; exit 1; }
grep -q '"bucket":"e2e-rgw"' "$LAKESTREAM_RGW_OPS_LOG" || { echo "ops log has no record"; exit 1; }

"$src/scripts/rgw.sh" stop --port "$port" --dir "$dir"
for p in $pids; do
  if kill -0 "$p" 2>/dev/null; then echo "daemon $p still running after stop"; exit 1; fi
done
[ ! -e "$dir" ] || { echo "$dir left behind"; exit 1; }
echo "storage_rgw: ok"
