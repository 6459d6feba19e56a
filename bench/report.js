// report.js -- writes the benchmark's Markdown report (and a JSON of the timings without the answers)
// from the runner's results, the loaders' load records and the environment notes run.sh collected.
// usage: node report.js RESULTS.json OUT_DIR_OF_LOADS REPORT.md
'use strict';
const fs = require('fs');
const path = require('path');

const PEERS = ['postgres', 'clickhouse', 'duckdb'];
const LABEL = {
  kentik_fdw: 'kentik_fdw', kentik_fdw_nopushdown: 'kentik_fdw (pushdown off)',
  postgres: 'PostgreSQL 15 table', clickhouse: 'ClickHouse 18.16', duckdb: 'DuckDB',
};

const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const median = (r) => (r && !r.error ? r.median_ms : null);

function cell(r) {
  if (!r) return '';
  if (r.error) return 'error';
  return fmtMs(r.median_ms) + (r.check && r.check !== 'ok' ? ' ✗' : '');
}

function ratio(a, b) {
  if (a === null || b === null) return '';
  return `${(a / b).toFixed(2)}`;
}

function rowsPerSecond(q, r) {
  const ms = median(r);
  if (ms === null) return '';
  const perSecond = q.rows_in_scope / (ms / 1000);
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(1)} M` : `${(perSecond / 1e3).toFixed(0)} k`;
}

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function loadSection(loadDir, flows) {
  const order = ['kentik_fdw', 'postgres', 'clickhouse', 'duckdb'];
  const rows = order.map((e) => {
    const f = path.join(loadDir, `load_${e}.json`);
    if (!fs.existsSync(f)) return [LABEL[e], 'not loaded', '', '', ''];
    const l = JSON.parse(fs.readFileSync(f, 'utf8'));
    return [LABEL[e], `${l.load_s.toFixed(1)} s`, l.load_detail, `${(l.disk_bytes / 1e6).toFixed(1)} MB`, (l.disk_bytes / flows).toFixed(1)];
  });
  return table(['engine', 'load time', 'detail', 'on disk', 'bytes/flow'], rows);
}

function main() {
  const [resultsFile, loadDir, reportFile] = process.argv.slice(2);
  if (!reportFile) throw new Error('usage: node report.js RESULTS.json LOAD_DIR REPORT.md');
  const res = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  const flows = +process.env.KF_BENCH_FLOWS;
  const envNotes = process.env.KF_BENCH_ENV_NOTES || '';
  const engines = res.engines;

  const medianRows = res.queries.map((q) => [`\`${q.id}\``, q.title, q.rows_in_scope.toLocaleString('en-US'),
    String(q.results.postgres ? q.results.postgres.row_count : ''), ...engines.map((e) => cell(q.results[e]))]);
  const ratioRows = res.queries.map((q) => {
    const k = median(q.results.kentik_fdw);
    return [`\`${q.id}\``, ...PEERS.filter((p) => engines.includes(p)).map((p) => ratio(k, median(q.results[p])))];
  });
  const rateRows = res.queries.map((q) => [`\`${q.id}\``, ...engines.map((e) => rowsPerSecond(q, q.results[e]))]);
  const mismatches = [];
  for (const q of res.queries) {
    for (const [e, r] of Object.entries(q.results)) if (r.check && r.check !== 'ok') mismatches.push(`- \`${q.id}\` ${LABEL[e]}: ${r.check}`);
  }
  const summary = res.check_summary || { checked: 0, mismatches: 0 };

  const md = `# kentik_fdw benchmark: ${flows.toLocaleString('en-US')} flows

Produced by \`bench/run.sh\` (see bench/README.md for what is measured and how). Started ${res.started}, ${res.finished ? `finished ${res.finished}` : 'not finished (partial results)'}.

${envNotes}

Timing: for every SQL engine, wall clock in one Node.js client from sending the query to having all result rows
in the client; 1 warm-up + ${res.runs} timed runs per query and engine, **median in ms**; engines take turns query by
query. ✗ marks an answer that differs from the PostgreSQL table's.

## Answers

${summary.checked - summary.mismatches} of ${summary.checked} engine results equal the reference (the plain PostgreSQL table); the UNION
query as written (last minute) must also return exactly the planted reflectors (${summary.planted_reflectors || '?'}).
${mismatches.length ? '\n' + mismatches.join('\n') + '\n' : ''}
## Median query time (ms)

${table(['query', 'what', 'rows in scope', 'result rows', ...engines.map((e) => LABEL[e])], medianRows)}

## kentik_fdw time ÷ peer time

kentik_fdw's median divided by the peer's: 0.10 means kentik_fdw needs a tenth of the peer's time, 2.00 twice as long.

${table(['query', ...PEERS.filter((p) => engines.includes(p)).map((p) => `vs ${LABEL[p]}`)], ratioRows)}

## Rows per second

Rows in the query's scope (its time window and device, before the other conditions) ÷ median time.

${table(['query', ...engines.map((e) => LABEL[e])], rateRows)}

## Load and storage

Each engine loads the same flows: kentik_fdw through kflowd from the generator's NetFlow pcap, the peers from
the generator's CSV. Bytes per flow = on-disk bytes ÷ ${flows.toLocaleString('en-US')} flows.

${loadSection(loadDir, flows)}
`;
  fs.writeFileSync(reportFile, md);
  const slim = { ...res, queries: res.queries.map((q) => ({ ...q, results: Object.fromEntries(Object.entries(q.results).map(([e, r]) => [e, { ...r, rows: undefined }])) })) };
  fs.writeFileSync(reportFile.replace(/\.md$/, '.json'), JSON.stringify(slim, null, 1) + '\n');
  console.error(`[bench] report: ${reportFile}`);
}

main();
