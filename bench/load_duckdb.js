// load_duckdb.js -- load the data set's CSV into a DuckDB database file (table `flows`, CSV = time order).
//
// Addresses become UINTEGER (as in ClickHouse); both_bytes / both_pkts are computed at load, as the
// other peers store them.  Load time = CREATE TABLE AS read_csv + CHECKPOINT; disk = the database file.
// usage: node load_duckdb.js CSV DBFILE OUT.json
'use strict';
const fs = require('fs');
const { DuckDBInstance } = require('@duckdb/node-api');

const csvColumns = {
  ctimestamp: 'BIGINT', i_device_id: 'INTEGER', i_device_name: 'VARCHAR', s: 'VARCHAR', d: 'VARCHAR',
  l4_src_port: 'INTEGER', l4_dst_port: 'INTEGER', protocol: 'INTEGER', tcp_flags: 'INTEGER', tos: 'INTEGER',
  in_bytes: 'BIGINT', in_pkts: 'BIGINT', out_bytes: 'BIGINT', out_pkts: 'BIGINT',
  input_port: 'INTEGER', output_port: 'INTEGER', src_as: 'BIGINT', dst_as: 'BIGINT', nh: 'VARCHAR',
  vlan_in: 'INTEGER', vlan_out: 'INTEGER', sample_rate: 'INTEGER',
  src_flow_tags: 'VARCHAR', dst_flow_tags: 'VARCHAR',
};

// ipv4ToUint is SQL turning a dotted quad into its 32-bit number (DuckDB's inet extension would need a download).
function ipv4ToUint(col) {
  const octet = (i) => `split_part(${col}, '.', ${i})::UINTEGER`;
  return `(${octet(1)} * 16777216 + ${octet(2)} * 65536 + ${octet(3)} * 256 + ${octet(4)})::UINTEGER`;
}

async function main() {
  const [csv, dbFile, outFile] = process.argv.slice(2);
  if (!outFile) throw new Error('usage: node load_duckdb.js CSV DBFILE OUT.json');
  for (const f of [dbFile, dbFile + '.wal']) fs.rmSync(f, { force: true });
  const instance = await DuckDBInstance.create(dbFile, { threads: '2' });
  const conn = await instance.connect();
  const columns = Object.entries(csvColumns).map(([k, v]) => `'${k}': '${v}'`).join(', ');
  const start = process.hrtime.bigint();
  await conn.run(`CREATE TABLE flows AS SELECT ctimestamp, i_device_id, i_device_name,
      ${ipv4ToUint('s')} AS ipv4_src_addr, ${ipv4ToUint('d')} AS ipv4_dst_addr,
      l4_src_port, l4_dst_port, protocol, tcp_flags, tos, in_bytes, in_pkts, out_bytes, out_pkts,
      in_bytes + out_bytes AS both_bytes, in_pkts + out_pkts AS both_pkts,
      input_port, output_port, src_as, dst_as, ${ipv4ToUint('nh')} AS ipv4_next_hop,
      vlan_in, vlan_out, sample_rate,
      coalesce(src_flow_tags, '') AS src_flow_tags, coalesce(dst_flow_tags, '') AS dst_flow_tags
    FROM read_csv('${csv}', header = true, columns = {${columns}})`);
  await conn.run('CHECKPOINT');
  const loadSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rows = (await conn.runAndReadAll('SELECT count(*) FROM flows')).getRows()[0][0];
  conn.closeSync();
  instance.closeSync();
  const result = {
    engine: 'duckdb', load_s: +loadSeconds.toFixed(2),
    load_detail: `CREATE TABLE AS read_csv + CHECKPOINT ${loadSeconds.toFixed(2)} s`,
    rows: Number(rows), disk_bytes: fs.statSync(dbFile).size,
  };
  fs.writeFileSync(outFile, JSON.stringify(result) + '\n');
  console.error(`[bench] duckdb: ${result.rows} rows in ${result.load_s} s, ${result.disk_bytes} bytes on disk`);
}

main().catch((err) => { console.error(err.message || err); process.exit(1); });
