#!/usr/bin/python3
"""S3-side checks for the stream e2e tests and bench scripts, with boto3 (an independent client)
and RGW's ops log (the server's own record of every request).

usage:
  stream_rgw.py mkbucket BUCKET [--versioned]
  stream_rgw.py parquet URI                 every *.parquet under s3://bucket/prefix (current objects)
  stream_rgw.py keys URI                    every current key under the prefix
  stream_rgw.py download URI DIR            those *.parquet files into DIR (flat names)
  stream_rgw.py versions URI                JSON: current, noncurrent, delete_markers under the prefix
  stream_rgw.py opscount LOG BUCKET...      JSON: lakestream's requests per S3 API in the ops log
  stream_rgw.py settle LOG                  waits until RGW has stopped appending to its ops log
  stream_rgw.py coverage LOG WINDOWS        which kinds of request the crash runs died right after
  stream_rgw.py recovery-length LOG WINDOWS requests of the reference run before its first data file
  stream_rgw.py missing-positions LOG WINDOWS  where to aim at the kinds no crash hit yet

Needs the AWS_* exports of scripts/rgw.sh. Run with /usr/bin/python3 (Debian's boto3).
Ops-log records are attributed to lakestream by user agent ("lakestream/"), so requests of this
tool or awscli are never counted.
"""
import concurrent.futures
import json
import os
import re
import sys
import urllib.parse

import boto3


def client():
    return boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"],
                        region_name=os.environ.get("AWS_REGION", "us-east-1"))


def split_uri(uri):
    m = re.match(r"s3a?://([^/]+)/?(.*)$", uri)
    if not m:
        sys.exit(f"not an s3:// URI: {uri}")
    prefix = m.group(2)
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return m.group(1), prefix


def current_keys(s3, bucket, prefix):
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


def cmd_mkbucket(args):
    s3 = client()
    s3.create_bucket(Bucket=args[0])
    if "--versioned" in args:
        s3.put_bucket_versioning(Bucket=args[0], VersioningConfiguration={"Status": "Enabled"})


def cmd_parquet(args):
    bucket, prefix = split_uri(args[0])
    for k in sorted(current_keys(client(), bucket, prefix)):
        if k.endswith(".parquet"):
            print(f"s3://{bucket}/{k}")


def cmd_keys(args):
    bucket, prefix = split_uri(args[0])
    for k in sorted(current_keys(client(), bucket, prefix)):
        print(f"s3://{bucket}/{k}")


def cmd_download(args):
    bucket, prefix = split_uri(args[0])
    out = args[1]
    os.makedirs(out, exist_ok=True)
    s3 = client()
    keys = [k for k in current_keys(s3, bucket, prefix) if k.endswith(".parquet")]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda k: s3.download_file(bucket, k, os.path.join(out, k.replace("/", "_"))),
                      keys))
    print(len(keys))


def cmd_versions(args):
    bucket, prefix = split_uri(args[0])
    s3 = client()
    n = {"current": 0, "noncurrent": 0, "delete_markers": 0}
    examples = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for v in page.get("Versions", []):
            n["current" if v["IsLatest"] else "noncurrent"] += 1
            if not v["IsLatest"] and len(examples) < 5:
                examples.append(f"noncurrent {v['Key']} {v['VersionId']}")
        for d in page.get("DeleteMarkers", []):
            n["delete_markers"] += 1
            if len(examples) < 5:
                examples.append(f"delete marker {d['Key']} {d['VersionId']}")
    n["examples"] = examples
    print(json.dumps(n))


# RGW 16.2 operation names -> the S3 API names lakestream's CallStats uses.
def api_of(rec):
    op = rec.get("operation", "")
    method = rec.get("uri", "").split(" ", 1)[0]
    uri = rec.get("uri", "")
    if op == "put_obj":
        return "UploadPart" if "partNumber=" in uri else "PutObject"
    if op == "get_obj":
        return "HeadObject" if method == "HEAD" else "GetObject"
    if op == "list_bucket":
        return "ListObjectVersions" if re.search(r"[?&]versions", uri) else "ListObjectsV2"
    return {
        "delete_obj": "DeleteObject",
        "multi_object_delete": "DeleteObjects",
        "copy_obj": "CopyObject",
        "get_bucket_versioning": "GetBucketVersioning",
        "init_multipart": "CreateMultipartUpload",
        "complete_multipart": "CompleteMultipartUpload",
        "abort_multipart": "AbortMultipartUpload",
        "list_multipart": "ListParts",
        "list_bucket_multiparts": "ListMultipartUploads",
        "create_bucket": "CreateBucket",
        "stat_bucket": "HeadBucket",
    }.get(op, "rgw:" + op)


def records(path):
    """Every record of the ops log. RGW 16.2 sometimes writes two records with no newline between
    them (concurrent requests), so the file is read as a stream of JSON values, not as lines."""
    text = open(path).read()
    dec = json.JSONDecoder()
    i = 0
    while True:
        while i < len(text) and text[i] in " \r\n\t":
            i += 1
        if i >= len(text):
            return
        try:
            rec, i = dec.raw_decode(text, i)
        except json.JSONDecodeError:
            return  # a record being written right now
        yield rec


