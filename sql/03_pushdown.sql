--
-- 03_pushdown: every kind of condition, pushed vs not pushed vs the reference table.
-- Each line reports: rows in the reference result, the four EXCEPT ALL differences (all 0) and
-- whether the foreign scan pushed the condition.  Row counts > 0 keep the tests from passing
-- vacuously; exact results follow at the end.
--
SET kentik_fdw.reference_time = 1700000000;

-- integers: every operator, both orders, int2/int4/int8 constants
SELECT c, kf_compare(c) FROM (VALUES
  ('protocol = 6'), ('protocol <> 6'), ('protocol < 17'), ('protocol <= 17'),
  ('protocol > 6'), ('protocol >= 17'), ('6 = protocol'), ('17 > protocol'),
  ('l4_src_port = 25::smallint'), ('l4_dst_port < 1024::bigint'), ('in_bytes > 100000'),
  ('src_as >= 64512'), ('src_as > 4294967295'), ('dst_as < 30000::int2'), ('i_device_id = 4'),
  ('both_bytes > 100000'), ('both_pkts <= 2'), ('sample_rate = 10'), ('tcp_flags = 2'),
  ('tos <> 0'), ('input_port = 3'), ('output_port > 5'), ('vlan_in = 0'), ('vlan_out <> 0'),
  ('in_pkts = 760'), ('in_pkts = 2147483648'), ('out_bytes < -1'), ('out_pkts >= 0'),
  ('l4_src_port BETWEEN 20 AND 30'), ('l4_src_port NOT BETWEEN 20 AND 30'),
  ('protocol IN (6, 17)'), ('protocol NOT IN (6, 17)'), ('protocol = ANY (ARRAY[1, 47]::bigint[])'),
  ('protocol <> ALL (ARRAY[6])'), ('protocol IN (6, NULL)'), ('protocol NOT IN (6, NULL)'),
  ('NOT (protocol IN (6, NULL))'), ('protocol = ANY (''{}''::int[])'),
  ('protocol <> ALL (''{}''::int[])'), ('protocol = NULL::int'), ('NOT (protocol = NULL::int)'),
  ('protocol = ANY (NULL::int[])')
) v(c);

-- boolean structure and NULL tests
SELECT c, kf_compare(c) FROM (VALUES
  ('protocol = 6 AND l4_src_port = 25'), ('protocol = 47 OR l4_src_port = 25'),
  ('NOT (protocol = 6 OR protocol = 17)'), ('NOT (protocol = 6 AND l4_dst_port = 25)'),
  ('(protocol = 6 OR protocol = 47) AND NOT (l4_src_port <> 25 AND tos = 0)'),
  ('protocol IS NULL'), ('protocol IS NOT NULL'), ('ipv4_src_addr IS NULL'),
  ('ipv4_src_addr IS NOT NULL'), ('ipv4_next_hop IS NULL'), ('NOT (ipv4_dst_addr IS NULL)'),
  ('protocol + 0 = 6'), ('protocol = 6 AND protocol * 2 = 12'), ('protocol = 6 OR protocol * 2 = 94'),
  ('l4_src_port = l4_dst_port'), ('protocol = (random() * 0)::int + 6'),
  ('protocol = (SELECT 6)'), ('protocol = length(''abcdef'')')
) v(c);

-- inet: host constants, networks, the ipv4_* NULLs under NOT
SELECT c, kf_compare(c) FROM (VALUES
  ('inet_dst_addr <<= ''10.0.0.0/8'''), ('inet_dst_addr << ''10.1.0.0/16'''),
  ('inet_src_addr <<= ''fd00::/8'''), ('inet_src_addr <<= ''::/0'''), ('inet_src_addr <<= ''0.0.0.0/0'''),
  ('inet_src_addr >>= ''10.1.0.0/16'''), ('inet_dst_addr >>= ''10.16.19.33'''), ('''10.0.0.0/8'' >>= inet_dst_addr'), ('inet_src_addr >> ''10.0.0.0/8'''),
  ('ipv4_src_addr <<= ''10.0.0.0/8'''), ('NOT (ipv4_src_addr <<= ''10.0.0.0/8'')'),
  ('NOT (ipv4_dst_addr << ''10.0.0.0/8'')'), ('NOT (ipv4_src_addr >> ''10.0.0.0/8'')'),
  ('ipv4_src_addr > ''10.0.0.0'''), ('NOT (ipv4_src_addr > ''10.0.0.0'')'),
  ('inet_src_addr > ''10.255.255.255'''), ('inet_src_addr < ''::1'''), ('inet_src_addr >= ''fd00::'''),
  ('NOT (inet_src_addr < ''::1'')'), ('inet_dst_addr <= ''2a00::'''), ('ipv4_src_addr < ''fd00::'''),
  ('NOT (ipv4_src_addr >= ''fd00::'')'), ('NOT (ipv4_dst_addr <= ''10.1.25.1'')'), ('inet_dst_addr > ''::'''),
  ('inet_dst_addr <> ''10.16.19.33'''), ('inet_src_addr = ''fd00:0:0:5::65c6'''), ('ipv4_next_hop <> ''10.0.0.1'''),
  ('NOT (ipv4_next_hop = ''10.0.0.1'')'), ('inet_src_addr = ''10.0.0.0/8'''),
  ('ipv4_dst_addr IN (''10.16.19.33'', ''10.1.25.1'', NULL)'), ('inet_src_addr IN (''fd00:0:0:5::65c6'', ''10.1.25.1'')'), ('ipv4_dst_addr NOT IN (''10.0.0.1'')'),
  ('NOT (ipv4_dst_addr IN (''10.0.0.1''))'), ('inet_src_addr = ''::ffff:10.0.0.1'''),
  ('inet_src_addr <<= ''::ffff:0:0/96'''), ('host(inet_src_addr) LIKE ''10.%''')
) v(c);

