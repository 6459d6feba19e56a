--
-- 13_flow_times_mpls: flow start/end times and the top MPLS label end to end, through kflowd, the
-- store, the Fast dataseries and the FDW.  The capture (base64 below, 2 NetFlow v9 datagrams from
-- 192.0.2.60, made by a few lines of Python for this test) holds template 300 (src, dst, bytes,
-- packets, protocol, FIRST_SWITCHED, LAST_SWITCHED, MPLS_LABEL_1) and six flows:
--   datagram 1, unix_secs 1699999990, sysUptime 5000000:
--     10.3.0.1 FIRST 4990000 LAST 4999000, label 16010 EXP 5 (bottom of stack)
--     10.3.0.2 FIRST 4999000 LAST 4999900, label 0 (IPv4 explicit null) EXP 0
--     10.3.0.3 FIRST 4000000 LAST 4998000, no label (all-zero entry)
--     10.3.0.4 FIRST 4999000 LAST 4998000 (FIRST after LAST: times absent), label 16010 EXP 0
--     10.3.0.5 FIRST = LAST = 4999500 (duration 0), label 24001 EXP 7
--   datagram 2, unix_secs 1699999995, sysUptime 2000 (the exporter's uptime wrapped):
--     10.3.0.6 FIRST 0xfffff830 (4000 ms before export), LAST 1500, no label
-- Filters on the new columns are checked pushed, not pushed and against the rows as written here;
-- GROUP BY pushed and in PostgreSQL; the Fast dataseries keeps the label but not the times.
--
\getenv fixture_dir KF_FIXTURE_DATA_DIR
SELECT regexp_replace(:'fixture_dir', '/[^/]*$', '') || '/flow_times' AS times_dir,
  regexp_replace(:'fixture_dir', '/[^/]*$', '') || '/flow_times/data' AS times_data_dir,
  '1MOyoQIABAAAAAAAAAAAAP//AABlAAAA9vBTZQAAAADoAAAA6AAAAEUAAOgAAEAAQBH4x8AAAjx/AAABCAcIBwDUAAAACQAG'
  'AExLQGVT8PYAAAABAAAAAAAAACgBLAAIAAgABAAMAAQAAQAEAAIABAAEAAEAFgAEABUABABGAAMBLACQCgMAAQoJAAEAAAPo'
  'AAAACgYATCQwAExHWAPoqwoDAAIKCQABAAAD6AAAAAoGAExHWABMStwAAAEKAwADCgkAAQAAA+gAAAAKBgA9CQAATENwAAAA'
  'CgMABAoJAAEAAAPoAAAACgYATEdYAExDcAPooAoDAAUKCQABAAAD6AAAAAoGAExJTABMSUwF3B/78FNlAAAAAFAAAABQAAAA'
  'RQAAUAAAQABAEflfwAACPH8AAAEIBwgHADwAAAAJAAEAAAfQZVPw+wAAAAEAAAAAASwAIAoDAAYKCQABAAAD6AAAAAoG///4'
  'MAAABdwAAAA=' AS pcap_base64 \gset
\setenv KF_TIMES_DIR :times_dir
\setenv KF_TIMES_PCAP :pcap_base64
\! d="$KF_TIMES_DIR"; rm -rf "$d" && mkdir -p "$d" && printf '1 mpls-edge 192.0.2.60\n' >"$d/devices.conf" && echo "$KF_TIMES_PCAP" | base64 -d >"$d/flows.pcap" && build/kflowd --data-dir "$d/data" --read-pcap "$d/flows.pcap" --devices "$d/devices.conf" >"$d/kflowd.log" 2>&1 && build/kflowd --data-dir "$d/data" --build-fast >>"$d/kflowd.log" 2>&1 && chmod -R a+rX "$d" || echo "kflowd failed, see $d/kflowd.log"

CREATE SERVER kde_times FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir :'times_data_dir');
CREATE SCHEMA times;
IMPORT FOREIGN SCHEMA kentik FROM SERVER kde_times INTO times;
SET kentik_fdw.reference_time = 1700000000;

-- Every row: the end is the export time minus (sysUptime - LAST), the duration LAST - FIRST;
-- ctimestamp stays the export time.  The flow start is i_flow_end_ms - i_flow_duration_ms.
SELECT inet_src_addr, ctimestamp, i_flow_end_ms, i_flow_duration_ms,
       i_flow_end_ms - i_flow_duration_ms AS start_ms,
       i_mpls_labeled, i_mpls_label, i_mpls_exp
FROM times.all_devices ORDER BY inet_src_addr;

-- The same rows, written down independently.
CREATE TABLE times_ref (inet_src_addr inet, i_flow_end_ms bigint, i_flow_duration_ms bigint,
  i_mpls_label int, i_mpls_exp int, i_mpls_labeled bool);
INSERT INTO times_ref VALUES
  ('10.3.0.1', 1699999989000, 9000, 16010, 5, true),
  ('10.3.0.2', 1699999989900, 900, 0, 0, true),
  ('10.3.0.3', 1699999988000, 998000, 0, 0, false),
  ('10.3.0.4', 0, 0, 16010, 0, true),
  ('10.3.0.5', 1699999989500, 0, 24001, 7, true),
  ('10.3.0.6', 1699999994500, 3500, 0, 0, false);

