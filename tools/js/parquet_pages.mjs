// Reads a Parquet file's page indexes with hyparquet and checks them against the footer:
// `node parquet_pages.mjs FILE.parquet`. Prints one JSON line per column chunk
// {rg, path, pages, first_rows, column_index: {null_pages, min, max, null_counts} | null}
// and exits 1 if an OffsetIndex does not tile its chunk's data pages exactly (first page at
// data_page_offset, pages back to back, last page ending at the chunk's end, first_row_index
// starting at 0 and increasing, below the row group's row count).
import { readFileSync } from 'node:fs';
import { parquetMetadata, readColumnIndex, readOffsetIndex } from 'hyparquet';

const file = process.argv[2];
const buf = readFileSync(file);
const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
const md = parquetMetadata(ab);
let bad = 0;
const reader = (offset, length) => ({ view: new DataView(ab, Number(offset), Number(length)), offset: 0 });
const leaves = md.schema.filter((s) => !s.num_children);
const jsonable = (v) => typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : v;
md.row_groups.forEach((rg, r) => {
  rg.columns.forEach((cc, c) => {
    const m = cc.meta_data;
    const out = { rg: r, path: m.path_in_schema.join('.'), pages: null, first_rows: null, column_index: null };
    if (cc.offset_index_offset !== undefined) {
      const oi = readOffsetIndex(reader(cc.offset_index_offset, cc.offset_index_length));
      const locs = oi.page_locations;
      out.pages = locs.length;
      out.first_rows = locs.map((l) => Number(l.first_row_index));
      const start = Number(m.dictionary_page_offset ?? m.data_page_offset);
      const end = start + Number(m.total_compressed_size);
      let at = Number(m.data_page_offset);
      locs.forEach((l, i) => {
        if (Number(l.offset) !== at) { console.error(`${out.path} rg ${r} page ${i}: offset ${l.offset}, expected ${at}`); bad++; }
        at = Number(l.offset) + l.compressed_page_size;
        if (i === 0 && Number(l.first_row_index) !== 0) { console.error(`${out.path}: first page row ${l.first_row_index}`); bad++; }
        if (i > 0 && !(Number(l.first_row_index) > Number(locs[i - 1].first_row_index))) { console.error(`${out.path}: rows not increasing`); bad++; }
        if (Number(l.first_row_index) >= Number(rg.num_rows)) { console.error(`${out.path}: first row ${l.first_row_index} >= ${rg.num_rows}`); bad++; }
      });
      if (at !== end) { console.error(`${out.path} rg ${r}: pages end at ${at}, chunk ends at ${end}`); bad++; }
    }
    if (cc.column_index_offset !== undefined) {
      const ci = readColumnIndex(reader(cc.column_index_offset, cc.column_index_length), leaves[c]);
      out.column_index = {
        null_pages: ci.null_pages, min: ci.min_values.map(jsonable), max: ci.max_values.map(jsonable),
        null_counts: (ci.null_counts ?? []).map(Number), boundary_order: ci.boundary_order,
      };
    }
    console.log(JSON.stringify(out));
  });
});
process.exit(bad ? 1 : 0);
