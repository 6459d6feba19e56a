--
-- 10_dialect_columns: Kentik's dialect columns (i_protocol_name, inet_family, i_duration,
-- i_fast_dataset), the choice between the Full and Fast dataseries, and IMPORT FOREIGN SCHEMA
-- run again.  Conditions are checked pushed, not pushed and against an ordinary table whose
-- dialect columns are computed independently in SQL.
--
\getenv fixture_dir KF_FIXTURE_DATA_DIR
SET kentik_fdw.reference_time = 1700000000;
SET extra_float_digits = 0;

CREATE SCHEMA dialect;
IMPORT FOREIGN SCHEMA kentik LIMIT TO (all_devices, "edge-router-2") FROM SERVER kde INTO dialect;
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'dialect.all_devices'::regclass AND attnum > 29 ORDER BY attnum;
IMPORT FOREIGN SCHEMA kentik FROM SERVER kde INTO dialect OPTIONS (no_such_option 'x');

-- The reference: flows_ref plus the dialect columns by their documented rules.
CREATE TABLE dialect_ref AS
SELECT f.*, n.name AS i_protocol_name, family(f.inet_src_addr) AS inet_family
FROM flows_ref f JOIN (VALUES (1, 'ICMP (1)'), (6, 'TCP (6)'), (17, 'UDP (17)'), (41, 'IPv6 (41)'),
  (47, 'GRE (47)'), (50, 'ESP (50)'), (58, 'IPv6-ICMP (58)'), (89, 'OSPFIGP (89)'), (103, 'PIM (103)'),
  (132, 'SCTP (132)')) n(protocol, name) USING (protocol);
SELECT count(*) AS reference_rows FROM dialect_ref;