-- text: equality, IN, LIKE / ILIKE with escapes and case, collations
SELECT c, kf_compare(c) FROM (VALUES
  ('src_flow_tags = ''MYNETWORK'''), ('src_flow_tags <> ''MYNETWORK'''), ('src_flow_tags = '''''),
  ('''MYNETWORK'' = dst_flow_tags'), ('dst_flow_tags IN (''DC_EAST,MYNETWORK'', '''')'),
  ('dst_flow_tags NOT IN (''DC_EAST,MYNETWORK'', '''')'), ('dst_flow_tags IN (''MYNETWORK'', NULL)'),
  ('src_flow_tags LIKE ''%MYNET%'''), ('src_flow_tags LIKE ''DC\_EAST%'''), ('src_flow_tags LIKE ''DC_EAST%'''),
  ('src_flow_tags LIKE ''DC!_%'' ESCAPE ''!'''), ('src_flow_tags NOT LIKE ''%MYNETWORK'''),
  ('src_flow_tags ILIKE ''%mynetwork%'''), ('dst_flow_tags NOT ILIKE ''dc\_east%'''),
  ('dst_flow_tags ILIKE ''_c%'''), ('src_flow_tags LIKE ''%'''), ('src_flow_tags ILIKE ''%É%'''),
  ('src_flow_tags = ''MYNETWORK'' COLLATE "C"'), ('i_device_name = ''edge-router-2'''),
  ('i_device_name LIKE ''%-1'''), ('src_flow_tags < ''M'''), ('upper(src_flow_tags) = ''MYNETWORK''')
) v(c);

-- a nondeterministic collation: equality is no longer byte equality, so it stays local
CREATE COLLATION kf_case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
SELECT c, kf_compare(c) FROM (VALUES
  ('src_flow_tags = ''mynetwork'' COLLATE kf_case_insensitive'),
  ('src_flow_tags COLLATE kf_case_insensitive IN (''mynetwork'', ''x'')'),
  ('src_flow_tags = ''MYNETWORK'' COLLATE "C"'), ('src_flow_tags LIKE ''%MYNET%'' COLLATE "C"')
) v(c);
DROP COLLATION kf_case_insensitive;

-- time: kentik_time relative and absolute, i_start_time with exact rounding, stable expressions
SELECT c, kf_compare(c) FROM (VALUES
  ('ctimestamp > 3600'), ('ctimestamp > 600'), ('ctimestamp < 60'), ('ctimestamp > 3660 AND ctimestamp < 60'),
  ('ctimestamp >= 1699999000'), ('ctimestamp < 1699997000::bigint'), ('1800 > ctimestamp'),
  ('ctimestamp = 1699999790'), ('ctimestamp <> 1699999790'), ('ctimestamp > ''1699999000''::kentik_time'),
  ('ctimestamp::bigint > 1699999000'), ('ctimestamp / 60 * 60 = 1699998000'),
  ('ctimestamp IN (1699999790, 1699996622)'), ('NOT (ctimestamp > 1800)'),
  ('i_start_time >= ''2023-11-14 22:00:00+00'''), ('i_start_time > ''2023-11-14 22:00:00.5+00'''),
  ('i_start_time >= ''2023-11-14 22:00:00.5+00'''), ('i_start_time < ''2023-11-14 22:00:00.5+00'''),
  ('i_start_time <= ''2023-11-14 22:00:00+00'''), ('i_start_time = ''2023-11-14 22:00:00+00'''),
  ('i_start_time = ''2023-11-14 22:00:00.5+00'''), ('i_start_time <> ''2023-11-14 22:00:00.5+00'''),
  ('i_start_time < ''infinity'''), ('i_start_time > ''-infinity'''),
  ('i_start_time > ''2023-11-14 22:15:00+00''::timestamptz - interval ''10 minutes'''),
  ('i_start_time > to_timestamp(1700000000) - interval ''10 minutes'''),
  ('i_start_time > ''2023-11-14''::date')
) v(c);

-- exact results, so that agreement cannot come from three empty answers
SELECT protocol, count(*), sum(both_bytes), sum(both_pkts) FROM all_devices
WHERE protocol IN (1, 6, 17, 47) GROUP BY 1 ORDER BY 1;
SELECT i_device_id, count(*) FILTER (WHERE ipv4_src_addr IS NULL) AS v6_sources,
       count(*) FILTER (WHERE NOT (ipv4_src_addr <<= '10.0.0.0/8')) AS v4_outside,
       count(*) FILTER (WHERE inet_src_addr <<= 'fd00::/8') AS v6_inside
FROM all_devices GROUP BY 1 ORDER BY 1;
SELECT ctimestamp, i_start_time, i_device_name, inet_src_addr, inet_dst_addr, protocol, both_bytes,
       src_flow_tags, dst_flow_tags
FROM all_devices WHERE inet_src_addr = 'fd00:0:0:5::65c6' ORDER BY ctimestamp;
SELECT sum(both_bytes) AS all_bytes FROM all_devices;

-- without kentik_fdw.reference_time, "now" is the transaction start: the 2023 fixture is old
RESET kentik_fdw.reference_time;
SELECT count(*) FILTER (WHERE ctimestamp > 3600) AS last_hour,
       count(*) FILTER (WHERE ctimestamp < 3600) AS older FROM all_devices;
SELECT count(*) AS last_hour_pushed FROM all_devices WHERE ctimestamp > 3600;
SELECT count(*) AS older_pushed FROM all_devices WHERE ctimestamp < 3600;
