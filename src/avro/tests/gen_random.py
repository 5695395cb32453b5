#!/usr/bin/python3
"""Random records for the cross-check, written by python3-avro (the Apache reference).

usage: gen_random.py SCHEMA.avsc COUNT SEED OUT_PREFIX

Writes OUT_PREFIX.bin (each datum as a 4-byte little-endian length + the Avro binary written by
avro.io.DatumWriter with the schema's logical types) and OUT_PREFIX.jsonl (each record read back
by avro.io.DatumReader with logical types stripped, i.e. the raw Avro values, as JSON: bytes and
fixed as latin-1 strings, general unions as {"branch index": value}).
"""
import datetime
import decimal
import io
import json
import random
import struct
import sys
import uuid
import warnings

import avro.io
import avro.schema

warnings.filterwarnings("ignore")  # local-timestamp-* are unknown to 1.11.1: plain longs

schema_path, count, seed, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = random.Random(seed)
text = open(schema_path).read()
schema = avro.schema.parse(text)


def strip(j):
    if isinstance(j, dict):
        return {k: strip(v) for k, v in j.items() if k not in ("logicalType", "precision", "scale")}
    if isinstance(j, list):
        return [strip(v) for v in j]
    return j


raw_schema = avro.schema.parse(json.dumps(strip(json.loads(text))))

ALPHABET = "abcXYZ019 _-é漢字😀\u00ff"


def rand_str():
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))


def rand_int(bits):
    r = rng.random()
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if r < 0.1:
        return rng.choice([lo, hi, 0, -1, 1])
    if r < 0.5:
        return rng.randint(-1000, 1000)
    return rng.randint(lo, hi)


def rand_float32():
    v = rng.uniform(-1e6, 1e6)
    return struct.unpack("<f", struct.pack("<f", v))[0]


def rand_decimal(precision, scale):
    digits = rng.randint(1, precision)
    unscaled = rng.randint(-(10 ** digits - 1), 10 ** digits - 1)
    return decimal.Decimal(unscaled).scaleb(-scale)


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def gen(s):
    t = s.type
    lt = s.get_prop("logicalType") if hasattr(s, "get_prop") else None
    if t == "null":
        return None
    if t == "boolean":
        return rng.random() < 0.5
    if t == "int":
        if lt == "date":
            return datetime.date(1970, 1, 1) + datetime.timedelta(days=rng.randint(-20000, 40000))
        if lt == "time-millis":
            return (datetime.datetime(2000, 1, 1) + datetime.timedelta(milliseconds=rng.randint(0, 86399999))).time()
        return rand_int(32)
    if t == "long":
        if lt == "time-micros":
            return (datetime.datetime(2000, 1, 1) + datetime.timedelta(microseconds=rng.randint(0, 86399999999))).time()
        if lt == "timestamp-millis":
            return EPOCH + datetime.timedelta(milliseconds=rng.randint(-10**12, 4 * 10**12))
        if lt == "timestamp-micros":
            return EPOCH + datetime.timedelta(microseconds=rng.randint(-10**15, 4 * 10**15))
        return rand_int(64)
    if t == "float":
        return rand_float32()
    if t == "double":
        return rng.choice([0.0, -0.0, 1.5, rng.uniform(-1e300, 1e300), rng.uniform(-1, 1)])
    if t == "bytes":
        if lt == "decimal":
            return rand_decimal(s.get_prop("precision"), s.get_prop("scale"))
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 10)))
    if t == "string":
        if lt == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128)))
        return rand_str()
    if t == "fixed":
        if lt == "decimal":
            return rand_decimal(s.get_prop("precision"), s.get_prop("scale"))
        return bytes(rng.randrange(256) for _ in range(s.size))
    if t == "enum":
        return rng.choice(s.symbols)
    if t == "array":
        return [gen(s.items) for _ in range(rng.choice([0, 1, 2, 3, 5]))]
    if t == "map":
        return {rand_str() + str(k): gen(s.values) for k in range(rng.choice([0, 1, 2, 4]))}
    if t in ("record", "error"):
        return {f.name: gen(f.type) for f in s.fields}
    if t == "union":
        b = rng.randrange(len(s.schemas))
        return gen(s.schemas[b])
    raise ValueError(t)


def to_json(v):
    if isinstance(v, bytes):
        return v.decode("latin-1")
    if isinstance(v, dict):
        return {k: to_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_json(x) for x in v]
    return v


writer = avro.io.DatumWriter(schema)
reader = avro.io.DatumReader(raw_schema, raw_schema)
with open(out + ".bin", "wb") as bin_out, open(out + ".jsonl", "w") as json_out:
    for _ in range(count):
        buf = io.BytesIO()
        writer.write(gen(schema), avro.io.BinaryEncoder(buf))
        data = buf.getvalue()
        bin_out.write(struct.pack("<I", len(data)))
        bin_out.write(data)
        value = reader.read(avro.io.BinaryDecoder(io.BytesIO(data)))
        json_out.write(json.dumps(to_json(value), ensure_ascii=False) + "\n")
