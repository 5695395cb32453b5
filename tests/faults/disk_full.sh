#!/usr/bin/env bash
# Disk full under the stream job (docs/faults.md, rows D-*), for its local output and its local
# checkpoint, each on a small tmpfs of its own (mounted here when running as root; otherwise a
# file size limit, RLIMIT_FSIZE with SIGXFSZ ignored, so writes fail with EFBIG, and only the
# output cell runs). Each time: one clear error line naming the path, exit 1, no half-written
# file committed (every committed file reads whole in DuckDB, nothing else in the output), and
# after space returns a restart ends with every record exactly once.
source "$(dirname "$0")/common.bash"
[ -n "${FAULTS_KEEP:-}" ] && echo "work dir $work"
ROWS=20000
PARTS=2

start_broker --brokers 1 --topic disk:$PARTS
"$LAKESTREAM" generate --rows $ROWS --seed 81 --output "$work/gen.csv" 2>/dev/null
produce_csv disk "$work/gen.csv" 2>/dev/null

mounted=""
mkdir -p "$work/outfs" "$work/ckptfs"
if [ -z "${FAULTS_NO_MOUNT:-}" ] && [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=4m tmpfs "$work/outfs" 2>/dev/null; then
  mounts+=("$work/outfs")
  mount -t tmpfs -o size=1m tmpfs "$work/ckptfs"
  mounts+=("$work/ckptfs")
  mounted=1
fi
OUT="$work/outfs/out"
CKPT="$work/ckptfs/ckpt"
stream() {
  "$LAKESTREAM" stream --bootstrap "$B" --topic disk --schema "$SCHEMA" --output "$OUT" \
    --checkpoint "$CKPT" --trigger available-now --max-offsets-per-trigger 2000 \
    --include-kafka-metadata --threads 2 "$@"
}
# fill DIR KIB: fill the filesystem of DIR, then free KIB KiB again.
fill() {
  dd if=/dev/zero of="$1/filler" bs=64k 2>/dev/null || true
  truncate -s "-$2K" "$1/filler"
  echo "   $(df -k --output=avail "$1" | tail -1 | tr -d ' ') KiB left on $1"
}
# after_failure: every committed file reads whole in DuckDB, and no half-written file (a temp
# file) is left behind. Complete files of the failed, uncommitted batch may remain: the restart
# removes them (the final check finds only committed files in the output).
after_failure() {
  "$LAKESTREAM" files "$OUT" | sed 's|^file://||' >"$work/committed_now.txt"
  rm -rf "$work/check"
  mkdir -p "$work/check"
  while read -r f; do cp "$f" "$work/check/"; done <"$work/committed_now.txt"
  duck "SELECT count(*) AS n FROM read_parquet('$work/check/*.parquet')" >/dev/null \
    || fail "a committed file does not read"
  find "$OUT" "$CKPT" -name '*.tmp*' >"$work/tmpfiles.txt"
  [ ! -s "$work/tmpfiles.txt" ] || { cat "$work/tmpfiles.txt"; fail "half-written files left"; }
  echo "   after the failure: $(wc -l <"$work/committed_now.txt") committed files read whole, no temp file left"
}

run_expect_rc 0 "$work/first.log" stream --max-batches 2

if [ -n "$mounted" ]; then
  note "stream x local output disk full (tmpfs)"
  fill "$work/outfs" 96
  run_expect_rc 1 "$work/out_full.log" stream
  expect_one_error "$work/out_full.log" stream "$work/outfs/out.*(No space left on device|ENOSPC)"
  rm -f "$work/outfs/filler"
  after_failure

  note "stream x local checkpoint disk full (tmpfs)"
  run_expect_rc 0 "$work/third.log" stream --max-batches 1
  fill "$work/ckptfs" 0
  run_expect_rc 1 "$work/ckpt_full.log" stream
  expect_one_error "$work/ckpt_full.log" stream "$work/ckptfs/ckpt.*(No space left on device|ENOSPC)"
  rm -f "$work/ckptfs/filler"
  after_failure
  cells="output ENOSPC, checkpoint ENOSPC"
else
  note "stream x local output over the file size limit (RLIMIT_FSIZE, not root)"
  trap '' XFSZ
  run_expect_rc 1 "$work/out_full.log" bash -c "ulimit -f 48; exec \"\$0\" \"\$@\"" "$LAKESTREAM" \
    stream --bootstrap "$B" --topic disk --schema "$SCHEMA" --output "$OUT" --checkpoint "$CKPT" \
    --trigger available-now --max-offsets-per-trigger 4000 --include-kafka-metadata
  trap - XFSZ
  expect_one_error "$work/out_full.log" stream "$work/outfs/out.*(too large|EFBIG)"
  after_failure
  echo "SKIP checkpoint disk full: needs root to mount a small tmpfs"
  cells="output EFBIG (checkpoint cell skipped: not root)"
fi

note "space returned: restart"
run_expect_rc 0 "$work/final.log" stream
rm -rf "$work/data"
fetch_committed "$OUT" "$work/data"
exactly_once "$work/data" $ROWS $PARTS
gapless "$work/data"
record "disk full: $cells, each one error line naming the path; $ROWS records exactly once after restart"
echo PASS
