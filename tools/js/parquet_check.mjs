// Reads a Parquet file with three independent readers and compares every value to an expected
// JSON file: `node parquet_check.mjs FILE.parquet EXPECTED.json`. Exit 0 when all agree.
//
// EXPECTED.json: {"columns": [[name, kind], ...], "rows": [[v, ...], ...]} where kind is
//   "i" (integer, value as decimal string), "f" (float: number or "NaN"/"Infinity"/"-Infinity"),
//   "s" (string), "b" (bool), "date" (days, string), "ts_ms"/"ts_us" (epoch units, string),
//   "time_ms"/"time_us" (units since midnight, string), "dec" (decimal string, e.g. "-1.50"),
//   "uuid" (8-4-4-4-12 lowercase), "hex" (raw bytes as lowercase hex),
//   {"list": kind}, {"map": [kkind, vkind]} (value: array of [k, v]), {"struct": [[name, kind]...]}.
// Readers: DuckDB (@duckdb/node-api), hyparquet (pure JS), parquet-wasm (arrow-rs; its decoded
// table is re-encoded by arrow-rs and read back by DuckDB, since no Arrow JS library is present).
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import * as wasm from 'parquet-wasm';

const [file, expectedPath] = process.argv.slice(2);
const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
const cols = expected.columns;
let failures = 0;
const fail = (reader, msg) => {
  if (failures < 20) console.error(`${reader}: ${file}: ${msg}`);
  failures++;
};

