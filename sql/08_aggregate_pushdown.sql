--
-- 08_aggregate_pushdown: GROUP BY, aggregates, HAVING, ORDER BY and LIMIT/OFFSET run in the engine.
--
-- kf_agg_compare(query) runs a query (with @table@ for the table) three ways: on all_devices with
-- pushdown, on all_devices without any pushdown, and on flows_ref.  It reports the rows of the
-- reference result, the rows in one result but not in another (all four must be 0, compared as
-- multisets of their text forms, so a numeric's scale or an inet's mask length counts), with
-- ordered => true whether the three come out in the same order, then the plan's
-- nodes and the engine's native plan ("Kentik Aggregation", or "not pushed").  Row counts > 0 and
-- the exact results further down keep the comparisons from passing vacuously.
--
SET kentik_fdw.reference_time = 1700000000;

CREATE FUNCTION kf_agg_compare(q text, ordered bool DEFAULT false) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  line text;
  shape text := '';
  native text := 'not pushed';
  n bigint; d1 bigint; d2 bigint; d3 bigint; d4 bigint;
  o_pushed text; o_local text; o_ref text;
  order_note text := '';
BEGIN
  PERFORM set_config('kentik_fdw.enable_pushdown', 'on', true);
  FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || replace(q, '@table@', 'all_devices') LOOP
    IF line ~ '^\s*(->\s+)?[A-Z][A-Za-z ]*( on \S+)?$' THEN
      shape := shape || CASE WHEN shape = '' THEN '' ELSE ' > ' END
               || regexp_replace(line, '^\s*(->\s+)?([A-Za-z ]*[a-z])( on \S+)?$', '\2');
    END IF;
    IF line ~ 'Kentik Aggregation:' THEN
      native := regexp_replace(line, '^\s*Kentik Aggregation:\s*', '');
    END IF;
  END LOOP;
  EXECUTE 'CREATE TEMP TABLE kf_pushed AS ' || replace(q, '@table@', 'all_devices');
  IF ordered THEN
    EXECUTE 'SELECT string_agg(x::text, '';'') FROM (' || replace(q, '@table@', 'all_devices') || ') x'
      INTO o_pushed;
  END IF;
  PERFORM set_config('kentik_fdw.enable_pushdown', 'off', true);
  EXECUTE 'CREATE TEMP TABLE kf_local AS ' || replace(q, '@table@', 'all_devices');
  IF ordered THEN
    EXECUTE 'SELECT string_agg(x::text, '';'') FROM (' || replace(q, '@table@', 'all_devices') || ') x'
      INTO o_local;
  END IF;
  PERFORM set_config('kentik_fdw.enable_pushdown', 'on', true);
  EXECUTE 'CREATE TEMP TABLE kf_ref AS ' || replace(q, '@table@', 'flows_ref');
  IF ordered THEN
    EXECUTE 'SELECT string_agg(x::text, '';'') FROM (' || replace(q, '@table@', 'flows_ref') || ') x'
      INTO o_ref;
    order_note := CASE WHEN o_pushed IS NOT DISTINCT FROM o_ref AND o_local IS NOT DISTINCT FROM o_ref
                       THEN ', same order' ELSE ', ORDER DIFFERS' END;
  END IF;
  SELECT count(*) INTO n FROM kf_ref;
  SELECT count(*) INTO d1 FROM (SELECT t::text FROM kf_pushed t EXCEPT ALL SELECT t::text FROM kf_ref t) x;
  SELECT count(*) INTO d2 FROM (SELECT t::text FROM kf_ref t EXCEPT ALL SELECT t::text FROM kf_pushed t) x;
  SELECT count(*) INTO d3 FROM (SELECT t::text FROM kf_local t EXCEPT ALL SELECT t::text FROM kf_ref t) x;
  SELECT count(*) INTO d4 FROM (SELECT t::text FROM kf_ref t EXCEPT ALL SELECT t::text FROM kf_local t) x;
  DROP TABLE kf_pushed, kf_local, kf_ref;
  RETURN format(E'%s rows, differences %s %s %s %s%s\n  %s\n  %s', n, d1, d2, d3, d4, order_note,
                shape, native);