-- kf_dialect_compare(condition): like kf_compare (00_setup), over the dialect columns.
CREATE FUNCTION kf_dialect_compare(cond text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  q text := 'SELECT ctimestamp, inet_src_addr, protocol, l4_dst_port, i_protocol_name, inet_family'
         || ' FROM @table@ WHERE ' || cond;
  line text;
  pushed bool := false;
  local bool := false;
  n bigint;
  d1 bigint; d2 bigint; d3 bigint; d4 bigint;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || replace(q, '@table@', 'dialect.all_devices') LOOP
    pushed := pushed OR line ~ 'Kentik Filter:';
    local := local OR line ~ '^\s*Filter:';
  END LOOP;
  EXECUTE 'CREATE TEMP TABLE kf_pushed AS ' || replace(q, '@table@', 'dialect.all_devices');
  PERFORM set_config('kentik_fdw.enable_pushdown', 'off', true);
  EXECUTE 'CREATE TEMP TABLE kf_local AS ' || replace(q, '@table@', 'dialect.all_devices');
  PERFORM set_config('kentik_fdw.enable_pushdown', 'on', true);
  EXECUTE 'CREATE TEMP TABLE kf_ref AS ' || replace(q, '@table@', 'dialect_ref');
  SELECT count(*) INTO n FROM kf_ref;
  SELECT count(*) INTO d1 FROM (TABLE kf_pushed EXCEPT ALL TABLE kf_ref) x;
  SELECT count(*) INTO d2 FROM (TABLE kf_ref EXCEPT ALL TABLE kf_pushed) x;
  SELECT count(*) INTO d3 FROM (TABLE kf_local EXCEPT ALL TABLE kf_ref) x;
  SELECT count(*) INTO d4 FROM (TABLE kf_ref EXCEPT ALL TABLE kf_local) x;
  DROP TABLE kf_pushed, kf_local, kf_ref;
  RETURN format('%s rows, differences %s %s %s %s, %s', n, d1, d2, d3, d4,
                CASE WHEN pushed AND local THEN 'partly' WHEN pushed THEN 'pushed' ELSE 'local' END);
END $$;

SELECT c, kf_dialect_compare(c) FROM (VALUES
  ('true'), ('i_protocol_name = ''TCP (6)'''), ('i_protocol_name <> ''TCP (6)'''),
  ('i_protocol_name LIKE ''%ICMP%'''), ('i_protocol_name ILIKE ''ipv6%'''),
  ('i_protocol_name IN (''GRE (47)'', ''ESP (50)'', ''(200)'')'), ('i_protocol_name = ''(200)'''),
  ('i_protocol_name NOT LIKE ''%(6)'' AND inet_family = 6'), ('inet_family = 6'),
  ('inet_family = 4 AND protocol = 17'), ('NOT (inet_family = 4)'), ('inet_family IN (4, 6)'),
  ('inet_family > 6'), ('upper(i_protocol_name) = ''SCTP (132)''')
) v(c);

-- ICMP and ICMPv6 flows carry type * 256 + code in l4_dst_port (kflowd, from the pcap).
SELECT i_protocol_name, l4_dst_port / 256 AS icmp_type, l4_dst_port % 256 AS icmp_code, count(*)
FROM dialect.all_devices WHERE protocol IN (1, 58) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- kf_dialect_estimate(query): the planner's row estimate.
CREATE FUNCTION kf_dialect_estimate(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END $$;

-- GROUP BY and aggregates over the dialect columns, pushed and in PostgreSQL.
CREATE FUNCTION kf_dialect_query(q text) RETURNS TABLE (setting text, result text) LANGUAGE plpgsql AS $$
DECLARE
  line text;
  pushed bool := false;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP
    pushed := pushed OR line ~ 'Kentik Aggregation:';
  END LOOP;
  setting := CASE WHEN pushed THEN 'aggregation pushed' ELSE 'aggregation local' END;
  EXECUTE 'SELECT string_agg(r::text, '' '') FROM (' || q || ') r' INTO result;
  RETURN NEXT;
  PERFORM set_config('kentik_fdw.enable_aggregate_pushdown', 'off', true);
  setting := 'aggregate pushdown off';
  EXECUTE 'SELECT string_agg(r::text, '' '') FROM (' || q || ') r' INTO result;
  RETURN NEXT;
  PERFORM set_config('kentik_fdw.enable_pushdown', 'off', true);
  setting := 'pushdown off';
  EXECUTE 'SELECT string_agg(r::text, '' '') FROM (' || q || ') r' INTO result;
  RETURN NEXT;
  PERFORM set_config('kentik_fdw.enable_pushdown', 'on', true);
  PERFORM set_config('kentik_fdw.enable_aggregate_pushdown', 'on', true);
END $$;

SELECT * FROM kf_dialect_query('SELECT i_protocol_name, inet_family, count(*), sum(both_bytes)
  FROM dialect.all_devices WHERE ctimestamp > 3600 GROUP BY 1, 2 ORDER BY 1, 2');
SELECT i_protocol_name, inet_family, count(*), sum(both_bytes) FROM dialect_ref
WHERE ctimestamp > 3600 GROUP BY 1, 2 ORDER BY 1, 2;
SELECT * FROM kf_dialect_query('SELECT min(i_protocol_name COLLATE "C"), max(inet_family),
  count(DISTINCT i_protocol_name) FROM dialect.all_devices WHERE inet_family = 6');

-- i_duration: the seconds a row covers, so rates are value * 8 / i_duration.
-- Grouped by i_start_time, one minute (the Full slice):
SELECT * FROM kf_dialect_query('SELECT i_start_time, i_duration, count(*),
  sum(both_bytes) * 8 / i_duration AS bits_per_second
  FROM dialect.all_devices WHERE ctimestamp > 180 GROUP BY 1, 2 ORDER BY 1');
-- Otherwise the whole seconds the time conditions admit (the upper end defaults to the
-- reference time, a missing lower end to the first second of the data read):
SELECT w AS window, (SELECT string_agg(r::text, ' ') FROM kf_dialect_query(
  'SELECT i_duration, i_fast_dataset, count(*) FROM dialect.all_devices WHERE ' || w ||
  ' GROUP BY 1, 2') r) AS i_duration_fast_count
FROM (VALUES ('ctimestamp > 3600'), ('ctimestamp >= 3600'), ('ctimestamp > 600 AND ctimestamp <= 60'),
  ('ctimestamp >= 1699999200 AND ctimestamp < 1700000000'),
  ('ctimestamp BETWEEN 1699999200 AND 1699999259'),
  ('i_start_time >= ''2023-11-14 22:00:00+00'' AND i_start_time < ''2023-11-14 22:10:00+00'''),
  ('i_start_time = ''2023-11-14 22:00:00+00'''),
  ('i_start_time >= to_timestamp(1700000000) - interval ''10 minutes'''),
  ('ctimestamp < 60'), ('protocol = 47'), ('ctimestamp > 1200 AND ctimestamp < 600')) v(w);
-- The same per row of a plain scan, and with the bound in a parameter of a generic plan:
SELECT DISTINCT i_duration FROM dialect.all_devices WHERE ctimestamp > 3600;
SET plan_cache_mode = force_generic_plan;
PREPARE since(int) AS SELECT i_duration, count(*) FROM dialect.all_devices WHERE ctimestamp > $1 GROUP BY 1;
SET kentik_fdw.enable_aggregate_pushdown = off;
EXECUTE since(600);
EXECUTE since(1800);
RESET kentik_fdw.enable_aggregate_pushdown;
DEALLOCATE since;
RESET plan_cache_mode;
-- A user-defined table may hold any of the columns, e.g. i_duration as bigint and
-- i_fast_dataset as an integer:
CREATE FOREIGN TABLE dialect.rates (i_start_time timestamptz, i_duration bigint, i_fast_dataset int,
  both_bytes bigint) SERVER kde;
SELECT i_start_time, i_duration, i_fast_dataset, sum(both_bytes) * 8 / i_duration AS bps
FROM dialect.rates WHERE i_start_time >= '2023-11-14 22:12:00+00' GROUP BY 1, 2, 3 ORDER BY 1;

-- The dataseries.  The fixture has no Fast parts: a day-long window still reads Full, and a
-- query that forces Fast reads the empty Fast dataseries and returns no rows.
EXPLAIN (COSTS OFF) SELECT count(*) FROM dialect.all_devices WHERE ctimestamp > 86400;
EXPLAIN (COSTS OFF) SELECT * FROM dialect.all_devices WHERE ctimestamp > 86400;
EXPLAIN (VERBOSE, COSTS OFF) SELECT i_duration FROM dialect.all_devices WHERE i_fast_dataset;
EXPLAIN (VERBOSE, COSTS OFF) SELECT i_fast_dataset, count(*) FROM dialect.all_devices
WHERE i_fast_dataset IS FALSE AND i_protocol_name = 'TCP (6)' AND inet_family = 6 GROUP BY 1;
SELECT c, (SELECT string_agg(r::text, ' ') FROM kf_dialect_query(
  'SELECT i_fast_dataset, count(*) FROM dialect.all_devices WHERE ' || c || ' GROUP BY 1') r) AS fast_count
FROM (VALUES ('i_fast_dataset'), ('i_fast_dataset = true'), ('i_fast_dataset IS TRUE'),
  ('NOT i_fast_dataset'), ('i_fast_dataset = false AND ctimestamp > 86400'),
  ('i_fast_dataset IS NOT TRUE'), ('i_fast_dataset <> true'), ('i_fast_dataset IS UNKNOWN')) v(c);
SELECT count(*) FROM dialect.all_devices WHERE i_fast_dataset;

-- A store with a Fast dataseries: a copy of the fixture whose fast/ tree holds device 1's
-- Full parts, so what a query returns shows which tree it read.  Fast has one directory per
-- day, so each Full hour's files go into the directory of its day.
SELECT '/tmp/kf_regress_fast_' || current_setting('port') AS fast_dir,
       'rm -rf /tmp/kf_regress_fast_' || current_setting('port') AS fast_cleanup \gset
SELECT format('rm -rf %1$s && mkdir -p %1$s/fast && cp -r %2$s/data %2$s/devices %1$s/ && '
              'for h in %2$s/data/dev-1/*; do d=%1$s/fast/dev-1/$(( ${h##*/} / 86400 * 86400 )); '
              'mkdir -p $d && cp $h/* $d/; done',
              :'fast_dir', :'fixture_dir') AS fast_setup \gset
COPY (SELECT 1) TO PROGRAM :'fast_setup';
CREATE SERVER kde_fast FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir :'fast_dir');
CREATE SCHEMA dialect_fast;
IMPORT FOREIGN SCHEMA kentik LIMIT TO (all_devices) FROM SERVER kde_fast INTO dialect_fast
  OPTIONS (dialect_columns 'true');
-- under 24 hours: Full; 24 hours or more: Fast; the GUC off or NOT i_fast_dataset: Full again
EXPLAIN (COSTS OFF) SELECT count(*) FROM dialect_fast.all_devices WHERE ctimestamp > 86399;
EXPLAIN (COSTS OFF) SELECT count(*) FROM dialect_fast.all_devices WHERE ctimestamp > 86400;
EXPLAIN (COSTS OFF) SELECT * FROM dialect_fast.all_devices WHERE ctimestamp >= 86400;
EXPLAIN (COSTS OFF) SELECT * FROM dialect_fast.all_devices WHERE ctimestamp >= 86400 AND NOT i_fast_dataset;
SELECT * FROM kf_dialect_query('SELECT i_fast_dataset, i_duration, count(*), sum(both_bytes),
  min(i_device_id), max(i_device_id) FROM dialect_fast.all_devices WHERE ctimestamp > 86400 GROUP BY 1, 2');
SELECT * FROM kf_dialect_query('SELECT i_fast_dataset, i_duration, count(*), sum(both_bytes),
  min(i_device_id), max(i_device_id) FROM dialect_fast.all_devices WHERE ctimestamp > 86400
  AND i_fast_dataset = false GROUP BY 1, 2');
SELECT * FROM kf_dialect_query('SELECT i_fast_dataset, i_duration, count(*)
  FROM dialect_fast.all_devices WHERE ctimestamp > 600 GROUP BY 1, 2');
-- grouped by i_start_time, a Fast row covers its hour slice
SELECT * FROM kf_dialect_query('SELECT i_duration, count(*) FROM (SELECT i_start_time, i_duration
  FROM dialect_fast.all_devices WHERE ctimestamp > 86400 GROUP BY 1, 2) s GROUP BY 1');
-- the row estimate comes from the parts of the dataseries read (a quarter of them here)
SELECT kf_dialect_estimate('SELECT * FROM dialect_fast.all_devices WHERE ctimestamp > 86400') AS fast_estimate \gset
SET kentik_fdw.enable_fast_dataseries = off;
SELECT kf_dialect_estimate('SELECT * FROM dialect_fast.all_devices WHERE ctimestamp > 86400') AS full_estimate \gset
SELECT :fast_estimate < :full_estimate / 2 AS fast_estimate_smaller;
EXPLAIN (COSTS OFF) SELECT count(*) FROM dialect_fast.all_devices WHERE ctimestamp > 86400;
EXPLAIN (COSTS OFF) SELECT count(*) FROM dialect_fast.all_devices WHERE ctimestamp > 86400 AND i_fast_dataset;
SELECT count(*) FROM dialect_fast.all_devices WHERE ctimestamp > 86400;
RESET kentik_fdw.enable_fast_dataseries;

-- IMPORT FOREIGN SCHEMA again after a device was renamed and one added: existing tables are
-- kept (with a notice), the renamed and the new device get their tables, the old name stays.
SELECT format('sed -i ''s/^2 edge-router-2 /2 core-router-2 /'' %1$s/devices && echo ''5 edge-router-5 127.0.0.15 0'' >> %1$s/devices',
              :'fast_dir') AS rename_device \gset
COPY (SELECT 1) TO PROGRAM :'rename_device';
IMPORT FOREIGN SCHEMA kentik FROM SERVER kde_fast INTO dialect_fast;
IMPORT FOREIGN SCHEMA kentik EXCEPT ("core-router-2") FROM SERVER kde_fast INTO dialect_fast;
SELECT c.relname, ft.ftoptions,
       (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0) AS columns
FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
WHERE c.relnamespace = 'dialect_fast'::regnamespace ORDER BY c.relname COLLATE "C";
SELECT i_device_name, count(*) FROM dialect_fast."core-router-2" GROUP BY 1;
SELECT count(*) FROM dialect_fast."edge-router-5";
DROP FOREIGN TABLE dialect_fast."edge-router-3", dialect_fast."edge-router-5";
IMPORT FOREIGN SCHEMA kentik LIMIT TO ("edge-router-3", "edge-router-4") FROM SERVER kde_fast INTO dialect_fast;
SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'dialect_fast'::regnamespace
ORDER BY c.relname COLLATE "C";
DROP SCHEMA dialect_fast CASCADE;
DROP SERVER kde_fast;
COPY (SELECT 1) TO PROGRAM :'fast_cleanup';

DROP SCHEMA dialect CASCADE;
DROP TABLE dialect_ref;
DROP FUNCTION kf_dialect_compare(text), kf_dialect_query(text), kf_dialect_estimate(text);
RESET kentik_fdw.reference_time;
