--
-- 00_setup: the extension, a server over the fixture data directory, IMPORT FOREIGN SCHEMA,
-- and flows_ref, an ordinary table holding the same flows (from the generator's CSV) with the
-- same column types, against which every later test compares the foreign tables.
--
\getenv fixture_dir KF_FIXTURE_DATA_DIR
\getenv fixture_csv KF_FIXTURE_CSV

CREATE EXTENSION kentik_fdw;
CREATE SERVER kde FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir :'fixture_dir');
-- The stored columns only, so that SELECT * compares with flows_ref below; sql/10 imports the
-- default (with the dialect columns).
IMPORT FOREIGN SCHEMA kentik FROM SERVER kde INTO public OPTIONS (dialect_columns 'false');

-- all_devices plus one table per device, named after the device
SELECT c.relname, ft.ftoptions
FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
ORDER BY c.relname COLLATE "C";
\d all_devices

-- The CSV has the stored columns; the derived ones are computed here.
CREATE TABLE flows_csv (
  ctimestamp bigint, i_device_id int, i_device_name text, inet_src_addr inet, inet_dst_addr inet,
  l4_src_port int, l4_dst_port int, protocol int, tcp_flags int, tos int,
  in_bytes bigint, in_pkts bigint, out_bytes bigint, out_pkts bigint,
  input_port int, output_port int, src_as bigint, dst_as bigint, ipv4_next_hop inet,
  vlan_in int, vlan_out int, sample_rate int, src_flow_tags text, dst_flow_tags text);
COPY flows_csv FROM :'fixture_csv' WITH (FORMAT csv, HEADER, FORCE_NOT_NULL (src_flow_tags, dst_flow_tags));

CREATE TABLE flows_ref (
  ctimestamp kentik_time, i_start_time timestamptz, i_device_id int, i_device_name text,
  inet_src_addr inet, inet_dst_addr inet, ipv4_src_addr inet, ipv4_dst_addr inet,
  l4_src_port int, l4_dst_port int, protocol int, tcp_flags int, tos int,
  in_bytes bigint, in_pkts bigint, out_bytes bigint, out_pkts bigint,
  both_bytes bigint, both_pkts bigint, input_port int, output_port int,
  src_as bigint, dst_as bigint, ipv4_next_hop inet, vlan_in int, vlan_out int,
  sample_rate int, src_flow_tags text, dst_flow_tags text);
INSERT INTO flows_ref
SELECT ctimestamp, to_timestamp(ctimestamp - ctimestamp % 60), i_device_id, i_device_name,
       inet_src_addr, inet_dst_addr,
       CASE WHEN family(inet_src_addr) = 4 THEN inet_src_addr END,
       CASE WHEN family(inet_dst_addr) = 4 THEN inet_dst_addr END,
       l4_src_port, l4_dst_port, protocol, tcp_flags, tos,
       in_bytes, in_pkts, out_bytes, out_pkts, in_bytes + out_bytes, in_pkts + out_pkts,
       input_port, output_port, src_as, dst_as, ipv4_next_hop, vlan_in, vlan_out,
       sample_rate, src_flow_tags, dst_flow_tags
FROM flows_csv;
ANALYZE flows_ref;

-- The foreign table and the reference hold exactly the same rows.
SELECT count(*) FROM all_devices;
SELECT count(*) FROM flows_ref;
SELECT count(*) AS only_in_fdw FROM (SELECT * FROM all_devices EXCEPT ALL SELECT * FROM flows_ref) d;
SELECT count(*) AS only_in_ref FROM (SELECT * FROM flows_ref EXCEPT ALL SELECT * FROM all_devices) d;
SELECT i_device_id, i_device_name, count(*), min(sample_rate), max(sample_rate),
       count(ipv4_src_addr) AS v4_flows
FROM all_devices GROUP BY 1, 2 ORDER BY 1;

--
-- kf_compare(condition) runs "SELECT every column WHERE condition" three ways: on all_devices
-- with pushdown, on all_devices without pushdown, and on flows_ref, and reports the row count,
-- the rows in one result but not another (all must be 0) and whether the foreign scan pushed
-- the condition ("pushed"), kept it local ("local") or split it ("partly").
--
CREATE FUNCTION kf_compare(cond text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  q text := 'SELECT ctimestamp, i_start_time, i_device_id, i_device_name, inet_src_addr, inet_dst_addr,'
         || ' ipv4_src_addr, ipv4_dst_addr, l4_src_port, l4_dst_port, protocol, tcp_flags, tos,'
         || ' in_bytes, in_pkts, out_bytes, out_pkts, both_bytes, both_pkts, input_port, output_port,'
         || ' src_as, dst_as, ipv4_next_hop, vlan_in, vlan_out, sample_rate, src_flow_tags,'
         || ' dst_flow_tags FROM @table@ WHERE ' || cond;
  line text;
  pushed bool := false;
  local bool := false;
  n bigint;
  d1 bigint; d2 bigint; d3 bigint; d4 bigint;
BEGIN
  PERFORM set_config('kentik_fdw.enable_pushdown', 'on', true);
  FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || replace(q, '@table@', 'all_devices') LOOP
    pushed := pushed OR line ~ 'Kentik Filter:';
    local := local OR line ~ '^\s*Filter:';
  END LOOP;
  EXECUTE 'CREATE TEMP TABLE kf_pushed AS ' || replace(q, '@table@', 'all_devices');
  PERFORM set_config('kentik_fdw.enable_pushdown', 'off', true);
  EXECUTE 'CREATE TEMP TABLE kf_local AS ' || replace(q, '@table@', 'all_devices');
  PERFORM set_config('kentik_fdw.enable_pushdown', 'on', true);
  EXECUTE 'CREATE TEMP TABLE kf_ref AS ' || replace(q, '@table@', 'flows_ref');
  SELECT count(*) INTO n FROM kf_ref;
  SELECT count(*) INTO d1 FROM (TABLE kf_pushed EXCEPT ALL TABLE kf_ref) x;
  SELECT count(*) INTO d2 FROM (TABLE kf_ref EXCEPT ALL TABLE kf_pushed) x;
  SELECT count(*) INTO d3 FROM (TABLE kf_local EXCEPT ALL TABLE kf_ref) x;
  SELECT count(*) INTO d4 FROM (TABLE kf_ref EXCEPT ALL TABLE kf_local) x;
  DROP TABLE kf_pushed, kf_local, kf_ref;
  RETURN format('%s rows, differences %s %s %s %s, %s', n, d1, d2, d3, d4,
                CASE WHEN pushed AND local THEN 'partly' WHEN pushed THEN 'pushed' ELSE 'local' END);
END $$;
