// Runs SQL in DuckDB and prints the result rows as JSON lines: `node duck.mjs "SELECT ..."`.
// The independent reader the tests use to judge lakestream's Parquet output.
import { DuckDBInstance } from '@duckdb/node-api';

const sql = process.argv[2];
if (!sql) {
  console.error('usage: node duck.mjs "SQL"');
  process.exit(2);
}
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
try {
  const reader = await conn.runAndReadAll(sql);
  for (const row of reader.getRowObjectsJson()) console.log(JSON.stringify(row));
} catch (e) {
  console.error(`duckdb: ${e.message}`);
  process.exit(1);
}
