--
-- 07_scans: per-device tables, a cursor with rescans, LIMIT, joins of two foreign scans.
--
SET kentik_fdw.reference_time = 1700000000;

-- every device table holds exactly that device's rows
SELECT 1 AS device, count(*), min(i_device_id), max(i_device_id), sum(both_bytes) FROM "edge-router-1"
UNION ALL SELECT 2, count(*), min(i_device_id), max(i_device_id), sum(both_bytes) FROM "edge-router-2"
UNION ALL SELECT 3, count(*), min(i_device_id), max(i_device_id), sum(both_bytes) FROM "edge-router-3"
UNION ALL SELECT 4, count(*), min(i_device_id), max(i_device_id), sum(both_bytes) FROM "edge-router-4"
ORDER BY 1;
SELECT i_device_id, i_device_name, count(*), sum(both_bytes) FROM flows_ref GROUP BY 1, 2 ORDER BY 1;

-- LIMIT stops the scan early
SELECT count(*) FROM (SELECT * FROM all_devices LIMIT 7) s;
SELECT count(*) FROM (SELECT * FROM all_devices WHERE protocol = 47 LIMIT 5) s;

-- a scrollable cursor: forward, backward, back to the start
BEGIN;
DECLARE c SCROLL CURSOR FOR
  SELECT ctimestamp, protocol, l4_src_port FROM all_devices WHERE protocol = 47 AND ctimestamp > 3600;
MOVE FORWARD ALL IN c;
FETCH BACKWARD 2 FROM c;
MOVE ABSOLUTE 0 IN c;
FETCH 2 FROM c;
COMMIT;
SELECT ctimestamp FROM flows_ref WHERE protocol = 47 ORDER BY i_device_id, ctimestamp LIMIT 2;
SELECT ctimestamp FROM flows_ref WHERE protocol = 47 ORDER BY i_device_id DESC, ctimestamp DESC LIMIT 2;

-- a rescan for every outer row: the correlated condition is pushed as a Param, evaluated anew
-- at every rescan
EXPLAIN (VERBOSE, COSTS OFF)
SELECT p.proto, c.n FROM (VALUES (6), (17), (47)) p(proto),
  LATERAL (SELECT count(*) AS n FROM all_devices a WHERE a.protocol = p.proto) c;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT p.proto, c.n FROM (VALUES (6), (17), (47)) p(proto),
  LATERAL (SELECT count(*) AS n FROM all_devices a WHERE a.protocol = p.proto) c;
SELECT p.proto, c.n FROM (VALUES (6), (17), (47)) p(proto),
  LATERAL (SELECT count(*) AS n FROM all_devices a WHERE a.protocol = p.proto) c;
SELECT protocol, count(*) FROM flows_ref WHERE protocol IN (6, 17, 47) GROUP BY 1 ORDER BY 1;

-- a join of two foreign scans: hosts receiving SMTP that also send GRE
SELECT count(DISTINCT s.ipv4_dst_addr)
FROM all_devices s JOIN all_devices g ON g.ipv4_src_addr = s.ipv4_dst_addr
WHERE s.protocol = 6 AND s.l4_src_port = 25 AND g.protocol = 47;
SELECT count(DISTINCT s.ipv4_dst_addr)
FROM flows_ref s JOIN flows_ref g ON g.ipv4_src_addr = s.ipv4_dst_addr
WHERE s.protocol = 6 AND s.l4_src_port = 25 AND g.protocol = 47;

-- whole-row references and a CTE
SELECT count(*) FROM (SELECT a FROM all_devices a WHERE protocol = 47) s;
WITH t AS (SELECT protocol FROM all_devices) SELECT count(*) FROM t WHERE protocol = 17;