-- kf_times_compare(condition): the rows matching it with pushdown, without pushdown and in
-- times_ref (differences must all be 0), and whether the scan pushed it.
CREATE FUNCTION kf_times_compare(cond text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  q text := 'SELECT inet_src_addr, i_flow_end_ms, i_flow_duration_ms, i_mpls_label, i_mpls_exp,'
         || ' i_mpls_labeled FROM @table@ WHERE ' || cond;
  line text;
  pushed bool := false;
  local bool := false;
  n bigint;
  d1 bigint; d2 bigint; d3 bigint; d4 bigint;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || replace(q, '@table@', 'times.all_devices') LOOP
    pushed := pushed OR line ~ 'Kentik Filter:';
    local := local OR line ~ '^\s*Filter:';
  END LOOP;
  EXECUTE 'CREATE TEMP TABLE kf_pushed AS ' || replace(q, '@table@', 'times.all_devices');
  PERFORM set_config('kentik_fdw.enable_pushdown', 'off', true);
  EXECUTE 'CREATE TEMP TABLE kf_local AS ' || replace(q, '@table@', 'times.all_devices');
  PERFORM set_config('kentik_fdw.enable_pushdown', 'on', true);
  EXECUTE 'CREATE TEMP TABLE kf_ref AS ' || replace(q, '@table@', 'times_ref');
  SELECT count(*) INTO n FROM kf_ref;
  SELECT count(*) INTO d1 FROM (TABLE kf_pushed EXCEPT ALL TABLE kf_ref) x;
  SELECT count(*) INTO d2 FROM (TABLE kf_ref EXCEPT ALL TABLE kf_pushed) x;
  SELECT count(*) INTO d3 FROM (TABLE kf_local EXCEPT ALL TABLE kf_ref) x;
  SELECT count(*) INTO d4 FROM (TABLE kf_ref EXCEPT ALL TABLE kf_local) x;
  DROP TABLE kf_pushed, kf_local, kf_ref;
  RETURN format('%s rows, differences %s %s %s %s, %s', n, d1, d2, d3, d4,
                CASE WHEN pushed AND local THEN 'partly' WHEN pushed THEN 'pushed' ELSE 'local' END);
END $$;

SELECT c, kf_times_compare(c) FROM (VALUES
  ('true'), ('i_flow_end_ms = 0'), ('i_flow_end_ms <> 0'),
  ('i_flow_end_ms >= 1699999989500'), ('i_flow_end_ms BETWEEN 1699999988000 AND 1699999989000'),
  ('i_flow_duration_ms > 1000'), ('i_flow_duration_ms = 0 AND i_flow_end_ms <> 0'),
  ('i_mpls_labeled'), ('NOT i_mpls_labeled'), ('i_mpls_labeled AND i_mpls_label = 0'),
  ('i_mpls_label IN (16010, 24001)'), ('i_mpls_label = 16010 AND i_mpls_exp = 5'), ('i_mpls_exp > 4'),
  ('i_flow_end_ms - i_flow_duration_ms < 1699999989000 AND i_flow_end_ms <> 0'),
  ('to_timestamp(i_flow_end_ms / 1000.0) > ''2023-11-14 22:13:09+00''')
) v(c);

EXPLAIN (VERBOSE, COSTS OFF)
SELECT inet_src_addr FROM times.all_devices WHERE i_mpls_labeled AND i_mpls_label = 0;

-- kf_times_query(query): its result with aggregate pushdown, without it and without any
-- pushdown (all three must agree), and whether the aggregation was pushed.
CREATE FUNCTION kf_times_query(q text) RETURNS TABLE (setting text, result text) LANGUAGE plpgsql AS $$
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

SELECT * FROM kf_times_query('SELECT i_mpls_labeled, i_mpls_label, count(*), sum(in_bytes)
  FROM times.all_devices GROUP BY 1, 2 ORDER BY 1, 2');
SELECT * FROM kf_times_query('SELECT i_mpls_label, max(i_flow_duration_ms), min(i_flow_end_ms)
  FROM times.all_devices WHERE i_flow_end_ms <> 0 GROUP BY 1 ORDER BY 1');
-- A window of two days reads the Fast dataseries: it keeps the label (and EXP) but not the flow
-- times, which read as absent there.
SELECT * FROM kf_times_query('SELECT i_fast_dataset, i_mpls_labeled, i_mpls_label, i_mpls_exp,
  max(i_flow_end_ms), sum(in_bytes) FROM times.all_devices
  WHERE ctimestamp > 172800 GROUP BY 1, 2, 3, 4 ORDER BY 2, 3, 4');

DROP SCHEMA times CASCADE;
DROP SERVER kde_times;
DROP TABLE times_ref;
DROP FUNCTION kf_times_compare(text), kf_times_query(text);
RESET kentik_fdw.reference_time;
\! rm -rf "$KF_TIMES_DIR"
