// engines.js -- one client per engine, all timed the same way by the runner: from sending the query to
// having every result row in this Node process.
//
// kentik_fdw and PostgreSQL: node `pg` over TCP 127.0.0.1 to the bench cluster (text protocol, rows as
// arrays).  ClickHouse: HTTP POST to 127.0.0.1 with FORMAT JSONCompact (its native protocol has no
// maintained Node client for 18.16).  DuckDB: in-process through @duckdb/node-api (no network hop).
'use strict';

const env = process.env;

// connectPostgres opens a pg connection and runs the given session settings.
async function connectPostgres(settings) {
  const { Client } = require('pg');
  const client = new Client({ host: '127.0.0.1', port: +env.KF_BENCH_PG_PORT, user: 'postgres', database: 'postgres' });
  await client.connect();
  for (const s of settings) await client.query(s);
  return {
    run: async (sql) => (await client.query({ text: sql, rowMode: 'array' })).rows,
    close: () => client.end(),
  };
}

// connectClickHouse returns a client of the bench server's HTTP interface.
async function connectClickHouse() {
  const url = `http://127.0.0.1:${env.KF_BENCH_CH_HTTP_PORT}/`;
  const run = async (sql) => {
    const response = await fetch(url, { method: 'POST', body: `${sql} FORMAT JSONCompact` });
    const text = await response.text();
    if (!response.ok) throw new Error(`clickhouse: ${text.trim()}`);
    return JSON.parse(text).data;
  };
  await run('SELECT 1');
  return { run, close: async () => {} };
}

// connectDuckDB opens the bench's database file read-only with two threads, like the other engines.
async function connectDuckDB(dbFile) {
  const { DuckDBInstance } = require('@duckdb/node-api');
  const instance = await DuckDBInstance.create(dbFile, { access_mode: 'READ_ONLY', threads: '2' });
  const conn = await instance.connect();
  return {
    run: async (sql) => (await conn.runAndReadAll(sql)).getRows(),
    close: async () => { conn.closeSync(); instance.closeSync(); },
  };
}

// checkKentikLibrary makes the backend load kentik_fdw now and checks that the shared object it mapped is
// the file this run installed (inode KF_BENCH_KENTIK_SO_INODE): on a shared machine another engineer's
// `make install` can replace it between our install and the queries, and the numbers would silently
// belong to another build.
async function checkKentikLibrary(engine) {
  await engine.run("LOAD 'kentik_fdw'");
  const expected = env.KF_BENCH_KENTIK_SO_INODE;
  if (!expected) return;
  const pid = (await engine.run('SELECT pg_backend_pid()'))[0][0];
  const mapped = require('fs').readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').find((l) => l.endsWith('/kentik_fdw.so'));
  const inode = mapped ? mapped.trim().split(/\s+/)[4] : 'none';
  if (inode !== expected) {
    throw new Error(`kentik_fdw.so in the server (inode ${inode}) is not the one this run installed (inode ${expected}): ` +
      'another make install replaced it; rerun');
  }
}

// connect opens engine `name`: kentik_fdw, kentik_fdw_nopushdown, postgres, clickhouse or duckdb.
// kentik_fdw answers relative time as of the data set's end (kentik_fdw.reference_time).
async function connect(name, { end, duckdbFile }) {
  switch (name) {
    case 'kentik_fdw':
    case 'kentik_fdw_nopushdown': {
      const settings = [`SET kentik_fdw.reference_time = '${end}'`];
      if (name === 'kentik_fdw_nopushdown') settings.push('SET kentik_fdw.enable_pushdown = off');
      const engine = await connectPostgres(settings);
      try {
        await checkKentikLibrary(engine);
      } catch (err) {
        await engine.close();
        throw err;
      }
      return engine;
    }
    case 'postgres':
      return connectPostgres([]);
    case 'clickhouse':
      return connectClickHouse();
    case 'duckdb':
      return connectDuckDB(duckdbFile);
    default:
      throw new Error(`unknown engine ${name}`);
  }
}

module.exports = { connect };
