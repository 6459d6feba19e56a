// scan_micro.js -- side-by-side timing of the benchmark's kentik_fdw queries on two already running
// clusters (e.g. a baseline build and a candidate build over the same or an equivalent store), so a
// scan-path change is measured as a ratio on a shared, noisy machine without restarting anything.
//
//   node bench/scan_micro.js HOST_A:PORT_A HOST_B:PORT_B [ROUNDS] [REPEATS] [QUERY_ID...]
//
// HOST is the cluster's socket directory.  Rounds alternate which cluster goes first; each round runs
// every query REPEATS times in a row on one warm connection per cluster.  Per query it prints the
// median wall time of each side, their ratio (B/A), the backend's CPU time per run (user+system of the
// backend process, engine threads included, read from /proc) and whether both sides returned the same
// rows.  Needs the `pg` module (NODE_PATH=.../bench/node_modules).
'use strict';
const fs = require('fs');
const { Client } = require('pg');
const { buildQueries } = require('./queries');

const TICK_MS = 10;		// /proc/<pid>/stat counts CPU in clock ticks of 1/100 s

function cpuMs(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;	// utime + stime
}

async function connect(spec) {
  const [host, port] = spec.split(':');
  const client = new Client({ host, port: Number(port), user: 'postgres', database: 'postgres' });
  await client.connect();
  await client.query("SET kentik_fdw.reference_time = '1700000000'");
  const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  return { client, pid };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function runOnce(side, sql) {
  const t0 = process.hrtime.bigint();
  const res = await side.client.query({ text: sql, rowMode: 'array' });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, rows: JSON.stringify(res.rows) };
}

async function main() {
  const [specA, specB, rounds = '7', repeats = '3', ...only] = process.argv.slice(2);
  const sides = [await connect(specA), await connect(specB)];
  const queries = buildQueries(1700000000).filter((q) => only.length === 0 || only.includes(q.id));
  console.log('query                   A_ms    B_ms   B/A   A_cpu_ms B_cpu_ms  B/A  same');
  for (const q of queries) {
    const sql = q.sql.kentik_fdw;
    const times = [[], []];
    const cpu = [0, 0];
    const rows = [null, null];
    for (const side of sides) await runOnce(side, sql);	// warm-up: caches, first-use allocations
    for (let r = 0; r < Number(rounds); r++) {
      for (const s of r % 2 ? [1, 0] : [0, 1]) {
        const c0 = cpuMs(sides[s].pid);
        for (let k = 0; k < Number(repeats); k++) {
          const out = await runOnce(sides[s], sql);
          times[s].push(out.ms);
          rows[s] = out.rows;
        }
        cpu[s] += cpuMs(sides[s].pid) - c0;
      }
    }
    const runs = Number(rounds) * Number(repeats);
    const [ma, mb] = times.map(median);
    const [ca, cb] = cpu.map((c) => c / runs);
    console.log(`${q.id.padEnd(22)} ${ma.toFixed(1).padStart(7)} ${mb.toFixed(1).padStart(7)} ${(mb / ma).toFixed(2).padStart(5)}` +
      ` ${ca.toFixed(1).padStart(9)} ${cb.toFixed(1).padStart(8)} ${(ca ? cb / ca : 0).toFixed(2).padStart(5)}  ${rows[0] === rows[1] ? 'yes' : 'NO'}`);
  }
  for (const side of sides) await side.client.end();
}

main().catch((e) => { console.error(e.message); process.exit(1); });
