// DuckDB's CSV -> Parquet COPY on one thread, timed inside DuckDB's process (instance start-up
// excluded): `node parquet_duck_copy.mjs IN.csv OUT.parquet CODEC`. Prints "WALL CPU" seconds
// (CPU = user + system time of this process during the COPY).
// Column types are given explicitly to match schemas/nyc_taxi.avsc (the generated CSV's header is
// followed by a blank CRLF line, which DuckDB's dialect sniffer rejects).
import { DuckDBInstance } from '@duckdb/node-api';

const [csv, out, codec] = process.argv.slice(2);
const cols = {
  VendorID: 'BIGINT', tpep_pickup_datetime: 'VARCHAR', tpep_dropoff_datetime: 'VARCHAR',
  passenger_count: 'DOUBLE', trip_distance: 'DOUBLE', RatecodeID: 'DOUBLE',
  store_and_fwd_flag: 'VARCHAR', PULocationID: 'BIGINT', DOLocationID: 'BIGINT',
  payment_type: 'BIGINT', fare_amount: 'DOUBLE', extra: 'DOUBLE', mta_tax: 'DOUBLE',
  tip_amount: 'DOUBLE', tolls_amount: 'DOUBLE', improvement_surcharge: 'DOUBLE',
  total_amount: 'DOUBLE',
};
const colSql = '{' + Object.entries(cols).map(([k, v]) => `'${k}': '${v}'`).join(', ') + '}';
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
await conn.run('SET threads = 1');
const t0 = performance.now();
const c0 = process.cpuUsage();
await conn.run(`COPY (SELECT * FROM read_csv('${csv}', header = true, delim = ',', quote = '"', ` +
               `columns = ${colSql}, strict_mode = false)) TO '${out}' (FORMAT parquet, COMPRESSION ${codec})`);
const c1 = process.cpuUsage(c0);
console.log(((performance.now() - t0) / 1000).toFixed(3), ((c1.user + c1.system) / 1e6).toFixed(3));
