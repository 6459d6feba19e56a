// queries.js -- the benchmark's queries, written once per engine dialect.
//
// kentik_fdw runs the spam-reflection queries verbatim from tools/demo/spam_reflection_queries.sql with
// relative time (`ctimestamp > 3600` = the last hour, kentik_fdw.reference_time = the data set's end);
// the peers get the same query with the absolute bound `ctimestamp > end - window`.  Every query carries
// how to read its result (column kinds) and how to compare it (the ORDER BY column of a LIMIT, for ties).
'use strict';
const fs = require('fs');
const path = require('path');

const ENGINES = ['kentik_fdw', 'postgres', 'clickhouse', 'duckdb'];
const SPAM_FILE = path.join(__dirname, '..', 'tools', 'demo', 'spam_reflection_queries.sql');

// readSpamQueries returns the three queries of the demo file, comment lines dropped.
function readSpamQueries() {
  const text = fs.readFileSync(SPAM_FILE, 'utf8');
  return text.split(/^--@$/m).map((q) => q.split('\n').filter((l) => !l.startsWith('--')).join('\n').trim().replace(/;$/, ''));
}

// withWindow rewrites every relative time condition of a kentik_fdw query to the given window.
function withWindow(sql, seconds) {
  return sql.replace(/ctimestamp > \d+/g, `ctimestamp > ${seconds}`);
}

// tagMatch is `column ILIKE '%NAME%'` in each dialect (ClickHouse 18.16 has no ILIKE).
function tagMatch(dialect, column, name) {
  return dialect === 'clickhouse' ? `positionCaseInsensitive(${column}, '${name}') > 0` : `${column} ILIKE '%${name}%'`;
}

// spamPeerSql is spam-reflection query n (1..3) for a peer over (since, end]: the demo query with the
// absolute time bound, and for query 3 plain aliases (`$` is not an identifier character everywhere)
// and UNION ALL in ClickHouse 18.16, which has no UNION DISTINCT (the branches' rows never coincide).
function spamPeerSql(n, dialect, since) {
  const smtp = `protocol = 6 AND l4_src_port = 25 AND ${tagMatch(dialect, 'dst_flow_tags', 'MYNETWORK')}`;
  const gre = `protocol = 47 AND ${tagMatch(dialect, 'src_flow_tags', 'MYNETWORK')}`;
  if (n === 1) {
    return `SELECT ipv4_dst_addr, SUM(both_bytes) AS f_sum_both_bytes FROM flows WHERE ctimestamp > ${since} AND ${smtp} ` +
      'GROUP BY ipv4_dst_addr ORDER BY f_sum_both_bytes DESC LIMIT 10000';
  }
  if (n === 2) {
    return `SELECT ipv4_src_addr, SUM(both_bytes) AS f_sum_both_bytes FROM flows WHERE ctimestamp > ${since} AND ${gre} ` +
      'GROUP BY ipv4_src_addr ORDER BY f_sum_both_bytes DESC LIMIT 10000';
  }
  const zero = dialect === 'clickhouse' ? 'toUInt64(0)' : '0';
  const union = dialect === 'clickhouse' ? 'UNION ALL' : 'UNION';
  const greBranch = `SELECT ipv4_src_addr, SUM(both_bytes) AS gre_bytes, ${zero} AS smtp_bytes FROM flows ` +
    `WHERE ctimestamp > ${since} AND ${gre} GROUP BY ipv4_src_addr ORDER BY gre_bytes DESC LIMIT 10000`;
  const smtpBranch = `SELECT ipv4_dst_addr AS ipv4_src_addr, ${zero} AS gre_bytes, SUM(both_bytes) AS smtp_bytes FROM flows ` +
    `WHERE ctimestamp > ${since} AND ${smtp} GROUP BY ipv4_dst_addr ORDER BY smtp_bytes DESC LIMIT 10000`;
  const unioned = dialect === 'clickhouse' ? `${greBranch} ${union} ${smtpBranch}` : `(${greBranch}) ${union} (${smtpBranch})`;
  return 'SELECT ipv4_src_addr, ROUND(MAX(gre_bytes) * 8 / 1000000 / 60, 3) AS gre_src_mbps, ' +
    'ROUND(MAX(smtp_bytes) * 8 / 1000000 / 60, 3) AS smtp_dst_mbps ' +
    `FROM (${unioned}) a GROUP BY ipv4_src_addr HAVING MAX(gre_bytes) > 0 AND MAX(smtp_bytes) > 0 ` +
    'ORDER BY MAX(gre_bytes) DESC, MAX(smtp_bytes) DESC';
}

