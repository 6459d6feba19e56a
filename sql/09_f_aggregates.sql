--
-- 09_f_aggregates: Kentik's subquery functions as SQL aggregates (f_sum, f_avg, f_min, f_max,
-- f_count, f_countdistinct, f_hll, f_percentile, f_percentile_rate): exact results on an ordinary
-- table (NULLs, no rows, ties, a parallel plan that uses the combine and serialize functions),
-- then on the foreign table pushed into the engine, not pushed, and on flows_ref, which must all
-- agree; Kentik's f_<fn>_<col>$label aliases; the extension living in pg_catalog.
--
SET kentik_fdw.reference_time = 1700000000;

-- ------------------------------------------------------------------ an ordinary table
CREATE TABLE fv (g int, i2 smallint, i4 int, i8 bigint, n numeric, r real, d float8, a inet,
                 ts timestamptz, s text, t kentik_time);
INSERT INTO fv VALUES
  (1, 1, 10, 100, 1.0, 1.5, 2.5, '10.0.0.1', '2023-11-14 22:00:10+00', 'a', 1699999990),
  (1, 2, 20, 200, 1.00, 2.5, 3.5, '10.0.0.2', '2023-11-14 22:00:50+00', 'b', 1700000050),
  (1, 2, 20, 200, 2, 0.5, -1, '10.0.0.2/24', '2023-11-14 22:03:00+00', 'b', 1700000230),
  (1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (2, -5, -50, -500, -0.5, -1.5, 0.25, '::1', '2023-11-14 22:10:00+00', 'zz', 1700000600),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- f_sum / f_avg are sum / avg: same values, same types, same scale
SELECT g, f_sum(i2) AS s2, f_sum(i4) AS s4, f_sum(i8) AS s8, f_sum(n) AS sn, f_sum(r) AS sr, f_sum(d) AS sd,
       pg_typeof(f_sum(i2)) AS t2, pg_typeof(f_sum(i8)) AS t8
FROM fv GROUP BY g ORDER BY g;
SELECT g, f_avg(i2) AS a2, f_avg(i4) AS a4, f_avg(i8) AS a8, f_avg(n) AS an, f_avg(r) AS ar, f_avg(d) AS ad
FROM fv GROUP BY g ORDER BY g;
SELECT bool_and(x) AS same_as_builtin FROM (
  SELECT f_sum(i2) IS NOT DISTINCT FROM sum(i2) AND f_sum(i4) IS NOT DISTINCT FROM sum(i4)
     AND f_sum(i8)::text IS NOT DISTINCT FROM sum(i8)::text AND f_sum(n)::text IS NOT DISTINCT FROM sum(n)::text
     AND f_sum(r) IS NOT DISTINCT FROM sum(r) AND f_sum(d) IS NOT DISTINCT FROM sum(d)
     AND f_avg(i2)::text IS NOT DISTINCT FROM avg(i2)::text AND f_avg(i4)::text IS NOT DISTINCT FROM avg(i4)::text
     AND f_avg(i8)::text IS NOT DISTINCT FROM avg(i8)::text AND f_avg(n)::text IS NOT DISTINCT FROM avg(n)::text
     AND f_avg(r) IS NOT DISTINCT FROM avg(r) AND f_avg(d) IS NOT DISTINCT FROM avg(d)
     AND f_min(i2) IS NOT DISTINCT FROM min(i2) AND f_max(i8) IS NOT DISTINCT FROM max(i8)
     AND f_min(n) IS NOT DISTINCT FROM min(n) AND f_max(r) IS NOT DISTINCT FROM max(r)
     AND f_min(d) IS NOT DISTINCT FROM min(d) AND f_max(a) IS NOT DISTINCT FROM max(a)
     AND f_min(ts) IS NOT DISTINCT FROM min(ts) AND f_max(s) IS NOT DISTINCT FROM max(s)
     AND f_count(*) = count(*) AND f_count(a) = count(a) AND f_count(t) = count(t)
     AND f_countdistinct(i4) = count(DISTINCT i4) AND f_countdistinct(n) = count(DISTINCT n)
     AND f_countdistinct(a) = count(DISTINCT a) AND f_countdistinct(s) = count(DISTINCT s)
     AND f_countdistinct(ts) = count(DISTINCT ts) AS x
  FROM fv GROUP BY g) q;

-- f_min / f_max of every type, f_count of rows and of values
SELECT g, f_min(i2) AS min2, f_max(i4) AS max4, f_min(i8) AS min8, f_max(n) AS maxn, f_min(r) AS minr,
       f_max(d) AS maxd, f_min(a) AS mina, f_max(a) AS maxa, f_min(ts) AS mints, f_max(s) AS maxs,
       f_min(t) AS mint, f_count(*) AS rows, f_count(a) AS addrs
FROM fv GROUP BY g ORDER BY g;

-- f_countdistinct = count(DISTINCT): 1.0 = 1.00 as numerics; 10.0.0.2/32 <> 10.0.0.2/24 as inets
SELECT g, f_countdistinct(i2) AS d2, f_countdistinct(i4) AS d4, f_countdistinct(i8) AS d8,
       f_countdistinct(n) AS dn, f_countdistinct(a) AS da, f_countdistinct(s) AS ds,
       f_countdistinct(ts) AS dts, f_countdistinct(t) AS dt
FROM fv GROUP BY g ORDER BY g;

SELECT f_countdistinct(x) AS with_min, count(DISTINCT x) AS builtin
FROM (VALUES ('-9223372036854775808'::bigint), ('-9223372036854775808'), (0), (NULL)) v(x);

-- f_hll: exact for these few values; ignores NULLs and inet mask lengths (the engine sees addresses)
SELECT g, f_hll(i2, 0.0001) AS h2, f_hll(i4, 0.01) AS h4, f_hll(i8, 0.05) AS h8, f_hll(a, 0.0001) AS ha,
       f_hll(s, 0.0001) AS hs, f_hll(t, 0.0001) AS ht, pg_typeof(f_hll(i4, 0.01)) AS type
FROM fv GROUP BY g ORDER BY g;

-- f_percentile: nearest rank, returns the argument's type; ties count once per row
SELECT g, f_percentile(i2, 50) AS p50, f_percentile(i4, 66.7) AS p67, f_percentile(i8, 100) AS p100,
       f_percentile(i8, 0.001) AS p0, f_percentile(t, 50) AS pt, pg_typeof(f_percentile(i2, 50)) AS t2,
       pg_typeof(f_percentile(i4, 50)) AS t4, pg_typeof(f_percentile(t, 50)) AS tt
FROM fv GROUP BY g ORDER BY g;
SELECT f_percentile(x, 95) AS p95, f_percentile(x, 5) AS p5, f_percentile(x, 50) AS p50
FROM generate_series(1, 20) x;

-- f_percentile_rate: per-slice sums / slice_seconds, slices from the first to the last, missing = 0.
-- Group 1 by minute (epoch seconds): slices 1699999980 (100), 1700000040 (200), 1700000220 (200)
-- and 2 empty ones in between: sorted 0 0 100 200 200 over 5 slices, so p50 = p60 = 100 / 60.
SELECT f_percentile_rate(i8, t, 50) AS p50, f_percentile_rate(i8, t, 60) AS p60,
       f_percentile_rate(i8, t, 100) AS p100, f_percentile_rate(i8, t, 100, 300) AS p100_5min,
       f_percentile_rate(i8, ts, 100, 60) AS p100_ts, f_percentile_rate(i4, ts, 100, 3600) AS hourly
FROM fv WHERE g = 1;

-- over no rows: counts and f_hll are 0, the rest NULL (as sum, min, ... over no rows)
SELECT f_sum(i8), f_avg(i4), f_min(a), f_max(s), f_count(*), f_count(i4), f_countdistinct(n),
       f_hll(a, 0.0001), f_percentile(i4, 50), f_percentile_rate(i8, t, 95)
FROM fv WHERE false;
-- ... and over only NULLs
SELECT f_sum(i8), f_count(*), f_count(i4), f_countdistinct(i4), f_hll(i4, 0.01), f_percentile(i4, 50),
       f_percentile_rate(i8, t, 95)
FROM fv WHERE g = 3;

-- errors: parameters must be valid constants
SELECT f_hll(i4, 0) FROM fv;
SELECT f_hll(i4, -1) FROM fv;
SELECT f_hll(i4, 'NaN') FROM fv;
SELECT f_hll(i4, NULL) FROM fv;
SELECT f_hll(i4, i4) FROM fv;
SELECT f_percentile(i4, 0) FROM fv;
SELECT f_percentile(i4, 100.5) FROM fv;
SELECT f_percentile(i4, g) FROM fv;
SELECT f_percentile_rate(i8, t, 95, 0) FROM fv;
SELECT f_percentile_rate(i8, t, 95, g) FROM fv;
SELECT f_percentile_rate(i8, t, -1) FROM fv;
SELECT f_hll(d, 0.01) FROM fv;
-- a nondeterministic collation's equality is not byte equality: refused
CREATE COLLATION case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
SELECT f_countdistinct(s COLLATE case_insensitive) FROM fv;
DROP COLLATION case_insensitive;
-- a parameter error over no rows is no error, as for any aggregate never called
SELECT f_percentile(i4, 0) FROM fv WHERE false;

-- f_hll is within its error of count(DISTINCT) (1.04 / sqrt(2^p): 0.81% at p = 14 for 0.0001, 9.2% at
-- p = 7 for 0.1; three standard errors allowed), and deterministic: the hash is part of the format
CREATE TABLE fbig AS
SELECT x, (x * 7919) % 100003 AS v, (x % 5)::int AS g, ('10.' || x / 65536 || '.' || x / 256 % 256 || '.' || x % 256)::inet AS a,
       md5(x::text) AS s
FROM generate_series(1, 200000) x;
ANALYZE fbig;
SELECT count(DISTINCT v) AS exact, f_hll(v, 0.0001) AS p14, f_hll(v, 0.1) AS p7,
       abs(f_hll(v, 0.0001) - count(DISTINCT v)) / count(DISTINCT v)::float8 < 0.0081 * 3 AS p14_within,
       abs(f_hll(v, 0.1) - count(DISTINCT v)) / count(DISTINCT v)::float8 < 0.092 * 3 AS p7_within,
       f_hll(a, 0.0001) AS addrs, f_hll(s, 0.0001) AS strings
FROM fbig;

-- a parallel plan: partial states in the workers, serialized, combined in the leader; the same
-- results as the serial plan
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT f_sum(v), f_countdistinct(v), f_hll(a, 0.0001), f_percentile(v, 95), f_percentile_rate(v, x, 95, 1000)
FROM fbig;
CREATE TABLE fpar AS
SELECT g, f_sum(v) AS s, f_avg(v) AS av, f_min(a) AS mi, f_max(s) AS ma, f_count(*) AS n,
       f_countdistinct(v) AS cd, f_countdistinct(s) AS cds, f_hll(v, 0.0001) AS h, f_hll(a, 0.05) AS ha,
       f_hll(s, 0.0001) AS hs, f_percentile(v, 95) AS p, f_percentile_rate(v, x, 95, 1000) AS pr
FROM fbig GROUP BY g;
CREATE TABLE fpar1 AS
SELECT f_sum(v) AS s, f_countdistinct(v) AS cd, f_hll(v, 0.0001) AS h, f_hll(a, 0.01) AS ha,
       f_hll(g, 0.0001) AS hg, f_countdistinct(g) AS cdg, f_percentile(v, 50) AS p,
       f_percentile_rate(v, x, 50, 100) AS pr
FROM fbig;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE fser AS
SELECT g, f_sum(v) AS s, f_avg(v) AS av, f_min(a) AS mi, f_max(s) AS ma, f_count(*) AS n,
       f_countdistinct(v) AS cd, f_countdistinct(s) AS cds, f_hll(v, 0.0001) AS h, f_hll(a, 0.05) AS ha,
       f_hll(s, 0.0001) AS hs, f_percentile(v, 95) AS p, f_percentile_rate(v, x, 95, 1000) AS pr
FROM fbig GROUP BY g;
CREATE TABLE fser1 AS
SELECT f_sum(v) AS s, f_countdistinct(v) AS cd, f_hll(v, 0.0001) AS h, f_hll(a, 0.01) AS ha,
       f_hll(g, 0.0001) AS hg, f_countdistinct(g) AS cdg, f_percentile(v, 50) AS p,
       f_percentile_rate(v, x, 50, 100) AS pr
FROM fbig;
RESET max_parallel_workers_per_gather;
SELECT (SELECT count(*) FROM (TABLE fpar EXCEPT TABLE fser) d) AS only_parallel,
       (SELECT count(*) FROM (TABLE fser EXCEPT TABLE fpar) d) AS only_serial,
       (SELECT count(*) FROM (TABLE fpar1 EXCEPT TABLE fser1) d) AS only_parallel_total;
SELECT * FROM fser ORDER BY g;
SELECT * FROM fser1;
DROP TABLE fbig, fpar, fpar1, fser, fser1;

-- ------------------------------------------------------------------ the foreign table
--
-- kf_f_compare(query) runs a query (@table@ for the table) on all_devices pushed into the engine,
-- on all_devices with kentik_fdw.enable_pushdown = off, and on flows_ref, and reports the rows of
-- the reference result, the rows in one result but not in another (all four must be 0, compared
-- as text), and the engine's plan ("Kentik Aggregation", or "not pushed").
--
CREATE FUNCTION kf_f_compare(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  line text;
  native text := 'not pushed';
  n bigint; d1 bigint; d2 bigint; d3 bigint; d4 bigint;
BEGIN
  PERFORM set_config('kentik_fdw.enable_pushdown', 'on', true);
  FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || replace(q, '@table@', 'all_devices') LOOP
    IF line ~ 'Kentik Aggregation:' THEN
      native := regexp_replace(line, '^\s*Kentik Aggregation:\s*', '');
    END IF;
  END LOOP;
  EXECUTE 'CREATE TEMP TABLE kf_pushed AS ' || replace(q, '@table@', 'all_devices');
  PERFORM set_config('kentik_fdw.enable_pushdown', 'off', true);
  EXECUTE 'CREATE TEMP TABLE kf_local AS ' || replace(q, '@table@', 'all_devices');
  PERFORM set_config('kentik_fdw.enable_pushdown', 'on', true);
  EXECUTE 'CREATE TEMP TABLE kf_ref AS ' || replace(q, '@table@', 'flows_ref');
  SELECT count(*) INTO n FROM kf_ref;
  SELECT count(*) INTO d1 FROM (SELECT t::text FROM kf_pushed t EXCEPT ALL SELECT t::text FROM kf_ref t) x;
  SELECT count(*) INTO d2 FROM (SELECT t::text FROM kf_ref t EXCEPT ALL SELECT t::text FROM kf_pushed t) x;
  SELECT count(*) INTO d3 FROM (SELECT t::text FROM kf_local t EXCEPT ALL SELECT t::text FROM kf_ref t) x;
  SELECT count(*) INTO d4 FROM (SELECT t::text FROM kf_ref t EXCEPT ALL SELECT t::text FROM kf_local t) x;
  DROP TABLE kf_pushed, kf_local, kf_ref;
  RETURN format(E'%s rows, differences %s %s %s %s\n  %s', n, d1, d2, d3, d4, native);
END $$;

SELECT q, kf_f_compare(q) FROM (VALUES
  ('SELECT protocol, f_sum(both_bytes) AS s8, f_sum(l4_src_port) AS s4, f_avg(in_pkts) AS a8,
           f_avg(protocol) AS a4, f_count(*) AS n, f_count(ipv4_src_addr) AS v4 FROM @table@ GROUP BY 1'),
  ('SELECT i_device_name, f_min(ctimestamp) AS t0, f_max(i_start_time) AS s1, f_min(inet_src_addr) AS a0,
           f_max(ipv4_dst_addr) AS a1, f_min(src_as) AS as0, f_max(dst_flow_tags COLLATE "C") AS tag
    FROM @table@ GROUP BY 1'),
  ('SELECT dst_flow_tags, f_countdistinct(inet_src_addr) AS src, f_countdistinct(l4_dst_port) AS port,
           f_countdistinct(ctimestamp) AS times, f_countdistinct(src_flow_tags) AS tags FROM @table@ GROUP BY 1'),
  ('SELECT i_device_id, f_hll(inet_src_addr, 0.0001) AS src, f_hll(ipv4_dst_addr, 0.05) AS dst,
           f_hll(l4_dst_port, 0.01) AS port, f_hll(src_flow_tags, 0.3) AS tags, f_hll(ctimestamp, 0.0001) AS t
    FROM @table@ GROUP BY 1'),
  ('SELECT protocol, f_percentile(both_bytes, 95) AS b95, f_percentile(l4_src_port, 50) AS port50,
           f_percentile(ctimestamp, 1) AS t1, f_percentile(in_pkts, 100) AS p100 FROM @table@ GROUP BY 1'),
  ('SELECT i_device_id, f_percentile_rate(both_bytes, ctimestamp, 95) AS bps95,
           f_percentile_rate(both_pkts, i_start_time, 50, 300) AS pps50,
           f_percentile_rate(l4_dst_port, ctimestamp, 100, 1) AS odd FROM @table@ GROUP BY 1'),
  ('SELECT f_sum(both_bytes) AS s, f_countdistinct(inet_dst_addr) AS d, f_hll(inet_dst_addr, 0.0001) AS h,
           f_percentile(both_bytes, 99.9) AS p, f_percentile_rate(both_bytes, ctimestamp, 95) AS r
    FROM @table@ WHERE protocol = 6'),
  ('SELECT f_sum(both_bytes) AS s, f_count(*) AS n, f_hll(inet_dst_addr, 0.0001) AS h,
           f_percentile(both_bytes, 50) AS p, f_percentile_rate(both_bytes, ctimestamp, 95) AS r
    FROM @table@ WHERE protocol = 255'),
  ('SELECT ipv4_dst_addr, f_hll(inet_src_addr, 0.0001) AS h, f_percentile(both_bytes, 50) AS p
    FROM @table@ GROUP BY 1 HAVING f_hll(inet_src_addr, 0.0001) > 1 AND f_percentile(both_bytes, 50) >= 1000'),
  ('SELECT protocol, f_percentile_rate(both_bytes, ctimestamp, 95) AS r FROM @table@ GROUP BY 1
    HAVING f_percentile_rate(both_bytes, ctimestamp, 95) > 100'),
  ('SELECT protocol, f_hll(inet_src_addr, 0.0001) AS h FROM @table@ GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3'),
  ('SELECT protocol, f_percentile(both_bytes, 95) AS p FROM @table@ GROUP BY 1 ORDER BY p, 1 LIMIT 4'),
  ('SELECT protocol, f_percentile_rate(both_bytes, ctimestamp, 50) AS r FROM @table@ GROUP BY 1
    ORDER BY r DESC, 1 LIMIT 5')
) v(q);

-- invalid or non-constant parameters are not pushed: PostgreSQL evaluates and reports them
SELECT kf_f_compare('SELECT protocol, f_percentile(both_bytes, protocol) FROM @table@ WHERE protocol = 255 GROUP BY 1');
SELECT f_percentile(both_bytes, 0) FROM all_devices;
SELECT f_hll(inet_src_addr, 0) FROM all_devices;
SELECT f_hll(inet_src_addr, protocol) FROM all_devices;

-- EXPLAIN VERBOSE shows them in the engine's plan (its plan nodes, outputs, filter and aggregation
-- lines; the other Kentik lines belong to other tests)
CREATE FUNCTION kf_f_explain(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP
    IF line ~ '^\s*(->\s+)?[A-Z][A-Za-z ]*$' OR line ~ 'Output:|Kentik (Filter|Aggregation):' THEN
      RETURN NEXT line;
    END IF;
  END LOOP;
END $$;
SELECT kf_f_explain($$
SELECT protocol, f_sum(both_bytes), f_countdistinct(inet_dst_addr), f_hll(inet_src_addr, 0.0001),
       f_percentile(both_bytes, 95), f_percentile_rate(both_bytes, ctimestamp, 95),
       f_percentile_rate(both_bytes, i_start_time, 99, 300)
FROM all_devices WHERE ctimestamp > 3600 GROUP BY protocol ORDER BY protocol$$);
SELECT protocol, f_sum(both_bytes), f_countdistinct(inet_dst_addr), f_hll(inet_src_addr, 0.0001),
       f_percentile(both_bytes, 95), f_percentile_rate(both_bytes, ctimestamp, 95),
       f_percentile_rate(both_bytes, i_start_time, 99, 300)
FROM all_devices WHERE ctimestamp > 3600 GROUP BY protocol ORDER BY protocol;

-- f_hll on the flows: pushed = not pushed, within its error of count(DISTINCT)
CREATE TEMP TABLE hll_pushed AS
SELECT i_device_id, f_hll(inet_src_addr, 0.0001) AS h14, f_hll(inet_src_addr, 0.1) AS h7,
       count(DISTINCT inet_src_addr) AS exact FROM all_devices GROUP BY 1;
SET kentik_fdw.enable_pushdown = off;
CREATE TEMP TABLE hll_local AS
SELECT i_device_id, f_hll(inet_src_addr, 0.0001) AS h14, f_hll(inet_src_addr, 0.1) AS h7,
       count(DISTINCT inet_src_addr) AS exact FROM all_devices GROUP BY 1;
RESET kentik_fdw.enable_pushdown;
SELECT p.i_device_id, p.exact, p.h14, p.h7, p.h14 = l.h14 AND p.h7 = l.h7 AS same_as_local,
       abs(p.h14 - p.exact) <= 0.0081 * 3 * p.exact AS h14_within,
       abs(p.h7 - p.exact) <= 0.092 * 3 * p.exact AS h7_within
FROM hll_pushed p JOIN hll_local l USING (i_device_id) ORDER BY 1;

-- ------------------------------------------------------------------ Kentik's aliases
-- f_<fn>_<col>[$label] are ordinary identifiers ($ is allowed after the first character), folded
-- to lower case unless quoted; quoted, they may hold anything.
SELECT f_sum(both_bytes) AS f_sum_both_bytes$gre_src_mbps, f_count(*) AS F_COUNT_ALL$Flows,
       f_hll(inet_src_addr, 0.0001) AS "f_hll_inet_src_addr$Uniq Sources"
FROM all_devices WHERE protocol = 47;
SELECT f_sum_both_bytes$gre_src_mbps, "f_sum_both_bytes$gre_src_mbps", f_count_all$flows
FROM (SELECT f_sum(both_bytes) AS f_sum_both_bytes$gre_src_mbps, f_count(*) AS F_COUNT_ALL$FLOWS
      FROM all_devices WHERE protocol = 47) q;
SELECT 1 AS $label;

-- Kentik's spam-reflection queries with f_ functions: the same answers as with SUM, pushed or not
CREATE FUNCTION kf_spam_f_query(n int, tab text, fn text) RETURNS text LANGUAGE sql AS $$
SELECT replace(CASE n
WHEN 1 THEN 'SELECT ipv4_dst_addr, @SUM@(both_bytes) AS f_sum_both_bytes FROM ' || tab
  || ' WHERE ctimestamp > 3600 AND protocol = 6 AND l4_src_port = 25 AND dst_flow_tags ILIKE ''%MYNETWORK%'''
  || ' GROUP BY ipv4_dst_addr ORDER BY f_sum_both_bytes DESC LIMIT 10000'
WHEN 2 THEN 'SELECT ipv4_src_addr, @SUM@(both_bytes) AS f_sum_both_bytes FROM ' || tab
  || ' WHERE ctimestamp > 3600 AND protocol = 47 AND src_flow_tags ILIKE ''%MYNETWORK%'''
  || ' GROUP BY ipv4_src_addr ORDER BY f_sum_both_bytes DESC LIMIT 10000'
ELSE 'SELECT ipv4_src_addr, ROUND(MAX(f_sum_both_bytes$gre_src_mbps) * 8 / 1000000 / 60, 3) AS gre_src_mbps,'
  || ' ROUND(MAX(f_sum_both_bytes$smtp_dst_mbps) * 8 / 1000000 / 60, 3) AS smtp_dst_mbps FROM (('
  || ' SELECT ipv4_src_addr, @SUM@(both_bytes) AS f_sum_both_bytes$gre_src_mbps, 0 AS f_sum_both_bytes$smtp_dst_mbps'
  || ' FROM ' || tab || ' WHERE ctimestamp > 60 AND protocol=47 AND (src_flow_tags ILIKE ''%MYNETWORK%'')'
  || ' GROUP BY ipv4_src_addr ORDER BY f_sum_both_bytes$gre_src_mbps DESC LIMIT 10000) UNION ('
  || ' SELECT ipv4_dst_addr,0 AS f_sum_both_bytes$gre_src_mbps, @SUM@(both_bytes) AS f_sum_both_bytes$smtp_dst_mbps'
  || ' FROM ' || tab || ' WHERE ctimestamp > 60 AND protocol=6 AND l4_src_port=25 AND (dst_flow_tags ILIKE ''%MYNETWORK%'')'
  || ' GROUP BY ipv4_dst_addr ORDER BY f_sum_both_bytes$smtp_dst_mbps DESC LIMIT 10000)) a'
  || ' GROUP BY ipv4_src_addr HAVING MAX(f_sum_both_bytes$gre_src_mbps) > 0 AND MAX(f_sum_both_bytes$smtp_dst_mbps) > 0'
END, '@SUM@', fn) $$;
CREATE FUNCTION kf_spam_f_compare(n int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE rows_f bigint; d1 bigint; d2 bigint; d3 bigint; d4 bigint; pushed bool := false; line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || kf_spam_f_query(n, 'all_devices', 'f_sum') LOOP
    pushed := pushed OR line ~ 'Kentik Aggregation:.*sum\(both_bytes\)';
  END LOOP;
  EXECUTE 'CREATE TEMP TABLE r_f AS ' || kf_spam_f_query(n, 'all_devices', 'f_sum');
  PERFORM set_config('kentik_fdw.enable_pushdown', 'off', true);
  EXECUTE 'CREATE TEMP TABLE r_f_local AS ' || kf_spam_f_query(n, 'all_devices', 'f_sum');
  PERFORM set_config('kentik_fdw.enable_pushdown', 'on', true);
  EXECUTE 'CREATE TEMP TABLE r_sum AS ' || kf_spam_f_query(n, 'flows_ref', 'SUM');
  SELECT count(*) INTO rows_f FROM r_f;
  SELECT count(*) INTO d1 FROM (TABLE r_f EXCEPT ALL TABLE r_sum) x;
  SELECT count(*) INTO d2 FROM (TABLE r_sum EXCEPT ALL TABLE r_f) x;
  SELECT count(*) INTO d3 FROM (TABLE r_f_local EXCEPT ALL TABLE r_sum) x;
  SELECT count(*) INTO d4 FROM (TABLE r_sum EXCEPT ALL TABLE r_f_local) x;
  DROP TABLE r_f, r_f_local, r_sum;
  RETURN format('%s rows, differences %s %s %s %s, %s', rows_f, d1, d2, d3, d4,
                CASE WHEN pushed THEN 'pushed' ELSE 'not pushed' END);
END $$;
SELECT n, kf_spam_f_compare(n) FROM generate_series(1, 3) n;
-- the third one with f_ functions, as a Kentik user writes it
SELECT ipv4_src_addr,
ROUND(MAX(f_sum_both_bytes$gre_src_mbps) * 8 / 1000000 / 60, 3) AS gre_src_mbps,
ROUND(MAX(f_sum_both_bytes$smtp_dst_mbps) * 8 / 1000000 / 60, 3) AS smtp_dst_mbps
FROM ((
SELECT ipv4_src_addr, f_sum(both_bytes) AS f_sum_both_bytes$gre_src_mbps, 0 AS f_sum_both_bytes$smtp_dst_mbps
FROM all_devices WHERE ctimestamp > 60 AND protocol=47 AND (src_flow_tags ILIKE '%MYNETWORK%')
GROUP BY ipv4_src_addr ORDER BY f_sum_both_bytes$gre_src_mbps DESC LIMIT 10000) UNION (
SELECT ipv4_dst_addr, 0 AS f_sum_both_bytes$gre_src_mbps, f_sum(both_bytes) AS f_sum_both_bytes$smtp_dst_mbps
FROM all_devices WHERE ctimestamp > 60 AND protocol=6 AND l4_src_port=25 AND (dst_flow_tags ILIKE '%MYNETWORK%')
GROUP BY ipv4_dst_addr ORDER BY f_sum_both_bytes$smtp_dst_mbps DESC LIMIT 10000)) a
GROUP BY ipv4_src_addr HAVING MAX(f_sum_both_bytes$gre_src_mbps) > 0 AND MAX(f_sum_both_bytes$smtp_dst_mbps) > 0
ORDER BY MAX(f_sum_both_bytes$gre_src_mbps) DESC, MAX(f_sum_both_bytes$smtp_dst_mbps) DESC;

-- ------------------------------------------------------------------ the extension lives in pg_catalog
-- so kentik_time's operators and the f_ aggregates work whatever the search_path: with the
-- extension in public and search_path = k, "ctimestamp > 60" fell back to int8 > int4 (absolute time).
SELECT extnamespace::regnamespace AS schema, extrelocatable FROM pg_extension WHERE extname = 'kentik_fdw';
CREATE SCHEMA k;
SET search_path = k;
SELECT count(*) FILTER (WHERE ctimestamp > 60) AS relative, count(*) FILTER (WHERE ctimestamp::bigint > 60) AS absolute,
       f_sum(both_bytes) FILTER (WHERE ctimestamp > 3600) AS last_hour
FROM public.flows_ref;
SELECT count(*) AS last_hour_rows, f_sum(both_bytes) AS last_hour FROM public.all_devices WHERE ctimestamp > 3600;
SELECT o.oprcode FROM pg_operator o
WHERE o.oprname = '>' AND o.oprleft = 'kentik_time'::regtype AND o.oprright = 'int4'::regtype;
RESET search_path;
DROP SCHEMA k;
DROP TABLE fv;
