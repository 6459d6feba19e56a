// compare.js -- checks that every engine returned the same answer as the plain PostgreSQL table, and that
// the spam-reflection UNION query as written found exactly the reflectors flowgen planted (its truth file).
//
// Answers are normalised first (addresses as dotted quads whatever the engine's type, integers as
// decimal strings, Mbps as numbers compared to 0.001 since ClickHouse and DuckDB round doubles where
// PostgreSQL rounds numerics).  Rows are compared as multisets: ORDER BY ties may come out in any order,
// and under a LIMIT whose last value is tied, any of the tied rows may be cut, so there only the rows
// above the cut value must match and the number of tied rows.
// usage: node compare.js RESULTS.json TRUTH   (adds a `check` to every result; exit 1 on any mismatch)
'use strict';
const fs = require('fs');
const { buildQueries } = require('./queries');

const REFERENCE = 'postgres';
const MBPS_TOLERANCE = 0.0010001;

// dottedQuad accepts an inet text ("10.1.2.3" or "10.1.2.3/32") or a 32-bit number.
function dottedQuad(v) {
  const s = String(v);
  if (s.includes('.')) return s.replace(/\/32$/, '');
  const n = Number(s);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function normaliseValue(kind, v) {
  if (v === null) return 'NULL';
  if (kind === 'addr') return dottedQuad(v);
  if (kind === 'mbps') return Number(v);
  return BigInt(String(v).replace(/\.0+$/, '')).toString();
}

function normalise(columns, rows) {
  return rows.map((r) => r.map((v, i) => normaliseValue(columns[i], v)));
}

// exactKey is a row's text without its Mbps columns (which are compared with a tolerance).
const exactKey = (columns, row) => row.filter((_, i) => columns[i] !== 'mbps').join('|');

// sameMultiset compares two row lists regardless of order; returns null or the first difference.
function sameMultiset(columns, a, b) {
  if (a.length !== b.length) return `${b.length} rows, reference ${a.length}`;
  const sortRows = (rows) => [...rows].sort((x, y) => (exactKey(columns, x) < exactKey(columns, y) ? -1 : 1));
  const sa = sortRows(a);
  const sb = sortRows(b);
  for (let i = 0; i < sa.length; i++) {
    const same = sa[i].every((v, c) => (columns[c] === 'mbps' ? Math.abs(v - sb[i][c]) <= MBPS_TOLERANCE : v === sb[i][c]));
    if (!same) return `row ${JSON.stringify(sb[i])} where the reference has ${JSON.stringify(sa[i])}`;
  }
  return null;
}

// difference returns null when `got` answers query q like `ref`, else a short description.
function difference(q, ref, got) {
  if (q.limit === null || ref.length < q.limit) return sameMultiset(q.columns, ref, got);
  if (ref.length !== got.length) return `${got.length} rows, reference ${ref.length}`;
  const value = (r) => BigInt(r[q.sortColumn]);
  const cut = ref.reduce((m, r) => (value(r) < m ? value(r) : m), value(ref[0]));
  const above = (rows) => rows.filter((r) => value(r) > cut);
  const tied = (rows) => rows.filter((r) => value(r) === cut).length;
  if (tied(ref) !== tied(got)) return `${tied(got)} rows at the LIMIT's cut value ${cut}, reference ${tied(ref)}`;
  return sameMultiset(q.columns, above(ref), above(got));
}

function plantedReflectors(truthFile) {
  return fs.readFileSync(truthFile, 'utf8').split('\n').filter((l) => l.startsWith('reflector ')).map((l) => l.split(' ')[1]).sort();
}

function main() {
  const [resultsFile, truthFile] = process.argv.slice(2);
  if (!truthFile) throw new Error('usage: node compare.js RESULTS.json TRUTH');
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  const reflectors = plantedReflectors(truthFile).join(' ');
  let mismatches = 0;
  let checked = 0;
  const definitions = Object.fromEntries(buildQueries(results.end).map((q) => [q.id, q]));
  for (const entry of results.queries) {
    const q = definitions[entry.id];
    const engineResults = entry.results;
    const refResult = engineResults[REFERENCE];
    const ref = refResult && !refResult.error ? normalise(q.columns, refResult.rows) : null;
    for (const [name, r] of Object.entries(engineResults)) {
      let problem;
      if (r.error) problem = `error: ${r.error}`;
      else {
        const got = normalise(q.columns, r.rows);
        problem = ref === null ? 'no reference answer' : difference(q, ref, got);
        const found = got.map((row) => row[0]).sort().join(' ');
        if (!problem && q.expectPlanted && found !== reflectors) problem = `found [${found}], planted [${reflectors}]`;
      }
      r.check = problem ? `MISMATCH: ${problem}` : 'ok';
      checked++;
      if (problem) {
        mismatches++;
        console.error(`[bench] ${entry.id} ${name}: ${r.check}`);
      }
    }
  }
  results.check_summary = { checked, mismatches, reference: REFERENCE, planted_reflectors: reflectors };
  fs.writeFileSync(resultsFile, JSON.stringify(results));
  console.error(`[bench] answers: ${checked - mismatches} of ${checked} engine results equal the reference (${REFERENCE}); planted reflectors ${reflectors}`);
  process.exit(mismatches ? 1 : 0);
}

main();