// minuteExpr is the start of ctimestamp's minute in each dialect.
function minuteExpr(dialect) {
  switch (dialect) {
    case 'kentik_fdw': return 'ctimestamp::bigint / 60 * 60';
    case 'clickhouse': return 'intDiv(ctimestamp, 60) * 60';
    case 'duckdb': return 'ctimestamp // 60 * 60';
    default: return 'ctimestamp / 60 * 60';
  }
}

// timeBound is the condition "within the last `seconds` of the data set" in each dialect.
function timeBound(dialect, end, seconds) {
  return dialect === 'kentik_fdw' ? `ctimestamp > ${seconds}` : `ctimestamp > ${end - seconds}`;
}

// perEngine builds {engine: sql} from a function of (dialect, table name).
function perEngine(build) {
  return Object.fromEntries(ENGINES.map((e) => [e, build(e, e === 'kentik_fdw' ? 'all_devices' : 'flows')]));
}

const SPAM_COLUMNS = [['addr', 'int'], ['addr', 'int'], ['addr', 'mbps', 'mbps']];

// buildQueries lists the benchmark's queries for a data set ending at `end` (epoch seconds).
// Each: id, title, where (the peers' row filter that bounds the scan, for rows/s), columns (result
// kinds), limit + sortColumn (for tie-aware comparison), expectPlanted (the answer must be exactly the
// planted reflectors: only the UNION query as written, whose last minute covers the planted window; over
// longer windows a reflector can legitimately fall outside a branch's LIMIT 10000), sql per engine.
function buildQueries(end) {
  const spam = readSpamQueries();
  const queries = [];
  const spamTitles = ['spam 1: SMTP (sport 25) receivers', 'spam 2: GRE senders', 'spam 3: UNION reflectors'];
  const addSpam = (n, seconds, label, verbatim) => {
    const sql = perEngine((e) => (e === 'kentik_fdw' ? (verbatim ? spam[n - 1] : withWindow(spam[n - 1], seconds)) : spamPeerSql(n, e, end - seconds)));
    queries.push({
      id: `spam${n}_${label}`, title: `${spamTitles[n - 1]}, last ${label}${verbatim ? ' (as written)' : ''}`,
      where: `ctimestamp > ${end - seconds}`, columns: SPAM_COLUMNS[n - 1],
      limit: n === 3 ? null : 10000, sortColumn: n === 3 ? null : 1, expectPlanted: n === 3 && verbatim, sql,
    });
  };
  for (const n of [1, 2, 3]) addSpam(n, 3600, '1h', false);
  addSpam(3, 60, '1m', true);
  for (const n of [1, 2, 3]) addSpam(n, 86400, '24h', false);
  queries.push({
    id: 'top_dst_ports', title: 'top 20 destination ports by bytes (full scan)', where: 'true',
    columns: ['int', 'int'], limit: 20, sortColumn: 1,
    sql: perEngine((e, t) => `SELECT l4_dst_port, SUM(both_bytes) AS bytes FROM ${t} GROUP BY l4_dst_port ORDER BY bytes DESC LIMIT 20`),
  });
  queries.push({
    id: 'tcp_bytes_per_minute', title: 'TCP bytes per minute over 24 h', where: `ctimestamp > ${end - 86400}`,
    columns: ['int', 'int'], limit: null, sortColumn: null,
    sql: perEngine((e, t) => `SELECT ${minuteExpr(e)} AS minute, SUM(both_bytes) AS bytes FROM ${t} ` +
      `WHERE ${timeBound(e, end, 86400)} AND protocol = 6 GROUP BY minute ORDER BY minute`),
  });
  queries.push({
    id: 'distinct_udp_sources', title: 'count(DISTINCT source address) of UDP', where: 'true',
    columns: ['int'], limit: null, sortColumn: null,
    sql: perEngine((e, t) => `SELECT count(DISTINCT ipv4_src_addr) AS sources FROM ${t} WHERE protocol = 17`),
  });
  queries.push({
    id: 'top_pairs_device2_6h', title: 'top 100 (source, destination) by bytes, device 2, last 6 h',
    where: `i_device_id = 2 AND ctimestamp > ${end - 21600}`, columns: ['addr', 'addr', 'int'], limit: 100, sortColumn: 2,
    sql: perEngine((e, t) => `SELECT ipv4_src_addr, ipv4_dst_addr, SUM(both_bytes) AS bytes FROM ${t} ` +
      `WHERE i_device_id = 2 AND ${timeBound(e, end, 21600)} GROUP BY ipv4_src_addr, ipv4_dst_addr ORDER BY bytes DESC LIMIT 100`),
  });
  return queries;
}

// Queries also run on kentik_fdw with pushdown off, as a reference for what the engine adds.
const NO_PUSHDOWN_QUERIES = ['spam1_1h', 'top_dst_ports'];

module.exports = { ENGINES, NO_PUSHDOWN_QUERIES, buildQueries };