def ours(path, buckets=None):
    for rec in records(path):
        if not rec.get("user_agent", "").startswith("lakestream/"):
            continue
        if buckets is not None and rec.get("bucket") not in buckets:
            continue
        yield rec


def cmd_settle(args):
    """LOG: waits (up to 20 s) until the ops log has not grown for 1.5 s: RGW writes it
    asynchronously, a while after the requests were answered."""
    import time
    last, since = -1, time.time()
    deadline = time.time() + 20
    while time.time() < deadline:
        size = os.path.getsize(args[0])
        if size != last:
            last, since = size, time.time()
        elif time.time() - since >= 1.5:
            return
        time.sleep(0.25)


def cmd_opscount(args):
    counts = {}
    for rec in ours(args[0], set(args[1:])):
        api = api_of(rec)
        counts[api] = counts.get(api, 0) + 1
    print(json.dumps(counts, sort_keys=True))


def kind(rec):
    """API + key pattern: digits and writer ids folded, so `PutObject _commits/N.json`."""
    uri = rec.get("uri", "")
    path = uri.split(" ")[1] if " " in uri else ""
    key = path.split("?", 1)[0].lstrip("/")
    bucket = rec.get("bucket", "")
    if key == bucket:  # a bucket-level request (RGW logs it path-style)
        key = ""
    elif key.startswith(bucket + "/"):  # path-style addressing
        key = key[len(bucket) + 1:]
    if not key:  # a bucket-level request: name the listed prefix, if any
        m = re.search(r"[?&]prefix=([^&? ]*)", path)
        key = "?prefix=" + urllib.parse.unquote(m.group(1)) if m else ""
    key = re.sub(r"[0-9a-f]{8,}", "W", key)
    key = re.sub(r"\d+", "N", key)
    if key.endswith(".parquet"):
        key = "<data>.parquet"
    return f"{api_of(rec)} {key or '/'}"


def run_kinds(log, windows_file):
    import datetime
    windows = []
    for line in open(windows_file):
        name, start, end = line.split()
        windows.append((name, float(start), float(end)))
    recs = []
    for rec in ours(log):
        t = datetime.datetime.strptime(rec["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
        recs.append((t.replace(tzinfo=datetime.timezone.utc).timestamp(), rec))
    recs.sort(key=lambda r: r[0])
    return {name: [kind(r) for t, r in recs if start <= t <= end] for name, start, end in windows}


def cmd_recovery_length(args):
    """LOG WINDOWS: how many requests the reference run made before its first data file."""
    ref = run_kinds(args[0], args[1]).get("reference", [])
    n = next((i for i, k in enumerate(ref) if k.endswith("<data>.parquet")), len(ref))
    print(n)


def cmd_missing_positions(args):
    """LOG WINDOWS: for each kind of request of the reference that no crash run was killed right
    after, where to aim the next crash: its first position (1-based) in the latest crash run that
    made one before dying (its log is what the next run will read), else in the reference."""
    by_run = run_kinds(args[0], args[1])
    ref = by_run.get("reference", [])
    crash_runs = [seq for name, seq in by_run.items() if name.startswith("crash") and seq]
    after = {seq[-1] for seq in crash_runs}
    for k in dict.fromkeys(ref):
        if k in after:
            continue
        pos = ref.index(k) + 1
        for seq in reversed(crash_runs):
            if k in seq:
                pos = seq.index(k) + 1
                break
        print(pos)


def cmd_coverage(args):
    """WINDOWS: lines `NAME START END` (epoch seconds) per run, in run order. The run named
    `reference` ran crash-free; runs named crash* were killed right after their last request.
    Exits 1 unless, for every kind of request the reference made (API + key pattern), some run
    was killed right after a request of that kind. Also reports the finer view: gaps named by
    the kinds of the two requests before them, (second-to-last, last), hit or not (not
    asserted: e.g. "first data file of a batch after a recovery that had nothing to delete" is
    one gap there, and random crash points hit it rarely)."""
    by_run = run_kinds(args[0], args[1])
    ref = by_run.get("reference", [])
    want_pairs = set(zip(["<start>"] + ref, ref))
    hit_pairs = set()
    after = {}
    for name, seq in by_run.items():
        if name.startswith("crash") and seq:
            hit_pairs.add((seq[-2] if len(seq) > 1 else "<start>", seq[-1]))
            after[seq[-1]] = after.get(seq[-1], 0) + 1
    missing = sorted(set(ref) - set(after))
    print(f"reference run: {len(ref)} requests of {len(set(ref))} kinds; crash runs killed right"
          f" after {len(set(ref) & set(after))} of those kinds:")
    for k in sorted(after):
        print(f"  {after[k]:>5} runs killed right after {k}")
    for k in missing:
        print(f"  NOT HIT: right after {k}")
    print(f"gaps named by the two requests before them: the reference has {len(want_pairs)},"
          f" crashes hit {len(want_pairs & hit_pairs)} of them (and {len(hit_pairs - want_pairs)}"
          f" others, e.g. after a recovery's cleanup)")
    for a, b in sorted(want_pairs - hit_pairs):
        print(f"  (not hit: right after {b}, itself right after {a})")
    sys.exit(1 if missing or not ref else 0)


if __name__ == "__main__":
    cmds = {n[4:].replace("_", "-"): f for n, f in globals().items() if n.startswith("cmd_")}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](sys.argv[2:])
