// runner.js -- runs every query on every engine side by side and records timings and answers.
//
// For each query, engine after engine: 1 warm-up run, then RUNS timed runs; a run's time is wall clock
// from sending the query to having all result rows in this process (process.hrtime).  Engines take
// turns per query, so a burst of load on the shared machine hits all of them alike.  Raw answers (first
// timed run) are kept for compare.js; the rows each query's filter leaves in scope are counted once
// (in DuckDB) for rows/second.
// usage: node runner.js OUT.json   (env: KF_BENCH_END, KF_BENCH_RUNS, KF_BENCH_DUCKDB, KF_BENCH_ENGINES, ports)
'use strict';
const fs = require('fs');
const { buildQueries, NO_PUSHDOWN_QUERIES } = require('./queries');
const { connect } = require('./engines');

const DEFAULT_ENGINES = 'kentik_fdw,kentik_fdw_nopushdown,postgres,clickhouse,duckdb';

// plainValue turns driver values (bigint, DuckDB value objects) into JSON-safe numbers or strings.
function plainValue(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'object') return String(v);
  return v;
}

function median(sorted) {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// timeQuery runs sql 1 + runs times and returns the timings (ms) and the first timed run's rows.
async function timeQuery(engine, sql, runs) {
  await engine.run(sql);
  const times = [];
  let rows = null;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const result = await engine.run(sql);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (rows === null) rows = result.map((r) => r.map(plainValue));
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { times_ms: times.map((t) => +t.toFixed(2)), median_ms: +median(sorted).toFixed(2), min_ms: +sorted[0].toFixed(2), max_ms: +sorted[sorted.length - 1].toFixed(2), row_count: rows.length, rows };
}

async function main() {
  const outFile = process.argv[2];
  if (!outFile) throw new Error('usage: node runner.js OUT.json');
  const end = +process.env.KF_BENCH_END;
  const runs = +(process.env.KF_BENCH_RUNS || 5);
  const engineNames = (process.env.KF_BENCH_ENGINES || DEFAULT_ENGINES).split(',');
  const duckdbFile = process.env.KF_BENCH_DUCKDB;
  const queries = buildQueries(end);
  const engines = {};
  for (const name of engineNames) engines[name] = await connect(name, { end, duckdbFile });

  const counter = engines.duckdb || await connect('duckdb', { end, duckdbFile });
  const out = { end, runs, engines: engineNames, started: new Date().toISOString(), queries: [] };
  for (const q of queries) {
    const inScope = (await counter.run(`SELECT count(*) FROM flows WHERE ${q.where}`))[0][0];
    const entry = { id: q.id, title: q.title, rows_in_scope: Number(inScope), results: {} };
    for (const name of engineNames) {
      const dialect = name === 'kentik_fdw_nopushdown' ? 'kentik_fdw' : name;
      if (name === 'kentik_fdw_nopushdown' && !NO_PUSHDOWN_QUERIES.includes(q.id)) continue;
      const sql = q.sql[dialect];
      try {
        entry.results[name] = { sql, ...(await timeQuery(engines[name], sql, runs)) };
        const r = entry.results[name];
        console.error(`[bench] ${q.id.padEnd(22)} ${name.padEnd(22)} median ${String(r.median_ms).padStart(9)} ms  [${r.min_ms} .. ${r.max_ms}]  ${r.row_count} rows`);
      } catch (err) {
        entry.results[name] = { sql, error: String(err.message || err) };
        console.error(`[bench] ${q.id.padEnd(22)} ${name.padEnd(22)} ERROR ${entry.results[name].error}`);
      }
    }
    out.queries.push(entry);
    fs.writeFileSync(outFile, JSON.stringify(out));
  }
  out.finished = new Date().toISOString();
  fs.writeFileSync(outFile, JSON.stringify(out));
  for (const e of Object.values(engines)) await e.close();
  if (!engines.duckdb) await counter.close();
}

main().catch((err) => { console.error(err.stack || err); process.exit(1); });