END $$;

-- every aggregate on every column type, grouped by a column of each kind
SELECT q, kf_agg_compare(q) FROM (VALUES
  ('SELECT protocol, count(*) AS n, count(ipv4_src_addr) AS v4, count(DISTINCT ipv4_dst_addr) AS dst,
           count(DISTINCT src_flow_tags) AS tags, count(DISTINCT ctimestamp) AS times FROM @table@ GROUP BY 1'),
  ('SELECT i_device_id, sum(in_bytes) AS s8, sum(l4_src_port) AS s4, sum(ctimestamp) AS st,
           avg(protocol) AS a4, avg(both_bytes) AS a8, avg(sample_rate) AS ar FROM @table@ GROUP BY 1'),
  ('SELECT i_device_name, min(ctimestamp) AS t0, max(ctimestamp) AS t1, min(i_start_time) AS s0,
           max(i_start_time) AS s1, min(protocol) AS p0, max(src_as) AS as1 FROM @table@ GROUP BY 1'),
  ('SELECT src_flow_tags, min(inet_src_addr) AS a0, max(inet_dst_addr) AS a1, min(ipv4_src_addr) AS v0,
           max(ipv4_next_hop) AS h1, min(dst_flow_tags COLLATE "C") AS t0,
           max(i_device_name COLLATE "C") AS d1 FROM @table@ GROUP BY 1'),
  ('SELECT ipv4_src_addr, count(*) AS n, sum(both_bytes) AS b FROM @table@ GROUP BY 1'),
  ('SELECT inet_dst_addr, ctimestamp, count(*) AS n FROM @table@ GROUP BY 1, 2'),
  ('SELECT i_start_time, dst_flow_tags, sum(both_pkts) AS p FROM @table@ GROUP BY 1, 2'),
  ('SELECT count(*) AS n, count(DISTINCT inet_src_addr) AS src, sum(both_bytes) AS b, avg(in_pkts) AS p,
           min(ipv4_dst_addr) AS d0, max(src_flow_tags COLLATE "C") AS t1 FROM @table@')
) v(q);

-- key kinds: integer buckets, date_bin, address prefixes, set_masklen
SELECT q, kf_agg_compare(q) FROM (VALUES
  ('SELECT ctimestamp / 60 * 60 AS minute, count(*) AS n FROM @table@ GROUP BY 1'),
  ('SELECT ctimestamp / 600 * 600 AS ten, sum(both_bytes) AS b FROM @table@ WHERE protocol = 6 GROUP BY 1'),
  ('SELECT l4_dst_port / 1000 * 1000 AS range, count(*) AS n FROM @table@ GROUP BY 1'),
  ('SELECT ctimestamp / 60 * 30 AS odd, count(*) AS n FROM @table@ GROUP BY 1'),
  ('SELECT date_bin(''5 minutes'', i_start_time, ''2023-11-14 00:00:00+00'') AS b, count(*) AS n FROM @table@ GROUP BY 1'),
  ('SELECT date_bin(''7 minutes 30 seconds'', i_start_time, ''2023-11-14 22:03:17+00'') AS b, count(*) AS n
    FROM @table@ GROUP BY 1'),
  ('SELECT date_bin(''1 day'', i_start_time, ''2030-01-01+00'') AS b, count(*) AS n FROM @table@ GROUP BY 1'),
  ('SELECT date_bin(''90.5 seconds'', i_start_time, ''2023-11-14+00'') AS b, count(*) AS n FROM @table@ GROUP BY 1'),
  ('SELECT date_bin(''5 minutes'', i_start_time, ''2023-11-14 00:00:00.25+00'') AS b, count(*) AS n FROM @table@ GROUP BY 1'),
  ('SELECT network(set_masklen(ipv4_src_addr, 24)) AS net, count(*) AS n FROM @table@ GROUP BY 1'),
  ('SELECT network(set_masklen(ipv4_dst_addr, 8)) AS net, sum(both_bytes) AS b FROM @table@ GROUP BY 1'),
  ('SELECT network(set_masklen(ipv4_dst_addr, 0)) AS net, count(*) AS n FROM @table@ GROUP BY 1'),
  ('SELECT set_masklen(ipv4_src_addr, 16) AS a, count(*) AS n FROM @table@ GROUP BY 1'),
  ('SELECT set_masklen(inet_src_addr, 24) AS a, count(*) AS n FROM @table@ GROUP BY 1'),
  ('SELECT network(set_masklen(inet_src_addr, 24)) AS net, count(*) AS n FROM @table@ GROUP BY 1')
) v(q);

-- expressions over pushed aggregates, empty inputs, grand totals
SELECT q, kf_agg_compare(q) FROM (VALUES
  ('SELECT protocol, sum(both_bytes) * 8 / 60 AS bps, round(avg(in_bytes), 2) AS a, count(*) + 1 AS n1
    FROM @table@ GROUP BY 1'),
  ('SELECT count(*) AS n, sum(both_bytes) AS b, sum(l4_src_port) AS s, avg(protocol) AS a,
           min(ipv4_src_addr) AS m, max(src_flow_tags COLLATE "C") AS t FROM @table@ WHERE protocol = 255'),
  ('SELECT protocol, count(*) AS n FROM @table@ WHERE protocol = 255 GROUP BY 1'),
  ('SELECT count(ipv4_src_addr) AS n, min(ipv4_src_addr) AS m, count(DISTINCT ipv4_src_addr) AS d
    FROM @table@ WHERE protocol = 58'),
  ('SELECT ipv4_dst_addr, count(*) AS n FROM @table@ WHERE inet_dst_addr <<= ''fd00::/8'' GROUP BY 1')
) v(q);

-- HAVING: pushed, local, mixed
SELECT q, kf_agg_compare(q) FROM (VALUES
  ('SELECT protocol, count(*) AS n FROM @table@ GROUP BY 1 HAVING count(*) > 10'),
  ('SELECT protocol, count(*) AS n FROM @table@ GROUP BY 1 HAVING 10 >= count(*)'),
  ('SELECT ipv4_src_addr, sum(both_bytes) AS b FROM @table@ GROUP BY 1 HAVING sum(both_bytes) > 100000'),
  ('SELECT ipv4_src_addr, sum(both_bytes) AS b FROM @table@ GROUP BY 1 HAVING sum(both_bytes) > 100000.5'),
  ('SELECT protocol, sum(l4_src_port) AS s FROM @table@ GROUP BY 1 HAVING sum(l4_src_port) <> 25 AND min(tos) = 0'),
  ('SELECT protocol, avg(in_bytes) AS a FROM @table@ GROUP BY 1 HAVING avg(in_bytes) > 4000'),
  ('SELECT protocol, count(*) AS n FROM @table@ GROUP BY 1 HAVING count(*) > 2 AND avg(in_bytes) > 4000'),
  ('SELECT ctimestamp / 600 * 600 AS t, count(*) AS n FROM @table@ GROUP BY 1 HAVING max(ctimestamp) >= 1699999000'),
  ('SELECT i_device_id, count(*) AS n FROM @table@ GROUP BY 1 HAVING count(DISTINCT protocol) > 3'),
  ('SELECT protocol, count(*) AS n FROM @table@ GROUP BY 1 HAVING count(*) > 10 ORDER BY n DESC LIMIT 2')
) v(q);

-- ORDER BY keys and aggregates, NULLS FIRST/LAST, LIMIT/OFFSET: same rows in the same order
SELECT q, kf_agg_compare(q, ordered => true) FROM (VALUES
  ('SELECT protocol, count(*) AS n FROM @table@ GROUP BY 1 ORDER BY 1'),
  ('SELECT protocol, count(*) AS n FROM @table@ GROUP BY 1 ORDER BY 1 DESC LIMIT 3'),
  ('SELECT ipv4_dst_addr, sum(both_bytes) AS b FROM @table@ GROUP BY 1 ORDER BY b DESC LIMIT 5 OFFSET 2'),
  ('SELECT ipv4_src_addr, count(*) AS n FROM @table@ GROUP BY 1 ORDER BY 1 NULLS FIRST LIMIT 4'),
  ('SELECT ipv4_src_addr, count(*) AS n FROM @table@ GROUP BY 1 ORDER BY 1 DESC NULLS LAST LIMIT 4'),
  ('SELECT ipv4_src_addr, count(*) AS n FROM @table@ GROUP BY 1 ORDER BY 1 DESC'),
  ('SELECT inet_src_addr, max(ctimestamp) AS t FROM @table@ GROUP BY 1 ORDER BY 1 LIMIT 10 OFFSET 5'),
  ('SELECT src_flow_tags COLLATE "C" AS tag, count(*) AS n FROM @table@ GROUP BY 1 ORDER BY 1'),
  ('SELECT protocol, min(dst_flow_tags COLLATE "C") AS t FROM @table@ GROUP BY 1 ORDER BY 2, 1'),
  ('SELECT i_start_time, count(*) AS n FROM @table@ GROUP BY 1 ORDER BY 1 DESC LIMIT 3'),
  ('SELECT ctimestamp / 60 * 60 AS m, sum(both_bytes) AS b FROM @table@ GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5'),
  ('SELECT protocol, count(*) AS n FROM @table@ GROUP BY 1 ORDER BY 1 OFFSET 8'),
  ('SELECT protocol, count(*) AS n FROM @table@ GROUP BY 1 ORDER BY 1 LIMIT 0'),
  ('SELECT protocol, count(*) AS n FROM @table@ GROUP BY 1 ORDER BY 1 LIMIT 5 OFFSET 100'),
  ('SELECT protocol, count(*) AS n FROM @table@ GROUP BY 1 ORDER BY 1 LIMIT NULL'),
  ('SELECT protocol, avg(in_bytes) AS a FROM @table@ GROUP BY 1 ORDER BY 2 LIMIT 3')
) v(q);

-- ties: with more rows sharing the last ORDER BY value than fit, any of them is right, so only
-- the ordering values are compared; a LIMIT without ORDER BY may return any rows, so only the
-- count is compared
SELECT q, kf_agg_compare(q) FROM (VALUES
  ('SELECT n FROM (SELECT l4_dst_port, count(*) AS n FROM @table@ GROUP BY 1 ORDER BY n DESC LIMIT 7) s'),
  ('SELECT n FROM (SELECT inet_src_addr, count(*) AS n FROM @table@ GROUP BY 1 ORDER BY n LIMIT 5 OFFSET 3) s'),
  ('SELECT count(*) AS n FROM (SELECT protocol FROM @table@ GROUP BY 1 LIMIT 3) s'),
  ('SELECT protocol, count(*) AS n FROM @table@ GROUP BY 1 ORDER BY n DESC FETCH FIRST 1 ROWS WITH TIES')
) v(q);

-- refused: the answer could differ, so PostgreSQL aggregates (or sorts, or limits) itself
SELECT q, kf_agg_compare(q) FROM (VALUES
  ('SELECT protocol, count(*) AS n FROM @table@ WHERE protocol + 0 = 6 GROUP BY 1'),
  ('SELECT protocol, count(*) AS n FROM @table@ WHERE l4_src_port = 25 AND upper(src_flow_tags) LIKE ''%NET%'' GROUP BY 1'),
  ('SELECT protocol, min(src_flow_tags) AS t FROM @table@ GROUP BY 1'),
  ('SELECT protocol, count(*) FILTER (WHERE tos = 0) AS n FROM @table@ GROUP BY 1'),
  ('SELECT protocol, sum(DISTINCT l4_src_port) AS s FROM @table@ GROUP BY 1'),
  ('SELECT protocol, string_agg(DISTINCT src_flow_tags, '','' ORDER BY src_flow_tags) AS t FROM @table@ GROUP BY 1'),
  ('SELECT protocol, sum(both_bytes) * (random() * 0 + 1)::int AS b FROM @table@ GROUP BY 1'),
  ('SELECT protocol, count(*) AS n FROM @table@ GROUP BY 1 HAVING count(*) > random() * 0'),
  ('SELECT protocol, l4_src_port, count(*) AS n FROM @table@ GROUP BY ROLLUP (1, 2)'),
  ('SELECT l4_src_port + 1 AS p, count(*) AS n FROM @table@ GROUP BY 1'),
  ('SELECT protocol, count(*) AS n FROM @table@ GROUP BY 1 HAVING avg(in_bytes) > 1000 ORDER BY 1 LIMIT 3'),
  ('SELECT protocol, count(*) AS n, rank() OVER (ORDER BY count(*) DESC) AS r FROM @table@ GROUP BY 1'),
  ('SELECT DISTINCT count(*) AS n FROM @table@ GROUP BY protocol')
) v(q);

-- a text ORDER BY under the database's (non-C) collation is sorted by PostgreSQL
SELECT q, kf_agg_compare(q, ordered => true) FROM (VALUES
  ('SELECT src_flow_tags, count(*) AS n FROM @table@ GROUP BY 1 ORDER BY 1'),
  ('SELECT protocol, max(dst_flow_tags COLLATE "C") AS t FROM @table@ GROUP BY 1
    ORDER BY max(dst_flow_tags COLLATE "C") COLLATE "en-x-icu", 1')
) v(q);

-- exact results
SELECT protocol, count(*), sum(both_bytes), sum(l4_src_port), avg(both_bytes), min(inet_src_addr),
       max(ipv4_dst_addr), count(DISTINCT ipv4_dst_addr), min(i_start_time)
FROM all_devices GROUP BY 1 ORDER BY 1;
SELECT ipv4_src_addr, count(*), min(src_flow_tags COLLATE "C") FROM all_devices
GROUP BY 1 ORDER BY 2 DESC, 1 NULLS FIRST LIMIT 5;
SELECT network(set_masklen(ipv4_dst_addr, 16)) AS net, set_masklen(ipv4_dst_addr, 16) AS masked_host,
       count(*) FROM all_devices WHERE protocol = 47 GROUP BY 1, 2 ORDER BY 3 DESC, 2 LIMIT 3;
SELECT date_bin('10 minutes', i_start_time, '2023-11-14 00:00:30+00') AS bin, count(*)
FROM all_devices GROUP BY 1 ORDER BY 1;
SELECT count(*), sum(both_bytes), sum(l4_src_port), avg(protocol), min(ctimestamp), max(ipv4_src_addr)
FROM all_devices WHERE protocol = 255;
SELECT protocol, count(*) FROM all_devices WHERE protocol = 255 GROUP BY 1;
SELECT avg(protocol) AS avg_int4, avg(both_bytes) AS avg_int8, avg(tos) AS avg_small FROM all_devices;
SELECT i_device_name, sum(both_bytes) FROM all_devices GROUP BY 1 HAVING sum(both_bytes) > 5000000 ORDER BY 1;

-- what EXPLAIN shows: the pushed parts, and the refused ones staying in PostgreSQL
EXPLAIN (VERBOSE, COSTS OFF)
SELECT protocol, count(*), sum(both_bytes), avg(in_bytes), count(DISTINCT ipv4_dst_addr)
FROM all_devices WHERE ctimestamp > 3600 AND dst_flow_tags ILIKE '%MYNETWORK%'
GROUP BY 1 HAVING count(*) > 1 AND avg(in_bytes) > 100 ORDER BY 3 DESC NULLS LAST;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT ctimestamp / 60 * 60 AS minute, network(set_masklen(ipv4_src_addr, 24)) AS net, sum(both_bytes)
FROM all_devices GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 10 OFFSET 5;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT date_bin('5 minutes', i_start_time, '2023-11-14 00:00:00+00'), min(src_flow_tags COLLATE "C")
FROM "edge-router-4" GROUP BY 1;
-- a local WHERE condition under the aggregate
EXPLAIN (VERBOSE, COSTS OFF)
SELECT protocol, count(*) FROM all_devices WHERE l4_src_port + l4_dst_port > 1000 GROUP BY 1;
-- text ordering in a non-C collation
EXPLAIN (VERBOSE, COSTS OFF)
SELECT src_flow_tags, count(*) FROM all_devices GROUP BY 1 ORDER BY 1 LIMIT 3;
-- a volatile function
EXPLAIN (VERBOSE, COSTS OFF)
SELECT protocol, sum(both_bytes) * (random() * 0 + 1)::int FROM all_devices GROUP BY 1;
-- a local HAVING conjunct: evaluated by the scan node, so LIMIT stays local
EXPLAIN (VERBOSE, COSTS OFF)
SELECT protocol, count(*) FROM all_devices GROUP BY 1 HAVING avg(in_bytes) > 1000 ORDER BY 1 LIMIT 3;
-- the switches
SET kentik_fdw.enable_order_pushdown = off;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT protocol, count(*) FROM all_devices GROUP BY 1 ORDER BY 2 DESC LIMIT 3;
SET kentik_fdw.enable_aggregate_pushdown = off;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT protocol, count(*) FROM all_devices GROUP BY 1 ORDER BY 2 DESC LIMIT 3;
RESET kentik_fdw.enable_order_pushdown;
RESET kentik_fdw.enable_aggregate_pushdown;

-- the three spam queries each aggregate, order and limit in the engine; the UNION's branches too
EXPLAIN (VERBOSE, COSTS OFF)
SELECT ipv4_dst_addr, SUM(both_bytes) AS f_sum_both_bytes FROM all_devices
WHERE ctimestamp > 3600 AND protocol = 6 AND l4_src_port = 25 AND dst_flow_tags ILIKE '%MYNETWORK%'
GROUP BY ipv4_dst_addr ORDER BY f_sum_both_bytes DESC LIMIT 10000;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT ipv4_src_addr, SUM(both_bytes) AS f_sum_both_bytes FROM all_devices
WHERE ctimestamp > 3600 AND protocol = 47 AND src_flow_tags ILIKE '%MYNETWORK%'
GROUP BY ipv4_src_addr ORDER BY f_sum_both_bytes DESC LIMIT 10000;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT ipv4_src_addr,
ROUND(MAX(f_sum_both_bytes$gre_src_mbps) * 8 / 1000000 / 60, 3) AS gre_src_mbps,
ROUND(MAX(f_sum_both_bytes$smtp_dst_mbps) * 8 / 1000000 / 60, 3) AS smtp_dst_mbps
FROM ((
SELECT ipv4_src_addr, SUM(both_bytes) AS f_sum_both_bytes$gre_src_mbps, 0 AS f_sum_both_bytes$smtp_dst_mbps
FROM all_devices WHERE ctimestamp > 60 AND protocol=47 AND (src_flow_tags ILIKE '%MYNETWORK%')
GROUP BY ipv4_src_addr ORDER BY f_sum_both_bytes$gre_src_mbps DESC LIMIT 10000) UNION (
SELECT ipv4_dst_addr,0 AS f_sum_both_bytes$gre_src_mbps, SUM(both_bytes) AS f_sum_both_bytes$smtp_dst_mbps
FROM all_devices WHERE ctimestamp > 60 AND protocol=6 AND l4_src_port=25 AND (dst_flow_tags ILIKE '%MYNETWORK%')
GROUP BY ipv4_dst_addr ORDER BY f_sum_both_bytes$smtp_dst_mbps DESC LIMIT 10000)) a
GROUP BY ipv4_src_addr HAVING MAX(f_sum_both_bytes$gre_src_mbps) > 0 AND MAX(f_sum_both_bytes$smtp_dst_mbps) > 0
ORDER BY MAX(f_sum_both_bytes$gre_src_mbps) DESC, MAX(f_sum_both_bytes$smtp_dst_mbps) DESC;

-- EXPLAIN ANALYZE adds the engine's counters
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT protocol, count(*) FROM all_devices WHERE protocol IN (6, 17) GROUP BY 1 ORDER BY 2 DESC LIMIT 1;

-- Params in the WHERE of a pushed aggregation: a prepared statement and a correlated subquery
PREPARE agg_by_proto(int) AS
  SELECT ipv4_dst_addr, sum(both_bytes) AS b FROM all_devices WHERE protocol = $1
  GROUP BY 1 ORDER BY 2 DESC LIMIT 2;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE agg_by_proto(6);
EXECUTE agg_by_proto(6);
EXECUTE agg_by_proto(47);
EXECUTE agg_by_proto(NULL);
RESET plan_cache_mode;
DEALLOCATE agg_by_proto;
SELECT p, (SELECT count(*) FROM all_devices WHERE protocol = p) AS pushed,
       (SELECT count(*) FROM flows_ref WHERE protocol = p) AS reference
FROM unnest(ARRAY[1, 6, 17, 47, 255]) p;

-- cancellation: a statement_timeout while pushed aggregations run is a clean error ...
-- (every row of generate_series reruns the pushed aggregation with a new Param; no Memoize)
SET enable_memoize = off;
SET statement_timeout = '300ms';
SELECT sum(n) FROM generate_series(1, 1000000) g,
  LATERAL (SELECT count(*) AS n FROM all_devices WHERE protocol = g) s;
RESET statement_timeout;
RESET enable_memoize;
-- ... and the next query runs normally
SELECT count(*), sum(both_bytes) FROM all_devices;

-- a truncated part fails a pushed aggregation with an error naming it (the plan's top node is
-- shown to prove the aggregation was pushed)
\getenv truncated_dir KF_TRUNCATED_DATA_DIR
CREATE SERVER truncated FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir :'truncated_dir');
CREATE SCHEMA truncated;
IMPORT FOREIGN SCHEMA kentik LIMIT TO (all_devices) FROM SERVER truncated INTO truncated;
CREATE FUNCTION kf_agg_error(tab text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  plan text;
BEGIN
  EXECUTE 'EXPLAIN (COSTS OFF) SELECT protocol, sum(both_bytes), max(inet_src_addr), '
       || 'count(DISTINCT src_flow_tags) FROM ' || tab || ' GROUP BY 1' INTO plan;
  EXECUTE 'SELECT protocol, sum(both_bytes), max(inet_src_addr), count(DISTINCT src_flow_tags) FROM '
       || tab || ' GROUP BY 1';
  RETURN 'no error';
EXCEPTION WHEN data_corrupted OR io_error THEN
  RETURN format('%s, %s, names a part file: %s, %s', plan,
                CASE SQLSTATE WHEN 'XX001' THEN 'data_corrupted' ELSE 'io_error' END,
                SQLERRM ~ '/data/dev-[0-9]+/[0-9]+/p-[^ ]*\.kfp', split_part(SQLERRM, ':', 1));
END $$;
SELECT kf_agg_error('truncated.all_devices');
SELECT count(*) FROM all_devices;
DROP SCHEMA truncated CASCADE;
DROP SERVER truncated;

-- the engine's group memory is bounded by kentik_fdw.max_group_memory
SHOW kentik_fdw.max_group_memory;
