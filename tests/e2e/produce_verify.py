#!/usr/bin/python3
"""Checks that a topic dump holds every row of a CSV exactly once, field by field.

usage: produce_verify.py SCHEMA.avsc CSV DUMP [--registry URL --subject SUBJECT]
DUMP is `kcat -C -f '%R%s'` output: each message value prefixed by its 4-byte big-endian length.
With --registry, every value must carry the Confluent framing (magic byte 0, then the 4-byte
big-endian schema id the registry holds as the latest version of SUBJECT); the bodies are then
decoded with the schema fetched from the registry by that id (GET /schemas/ids/ID), and the
registered schema must equal SCHEMA.avsc.
Values are decoded with python3-avro (an independent reader); CSV rows are read with Python's csv
module and converted per the schema's types. The comparison is a multiset equality, so a missing,
extra (duplicated) or altered record fails it.
"""
import collections
import csv
import io
import json
import struct
import sys
import urllib.request

import avro.io
import avro.schema


def main():
    schema_path, csv_path, dump_path = sys.argv[1:4]
    opts = dict(zip(sys.argv[4::2], sys.argv[5::2]))
    with open(schema_path) as f:
        schema_json = json.load(f)
    schema_id = None
    if "--registry" in opts:
        url, subject = opts["--registry"], opts["--subject"]
        with urllib.request.urlopen(f"{url}/subjects/{subject}/versions/latest") as r:
            schema_id = json.load(r)["id"]
        with urllib.request.urlopen(f"{url}/schemas/ids/{schema_id}") as r:
            registered = json.loads(json.load(r)["schema"])
        if registered != schema_json:
            sys.exit("the registered schema (id %d) differs from %s" % (schema_id, schema_path))
        schema_json = registered
        print("subject %s: schema id %d" % (subject, schema_id))
    schema = avro.schema.parse(json.dumps(schema_json))
    fields = [(f["name"], f["type"]) for f in schema_json["fields"]]
    reader = avro.io.DatumReader(schema)

    got = collections.Counter()
    n_msgs = 0
    with open(dump_path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        (n,) = struct.unpack(">i", data[pos:pos + 4])
        pos += 4
        body = data[pos:pos + n]
        pos += n
        if schema_id is not None:
            magic, sid = struct.unpack(">bI", body[:5])
            if magic != 0 or sid != schema_id:
                sys.exit("message %d: Confluent header (%d, %d), want (0, %d)" %
                         (n_msgs, magic, sid, schema_id))
            body = body[5:]
        dec = avro.io.BinaryDecoder(io.BytesIO(body))
        rec = reader.read(dec)
        if dec.reader.read(1):
            sys.exit("message %d has trailing bytes after the record" % n_msgs)
        got[tuple(rec[name] for name, _ in fields)] += 1
        n_msgs += 1

    def convert(t, s):
        if t == "long" or t == "int":
            return int(s)
        if t == "double" or t == "float":
            return float(s)
        return s

    want = collections.Counter()
    n_rows = 0
    with open(csv_path, newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        idx = {name: i for i, name in enumerate(header)}
        for row in rows:
            if not row or row == [""]:
                continue
            want[tuple(convert(t, row[idx[name]]) for name, t in fields)] += 1
            n_rows += 1

    missing = want - got
    extra = got - want
    print("csv rows %d, topic messages %d, missing %d, extra %d" %
          (n_rows, n_msgs, sum(missing.values()), sum(extra.values())))
    for r in list(missing)[:3]:
        print("  missing:", r)
    for r in list(extra)[:3]:
        print("  extra:  ", r)
    if missing or extra or n_rows != n_msgs:
        sys.exit(1)


if __name__ == "__main__":
    main()
