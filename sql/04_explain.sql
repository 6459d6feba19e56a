--
-- 04_explain: what EXPLAIN VERBOSE shows of the pushed filter, device and columns.
--
SET kentik_fdw.reference_time = 1700000000;

EXPLAIN (VERBOSE, COSTS OFF)
SELECT ipv4_dst_addr, SUM(both_bytes) AS f_sum_both_bytes FROM all_devices
WHERE ctimestamp > 3600 AND protocol = 6 AND l4_src_port = 25 AND dst_flow_tags ILIKE '%MYNETWORK%'
GROUP BY ipv4_dst_addr ORDER BY f_sum_both_bytes DESC LIMIT 10000;

-- a partly pushed condition: the function of a column stays local
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*) FROM all_devices WHERE protocol IN (6, 17) AND l4_src_port + l4_dst_port > 1000;

-- no column needed at all
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM all_devices;

-- OR, NOT, IS NULL, networks, text IN, absolute time, i_start_time rounding
EXPLAIN (VERBOSE, COSTS OFF)
SELECT ctimestamp FROM all_devices
WHERE (inet_src_addr <<= '10.1.0.0/16' OR ipv4_dst_addr IS NULL)
  AND NOT (src_flow_tags IN ('MYNETWORK', ''))
  AND ctimestamp >= 1699999000 AND ctimestamp < 60
  AND i_start_time >= '2023-11-14 22:00:00.5+00';

-- a stable expression is evaluated when the scan starts and shown as written
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*) FROM all_devices
WHERE i_start_time > '2023-11-14 22:15:00+00'::timestamptz - interval '10 minutes';
SELECT count(*) FROM all_devices
WHERE i_start_time > '2023-11-14 22:15:00+00'::timestamptz - interval '10 minutes';
SELECT count(*) FROM flows_ref WHERE i_start_time > '2023-11-14 22:05:00+00';

-- a device table
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM "edge-router-4" WHERE protocol = 47;

-- pushdown off: everything is a local Filter
SET kentik_fdw.enable_pushdown = off;
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM all_devices WHERE protocol = 6 AND ctimestamp > 3600;
RESET kentik_fdw.enable_pushdown;

-- EXPLAIN ANALYZE shows the engine's counters
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM all_devices WHERE ctimestamp > 600;

-- a prepared statement: Params are pushed and evaluated per execution
PREPARE by_proto(int) AS SELECT count(*) FROM all_devices WHERE protocol = $1;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE by_proto(6);
EXECUTE by_proto(6);
EXECUTE by_proto(47);
EXECUTE by_proto(NULL);
RESET plan_cache_mode;
DEALLOCATE by_proto;
SELECT count(*) FILTER (WHERE protocol = 6) AS tcp, count(*) FILTER (WHERE protocol = 47) AS gre FROM flows_ref;