const q = (name) => '"' + name.replace(/"/g, '""') + '"';

// SQL turning a DuckDB value of `kind` into the canonical form (JS finishes maps and uuids).
function sqlExpr(kind, x, type) {
  if (typeof kind === 'object') {
    if (kind.list) return `list_transform(${x}, e -> ${sqlExpr(kind.list, 'e')})`;
    if (kind.map) {
      return `list_transform(map_entries(${x}), e -> {'k': ${sqlExpr(kind.map[0], 'e.key')}, 'v': ${sqlExpr(kind.map[1], 'e.value')}})`;
    }
    if (kind.struct) {
      return `CASE WHEN ${x} IS NULL THEN NULL ELSE struct_pack(${kind.struct.map(([n, k]) => `${q(n)} := ${sqlExpr(k, `${x}.${q(n)}`)}`).join(', ')}) END`;
    }
  }
  switch (kind) {
    case 'i': return `CAST(${x} AS VARCHAR)`;
    case 'date': return `CAST(datediff('day', DATE '1970-01-01', ${x}) AS VARCHAR)`;
    case 'ts_ms': return `CAST(epoch_ms(${x}) AS VARCHAR)`;
    case 'ts_us': return `CAST(epoch_us(${x}) AS VARCHAR)`;
    case 'time_us': return `CAST(CAST(EXTRACT(hour FROM ${x}) * 3600000000 + EXTRACT(minute FROM ${x}) * 60000000 + EXTRACT(microseconds FROM ${x}) AS BIGINT) AS VARCHAR)`;
    case 'time_ms': return `CAST(CAST((EXTRACT(hour FROM ${x}) * 3600000000 + EXTRACT(minute FROM ${x}) * 60000000 + EXTRACT(microseconds FROM ${x})) / 1000 AS BIGINT) AS VARCHAR)`;
    case 'dec': return `CAST(${x} AS VARCHAR)`;
    case 'uuid': return type === 'BLOB' ? `lower(hex(${x}))` : `CAST(${x} AS VARCHAR)`;
    case 'hex': return `lower(hex(${x}))`;
    default: return x;
  }
}

const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');

// Canonicalises a reader's value for comparison.
function norm(kind, v) {
  if (v === null || v === undefined) return null;
  if (typeof kind === 'object') {
    if (kind.list) return Array.from(v, (e) => norm(kind.list, e));
    if (kind.map) {
      if (Array.isArray(v)) {
        return v.map((e) => Array.isArray(e) ? [norm(kind.map[0], e[0]), norm(kind.map[1], e[1])]
                                            : [norm(kind.map[0], e.k), norm(kind.map[1], e.v)]);
      }
      return Object.entries(v).map(([k, val]) => [norm(kind.map[0], k), norm(kind.map[1], val)]);
    }
    if (kind.struct) return Object.fromEntries(kind.struct.map(([n, k]) => [n, norm(k, v[n])]));
  }
  switch (kind) {
    case 'i': case 'date': case 'ts_ms': case 'ts_us': case 'time_ms': case 'time_us':
      return String(v);
    case 'f': {
      const n = Number(v);
      if (Number.isNaN(n)) return 'NaN';
      if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
      return n;
    }
    case 'b': return Boolean(v);
    case 's': return v instanceof Uint8Array ? new TextDecoder().decode(v) : v;
    case 'dec': return Number(v);  // hyparquet yields numbers; compare numerically
    case 'uuid': return (v instanceof Uint8Array ? hex(v) : String(v)).replace(/-/g, '').toLowerCase();
    case 'hex': return v instanceof Uint8Array ? hex(v) : String(v).toLowerCase();
    default: return v;
  }
}

function same(kind, a, b) {
  if (kind === 'f' && typeof a === 'number' && typeof b === 'number') {
    return a === b || Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a));  // FLOAT via double
  }
  if (kind === 'dec' && typeof a === 'number' && typeof b === 'number') {
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
  }
  if (typeof kind === 'object' && a !== null && b !== null) {
    if (kind.list) return a.length === b.length && a.every((e, i) => same(kind.list, e, b[i]));
    if (kind.map) {
      return a.length === b.length &&
          a.every((e, i) => same(kind.map[0], e[0], b[i][0]) && same(kind.map[1], e[1], b[i][1]));
    }
    if (kind.struct) return kind.struct.every(([n, k]) => same(k, a[n], b[n]));
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

const expectedRows = expected.rows.map((r) => r.map((v, i) => norm(cols[i][1], v)));

function compare(reader, rows) {
  if (rows.length !== expectedRows.length) {
    fail(reader, `${rows.length} rows, expected ${expectedRows.length}`);
    return;
  }
  for (let r = 0; r < rows.length; r++) {
    for (let c = 0; c < cols.length; c++) {
      const got = norm(cols[c][1], rows[r][c]);
      const want = expectedRows[r][c];
      if (!same(cols[c][1], want, got)) {
        fail(reader, `row ${r} column ${cols[c][0]}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      }
    }
  }
}

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
async function duckRows(path) {
  const types = {};
  const desc = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
  for (const d of desc.getRowObjectsJson()) types[d.column_name] = d.column_type;
  const sel = cols.map(([n, k]) => `${sqlExpr(k, q(n), types[n])} AS ${q(n)}`).join(', ');
  const reader = await conn.runAndReadAll(`SELECT ${sel} FROM read_parquet('${path}')`);
  return reader.getRowObjectsJson().map((o) => cols.map(([n]) => o[n]));
}

// 1. DuckDB
try {
  compare('duckdb', await duckRows(file));
} catch (e) {
  fail('duckdb', e.message);
}

// 2. hyparquet
try {
  const buf = readFileSync(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const parsers = {
    timestampFromMilliseconds: (v) => String(v),
    timestampFromMicroseconds: (v) => String(v),
    timestampFromNanoseconds: (v) => String(v),
    dateFromDays: (v) => String(v),
    stringFromBytes: (b) => b && new TextDecoder().decode(b),
    jsonFromBytes: (b) => b && new TextDecoder().decode(b),
    uuidFromBytes: (b) => b && hex(b),
  };
  const objs = await parquetReadObjects({ file: ab, compressors, parsers, utf8: false });
  compare('hyparquet', objs.map((o) => cols.map(([n]) => o[n])));
} catch (e) {
  fail('hyparquet', e.stack || e.message);
}

// 3. parquet-wasm (arrow-rs)
const dir = mkdtempSync(join(tmpdir(), 'pqcheck-'));
try {
  const table = wasm.readParquet(new Uint8Array(readFileSync(file)));
  const wasmRows = table.recordBatches().reduce((n, b) => n + b.numRows, 0);
  if (wasmRows !== expectedRows.length) fail('parquet-wasm', `${wasmRows} rows, expected ${expectedRows.length}`);
  const again = join(dir, 'arrow-rs.parquet');
  writeFileSync(again, wasm.writeParquet(table));
  compare('parquet-wasm', await duckRows(again));
} catch (e) {
  fail('parquet-wasm', e.stack || e.message || String(e));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (failures > 0) {
  console.error(`${file}: ${failures} mismatches`);
  process.exit(1);
}
console.log(`${file}: ${expectedRows.length} rows x ${cols.length} columns agree in duckdb, hyparquet, parquet-wasm`);
