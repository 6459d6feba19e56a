--
-- 05_spam_reflection: Kentik's three spam-reflection queries, verbatim, on the foreign table
-- and on flows_ref.  The third one finds the hosts that receive SMTP from outside and send GRE.
--
SET kentik_fdw.reference_time = 1700000000;

-- 1
SELECT ipv4_dst_addr,
SUM(both_bytes) AS f_sum_both_bytes
FROM all_devices
WHERE ctimestamp > 3600
AND protocol = 6
AND l4_src_port = 25
AND dst_flow_tags ILIKE '%MYNETWORK%'
GROUP BY ipv4_dst_addr
ORDER BY f_sum_both_bytes DESC
LIMIT 10000;
-- 2
SELECT ipv4_src_addr,
SUM(both_bytes) AS f_sum_both_bytes
FROM all_devices
WHERE ctimestamp > 3600
AND protocol = 47
AND src_flow_tags ILIKE '%MYNETWORK%'
GROUP BY ipv4_src_addr
ORDER BY f_sum_both_bytes DESC
LIMIT 10000;
-- 3
SELECT ipv4_src_addr,
ROUND(MAX(f_sum_both_bytes$gre_src_mbps) * 8 / 1000000 / 60, 3)
AS gre_src_mbps,
ROUND(MAX(f_sum_both_bytes$smtp_dst_mbps) * 8 / 1000000 / 60, 3)
AS smtp_dst_mbps
FROM ((
SELECT ipv4_src_addr,
SUM(both_bytes) AS f_sum_both_bytes$gre_src_mbps, 0
AS f_sum_both_bytes$smtp_dst_mbps
FROM all_devices
WHERE ctimestamp > 60
AND protocol=47
AND (src_flow_tags ILIKE '%MYNETWORK%')
GROUP BY ipv4_src_addr
ORDER BY f_sum_both_bytes$gre_src_mbps DESC
LIMIT 10000) UNION (
SELECT ipv4_dst_addr,0
AS f_sum_both_bytes$gre_src_mbps,
SUM(both_bytes) AS f_sum_both_bytes$smtp_dst_mbps
FROM all_devices
WHERE ctimestamp > 60
AND protocol=6
AND l4_src_port=25
AND (dst_flow_tags ILIKE '%MYNETWORK%')
GROUP BY ipv4_dst_addr
ORDER BY f_sum_both_bytes$smtp_dst_mbps DESC
LIMIT 10000)) a
GROUP BY ipv4_src_addr HAVING MAX(f_sum_both_bytes$gre_src_mbps) > 0
AND MAX(f_sum_both_bytes$smtp_dst_mbps) > 0
ORDER BY MAX(f_sum_both_bytes$gre_src_mbps) DESC,
MAX(f_sum_both_bytes$smtp_dst_mbps) DESC;

-- The same three on flows_ref and without pushdown: no differences.
CREATE FUNCTION kf_spam_query(n int, tab text) RETURNS text LANGUAGE sql AS $$
SELECT CASE n
WHEN 1 THEN 'SELECT ipv4_dst_addr, SUM(both_bytes) AS f_sum_both_bytes FROM ' || tab
  || ' WHERE ctimestamp > 3600 AND protocol = 6 AND l4_src_port = 25 AND dst_flow_tags ILIKE ''%MYNETWORK%'''
  || ' GROUP BY ipv4_dst_addr ORDER BY f_sum_both_bytes DESC LIMIT 10000'
WHEN 2 THEN 'SELECT ipv4_src_addr, SUM(both_bytes) AS f_sum_both_bytes FROM ' || tab
  || ' WHERE ctimestamp > 3600 AND protocol = 47 AND src_flow_tags ILIKE ''%MYNETWORK%'''
  || ' GROUP BY ipv4_src_addr ORDER BY f_sum_both_bytes DESC LIMIT 10000'
ELSE 'SELECT ipv4_src_addr, ROUND(MAX(f_sum_both_bytes$gre_src_mbps) * 8 / 1000000 / 60, 3) AS gre_src_mbps,'
  || ' ROUND(MAX(f_sum_both_bytes$smtp_dst_mbps) * 8 / 1000000 / 60, 3) AS smtp_dst_mbps FROM (('
  || ' SELECT ipv4_src_addr, SUM(both_bytes) AS f_sum_both_bytes$gre_src_mbps, 0 AS f_sum_both_bytes$smtp_dst_mbps'
  || ' FROM ' || tab || ' WHERE ctimestamp > 60 AND protocol=47 AND (src_flow_tags ILIKE ''%MYNETWORK%'')'
  || ' GROUP BY ipv4_src_addr ORDER BY f_sum_both_bytes$gre_src_mbps DESC LIMIT 10000) UNION ('
  || ' SELECT ipv4_dst_addr,0 AS f_sum_both_bytes$gre_src_mbps, SUM(both_bytes) AS f_sum_both_bytes$smtp_dst_mbps'
  || ' FROM ' || tab || ' WHERE ctimestamp > 60 AND protocol=6 AND l4_src_port=25 AND (dst_flow_tags ILIKE ''%MYNETWORK%'')'
  || ' GROUP BY ipv4_dst_addr ORDER BY f_sum_both_bytes$smtp_dst_mbps DESC LIMIT 10000)) a'
  || ' GROUP BY ipv4_src_addr HAVING MAX(f_sum_both_bytes$gre_src_mbps) > 0 AND MAX(f_sum_both_bytes$smtp_dst_mbps) > 0'
END $$;
CREATE FUNCTION kf_spam_compare(n int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE rows_fdw bigint; rows_local bigint; rows_ref bigint; d1 bigint; d2 bigint; d3 bigint; d4 bigint;
BEGIN
  EXECUTE 'CREATE TEMP TABLE r_fdw AS ' || kf_spam_query(n, 'all_devices');
  PERFORM set_config('kentik_fdw.enable_pushdown', 'off', true);
  EXECUTE 'CREATE TEMP TABLE r_local AS ' || kf_spam_query(n, 'all_devices');
  PERFORM set_config('kentik_fdw.enable_pushdown', 'on', true);
  EXECUTE 'CREATE TEMP TABLE r_ref AS ' || kf_spam_query(n, 'flows_ref');
  SELECT count(*) INTO rows_ref FROM r_ref;
  SELECT count(*) INTO d1 FROM (TABLE r_fdw EXCEPT ALL TABLE r_ref) x;
  SELECT count(*) INTO d2 FROM (TABLE r_ref EXCEPT ALL TABLE r_fdw) x;
  SELECT count(*) INTO d3 FROM (TABLE r_local EXCEPT ALL TABLE r_ref) x;
  SELECT count(*) INTO d4 FROM (TABLE r_ref EXCEPT ALL TABLE r_local) x;
  DROP TABLE r_fdw, r_local, r_ref;
  RETURN format('%s rows, differences %s %s %s %s', rows_ref, d1, d2, d3, d4);
END $$;
SELECT n, kf_spam_compare(n) FROM generate_series(1, 3) n;
